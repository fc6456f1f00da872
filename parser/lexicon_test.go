package parser

import (
	"os"
	"strings"
	"sync"
	"testing"
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
	l := NewLexicon(nil)
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		kinds := map[string]NameKind{"account": NameAccount, "contact": NameContact, "user": NameUser}
		if !ok || kinds[k] == 0 {
			tb.Fatalf("lexicon_%s.txt:%d: want kind: name", name, i+1)
		}
		l.Add(strings.TrimSpace(v), kinds[k])
	}
	testLexes[name] = l
	return l
}
