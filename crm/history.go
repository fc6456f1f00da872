package crm

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Ops of a Change.
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
)

// ChangeSet is everything one request (one message, one command line) changed:
// who, when, through which channel and which message, and each record's value
// before and after. It is the unit of UNDO.
type ChangeSet struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	User      int64     `json:"user"`
	Channel   string    `json:"channel,omitempty"`
	MessageID string    `json:"message_id,omitempty"`
	Summary   string    `json:"summary,omitempty"`
	Changes   []Change  `json:"changes"`
	UndoOf    int64     `json:"undo_of,omitempty"`   // this change set undid that one
	UndoneBy  int64     `json:"undone_by,omitempty"` // set on the original when undone
	Events    []Event   `json:"events,omitempty"`    // what the rules want to tell people
}

// Change is one record's change within a change set.
type Change struct {
	Kind   Kind            `json:"kind"`
	ID     int64           `json:"id"`
	Op     string          `json:"op"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// Event is something a business rule wants people told about (a notice, an
// alert). The gateway or scheduler turns events into messages after commit.
type Event struct {
	Type   string  `json:"type"`           // one of the Ev* constants
	Kind   Kind    `json:"kind,omitempty"` // the record concerned
	ID     int64   `json:"id,omitempty"`
	To     []int64 `json:"to,omitempty"`     // user ids to tell
	By     int64   `json:"by,omitempty"`     // who caused it
	Detail string  `json:"detail,omitempty"` // reason, old phone number …
}

// Event types.
const (
	EvAssigned          = "assigned"           // a record was given to To by By
	EvUnassigned        = "unassigned"         // a record was taken from To by By (Detail: the new owner's id)
	EvLeadCreated       = "lead_created"       // a new lead: its owner is told
	EvAccountCreated    = "account_created"    // owner and manager are told
	EvAccountPhone      = "account_phone"      // phone changed: Detail "old → new"
	EvAccountInactive   = "account_inactive"   // Detail is the reason; manager and credit told
	EvActivityRejected  = "activity_rejected"  // the assigner is told
	EvApprovalRequested = "approval_requested" // a manager must approve a request
	EvRequestDecided    = "request_decided"    // the requester is told
	EvEquipmentMissing  = "equipment_missing"  // visit to an account with no equipment on file
)

func (tx *Tx) ensureCS() {
	if tx.cs == nil {
		tx.cs = &ChangeSet{At: tx.now, User: tx.meta.Actor.ID, Channel: tx.meta.Channel,
			MessageID: tx.meta.MessageID, Summary: tx.meta.Summary}
	}
}

func recKey(k Kind, id int64) []byte {
	b := make([]byte, 0, len(k)+9)
	b = append(b, k...)
	b = append(b, 0)
	return append(b, itob(id)...)
}

// recordChange notes a record's change in the request's change set.
func (tx *Tx) recordChange(k Kind, id int64, op string, before, after []byte) error {
	tx.ensureCS()
	if tx.cs.ID == 0 {
		id, err := tx.etx.NextChangeSet()
		if err != nil {
			return err
		}
		tx.cs.ID = id
	}
	// the same record changed twice in one request: keep the first before
	rk := recKey(k, id)
	if i, ok := tx.changeAt[string(rk)]; ok {
		c := &tx.cs.Changes[i]
		c.After = after
		if c.Op == OpCreate && op == OpDelete {
			c.Op = OpDelete // created and deleted: undo has nothing to bring back
			c.Before = nil
		} else if op == OpDelete {
			c.Op = OpDelete
		}
		return nil
	}
	if tx.changeAt == nil {
		tx.changeAt = map[string]int{}
	}
	tx.changeAt[string(rk)] = len(tx.cs.Changes)
	tx.cs.Changes = append(tx.cs.Changes, Change{Kind: k, ID: id, Op: op, Before: before, After: after})
	return tx.etx.AddHistory(k, id, tx.cs.ID)
}

// lastChange returns the id of the latest change set that touched a record
// (0 when none): the last of its history keys.
func (tx *Tx) lastChange(k Kind, id int64) int64 {
	var last int64
	tx.etx.History(k, id, true, func(cs int64) bool { last = cs; return false })
	return last
}

// finish stores the change set, if anything changed.
func (tx *Tx) finish() error {
	if err := tx.checkNewAccounts(); err != nil {
		return err
	}
	if tx.cs == nil || tx.cs.ID == 0 {
		return nil // nothing changed (events alone are not history)
	}
	data, err := json.Marshal(tx.cs)
	if err != nil {
		return err
	}
	if err := tx.etx.PutChangeSet(tx.cs, data); err != nil {
		return err
	}
	return tx.noteRecent(tx.cs)
}

// ChangeSetByID returns a stored change set as the actor sees it: only the
// changes (and events) of records the actor may read. A change set with none
// of those is not found, unless the actor is its author.
func (tx *Tx) ChangeSetByID(id int64) (*ChangeSet, error) {
	cs, err := tx.changeSet(id)
	if err != nil {
		return nil, err
	}
	if cs = tx.visible(cs); len(cs.Changes) == 0 && cs.User != tx.meta.Actor.ID {
		return nil, Errorf(ENOTFOUND, "No change #%d.", id)
	}
	return cs, nil
}

// visible returns cs without the changes and events of records the actor may
// not read (a change set may span branches: an import, a director's request).
func (tx *Tx) visible(cs *ChangeSet) *ChangeSet {
	out := *cs
	out.Changes, out.Events = nil, nil
	kept := map[string]bool{}
	for _, c := range cs.Changes {
		src := c.After
		if src == nil {
			src = c.Before
		}
		r := newRecord(c.Kind)
		if src == nil || json.Unmarshal(src, r) != nil || !tx.canRead(r) {
			continue
		}
		out.Changes = append(out.Changes, c)
		kept[string(recKey(c.Kind, c.ID))] = true
	}
	for _, e := range cs.Events {
		if e.Kind != "" && !kept[string(recKey(e.Kind, e.ID))] {
			if r, err := tx.load(e.Kind, e.ID); err != nil || !tx.canRead(r) {
				continue
			}
		}
		out.Events = append(out.Events, e)
	}
	return &out
}

// changeSet reads a stored change set whole, without an access check.
func (tx *Tx) changeSet(id int64) (*ChangeSet, error) {
	v := tx.etx.ChangeSet(id)
	if v == nil {
		if err := tx.etx.Err(); err != nil {
			return nil, err
		}
		return nil, Errorf(ENOTFOUND, "No change #%d.", id)
	}
	var cs ChangeSet
	if err := json.Unmarshal(v, &cs); err != nil {
		return nil, err
	}
	return &cs, nil
}

// LastChangeSet returns the actor's latest change set that is not undone and
// is not itself an undo, or nil.
func (tx *Tx) LastChangeSet() (*ChangeSet, error) {
	recent := tx.loadConv().recent()
	for i := len(recent) - 1; i >= 0; i-- {
		cs, err := tx.changeSet(recent[i])
		if err != nil {
			return nil, err
		}
		if cs.UndoOf == 0 && cs.UndoneBy == 0 {
			return tx.visible(cs), nil
		}
	}
	return nil, nil
}

// History returns the change sets that touched a record, oldest first. The
// actor must be able to read the record.
func (tx *Tx) History(k Kind, id int64) ([]*ChangeSet, error) {
	if r, err := tx.load(k, id); err == nil {
		if !tx.canRead(r) {
			return nil, Errorf(ENOTFOUND, "No %s #%d that you can see.", kindName(k), id)
		}
	} else if !tx.isAll(k) {
		return nil, err // deleted records' history is for A-level users
	}
	var ids []int64
	if err := tx.etx.History(k, id, false, func(cs int64) bool { ids = append(ids, cs); return true }); err != nil {
		return nil, err
	}
	out := make([]*ChangeSet, 0, len(ids))
	for _, id := range ids {
		cs, err := tx.changeSet(id)
		if err != nil {
			return nil, err
		}
		out = append(out, tx.visible(cs))
	}
	return out, nil
}

// Undo reverts change set id as a whole, as a new change set. It is refused
// when the set is not the actor's (unless the actor is a manager who may write
// every record in it), was already undone, or when a later change touched any
// of its records.
func (tx *Tx) Undo(id int64) (*ChangeSet, error) {
	cs, err := tx.changeSet(id)
	if err != nil {
		return nil, err
	}
	switch {
	case cs.UndoneBy != 0:
		return nil, Errorf(ECONFLICT, "Change #%d was already undone.", id)
	case cs.UndoOf != 0:
		return nil, Errorf(ECONFLICT, "Change #%d is itself an undo.", id)
	case len(cs.Changes) == 0:
		return nil, Errorf(ECONFLICT, "Change #%d changed nothing.", id)
	}
	mine := cs.User == tx.meta.Actor.ID
	for _, c := range cs.Changes {
		if tx.lastChange(c.Kind, c.ID) != cs.ID {
			return nil, Errorf(ECONFLICT, "Cannot undo: %s #%d was changed again since.", kindName(c.Kind), c.ID)
		}
		if !mine {
			src := c.Before
			if src == nil {
				src = c.After
			}
			r := newRecord(c.Kind)
			if err := json.Unmarshal(src, r); err != nil {
				return nil, err
			}
			if !tx.actorIsManager() || !tx.canWrite(r) {
				return nil, Errorf(EFORBIDDEN, "Change #%d is not yours to undo.", id)
			}
		}
	}
	for i := len(cs.Changes) - 1; i >= 0; i-- {
		c := cs.Changes[i]
		switch {
		case c.Before == nil: // created: delete it
			if err := tx.remove(c.Kind, c.ID); err != nil {
				return nil, err
			}
		default: // updated or deleted: put the old value back
			r := newRecord(c.Kind)
			if err := json.Unmarshal(c.Before, r); err != nil {
				return nil, fmt.Errorf("undo %s #%d: %w", c.Kind, c.ID, err)
			}
			if err := tx.put(r); err != nil {
				return nil, err
			}
		}
	}
	tx.ensureCS()
	tx.cs.UndoOf = cs.ID
	cs.UndoneBy = tx.cs.ID
	data, err := json.Marshal(cs)
	if err != nil {
		return nil, err
	}
	if err := tx.etx.PutChangeSet(cs, data); err != nil {
		return nil, err
	}
	return cs, nil
}

// upgradeHistory is the step to schema 4 (bbolt only: a PostgreSQL database
// starts at the current schema): each user's latest change sets
// (user_cs) go into his conversation state, then user_cs and rec_last (which
// rec_hist answers) are dropped.
func upgradeHistory(btx *bolt.Tx) error {
	if ucs := btx.Bucket(bktUserCS); ucs != nil {
		recent := map[int64][]byte{}
		err := ucs.ForEach(func(k, _ []byte) error {
			if len(k) != 16 {
				return nil
			}
			u := int64(btou(k[:8]))
			ids := append(recent[u], k[8:]...)
			if n := len(ids) - 8*maxRecent; n > 0 {
				ids = ids[n:]
			}
			recent[u] = ids
			return nil
		})
		if err != nil {
			return err
		}
		convs := btx.Bucket(bktConv)
		for u, ids := range recent {
			c := &conv{}
			if v := convs.Get(itob(u)); v != nil {
				json.Unmarshal(v, c)
			}
			c.Recent = ids
			data, err := json.Marshal(c)
			if err != nil {
				return err
			}
			if err := convs.Put(itob(u), data); err != nil {
				return err
			}
		}
		if err := btx.DeleteBucket(bktUserCS); err != nil {
			return err
		}
	}
	if btx.Bucket(bktRecLast) != nil {
		return btx.DeleteBucket(bktRecLast)
	}
	return nil
}
