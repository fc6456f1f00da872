package parser

import (
	"errors"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func ctx() Context { return Context{Now: defaultNow} }

func mustParse(t *testing.T, text string) *Command {
	t.Helper()
	c, err := Parse(text, ctx())
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	return c
}

func day(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, defaultNow.Location())
}

func TestDates(t *testing.T) {
	// now: Wednesday 2026-11-25 10:00 Asia/Shanghai
	tests := []struct {
		in      string
		want    time.Time
		hasTime bool
	}{
		{"today", day(2026, 11, 25, 0, 0), false},
		{"tomorrow", day(2026, 11, 26, 0, 0), false},
		{"tmr", day(2026, 11, 26, 0, 0), false},
		{"fri", day(2026, 11, 27, 0, 0), false},
		{"wed", day(2026, 11, 25, 0, 0), false}, // today counts
		{"tue", day(2026, 12, 1, 0, 0), false},
		{"next mon", day(2026, 11, 30, 0, 0), false},
		{"next wed", day(2026, 12, 2, 0, 0), false},
		{"this mon", day(2026, 11, 23, 0, 0), false},
		{"in 3 days", day(2026, 11, 28, 0, 0), false},
		{"in 2 weeks", day(2026, 12, 9, 0, 0), false},
		{"eod", day(2026, 11, 25, 18, 0), true},
		{"明天", day(2026, 11, 26, 0, 0), false},
		{"后天", day(2026, 11, 27, 0, 0), false},
		{"下周二", day(2026, 12, 1, 0, 0), false},
		{"周五", day(2026, 11, 27, 0, 0), false},
		{"星期一", day(2026, 11, 30, 0, 0), false},
		{"28/11", day(2026, 11, 28, 0, 0), false},
		{"11-28", day(2026, 11, 28, 0, 0), false},
		{"2026-11-28", day(2026, 11, 28, 0, 0), false},
		{"12/15", day(2026, 12, 15, 0, 0), false}, // falls back to month/day
		{"15/1", day(2027, 1, 15, 0, 0), false},   // rolled into next year
		{"1/10", day(2026, 10, 1, 0, 0), false},   // 55 days ago: not rolled
		{"3pm", day(2026, 11, 25, 15, 0), true},
		{"9am", day(2026, 11, 26, 9, 0), true}, // passed today: tomorrow
		{"15:00", day(2026, 11, 25, 15, 0), true},
		{"fri 3pm", day(2026, 11, 27, 15, 0), true},
		{"3pm fri", day(2026, 11, 27, 15, 0), true},
		{"明天下午3点", day(2026, 11, 26, 15, 0), true},
		{"下午3点半", day(2026, 11, 25, 15, 30), true},
		{"11月28日", day(2026, 11, 28, 0, 0), false},
		{"28号", day(2026, 11, 28, 0, 0), false},
		{"3天后", day(2026, 11, 28, 0, 0), false},
		{"28 nov", day(2026, 11, 28, 0, 0), false},
		{"月底", day(2026, 11, 30, 0, 0), false},
	}
	for _, tt := range tests {
		c := mustParse(t, "PLAN visit acme "+tt.in)
		if c.Due == nil || !c.Due.Equal(tt.want) || c.HasTime != tt.hasTime {
			t.Errorf("%q: due %v has_time %v, want %v %v", tt.in, c.Due, c.HasTime, tt.want, tt.hasTime)
		}
		if c.Target == nil || c.Target.Name != "acme" {
			t.Errorf("%q: target %+v, want acme", tt.in, c.Target)
		}
	}
	for _, bad := range []string{"31/11", "32/13", "2026-02-30"} {
		if _, err := Parse("OPP #42 close "+bad, ctx()); err == nil {
			t.Errorf("close %s: want an error", bad)
		}
	}
}

func TestZoneAndNilLoc(t *testing.T) {
	ny := mustLoc("America/New_York")
	c, err := Parse("PLAN visit acme tomorrow 9am", Context{Now: time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC), Loc: ny})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 26, 9, 0, 0, 0, ny); !c.Due.Equal(want) || c.Due.Location() != ny {
		t.Errorf("due %v, want %v in New York", c.Due, want)
	}
	c, err = Parse("PLAN visit acme today", Context{Now: time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC); !c.Due.Equal(want) {
		t.Errorf("nil Loc: due %v, want %v", c.Due, want)
	}
}

func TestAmounts(t *testing.T) {
	tests := []struct {
		in    string
		cents int64
		cur   string
	}{
		{"1.2m", 120000000, ""},
		{"350k", 35000000, ""},
		{"350,000", 35000000, ""},
		{"35万", 35000000, ""},
		{"35w", 35000000, ""},
		{"1.5亿", 15000000000, ""},
		{"¥350000", 35000000, "CNY"},
		{"$1,200", 120000, "USD"},
		{"350000元", 35000000, "CNY"},
		{"35万元", 35000000, "CNY"},
		{"rmb350k", 35000000, "CNY"},
		{"¥350.50", 35050, "CNY"},
		{"1,234,567.89", 123456789, ""},
	}
	for _, tt := range tests {
		a, _, ok := parseAmount(tt.in)
		if !ok || a.Cents != tt.cents || a.Currency != tt.cur {
			t.Errorf("parseAmount(%q) = %+v %v, want %d %q", tt.in, a, ok, tt.cents, tt.cur)
		}
	}
	for _, bad := range []string{"abc", "1.", "1,23", "k", "99999999999999999999"} {
		if _, _, ok := parseAmount(bad); ok {
			t.Errorf("parseAmount(%q) ok, want failure", bad)
		}
	}
	c := mustParse(t, "OPP #42 amt: RMB 1.2m")
	if c.Amount == nil || c.Amount.Cents != 120000000 || c.Amount.Currency != "CNY" || c.Amount.Yuan() != 1200000 {
		t.Errorf("RMB 1.2m: %+v", c.Amount)
	}
}

func TestPhones(t *testing.T) {
	tests := []struct{ in, num, kind string }{
		{"13901234567", "+8613901234567", "mobile"},
		{"139-0123-4567", "+8613901234567", "mobile"},
		{"139 0123 4567", "+8613901234567", "mobile"},
		{"+86 139 0123 4567", "+8613901234567", "mobile"},
		{"008613901234567", "+8613901234567", "mobile"},
		{"010-85868466", "+861085868466", "landline"},
		{"0411-88886666", "+8641188886666", "landline"},
		{"(010)85868466", "+861085868466", "landline"},
		{"+1 415 555 0100", "+14155550100", ""},
		{"+44 20 7946 0958", "+442079460958", ""},
	}
	for _, tt := range tests {
		c := mustParse(t, "CONTACT acme; Li Wei; "+tt.in)
		if len(c.Phones) != 1 || c.Phones[0].Number != tt.num || c.Phones[0].Kind != tt.kind {
			t.Errorf("%q: phones %+v, want %s %s", tt.in, c.Phones, tt.num, tt.kind)
		}
	}
	for _, bad := range []string{"1390123", "12345678901", "0000"} {
		if c, err := Parse("CONTACT acme; Li Wei; "+bad, ctx()); err == nil && len(c.Phones) > 0 {
			t.Errorf("%q: phones %+v, want none", bad, c.Phones)
		}
	}
}

func TestQuantities(t *testing.T) {
	tests := []struct {
		in    string
		model string
		qty   int
	}{
		{"2x 320D", "320D", 2},
		{"2 x 320D", "320D", 2},
		{"2x320D", "320D", 2},
		{"320D*2", "320D", 2},
		{"320D x2", "320D", 2},
		{"320D x 3", "320D", 3},
		{"2台320D", "320D", 2},
		{"两台320D", "320D", 2},
		{"320D", "320D", 1},
		{"pc200", "PC200", 1},
		{"3 x 950H", "950H", 3},
		{"CAT 336 x2", "336", 2},
	}
	for _, tt := range tests {
		c := mustParse(t, "OPP #42 product "+tt.in)
		if len(c.Products) != 1 || c.Products[0].Model != tt.model || c.Products[0].Qty != tt.qty {
			t.Errorf("%q: products %+v, want %s x%d", tt.in, c.Products, tt.model, tt.qty)
		}
	}
	for _, w := range []string{"350k", "3pm", "3d", "2x", "x2", "28th", "1.2m", "15h"} {
		if isModel(w) {
			t.Errorf("isModel(%q) = true", w)
		}
	}
}

func TestNormalisation(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ＶＩＳＩＴ　ａｃｍｅ；ｍｅｔ　Ｚｈａｎｇ", "VISIT acme;met Zhang"},
		{"V\u200bacme\ufeff", "Vacme"},
		{"a\r\nb\rc", "a\nb\nc"},
		{"金额：１２３，４５６", "金额:123,456"},
		{"a、b。c", "a,b;c"},
		{"V acme\nSent from my iPhone", "V acme"},
		{"V acme\n-- \nWang", "V acme"},
		{"拜访 华鑫\n发自我的iPhone", "拜访 华鑫"},
		{"V acme sent from my phone", "V acme "},
		{"V acme -- Wang", "V acme"},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// positions point into the original text
	_, err := Parse("ＯＰＰ　＃４２　ｓｔａｇｅ　ｍａｙｂｅ", ctx())
	var pe *Error
	if !errors.As(err, &pe) || pe.Pos != 14 || pe.Part != "maybe" {
		t.Errorf("full-width error: %+v, want pos 14 part maybe", pe)
	}
	_, err = Parse("\u200b\u200bOPP #42 stage maybe", ctx())
	if !errors.As(err, &pe) || pe.Pos != 16 {
		t.Errorf("zero-width error: %+v, want pos 16", pe)
	}
}

func TestDidYouMean(t *testing.T) {
	// one verb clearly meant: carried out, and ReadAs says how it was read;
	// when the rest does not read as that verb, the error suggests it
	tests := map[string]string{"VISTI": "VISIT", "viist": "VISIT", "lesd": "LEAD", "DOEN": "DONE", "rejcet": "REJECT",
		"assing": "ASSIGN", "contcat": "CONTACT", "hlep": "HELP", "tody": "TODAY", "funel": "FUNNEL", "aprove": "APPROVE",
		"vst": "VISIT", "cntct": "CONTACT", "mtng": "MEET", "pln": "PLAN", "calll": "CALL"}
	for in, want := range tests {
		cmd, err := Parse(in+" acme", ctx())
		if err == nil {
			if cmd.ReadAs != in || specByVerb[cmd.Verb].Name != want {
				t.Errorf("%s: read as %q %s, want %s", in, cmd.ReadAs, cmd.Verb, want)
			}
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Suggest != want || pe.Pos != 0 || pe.Part != in {
			t.Errorf("%s: %+v, want suggestion %s", in, pe, want)
		}
		if pe != nil && !strings.Contains(pe.Error(), "Did you mean "+want+"?") {
			t.Errorf("%s: Error() = %q", in, pe.Error())
		}
	}
	// two verbs equally near, or too far to be sure: ask, record nothing
	for in, want := range map[string]string{"dic 57": "DONE or DOC", "hello": "HELP", "stp": "STOP"} {
		_, err := Parse(in, ctx())
		var pe *Error
		if !errors.As(err, &pe) || pe.Suggest != want {
			t.Errorf("%s: %+v, want the question %q", in, err, want)
		}
	}
	// Chinese verb typos get a suggestion in Chinese
	for in, want := range map[string]string{"拜方 华鑫": "拜访", "电化 营口港": "电话", "完城 57": "完成"} {
		_, err := Parse(in, ctx())
		var pe *Error
		if !errors.As(err, &pe) || pe.Suggest != want || !strings.Contains(pe.Hint, want) {
			t.Errorf("%s: %+v, want suggestion %s", in, err, want)
		}
	}
	for _, in := range []string{"acme met zhang", "xyzzy", "你好"} {
		_, err := Parse(in, ctx())
		var pe *Error
		if !errors.As(err, &pe) || pe.Suggest != "" || pe.Hint == "" {
			t.Errorf("%q: %+v, want no suggestion and a hint", in, pe)
		}
	}
}

func TestKeyedIDs(t *testing.T) {
	c := mustParse(t, "A17 assign li")
	if c.Verb != VerbAssign || *c.Target != (Ref{ID: 17, Kind: "activity"}) || c.Assignee != "li" {
		t.Errorf("A17 assign li: %+v", c)
	}
	c = mustParse(t, "L5 lead qualify")
	if c.Verb != VerbLead || *c.Target != (Ref{ID: 5, Kind: "lead"}) || c.Action != "qualify" {
		t.Errorf("L5: %+v", c)
	}
	// a model or an account name is not a keyed id
	c = mustParse(t, "OPP acme; 2x 320D")
	if c.Target.Name != "acme" || c.Products[0].Model != "320D" {
		t.Errorf("OPP acme: %+v", c)
	}
	c = mustParse(t, "V A1 Mining; met li")
	if c.Target.Name != "A1 Mining" {
		t.Errorf("V A1 Mining: %+v", c.Target)
	}
}

// Every verb of the table parses from its examples, in every form.
func TestVerbTable(t *testing.T) {
	for _, s := range Verbs() {
		if len(s.Examples) != 3 {
			t.Errorf("%s: %d examples, want 3", s.Name, len(s.Examples))
		}
		for _, ex := range s.Examples {
			c, err := Parse(ex, ctx())
			if err != nil {
				t.Errorf("%s example %q: %v", s.Name, ex, err)
				continue
			}
			if c.Verb != s.Verb {
				t.Errorf("%s example %q parsed as %s", s.Name, ex, c.Verb)
			}
		}
		if n := gsm7Len(s.HelpEN); n < 0 || n > 160 {
			t.Errorf("%s: English help is %d GSM-7 characters (or not GSM-7): %q", s.Name, n, s.HelpEN)
		}
		if n := utf8.RuneCountInString(s.HelpZH); n > 70 {
			t.Errorf("%s: Chinese help is %d characters, want at most 70", s.Name, n)
		}
		if s.Form == "" || s.Summary == "" || s.Reply == "" || (s.Who != Everyone && s.Who != Managers && s.Who != Marketing) {
			t.Errorf("%s: incomplete spec", s.Name)
		}
	}
	if n := gsm7Len(Help("", "en")); n < 0 || n > 160 {
		t.Errorf("Help list: %d chars", n)
	}
	if n := utf8.RuneCountInString(Help("", "zh")); n > 70 {
		t.Errorf("Chinese help list: %d chars", n)
	}
	if Help("V", "en") != specByVerb[VerbVisit].HelpEN || Help("拜访", "zh-CN") != specByVerb[VerbVisit].HelpZH {
		t.Error("Help by form")
	}
	if !strings.Contains(Help("vsit", "en"), "VISIT") || !strings.Contains(Help("xyzzy", "en"), "HELP") {
		t.Error("Help for unknown topics")
	}
}

// docs/commands.md is generated from the verb table.
func TestCommandsDoc(t *testing.T) {
	const path = "../docs/commands.md"
	doc := RenderDoc()
	if *update {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./parser -run TestCommandsDoc -update)", err)
	}
	if string(b) != doc {
		t.Errorf("%s differs from RenderDoc(): run go test ./parser -run TestCommandsDoc -update", path)
	}
}

func TestErrorsHaveHints(t *testing.T) {
	cases := readCorpus(t)
	for _, c := range cases {
		_, err := Parse(c.text, Context{Now: c.now, Loc: c.loc})
		if err == nil {
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Hint == "" || pe.Msg == "" {
			t.Errorf("%q: %#v", c.text, err)
			continue
		}
		if pe.Pos < 0 || pe.Pos > utf8.RuneCountInString(c.text) {
			t.Errorf("%q: pos %d out of range", c.text, pe.Pos)
		}
	}
}

func FuzzParse(f *testing.F) {
	cases := readCorpus(f)
	for _, c := range cases {
		f.Add(c.text)
	}
	f.Add("\xff\xfe#\u200b１")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse(text, ctx())
		switch {
		case c == nil && err == nil:
			t.Fatal("neither a command nor an error")
		case c != nil && err != nil:
			t.Fatal("both a command and an error")
		case err != nil:
			var pe *Error
			if !errors.As(err, &pe) || pe.Hint == "" {
				t.Fatalf("error without hint: %#v", err)
			}
			if pe.Pos < 0 || pe.Pos > utf8.RuneCountInString(text) {
				t.Fatalf("pos %d out of range", pe.Pos)
			}
		case c.Verb == "":
			t.Fatal("command without verb")
		}
	})
}

func corpusTexts(b *testing.B) []string {
	cases := readCorpus(b)
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.text
	}
	return texts
}

// BenchmarkParseCorpus reports ns and allocations per message over the corpus.
func BenchmarkParseCorpus(b *testing.B) {
	texts := corpusTexts(b)
	cx := ctx()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = Parse(texts[i%len(texts)], cx)
	}
}

// BenchmarkBaselineFields is the yardstick: strings.ToLower + strings.Fields
// over the same corpus. Quote BenchmarkParseCorpus as a ratio to it.
func BenchmarkBaselineFields(b *testing.B) {
	texts := corpusTexts(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += len(strings.Fields(strings.ToLower(texts[i%len(texts)])))
	}
	_ = n
}

// BenchmarkParse reports the median time to parse one corpus message
// (p50-ns/msg) and its ratio to the baseline, strings.ToLower +
// strings.Fields on the same message, timed interleaved with it so that a
// loaded machine slows both alike (x-baseline). Every
// testdata/messages*.txt file is in the mix.
func BenchmarkParse(b *testing.B) {
	texts := corpusTexts(b)
	cx := ctx()
	parse := make([]time.Duration, len(texts))
	base := make([]time.Duration, len(texts))
	n := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k, t := range texts {
			s := time.Now()
			_, _ = Parse(t, cx)
			parse[k] += time.Since(s)
			s = time.Now()
			n += len(strings.Fields(strings.ToLower(t)))
			base[k] += time.Since(s)
		}
	}
	_ = n
	med := func(ds []time.Duration) float64 {
		v := make([]float64, len(ds))
		for k, d := range ds {
			v[k] = float64(d) / float64(b.N)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	p, q := med(parse), med(base)
	b.ReportMetric(p, "p50-ns/msg")
	b.ReportMetric(p/q, "x-baseline")
}
