package crm_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// TestTeamFiguresAgreeWithTEAM: the web's Team rows count what TEAM (today
// and week) counts, plus other work done, the last activity and the
// escalations not yet acknowledged.
func TestTeamFiguresAgreeWithTEAM(t *testing.T) {
	w, _, _, _ := apQueryWorld(t) // Wednesday 25/11 10:00; the week began Monday 23/11
	w.apOK(w.wang, "V acme mining; met Zhang Wei", "ok_activity")
	w.apOK(w.wang, "CALL acme transport; spoke to Chen Bo", "ok_activity")
	w.apOK(w.li, "拜访 华鑫矿业；见了李强", "ok_activity")
	var escalated, acked int64
	w.apCreate(func(tx *crm.Tx) error {
		done := func(typ string, at time.Time) {
			a := &crm.Activity{Base: crm.Base{Owner: w.wang.ID}, Type: typ, Subject: typ + " done", Account: w.acmeMining,
				Status: crm.StatusDone, DoneAt: at}
			if err := tx.CreateActivity(a); err != nil {
				t.Fatal(err)
			}
		}
		done(crm.ActMeeting, apAt(2026, 11, 23, 15, 0)) // this week, not today: other
		done(crm.ActRevisit, apAt(2026, 11, 22, 15, 0)) // Sunday: last week
		done(crm.ActNote, apAt(2026, 11, 25, 9, 59))    // a note is no work done
		assigned := func(subject string) int64 {
			a := &crm.Activity{Base: crm.Base{Owner: w.wang.ID}, Type: crm.ActVisit, Subject: subject, Account: w.acmeMining,
				AssignedBy: w.liu.ID, AssignedAt: apAt(2026, 11, 23, 9, 0), Priority: crm.PriorityUrgent, Due: apAt(2026, 11, 27, 18, 0)}
			if err := tx.CreateActivity(a); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.MarkEscalated(a.ID, apAt(2026, 11, 24, 9, 0)); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		escalated, acked = assigned("escalated"), assigned("acknowledged")
		return nil
	})
	w.apOK(w.liu, fmt.Sprintf("ACK #%d", acked), "ok_ack")

	var rows []crm.TeamMember
	if err := w.s.View(w.liu, func(tx *crm.Tx) error {
		var err error
		rows, err = tx.TeamFigures(apShanghai)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	today := apData[crm.TeamData](t, w.apOK(w.liu, "TEAM", "team"))
	week := apData[crm.TeamData](t, w.apOK(w.liu, "TEAM week", "team"))
	if len(rows) != len(today.Rows) || len(rows) != 2 {
		t.Fatalf("web rows %d, TEAM rows %d (want Li Ming and Wang Jun)", len(rows), len(today.Rows))
	}
	for i, r := range rows {
		d, wk := today.Rows[i], week.Rows[i]
		if r.User.Name != d.Name || r.Today.Visits != d.Visits || r.Today.Calls != d.Calls || r.Open != d.Open || r.Overdue != d.Overdue ||
			r.Week.Visits != wk.Visits || r.Week.Calls != wk.Calls {
			t.Errorf("web row %+v, TEAM today %+v, week %+v", r, d, wk)
		}
	}
	wang := rows[1]
	if wang.User.ID != w.wang.ID || wang.Today != (crm.DoneCounts{Visits: 1, Calls: 1}) || wang.Week != (crm.DoneCounts{Visits: 1, Calls: 1, Other: 1}) ||
		wang.Open != 4 || wang.Overdue != 1 || wang.Escalated != 1 || !wang.Last.Equal(apT0) {
		t.Errorf("Wang %+v (want today 1 visit 1 call; week + the meeting; 4 open, 1 overdue, 1 escalation waiting, last now)", wang)
	}
	if li := rows[0]; li.Today.Visits != 1 || li.Escalated != 0 || li.Open != 1 {
		t.Errorf("Li %+v", li)
	}

	// his team and nobody else's; a salesman has none
	w.s.View(w.liu, func(tx *crm.Tx) error {
		if u, ok := tx.TeamMemberOf(w.liu, w.wang.ID); !ok || u.ID != w.wang.ID {
			t.Errorf("Wang in Liu's team: %v %v", u, ok)
		}
		for _, id := range []int64{w.zhao.ID, w.sun.ID, w.liu.ID, w.dir.ID, 9999} {
			if u, ok := tx.TeamMemberOf(w.liu, id); ok {
				t.Errorf("#%d (%s) in Liu's team", id, u.Name)
			}
		}
		return nil
	})
	w.s.View(w.wang, func(tx *crm.Tx) error {
		if us := tx.TeamOf(w.wang); len(us) != 0 {
			t.Errorf("a salesman's team: %v", us)
		}
		return nil
	})
	w.s.View(w.liu, func(tx *crm.Tx) error {
		a, err := tx.Activity(escalated)
		if err != nil || !crm.EscalationWaiting(a) {
			t.Errorf("#%d waits: %v", escalated, err)
		}
		if a, err := tx.Activity(acked); err != nil || crm.EscalationWaiting(a) {
			t.Errorf("#%d acknowledged still waits: %v", acked, err)
		}
		return nil
	})
}
