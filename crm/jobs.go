package crm

import (
	"encoding/binary"
	"time"
)

// What the scheduler's jobs need from the store: reads as of a given time
// (the jobs run "as of now", which need not be the store's clock) and the few
// writes that are the scheduler's bookkeeping. All of them are pure over the
// Tx, so they are safe in Store.Update.

// ItemOf returns an activity as a list item (as TODAY shows it).
func (tx *Tx) ItemOf(a *Activity) Item { return tx.item(a) }

// AccountName returns the name of account id ("" when none).
func (tx *Tx) AccountName(id int64) string { return tx.accountName(id) }

// ManagerOf returns the manager of user id (0 when none).
func (tx *Tx) ManagerOf(id int64) int64 { return tx.managerOf(id) }

// MarkEscalated records that an open activity was escalated at t.
func (tx *Tx) MarkEscalated(id int64, t time.Time) (*Activity, error) {
	return tx.UpdateActivity(id, func(a *Activity) error {
		if !a.Escalated.IsZero() {
			return Errorf(ECONFLICT, "Activity #%d was already escalated.", id)
		}
		a.Escalated = t
		return nil
	})
}

// Assigned is an open activity that someone else assigned to its owner, as
// the escalation and take-back jobs need it: kept in an index in the
// activity's own transaction, so the jobs read only these.
type Assigned struct {
	At        time.Time // when it was assigned
	Due       time.Time
	Owner     int64
	Urgent    bool
	Escalated bool
	Acked     bool
}

const (
	flagUrgent byte = 1 << iota
	flagEscalated
	flagAcked
)

func encodeAssigned(a *Activity) []byte {
	v := make([]byte, 25)
	binary.BigEndian.PutUint64(v, uint64(a.AssignedAt.UnixNano()))
	var f byte
	if a.Priority == PriorityUrgent {
		f |= flagUrgent
	}
	if !a.Escalated.IsZero() {
		f |= flagEscalated
	}
	if !a.Acked.IsZero() {
		f |= flagAcked
	}
	v[8] = f
	binary.BigEndian.PutUint64(v[9:], uint64(a.Owner))
	if !a.Due.IsZero() {
		binary.BigEndian.PutUint64(v[17:], uint64(a.Due.UnixNano()))
	}
	return v
}

// EachAssigned calls fn for every open activity someone else assigned, in
// id order, until fn returns an error. It reads only that index.
func (tx *Tx) EachAssigned(fn func(id int64, a Assigned) error) error {
	return firstErr(tx.etx.Assigned(fn), tx.etx.Err())
}

// ActivityByID reads an activity whatever the actor may see (the scheduler
// acts for the rules, as System).
func (tx *Tx) ActivityByID(id int64) (*Activity, error) { return loadAs[Activity](tx, id) }
