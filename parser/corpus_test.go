package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata expectations and docs/commands.md from the code")

// corpusGlob matches the corpus files: messages.txt and one file per area
// (messages_values.txt, messages_verbs.txt, ...), all in the same format.
const corpusGlob = "testdata/messages*.txt"

// corpusCase is one message of a corpus file.
type corpusCase struct {
	file string // the corpus file it comes from
	line int    // line of the first "> "
	text string // the message
	now  time.Time
	loc  *time.Location
	lex  *Lexicon // the sender's known names ("lex=demo"), or nil
	want string   // expected JSON, compact; "" when missing
	at   string   // the "@ ..." line, if any
}

var defaultNow = time.Date(2026, 11, 25, 10, 0, 0, 0, mustLoc("Asia/Shanghai"))

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// corpusFiles lists the corpus files.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(corpusGlob)
	if err != nil || len(files) == 0 {
		tb.Fatalf("no corpus files %s: %v", corpusGlob, err)
	}
	return files
}

// readCorpus reads the cases of every corpus file.
func readCorpus(tb testing.TB) ([]corpusCase, []string) {
	tb.Helper()
	var all []corpusCase
	for _, f := range corpusFiles(tb) {
		cases, _ := readCorpusFile(tb, f)
		all = append(all, cases...)
	}
	return all, nil
}

// readCorpusFile reads one corpus file and also returns its lines, for
// -update. "@ now=... tz=... lex=demo" sets the next case's clock, zone and
// lexicon; "@@ ..." sets them for every case after it in the file.
func readCorpusFile(tb testing.TB, file string) ([]corpusCase, []string) {
	tb.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	var cases []corpusCase
	var cur *corpusCase
	pendingAt, fileAt := "", ""
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "@@ "):
			fileAt = l[1:]
		case strings.HasPrefix(l, "@ "):
			pendingAt = l
		case strings.HasPrefix(l, "> ") || l == ">":
			cases = append(cases, corpusCase{file: file, line: i + 1, text: strings.TrimPrefix(strings.TrimPrefix(l, ">"), " ")})
			cur = &cases[len(cases)-1]
			cur.now, cur.loc = defaultNow, defaultNow.Location()
			if pendingAt != "" || fileAt != "" {
				cur.at = pendingAt
				for _, f := range strings.Fields(fileAt + " " + strings.TrimPrefix(pendingAt, "@")) {
					k, v, _ := strings.Cut(f, "=")
					switch k {
					case "tz":
						cur.loc = mustLoc(v)
					case "now":
						t, err := time.Parse("2006-01-02T15:04", v)
						if err != nil {
							tb.Fatalf("%s:%d: %v", file, i+1, err)
						}
						cur.now = t
					case "lex":
						cur.lex = nil
						if v != "none" {
							cur.lex = testLexicon(tb, v)
						}
					}
				}
				y, m, d := cur.now.Date()
				cur.now = time.Date(y, m, d, cur.now.Hour(), cur.now.Minute(), 0, 0, cur.loc)
				pendingAt = ""
			}
		case strings.HasPrefix(l, "|"):
			if cur == nil {
				tb.Fatalf("%s:%d: continuation without a message", file, i+1)
			}
			cur.text += "\n" + strings.TrimPrefix(strings.TrimPrefix(l, "|"), " ")
		case strings.HasPrefix(l, "= "):
			if cur == nil {
				tb.Fatalf("%s:%d: expectation without a message", file, i+1)
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, []byte(l[2:])); err != nil {
				tb.Fatalf("%s:%d: %v", file, i+1, err)
			}
			cur.want = buf.String()
			cur = nil
		}
	}
	return cases, lines
}

// got renders what Parse makes of a case, as compared with the corpus.
func (c corpusCase) got() string {
	cmd, err := Parse(c.text, Context{Now: c.now, Loc: c.loc, Lexicon: c.lex})
	var b []byte
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			return fmt.Sprintf(`{"bad error type":%q}`, err.Error())
		}
		b = marshal(pe)
	} else {
		cmd.Raw = ""
		b = marshal(cmd)
	}
	return string(b)
}

func TestCorpus(t *testing.T) {
	total := 0
	for _, file := range corpusFiles(t) {
		cases, lines := readCorpusFile(t, file)
		total += len(cases)
		if *update {
			writeCorpus(t, file, cases, lines)
			continue
		}
		for _, c := range cases {
			got := c.got()
			if c.want == "" {
				t.Errorf("%s:%d: %q has no expectation; got\n= %s", file, c.line, c.text, got)
				continue
			}
			if got != c.want && strings.Contains(c.at, "todo") {
				t.Logf("%s:%d: %q (todo)\n got: %s\nwant: %s", file, c.line, c.text, got, c.want)
				continue
			}
			if got != c.want {
				t.Errorf("%s:%d: %q\n got: %s\nwant: %s", file, c.line, c.text, got, c.want)
			}
		}
	}
	if total < 300 {
		t.Errorf("corpus has %d messages, want at least 300", total)
	}
}

// writeCorpus rewrites the "= " lines from the code's output.
func writeCorpus(t *testing.T, file string, cases []corpusCase, lines []string) {
	byLine := map[int]corpusCase{}
	for _, c := range cases {
		byLine[c.line] = c
	}
	var out []string
	var pending *corpusCase
	flush := func() {
		if pending != nil {
			out = append(out, "= "+pending.got())
			pending = nil
		}
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "= ") {
			continue
		}
		if c, ok := byLine[i+1]; ok {
			flush()
			c := c
			pending = &c
		} else if !strings.HasPrefix(l, "|") {
			flush()
		}
		out = append(out, l)
	}
	flush()
	if err := os.WriteFile(file, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimRight(buf.Bytes(), "\n")
}
