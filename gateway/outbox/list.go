package outbox

// What the operator reads and does outside the worker: every entry newest
// first (fieldcrm outbox), the backlog as metrics see it, and putting a
// dead or failed entry back in the queue (fieldcrm outbox retry).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// QuietHeld reports whether e is queued but held back until its NotBefore
// (the enqueuer's quiet hours): waiting as asked, not late.
func QuietHeld(e *Entry, now time.Time) bool {
	return e.State == StateQueued && e.NotBefore.After(now)
}

// LimitHeld reports whether e is queued and held past its time for a
// per-number frequency limit (e.Held says which, limits.go).
func LimitHeld(e *Entry, now time.Time) bool {
	return e.State == StateQueued && e.Held != "" && e.NextAt.After(now) && !QuietHeld(e, now)
}

// Each calls fn with every entry, newest first, until fn returns false.
func Each(db crm.Engine, fn func(*Entry) bool) error {
	return db.View(bg, func(tx crm.ETx) error {
		var ferr error
		err := tx.State(bktEntries).Scan(nil, nil, true, func(k, v []byte) bool {
			e := new(Entry)
			if err := json.Unmarshal(v, e); err != nil {
				ferr = fmt.Errorf("outbox: entry %d: %w", btou(k), err)
				return false
			}
			return fn(e)
		})
		return errors.Join(err, ferr)
	})
}

// Backlog is what is waiting, as an operator alerts on it: entries held for
// quiet hours apart from those due and not sent yet.
type Backlog struct {
	Depth map[string]int // entries by state (held ones count as queued)

	Held       int           // queued with NotBefore ahead (quiet hours)
	OldestHeld time.Duration // age (since created) of the oldest of them
	Limited    int           // queued and held for a per-number frequency limit

	// Due are the entries that should be on their way: queued and not held
	// (due now, or waiting for a retry) and sending. OldestDue is how long
	// the oldest of them has been due: since it was created, or since the
	// end of its hold when it was held first, so a summary released at the
	// end of quiet hours starts at 0.
	Due         int
	OldestDue   time.Duration
	OldestDueID int64
}

// Pending reads the backlog in one transaction.
func Pending(db crm.Engine, now time.Time) (Backlog, error) {
	var b Backlog
	err := db.View(bg, func(tx crm.ETx) error {
		b = Backlog{Depth: map[string]int{}}
		var ferr error
		err := tx.State(bktState).Scan(nil, nil, false, func(k, _ []byte) bool {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return true
			}
			state := string(k[:i])
			b.Depth[state]++
			if state != StateQueued && state != StateSending {
				return true
			}
			var e *Entry
			if e, ferr = getEntry(tx, int64(btou(k[len(k)-8:]))); ferr != nil {
				return false
			}
			if QuietHeld(e, now) {
				b.Held++
				b.OldestHeld = max(b.OldestHeld, now.Sub(e.Created))
				return true
			}
			if LimitHeld(e, now) {
				b.Limited++
				return true
			}
			b.Due++
			since := e.Created
			if e.NotBefore.After(since) {
				since = e.NotBefore
			}
			if e.Held != "" && e.State == StateQueued && e.NextAt.After(since) {
				since = e.NextAt // released from a frequency limit
			}
			if age := max(now.Sub(since), 0); b.OldestDueID == 0 || age > b.OldestDue {
				b.OldestDue, b.OldestDueID = age, e.ID
			}
			return true
		})
		return errors.Join(err, ferr)
	})
	return b, err
}

// ErrNotRetryable is returned by Requeue for an entry that is not dead,
// failed or undelivered.
var ErrNotRetryable = errors.New("outbox: only a dead, failed or undelivered entry can be sent again")

// Retryable states: what Requeue takes back.
func retryableState(s string) bool {
	return s == StateDead || s == StateFailed || s == StateUndelivered
}

// Requeue puts a dead, failed or undelivered entry back in the queue, due
// at now (or its NotBefore, when later), with a fresh set of attempts. Its
// status history records the step with note; its last error stays until the
// next attempt replaces it. A delivery status that arrives later for the
// earlier send no longer applies to the entry. It returns the entry as
// stored; for another state, the entry unchanged and ErrNotRetryable.
func Requeue(db crm.Engine, id int64, note string, now time.Time) (*Entry, error) {
	var out *Entry
	err := db.Update(bg, func(tx crm.ETx) error {
		out = nil
		e, err := getEntry(tx, id)
		if err != nil {
			return err
		}
		out = e
		if !retryableState(e.State) {
			return ErrNotRetryable
		}
		old := *e
		for _, pid := range ProviderIDs(e.ProviderID) {
			if err := tx.State(bktProvider).Delete([]byte(pid)); err != nil {
				return err
			}
		}
		e.Attempts = 0
		e.NextAt = now
		if e.NotBefore.After(now) {
			e.NextAt = e.NotBefore
		}
		e.ProviderID, e.ProviderStatus, e.Segments, e.SentAt, e.Via, e.Held = "", "", 0, time.Time{}, "", ""
		e.setState(StateQueued, note, 0, now)
		return putEntry(tx, e, &old)
	})
	return out, err
}
