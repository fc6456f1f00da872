package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Issue 14 point 5: ASSIGN keeps what the manager said — the date, the time
// and the priority are stored on the activity the assignee gets, echoed to
// the manager and told to the assignee.
func TestAssignKeepsDateAndPriority(t *testing.T) {
	k := newTalk(t, answersNow())
	loc, _ := time.LoadLocation("Asia/Shanghai")
	// one of Zhao's open, normal activities
	var from *crm.Activity
	k.s.View(crm.System, func(tx *crm.Tx) error {
		zhao, err := tx.UserByPhone(phZhao)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.OpenDueOf(zhao.ID, k.now.AddDate(1, 0, 0), func(a *crm.Activity) {
			if from == nil && a.Priority == crm.PriorityNormal {
				from = a
			}
		})
		return err
	})
	if from == nil {
		t.Fatal("no open normal activity of Zhao's in the demo")
	}
	id := crm.FormatID(from.ID)
	due := time.Date(k.now.Year(), 12, 21, 0, 0, 0, 0, loc)
	if !due.After(k.now) {
		due = due.AddDate(1, 0, 0)
	}

	for _, tc := range []struct{ msg, want string }{
		{"ASSIGN #" + id + " wang 21/12 urgent", "due " + due.Format("Mon 2/1") + ", urgent"},
	} {
		reply := k.ok(phLiu, tc.msg)
		if !strings.Contains(reply, tc.want) {
			t.Errorf("%q: reply %q lacks %q", tc.msg, reply, tc.want)
		}
	}
	var got *crm.Activity
	k.s.View(crm.System, func(tx *crm.Tx) error {
		old, err := tx.Activity(from.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, err = tx.Activity(old.ReassignedTo); err != nil {
			t.Fatalf("the reassigned activity %d: %v", old.ReassignedTo, err)
		}
		return nil
	})
	wantDue := time.Date(due.Year(), due.Month(), due.Day(), 18, 0, 0, 0, loc)
	if !got.Due.Equal(wantDue) || got.Priority != crm.PriorityUrgent {
		t.Errorf("stored due %v priority %q, want %v urgent", got.Due.In(loc), got.Priority, wantDue)
	}
	notice := k.one(phWang)
	if !strings.Contains(notice, due.Format("2/1")) || !strings.Contains(strings.ToLower(notice), "urgent") {
		t.Errorf("Wang's notice %q lacks the date or urgency", notice)
	}

	// a time of day is kept too; without a priority the activity's own stays
	k.ok(phLiu, "ASSIGN #"+crm.FormatID(got.ID)+" zhao tomorrow 10am")
	k.s.View(crm.System, func(tx *crm.Tx) error {
		old, _ := tx.Activity(got.ID)
		again, err := tx.Activity(old.ReassignedTo)
		if err != nil {
			t.Fatal(err)
		}
		tomorrow := k.now.In(loc).AddDate(0, 0, 1)
		want := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 10, 0, 0, 0, loc)
		if !again.Due.Equal(want) || again.Priority != crm.PriorityUrgent {
			t.Errorf("second assignment: due %v priority %q, want %v urgent", again.Due.In(loc), again.Priority, want)
		}
		return nil
	})
}
