package outbox

// Taking due entries: one transaction decides what is sent (lease.go).

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// bktSenders keeps each sender's next free moment (sender → 8-byte BE unix
// ns): its rate limit, shared by every node.
const bktSenders = "outbox/senders"

// senderKey is a sender's key in outbox/senders; the Sender's default (an
// empty From) is "default".
func senderKey(from string) []byte {
	if from == "" {
		return []byte("default")
	}
	return []byte(from)
}

type pick struct {
	id      int64
	via     string
	segs    int // rate-limit slots reserved on via
	to      string
	counted bool      // the send counts toward the recipient's limits
	until   time.Time // the lease taken on the entry
	e       *Entry
}

// dispatch takes what is due and allowed now and starts sending it, and
// returns when it should look again (zero: nothing scheduled).
func (w *Worker) dispatch(ctx context.Context, sem chan struct{}) (wake time.Time, err error) {
	now := w.now()
	w.mu.Lock()
	lookBack := !now.Before(w.nextRecover)
	w.mu.Unlock()
	if lookBack {
		if err := w.recoverInDoubt(ctx, false); err != nil {
			w.log.Error("outbox: recover expired leases", slog.Any("error", err))
		}
	}
	w.mu.Lock()
	free := cap(sem) - len(w.inflight)
	rr := w.rr
	w.mu.Unlock()
	if free <= 0 {
		return time.Time{}, nil // a finishing send wakes us
	}
	// A look first, in a read transaction: a write transaction (the
	// single writer on bbolt) is taken only when something is due.
	var due bool
	err = w.eng.View(ctx, func(tx crm.ETx) error {
		due, wake = w.anyDue(tx, now)
		return nil
	})
	if err != nil || !due {
		return wake, err
	}
	var c claim
	err = w.update(ctx, func(tx crm.ETx) error {
		c = claim{w: w, tx: tx, now: now, free: free, rr: rr, slots: map[string]time.Time{}}
		return c.run()
	})
	if err != nil {
		return c.wake, err
	}
	if len(c.held) > 0 {
		w.log.Info("outbox: held for the recipients' frequency limits", slog.Int("entries", len(c.held)))
		if w.cfg.OnHold != nil {
			for _, h := range c.held {
				reason := "recipient_limit"
				if h.provider {
					reason = "provider_limit"
				}
				w.cfg.OnHold(ChannelSMS, reason)
			}
		}
	}
	w.mu.Lock()
	w.rr = c.rr
	w.mu.Unlock()
	for _, p := range c.picks {
		w.mu.Lock()
		w.inflight[p.id] = true
		w.mu.Unlock()
		sem <- struct{}{}
		w.wg.Add(1)
		go w.send(p, sem)
	}
	return c.wake, nil
}

// anyDue reports whether a queued entry is due at now; when none is, next
// is the earliest NextAt ahead (zero: none queued).
func (w *Worker) anyDue(tx crm.ETx, now time.Time) (due bool, next time.Time) {
	for _, ch := range w.channels {
		prefix := statePrefix(StateQueued, ch)
		_ = tx.State(bktState).Scan(prefix, crm.PrefixEnd(prefix), false, func(k, _ []byte) bool {
			at := time.Unix(0, int64(btou(k[len(prefix):len(prefix)+8])))
			if !at.After(now) {
				due = true
			} else if next.IsZero() || at.Before(next) {
				next = at
			}
			return false
		})
		if due {
			return true, time.Time{}
		}
	}
	return false, next
}

// claim is one claiming transaction: it runs again from the start when the
// engine retries it, so it keeps all it decides in itself.
type claim struct {
	w    *Worker
	tx   crm.ETx
	now  time.Time
	free int
	rr   int

	scanned int // entries examined

	slots map[string]time.Time // senders' next free moments, as reserved so far
	picks []*pick
	holds []hold
	held  []hold // the holds that changed an entry
	wake  time.Time
}

func (c *claim) soon(t time.Time) {
	if c.wake.IsZero() || t.Before(c.wake) {
		c.wake = t
	}
}

// run picks the due entries, then writes the holds, the leases, the
// recipients' counts and the senders' slots.
func (c *claim) run() error {
	if err := c.pick(); err != nil {
		return err
	}
	return c.write()
}

// pick scans the channels' due entries.
func (c *claim) pick() error {
	for _, ch := range c.w.channels {
		if done, err := c.scan(ch); err != nil || done {
			return err
		}
	}
	return nil
}

// write writes what pick decided.
func (c *claim) write() error {
	for _, h := range c.holds {
		changed, err := applyHold(c.tx, h, c.now)
		if err != nil {
			return err
		}
		if changed {
			c.held = append(c.held, h)
		}
	}
	until := c.now.Add(c.w.cfg.Lease)
	for _, p := range c.picks {
		e := p.e
		old := *e
		e.Attempts++
		e.Via = p.via
		e.NextAt = c.now
		if e.Held != "" && e.LastError == e.Held {
			e.LastError = "" // the hold is over
		}
		e.Held = ""
		e.LeasedBy, e.LeaseUntil = c.w.node, until
		p.until = until
		e.setState(StateSending, fmt.Sprintf("attempt %d", e.Attempts), 0, c.now)
		if err := putEntry(c.tx, e, &old); err != nil {
			return err
		}
		if p.counted { // counts toward the number's limits from now on
			if err := c.tx.State(bktRecipients).Put(recipientKey(e.To, c.now, e.ID), nil); err != nil {
				return err
			}
		}
	}
	for from, nf := range c.slots {
		if err := c.tx.State(bktSenders).Put(senderKey(from), u64(uint64(timeKey(nf)))); err != nil {
			return err
		}
	}
	return nil
}

// scan picks due entries of one channel; done says the scan is over for
// every channel (enough picked, or the batch examined).
func (c *claim) scan(ch string) (done bool, err error) {
	prefix := statePrefix(StateQueued, ch)
	// When the senders are saturated (a backlog behind 1 SMS/s), every
	// entry would be decoded only to be refused: stop after a run of
	// refusals and come back when a slot frees. An entry for a specific
	// free number deeper in the queue waits for that.
	refused := 0
	var ferr error
	err = c.tx.State(bktState).Scan(prefix, crm.PrefixEnd(prefix), false, func(k, _ []byte) bool {
		at := time.Unix(0, int64(btou(k[len(prefix):len(prefix)+8])))
		if at.After(c.now) {
			c.soon(at)
			return false
		}
		id := int64(btou(k[len(k)-8:]))
		if c.scanned++; c.scanned > c.w.cfg.Batch || len(c.picks) >= c.free {
			if len(c.picks)+len(c.holds) > 0 {
				c.soon(c.now) // more may be due once these are under way (or held)
			}
			done = true
			return false
		}
		e, err := getEntry(c.tx, id)
		if err != nil {
			ferr = err
			return false
		}
		if e.NotBefore.After(c.now) {
			c.soon(e.NotBefore)
			return true
		}
		if e.Channel == ChannelSMS {
			lims := c.w.limits(e.To)
			if len(lims) > 0 || c.tx.State(bktBlocked).Get([]byte(e.To)) != nil {
				taken := 0
				for _, p := range c.picks {
					if p.to == e.To {
						taken++
					}
				}
				if open, why, prov := c.w.recipientHold(c.tx, e, lims, c.now, taken); !open.IsZero() {
					until := holdUntil(e, open)
					c.holds = append(c.holds, hold{id: id, until: until, why: why, provider: prov})
					c.soon(until)
					return true
				}
			}
		}
		via, ok, next := c.reserve(e)
		if !ok {
			c.soon(next)
			refused++
			return refused < maxRefusedRun
		}
		refused = 0
		c.picks = append(c.picks, &pick{id: id, via: via, segs: e.slots(), to: e.To, e: e,
			counted: e.Channel == ChannelSMS && len(c.w.limits(e.To)) > 0})
		return true
	})
	if ferr != nil {
		return true, ferr
	}
	return done, err
}

// maxRefusedRun is how many entries in a row the rate limit may refuse
// before a scan of a channel stops.
const maxRefusedRun = 16

// slots is how many rate-limit slots an SMS takes: its segments, as the
// enqueuer counted them (1 when it did not).
func (e *Entry) slots() int { return max(e.Segments, 1) }

// nextFree is when sender from may send again: as this claim reserved it,
// else as stored.
func (c *claim) nextFree(from string) time.Time {
	if t, ok := c.slots[from]; ok {
		return t
	}
	if v := c.tx.State(bktSenders).Get(senderKey(from)); len(v) == 8 {
		return time.Unix(0, int64(btou(v)))
	}
	return time.Time{}
}

// reserve takes e.slots() send slots for e from its sender's rate limit,
// choosing the sender round-robin among Config.From when e.From is empty.
// When none is free it returns the earliest time one will be.
func (c *claim) reserve(e *Entry) (via string, ok bool, next time.Time) {
	if e.Channel != ChannelSMS {
		return e.From, true, time.Time{}
	}
	cands := []string{e.From}
	start := 0
	pool := c.w.cfg.From
	if c.w.cfg.Pool != nil {
		pool = c.w.cfg.Pool(e.To)
	}
	if e.From == "" && len(pool) > 0 {
		cands = pool
		start = c.rr % len(cands)
	}
	for i := range cands {
		j := (start + i) % len(cands)
		from := cands[j]
		r := c.w.cfg.rate(from)
		if r > 0 {
			if nf := c.nextFree(from); nf.After(c.now) {
				if next.IsZero() || nf.Before(next) {
					next = nf
				}
				continue
			}
			c.slots[from] = c.now.Add(slotTime(e.slots(), r))
		}
		if len(cands) > 1 {
			c.rr = j + 1
		}
		return from, true, time.Time{}
	}
	return "", false, next
}

// slotTime is how long n segments occupy a sender limited to r per second.
func slotTime(n int, r float64) time.Duration {
	return time.Duration(float64(n) * float64(time.Second) / r)
}

// meter moves via's next slot back when the provider counted more segments
// than were reserved (the enqueuer's count missed a signature, or none was
// given): the sender's meter runs on what was actually sent.
func (w *Worker) meter(tx crm.ETx, via string, reserved, segs int) error {
	if segs <= reserved {
		return nil
	}
	r := w.cfg.rate(via)
	if r <= 0 {
		return nil
	}
	b := tx.State(bktSenders)
	var nf time.Time
	if v := b.Get(senderKey(via)); len(v) == 8 {
		nf = time.Unix(0, int64(btou(v)))
	}
	return b.Put(senderKey(via), u64(uint64(timeKey(nf.Add(slotTime(segs-reserved, r))))))
}
