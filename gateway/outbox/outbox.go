// Package outbox makes every outgoing message durable before it is sent.
//
// An Entry is written into the outbox's own state spaces of the CRM's
// database (crm.Engine: a bbolt bucket each, or rows on PostgreSQL),
// normally inside the same transaction as the CRM change that caused it
// (Enqueue with the *crm.Tx), so that a change and its notices or reply
// commit together or not at all. A Worker then sends due entries through a
// Sender per channel, with retries, backoff, per-number rate limits and a
// dead-letter state.
//
// # Delivery guarantee: at least once
//
// The worker marks an entry "sending" under a lease (its node and an expiry)
// in a committed transaction before it calls the provider, and records the
// outcome in a second transaction after the provider answered. A crash (or
// power loss) between the two leaves the entry in "sending": nobody knows
// whether the provider accepted it. Once its lease expired, a worker (of any
// node) counts it (Worker.InDoubt) and sends it again. A message is therefore
// never lost, but one interrupted in the send window may arrive twice.
// Duplicates are rare (the window is one HTTP round trip) and harmless for
// notices; losing an assignment notice is not. Several nodes drain one
// shared outbox without sending an entry twice (lease.go).
//
// # State spaces (crm.ETx.State; on bbolt, buckets of these names)
//
//	outbox/entries   id (8-byte BE sequence) → Entry JSON
//	outbox/state     state 0 channel 0 NextAt(8-byte BE unix ns) id → nil
//	outbox/keys      channel 0 idempotency key → id
//	outbox/provider  provider message id → id
//	outbox/early     provider message id → status that arrived before the send was recorded
//	outbox/recipients to 0 sent-at id → nil: SMS sent to each number, for its limits (limits.go)
//	outbox/blocked   to → until when the provider refuses the number (its limit error)
//	outbox/senders   sender → its next free moment (8-byte BE unix ns): the rate limit (lease.go)
package outbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// State spaces, all prefixed "outbox/".
const (
	bktEntries  = "outbox/entries"
	bktState    = "outbox/state"
	bktKeys     = "outbox/keys"
	bktProvider = "outbox/provider"
	bktEarly    = "outbox/early"
)

// Tx is a transaction the outbox reads and writes its state in: a
// crm.ETx (Engine.View/Update), or a *crm.Tx, whose State writes commit
// with the request's changes.
type Tx interface {
	State(space string) crm.Bucket
}

// bg is the context of the outbox's own transactions outside the worker.
var bg = context.Background()

// Channels.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// States of an entry.
const (
	StateQueued      = "queued"      // waiting for NextAt / NotBefore
	StateSending     = "sending"     // handed to the provider; outcome not recorded yet
	StateSent        = "sent"        // the provider accepted it (ProviderID set)
	StateDelivered   = "delivered"   // the provider reported delivery
	StateUndelivered = "undelivered" // the provider reported that the carrier did not deliver it
	StateFailed      = "failed"      // permanent error (or the provider reported failed)
	StateDead        = "dead"        // retryable errors until MaxAttempts: dead-letter
)

// States lists every state, in the order of the life of an entry.
var States = []string{StateQueued, StateSending, StateSent, StateDelivered, StateUndelivered, StateFailed, StateDead}

// ErrNotFound is returned by Get for an unknown id.
var ErrNotFound = errors.New("outbox: entry not found")

// StatusChange is one step in an entry's life: the worker's own transitions
// and the provider's delivery reports.
type StatusChange struct {
	Status    string    `json:"status"`
	ErrorCode int       `json:"error_code,omitempty"`
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
}

// Entry is one outgoing message.
type Entry struct {
	ID      int64  `json:"id"`
	Channel string `json:"channel"` // "sms" | "email"
	To      string `json:"to"`      // E.164 number or email address
	// From is the sender asked for: a number (+…) or a Messaging Service SID
	// (MG…) for SMS, an address for email. Empty: the worker chooses among
	// Config.From (round-robin), or the Sender's default.
	From   string `json:"from,omitempty"`
	UserID int64  `json:"user_id,omitempty"`

	Body    string            `json:"body,omitempty"`    // SMS
	Subject string            `json:"subject,omitempty"` // email
	Text    string            `json:"text,omitempty"`    // email
	HTML    string            `json:"html,omitempty"`    // email
	Headers map[string]string `json:"headers,omitempty"` // email

	// Key is the idempotency key ("job|user|item|period", "reply|<MessageSid>"):
	// a second Enqueue with the same channel and key writes nothing.
	Key string `json:"key,omitempty"`
	// NotBefore holds the message back (quiet hours are the enqueuer's business).
	NotBefore time.Time `json:"not_before,omitzero"`

	State     string    `json:"state"`
	Attempts  int       `json:"attempts"` // send attempts started
	NextAt    time.Time `json:"next_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// Held says why a queued entry waits past its time: its recipient's
	// frequency limit or the provider's limit error, and until when
	// (limits.go). Cleared when it is sent.
	Held      string `json:"held,omitempty"`
	ErrorCode int    `json:"error_code,omitempty"` // provider error code of the last failure

	// Via is the sender actually used by the last attempt (From, or the one
	// the worker chose).
	Via            string `json:"via,omitempty"`
	ProviderID     string `json:"provider_id,omitempty"` // Twilio SID; Aliyun BizIds, comma-separated when the message went as several SMS
	ProviderStatus string `json:"provider_status,omitempty"`
	Segments       int    `json:"segments,omitempty"`

	// LeasedBy and LeaseUntil are set while the entry is sending: the node
	// that took it and until when it is that node's (lease.go).
	LeasedBy   string    `json:"leased_by,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`

	Created   time.Time `json:"created"`
	SentAt    time.Time `json:"sent_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at"`

	StatusHistory []StatusChange `json:"status_history,omitempty"`

	// Provider names the provider the last attempt went through ("twilio",
	// "aliyun"; empty when a single provider serves the channel).
	Provider string `json:"provider,omitempty"`
}

// Terminal reports whether the entry will not be sent again.
func (e *Entry) Terminal() bool {
	switch e.State {
	case StateQueued, StateSending:
		return false
	}
	return true
}

func (e *Entry) setState(s, note string, code int, now time.Time) {
	e.State = s
	e.UpdatedAt = now
	e.StatusHistory = append(e.StatusHistory, StatusChange{Status: s, ErrorCode: code, Note: note, At: now})
}

// Init prepares the outbox's state in eng. Nothing is needed any more (a
// space is created at its first write; reads of one not yet written find
// nothing): it stays for the callers that make sure of it on start.
func Init(eng crm.Engine) error { return nil }

// Enqueue writes e into the outbox inside the caller's write transaction, so
// that it commits (or rolls back) with the caller's other changes. It sets
// e.ID, State, NextAt, Created and UpdatedAt. When e.Key is set and an entry
// with the same channel and key exists, it returns that entry's id with
// dup=true and writes nothing.
//
// Enqueue has no effect outside btx, so it is safe in functions that run
// more than once (crm.Store.Update, crm.Engine.Update). Call Worker.Kick
// after the transaction committed to send at once.
func Enqueue(btx Tx, e *Entry, now time.Time) (id int64, dup bool, err error) {
	if err := validate(e); err != nil {
		return 0, false, err
	}
	if e.Key != "" {
		if v := btx.State(bktKeys).Get(keyKey(e.Channel, e.Key)); v != nil {
			return int64(btou(v)), true, nil
		}
	}
	b := btx.State(bktEntries)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, false, err
	}
	e.ID = int64(seq)
	e.Created, e.UpdatedAt = now, now
	e.State = StateQueued
	e.Attempts = 0
	e.NextAt = now
	if e.NotBefore.After(now) {
		e.NextAt = e.NotBefore
	}
	e.StatusHistory = []StatusChange{{Status: StateQueued, At: now}}
	e.ProviderID, e.ProviderStatus, e.LastError, e.ErrorCode, e.Via, e.Held = "", "", "", 0, "", ""
	if err := putEntry(btx, e, nil); err != nil {
		return 0, false, err
	}
	if e.Key != "" {
		if err := btx.State(bktKeys).Put(keyKey(e.Channel, e.Key), u64(seq)); err != nil {
			return 0, false, err
		}
	}
	return e.ID, false, nil
}

// EnqueueDB is Enqueue in a transaction of its own, for callers that change
// nothing else.
func EnqueueDB(db crm.Engine, e *Entry, now time.Time) (id int64, dup bool, err error) {
	err = db.Update(bg, func(tx crm.ETx) error {
		var err error
		id, dup, err = Enqueue(tx, e, now)
		return err
	})
	return id, dup, err
}

func validate(e *Entry) error {
	switch e.Channel {
	case ChannelSMS:
		if strings.TrimSpace(e.Body) == "" {
			return errors.New("outbox: an SMS needs a body")
		}
	case ChannelEmail:
		if e.Text == "" && e.HTML == "" && e.Subject == "" {
			return errors.New("outbox: an email needs a subject, text or HTML")
		}
	default:
		return fmt.Errorf("outbox: unknown channel %q", e.Channel)
	}
	if strings.TrimSpace(e.To) == "" {
		return errors.New("outbox: no recipient")
	}
	if strings.ContainsRune(e.Channel+e.Key, 0) {
		return errors.New("outbox: NUL in channel or key")
	}
	return nil
}

// putEntry stores e and moves its state index key from old's to e's.
func putEntry(btx Tx, e *Entry, old *Entry) error {
	st := btx.State(bktState)
	if old != nil {
		if err := st.Delete(stateKey(old)); err != nil {
			return err
		}
	}
	if err := st.Put(stateKey(e), nil); err != nil {
		return err
	}
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return btx.State(bktEntries).Put(u64(uint64(e.ID)), v)
}

func getEntry(btx Tx, id int64) (*Entry, error) {
	v := btx.State(bktEntries).Get(u64(uint64(id)))
	if v == nil {
		return nil, ErrNotFound
	}
	e := new(Entry)
	if err := json.Unmarshal(v, e); err != nil {
		return nil, fmt.Errorf("outbox: entry %d: %w", id, err)
	}
	return e, nil
}

// Get returns the entry with the given id.
func Get(db crm.Engine, id int64) (*Entry, error) {
	var e *Entry
	err := db.View(bg, func(tx crm.ETx) error {
		var err error
		e, err = getEntry(tx, id)
		return err
	})
	return e, err
}

// GetByKey returns the entry enqueued with channel and idempotency key.
func GetByKey(db crm.Engine, channel, key string) (*Entry, error) {
	var e *Entry
	err := db.View(bg, func(tx crm.ETx) error {
		v := tx.State(bktKeys).Get(keyKey(channel, key))
		if v == nil {
			return ErrNotFound
		}
		var err error
		e, err = getEntry(tx, int64(btou(v)))
		return err
	})
	return e, err
}

// Filter selects entries for List. Zero fields match everything.
type Filter struct {
	State   string
	Channel string
	To      string
	UserID  int64
	Limit   int // 100 when zero
}

// List returns matching entries, newest first (with State set: in the order
// of NextAt, soonest first).
func List(db crm.Engine, f Filter) ([]*Entry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var out []*Entry
	match := func(e *Entry) bool {
		return (f.State == "" || e.State == f.State) && (f.Channel == "" || e.Channel == f.Channel) &&
			(f.To == "" || e.To == f.To) && (f.UserID == 0 || e.UserID == f.UserID)
	}
	err := db.View(bg, func(tx crm.ETx) error {
		out = out[:0]
		var ferr error
		if f.State != "" {
			prefix := []byte(f.State + "\x00")
			if f.Channel != "" {
				prefix = append(prefix, f.Channel+"\x00"...)
			}
			err := tx.State(bktState).Scan(prefix, crm.PrefixEnd(prefix), false, func(k, _ []byte) bool {
				var e *Entry
				if e, ferr = getEntry(tx, int64(btou(k[len(k)-8:]))); ferr != nil {
					return false
				}
				if match(e) {
					out = append(out, e)
				}
				return len(out) < f.Limit
			})
			return errors.Join(err, ferr)
		}
		err := tx.State(bktEntries).Scan(nil, nil, true, func(_, v []byte) bool {
			e := new(Entry)
			if ferr = json.Unmarshal(v, e); ferr != nil {
				return false
			}
			if match(e) {
				out = append(out, e)
			}
			return len(out) < f.Limit
		})
		return errors.Join(err, ferr)
	})
	return out, err
}

// Summary is the outbox at a glance.
type Summary struct {
	Depth        map[string]int // entries by state
	OldestQueued time.Duration  // age of the oldest entry still queued or sending (0: none)
	OldestID     int64
	// Limited counts the queued entries held for a per-number frequency
	// limit (theirs or the provider's), not yet due again.
	Limited int
}

// Stats counts entries by state and finds the oldest one not yet sent.
func Stats(db crm.Engine, now time.Time) (Summary, error) {
	var s Summary
	err := db.View(bg, func(tx crm.ETx) error {
		s = Summary{Depth: map[string]int{}}
		var oldest time.Time
		var ferr error
		err := tx.State(bktState).Scan(nil, nil, false, func(k, _ []byte) bool {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return true
			}
			state := string(k[:i])
			s.Depth[state]++
			if state == StateQueued || state == StateSending {
				var e *Entry
				if e, ferr = getEntry(tx, int64(btou(k[len(k)-8:]))); ferr != nil {
					return false
				}
				if oldest.IsZero() || e.Created.Before(oldest) {
					oldest, s.OldestID = e.Created, e.ID
				}
				if e.State == StateQueued && e.Held != "" && e.NextAt.After(now) {
					s.Limited++
				}
			}
			return true
		})
		if err := errors.Join(err, ferr); err != nil {
			return err
		}
		if !oldest.IsZero() {
			s.OldestQueued = now.Sub(oldest)
		}
		return nil
	})
	return s, err
}

// providerRank orders delivery statuses: a status never replaces one of a
// higher rank, and the final ones (delivered, undelivered, failed, read,
// canceled) are never replaced.
func providerRank(s string) int {
	switch s {
	case "accepted", "scheduled":
		return 1
	case "queued":
		return 2
	case "sending":
		return 3
	case "sent":
		return 4
	case "delivered", "undelivered", "failed", "canceled":
		return 5
	case "read":
		return 6
	}
	return 0
}

// SetStatus records a delivery status reported by the provider (a Twilio
// status callback) for the message with providerID. Repeats and backward
// moves (a late "sent" after "delivered") are ignored: changed is false. A
// final status (delivered, undelivered, failed) also sets the entry's State.
//
// A callback may overtake the worker's record of the send (the provider
// answers the REST call and posts the callback at about the same time): a
// status for an unknown providerID is kept aside and applied when the send is
// recorded; changed is false then.
func SetStatus(db crm.Engine, providerID, status string, errCode int, now time.Time) (changed bool, err error) {
	return SetStatusNote(db, providerID, status, errCode, "", now)
}

// SetStatusNote is SetStatus with the provider's own words for the status
// (Aliyun's err_code, e.g. "DELIVERED", "MK:0001"), kept in the entry's
// history.
func SetStatusNote(db crm.Engine, providerID, status string, errCode int, note string, now time.Time) (changed bool, err error) {
	status = strings.ToLower(strings.TrimSpace(status))
	if providerID == "" || providerRank(status) == 0 {
		return false, fmt.Errorf("outbox: bad status %q for %q", status, providerID)
	}
	err = db.Update(bg, func(tx crm.ETx) error {
		changed = false
		v := tx.State(bktProvider).Get([]byte(providerID))
		if v == nil {
			return keepEarly(tx, providerID, status, errCode, now)
		}
		e, err := getEntry(tx, int64(btou(v)))
		if err != nil {
			return err
		}
		changed, err = applyStatus(tx, e, status, errCode, now, note)
		return err
	})
	return changed, err
}

func applyStatus(tx Tx, e *Entry, status string, errCode int, now time.Time, detail ...string) (bool, error) {
	if providerRank(status) <= providerRank(e.ProviderStatus) {
		return false, nil
	}
	old := *e
	e.ProviderStatus = status
	e.UpdatedAt = now
	note := "provider"
	if len(detail) > 0 && detail[0] != "" {
		note += ": " + detail[0]
	}
	switch status {
	case "delivered", "read":
		e.State = StateDelivered
	case "undelivered":
		e.State = StateUndelivered
	case "failed", "canceled":
		e.State = StateFailed
	}
	if errCode != 0 {
		e.ErrorCode = errCode
	}
	e.StatusHistory = append(e.StatusHistory, StatusChange{Status: status, ErrorCode: errCode, Note: note, At: now})
	return true, putEntry(tx, e, &old)
}

type early struct {
	Status string    `json:"status"`
	Code   int       `json:"code,omitempty"`
	At     time.Time `json:"at"`
}

func keepEarly(tx Tx, providerID, status string, code int, now time.Time) error {
	b := tx.State(bktEarly)
	var list []early
	if v := b.Get([]byte(providerID)); v != nil {
		_ = json.Unmarshal(v, &list)
	}
	if len(list) >= 16 {
		return nil
	}
	list = append(list, early{Status: status, Code: code, At: now})
	v, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return b.Put([]byte(providerID), v)
}

// applyEarly applies statuses that arrived before the send was recorded.
func applyEarly(tx Tx, e *Entry) error {
	b := tx.State(bktEarly)
	for _, pid := range ProviderIDs(e.ProviderID) {
		v := b.Get([]byte(pid))
		if v == nil {
			continue
		}
		var list []early
		_ = json.Unmarshal(v, &list)
		sort.SliceStable(list, func(i, j int) bool { return providerRank(list[i].Status) < providerRank(list[j].Status) })
		for _, s := range list {
			if _, err := applyStatus(tx, e, s.Status, s.Code, s.At); err != nil {
				return err
			}
		}
		if err := b.Delete([]byte(pid)); err != nil {
			return err
		}
	}
	return nil
}

// Prune deletes entries in a final state last updated before cutoff, with
// their index keys, and early statuses older than cutoff. Idempotency keys
// of pruned entries are dropped too: keep cutoff well past the longest
// period a key is meant to guard.
func Prune(db crm.Engine, cutoff time.Time) (n int, err error) {
	err = db.Update(bg, func(tx crm.ETx) error {
		n = 0
		var dead []*Entry
		var ferr error
		err := tx.State(bktEntries).Scan(nil, nil, false, func(_, v []byte) bool {
			e := new(Entry)
			if ferr = json.Unmarshal(v, e); ferr != nil {
				return false
			}
			if e.Terminal() && e.UpdatedAt.Before(cutoff) {
				dead = append(dead, e)
			}
			return true
		})
		if err := errors.Join(err, ferr); err != nil {
			return err
		}
		for _, e := range dead {
			if err := tx.State(bktState).Delete(stateKey(e)); err != nil {
				return err
			}
			if e.Key != "" {
				if err := tx.State(bktKeys).Delete(keyKey(e.Channel, e.Key)); err != nil {
					return err
				}
			}
			for _, pid := range ProviderIDs(e.ProviderID) {
				if err := tx.State(bktProvider).Delete([]byte(pid)); err != nil {
					return err
				}
			}
			if err := tx.State(bktEntries).Delete(u64(uint64(e.ID))); err != nil {
				return err
			}
		}
		n = len(dead)
		if err := pruneLimits(tx, cutoff); err != nil {
			return err
		}
		var old [][]byte
		err = tx.State(bktEarly).Scan(nil, nil, false, func(k, v []byte) bool {
			var list []early
			if json.Unmarshal(v, &list) != nil || len(list) == 0 || list[0].At.Before(cutoff) {
				old = append(old, bytes.Clone(k))
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := tx.State(bktEarly).Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// ProviderIDs splits an entry's ProviderID into the ids of its parts.
func ProviderIDs(pid string) []string {
	var out []string
	for _, p := range strings.Split(pid, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func stateKey(e *Entry) []byte {
	k := make([]byte, 0, len(e.State)+len(e.Channel)+18)
	k = append(k, e.State...)
	k = append(k, 0)
	k = append(k, e.Channel...)
	k = append(k, 0)
	k = append(k, u64(uint64(timeKey(e.NextAt)))...)
	return append(k, u64(uint64(e.ID))...)
}

func statePrefix(state, channel string) []byte {
	return []byte(state + "\x00" + channel + "\x00")
}

// timeKey maps a time to an int64 that sorts as the time does (zero and
// times before 1970 sort first).
func timeKey(t time.Time) int64 {
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return t.UnixNano()
}

func keyKey(channel, key string) []byte { return []byte(channel + "\x00" + key) }

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btou(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
