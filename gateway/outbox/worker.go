package outbox

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sender hands one message to a provider. It returns the provider's message
// id and the number of segments (0 when unknown). Errors should be
// *SendError so that the worker can tell retryable from permanent ones; any
// other error is treated as retryable. e.From is the sender the worker chose
// (empty: the Sender's default).
type Sender interface {
	Send(ctx context.Context, e *Entry) (providerID string, segments int, err error)
}

// Config tunes the Worker. Zero fields take the defaults in brackets.
type Config struct {
	BaseBackoff time.Duration // first retry delay [2s]; attempt n waits Base·2^(n-1)
	MaxBackoff  time.Duration // longest retry delay [10m]
	MaxAttempts int           // send attempts before an entry is dead [8]
	// Jitter spreads each retry delay d uniformly over [d·(1−J), d·(1+J)]
	// (capped at MaxBackoff) [0.2]; negative: no jitter.
	Jitter float64

	// From lists the SMS senders (numbers or Messaging Service SIDs) that the
	// worker spreads entries with an empty From over, round-robin.
	From []string
	// Rate is the most SMS segments per second sent from one number [1];
	// ServiceRate the most per second through one Messaging Service SID
	// (MG…) [10]; Rates overrides both per sender. A negative rate means no
	// limit. Twilio meters segments, not messages: an entry takes
	// Entry.Segments slots (1 when the enqueuer did not count them), and when
	// the provider reports more segments than were reserved, the sender's
	// next slot moves back by the difference. Email is not rate-limited.
	Rate        float64
	ServiceRate float64
	Rates       map[string]float64
	// Pool, when set, gives the senders an SMS with an empty From is spread
	// over, by its recipient (each provider its own, when numbers are
	// routed to several); nil: From for every number.
	Pool func(to string) []string

	Concurrency int           // sends in flight at once [4]
	SendTimeout time.Duration // deadline of one Send [30s]
	Poll        time.Duration // rescan when idle, for entries enqueued without Kick [30s]
	Batch       int           // most entries examined per scan [500]

	// RecipientLimits returns the frequency limits of the route an SMS to
	// `to` goes by (a domestic provider's per-number caps; nil: none). An
	// entry over a limit is held until the window allows it (limits.go).
	RecipientLimits func(to string) []Limit
	// OnHold, when set, is told each time an entry is held for a limit:
	// reason "recipient_limit" (ours) or "provider_limit" (the provider's
	// limit error) (metrics).
	OnHold func(channel, reason string)

	// OnOptOut is called (outside any transaction) when the provider says
	// the recipient has opted out (Twilio 21610); the entry is failed.
	OnOptOut func(to string)
	// OnRecord, when set, is told each recorded send outcome by channel:
	// "sent", "failed", "dead" or "retry" (metrics).
	OnRecord func(channel, outcome string)
	// Rand returns a number in [0,1) for jitter; math/rand/v2 when nil.
	Rand func() float64
}

func (c *Config) defaults() {
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = 2 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Jitter == 0 {
		c.Jitter = 0.2
	} else if c.Jitter < 0 {
		c.Jitter = 0
	}
	if c.Jitter > 1 {
		c.Jitter = 1
	}
	if c.Rate == 0 {
		c.Rate = 1
	}
	if c.ServiceRate == 0 {
		c.ServiceRate = 10
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 30 * time.Second
	}
	if c.Poll <= 0 {
		c.Poll = 30 * time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 500
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
}

// Backoff is the delay before the retry that follows failed attempt n
// (1-based), before jitter: Base·2^(n-1), at most Max.
func (c Config) Backoff(n int) time.Duration {
	d := c.BaseBackoff
	for i := 1; i < n && d < c.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.MaxBackoff)
}

func (c Config) jittered(n int) time.Duration {
	d := c.Backoff(n)
	f := 1 - c.Jitter + 2*c.Jitter*c.Rand()
	return min(time.Duration(float64(d)*f), c.MaxBackoff)
}

func (c Config) rate(from string) float64 {
	if r, ok := c.Rates[from]; ok {
		return r
	}
	if strings.HasPrefix(from, "MG") {
		return c.ServiceRate
	}
	return c.Rate
}

// Worker sends due entries. Create it with New and run it with Run.
type Worker struct {
	db       *bolt.DB
	cfg      Config
	senders  map[string]Sender
	channels []string
	log      *slog.Logger
	now      func() time.Time

	kick chan struct{}
	done chan struct{}

	mu       sync.Mutex
	inflight map[int64]bool
	nextFree map[string]time.Time // sender → earliest time of its next send
	rr       int

	inDoubt            atomic.Int64
	sent, failed, dead atomic.Int64
	retried            atomic.Int64
	wg                 sync.WaitGroup
	running            atomic.Bool
}

// New makes a worker sending through senders (by channel: "sms", "email").
// now is the clock for every decision (time.Now when nil); the worker sleeps
// with real timers, so the clock must move with them (time.Now, or the fake
// time of a testing/synctest bubble).
func New(db *bolt.DB, cfg Config, senders map[string]Sender, logger *slog.Logger, now func() time.Time) *Worker {
	cfg.defaults()
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{db: db, cfg: cfg, senders: senders, log: logger, now: now,
		kick: make(chan struct{}, 1), done: make(chan struct{}, 1),
		inflight: map[int64]bool{}, nextFree: map[string]time.Time{}}
	for ch := range senders {
		w.channels = append(w.channels, ch)
	}
	slices.Sort(w.channels)
	return w
}

// Kick wakes the worker to look for due entries at once (call it after the
// transaction that enqueued them committed). It never blocks.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// InDoubt returns how many entries were found in the send window ("sending")
// when Run started: the provider may or may not have them. They are sent
// again (at-least-once).
func (w *Worker) InDoubt() int64 { return w.inDoubt.Load() }

// Counters returns how many entries this worker sent, failed, dead-lettered
// and scheduled for a retry since it started.
func (w *Worker) Counters() (sent, failed, dead, retried int64) {
	return w.sent.Load(), w.failed.Load(), w.dead.Load(), w.retried.Load()
}

// Run sends due entries until ctx is cancelled, then waits for the sends in
// flight and returns nil. It first requeues the entries left in "sending" by
// a previous run (see InDoubt). Only one Run per file at a time.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return fmt.Errorf("outbox: worker already running")
	}
	defer w.running.Store(false)
	if err := w.recoverInDoubt(); err != nil {
		return fmt.Errorf("outbox: recover: %w", err)
	}
	sem := make(chan struct{}, w.cfg.Concurrency)
	defer w.wg.Wait()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if ctx.Err() != nil {
			return nil
		}
		wake, err := w.dispatch(sem)
		now := w.now()
		if err != nil {
			w.log.Error("outbox: dispatch", slog.Any("error", err))
			wake = now.Add(time.Second)
		}
		d := w.cfg.Poll
		if !wake.IsZero() {
			d = min(max(wake.Sub(now), 0), w.cfg.Poll)
		}
		timer.Reset(d)
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-w.done:
		case <-timer.C:
		}
	}
}

// recoverInDoubt requeues the entries a previous run left in the send window.
func (w *Worker) recoverInDoubt() error {
	now := w.now()
	var n int64
	err := w.db.Update(func(tx *bolt.Tx) error {
		if err := createBuckets(tx); err != nil {
			return err
		}
		prefix := []byte(StateSending + "\x00")
		var ids []int64
		c := tx.Bucket(bktState).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, int64(btou(k[len(k)-8:])))
		}
		for _, id := range ids {
			e, err := getEntry(tx, id)
			if err != nil {
				return err
			}
			old := *e
			e.NextAt = now
			if e.Attempts >= w.cfg.MaxAttempts {
				e.LastError = "interrupted in the send window on the last attempt"
				e.setState(StateDead, "in doubt", 0, now)
			} else {
				e.setState(StateQueued, "in doubt: interrupted in the send window; sending again", 0, now)
			}
			if err := putEntry(tx, e, &old); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil && n > 0 {
		w.inDoubt.Add(n)
		w.log.Warn("outbox: entries found in the send window; sending them again (may duplicate)", slog.Int64("count", n))
	}
	return err
}

type pick struct {
	id      int64
	via     string
	segs    int // rate-limit slots reserved on via
	to      string
	counted bool // the send counts toward the recipient's limits
	e       *Entry
}

// dispatch starts sending what is due and allowed now, and returns when it
// should look again (zero: nothing scheduled).
func (w *Worker) dispatch(sem chan struct{}) (wake time.Time, err error) {
	now := w.now()
	w.mu.Lock()
	free := cap(sem) - len(w.inflight)
	w.mu.Unlock()
	if free <= 0 {
		return time.Time{}, nil // a finishing send wakes us
	}
	soon := func(t time.Time) {
		if wake.IsZero() || t.Before(wake) {
			wake = t
		}
	}
	var picks []*pick
	var holds []hold
	err = w.db.View(func(tx *bolt.Tx) error {
		st := tx.Bucket(bktState)
		if st == nil {
			return nil
		}
		scanned := 0
		for _, ch := range w.channels {
			prefix := statePrefix(StateQueued, ch)
			c := st.Cursor()
			// When the senders are saturated (a backlog behind 1 SMS/s), every
			// entry would be decoded only to be refused: stop after a run of
			// refusals and come back when a slot frees. An entry for a
			// specific free number deeper in the queue waits for that.
			refused := 0
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				at := time.Unix(0, int64(btou(k[len(prefix):len(prefix)+8])))
				if at.After(now) {
					soon(at)
					break
				}
				id := int64(btou(k[len(k)-8:]))
				w.mu.Lock()
				busy := w.inflight[id]
				w.mu.Unlock()
				if busy {
					continue
				}
				if scanned++; scanned > w.cfg.Batch || len(picks) >= free {
					if len(picks)+len(holds) > 0 {
						soon(now) // more may be due once these are under way (or held)
					}
					return nil
				}
				e, err := getEntry(tx, id)
				if err != nil {
					return err
				}
				if e.NotBefore.After(now) {
					soon(e.NotBefore)
					continue
				}
				if e.Channel == ChannelSMS {
					lims := w.limits(e.To)
					if bl := tx.Bucket(bktBlocked); len(lims) > 0 || (bl != nil && bl.Get([]byte(e.To)) != nil) {
						taken := 0
						for _, p := range picks {
							if p.to == e.To {
								taken++
							}
						}
						if open, why, prov := w.recipientHold(tx, e, lims, now, taken); !open.IsZero() {
							until := holdUntil(e, open)
							holds = append(holds, hold{id: id, until: until, why: why, provider: prov})
							soon(until)
							continue
						}
					}
				}
				via, ok, next := w.reserve(e, now)
				if !ok {
					soon(next)
					if refused++; refused >= maxRefusedRun {
						break
					}
					continue
				}
				refused = 0
				picks = append(picks, &pick{id: id, via: via, segs: e.slots(), to: e.To, counted: e.Channel == ChannelSMS && len(w.limits(e.To)) > 0})
			}
		}
		return nil
	})
	if err != nil || len(picks)+len(holds) == 0 {
		return wake, err
	}
	var held []hold
	err = w.db.Update(func(tx *bolt.Tx) error {
		held = held[:0]
		for _, h := range holds {
			changed, err := applyHold(tx, h, now)
			if err != nil {
				return err
			}
			if changed {
				held = append(held, h)
			}
		}
		for _, p := range picks {
			p.e = nil
			e, err := getEntry(tx, p.id)
			if err != nil {
				return err
			}
			if e.State != StateQueued {
				continue
			}
			old := *e
			e.Attempts++
			e.Via = p.via
			e.NextAt = now
			if e.Held != "" && e.LastError == e.Held {
				e.LastError = "" // the hold is over
			}
			e.Held = ""
			e.setState(StateSending, fmt.Sprintf("attempt %d", e.Attempts), 0, now)
			if err := putEntry(tx, e, &old); err != nil {
				return err
			}
			if p.counted { // counts toward the number's limits from now on
				if err := tx.Bucket(bktRecipients).Put(recipientKey(e.To, now, e.ID), nil); err != nil {
					return err
				}
			}
			p.e = e
		}
		return nil
	})
	if err != nil {
		return wake, err
	}
	if len(held) > 0 {
		w.log.Info("outbox: held for the recipients' frequency limits", slog.Int("entries", len(held)))
		if w.cfg.OnHold != nil {
			for _, h := range held {
				reason := "recipient_limit"
				if h.provider {
					reason = "provider_limit"
				}
				w.cfg.OnHold(ChannelSMS, reason)
			}
		}
	}
	for _, p := range picks {
		if p.e == nil {
			continue
		}
		w.mu.Lock()
		w.inflight[p.id] = true
		w.mu.Unlock()
		sem <- struct{}{}
		w.wg.Add(1)
		go w.send(p, sem)
	}
	return wake, nil
}

// maxRefusedRun is how many entries in a row the rate limit may refuse
// before a scan of a channel stops.
const maxRefusedRun = 16

// slots is how many rate-limit slots an SMS takes: its segments, as the
// enqueuer counted them (1 when it did not).
func (e *Entry) slots() int { return max(e.Segments, 1) }

// reserve takes e.slots() send slots for e from its sender's rate limit,
// choosing the sender round-robin among Config.From when e.From is empty.
// When none is free it returns the earliest time one will be.
func (w *Worker) reserve(e *Entry, now time.Time) (via string, ok bool, next time.Time) {
	if e.Channel != ChannelSMS {
		return e.From, true, time.Time{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	cands := []string{e.From}
	start := 0
	pool := w.cfg.From
	if w.cfg.Pool != nil {
		pool = w.cfg.Pool(e.To)
	}
	if e.From == "" && len(pool) > 0 {
		cands = pool
		start = w.rr % len(cands)
	}
	for i := range cands {
		j := (start + i) % len(cands)
		from := cands[j]
		r := w.cfg.rate(from)
		nf := w.nextFree[from]
		if r > 0 && nf.After(now) {
			if next.IsZero() || nf.Before(next) {
				next = nf
			}
			continue
		}
		if r > 0 {
			w.nextFree[from] = now.Add(slotTime(e.slots(), r))
		}
		if len(cands) > 1 {
			w.rr = j + 1
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
func (w *Worker) meter(via string, reserved, segs int) {
	if segs <= reserved {
		return
	}
	r := w.cfg.rate(via)
	if r <= 0 {
		return
	}
	w.mu.Lock()
	w.nextFree[via] = w.nextFree[via].Add(slotTime(segs-reserved, r))
	w.mu.Unlock()
}

func (w *Worker) send(p *pick, sem chan struct{}) {
	defer w.wg.Done()
	defer func() {
		w.mu.Lock()
		delete(w.inflight, p.id)
		w.mu.Unlock()
		<-sem
		select {
		case w.done <- struct{}{}:
		default:
		}
	}()
	msg := *p.e
	msg.From = p.via
	msg.Headers = maps.Clone(p.e.Headers)
	msg.StatusHistory = nil
	pid, segs, err := w.callSender(&msg)
	if err == nil && msg.Channel == ChannelSMS {
		w.meter(p.via, p.segs, segs)
	}
	w.record(p.id, pid, segs, msg.Provider, err)
}

func (w *Worker) callSender(e *Entry) (pid string, segs int, err error) {
	s := w.senders[e.Channel]
	if s == nil {
		return "", 0, fmt.Errorf("no sender for channel %q", e.Channel)
	}
	// The send is not cancelled with Run's context: stopping waits for it,
	// so that a clean shutdown leaves nothing in doubt.
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.SendTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sender panic: %v", r)
		}
	}()
	return s.Send(ctx, e)
}

// record writes the outcome of a send.
func (w *Worker) record(id int64, pid string, segs int, provider string, sendErr error) {
	now := w.now()
	var optOut string
	var outcome, channel, key string
	var attempts int
	var userID int64
	err := w.db.Update(func(tx *bolt.Tx) error {
		optOut, outcome = "", ""
		e, err := getEntry(tx, id)
		if err != nil {
			return err
		}
		channel, key, userID = e.Channel, e.Key, e.UserID
		if e.State != StateSending {
			outcome = "skipped"
			return nil
		}
		old := *e
		attempts = e.Attempts
		e.Provider = provider
		code := errorCode(sendErr)
		if sendErr != nil {
			// the provider did not take it: it does not count toward the number's limits
			if err := tx.Bucket(bktRecipients).Delete(recipientKey(e.To, e.NextAt, e.ID)); err != nil {
				return err
			}
		}
		until, limited := limitedUntil(sendErr, now)
		switch {
		case sendErr == nil:
			e.ProviderID, e.SentAt, e.LastError, e.ErrorCode = pid, now, "", 0
			if segs > 0 { // the provider's count; else the enqueuer's stays
				e.Segments = segs
			}
			e.setState(StateSent, "", 0, now)
			outcome = StateSent
		case OptOut(sendErr):
			e.LastError, e.ErrorCode = sendErr.Error(), code
			e.setState(StateFailed, "opted out", code, now)
			optOut, outcome = e.To, StateFailed
		case limited:
			// The provider's per-number limit: wait for it, not for the
			// backoff, and do not spend an attempt (a notice must not die of
			// a busy day). Every entry to the number waits with it.
			e.Attempts--
			attempts = e.Attempts
			e.LastError, e.ErrorCode = sendErr.Error(), code
			e.NextAt = holdUntil(e, until)
			e.Held = "held: the provider's limit for this number (" + sendErr.Error() + "); due " + e.NextAt.In(now.Location()).Format(time.RFC3339)
			e.setState(StateQueued, "held: provider limit", code, now)
			if err := blockRecipient(tx, e.To, until, "the provider's limit for this number ("+sendErr.Error()+")"); err != nil {
				return err
			}
			outcome = "held"
		case Permanent(sendErr):
			e.LastError, e.ErrorCode = sendErr.Error(), code
			e.setState(StateFailed, "permanent error", code, now)
			outcome = StateFailed
		case e.Attempts >= w.cfg.MaxAttempts:
			e.LastError, e.ErrorCode = sendErr.Error(), code
			e.setState(StateDead, fmt.Sprintf("gave up after %d attempts", e.Attempts), code, now)
			outcome = StateDead
		default:
			e.LastError, e.ErrorCode = sendErr.Error(), code
			e.NextAt = now.Add(w.cfg.jittered(e.Attempts))
			e.setState(StateQueued, "retry", code, now)
			outcome = "retry"
		}
		if err := putEntry(tx, e, &old); err != nil {
			return err
		}
		if sendErr == nil && pid != "" {
			for _, part := range ProviderIDs(pid) { // a message sent as several SMS has an id per part
				if err := tx.Bucket(bktProvider).Put([]byte(part), u64(uint64(id))); err != nil {
					return err
				}
			}
			return applyEarly(tx, e)
		}
		return nil
	})
	if err != nil {
		// The entry stays in "sending": the next start finds it in doubt.
		w.log.Error("outbox: cannot record the outcome of a send", slog.Int64("id", id),
			slog.String("provider_id", pid), slog.Any("send_error", sendErr), slog.Any("error", err))
		return
	}
	lg := w.log.With(slog.Int64("id", id), slog.Int("attempt", attempts), slog.Int64("user_id", userID), slog.String("key", key))
	if w.cfg.OnRecord != nil && outcome != "skipped" && outcome != "held" {
		w.cfg.OnRecord(channel, outcome)
	}
	switch outcome {
	case StateSent:
		w.sent.Add(1)
		lg.Debug("outbox: sent", slog.String("provider_id", pid))
	case StateFailed:
		w.failed.Add(1)
		lg.Warn("outbox: failed", slog.Any("error", sendErr))
	case StateDead:
		w.dead.Add(1)
		lg.Error("outbox: dead after the last attempt", slog.Any("error", sendErr))
	case "retry":
		w.retried.Add(1)
		lg.Info("outbox: will retry", slog.Any("error", sendErr))
	case "held":
		lg.Info("outbox: the provider limits this number; held", slog.Any("error", sendErr))
		if w.cfg.OnHold != nil {
			w.cfg.OnHold(channel, "provider_limit")
		}
	}
	if optOut != "" && w.cfg.OnOptOut != nil {
		w.cfg.OnOptOut(optOut)
	}
}
