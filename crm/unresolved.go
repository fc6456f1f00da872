package crm

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
)

// Messages that were not carried out are kept with the answer they got, so
// that the data administrator sees what people type that the language does
// not understand yet, and can run a message again once it does (fieldcrm
// unresolved). The pipeline tells the store the outcome of every message in
// the transaction that stores its answer (NoteHandled): nothing answered is
// lost.

// Causes of an unresolved message.
const (
	CauseNotUnderstood = "not_understood" // the parser could not read it
	CauseRefused       = "refused"        // understood, but a rule refused it (Code says why)
	CauseNoChoice      = "no_choice"      // answered with numbered choices, none ever made
)

// Codes of CauseNoChoice.
const (
	ChoiceReplaced = "replaced" // the sender sent another command instead of a number
	ChoiceExpired  = "expired"  // nobody answered within ChoiceWindow
)

// UnresolvedRetention is how long unresolved messages are kept (the prune
// job deletes older ones): long enough for the language to learn them and
// for the administrator to run them again.
const UnresolvedRetention = 180 * 24 * time.Hour

// Unresolved is a message that was not carried out, with the answer it got.
type Unresolved struct {
	ID        int64     `json:"id"`
	User      int64     `json:"user"`
	Channel   string    `json:"channel"`
	From      string    `json:"from"` // the number or address it came from
	MessageID string    `json:"message_id,omitempty"`
	At        time.Time `json:"at"` // when it was received
	Text      string    `json:"text"`
	Reply     string    `json:"reply"`
	Cause     string    `json:"cause"`          // one of the Cause* constants
	Code      string    `json:"code,omitempty"` // a refusal's error code; ChoiceReplaced/ChoiceExpired
	Verb      string    `json:"verb,omitempty"` // the verb understood, if any
	// Next is, for a choice replaced, the message that replaced it.
	Next string `json:"next,omitempty"`
	// CSAfter is the last change set id when it was received: the sender's
	// change sets after it show whether he sent it again in other words.
	CSAfter int64 `json:"cs_after"`
	// ChoiceAt identifies the pending question of a CauseNoChoice entry.
	ChoiceAt time.Time `json:"choice_at,omitzero"`
	Rerun    *Rerun    `json:"rerun,omitempty"`
}

// Rerun is what happened when the administrator ran an unresolved message
// again as its sender.
type Rerun struct {
	At        time.Time `json:"at"`
	Reply     string    `json:"reply"`
	ChangeSet int64     `json:"change_set,omitempty"`
}

// Handled is the outcome of one message, as the pipeline knows it when it
// stores the answer.
type Handled struct {
	Channel   string
	From      string
	MessageID string
	At        time.Time // when the message was received
	Text      string
	Reply     string
	Verb      string
	Code      string // "" when carried out; "parse" when not understood; else the refusal's code
}

// NoteHandled keeps what the actor's message h leaves unresolved, in the
// transaction that stores its answer: the message itself when it was not
// carried out; the message that asked a numbered question the actor did not
// answer, once that question is gone (another command replaced it, or it
// expired). A question answered by its number leaves nothing.
func (tx *Tx) NoteHandled(h Handled) error {
	if !tx.writable || tx.meta.Actor == nil || tx.meta.Actor == System {
		return nil
	}
	uid := itob(tx.meta.Actor.ID)
	var open *Unresolved
	main, ob := tx.etx.State(spaceUnresolved), tx.etx.State(spaceUnresolvedOpen)
	if v := ob.Get(uid); v != nil {
		open = &Unresolved{}
		if json.Unmarshal(v, open) != nil {
			open = nil
		}
	}
	cv := tx.loadConv()
	if open == nil && cv.Choice == nil && h.Code == "" {
		return nil // the common case: carried out, no question around
	}
	tx.dirty = true
	entry := func() *Unresolved {
		return &Unresolved{User: tx.meta.Actor.ID, Channel: h.Channel, From: h.From, MessageID: h.MessageID,
			At: h.At, Text: h.Text, Reply: h.Reply, Verb: h.Verb, CSAfter: tx.etx.LastChangeSet()}
	}
	answered := false
	if open != nil && (cv.Choice == nil || !cv.Choice.At.Equal(open.ChoiceAt)) {
		// the question is gone: answered by this number, or dropped
		if h.Code == "" && h.Verb == string(parser.VerbChoice) {
			answered = true
		} else {
			open.Code = ChoiceReplaced
			if tx.now.Sub(open.ChoiceAt) > ChoiceWindow {
				open.Code = ChoiceExpired
			} else {
				open.Next = h.Text
			}
			if err := putUnresolved(main, open); err != nil {
				return err
			}
		}
		if err := ob.Delete(uid); err != nil {
			return err
		}
	}
	if cv.Choice != nil && cv.Choice.At.Equal(tx.now) && (open == nil || !cv.Choice.At.Equal(open.ChoiceAt)) {
		// this message asked a (new) question (one older than this
		// transaction without an entry was asked before they were kept)
		q := entry()
		if answered { // a number that led to another question: the message is the first one
			q.Text, q.MessageID, q.At, q.CSAfter = open.Text, open.MessageID, open.At, open.CSAfter
		}
		q.Cause, q.ChoiceAt = CauseNoChoice, cv.Choice.At
		seq, err := main.NextSequence()
		if err != nil {
			return err
		}
		q.ID = int64(seq)
		data, _ := json.Marshal(q)
		if err := ob.Put(uid, data); err != nil {
			return err
		}
	}
	if h.Code != "" {
		e := entry()
		e.Cause, e.Code = CauseRefused, h.Code
		if h.Code == "parse" {
			e.Cause, e.Code = CauseNotUnderstood, ""
		}
		seq, err := main.NextSequence()
		if err != nil {
			return err
		}
		e.ID = int64(seq)
		return putUnresolved(main, e)
	}
	return nil
}

func putUnresolved(b Bucket, e *Unresolved) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.Put(itob(e.ID), data)
}

// UnresolvedFilter selects unresolved messages.
type UnresolvedFilter struct {
	Since time.Time // received at or after (zero: all)
	User  int64     // sent by (0: anyone)
	Rerun bool      // include those already run again
}

// unresolvedReader may read every user's messages: the command line and
// the administrators.
func (tx *Tx) unresolvedReader() error {
	a := tx.meta.Actor
	if a == System || a.Role == RoleAdmin || a.Role == RoleDataAdmin {
		return nil
	}
	return Errorf(EFORBIDDEN, "Only an administrator may read unresolved messages.")
}

// UnresolvedList returns the unresolved messages that match f, oldest
// first. A numbered question still open past ChoiceWindow is among them
// (Code ChoiceExpired); one still within it is not, yet.
func (tx *Tx) UnresolvedList(f UnresolvedFilter) ([]*Unresolved, error) {
	if err := tx.unresolvedReader(); err != nil {
		return nil, err
	}
	var out []*Unresolved
	keep := func(v []byte, open bool) {
		e := &Unresolved{}
		if json.Unmarshal(v, e) != nil {
			return
		}
		if open {
			if tx.now.Sub(e.ChoiceAt) <= ChoiceWindow {
				return
			}
			e.Code = ChoiceExpired
		}
		if e.At.Before(f.Since) || f.User != 0 && e.User != f.User || e.Rerun != nil && !f.Rerun {
			return
		}
		out = append(out, e)
	}
	for _, sp := range []string{spaceUnresolved, spaceUnresolvedOpen} {
		tx.etx.State(sp).Scan(nil, nil, false, func(_, v []byte) bool { keep(v, sp == spaceUnresolvedOpen); return true })
	}
	if err := tx.etx.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// UnresolvedByID returns one unresolved message (a question still open
// within ChoiceWindow is not found: it may yet be answered).
func (tx *Tx) UnresolvedByID(id int64) (*Unresolved, error) {
	list, err := tx.UnresolvedList(UnresolvedFilter{Rerun: true})
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		if e.ID == id {
			return e, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "No unresolved message #%d.", id)
}

// MarkRerun records that unresolved message id was run again (r). An open
// question is closed by it.
func (tx *Tx) MarkRerun(id int64, r Rerun) error {
	if err := tx.unresolvedReader(); err != nil {
		return err
	}
	e, err := tx.UnresolvedByID(id)
	if err != nil {
		return err
	}
	tx.dirty = true
	ob := tx.etx.State(spaceUnresolvedOpen)
	if v := ob.Get(itob(e.User)); v != nil {
		var o Unresolved
		if json.Unmarshal(v, &o) == nil && o.ID == id {
			if err := ob.Delete(itob(e.User)); err != nil {
				return err
			}
		}
	}
	e.Rerun = &r
	return putUnresolved(tx.etx.State(spaceUnresolved), e)
}

// LaterChanges returns the change sets e's sender made within d after it
// (at most 10, oldest first): he may have sent it again in other words.
func (tx *Tx) LaterChanges(e *Unresolved, d time.Duration) []*ChangeSet {
	var out []*ChangeSet
	seen := 0
	tx.etx.ChangeSetsAfter(e.CSAfter, func(_ int64, v []byte) bool {
		if len(out) >= 10 || seen >= 100_000 {
			return false
		}
		seen++
		var cs ChangeSet
		if json.Unmarshal(v, &cs) != nil {
			return true
		}
		if cs.At.Sub(e.At) > d {
			return false
		}
		if cs.User == e.User && cs.UndoOf == 0 {
			out = append(out, &cs)
		}
		return true
	})
	return out
}

// PruneUnresolved deletes the unresolved messages received before cutoff
// (and the open questions asked before it). It returns how many went.
func (s *Store) PruneUnresolved(ctx context.Context, cutoff time.Time) (n int, err error) {
	err = s.eng.Update(ctx, func(etx ETx) error {
		n = 0
		for _, sp := range []string{spaceUnresolved, spaceUnresolvedOpen} {
			b := etx.State(sp)
			var old [][]byte
			b.Scan(nil, nil, false, func(k, v []byte) bool {
				var e struct {
					At time.Time `json:"at"`
				}
				if json.Unmarshal(v, &e) != nil || e.At.Before(cutoff) {
					old = append(old, append([]byte(nil), k...))
				}
				return true
			})
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n += len(old)
		}
		return nil
	})
	return n, err
}

// OpenQuestion returns the message of user's numbered question still
// waiting for its answer (nil when none).
func (tx *Tx) OpenQuestion(user int64) *Unresolved {
	v := tx.etx.State(spaceUnresolvedOpen).Get(itob(user))
	if v == nil {
		return nil
	}
	e := &Unresolved{}
	if json.Unmarshal(v, e) != nil {
		return nil
	}
	return e
}

// Group is why a message stands unresolved, the heading it is listed under
// (fieldcrm unresolved, the web console): "not_understood", "no_answer" (a
// choice never made), "replaced" (something else sent instead of the
// choice), "not_found", "forbidden", "conflict", "invalid", or "other".
func (e *Unresolved) Group() string {
	switch e.Cause {
	case CauseNotUnderstood:
		return "not_understood"
	case CauseNoChoice:
		if e.Code == ChoiceExpired {
			return "no_answer"
		}
		return "replaced"
	}
	switch e.Code {
	case ENOTFOUND:
		return "not_found"
	case EFORBIDDEN:
		return "forbidden"
	case ECONFLICT:
		return "conflict"
	case EINVALID:
		return "invalid"
	}
	return "other"
}
