package crm_test

import (
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

func TestActivityChanges(t *testing.T) {
	w := newWorld(t)
	var last int64
	mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
		var err error
		last, err = tx.ActivityChanges(0, func(int64, *crm.Activity) error { return nil })
		return err
	})
	a1 := w.activity(t, w.mgrS, w.s1, 0, "visit one") // assigned
	a2 := w.activity(t, w.s2, w.s2, 0, "visit two")   // his own
	mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.CompleteActivity(a1, "met"); return err })
	var seen []string
	mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
		n, err := tx.ActivityChanges(last, func(id int64, a *crm.Activity) error {
			switch {
			case id == a1 && a.Status == crm.StatusOpen && a.AssignedBy == w.mgrS.ID:
				seen = append(seen, "a1 assigned")
			case id == a1 && a.Status == crm.StatusDone:
				seen = append(seen, "a1 done")
			case id == a2 && a.AssignedBy == 0:
				seen = append(seen, "a2 own")
			default:
				t.Errorf("unexpected change of #%d: %+v", id, a)
			}
			return nil
		})
		if n != last+3 {
			t.Errorf("last change set %d, want %d", n, last+3)
		}
		return err
	})
	if len(seen) != 3 || seen[0] != "a1 assigned" || seen[1] != "a2 own" || seen[2] != "a1 done" {
		t.Errorf("changes: %v", seen)
	}
}

func TestAgendaAtAndMarkEscalated(t *testing.T) {
	w := newWorld(t)
	id := w.activity(t, w.mgrS, w.s1, 0, "visit one") // due tomorrow
	loc := time.FixedZone("CST", 8*3600)
	mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
		for _, c := range []struct {
			days           int
			today, overdue int
		}{{0, 0, 0}, {1, 1, 0}, {2, 0, 1}} {
			ag, err := tx.AgendaAt(w.s1.ID, tx.Now().AddDate(0, 0, c.days), loc)
			if err != nil || len(ag.Today) != c.today || len(ag.Overdue) != c.overdue {
				t.Errorf("day +%d: %+v %v", c.days, ag, err)
			}
		}
		return nil
	})
	when := w.clk.Now()
	mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error { _, err := tx.MarkEscalated(id, when); return err })
	_, err := update(w.s, crm.System, func(tx *crm.Tx) error { _, err := tx.MarkEscalated(id, when); return err })
	wantErr(t, err, crm.ECONFLICT, "already escalated")
	mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
		a, err := tx.ActivityByID(id)
		if err != nil || !a.Escalated.Equal(when) || a.AssignedBy != w.mgrS.ID {
			t.Errorf("%+v %v", a, err)
		}
		return nil
	})
}
