// Package outbox makes every outgoing message durable before it is sent.
//
// An Entry is written into the outbox's own buckets of the CRM's bbolt file,
// normally inside the same transaction as the CRM change that caused it
// (Enqueue with crm.Tx.Bolt()), so that a change and its notices or reply
// commit together or not at all. A Worker then sends due entries through a
// Sender per channel, with retries, backoff, per-number rate limits and a
// dead-letter state.
//
// # Delivery guarantee: at least once
//
// The worker marks an entry "sending" in a committed transaction before it
// calls the provider, and records the outcome in a second transaction after
// the provider answered. A crash (or power loss) between the two leaves the
// entry in "sending": nobody knows whether the provider accepted it. On start
// the worker counts such entries (Worker.InDoubt) and sends them again. A
// message is therefore never lost, but one interrupted in the send window may
// arrive twice. Duplicates are rare (the window is one HTTP round trip) and
// harmless for notices; losing an assignment notice is not.
//
// # Buckets
//
//	outbox/entries   id (8-byte BE sequence) → Entry JSON
//	outbox/state     state 0 channel 0 NextAt(8-byte BE unix ns) id → nil
//	outbox/keys      channel 0 idempotency key → id
//	outbox/provider  provider message id → id
//	outbox/early     provider message id → status that arrived before the send was recorded
//	outbox/recipients to 0 sent-at id → nil: SMS sent to each number, for its limits (limits.go)
//	outbox/blocked   to → until when the provider refuses the number (its limit error)
package outbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names: all in the shared bbolt file, all prefixed "outbox/".
var (
	bktEntries  = []byte("outbox/entries")
	bktState    = []byte("outbox/state")
	bktKeys     = []byte("outbox/keys")
	bktProvider = []byte("outbox/provider")
	bktEarly    = []byte("outbox/early")

	allBuckets = [][]byte{bktEntries, bktState, bktKeys, bktProvider, bktEarly, bktRecipients, bktBlocked}
)

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

// Init creates the outbox's buckets (the Worker does it on start).
func Init(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error { return createBuckets(tx) })
}

func createBuckets(tx *bolt.Tx) error {
	for _, b := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}

// Enqueue writes e into the outbox inside the caller's write transaction, so
// that it commits (or rolls back) with the caller's other changes. It sets
// e.ID, State, NextAt, Created and UpdatedAt. When e.Key is set and an entry
// with the same channel and key exists, it returns that entry's id with
// dup=true and writes nothing.
//
// Enqueue has no effect outside btx, so it is safe in functions that run
// more than once (crm.Store.Update, bolt.DB.Batch). Call Worker.Kick after
// the transaction committed to send at once.
func Enqueue(btx *bolt.Tx, e *Entry, now time.Time) (id int64, dup bool, err error) {
	if err := validate(e); err != nil {
		return 0, false, err
	}
	if err := createBuckets(btx); err != nil {
		return 0, false, err
	}
	if e.Key != "" {
		if v := btx.Bucket(bktKeys).Get(keyKey(e.Channel, e.Key)); v != nil {
			return int64(btou(v)), true, nil
		}
	}
	b := btx.Bucket(bktEntries)
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
		if err := btx.Bucket(bktKeys).Put(keyKey(e.Channel, e.Key), u64(seq)); err != nil {
			return 0, false, err
		}
	}
	return e.ID, false, nil
}

// EnqueueDB is Enqueue in a transaction of its own, for callers that change
// nothing else.
func EnqueueDB(db *bolt.DB, e *Entry, now time.Time) (id int64, dup bool, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
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
func putEntry(btx *bolt.Tx, e *Entry, old *Entry) error {
	st := btx.Bucket(bktState)
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
	return btx.Bucket(bktEntries).Put(u64(uint64(e.ID)), v)
}

func getEntry(btx *bolt.Tx, id int64) (*Entry, error) {
	b := btx.Bucket(bktEntries)
	if b == nil {
		return nil, ErrNotFound
	}
	v := b.Get(u64(uint64(id)))
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
func Get(db *bolt.DB, id int64) (*Entry, error) {
	var e *Entry
	err := db.View(func(tx *bolt.Tx) error {
		var err error
		e, err = getEntry(tx, id)
		return err
	})
	return e, err
}

// GetByKey returns the entry enqueued with channel and idempotency key.
func GetByKey(db *bolt.DB, channel, key string) (*Entry, error) {
	var e *Entry
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bktKeys)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get(keyKey(channel, key))
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
func List(db *bolt.DB, f Filter) ([]*Entry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var out []*Entry
	match := func(e *Entry) bool {
		return (f.State == "" || e.State == f.State) && (f.Channel == "" || e.Channel == f.Channel) &&
			(f.To == "" || e.To == f.To) && (f.UserID == 0 || e.UserID == f.UserID)
	}
	err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bktEntries) == nil {
			return nil
		}
		if f.State != "" {
			prefix := []byte(f.State + "\x00")
			if f.Channel != "" {
				prefix = append(prefix, f.Channel+"\x00"...)
			}
			c := tx.Bucket(bktState).Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < f.Limit; k, _ = c.Next() {
				e, err := getEntry(tx, int64(btou(k[len(k)-8:])))
				if err != nil {
					return err
				}
				if match(e) {
					out = append(out, e)
				}
			}
			return nil
		}
		c := tx.Bucket(bktEntries).Cursor()
		for k, v := c.Last(); k != nil && len(out) < f.Limit; k, v = c.Prev() {
			e := new(Entry)
			if err := json.Unmarshal(v, e); err != nil {
				return err
			}
			if match(e) {
				out = append(out, e)
			}
		}
		return nil
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
func Stats(db *bolt.DB, now time.Time) (Summary, error) {
	s := Summary{Depth: map[string]int{}}
	err := db.View(func(tx *bolt.Tx) error {
		st := tx.Bucket(bktState)
		if st == nil {
			return nil
		}
		var oldest time.Time
		c := st.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				continue
			}
			state := string(k[:i])
			s.Depth[state]++
			if state == StateQueued || state == StateSending {
				e, err := getEntry(tx, int64(btou(k[len(k)-8:])))
				if err != nil {
					return err
				}
				if oldest.IsZero() || e.Created.Before(oldest) {
					oldest, s.OldestID = e.Created, e.ID
				}
				if e.State == StateQueued && e.Held != "" && e.NextAt.After(now) {
					s.Limited++
				}
			}
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
func SetStatus(db *bolt.DB, providerID, status string, errCode int, now time.Time) (changed bool, err error) {
	return SetStatusNote(db, providerID, status, errCode, "", now)
}

// SetStatusNote is SetStatus with the provider's own words for the status
// (Aliyun's err_code, e.g. "DELIVERED", "MK:0001"), kept in the entry's
// history.
func SetStatusNote(db *bolt.DB, providerID, status string, errCode int, note string, now time.Time) (changed bool, err error) {
	status = strings.ToLower(strings.TrimSpace(status))
	if providerID == "" || providerRank(status) == 0 {
		return false, fmt.Errorf("outbox: bad status %q for %q", status, providerID)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := createBuckets(tx); err != nil {
			return err
		}
		v := tx.Bucket(bktProvider).Get([]byte(providerID))
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

func applyStatus(tx *bolt.Tx, e *Entry, status string, errCode int, now time.Time, detail ...string) (bool, error) {
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

func keepEarly(tx *bolt.Tx, providerID, status string, code int, now time.Time) error {
	b := tx.Bucket(bktEarly)
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
func applyEarly(tx *bolt.Tx, e *Entry) error {
	b := tx.Bucket(bktEarly)
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
func Prune(db *bolt.DB, cutoff time.Time) (n int, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
		if err := createBuckets(tx); err != nil {
			return err
		}
		var dead []*Entry
		c := tx.Bucket(bktEntries).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			e := new(Entry)
			if err := json.Unmarshal(v, e); err != nil {
				return err
			}
			if e.Terminal() && e.UpdatedAt.Before(cutoff) {
				dead = append(dead, e)
			}
		}
		for _, e := range dead {
			if err := tx.Bucket(bktState).Delete(stateKey(e)); err != nil {
				return err
			}
			if e.Key != "" {
				if err := tx.Bucket(bktKeys).Delete(keyKey(e.Channel, e.Key)); err != nil {
					return err
				}
			}
			for _, pid := range ProviderIDs(e.ProviderID) {
				if err := tx.Bucket(bktProvider).Delete([]byte(pid)); err != nil {
					return err
				}
			}
			if err := tx.Bucket(bktEntries).Delete(u64(uint64(e.ID))); err != nil {
				return err
			}
		}
		n = len(dead)
		if err := pruneLimits(tx, cutoff); err != nil {
			return err
		}
		var old [][]byte
		ec := tx.Bucket(bktEarly).Cursor()
		for k, v := ec.First(); k != nil; k, v = ec.Next() {
			var list []early
			if json.Unmarshal(v, &list) != nil || len(list) == 0 || list[0].At.Before(cutoff) {
				old = append(old, append([]byte(nil), k...))
			}
		}
		for _, k := range old {
			if err := tx.Bucket(bktEarly).Delete(k); err != nil {
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
