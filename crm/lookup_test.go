package crm_test

import (
	"context"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// lkWorld is a small store for lookup tests: two branches, accounts with
// look-alike names, Chinese names and phones.
type lkWorld struct {
	s                *crm.Store
	mgr, wang, other *crm.User
	acct             map[string]int64
}

func lkOpen(tb testing.TB) *lkWorld {
	tb.Helper()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s, err := crm.Open(filepath.Join(tb.TempDir(), "crm.db"), crm.Options{Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	w := &lkWorld{s: s, acct: map[string]int64{}}
	users := []*crm.User{
		{Name: "Liu Manager", Phones: []string{"13800000001"}, Role: crm.RoleSalesManager, Base: crm.Base{Branch: "shenyang", Dept: "machines"}},
		{Name: "Wang Jun", Phones: []string{"13800000002"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "shenyang", Dept: "machines"}},
		{Name: "Zhao Other", Phones: []string{"13800000003"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "dalian", Dept: "machines"}},
	}
	lkUpdate(tb, s, crm.System, func(tx *crm.Tx) error {
		for _, u := range users {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	w.mgr, w.wang, w.other = users[0], users[1], users[2]
	add := func(owner *crm.User, name, phone string, aliases ...string) {
		lkUpdate(tb, s, owner, func(tx *crm.Tx) error {
			a := &crm.Account{Name: name, Aliases: aliases}
			if phone != "" {
				a.Phones = []string{phone}
			}
			if err := tx.CreateAccount(a, &crm.Contact{Name: "Contact of " + name}); err != nil {
				return err
			}
			w.acct[name] = a.ID
			return nil
		})
	}
	add(w.wang, "ACME Mining Co.", "13901395136")
	add(w.wang, "ACME Transport Ltd", "")
	add(w.wang, "Acmex Parts", "")
	add(w.wang, "华鑫矿业有限公司", "010-85868466", "Huaxin Mining")
	add(w.wang, "鞍钢集团", "")
	add(w.other, "ACME Dalian Branch", "13912345678")
	add(w.other, "华鑫大连分公司", "")
	return w
}

func lkUpdate(tb testing.TB, s *crm.Store, actor *crm.User, fn func(*crm.Tx) error) {
	tb.Helper()
	if _, err := s.Update(context.Background(), crm.Meta{Actor: actor, Channel: "test"}, fn); err != nil {
		tb.Fatal(err)
	}
}

func lkFind(tb testing.TB, s *crm.Store, actor *crm.User, k crm.Kind, q string) []crm.Candidate {
	tb.Helper()
	var out []crm.Candidate
	err := s.View(actor, func(tx *crm.Tx) error {
		var err error
		out, err = tx.Lookup(k, q, 5)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func lkNames(c []crm.Candidate) []string {
	var n []string
	for _, x := range c {
		n = append(n, x.Name)
	}
	return n
}

func TestLookup(t *testing.T) {
	w := lkOpen(t)
	for _, tc := range []struct {
		name, q   string
		first     string // best candidate ("" for none)
		ambiguous bool
		absent    string // must not be among the candidates
	}{
		{"PrefixAmbiguous", "acme", "ACME Mining Co.", true, "ACME Dalian Branch"},
		{"TwoWords", "acme mining", "ACME Mining Co.", false, "ACME Transport Ltd"},
		{"CaseAndWidth", "ＡＣＭＥ　ｍｉｎ", "ACME Mining Co.", false, ""},
		{"SecondWord", "transport", "ACME Transport Ltd", false, ""},
		{"LongerWordNotPrefix", "acmex", "Acmex Parts", false, "ACME Mining Co."},
		{"ChinesePrefix", "华鑫", "华鑫矿业有限公司", false, "华鑫大连分公司"},
		{"ChineseMiddle", "矿业", "华鑫矿业有限公司", false, ""},
		{"ChineseWhole", "华鑫矿业有限公司", "华鑫矿业有限公司", false, ""},
		{"Alias", "huaxin", "华鑫矿业有限公司", false, ""},
		{"MobilePrefix", "139013", "ACME Mining Co.", false, ""},
		{"MobileSuffix", "5136", "ACME Mining Co.", false, ""},
		{"MobileE164", "+86 139 0139 5136", "ACME Mining Co.", false, ""},
		{"Landline", "010-85868466", "华鑫矿业有限公司", false, ""},
		{"OtherBranchPhone", "13912345678", "", false, ""},
		{"NoMatch", "komatsu", "", false, ""},
		{"Punctuation", "acme, mining!", "ACME Mining Co.", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lkFind(t, w.s, w.wang, crm.KindAccount, tc.q)
			if tc.first == "" {
				if len(got) != 0 {
					t.Fatalf("Lookup(%q) = %v, want none", tc.q, lkNames(got))
				}
				return
			}
			if len(got) == 0 || got[0].Name != tc.first {
				t.Fatalf("Lookup(%q) = %v, want %q first", tc.q, lkNames(got), tc.first)
			}
			if crm.Ambiguous(got) != tc.ambiguous {
				t.Errorf("Ambiguous(%v) = %v, want %v", lkNames(got), !tc.ambiguous, tc.ambiguous)
			}
			for _, c := range got {
				if c.Name == tc.absent {
					t.Errorf("Lookup(%q) returned %q", tc.q, c.Name)
				}
			}
		})
	}
	t.Run("ByID", func(t *testing.T) {
		id := w.acct["鞍钢集团"]
		got := lkFind(t, w.s, w.wang, crm.KindAccount, "#"+itoa(id))
		if len(got) != 1 || got[0].ID != id {
			t.Fatalf("got %v", got)
		}
		if got := lkFind(t, w.s, w.wang, crm.KindAccount, "#"+itoa(w.acct["ACME Dalian Branch"])); len(got) != 0 {
			t.Fatalf("other branch's account by id: %v", got)
		}
	})
	t.Run("ExactNameWins", func(t *testing.T) {
		lkUpdate(t, w.s, w.wang, func(tx *crm.Tx) error {
			return tx.CreateAccount(&crm.Account{Name: "ACME"}, &crm.Contact{Name: "Li"})
		})
		got := lkFind(t, w.s, w.wang, crm.KindAccount, "acme")
		if got[0].Name != "ACME" || crm.Ambiguous(got) {
			t.Fatalf("got %v (ambiguous %v)", lkNames(got), crm.Ambiguous(got))
		}
	})
	t.Run("RenameMovesIndex", func(t *testing.T) {
		id := w.acct["鞍钢集团"]
		lkUpdate(t, w.s, w.wang, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(id, func(a *crm.Account) error { a.Name = "Ansteel Group"; return nil })
			return err
		})
		if got := lkFind(t, w.s, w.wang, crm.KindAccount, "鞍钢"); len(got) != 0 {
			t.Fatalf("old name still found: %v", lkNames(got))
		}
		if got := lkFind(t, w.s, w.wang, crm.KindAccount, "ansteel"); len(got) != 1 || got[0].ID != id {
			t.Fatalf("new name not found: %v", lkNames(got))
		}
	})
	t.Run("ContactsAndUsers", func(t *testing.T) {
		lkUpdate(t, w.s, w.wang, func(tx *crm.Tx) error {
			return tx.CreateContact(&crm.Contact{Account: w.acct["ACME Mining Co."], Name: "张伟", Mobile: "13901234567"})
		})
		if got := lkFind(t, w.s, w.wang, crm.KindContact, "张"); len(got) != 1 || got[0].Name != "张伟" {
			t.Fatalf("contact: %v", lkNames(got))
		}
		if got := lkFind(t, w.s, w.wang, crm.KindContact, "4567"); len(got) != 1 || got[0].Name != "张伟" {
			t.Fatalf("contact by phone: %v", lkNames(got))
		}
		if got := lkFind(t, w.s, w.mgr, crm.KindUser, "wang"); len(got) != 1 || got[0].ID != w.wang.ID {
			t.Fatalf("user: %v", lkNames(got))
		}
		if got := lkFind(t, w.s, w.mgr, crm.KindUser, "zhao"); len(got) != 0 {
			t.Fatalf("user of another branch found by a manager: %v", lkNames(got))
		}
	})
}

func itoa(id int64) string { return crm.FormatID(id) }

func TestCheck(t *testing.T) {
	w := lkOpen(t)
	rep, err := w.s.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Records[crm.KindAccount] != 7 || rep.Records[crm.KindContact] != 7 || rep.Entries == 0 {
		t.Fatalf("fresh store: %+v", rep)
	}
	// break the name index behind the store's back, as a crash of old code might
	if err := w.s.BoltDB().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("idx_name"))
		k, _ := b.Cursor().First()
		if err := b.Delete(k); err != nil {
			return err
		}
		return b.Put([]byte("account\x00ghost\x00\x00\x00\x00\x00\x00\x00\x03\xe7"), []byte{0, 0, 1})
	}); err != nil {
		t.Fatal(err)
	}
	rep, err = w.s.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Missing != 1 || rep.Extra != 1 || rep.Repaired {
		t.Fatalf("broken index: %+v", rep)
	}
	if got := lkFind(t, w.s, w.wang, crm.KindAccount, "ghost"); len(got) != 0 {
		t.Fatalf("ghost entry pointing to no record was returned: %v", got)
	}
	rep, err = w.s.Check(true)
	if err != nil || !rep.Repaired {
		t.Fatalf("repair: %+v %v", rep, err)
	}
	rep, err = w.s.Check(false)
	if err != nil || !rep.OK() {
		t.Fatalf("after repair: %+v %v", rep, err)
	}
	if got := lkFind(t, w.s, w.wang, crm.KindAccount, "acme mining"); len(got) != 1 {
		t.Fatalf("lookup after repair: %v", lkNames(got))
	}
}

func TestLookupFuzzy(t *testing.T) {
	w := lkOpen(t)
	for _, name := range []string{"Liaoyang Steel Recycling", "Tieling Cement", "Liaoning Great Wall"} {
		lkUpdate(t, w.s, w.wang, func(tx *crm.Tx) error {
			return tx.CreateAccount(&crm.Account{Name: name}, &crm.Contact{Name: "Contact of " + name})
		})
	}
	for _, tc := range []struct {
		q, first  string
		ambiguous bool
	}{
		{"acme minning", "ACME Mining Co.", false},
		{"acme minnig co", "ACME Mining Co.", false},
		{"liaoyng steel", "Liaoyang Steel Recycling", false},
		{"liaoyang stell", "Liaoyang Steel Recycling", false},
		{"tie ling", "Tieling Cement", false},
		{"tie ling cemnt", "Tieling Cement", false},
		{"teiling", "Tieling Cement", false},
		{"acmee", "ACME Mining Co.", true}, // ACME Mining, ACME Transport, Acmex: a numbered choice
	} {
		t.Run(tc.q, func(t *testing.T) {
			got := lkFind(t, w.s, w.wang, crm.KindAccount, tc.q)
			if len(got) == 0 || got[0].Name != tc.first {
				t.Fatalf("Lookup(%q) = %v, want %q first", tc.q, lkNames(got), tc.first)
			}
			if crm.Ambiguous(got) != tc.ambiguous {
				t.Errorf("Ambiguous(%v) = %v, want %v", lkNames(got), !tc.ambiguous, tc.ambiguous)
			}
		})
	}
	t.Run("BelowExact", func(t *testing.T) {
		// "acmex" is a name: it wins over the ACMEs one letter away
		got := lkFind(t, w.s, w.wang, crm.KindAccount, "acmex")
		if len(got) != 1 || got[0].Name != "Acmex Parts" {
			t.Fatalf("got %v", lkNames(got))
		}
	})
	t.Run("NoWildGuess", func(t *testing.T) {
		for _, q := range []string{"komatsu", "zzzz", "cement works"} {
			if got := lkFind(t, w.s, w.wang, crm.KindAccount, q); len(got) != 0 {
				t.Errorf("Lookup(%q) = %v, want none", q, lkNames(got))
			}
		}
	})
	t.Run("OtherBranchStaysHidden", func(t *testing.T) {
		if got := lkFind(t, w.s, w.wang, crm.KindAccount, "acme dalain branch"); len(got) != 0 && got[0].Name == "ACME Dalian Branch" {
			t.Errorf("got %v", lkNames(got))
		}
	})
}
