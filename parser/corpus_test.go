package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata expectations and docs/commands.md from the code")

const corpusFile = "testdata/messages.txt"

// corpusCase is one message of testdata/messages.txt.
type corpusCase struct {
	line int    // line of the first "> "
	text string // the message
	now  time.Time
	loc  *time.Location
	want string // expected JSON, compact; "" when missing
	at   string // the "@ ..." line, if any
}

var defaultNow = time.Date(2026, 11, 25, 10, 0, 0, 0, mustLoc("Asia/Shanghai"))

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// readCorpus reads the corpus and also returns its lines, for -update.
func readCorpus(tb testing.TB) ([]corpusCase, []string) {
	tb.Helper()
	b, err := os.ReadFile(corpusFile)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	var cases []corpusCase
	var cur *corpusCase
	pendingAt := ""
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "@ "):
			pendingAt = l
		case strings.HasPrefix(l, "> ") || l == ">":
			cases = append(cases, corpusCase{line: i + 1, text: strings.TrimPrefix(strings.TrimPrefix(l, ">"), " ")})
			cur = &cases[len(cases)-1]
			cur.now, cur.loc = defaultNow, defaultNow.Location()
			if pendingAt != "" {
				cur.at = pendingAt
				for _, f := range strings.Fields(pendingAt[2:]) {
					k, v, _ := strings.Cut(f, "=")
					switch k {
					case "tz":
						cur.loc = mustLoc(v)
					case "now":
						t, err := time.Parse("2006-01-02T15:04", v)
						if err != nil {
							tb.Fatalf("line %d: %v", i+1, err)
						}
						cur.now = t
					}
				}
				y, m, d := cur.now.Date()
				cur.now = time.Date(y, m, d, cur.now.Hour(), cur.now.Minute(), 0, 0, cur.loc)
				pendingAt = ""
			}
		case strings.HasPrefix(l, "|"):
			if cur == nil {
				tb.Fatalf("line %d: continuation without a message", i+1)
			}
			cur.text += "\n" + strings.TrimPrefix(strings.TrimPrefix(l, "|"), " ")
		case strings.HasPrefix(l, "= "):
			if cur == nil {
				tb.Fatalf("line %d: expectation without a message", i+1)
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, []byte(l[2:])); err != nil {
				tb.Fatalf("line %d: %v", i+1, err)
			}
			cur.want = buf.String()
			cur = nil
		}
	}
	return cases, lines
}

// got renders what Parse makes of a case, as compared with the corpus.
func (c corpusCase) got() string {
	cmd, err := Parse(c.text, Context{Now: c.now, Loc: c.loc})
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
	cases, lines := readCorpus(t)
	if len(cases) < 300 {
		t.Errorf("corpus has %d messages, want at least 300", len(cases))
	}
	if *update {
		writeCorpus(t, cases, lines)
		return
	}
	for _, c := range cases {
		got := c.got()
		if c.want == "" {
			t.Errorf("%s:%d: %q has no expectation; got\n= %s", corpusFile, c.line, c.text, got)
			continue
		}
		if got != c.want {
			t.Errorf("%s:%d: %q\n got: %s\nwant: %s", corpusFile, c.line, c.text, got, c.want)
		}
	}
}

// writeCorpus rewrites the "= " lines from the code's output.
func writeCorpus(t *testing.T, cases []corpusCase, lines []string) {
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
	if err := os.WriteFile(corpusFile, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
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
