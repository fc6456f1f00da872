// Package imapwatch takes new mail from an IMAP folder and hands each
// message to a handler.
//
// The folder is the queue: a message the handler accepted is flagged \Seen
// and moved to the Processed folder; a message the handler refused stays
// where it is and is offered again later. The last UID handled (with the
// folder's UIDVALIDITY) is kept in the database, written as soon as the handler
// returns and before the move, so a restart or a dropped connection does not
// hand a message over twice. A crash in the instant between the handler's
// success and that write, or a UIDVALIDITY change, can still offer a message
// again, so the handler must be idempotent (fieldcrm's dedupes by Message-ID).
//
// The watcher uses IDLE when the server has it and polls otherwise. Because an
// IDLE can die silently on a dropped link, it also re-checks the connection
// every Config.Poll with a NOOP that must be answered within Config.Watchdog;
// any failure ends the connection, and Run reconnects with exponential
// backoff and jitter.
package imapwatch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Config configures a Watcher. Zero fields take the defaults in brackets.
type Config struct {
	// Addr is the server's host:port.
	Addr string
	// User and Password log in (LOGIN, or AUTHENTICATE PLAIN when the server
	// has LOGINDISABLED).
	User, Password string
	// TLS is "tls" (implicit TLS), "starttls" or "none" ["tls"].
	TLS string
	// TLSConfig is used for TLS and STARTTLS. nil: system roots; an empty
	// ServerName is taken from Addr.
	TLSConfig *tls.Config
	// Folder is watched for new mail [INBOX].
	Folder string
	// Processed receives handled messages; it is created when missing
	// [Processed].
	Processed string
	// Poll is the poll interval when the server has no IDLE, and the interval
	// of the liveness re-check while idling [30s].
	Poll time.Duration
	// IdleRefresh re-issues IDLE this often; servers drop it after about
	// 30 minutes [9m].
	IdleRefresh time.Duration
	// Watchdog: a server silent this long while an answer is due (to NOOP,
	// to IDLE's DONE, to any command) is taken for dead and the connection
	// is dropped [30s].
	Watchdog time.Duration
	// MinBackoff and MaxBackoff bound the reconnect delay, which doubles per
	// failed attempt, with jitter [1s, 5m]. A handler error delays the retry
	// of that message the same way.
	MinBackoff, MaxBackoff time.Duration
	// DB keeps per-folder state in the state space "mail/imap", and the
	// mailbox's lease in "mail/lease". Required.
	DB crm.Engine
	// Lease is how long the mailbox stays this watcher's without a renewal:
	// when its node dies, another node's watcher takes over after it
	// (lease.go) [4·Poll; at least 2·Poll].
	Lease time.Duration
	// Now is the clock of the lease [time.Now].
	Now func() time.Time
	// Log receives state changes and errors [slog.Default()].
	Log *slog.Logger
	// Batch is the most messages handled per round [50].
	Batch int
	// MaxSize: messages larger than this (RFC822.SIZE) are not downloaded
	// whole; the handler gets the first MaxSize bytes and Truncated=true
	// [25 MiB].
	MaxSize int64
}

// Message is one message handed to the Handler.
type Message struct {
	UID       uint32
	Raw       []byte
	Truncated bool     // Raw is only the first Config.MaxSize bytes
	Flags     []string // flags on the server when fetched, e.g. \Flagged

	// Failed is how many times the handler already returned an error for
	// this message since the watcher started, and FirstFailed when it first
	// did: a handler may give up on a message that keeps failing.
	Failed      int
	FirstFailed time.Time
}

// Handler is called for every new message, in UID order.
//
// nil means the message is done: the watcher records its UID, flags it \Seen
// and moves it to Processed. An error leaves the message where it is (not
// \Seen); it is offered again after a backoff. The handler must be idempotent
// (dedupe by Message-ID): a message can be offered again after a crash or a
// UIDVALIDITY change.
type Handler func(ctx context.Context, m Message) error

// Status is a snapshot of the watcher's state.
type Status struct {
	Connected   bool      // logged in with the folder selected
	Idle        bool      // an IDLE command is running
	LastContact time.Time // last data received from the server
	Reconnects  int64     // connection attempts after the first
	Handled     int64     // messages the handler accepted
	Failed      int64     // handler errors
	LastError   string    // last connection, server or handler error
}

// Watcher watches one folder. Create it with New and start it with Run.
type Watcher struct {
	cfg     Config
	handle  Handler
	log     *slog.Logger
	store   *store
	wake    chan struct{} // Kick and unilateral EXISTS; buffered, 1
	running atomic.Bool

	lastContact atomic.Int64 // unix nanoseconds, updated by watchConn
	reconnects  atomic.Int64
	handled     atomic.Int64
	failed      atomic.Int64

	mu         sync.Mutex
	connected  bool
	idle       bool
	lastError  string
	lastLogged string // the state last logged, to log each change once
	lastSoft   string // the server refusal last logged
	retries    retries

	node    string        // this watcher's name on the lease
	token   atomic.Uint64 // the lease's fencing token while held; 0: not held
	crashed atomic.Bool   // tests: stop without giving the lease up
}

// New checks cfg, fills in defaults and prepares the state bucket.
func New(cfg Config, h Handler) (*Watcher, error) {
	if h == nil {
		return nil, errors.New("imapwatch: nil handler")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	st, err := newStore(cfg.DB, cfg.User, cfg.Folder)
	if err != nil {
		return nil, err
	}
	return &Watcher{
		cfg:     cfg,
		handle:  h,
		log:     cfg.Log.With("component", "imapwatch", "addr", cfg.Addr, "folder", cfg.Folder),
		store:   st,
		node:    crm.NewNode(cfg.DB),
		wake:    make(chan struct{}, 1),
		retries: retries{m: make(map[uint32]retry)},
	}, nil
}

// setDefaults fills zero fields and rejects a config that cannot work.
func (c *Config) setDefaults() error {
	switch {
	case c.Addr == "":
		return errors.New("imapwatch: Addr is required")
	case c.User == "":
		return errors.New("imapwatch: User is required")
	case c.DB == nil:
		return errors.New("imapwatch: DB is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Poll, 30*time.Second)
	def(&c.IdleRefresh, 9*time.Minute)
	def(&c.Watchdog, 30*time.Second)
	def(&c.MinBackoff, time.Second)
	def(&c.MaxBackoff, 5*time.Minute)
	def(&c.Lease, 4*c.Poll)
	c.Lease = max(c.Lease, 2*c.Poll)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TLS == "" {
		c.TLS = "tls"
	}
	if c.Folder == "" {
		c.Folder = "INBOX"
	}
	if c.Processed == "" {
		c.Processed = "Processed"
	}
	if c.Batch <= 0 {
		c.Batch = 50
	}
	if c.MaxSize <= 0 {
		c.MaxSize = 25 << 20
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	switch {
	case c.TLS != "tls" && c.TLS != "starttls" && c.TLS != "none":
		return fmt.Errorf("imapwatch: TLS must be tls, starttls or none, not %q", c.TLS)
	case c.Folder == c.Processed:
		return errors.New("imapwatch: Folder and Processed must differ")
	case c.MinBackoff > c.MaxBackoff:
		return errors.New("imapwatch: MinBackoff exceeds MaxBackoff")
	}
	return nil
}

// Run watches the folder until ctx ends, then returns nil. Connection,
// login and server errors never end it: it reconnects with backoff. It
// returns an error only when the state database fails, or when Run is
// already running.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("imapwatch: Run already running")
	}
	defer w.running.Store(false)
	defer w.releaseLease()

	bo := backoff{min: w.cfg.MinBackoff, max: w.cfg.MaxBackoff}
	for attempt := 0; ; attempt++ {
		held, err := w.takeLease(ctx, attempt == 0)
		if err != nil {
			w.noteError(err)
			return err
		}
		if !held {
			w.logState("stopped", nil)
			return nil
		}
		if attempt > 0 {
			w.reconnects.Add(1)
		}
		good, err := w.session(ctx)
		if ctx.Err() != nil {
			w.logState("stopped", nil)
			return nil
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			w.noteError(err)
			return fatal.err
		}
		if good {
			bo.reset()
		}
		delay := bo.next()
		w.noteError(err)
		w.logState("disconnected", err, "retry_in", delay.Round(time.Millisecond))
		if !sleep(ctx, delay) {
			w.logState("stopped", nil)
			return nil
		}
	}
}

// Status returns a snapshot of the watcher's state.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := Status{
		Connected:  w.connected,
		Idle:       w.idle,
		Reconnects: w.reconnects.Load(),
		Handled:    w.handled.Load(),
		Failed:     w.failed.Load(),
		LastError:  w.lastError,
	}
	if ns := w.lastContact.Load(); ns != 0 {
		s.LastContact = time.Unix(0, ns)
	}
	return s
}

// Kick asks the watcher to check for mail now. It does not wait.
func (w *Watcher) Kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Watcher) setConnected(on bool) {
	w.mu.Lock()
	w.connected = on
	if !on {
		w.idle = false
	}
	w.mu.Unlock()
}

func (w *Watcher) setIdle(on bool) {
	w.mu.Lock()
	w.idle = on
	w.mu.Unlock()
}

// noteError records err as the last error; nil is ignored.
func (w *Watcher) noteError(err error) {
	if err == nil {
		return
	}
	w.mu.Lock()
	w.lastError = err.Error()
	w.mu.Unlock()
}

// logState logs a change of state once: the same state with the same error
// (a server refusing the password on every attempt) is logged only the
// first time.
func (w *Watcher) logState(state string, err error, args ...any) {
	key := state
	if err != nil {
		key += ": " + err.Error()
	}
	w.mu.Lock()
	same := key == w.lastLogged
	w.lastLogged = key
	w.mu.Unlock()
	if same {
		return
	}
	switch {
	case err != nil:
		w.log.Warn("imap "+state, append(args, slog.Any("error", err))...)
	default:
		w.log.Info("imap "+state, args...)
	}
}

// firstTime reports whether err differs from the server refusal logged
// last, so a move that fails on every round is logged once.
func (w *Watcher) firstTime(err error) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err.Error() == w.lastSoft {
		return false
	}
	w.lastSoft = err.Error()
	return true
}

// fatalError wraps an error that stops Run (the state database failed).
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// sleep waits for d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
