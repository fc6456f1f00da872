package crm

import (
	"github.com/fieldcrm/fieldcrm/parser"
	"strconv"
	"strings"
	"time"
)

// Activity types.
const (
	ActVisit   = "visit"
	ActCall    = "call"
	ActEmail   = "email"
	ActFax     = "fax"
	ActSMS     = "sms"
	ActMeeting = "meeting"
	ActRevisit = "revisit" // field revisit
	ActTask    = "task"
	ActNote    = "note" // a note on a record, kept as a done activity
)

// ActivityTypes lists the activity types.
var ActivityTypes = []string{ActVisit, ActCall, ActEmail, ActFax, ActSMS, ActMeeting, ActRevisit, ActTask, ActNote}

// Activity statuses. Done, rejected and reassigned are final.
const (
	StatusOpen       = "open"
	StatusDone       = "done"
	StatusRejected   = "rejected"
	StatusReassigned = "reassigned" // handed to someone else: see ReassignedTo
)

// Priorities.
const (
	PriorityNormal = "normal"
	PriorityUrgent = "urgent"
)

// Activity is a visit, call, meeting or task, done or to do.
type Activity struct {
	Base
	Type         string    `json:"type"`
	Subject      string    `json:"subject"`
	Notes        string    `json:"notes,omitempty"`
	Account      int64     `json:"account,omitempty"`
	Contact      int64     `json:"contact,omitempty"`
	Opp          int64     `json:"opp,omitempty"`
	Lead         int64     `json:"lead,omitempty"`
	AssignedBy   int64     `json:"assigned_by,omitempty"` // 0 when the owner planned it himself
	AssignedAt   time.Time `json:"assigned_at,omitzero"`
	Due          time.Time `json:"due,omitzero"`
	Priority     string    `json:"priority"`
	Status       string    `json:"status"`
	Outcome      string    `json:"outcome,omitempty"` // what came of it (done) or why not (rejected)
	DoneAt       time.Time `json:"done_at,omitzero"`
	FollowUpOf   int64     `json:"follow_up_of,omitempty"`
	ReassignedTo int64     `json:"reassigned_to,omitempty"` // the activity that replaced this one
	ReassignedOf int64     `json:"reassigned_of,omitempty"` // the activity this one replaced
	// scheduler bookkeeping: when the overdue reminder, escalation and
	// take-back happened
	Escalated time.Time `json:"escalated,omitzero"`
	Acked     time.Time `json:"acked,omitzero"` // a manager acknowledged the escalation
}

func (*Activity) RecordKind() Kind { return KindActivity }
func (a *Activity) label() string  { return a.Subject }

// Finished reports whether the activity can no longer change.
func (a *Activity) Finished() bool {
	return a.Status == StatusDone || a.Status == StatusRejected || a.Status == StatusReassigned
}

func dueKey(due time.Time, id int64) []byte {
	return append(dueBytes(due), itob(id)...)
}

// dueBytes encodes a due time so that byte order is time order.
func dueBytes(due time.Time) []byte {
	// offset so that dates before 1970 still sort
	return u64(uint64(due.UnixNano()) + 1<<63)
}

// openDue is the value of an activity's entry in the index of open
// activities by owner: its due time (as in dueKey), empty when it has none.
// An agenda tells today's and overdue work from later work by it alone.
func openDue(due time.Time) []byte {
	if due.IsZero() {
		return nil
	}
	return dueBytes(due)
}

func dueOf(v []byte) (time.Time, bool) {
	if len(v) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(btou(v)-1<<63)), true
}

func (a *Activity) indexes() []IndexEntry {
	var ix []IndexEntry
	if a.Status == StatusOpen && !a.Due.IsZero() {
		ix = append(ix, IndexEntry{Index: IxDue, Key: dueKey(a.Due, a.ID)})
	}
	if a.Status == StatusOpen && a.Owner != 0 {
		ix = append(ix, IndexEntry{Index: IxOpenOwner, Key: append(itob(a.Owner), itob(a.ID)...), Val: openDue(a.Due)})
	}
	if a.Status == StatusOpen && a.AssignedBy != 0 && a.AssignedBy != a.Owner && !a.AssignedAt.IsZero() {
		ix = append(ix, IndexEntry{Index: IxAssigned, Key: itob(a.ID), Val: encodeAssigned(a)})
	}
	if a.Account != 0 {
		ix = append(ix, IndexEntry{Index: IxAccount, Key: linkKey(a.Account, KindActivity, a.ID)})
	}
	return ix
}

// ParseActivityType reads an activity type in the words of the message
// language; "note" (a note kept as a done activity) is crm's own.
func ParseActivityType(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case ActNote, "备注":
		return ActNote, true
	}
	return parser.ActivityWord(s)
}

func (a *Activity) validate(tx *Tx, old Record) error {
	if old != nil {
		o := old.(*Activity)
		if o.Finished() && !tx.importing() {
			return Errorf(ECONFLICT, "Activity #%d is finished (%s) and cannot be changed.", a.ID, o.Status).
				withHint("PLAN <what> <when> for a new one")
		}
	}
	t, ok := ParseActivityType(a.Type)
	if !ok {
		return Errorf(EINVALID, "Unknown activity type %q.", a.Type).withHint("visit, call, email, fax, sms, meeting, revisit or task")
	}
	a.Type = t
	a.Subject = strings.TrimSpace(a.Subject)
	if a.Subject == "" {
		a.Subject = t
	}
	switch a.Priority {
	case "":
		a.Priority = PriorityNormal
	case PriorityNormal, PriorityUrgent:
	default:
		return Errorf(EINVALID, "Priority is urgent or normal, not %q.", a.Priority)
	}
	switch a.Status {
	case "":
		a.Status = StatusOpen
	case StatusOpen:
	case StatusDone:
		if a.DoneAt.IsZero() {
			a.DoneAt = tx.now
		}
	case StatusRejected:
		if a.Outcome = strings.TrimSpace(a.Outcome); a.Outcome == "" {
			return Errorf(EINVALID, "Rejecting an activity needs a reason.").withHint("REJECT #" + itoa(a.ID) + " <reason>")
		}
	case StatusReassigned:
		if !tx.reassigning && !tx.importing() {
			return Errorf(EINVALID, "An activity is reassigned with ASSIGN.").withHint("ASSIGN #" + itoa(a.ID) + " <name>")
		}
	default:
		return Errorf(EINVALID, "Unknown activity status %q.", a.Status)
	}
	if a.Account != 0 {
		if !tx.linkable(KindAccount, a.Account) {
			return Errorf(EINVALID, "Account #%d does not exist.", a.Account)
		}
	}
	if a.Contact != 0 {
		c, err := loadAs[Contact](tx, a.Contact)
		if err != nil {
			return Errorf(EINVALID, "Contact #%d does not exist.", a.Contact)
		}
		if a.Account == 0 {
			a.Account = c.Account
		}
	}
	if a.Opp != 0 {
		o, err := loadAs[Opportunity](tx, a.Opp)
		if err != nil {
			return Errorf(EINVALID, "Opportunity #%d does not exist.", a.Opp)
		}
		if a.Account == 0 {
			a.Account = o.Account
		}
	}
	if a.Lead != 0 {
		if !tx.exists(KindLead, a.Lead) {
			return Errorf(EINVALID, "Lead #%d does not exist.", a.Lead)
		}
	}
	if a.Owner != tx.meta.Actor.ID && tx.meta.Actor != System && (old == nil || old.base().Owner != a.Owner) {
		a.AssignedBy, a.AssignedAt = tx.meta.Actor.ID, tx.now
	}
	return nil
}

// Activity reads an activity as the actor.
func (tx *Tx) Activity(id int64) (*Activity, error) { return getAs[Activity](tx, id) }

// CreateActivity records a done activity (a visit report) or plans one.
// Planning for someone else is an assignment: he is told.
func (tx *Tx) CreateActivity(a *Activity) error { return tx.save(a) }

// UpdateActivity changes an open activity.
func (tx *Tx) UpdateActivity(id int64, change func(*Activity) error) (*Activity, error) {
	a, err := getAs[Activity](tx, id)
	if err != nil {
		return nil, err
	}
	if a.Finished() {
		return nil, Errorf(ECONFLICT, "Activity #%d is finished (%s) and cannot be changed.", id, a.Status)
	}
	if err := change(a); err != nil {
		return nil, err
	}
	return a, tx.save(a)
}

// CompleteActivity marks an open activity done with its outcome.
func (tx *Tx) CompleteActivity(id int64, outcome string) (*Activity, error) {
	return tx.UpdateActivity(id, func(a *Activity) error {
		a.Status, a.Outcome, a.DoneAt = StatusDone, strings.TrimSpace(outcome), tx.now
		return nil
	})
}

// RejectActivity refuses an assigned activity with a reason; whoever assigned
// it (or the owner's manager) is told and can re-assign it.
func (tx *Tx) RejectActivity(id int64, reason string) (*Activity, error) {
	a, err := tx.UpdateActivity(id, func(a *Activity) error {
		a.Status, a.Outcome = StatusRejected, strings.TrimSpace(reason)
		return nil
	})
	if err != nil {
		return nil, err
	}
	to := a.AssignedBy
	if to == 0 || to == a.Owner {
		to = tx.managerOf(a.Owner)
	}
	if to != 0 {
		tx.Emit(Event{Type: EvActivityRejected, Kind: KindActivity, ID: a.ID, To: []int64{to}, By: tx.meta.Actor.ID, Detail: a.Outcome})
	}
	return a, nil
}

// AssignActivity gives an activity to another user. An open activity is
// closed as reassigned and a new one created for the assignee (so each
// person's clock for escalation starts at his own assignment); a rejected
// one stays rejected and a new one is created. The assignee is told.
func (tx *Tx) AssignActivity(id, to int64) (*Activity, error) {
	a, err := getAs[Activity](tx, id)
	if err != nil {
		return nil, err
	}
	switch a.Status {
	case StatusDone:
		return nil, Errorf(ECONFLICT, "Activity #%d is done and cannot be reassigned.", id)
	case StatusReassigned:
		return nil, Errorf(ECONFLICT, "Activity #%d was already reassigned (now #%d).", id, a.ReassignedTo)
	}
	if a.Owner == to && a.Status == StatusOpen {
		return nil, Errorf(ECONFLICT, "Activity #%d is already his.", id)
	}
	if err := tx.mustWrite(a); err != nil {
		return nil, err
	}
	n := *a
	n.Base = Base{Owner: to}
	n.Status, n.Outcome, n.DoneAt, n.Escalated = StatusOpen, "", time.Time{}, time.Time{}
	n.ReassignedOf, n.ReassignedTo, n.AssignedBy, n.AssignedAt = a.ID, 0, 0, time.Time{}
	if err := tx.save(&n); err != nil {
		return nil, err
	}
	if a.Status == StatusOpen {
		a.Status, a.ReassignedTo = StatusReassigned, n.ID
		tx.reassigning = true
		err = tx.save(a)
		tx.reassigning = false
		if err != nil {
			return nil, err
		}
		// who had it is told it is off his list (unless he passed it on himself)
		if a.Owner != 0 && a.Owner != tx.meta.Actor.ID && a.Owner != to {
			tx.Emit(Event{Type: EvUnassigned, Kind: KindActivity, ID: a.ID, To: []int64{a.Owner}, By: tx.meta.Actor.ID,
				Detail: strconv.FormatInt(to, 10)})
		}
	}
	return &n, nil
}

// OpenDueOf calls fn for each open activity of user due before t that the
// actor may see, and returns how many of the user's other open activities
// (due later or undated) the actor may see. Only the activities due before t
// are read: the index says when each is due.
func (tx *Tx) OpenDueOf(user int64, before time.Time, fn func(*Activity)) (later int, err error) {
	// an actor whose level lets him read whatever he owns needs no record
	// to count his own later work
	own := false
	if a := tx.meta.Actor; a != nil && a.ID == user {
		lv := tx.s.policy.levels(a, KindActivity).Read
		own = lv == LevelA || lv == LevelM
	}
	ferr := tx.etx.OpenOwned(user, func(id int64, due time.Time) bool {
		if (due.IsZero() || !due.Before(before)) && own {
			later++
			return true
		}
		var a *Activity
		if a, err = loadAs[Activity](tx, id); err != nil {
			return false
		}
		switch {
		case !tx.canRead(a):
		case a.Due.IsZero() || !a.Due.Before(before):
			later++
		default:
			fn(a)
		}
		return true
	})
	return later, firstErr(err, ferr, tx.etx.Err())
}

// firstErr is the first of errs that is not nil.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// OpenOf calls fn for each open activity owned by user that the actor may
// see, until fn returns false. It reads only the index of open activities:
// a salesman's years of done visits cost nothing here.
func (tx *Tx) OpenOf(user int64, fn func(*Activity) bool) error {
	var err error
	ferr := tx.etx.OpenOwned(user, func(id int64, _ time.Time) bool {
		var a *Activity
		if a, err = loadAs[Activity](tx, id); err != nil {
			return false
		}
		return !tx.canRead(a) || fn(a)
	})
	return firstErr(err, ferr, tx.etx.Err())
}

// OpenDue calls fn for each open activity due before t that the actor may
// see, earliest first, until fn returns false. It reads only the due index:
// the time follows the number of activities due, not the number stored.
func (tx *Tx) OpenDue(before time.Time, fn func(*Activity) bool) error {
	var err error
	ferr := tx.etx.OpenDue(before, func(id int64) bool {
		var a *Activity
		if a, err = loadAs[Activity](tx, id); err != nil {
			return false
		}
		return !tx.canRead(a) || fn(a)
	})
	return firstErr(err, ferr, tx.etx.Err())
}
