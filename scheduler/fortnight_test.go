package scheduler_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/scheduler"
)

// TestFortnight creates a branch with assignments on day 0 and runs every
// job at every time its default schedule fires for 16 days (each run twice,
// and the scheduler restarted on day 7), with the salesmen and the manager
// acting in between. It checks exactly which messages went to whom on which
// day, and that none was queued twice.
func TestFortnight(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s := w.scheduler(t, nil)
	label := map[int64]string{}
	ids := map[string]int64{}
	name := map[string]string{strconv.FormatInt(w.liu.ID, 10): "liu", strconv.FormatInt(w.wang.ID, 10): "wang", strconv.FormatInt(w.li.ID, 10): "li"}

	type event struct {
		t   time.Time
		job string // "" for an action
		do  func()
	}
	var evs []event
	act := func(t time.Time, do func()) { evs = append(evs, event{t: t, do: do}) }
	act(at(0, 7, 0), func() {
		for _, p := range []struct {
			l        string
			owner    *crm.User
			priority string
			due      time.Time
		}{
			{"A1", w.wang, crm.PriorityUrgent, time.Time{}}, // escalated day 1 (urgent), taken back day 15
			{"A2", w.wang, crm.PriorityNormal, time.Time{}}, // escalated day 3, taken back day 15
			{"A3", w.li, crm.PriorityNormal, time.Time{}},   // done day 2: nothing
			{"A4", w.li, crm.PriorityUrgent, time.Time{}},   // rejected day 0: nothing
			{"A5", w.wang, crm.PriorityNormal, time.Time{}}, // escalated day 3, ACK, still taken back day 15
			{"A6", w.li, crm.PriorityNormal, at(5, 18, 0)},  // escalated day 3, EXTEND to day 8, again day 8, done day 9
		} {
			id := w.plan(t, w.liu, p.owner, "visit "+p.l, p.priority, p.due)
			label[id], ids[p.l] = p.l, id
		}
	})
	act(at(0, 8, 0), func() {
		id := w.plan(t, w.wang, w.wang, "visit W7", crm.PriorityNormal, at(1, 10, 0)) // his own: overdue days 1-3
		label[id], ids["W7"] = "W7", id
	})
	act(at(0, 12, 0), func() {
		w.update(t, w.li, func(tx *crm.Tx) error { _, err := tx.RejectActivity(ids["A4"], "no pricing"); return err })
	})
	act(at(2, 10, 0), func() {
		w.update(t, w.li, func(tx *crm.Tx) error { _, err := tx.CompleteActivity(ids["A3"], "met"); return err })
	})
	act(at(3, 10, 0), func() { // EXTEND #A6 to day 8, as crm.Apply does
		w.update(t, w.liu, func(tx *crm.Tx) error {
			_, err := tx.UpdateActivity(ids["A6"], func(a *crm.Activity) error { a.Due, a.Escalated = at(8, 18, 0), time.Time{}; return nil })
			return err
		})
	})
	act(at(3, 11, 0), func() { // ACK #A5
		w.update(t, w.liu, func(tx *crm.Tx) error {
			_, err := tx.UpdateActivity(ids["A5"], func(a *crm.Activity) error { a.Acked = at(3, 11, 0); return nil })
			return err
		})
	})
	act(at(4, 8, 0), func() {
		w.update(t, w.wang, func(tx *crm.Tx) error { _, err := tx.CompleteActivity(ids["W7"], "done"); return err })
	})
	act(at(9, 8, 0), func() {
		w.update(t, w.li, func(tx *crm.Tx) error { _, err := tx.CompleteActivity(ids["A6"], "done"); return err })
	})
	restarted := false
	end := at(16, 0, 0)
	for _, job := range scheduler.Jobs {
		sch := s.Job(job).Schedule
		for ft := sch.Next(day0.Add(-time.Second)); ft.Before(end); ft = sch.Next(ft) {
			evs = append(evs, event{t: ft, job: job})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].t.Equal(evs[j].t) {
			return evs[i].t.Before(evs[j].t)
		}
		return evs[i].job == "" && evs[j].job != ""
	})
	for _, e := range evs {
		w.clk.Set(e.t)
		if e.job == "" {
			e.do()
			continue
		}
		if !restarted && e.t.After(at(7, 12, 0)) {
			s, restarted = w.scheduler(t, nil), true // a restart: nothing is kept in memory
		}
		for range 2 { // a re-run (or an overlapping run) sends nothing more
			if _, err := s.Run(ctx, e.job, e.t); err != nil {
				t.Fatalf("%s at %s: %v", e.job, e.t, err)
			}
		}
	}

	// what went out: "day channel job recipient item"
	var got []string
	keys := map[string]bool{}
	for _, e := range w.entries(t) {
		if keys[e.Channel+" "+e.Key] {
			t.Errorf("queued twice: %s %s", e.Channel, e.Key)
		}
		keys[e.Channel+" "+e.Key] = true
		job, user, item, _ := sent(e)
		rawItem := item
		if id, err := strconv.ParseInt(item, 10, 64); err == nil {
			item = label[id]
		}
		got = append(got, fmt.Sprintf("d%02d %s %s %s %s", dayOf(e.Created), e.Channel, job, name[user], item))
		// quiet hours: SMS queued in them waits until 07:30, except urgent escalations
		if e.Channel == "sms" {
			l := e.Created.In(sh)
			quiet := l.Hour() >= 21 || l.Hour()*60+l.Minute() < 7*60+30
			urgent := job == "escalate" && item == "A1"
			switch {
			case quiet && !urgent && !e.NotBefore.Equal(time.Date(l.Year(), l.Month(), l.Day(), 7, 30, 0, 0, sh)):
				t.Errorf("%s queued at %s in quiet hours: NotBefore %v, want 07:30", e.Key, l, e.NotBefore)
			case (!quiet || urgent) && !e.NotBefore.IsZero():
				t.Errorf("%s queued at %s: held until %v", e.Key, l, e.NotBefore)
			}
		}
		if e.Channel == "email" && !e.NotBefore.IsZero() {
			t.Errorf("email %s held until %v", e.Key, e.NotBefore)
		}
		// an alert by email names its item by the token a reply acts on
		if e.Channel == "email" && job == "escalate" {
			if tok := "[A" + rawItem + "]"; !strings.Contains(e.Text, tok) || !strings.Contains(e.HTML, tok) {
				t.Errorf("escalation email %s lacks its token %s:\n%s", e.Key, tok, e.Text)
			}
		}
	}
	var want []string
	add := func(day int, ch, job, user, item string) {
		want = append(want, fmt.Sprintf("d%02d %s %s %s %s", day, ch, job, user, item))
	}
	for d := 0; d < 16; d++ {
		add(d, "sms", "digest", "liu", "-")
		add(d, "email", "digest", "liu", "-")
	}
	for _, d := range []int{0, 7, 14} {
		add(d, "email", "weekly", "liu", "-")
	}
	add(7, "email", "monthly", "liu", "-")
	for _, d := range []int{1, 2, 3, 4} { // W7 due day 1, done day 4 at 08:00
		add(d, "sms", "summary", "wang", "-")
		add(d, "email", "summary", "wang", "-")
	}
	add(8, "sms", "summary", "li", "-") // A6 due day 8 after the EXTEND
	add(9, "sms", "summary", "li", "-") // overdue at 06:30, done at 08:00
	// W7 is reminded on the day it falls overdue; on days 2 and 3 the
	// morning summary lists it among the overdue, and no reminder repeats it
	add(1, "sms", "overdue", "wang", "W7")
	add(8, "sms", "overdue", "li", "A6")
	for _, e := range []struct {
		d    int
		item string
	}{{1, "A1"}, {3, "A2"}, {3, "A5"}, {3, "A6"}, {8, "A6"}} {
		add(e.d, "sms", "escalate", "liu", e.item)
		add(e.d, "email", "escalate", "liu", e.item)
	}
	for _, it := range []string{"A1", "A2", "A5"} {
		add(15, "sms", "takeback", "wang", it)
		add(15, "sms", "takeback", "liu", it)
		add(15, "email", "takeback", "liu", it)
	}
	slices.Sort(got)
	slices.Sort(want)
	t.Logf("%d messages queued over the fortnight", len(got))
	if !slices.Equal(got, want) {
		t.Errorf("sent:\n%s\nwant:\n%s\nmissing: %v\nextra: %v", strings.Join(got, "\n"), strings.Join(want, "\n"), diff(want, got), diff(got, want))
	}

	// the records
	w.update(t, crm.System, func(tx *crm.Tx) error {
		for _, l := range []string{"A1", "A2", "A5"} {
			a, _ := tx.ActivityByID(ids[l])
			if a.Status != crm.StatusReassigned || a.ReassignedTo == 0 {
				t.Errorf("%s: %s, want reassigned", l, a.Status)
				continue
			}
			n, _ := tx.ActivityByID(a.ReassignedTo)
			if n.Owner != w.liu.ID || n.Status != crm.StatusOpen || n.ReassignedOf != a.ID || n.AssignedBy != 0 {
				t.Errorf("%s taken back as %+v", l, n)
			}
		}
		for l, st := range map[string]string{"A3": crm.StatusDone, "A4": crm.StatusRejected, "A6": crm.StatusDone, "W7": crm.StatusDone} {
			if a, _ := tx.ActivityByID(ids[l]); a.Status != st {
				t.Errorf("%s: %s, want %s", l, a.Status, st)
			}
		}
		if a, _ := tx.ActivityByID(ids["A1"]); !a.Escalated.Equal(at(1, 7, 5)) {
			t.Errorf("A1 escalated at %v, want day 1 07:05", a.Escalated)
		}
		return nil
	})
	runs, err := scheduler.LastRuns(w.st.Engine())
	if err != nil || len(runs) != len(scheduler.Jobs) {
		t.Errorf("last runs: %v %v", runs, err)
	}
}

func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if i := slices.Index(b, x); i >= 0 {
			b = slices.Delete(slices.Clone(b), i, i+1)
		} else {
			out = append(out, x)
		}
	}
	return out
}
