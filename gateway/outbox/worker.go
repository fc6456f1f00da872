package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
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
	// Each sender's next slot is kept in the database (outbox/senders) and
	// reserved in the transaction that claims the entry: the rate holds
	// across every node that sends from the number.
	Rate        float64
	ServiceRate float64
	Rates       map[string]float64
	// Pool, when set, gives the senders an SMS with an empty From is spread
	// over, by its recipient (each provider its own, when numbers are
	// routed to several); nil: From for every number.
	Pool func(to string) []string

	Concurrency int           // sends in flight at once [4]
	SendTimeout time.Duration // deadline of one Send [30s]
	// Lease is how long an entry taken for sending stays this worker's:
	// another node sends it again only after its lease expired (lease.go)
	// [2·SendTimeout; never less].
	Lease time.Duration
	Poll  time.Duration // rescan when idle, for entries enqueued without Kick [30s]
	Batch int           // most entries examined per scan [500]

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
	c.Lease = max(c.Lease, 2*c.SendTimeout)
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

// Worker sends due entries. Create it with New and run it with Run. Every
// node of a shared database runs one (several in one process are several
// nodes too): they share the queue without sending an entry twice.
type Worker struct {
	eng      crm.Engine
	cfg      Config
	senders  map[string]Sender
	channels []string
	log      *slog.Logger
	now      func() time.Time
	node     string // this worker's name on the leases it takes

	kick chan struct{}
	done chan struct{}

	mu          sync.Mutex
	inflight    map[int64]bool
	rr          int
	nextRecover time.Time // when to look for expired leases again

	inDoubt            atomic.Int64
	sent, failed, dead atomic.Int64
	retried, lost      atomic.Int64
	wg                 sync.WaitGroup
	running            atomic.Bool
}

// New makes a worker sending through senders (by channel: "sms", "email").
// now is the clock for every decision (time.Now when nil); the worker sleeps
// with real timers, so the clock must move with them (time.Now, or the fake
// time of a testing/synctest bubble).
func New(eng crm.Engine, cfg Config, senders map[string]Sender, logger *slog.Logger, now func() time.Time) *Worker {
	cfg.defaults()
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{eng: eng, cfg: cfg, senders: senders, log: logger, now: now, node: crm.NewNode(eng),
		kick: make(chan struct{}, 1), done: make(chan struct{}, 1),
		inflight: map[int64]bool{}}
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

// InDoubt returns how many entries this worker found in the send window
// ("sending") of a worker that is gone (its lease expired, or, on an
// unshared engine, left by an earlier process): the provider may or may not
// have them. They are sent again (at-least-once).
func (w *Worker) InDoubt() int64 { return w.inDoubt.Load() }

// Counters returns how many entries this worker sent, failed, dead-lettered
// and scheduled for a retry since it started.
func (w *Worker) Counters() (sent, failed, dead, retried int64) {
	return w.sent.Load(), w.failed.Load(), w.dead.Load(), w.retried.Load()
}

// Lost returns how many outcomes this worker dropped because its lease on
// the entry was gone when the provider answered (another node took the
// entry over).
func (w *Worker) Lost() int64 { return w.lost.Load() }

// Node is the name this worker leases entries under.
func (w *Worker) Node() string { return w.node }

// Run sends due entries until ctx is cancelled, then waits for the sends in
// flight and returns nil. It first requeues the entries in doubt (see
// InDoubt), then looks for expired leases every half lease. One Run per
// Worker at a time; any number of Workers per database.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return fmt.Errorf("outbox: worker already running")
	}
	defer w.running.Store(false)
	if err := w.recoverInDoubt(ctx, true); err != nil {
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
		wake, err := w.dispatch(ctx, sem)
		now := w.now()
		if err != nil && ctx.Err() == nil {
			w.log.Error("outbox: dispatch", slog.Any("error", err))
			wake = now.Add(time.Second)
		}
		w.mu.Lock()
		if wake.IsZero() || w.nextRecover.Before(wake) {
			wake = w.nextRecover
		}
		w.mu.Unlock()
		d := min(max(wake.Sub(now), 0), w.cfg.Poll)
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

// errNoChange rolls back an Update that wrote nothing: on bbolt a commit
// costs a sync even then.
var errNoChange = errors.New("outbox: nothing to write")

// update runs fn in a transaction of the worker's engine, committed only
// when fn wrote something.
func (w *Worker) update(ctx context.Context, fn func(crm.ETx) error) error {
	err := w.eng.Update(ctx, func(tx crm.ETx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if !tx.Dirty() {
			return errNoChange
		}
		return nil
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	return err
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
	// A node calls the provider only while its lease outlasts the send:
	// past it, another node may take the entry over and send it too.
	if left := p.until.Sub(w.now()); left < w.cfg.SendTimeout {
		w.giveBack(p, left)
		return
	}
	msg := *p.e
	msg.From = p.via
	msg.Headers = maps.Clone(p.e.Headers)
	msg.StatusHistory = nil
	msg.LeasedBy, msg.LeaseUntil = "", time.Time{}
	pid, segs, err := w.callSender(&msg)
	w.record(p, pid, segs, msg.Provider, err)
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

// record writes the outcome of a send, if the entry is still under the
// lease p took: else another node took it over (its lease had expired) and
// the outcome is dropped.
func (w *Worker) record(p *pick, pid string, segs int, provider string, sendErr error) {
	id := p.id
	now := w.now()
	var optOut string
	var outcome, channel, key string
	var attempts int
	var userID int64
	err := w.update(context.Background(), func(tx crm.ETx) error {
		optOut, outcome, attempts = "", "", 0
		e, err := getEntry(tx, id)
		if err != nil {
			return err
		}
		channel, key, userID = e.Channel, e.Key, e.UserID
		if !w.holds(e, p) {
			outcome = "lost"
			return nil
		}
		old := *e
		attempts = e.Attempts
		e.Provider = provider
		e.LeasedBy, e.LeaseUntil = "", time.Time{}
		code := errorCode(sendErr)
		if sendErr != nil {
			// the provider did not take it: it does not count toward the number's limits
			if err := tx.State(bktRecipients).Delete(recipientKey(e.To, e.NextAt, e.ID)); err != nil {
				return err
			}
		} else if e.Channel == ChannelSMS {
			if err := w.meter(tx, p.via, p.segs, segs); err != nil {
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
				if err := tx.State(bktProvider).Put([]byte(part), u64(uint64(id))); err != nil {
					return err
				}
			}
			return applyEarly(tx, e)
		}
		return nil
	})
	if err != nil {
		// The entry stays in "sending": once its lease expired, a worker
		// finds it in doubt.
		w.log.Error("outbox: cannot record the outcome of a send", slog.Int64("id", id),
			slog.String("provider_id", pid), slog.Any("send_error", sendErr), slog.Any("error", err))
		return
	}
	if outcome == "lost" {
		w.lost.Add(1)
		w.log.Warn("outbox: the lease on the entry was lost before the provider answered; its outcome is dropped (another node took the entry over)",
			slog.Int64("id", id), slog.String("node", w.node), slog.String("provider_id", pid), slog.Any("send_error", sendErr))
		return
	}
	lg := w.log.With(slog.Int64("id", id), slog.Int("attempt", attempts), slog.Int64("user_id", userID), slog.String("key", key))
	if w.cfg.OnRecord != nil && outcome != "held" {
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
