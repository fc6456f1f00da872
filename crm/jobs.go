package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// ActivityChanges calls fn for each change of an activity recorded in the
// change sets after csid after, oldest first, with the activity as it was
// left (nil when it was deleted). It returns the id of the last change set
// read (after when there is none). The time follows the number of change
// sets since after, not the number of records: the scheduler keeps its own
// index of open assigned activities up to date with it.
func (tx *Tx) ActivityChanges(after int64, fn func(id int64, a *Activity) error) (last int64, err error) {
	last = after
	c := tx.btx.Bucket(bktChangeSets).Cursor()
	for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
		last = int64(btou(k))
		if !bytes.Contains(v, []byte(`"kind":"`+string(KindActivity)+`"`)) {
			continue // cheap skip: no activity in this change set
		}
		var cs ChangeSet
		if err := json.Unmarshal(v, &cs); err != nil {
			return last, fmt.Errorf("decode change set #%d: %w", last, err)
		}
		for _, ch := range cs.Changes {
			if ch.Kind != KindActivity {
				continue
			}
			var a *Activity
			if ch.Op != OpDelete && ch.After != nil {
				a = &Activity{}
				if err := json.Unmarshal(ch.After, a); err != nil {
					return last, fmt.Errorf("decode activity #%d in change set #%d: %w", ch.ID, last, err)
				}
			}
			if err := fn(ch.ID, a); err != nil {
				return last, err
			}
		}
	}
	return last, nil
}

// ActivityByID reads an activity whatever the actor may see (the scheduler
// acts for the rules, as System).
func (tx *Tx) ActivityByID(id int64) (*Activity, error) { return loadAs[Activity](tx, id) }
