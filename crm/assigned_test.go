package crm_test

import (
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// The index of open assigned activities follows each activity in its own
// transaction: in when a manager assigns it, its flags as they change, out
// when it is done; a salesman's own plans are never in it.
func TestEachAssigned(t *testing.T) {
	w := newWorld(t)
	var assigned, own int64
	mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error {
		a := &crm.Account{Base: crm.Base{Owner: w.s1.ID}, Name: "ACME"}
		if err := tx.CreateAccount(a, &crm.Contact{Name: "Zhang"}); err != nil {
			return err
		}
		act := &crm.Activity{Base: crm.Base{Owner: w.s1.ID}, Type: crm.ActVisit, Account: a.ID, Priority: crm.PriorityUrgent, Due: w.clk.Now().Add(48 * time.Hour)}
		if err := tx.CreateActivity(act); err != nil {
			return err
		}
		assigned = act.ID
		return nil
	})
	mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
		act := &crm.Activity{Type: crm.ActCall}
		err := tx.CreateActivity(act)
		own = act.ID
		return err
	})
	index := func() map[int64]crm.Assigned {
		m := map[int64]crm.Assigned{}
		mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
			return tx.EachAssigned(func(id int64, a crm.Assigned) error { m[id] = a; return nil })
		})
		return m
	}
	got := index()
	a, ok := got[assigned]
	if len(got) != 1 || !ok || a.Owner != w.s1.ID || !a.Urgent || a.Escalated || !a.At.Equal(w.clk.Now()) || a.Due.IsZero() {
		t.Fatalf("index %+v (own plan #%d must not be in it)", got, own)
	}
	mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error { _, err := tx.MarkEscalated(assigned, w.clk.Now()); return err })
	if a := index()[assigned]; !a.Escalated {
		t.Fatalf("escalation not in the index: %+v", a)
	}
	mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.CompleteActivity(assigned, "met Zhang"); return err })
	if got := index(); len(got) != 0 {
		t.Fatalf("a done activity stays in the index: %+v", got)
	}
	rep, err := w.s.Check(false)
	if err != nil || !rep.OK() {
		t.Fatalf("check: %+v %v", rep, err)
	}
}
