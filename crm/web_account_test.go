package crm_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// An import's change set (thousands of records) is read in part: the
// account's history holds exactly the changes of its own records, as the
// whole change set has them, with the undo marks.
func TestHistoryOfAccountBigChangeSet(t *testing.T) {
	s := MustOpenStore(t)
	ctx := context.Background()
	var ids []int64
	var owner *crm.User
	_, err := s.Update(ctx, crm.Meta{Actor: crm.System, Channel: "import", Summary: "import big.csv"}, func(tx *crm.Tx) error {
		owner = &crm.User{Base: crm.Base{Branch: "shenyang", Dept: "machines"}, Name: "Owner One", Phones: []string{"+8613800009991"}, Role: crm.RoleSalesman}
		if err := tx.SaveUser(owner); err != nil {
			return err
		}
		for i := range 400 {
			a := &crm.Account{Base: crm.Base{Owner: owner.ID}, Name: fmt.Sprintf("Big Import %d", i)}
			if err := tx.CreateAccount(a, &crm.Contact{Name: fmt.Sprintf("Person %d", i)}); err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	target := ids[200]
	cs, err := s.Update(ctx, crm.Meta{Actor: owner, Channel: "sms", Summary: "ACCT phone"}, func(tx *crm.Tx) error {
		_, err := tx.UpdateAccount(target, func(a *crm.Account) error { a.Phones = []string{"024-22815566"}; return nil })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, crm.Meta{Actor: owner, Channel: "sms", Summary: "UNDO"}, func(tx *crm.Tx) error {
		_, err := tx.Undo(cs.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.View(owner, func(tx *crm.Tx) error {
		h, err := tx.HistoryOfAccount(target, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Sets) != 3 || h.More {
			t.Fatalf("%d change sets, more %v", len(h.Sets), h.More)
		}
		undo, change, imp := h.Sets[0], h.Sets[1], h.Sets[2]
		if undo.UndoOf != change.ID || change.UndoneBy != undo.ID {
			t.Errorf("undo marks: %d undid %d; %d undone by %d", undo.ID, undo.UndoOf, change.ID, change.UndoneBy)
		}
		if imp.Summary != "import big.csv" || imp.Channel != "import" || len(imp.Changes) != 2 {
			t.Fatalf("import: %q %q %d changes", imp.Summary, imp.Channel, len(imp.Changes))
		}
		whole, _ := tx.ChangeSetByID(imp.ID)
		if len(whole.Changes) != 801 {
			t.Fatalf("the import holds %d changes", len(whole.Changes))
		}
		for _, c := range imp.Changes {
			found := false
			for _, w := range whole.Changes {
				if w.Kind == c.Kind && w.ID == c.ID {
					found = string(w.After) == string(c.After) && w.Op == c.Op
				}
			}
			if !found {
				t.Errorf("change %s #%d differs from the whole change set's", c.Kind, c.ID)
			}
		}
		if imp.Changes[0].Kind != crm.KindAccount || imp.Changes[0].ID != target || imp.Changes[1].Kind != crm.KindContact {
			t.Errorf("changes out of order: %+v", imp.Changes)
		}
		return nil
	})
}
