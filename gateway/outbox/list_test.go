package outbox

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// A message held for quiet hours is not late: it counts as held, and the
// oldest pending age counts only what is due, from when it became due.
func TestPendingHeldApart(t *testing.T) {
	db := mustOpenDB(t)
	now := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	enq := func(e *Entry, at time.Time) int64 {
		id, _, err := EnqueueDB(db, e, at)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// held until tomorrow morning, enqueued an hour ago
	held := sms("+8613800000002", "summary")
	held.NotBefore = now.Add(9 * time.Hour)
	enq(held, now.Add(-time.Hour))

	b, err := Pending(db, now)
	if err != nil {
		t.Fatal(err)
	}
	if b.Held != 1 || b.OldestHeld != time.Hour || b.Due != 0 || b.OldestDue != 0 || b.Depth[StateQueued] != 1 {
		t.Fatalf("one held entry: %+v", b)
	}
	// due for 5 minutes (enqueued 5 minutes ago)
	due := enq(sms("+8613800000003", "notice"), now.Add(-5*time.Minute))
	// held until 10 minutes ago, enqueued 3 hours ago: due for 10 minutes, not 3 hours
	released := sms("+8613800000004", "digest")
	released.NotBefore = now.Add(-10 * time.Minute)
	rel := enq(released, now.Add(-3*time.Hour))
	b, _ = Pending(db, now)
	if b.Held != 1 || b.Due != 2 || b.OldestDue != 10*time.Minute || b.OldestDueID != rel {
		t.Fatalf("held + 2 due: %+v (due id %d, released id %d)", b, due, rel)
	}
	// held for the recipient's frequency limit for 2 hours: counted apart, then
	// due from the end of that hold
	limited := enq(sms("+8613800000005", "notice"), now.Add(-2*time.Hour))
	if err := db.Update(bg, func(tx crm.ETx) error {
		_, err := applyHold(tx, hold{id: limited, until: now.Add(2 * time.Hour), why: "50 a day to this number"}, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b, _ = Pending(db, now)
	if b.Limited != 1 || b.Held != 1 || b.Due != 2 || b.OldestDueID != rel {
		t.Fatalf("with a limit hold: %+v", b)
	}
	b, _ = Pending(db, now.Add(2*time.Hour+time.Minute))
	if b.Limited != 0 || b.OldestDue != 2*time.Hour+11*time.Minute || b.OldestDueID != rel {
		t.Fatalf("after the limit hold: %+v", b)
	}
	// the limited one, released at +2h, has been due for an hour at +3h
	if b, _ = Pending(db, now.Add(3*time.Hour)); b.Due != 3 || b.Limited != 0 {
		t.Fatalf("released: %+v", b)
	}
	// at the end of quiet hours the held one is due, from 0
	b, _ = Pending(db, held.NotBefore)
	if b.Held != 0 || b.Due != 4 || b.OldestDueID != rel {
		t.Fatalf("after quiet hours: %+v", b)
	}
}

// A dead or failed entry goes back to the queue with fresh attempts and is
// sent; other states are refused and left as they are.
func TestRequeue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{fail: func(n int, e *Entry) error {
			if n == 0 {
				return &SendError{HTTPStatus: 400, Code: 21211, Msg: "invalid To"}
			}
			return nil
		}}
		w := start(t, db, Config{}, s)
		id := mustEnqueue(t, db, sms("+8613800000002", "hello"))
		w.Kick()
		e := waitState(t, db, id, StateFailed)
		if e.Attempts != 1 || e.ErrorCode != 21211 {
			t.Fatalf("failed entry: %+v", e)
		}
		if _, err := Requeue(db, id+1, "operator", time.Now()); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
		e, err := Requeue(db, id, "retry asked by the operator", time.Now())
		if err != nil || e.State != StateQueued || e.Attempts != 0 || e.LastError == "" {
			t.Fatalf("requeued: %+v %v", e, err)
		}
		last := e.StatusHistory[len(e.StatusHistory)-1]
		if last.Status != StateQueued || last.Note != "retry asked by the operator" {
			t.Errorf("history: %+v", e.StatusHistory)
		}
		w.Kick()
		e = waitState(t, db, id, StateSent)
		if e.Attempts != 1 || e.ProviderID != "SM00000000000000000000000000000002" || len(s.Calls()) != 2 {
			t.Errorf("sent again: %+v, %d calls", e, len(s.Calls()))
		}
		before := mustGet(t, db, id)
		if got, err := Requeue(db, id, "again", time.Now()); !errors.Is(err, ErrNotRetryable) || got.State != StateSent {
			t.Errorf("a sent entry: %v %+v", err, got)
		}
		if after := mustGet(t, db, id); len(after.StatusHistory) != len(before.StatusHistory) {
			t.Errorf("a refused requeue changed the entry: %+v", after)
		}
	})
}
