package outbox

// Per-recipient frequency limits.
//
// Domestic Chinese providers cap how many messages one number may receive
// (Alibaba Cloud: 50 notifications a day per signature and template; the
// console can set per-minute, per-hour and per-day caps; see
// docs/sms-limits.md). A message over the cap is refused with a limit error
// and, if retried blindly, burns attempts until it is dead-lettered. The
// worker therefore counts what it sent to each number and holds an entry
// (state queued, NextAt moved, Held and LastError saying why) until the
// window allows it. Nothing is dropped.
//
// The counts are derived from stored send times (bucket outbox/recipients,
// written in the transaction that marks an entry "sending", removed when the
// provider refused it), so they survive a restart. A provider's own limit
// error (a retryable *SendError with RetryAt) blocks the number until RetryAt
// (bucket outbox/blocked) and does not count as an attempt.
//
// Replies (entries whose Key starts "reply|": the answer to the recipient's
// own message) come first: each Limit may keep Reserve of its Max for them,
// and when a reply and a notice wait for the same window to open, the reply
// is due a second earlier.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

const (
	bktRecipients = "outbox/recipients" // to 0 sent-at(8-byte BE unix ns) id → nil
	bktBlocked    = "outbox/blocked"    // to → block JSON: the provider said no until
)

// Limit caps the SMS one number may receive: at most Max in any window of
// Per (rolling, as Alibaba Cloud counts "a day": the 24 hours before the
// send), or, with Day set, per calendar day in Day's zone (as Tencent Cloud
// and Alibaba Cloud's console settings count it).
type Limit struct {
	Max int
	Per time.Duration
	Day *time.Location
	// Reserve is how many of Max only replies may use: notices, reminders
	// and summaries stop at Max-Reserve, so that the answer to a salesman's
	// own message still goes out when the cap is near.
	Reserve int
}

func (l Limit) String() string {
	s := fmt.Sprintf("%d/%s", l.Max, fmtPer(l.Per))
	if l.Day != nil {
		s = fmt.Sprintf("%d/day", l.Max)
	}
	if l.Reserve > 0 {
		s += fmt.Sprintf(" (%d kept for replies)", l.Reserve)
	}
	return s
}

func fmtPer(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// valid reports whether l limits anything.
func (l Limit) valid() bool { return l.Max > 0 && (l.Per > 0 || l.Day != nil) }

// windowStart is the start of l's window that ends at now.
func (l Limit) windowStart(now time.Time) time.Time {
	if l.Day != nil {
		t := now.In(l.Day)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, l.Day)
	}
	return now.Add(-l.Per)
}

// IsReply reports whether e answers the recipient's own message (its Key is
// "reply|<message id>", as the pipeline writes it).
func (e *Entry) IsReply() bool { return strings.HasPrefix(e.Key, "reply|") }

// replyLead is how much earlier than a notice a reply is due when both wait
// for the same window: the reply takes the slot that opens.
const replyLead = time.Second

// holdUntil returns when a held entry is due again: the time the window
// opens for a reply, a moment later for anything else.
func holdUntil(e *Entry, open time.Time) time.Time {
	if e.IsReply() {
		return open
	}
	return open.Add(replyLead)
}

type block struct {
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"`
}

// recipientHold says whether e must wait for its recipient's limits, and
// until when and why. taken are the sends to e.To picked earlier in the
// same scan (not yet in the bucket).
func (w *Worker) recipientHold(tx Tx, e *Entry, lims []Limit, now time.Time, taken int) (open time.Time, why string, provider bool) {
	if v := tx.State(bktBlocked).Get([]byte(e.To)); v != nil {
		var bl block
		if json.Unmarshal(v, &bl) == nil && bl.Until.After(now) {
			return bl.Until, bl.Reason, true
		}
	}
	if len(lims) == 0 {
		return time.Time{}, "", false
	}
	earliest := now
	for _, l := range lims {
		if ws := l.windowStart(now); ws.Before(earliest) {
			earliest = ws
		}
	}
	sent := sendTimes(tx, e.To, earliest)
	for range taken {
		sent = append(sent, now)
	}
	for _, l := range lims {
		allowed := l.Max
		if !e.IsReply() {
			allowed -= l.Reserve
		}
		start := l.windowStart(now)
		i, _ := slices.BinarySearchFunc(sent, start, func(t, s time.Time) int {
			if l.Day != nil {
				return t.Compare(s) // the day includes its first instant
			}
			if t.After(s) {
				return 1
			}
			return -1 // a rolling window excludes its start
		})
		in := sent[i:]
		if len(in) < allowed {
			continue
		}
		var at time.Time
		if l.Day != nil {
			t := now.In(l.Day)
			at = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, l.Day)
		} else {
			at = in[len(in)-allowed].Add(l.Per)
		}
		if at.After(open) {
			open = at
			why = fmt.Sprintf("this number's limit of %s reached", l)
		}
	}
	return open, why, false
}

// sendTimes lists the times of the sends to `to` since `since`, in order.
func sendTimes(tx Tx, to string, since time.Time) []time.Time {
	prefix := append([]byte(to), 0)
	var out []time.Time
	from := append(bytes.Clone(prefix), u64(uint64(timeKey(since)))...)
	_ = tx.State(bktRecipients).Scan(from, crm.PrefixEnd(prefix), false, func(k, _ []byte) bool {
		if len(k) == len(prefix)+16 {
			out = append(out, time.Unix(0, int64(btou(k[len(prefix):len(prefix)+8]))))
		}
		return true
	})
	return out
}

func recipientKey(to string, at time.Time, id int64) []byte {
	k := make([]byte, 0, len(to)+17)
	k = append(k, to...)
	k = append(k, 0)
	k = append(k, u64(uint64(timeKey(at)))...)
	return append(k, u64(uint64(id))...)
}

// limits returns the limits that apply to an SMS to `to`.
func (w *Worker) limits(to string) []Limit {
	if w.cfg.RecipientLimits == nil {
		return nil
	}
	var out []Limit
	for _, l := range w.cfg.RecipientLimits(to) {
		if !l.valid() {
			continue
		}
		l.Reserve = min(max(l.Reserve, 0), l.Max-1)
		out = append(out, l)
	}
	return out
}

// hold is an entry the scan found over its recipient's limit.
type hold struct {
	id       int64
	until    time.Time
	why      string
	provider bool // the provider's block, not our count
}

// applyHold moves a queued entry's NextAt to h.until and says why; it
// writes nothing when the entry is already held so.
func applyHold(tx Tx, h hold, now time.Time) (bool, error) {
	e, err := getEntry(tx, h.id)
	if err != nil {
		return false, err
	}
	if e.State != StateQueued {
		return false, nil
	}
	why := "held: " + h.why + "; due " + h.until.In(now.Location()).Format(time.RFC3339)
	if e.NextAt.Equal(h.until) && e.Held == why {
		return false, nil
	}
	old := *e
	e.NextAt = h.until
	if e.Held != why {
		e.StatusHistory = append(e.StatusHistory, StatusChange{Status: StateQueued, Note: why, At: now})
	}
	e.Held, e.LastError, e.UpdatedAt = why, why, now
	return true, putEntry(tx, e, &old)
}

// limitedUntil returns the RetryAt of a provider's limit error (a retryable
// *SendError with RetryAt after now).
func limitedUntil(err error, now time.Time) (time.Time, bool) {
	se := asSendError(err)
	if se == nil || !se.Retryable || se.OptOut || !se.RetryAt.After(now) {
		return time.Time{}, false
	}
	return se.RetryAt, true
}

// blockRecipient records that the provider refuses `to` until `until`.
func blockRecipient(tx Tx, to string, until time.Time, reason string) error {
	b := tx.State(bktBlocked)
	if v := b.Get([]byte(to)); v != nil {
		var bl block
		if json.Unmarshal(v, &bl) == nil && bl.Until.After(until) {
			return nil
		}
	}
	v, err := json.Marshal(block{Until: until, Reason: reason})
	if err != nil {
		return err
	}
	return b.Put([]byte(to), v)
}

// pruneLimits drops send times and blocks older than cutoff.
func pruneLimits(tx Tx, cutoff time.Time) error {
	var old [][]byte
	err := tx.State(bktRecipients).Scan(nil, nil, false, func(k, _ []byte) bool {
		i := bytes.IndexByte(k, 0)
		if i < 0 || len(k) != i+17 || time.Unix(0, int64(btou(k[i+1:i+9]))).Before(cutoff) {
			old = append(old, bytes.Clone(k))
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := tx.State(bktRecipients).Delete(k); err != nil {
			return err
		}
	}
	old = old[:0]
	err = tx.State(bktBlocked).Scan(nil, nil, false, func(k, v []byte) bool {
		var bl block
		if json.Unmarshal(v, &bl) != nil || bl.Until.Before(cutoff) {
			old = append(old, bytes.Clone(k))
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := tx.State(bktBlocked).Delete(k); err != nil {
			return err
		}
	}
	return nil
}
