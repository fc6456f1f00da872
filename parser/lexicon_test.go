package parser

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

var (
	testLexMu sync.Mutex
	testLexes = map[string]*Lexicon{}
)

// testLexicon reads testdata/lexicon_<name>.txt ("account: ACME Mining Co.",
// "contact: Zhang Wei", "user: Zhao Lei", one a line) once.
func testLexicon(tb testing.TB, name string) *Lexicon {
	tb.Helper()
	testLexMu.Lock()
	defer testLexMu.Unlock()
	if l, ok := testLexes[name]; ok {
		return l
	}
	b, err := os.ReadFile("testdata/lexicon_" + name + ".txt")
	if err != nil {
		tb.Fatal(err)
	}
	l, err := ParseLexicon(string(b))
	if err != nil {
		tb.Fatalf("lexicon_%s.txt: %v", name, err)
	}
	testLexes[name] = l
	return l
}

// benchLexicon is a lexicon of n names shaped like a branch's: half
// accounts (latin and Chinese), half people.
func benchLexicon(n int) *Lexicon {
	l := NewLexicon(nil)
	zhA := []string{"华鑫", "鞍钢", "营口", "盘锦", "本溪", "铁岭", "抚顺", "辽阳", "锦州", "丹东"}
	zhB := []string{"矿业有限公司", "建设集团", "水泥厂", "物流有限公司", "石化工程"}
	surn := []string{"zhang", "wang", "li", "zhao", "liu", "chen", "yang", "huang", "zhou", "wu"}
	given := []string{"wei", "jun", "lei", "na", "gang", "qiang", "peng", "hao", "ming", "yang"}
	for i := 0; l.Len() < n; i++ {
		switch i % 4 {
		case 0:
			l.Add(fmt.Sprintf("%s %d Mining Co.", strings.ToUpper(surn[i%10][:1])+surn[i%10][1:]+given[(i/10)%10], i), NameAccount)
		case 1:
			l.Add(zhA[i%10]+strconv.Itoa(i)+zhB[(i/10)%5], NameAccount)
		case 2:
			l.Add(surn[i%10]+" "+given[(i/10)%10]+strconv.Itoa(i), NameContact)
		default:
			l.Add(fmt.Sprintf("%s%d", string([]rune("王李张刘陈杨黄赵吴周")[i%10]), i), NameContact)
		}
	}
	return l
}

// BenchmarkParseMedian reports the median and p99 time per message of the
// corpus: the baseline (strings.ToLower + strings.Fields), Parse without a
// lexicon, and Parse with a lexicon of 2,000 names (and the demo world's):
//
//	go test ./parser -run '^$' -bench BenchmarkParseMedian
func BenchmarkParseMedian(b *testing.B) {
	cases := readCorpus(b)
	lex := benchLexicon(2000)
	ctx0 := Context{Now: defaultNow, Loc: defaultNow.Location()}
	measure := func(b *testing.B, fn func(text string)) (p50, p99 float64) {
		d := make([]time.Duration, 0, 1<<16)
		i := 0
		for b.Loop() {
			t := cases[i%len(cases)].text
			t0 := time.Now()
			fn(t)
			d = append(d, time.Since(t0))
			i++
		}
		slices.Sort(d)
		p50 = float64(d[len(d)/2].Nanoseconds()) / 1000
		p99 = float64(d[min(len(d)-1, len(d)*99/100)].Nanoseconds()) / 1000
		b.ReportMetric(p50, "p50-µs")
		b.ReportMetric(p99, "p99-µs")
		return
	}
	var base float64
	b.Run("baseline-fields", func(b *testing.B) {
		n := 0
		base, _ = measure(b, func(t string) { n += len(strings.Fields(strings.ToLower(t))) })
	})
	for _, tc := range []struct {
		name string
		lex  *Lexicon
	}{{"no-lexicon", nil}, {"lexicon-2000", lex}, {"lexicon-demo", testLexicon(b, "demo")}} {
		b.Run(tc.name, func(b *testing.B) {
			cx := ctx0
			cx.Lexicon = tc.lex
			p50, _ := measure(b, func(t string) { _, _ = Parse(t, cx) })
			if base > 0 {
				b.ReportMetric(p50/base, "p50-ratio-to-baseline")
			}
		})
	}
}

func TestLexiconForms(t *testing.T) {
	l, err := ParseLexicon("account: ACME Mining Co.\naccount: 营口港建设集团\naccount: Northern Quarry Group\ncontact: Gao Peng\nuser: 赵磊\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		want NameKind
	}{
		{"acme mining co", NameAccount}, {"acme mining", NameAccount}, {"acme", NameAccount},
		{"营口港建设集团", NameAccount}, {"营口港建设", NameAccount}, {"营口港", NameAccount},
		{"northern quarry", NameAccount}, {"northern", 0}, // too common alone
		{"gao peng", NameContact}, {"gao", 0}, {"赵磊", NameUser}, {"mining", 0},
	} {
		if got := l.kindOf(tc.key); got != tc.want {
			t.Errorf("kindOf(%q) = %d, want %d", tc.key, got, tc.want)
		}
	}
	t.Run("Layers", func(t *testing.T) {
		top := NewLexicon(l)
		top.Add("Tieling Cement", NameAccount)
		top.Add("Gao Peng", NameAccount) // an account named like a person: both
		if top.kindOf("acme") != NameAccount || top.kindOf("tieling cement") != NameAccount || l.kindOf("tieling cement") != 0 {
			t.Error("a layer must see its parent's names and leave the parent as it was")
		}
		if top.kindOf("gao peng") != NameAccount|NameContact {
			t.Errorf("kinds do not add up: %d", top.kindOf("gao peng"))
		}
		sq := NewLexicon(top).Squash(l)
		if sq.Parent() != l || sq.kindOf("tieling cement") != NameAccount || sq.Len() != top.Len() {
			t.Errorf("squash: parent %p, %d names, want %d", sq.Parent(), sq.Len(), top.Len())
		}
	})
	t.Run("BadLine", func(t *testing.T) {
		for _, text := range []string{"customer: ACME", "account ACME", "account:  "} {
			if _, err := ParseLexicon(text); err == nil {
				t.Errorf("%q: no error", text)
			}
		}
	})
	t.Run("NoLexiconNoChange", func(t *testing.T) {
		// the lexicon only splits: a message it does not touch parses alike
		for _, text := range []string{"V acme; met Zhang Wei; next: quote fri", "拜访 华鑫矿业；见了李总；下周二报价", "OPP #42 won 1.2m"} {
			a, _ := Parse(text, Context{Now: defaultNow})
			b, _ := Parse(text, Context{Now: defaultNow, Lexicon: l})
			if string(marshal(a)) != string(marshal(b)) {
				t.Errorf("%q:\n%s\n%s", text, marshal(a), marshal(b))
			}
		}
	})
}

// FuzzParseLexicon is FuzzParse with the demo world's names: splitting on
// known names never panics and still gives a command or an error with a hint.
func FuzzParseLexicon(f *testing.F) {
	cases := readCorpus(f)
	for _, c := range cases {
		f.Add(c.text)
	}
	f.Add("拜访营口港王总老陈和李工 下个月15号 两百四十万 3310小时 编号CAT0336EABC")
	lex := testLexicon(f, "demo")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse(text, Context{Now: defaultNow, Lexicon: lex})
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

// TestLexiconView: a view of a shared table knows only the names of the
// groups it sees, layers on it add their own, and its length counts its groups'.
func TestLexiconView(t *testing.T) {
	tab := NewTable(16)
	tab.AddTo("ACME Mining Co.", NameAccount, 0)
	tab.AddTo("Zhang Wei", NameContact, 0)
	tab.AddTo("Tieling Cement", NameAccount, 1)
	tab.AddTo("ACME Mining Co.", NameAccount, 2) // the same name in another group
	v := tab.View([]bool{true, false})
	for key, want := range map[string]NameKind{"acme mining": NameAccount, "acme": NameAccount, "zhang wei": NameContact, "tieling cement": 0, "tieling": 0} {
		if got := v.kindOf(key); got != want {
			t.Errorf("view sees %q as %v, want %v", key, got, want)
		}
	}
	if v2 := tab.View([]bool{false, false, true}); v2.kindOf("acme mining") != NameAccount || v2.kindOf("zhang wei") != 0 {
		t.Errorf("a view of group 2 alone: acme mining %v, zhang wei %v", v2.kindOf("acme mining"), v2.kindOf("zhang wei"))
	}
	layer := NewLexicon(v)
	layer.Add("Fushun Coal Works", NameAccount)
	if layer.kindOf("fushun coal") != NameAccount || layer.kindOf("zhang wei") != NameContact || layer.kindOf("tieling cement") != 0 {
		t.Error("a layer on a view does not see its names and the view's only")
	}
	if v.Len() == 0 || v.Len() >= tab.Len()+1 {
		t.Errorf("view length %d of a table of %d", v.Len(), tab.Len())
	}
	// the parser splits on the names the view sees, and on no others
	cmd, err := Parse("CONTACT acme mining Li Wei 13901234567", Context{Now: defaultNow, Lexicon: v})
	if err != nil || cmd.Target == nil || cmd.Target.Name != "acme mining" || cmd.Contact != "Li Wei" {
		t.Errorf("through a view that sees ACME Mining: %+v %v", cmd, err)
	}
	cmd, err = Parse("CONTACT acme mining Li Wei 13901234567", Context{Now: defaultNow, Lexicon: tab.View([]bool{false, true})})
	if err != nil || cmd.Target == nil || cmd.Target.Name != "acme" {
		t.Errorf("through a view that does not see ACME Mining: %+v %v", cmd, err)
	}
}
