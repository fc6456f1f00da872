package crm

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// On a big store the first message does not wait for the lexicon: it is
// built in the background and the next messages get it.
func TestLexiconBuiltInBackground(t *testing.T) {
	old := lexSyncMax
	lexSyncMax = 0
	defer func() { lexSyncMax = old }()
	s, err := Open(filepath.Join(t.TempDir(), "crm.db"), Options{Now: func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u := &User{Name: "Wang Jun", Phones: []string{"13800000002"}, Role: RoleSalesman, Base: Base{Branch: "sy", Dept: "m"}}
	_, err = s.Update(context.Background(), Meta{Actor: System, Channel: "test"}, func(tx *Tx) error {
		if err := tx.SaveUser(u); err != nil {
			return err
		}
		return tx.CreateAccount(&Account{Base: Base{Owner: u.ID}, Name: "Fushun Coal Works"}, &Contact{Name: "Gao Peng"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var l interface{ Len() int }
	deadline := time.Now().Add(5 * time.Second)
	for first := true; ; first = false {
		lex, err := s.Lexicon(u)
		if err != nil {
			t.Fatal(err)
		}
		if lex != nil {
			if first {
				t.Fatal("the first call waited for the build")
			}
			l = lex
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lexicon was never built")
		}
		time.Sleep(time.Millisecond)
	}
	if l.Len() < 3 { // fushun coal works, fushun coal, fushun, gao peng, wang jun
		t.Errorf("built with %d names", l.Len())
	}
}
