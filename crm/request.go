package crm

import (
	"strings"
	"time"
)

// Request types.
const (
	ReqRemoveContact = "remove_contact"
)

// Request statuses.
const (
	ReqPending  = "pending"
	ReqApproved = "approved"
	ReqRefused  = "refused"
)

// Request is a change that waits for a manager's approval (APPROVE #88).
type Request struct {
	Base
	Type        string    `json:"type"`
	TargetKind  Kind      `json:"target_kind"`
	Target      int64     `json:"target"`
	Reason      string    `json:"reason"`
	RequestedBy int64     `json:"requested_by"`
	Status      string    `json:"status"`
	DecidedBy   int64     `json:"decided_by,omitempty"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	Note        string    `json:"note,omitempty"`
	Subject     string    `json:"subject,omitempty"` // what it is about, for the manager's message
}

func (*Request) RecordKind() Kind { return KindRequest }
func (r *Request) label() string  { return r.Subject }

func (r *Request) indexes() []IndexEntry {
	if r.Status == ReqPending {
		return []IndexEntry{{Index: IxPending, Key: itob(r.ID)}}
	}
	return nil
}

func (r *Request) validate(tx *Tx, old Record) error {
	if old != nil && old.(*Request).Status != ReqPending {
		return Errorf(ECONFLICT, "Request #%d was already %s.", r.ID, old.(*Request).Status)
	}
	return nil
}

// RemoveContact asks to remove contact id (retired, left, deceased …). For a
// salesman it becomes a pending request that his manager approves or refuses;
// a manager who may change the contact removes it at once.
func (tx *Tx) RemoveContact(id int64, reason string) (*Request, error) {
	c, err := tx.Contact(id)
	if err != nil {
		return nil, err
	}
	if c.Removed {
		return nil, Errorf(ECONFLICT, "Contact %s was already removed.", c.Name)
	}
	if !tx.canWrite(c) { // only the account's salesman (or a manager) asks
		return nil, tx.notYours(c)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, Errorf(EINVALID, "Removing a contact needs a reason (retired, left, deceased …).").
			withHint("CONTACT #" + itoa(id) + " remove; <reason>")
	}
	req := &Request{Type: ReqRemoveContact, TargetKind: KindContact, Target: id, Reason: reason,
		RequestedBy: tx.meta.Actor.ID, Status: ReqPending, Subject: "remove contact " + c.Name}
	if tx.meta.Actor == System {
		req.Owner = c.Owner
	}
	if err := tx.save(req); err != nil {
		return nil, err
	}
	if tx.actorIsManager() && tx.canWrite(c) {
		return tx.DecideRequest(req.ID, true, "")
	}
	if m := tx.managerOf(tx.meta.Actor.ID); m != 0 {
		tx.Emit(Event{Type: EvApprovalRequested, Kind: KindRequest, ID: req.ID, To: []int64{m}, By: tx.meta.Actor.ID, Detail: req.Subject})
	}
	return req, nil
}

// DecideRequest approves (and carries out) or refuses a pending request. Only
// a manager who may change the request's target may decide.
func (tx *Tx) DecideRequest(id int64, approve bool, note string) (*Request, error) {
	req, err := getAs[Request](tx, id)
	if err != nil {
		return nil, err
	}
	if req.Status != ReqPending {
		return nil, Errorf(ECONFLICT, "Request #%d was already %s.", id, req.Status)
	}
	if !tx.actorIsManager() {
		return nil, Errorf(EFORBIDDEN, "Only a manager can approve or refuse request #%d.", id)
	}
	target, err := tx.load(req.TargetKind, req.Target)
	if err != nil {
		return nil, err
	}
	if !tx.canWrite(target) {
		return nil, Errorf(EFORBIDDEN, "Request #%d is outside your team.", id)
	}
	req.Status, req.DecidedBy, req.DecidedAt, req.Note = ReqRefused, tx.meta.Actor.ID, tx.now, strings.TrimSpace(note)
	if approve {
		req.Status = ReqApproved
		switch req.Type {
		case ReqRemoveContact:
			c := target.(*Contact)
			c.Removed, c.RemovedReason, c.RemovedAt = true, req.Reason, tx.now
			tx.approving = true
			err := tx.save(c)
			tx.approving = false
			if err != nil {
				return nil, err
			}
			tx.tellOwnerOfRemoval(req, c)
		}
	}
	if err := tx.save(req); err != nil {
		return nil, err
	}
	if req.RequestedBy != tx.meta.Actor.ID {
		tx.Emit(Event{Type: EvRequestDecided, Kind: KindRequest, ID: id, To: []int64{req.RequestedBy}, By: tx.meta.Actor.ID, Detail: req.Status})
	}
	return req, nil
}

// PendingRequests lists the requests waiting for a decision that the actor may see.
func (tx *Tx) PendingRequests() ([]*Request, error) {
	var out []*Request
	err := tx.etx.Pending(func(id int64) bool {
		r, err := loadAs[Request](tx, id)
		if err == nil && tx.canRead(r) {
			out = append(out, r)
		}
		return true
	})
	return out, firstErr(err, tx.etx.Err())
}
