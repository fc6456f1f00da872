package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
	"github.com/fieldcrm/fieldcrm/crm/pgstore/pgstoretest"
)

// TestLexiconAcrossNodes: two stores on one PostgreSQL database are two
// nodes. An account written at one is in the lexicons of the other once it
// has read the change sets it did not write (lexicon_feed.go): a salesman's
// next message at the other node splits on the new name.
func TestLexiconAcrossNodes(t *testing.T) {
	db := pgstoretest.DB(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	open := func() *crm.Store {
		eng, err := pgstore.OpenEngine(context.Background(), db, pgstore.EngineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := crm.OpenEngine(eng, crm.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	wang := &crm.User{Name: "Wang Jun", Phones: []string{"13800000002"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "shenyang", Dept: "machines"}}
	lkUpdate(t, a, crm.System, func(tx *crm.Tx) error { return tx.SaveUser(wang) })
	defer crm.SetLexFeedEvery(crm.SetLexFeedEvery(time.Hour)) // no feed yet
	lexParse(t, b, wang, "TODAY")                             // b's lexicon, built before the account exists
	lkUpdate(t, a, wang, func(tx *crm.Tx) error {
		return tx.CreateAccount(&crm.Account{Name: "Anshan Heavy Rail"}, &crm.Contact{Name: "Gao Feng"})
	})
	const msg = "V anshan heavy rail gao feng wants 2 loaders"
	split := func(s *crm.Store) bool {
		c := lexParse(t, s, wang, msg)
		return c.Target != nil && c.Target.Name == "anshan heavy rail" && c.Contact == "gao feng"
	}
	if !split(a) {
		t.Fatal("the node that wrote the account does not split on its name")
	}
	if split(b) {
		t.Fatal("the other node split on the new name before it read it: the test shows nothing")
	}
	crm.SetLexFeedEvery(0)
	if !split(b) {
		c := lexParse(t, b, wang, msg)
		t.Errorf("the other node, after reading the change sets: target %+v contact %q", c.Target, c.Contact)
	}
}
