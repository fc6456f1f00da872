package crm_test

import (
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/parser"
)

// lexParse parses text with actor's lexicon from the store.
func lexParse(t *testing.T, s *crm.Store, actor *crm.User, text string) *parser.Command {
	t.Helper()
	lex, err := s.Lexicon(actor)
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := parser.Parse(text, parser.Context{Now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), Lexicon: lex})
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	return cmd
}

func TestLexicon(t *testing.T) {
	w := lkOpen(t)
	t.Run("SplitsOnKnownNames", func(t *testing.T) {
		c := lexParse(t, w.s, w.wang, "V acme transport contact of acme transport ltd wants 2 loaders")
		if c.Target == nil || c.Target.Name != "acme transport" || c.Contact != "contact of acme transport ltd" {
			t.Errorf("got target %+v contact %q", c.Target, c.Contact)
		}
		c = lexParse(t, w.s, w.wang, "拜访鞍钢李总 要两台装载机")
		if c.Target == nil || c.Target.Name != "鞍钢" || c.Contact != "李总" {
			t.Errorf("got target %+v contact %q", c.Target, c.Contact)
		}
	})
	t.Run("OnlyWhatHeSees", func(t *testing.T) {
		lex, _ := w.s.Lexicon(w.wang)
		other, _ := w.s.Lexicon(w.other)
		if lex == other {
			t.Fatal("two branches share one lexicon")
		}
		// wang (shenyang) does not know the Dalian branch's account
		c := lexParse(t, w.s, w.wang, "V acme dalian branch zhao other")
		if c.Target.Name == "acme dalian branch" {
			t.Errorf("wang's lexicon knows another branch's account: %+v", c.Target)
		}
		c = lexParse(t, w.s, w.other, "V acme dalian branch zhao other")
		if c.Target.Name != "acme dalian branch" || c.Contact != "zhao other" {
			t.Errorf("other: got target %+v contact %q", c.Target, c.Contact)
		}
	})
	t.Run("CachedAndShared", func(t *testing.T) {
		a, _ := w.s.Lexicon(w.wang)
		b, _ := w.s.Lexicon(w.wang)
		mgr, _ := w.s.Lexicon(w.mgr)
		if a != b {
			t.Error("the lexicon is built again without a write")
		}
		if a == mgr {
			t.Error("a salesman and a manager share a lexicon")
		}
	})
	t.Run("WriteAddsName", func(t *testing.T) {
		before, _ := w.s.Lexicon(w.wang)
		lkUpdate(t, w.s, w.wang, func(tx *crm.Tx) error {
			return tx.CreateAccount(&crm.Account{Name: "Tieling Cement"}, &crm.Contact{Name: "Wu Hao"})
		})
		after, _ := w.s.Lexicon(w.wang)
		if after == before || after.Len() <= before.Len() {
			t.Fatalf("the new account is not in the lexicon: %d → %d names", before.Len(), after.Len())
		}
		c := lexParse(t, w.s, w.wang, "V tieling cement wu hao wants price list")
		if c.Target.Name != "tieling cement" || c.Contact != "wu hao" || c.Notes != "wants price list" {
			t.Errorf("got target %+v contact %q notes %q", c.Target, c.Contact, c.Notes)
		}
		// a rename is seen too
		var id int64
		mustView(t, w.s, w.wang, func(tx *crm.Tx) error {
			cs, err := tx.Lookup(crm.KindAccount, "tieling cement", 1)
			if err == nil && len(cs) > 0 {
				id = cs[0].ID
			}
			return err
		})
		lkUpdate(t, w.s, w.wang, func(tx *crm.Tx) error {
			r, err := tx.Get(crm.KindAccount, id)
			if err != nil {
				return err
			}
			a := r.(*crm.Account)
			a.Aliases = append(a.Aliases, "Kaiyuan Gravel Pit")
			return tx.Save(a)
		})
		c = lexParse(t, w.s, w.wang, "V kaiyuan gravel pit wu hao wants price list")
		if c.Target.Name != "kaiyuan gravel pit" {
			t.Errorf("alias: got target %+v", c.Target)
		}
		// a write that changes no name keeps the cached lexicon
		l1, _ := w.s.Lexicon(w.wang)
		lkUpdate(t, w.s, w.wang, func(tx *crm.Tx) error {
			r, err := tx.Get(crm.KindAccount, id)
			if err != nil {
				return err
			}
			a := r.(*crm.Account)
			a.Address = "Tieling, Liaoning"
			return tx.Save(a)
		})
		if l2, _ := w.s.Lexicon(w.wang); l1 != l2 {
			t.Error("an address change rebuilt the lexicon")
		}
	})
}
