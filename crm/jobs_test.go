package crm_test

import (
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

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
