package main

// The end-to-end corpus: messages written the way salesmen type them, sent
// through the real pipeline to the demo world at a fixed time, each checked
// on the records it leaves in the store (and on its reply).
//
// testdata/e2e/*.txt hold the cases:
//
//	case visit-tieling-1            a case id, unique over all files
//	from wang                       wang, li, zhao (salesmen) or liu (their manager)
//	send V tieling; met wu hao      one message (a case may send several: a conversation)
//	reply OK visit                  the last reply contains this (case-insensitive)
//	noreply not understood          … and does not contain this
//	activity type=visit account="Tieling Cement" contact="Wu Hao" status=done
//	opp id=7 stage=4                a record the messages created or changed has these fields
//	nothing                         the messages changed no record
//
// Record lines name a kind (account, contact, lead, opp, activity,
// equipment) and fields: key=value (equal, case-insensitive), key~=value
// (contains). account=/contact=/owner= compare the name of the record
// pointed to; dates (due, close, bought, done_at, delivery) compare as far as
// the value goes in Asia/Shanghai (2026-11-27, 2026-11-27 15:00, 2019-05,
// 2019); amount and estimated_value are in yuan; product=2x320D is a product
// line; mobile/phone/phones/landline compare the digits at the end (a
// national number's trunk 0 left out).
//
// testdata/e2e/known_failures.txt lists the cases that fail today (id and
// reason): they are skipped with their reason logged, and the test fails when
// one of them passes, so that the list only shrinks. E2E_UPDATE_KNOWN=1
// rewrites the list with the cases failing now.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/templates"
)

// e2eNow is the corpus's fixed time: Wednesday 25 November 2026, 09:30 in
// Shenyang. fri is 27/11, mon 30/11, 下周二 1/12.
var e2eNow = time.Date(2026, 11, 25, 9, 30, 0, 0, shenyang)

var e2ePhones = map[string]string{"liu": "+8613800000001", "wang": "+8613800000002", "li": "+8613800000003", "zhao": "+8613800000004"}

type e2eStep struct {
	op   string // send, reply, noreply, record, nothing
	arg  string
	kind string
	want []e2eField
	line int
}

type e2eField struct {
	key, op, val string // op "=" or "~="
}

type e2eCase struct {
	id, file, from string
	steps          []e2eStep
}

func TestE2ECorpus(t *testing.T) {
	t.Setenv("FIELDCRM_TZ", "Asia/Shanghai")
	cases := e2eLoad(t)
	known := e2eKnown(t)
	for id := range known {
		if !e2eHasCase(cases, id) {
			t.Errorf("known_failures.txt names %q, which is no case", id)
		}
	}
	seed := demoDBAt(t, e2eNow)
	tpl := templates.MustNew()
	var pass, fail int
	failing := map[string]string{}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			problems := e2eRun(t, c, seed, tpl)
			reason, isKnown := known[c.id]
			switch {
			case len(problems) == 0 && isKnown:
				pass++
				t.Errorf("%s passes now: remove it from testdata/e2e/known_failures.txt", c.id)
			case len(problems) == 0:
				pass++
			case isKnown:
				fail++
				failing[c.id] = problems[0]
				t.Skipf("known failure (%s): %s", reason, strings.Join(problems, "; "))
			default:
				fail++
				failing[c.id] = problems[0]
				for _, p := range problems {
					t.Errorf("%s (%s): %s", c.id, c.file, p)
				}
			}
		})
	}
	total := pass + fail
	if total > 0 {
		t.Logf("end-to-end corpus: %d of %d cases pass (%.0f%%), %d known failures", pass, total, 100*float64(pass)/float64(total), len(known))
	}
	if os.Getenv("E2E_UPDATE_KNOWN") != "" {
		e2eWriteKnown(t, failing)
	}
}

func e2eHasCase(cases []e2eCase, id string) bool {
	for _, c := range cases {
		if c.id == id {
			return true
		}
	}
	return false
}

// e2eRun sends the case's messages to a copy of the seeded demo database and
// returns what is not as expected.
func e2eRun(t *testing.T, c e2eCase, seed string, tpl *templates.Set) (problems []string) {
	db := filepath.Join(t.TempDir(), "crm.db")
	data, err := os.ReadFile(seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64
	clock.Store(e2eNow.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).In(shenyang) }
	s, err := crm.Open(db, crm.Options{Now: now, NoSync: true, Location: shenyang})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pipe, err := gateway.New(gateway.Config{Store: s, Templates: tpl, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	before := e2eCSSeq(t, s)
	var reply string
	var replies []string
	for i, st := range c.steps {
		switch st.op {
		case "send":
			if i > 0 {
				clock.Add(int64(time.Minute))
			}
			res, err := pipe.Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS, ID: fmt.Sprintf("E2E-%s-%d", c.id, i),
				From: e2ePhones[c.from], Body: st.arg}, gateway.Options{})
			if err != nil {
				return append(problems, fmt.Sprintf("line %d: %q: %v", st.line, st.arg, err))
			}
			reply = res.Reply
			replies = append(replies, fmt.Sprintf("%q → %q", st.arg, res.Reply))
		case "reply":
			if !strings.Contains(strings.ToLower(reply), strings.ToLower(st.arg)) {
				problems = append(problems, fmt.Sprintf("line %d: reply %q lacks %q", st.line, reply, st.arg))
			}
		case "noreply":
			if strings.Contains(strings.ToLower(reply), strings.ToLower(st.arg)) {
				problems = append(problems, fmt.Sprintf("line %d: reply %q says %q", st.line, reply, st.arg))
			}
		}
	}
	touched := e2eTouched(t, s, before)
	if os.Getenv("E2E_DUMP") != "" {
		for _, r := range touched {
			b, _ := json.Marshal(r.fields)
			t.Logf("%s %s", r.kind, b)
		}
		t.Logf("replies: %s", strings.Join(replies, " | "))
	}
	for _, st := range c.steps {
		switch st.op {
		case "nothing":
			if len(touched) > 0 {
				var what []string
				for _, r := range touched {
					if !r.restored {
						what = append(what, fmt.Sprintf("%s #%v", r.kind, r.fields["id"]))
					}
				}
				if len(what) > 0 {
					problems = append(problems, fmt.Sprintf("line %d: want nothing changed, changed %s", st.line, strings.Join(what, ", ")))
				}
			}
		case "record":
			if why := e2eMatch(t, s, st, touched); why != "" {
				problems = append(problems, fmt.Sprintf("line %d: %s", st.line, why))
			}
		}
	}
	if len(problems) > 0 {
		problems = append(problems, "replies: "+strings.Join(replies, " | "))
	}
	return problems
}

func e2eCSSeq(t *testing.T, s *crm.Store) uint64 {
	var n uint64
	s.Engine().View(context.Background(), func(tx crm.ETx) error {
		n = uint64(tx.LastChangeSet())
		return nil
	})
	return n
}

type e2eRecord struct {
	kind   crm.Kind
	fields map[string]any
	// restored: the record is as it was before the case (an UNDO put it
	// back), its update time aside
	restored bool
}

// e2eSame says two stored forms of a record are the same but for when they
// were last updated.
func e2eSame(a, b []byte) bool {
	var ma, mb map[string]any
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return false
	}
	delete(ma, "updated")
	delete(mb, "updated")
	x, _ := json.Marshal(ma)
	y, _ := json.Marshal(mb)
	return string(x) == string(y)
}

// e2eTouched returns the present state of every record changed after change
// set `after` (records deleted since are left out).
func e2eTouched(t *testing.T, s *crm.Store, after uint64) []e2eRecord {
	var out []e2eRecord
	last := e2eCSSeq(t, s)
	seen := map[string]bool{}
	first := map[string]json.RawMessage{} // each record's state before the case
	s.View(crm.System, func(tx *crm.Tx) error {
		for id := int64(after + 1); id <= int64(last); id++ {
			cs, err := tx.ChangeSetByID(id)
			if err != nil {
				continue
			}
			for _, ch := range cs.Changes {
				key := fmt.Sprintf("%s/%d", ch.Kind, ch.ID)
				if _, ok := first[key]; !ok {
					first[key] = ch.Before
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				r, err := tx.Get(ch.Kind, ch.ID)
				if err != nil {
					continue
				}
				data, _ := json.Marshal(r)
				m := map[string]any{}
				d := json.NewDecoder(strings.NewReader(string(data)))
				d.UseNumber()
				d.Decode(&m)
				out = append(out, e2eRecord{kind: ch.Kind, fields: m, restored: first[key] != nil && e2eSame(first[key], data)})
			}
		}
		return nil
	})
	return out
}

var e2eKinds = map[string]crm.Kind{"account": crm.KindAccount, "contact": crm.KindContact, "lead": crm.KindLead,
	"opp": crm.KindOpp, "activity": crm.KindActivity, "equipment": crm.KindEquipment}

// e2eMatch finds a touched record of the step's kind with every field as
// wanted; it returns "" or why none matches.
func e2eMatch(t *testing.T, s *crm.Store, st e2eStep, touched []e2eRecord) string {
	kind := e2eKinds[st.kind]
	var closest string
	best := -1
	n := 0
	for _, r := range touched {
		if r.kind != kind {
			continue
		}
		n++
		ok, bad := 0, []string{}
		for _, f := range st.want {
			got := e2eValue(s, r, f)
			if e2eFieldOK(f, got) {
				ok++
			} else {
				bad = append(bad, fmt.Sprintf("%s is %q, want %s%s", f.key, got, strings.TrimPrefix(f.op, "="), f.val))
			}
		}
		if len(bad) == 0 {
			return ""
		}
		if ok > best {
			best, closest = ok, fmt.Sprintf("%s #%v: %s", st.kind, r.fields["id"], strings.Join(bad, ", "))
		}
	}
	if n == 0 {
		return fmt.Sprintf("no %s was created or changed", st.kind)
	}
	return "no matching " + st.kind + "; closest " + closest
}

// e2eValue is a field of r as the corpus writes it.
func e2eValue(s *crm.Store, r e2eRecord, f e2eField) string {
	str := func(k string) string {
		v, ok := r.fields[k]
		if !ok || v == nil {
			return ""
		}
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	name := func(k crm.Kind, idField string) string {
		id, _ := strconv.ParseInt(str(idField), 10, 64)
		if id == 0 {
			return ""
		}
		var n string
		s.View(crm.System, func(tx *crm.Tx) error {
			rec, err := tx.Get(k, id)
			if err != nil {
				return nil
			}
			b, _ := json.Marshal(rec)
			var m struct {
				Name string `json:"name"`
			}
			json.Unmarshal(b, &m)
			n = m.Name
			return nil
		})
		return n
	}
	switch f.key {
	case "account":
		if r.kind == crm.KindAccount {
			return str("name")
		}
		return name(crm.KindAccount, "account")
	case "contact":
		if r.kind == crm.KindContact {
			return str("name")
		}
		return name(crm.KindContact, "contact")
	case "owner":
		return name(crm.KindUser, "owner")
	case "amount", "estimated_value":
		n, _ := strconv.ParseInt(str(f.key), 10, 64)
		if n%100 == 0 {
			return strconv.FormatInt(n/100, 10)
		}
		return strconv.FormatFloat(float64(n)/100, 'f', 2, 64)
	case "due", "close", "bought", "done_at", "delivery", "delivered", "smu_at":
		v := str(f.key)
		tm, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return v
		}
		return tm.In(shenyang).Format("2006-01-02 15:04")
	case "product":
		var lines []string
		if ps, ok := r.fields["products"].([]any); ok {
			for _, p := range ps {
				m, _ := p.(map[string]any)
				lines = append(lines, fmt.Sprintf("%vx%v", m["qty"], m["model"]))
			}
		}
		return strings.Join(lines, ",")
	}
	return str(f.key)
}

func e2eFieldOK(f e2eField, got string) bool {
	g, w := strings.ToLower(got), strings.ToLower(f.val)
	switch f.key {
	case "due", "close", "bought", "done_at", "delivery", "delivered", "smu_at":
		return f.op == "=" && strings.HasPrefix(g, w) && w != "" || f.op == "=" && w == "" && g == ""
	case "mobile", "phone", "phones", "landline":
		digits := func(s string) string {
			var b strings.Builder
			for _, c := range s {
				if c >= '0' && c <= '9' {
					b.WriteRune(c)
				}
			}
			return b.String()
		}
		dw := digits(w)
		if strings.HasPrefix(g, "+") && strings.HasPrefix(dw, "0") {
			dw = dw[1:] // 0415-3123456 is stored as +864153123456: the trunk 0 is not part of it
		}
		return w != "" && strings.HasSuffix(digits(g), dw) || w == "" && g == ""
	case "product":
		if f.op == "=" {
			for _, p := range strings.Split(g, ",") {
				if p == w {
					return true
				}
			}
			return false
		}
	}
	if f.op == "~=" {
		return strings.Contains(g, w)
	}
	return g == w
}

// e2eLoad reads every case file.
func e2eLoad(t *testing.T) []e2eCase {
	files, err := filepath.Glob(filepath.Join("testdata", "e2e", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []e2eCase
	ids := map[string]string{}
	for _, file := range files {
		if filepath.Base(file) == "known_failures.txt" {
			continue
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, e2eParse(t, file, f, ids)...)
		f.Close()
	}
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].file < cases[j].file })
	return cases
}

// e2eParse reads cases in the corpus format from r (named file in
// messages); ids collects the case ids seen, to refuse duplicates.
func e2eParse(t *testing.T, file string, r io.Reader, ids map[string]string) []e2eCase {
	t.Helper()
	var cases []e2eCase
	sc := bufio.NewScanner(r)
	var cur *e2eCase
	flush := func() {
		if cur != nil {
			cases = append(cases, *cur)
		}
	}
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		bad := func(format string, a ...any) {
			t.Fatalf("%s:%d: %s", file, ln, fmt.Sprintf(format, a...))
		}
		if word == "case" {
			flush()
			if prev, dup := ids[rest]; dup {
				bad("case %q again (first in %s)", rest, prev)
			}
			ids[rest] = file
			cur = &e2eCase{id: rest, file: filepath.Base(file)}
			continue
		}
		if cur == nil {
			bad("%q before the first case", line)
		}
		switch word {
		case "from":
			if e2ePhones[rest] == "" {
				bad("unknown sender %q", rest)
			}
			cur.from = rest
		case "send", "reply", "noreply":
			cur.steps = append(cur.steps, e2eStep{op: word, arg: rest, line: ln})
		case "nothing":
			cur.steps = append(cur.steps, e2eStep{op: "nothing", line: ln})
		default:
			if _, ok := e2eKinds[word]; !ok {
				bad("unknown line %q", line)
			}
			fields, err := e2eFields(rest)
			if err != nil {
				bad("%v", err)
			}
			cur.steps = append(cur.steps, e2eStep{op: "record", kind: word, want: fields, line: ln})
		}
	}
	flush()
	for _, c := range cases {
		if c.from == "" {
			t.Fatalf("%s: case %s: no sender", file, c.id)
		}
	}
	return cases
}

func e2eFields(s string) ([]e2eField, error) {
	var out []e2eField
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		i := strings.Index(s, "=")
		if i <= 0 {
			return nil, fmt.Errorf("want key=value in %q", s)
		}
		f := e2eField{key: s[:i], op: "="}
		if strings.HasSuffix(f.key, "~") {
			f.key, f.op = strings.TrimSuffix(f.key, "~"), "~="
		}
		s = s[i+1:]
		if strings.HasPrefix(s, `"`) {
			j := strings.Index(s[1:], `"`)
			if j < 0 {
				return nil, fmt.Errorf("unclosed quote in %q", s)
			}
			f.val, s = s[1:j+1], s[j+2:]
		} else {
			j := strings.IndexByte(s, ' ')
			if j < 0 {
				j = len(s)
			}
			f.val, s = s[:j], s[j:]
		}
		out = append(out, f)
	}
	return out, nil
}

const e2eKnownFile = "testdata/e2e/known_failures.txt"

// e2eKnown reads the known failures: "id  reason" per line.
func e2eKnown(t *testing.T) map[string]string {
	out := map[string]string{}
	data, err := os.ReadFile(e2eKnownFile)
	if os.IsNotExist(err) {
		return out
	} else if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		out[id] = strings.TrimSpace(reason)
	}
	return out
}

func e2eWriteKnown(t *testing.T, failing map[string]string) {
	var ids []string
	for id := range failing {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	b.WriteString("# End-to-end cases that fail today: id, then what went wrong first.\n")
	b.WriteString("# TestE2ECorpus skips them and fails when one passes: remove it then. The list only shrinks.\n")
	for _, id := range ids {
		reason := strings.ReplaceAll(failing[id], "\n", " ")
		if r := []rune(reason); len(r) > 160 {
			reason = string(r[:160]) + "…"
		}
		fmt.Fprintf(&b, "%s  %s\n", id, reason)
	}
	if err := os.WriteFile(e2eKnownFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d cases", e2eKnownFile, len(ids))
}
