package imapwatch_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/email/emailtest"
	"github.com/fieldcrm/fieldcrm/gateway/email/imapwatch"
)

const (
	user = "crm"
	pass = "secret"
)

// recorder is a handler that dedupes by Message-ID, like the real one, and
// counts every call.
type recorder struct {
	mu    sync.Mutex
	calls map[string]int // handler calls per Message-ID
	done  map[string]int // successful calls per Message-ID
	order []string       // Message-IDs in the order first handled
	msgs  map[string]imapwatch.Message
	fail  func(id string) error // nil: accept everything
	after func(id string)       // runs after a successful call
}

func newRecorder() *recorder {
	return &recorder{calls: map[string]int{}, done: map[string]int{}, msgs: map[string]imapwatch.Message{}}
}

func (r *recorder) handle(_ context.Context, m imapwatch.Message) error {
	id := messageID(m.Raw)
	r.mu.Lock()
	r.calls[id]++
	fail, after := r.fail, r.after
	r.mu.Unlock()
	if fail != nil {
		if err := fail(id); err != nil {
			return err
		}
	}
	r.mu.Lock()
	if r.done[id] == 0 { // dedupe: the CRM would ignore a repeat
		r.order = append(r.order, id)
		r.msgs[id] = m
	}
	r.done[id]++
	r.mu.Unlock()
	if after != nil {
		after(id)
	}
	return nil
}

// counts returns handler calls and successful calls for id.
func (r *recorder) counts(id string) (calls, done int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id], r.done[id]
}

// handled reports whether every id was handled successfully.
func (r *recorder) handled(ids ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if r.done[id] == 0 {
			return false
		}
	}
	return true
}

func messageID(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "unparsable"
	}
	return strings.Trim(m.Header.Get("Message-Id"), "<>")
}

// msg builds a message with the given Message-ID.
func msg(id string) []byte {
	return fmt.Appendf(nil, "From: salesman@example.com\r\nTo: crm@example.com\r\nSubject: visit %s\r\nMessage-ID: <%s>\r\n\r\nMet the customer.\r\n", id, id)
}

// env is one test's server, database and log.
type env struct {
	t    *testing.T
	srv  *emailtest.IMAPServer
	db   crm.Engine
	logs *logCounter
}

func newEnv(t *testing.T, opt emailtest.IMAPOptions) *env {
	t.Helper()
	e := &env{t: t, logs: &logCounter{out: t.Output()}}
	e.srv = e.newServer(opt)
	st, err := crm.Open(filepath.Join(t.TempDir(), "state.db"), crm.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e.db = st.Engine()
	return e
}

func (e *env) newServer(opt emailtest.IMAPOptions) *emailtest.IMAPServer {
	e.t.Helper()
	srv, err := emailtest.NewIMAP(opt)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = srv.Close() })
	if err := srv.AddUser(user, pass); err != nil {
		e.t.Fatal(err)
	}
	return srv
}

// config is a watcher config with test timings.
func (e *env) config() imapwatch.Config {
	return imapwatch.Config{
		Addr:       e.srv.Addr(),
		User:       user,
		Password:   pass,
		TLS:        "none",
		Poll:       200 * time.Millisecond,
		Watchdog:   300 * time.Millisecond,
		MinBackoff: 20 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond,
		DB:         e.db,
		Log:        slog.New(e.logs),
	}
}

// running is a watcher started by start.
type running struct {
	w      *imapwatch.Watcher
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returns
	err    error         // what Run returned
}

// start runs a watcher until stop or the end of the test.
func (e *env) start(cfg imapwatch.Config, h imapwatch.Handler) *running {
	e.t.Helper()
	w, err := imapwatch.New(cfg, h)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{w: w, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = w.Run(ctx)
		close(r.done)
	}()
	e.t.Cleanup(func() { r.stop(e.t) })
	return r
}

// stop cancels the watcher and waits for Run to return.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		if r.err != nil {
			t.Errorf("Run: %v", r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func (e *env) append(folder string, ids ...string) {
	e.t.Helper()
	for _, id := range ids {
		if _, err := e.srv.Append(user, folder, msg(id)); err != nil {
			e.t.Fatal(err)
		}
	}
}

// folder returns the Message-IDs in a folder, and whether each is \Seen.
func (e *env) folder(name string) (ids []string, seen []bool) {
	e.t.Helper()
	msgs, err := e.srv.Messages(user, name)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range msgs {
		ids = append(ids, messageID(m.Raw))
		seen = append(seen, slices.Contains(m.Flags, `\Seen`))
	}
	return ids, seen
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitDone waits until the messages are handled, in Processed and \Seen,
// and the watched folder is empty.
func (e *env) waitDone(rec *recorder, ids ...string) {
	e.t.Helper()
	waitFor(e.t, 5*time.Second, "messages handled", func() bool { return rec.handled(ids...) })
	waitFor(e.t, 5*time.Second, "INBOX empty and messages in Processed", func() bool {
		inbox, _ := e.folder("INBOX")
		done, _ := e.folder("Processed")
		for _, id := range ids {
			if !slices.Contains(done, id) {
				return false
			}
		}
		return len(inbox) == 0
	})
	done, seen := e.folder("Processed")
	for i, id := range done {
		if !seen[i] {
			e.t.Errorf("%s in Processed is not \\Seen", id)
		}
	}
}

// logCounter writes log records to the test output and counts them by
// message.
type logCounter struct {
	out   interface{ Write([]byte) (int, error) }
	mu    sync.Mutex
	count map[string]int
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logCounter) WithGroup(string) slog.Handler            { return l }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count == nil {
		l.count = map[string]int{}
	}
	l.count[r.Message]++
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", r.Time.Format("15:04:05.000"), r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	b.WriteByte('\n')
	_, err := l.out.Write([]byte(b.String()))
	return err
}

func (l *logCounter) n(message string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count[message]
}

// (a) With IDLE, a message appended while the watcher idles is handled at
// once — well before the next poll — flagged \Seen and moved.
func TestIdleDeliversAtOnce(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	rec := newRecorder()
	cfg := e.config()
	cfg.Poll = 10 * time.Second // only IDLE can be this quick
	cfg.Watchdog = time.Second
	w := e.start(cfg, rec.handle).w
	waitFor(t, 5*time.Second, "IDLE", func() bool { return w.Status().Idle })

	start := time.Now()
	e.append("INBOX", "a@test")
	waitFor(t, time.Second, "message handled within a second", func() bool { return rec.handled("a@test") })
	t.Logf("handled %v after delivery", time.Since(start))
	e.waitDone(rec, "a@test")

	rec.mu.Lock()
	m := rec.msgs["a@test"]
	rec.mu.Unlock()
	if slices.Contains(m.Flags, `\Seen`) || m.Truncated || !bytes.Equal(m.Raw, msg("a@test")) {
		t.Errorf("handler got flags %v, truncated %v, raw %q", m.Flags, m.Truncated, m.Raw)
	}
	waitFor(t, 5*time.Second, "IDLE again", func() bool { return w.Status().Idle })
	st := w.Status()
	if !st.Connected || st.Handled != 1 || st.Failed != 0 || st.Reconnects != 0 || time.Since(st.LastContact) > 5*time.Second {
		t.Errorf("status %+v", st)
	}
}

// (b) Without IDLE the watcher polls.
func TestPollWithoutIdle(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{NoIdle: true})
	rec := newRecorder()
	w := e.start(e.config(), rec.handle).w
	waitFor(t, 5*time.Second, "connected", func() bool { return w.Status().Connected })
	e.append("INBOX", "a@test", "b@test")
	e.waitDone(rec, "a@test", "b@test")
	if w.Status().Idle {
		t.Error("Status says IDLE on a server without IDLE")
	}
}

// (c) Without MOVE: COPY + STORE \Deleted + UID EXPUNGE; every message lands
// in Processed exactly once.
func TestNoMove(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{NoMove: true})
	rec := newRecorder()
	e.start(e.config(), rec.handle)
	ids := []string{"a@test", "b@test", "c@test"}
	e.append("INBOX", ids...)
	e.waitDone(rec, ids...)
	done, _ := e.folder("Processed")
	slices.Sort(done)
	if !slices.Equal(done, ids) {
		t.Errorf("Processed holds %v, want %v once each", done, ids)
	}
}

// (d) A handler error leaves the message in INBOX, unseen; it is retried on
// later rounds without holding up the next message, and handled once when
// the handler recovers.
func TestHandlerErrorRetries(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	rec := newRecorder()
	var broken atomic.Bool
	broken.Store(true)
	rec.fail = func(id string) error {
		if id == "bad@test" && broken.Load() {
			return errors.New("database is down")
		}
		return nil
	}
	w := e.start(e.config(), rec.handle).w
	e.append("INBOX", "bad@test", "good@test")

	waitFor(t, 5*time.Second, "retries of the refused message", func() bool {
		calls, _ := rec.counts("bad@test")
		return calls >= 3 && rec.handled("good@test")
	})
	inbox, seen := e.folder("INBOX")
	if !slices.Equal(inbox, []string{"bad@test"}) || seen[0] {
		t.Errorf("INBOX holds %v (seen %v), want bad@test unseen", inbox, seen)
	}
	if st := w.Status(); st.Failed < 3 || !strings.Contains(st.LastError, "database is down") {
		t.Errorf("status %+v", st)
	}

	broken.Store(false)
	e.waitDone(rec, "bad@test", "good@test")
	for _, id := range []string{"bad@test", "good@test"} {
		if _, done := rec.counts(id); done != 1 {
			t.Errorf("%s handled %d times, want 1", id, done)
		}
	}
	if st := w.Status(); st.Handled != 2 {
		t.Errorf("Handled = %d, want 2", st.Handled)
	}
	// the handler is told how often a message failed before, and since when
	rec.mu.Lock()
	bad, good := rec.msgs["bad@test"], rec.msgs["good@test"]
	calls := rec.calls["bad@test"]
	rec.mu.Unlock()
	if bad.Failed != calls-1 || bad.FirstFailed.IsZero() || time.Since(bad.FirstFailed) > time.Minute {
		t.Errorf("bad@test offered after %d calls with Failed %d, FirstFailed %v", calls, bad.Failed, bad.FirstFailed)
	}
	if good.Failed != 0 || !good.FirstFailed.IsZero() {
		t.Errorf("good@test: Failed %d, FirstFailed %v", good.Failed, good.FirstFailed)
	}
}

// (e) Connections dropped while mail keeps arriving: the watcher reconnects
// and every message is handled exactly once.
func TestDropConnections(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	rec := newRecorder()
	cfg := e.config()
	cfg.Batch = 3
	w := e.start(cfg, rec.handle).w

	var ids []string
	for round := range 6 {
		for i := range 4 {
			id := fmt.Sprintf("m%d-%d@test", round, i)
			ids = append(ids, id)
			e.append("INBOX", id)
		}
		if round%2 == 0 {
			// Let it get going, then cut it off mid-stream.
			waitFor(t, 5*time.Second, "some progress", func() bool { return rec.handled(ids[len(ids)-4]) })
		}
		e.srv.DropConnections()
	}
	e.waitDone(rec, ids...)
	for _, id := range ids {
		if calls, _ := rec.counts(id); calls != 1 {
			t.Errorf("%s offered %d times, want 1", id, calls)
		}
	}
	rec.mu.Lock()
	if !slices.Equal(rec.order, ids) {
		t.Errorf("handled in order %v, want %v", rec.order, ids)
	}
	rec.mu.Unlock()
	if st := w.Status(); st.Reconnects < 3 {
		t.Errorf("Reconnects = %d, want at least 3", st.Reconnects)
	}
}

// (f) A stalled server (an IDLE that died silently) is noticed within
// Poll+Watchdog; the watcher reconnects when the server answers again and
// handles the mail that arrived meanwhile.
func TestStallDetected(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	rec := newRecorder()
	cfg := e.config()
	w := e.start(cfg, rec.handle).w
	waitFor(t, 5*time.Second, "IDLE", func() bool { return w.Status().Idle })

	e.srv.Stall(true)
	stalled := time.Now()
	e.append("INBOX", "during@test")
	limit := cfg.Poll + cfg.Watchdog + 300*time.Millisecond
	waitFor(t, limit, "the dead connection noticed", func() bool { return !w.Status().Connected })
	t.Logf("noticed after %v (Poll %v + Watchdog %v)", time.Since(stalled), cfg.Poll, cfg.Watchdog)
	if rec.handled("during@test") {
		t.Fatal("handled during the stall")
	}

	e.srv.Stall(false)
	e.waitDone(rec, "during@test")
	if st := w.Status(); st.Reconnects < 1 || st.LastError == "" {
		t.Errorf("status %+v", st)
	}
}

// (g) A new UIDVALIDITY (the folder was re-created) makes the watcher forget
// its last UID: the messages now in the folder are handled, even though
// their UIDs are below the old last UID.
func TestUIDValidityChange(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	rec := newRecorder()
	r := e.start(e.config(), rec.handle)
	e.append("INBOX", "a@test", "b@test", "c@test")
	e.waitDone(rec, "a@test", "b@test", "c@test")
	r.stop(t)

	if err := e.srv.ResetFolder(user, "INBOX"); err != nil {
		t.Fatal(err)
	}
	e.append("INBOX", "a@test", "d@test") // UIDs 1 and 2 again; a@test is a repeat
	r = e.start(e.config(), rec.handle)
	e.waitDone(rec, "d@test")
	if calls, done := rec.counts("a@test"); calls != 2 || done != 2 {
		t.Errorf("a@test: %d calls, %d done; want it offered again (the CRM dedupes it)", calls, done)
	}
	if e.logs.n("imap UIDVALIDITY changed: forgetting the last UID handled; messages still in the folder are offered again") != 1 {
		t.Error("UIDVALIDITY change not logged once")
	}

	// A new server with the same database: the old UIDs mean nothing there.
	r.stop(t)
	e.srv = e.newServer(emailtest.IMAPOptions{})
	e.append("INBOX", "e@test")
	e.start(e.config(), rec.handle)
	e.waitDone(rec, "e@test")
}

// (h) A restart with the same database hands nothing over twice, also when
// the watcher stopped between the handler's success and the move.
func TestRestartSameDB(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	rec := newRecorder()
	r := e.start(e.config(), rec.handle)
	e.append("INBOX", "a@test", "b@test")
	e.waitDone(rec, "a@test", "b@test")

	// Stop right after the handler accepts c@test, before the move.
	rec.mu.Lock()
	rec.after = func(id string) {
		if id == "c@test" {
			r.cancel()
		}
	}
	rec.mu.Unlock()
	e.append("INBOX", "c@test")
	waitFor(t, 5*time.Second, "c@test handled", func() bool { return rec.handled("c@test") })
	r.stop(t)
	rec.mu.Lock()
	rec.after = nil
	rec.mu.Unlock()

	e.start(e.config(), rec.handle)
	e.append("INBOX", "d@test")
	e.waitDone(rec, "a@test", "b@test", "c@test", "d@test")
	for _, id := range []string{"a@test", "b@test", "c@test", "d@test"} {
		if calls, _ := rec.counts(id); calls != 1 {
			t.Errorf("%s offered %d times, want 1", id, calls)
		}
	}
}

// (i) A wrong password: the error shows in Status, the delay between
// attempts grows (no busy loop), and the failure is logged once.
func TestWrongPasswordBacksOff(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	cfg := e.config()
	cfg.Password = "wrong"
	cfg.MinBackoff = 10 * time.Millisecond
	cfg.MaxBackoff = 10 * time.Second
	w := e.start(cfg, newRecorder().handle).w

	time.Sleep(time.Second) // the window in which attempts are counted
	n := e.srv.LoginAttempts()
	// Attempts start 5-10, 10-20, 20-40 ... ms apart: at most 9 fit in a
	// second; a fixed 10 ms retry would make about 100.
	if n < 3 || n > 9 {
		t.Errorf("%d login attempts in 1s, want 3..9", n)
	}
	st := w.Status()
	if st.Connected || !strings.Contains(st.LastError, "login as crm") || st.Reconnects < 2 {
		t.Errorf("status %+v", st)
	}
	if got := e.logs.n("imap disconnected"); got != 1 {
		t.Errorf("failure logged %d times, want once", got)
	}
}

// Messages over MaxSize are handed over truncated.
func TestMaxSizeTruncates(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	rec := newRecorder()
	cfg := e.config()
	raw := msg("big@test")
	cfg.MaxSize = int64(len(raw) - 5)
	e.start(cfg, rec.handle)
	e.append("INBOX", "big@test")
	if _, err := e.srv.Append(user, "INBOX", []byte("Message-ID: <tiny@test>\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	e.waitDone(rec, "big@test", "tiny@test")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if m := rec.msgs["big@test"]; !m.Truncated || !bytes.Equal(m.Raw, raw[:cfg.MaxSize]) {
		t.Errorf("big: truncated %v, %d bytes; want the first %d", m.Truncated, len(m.Raw), cfg.MaxSize)
	}
	if m := rec.msgs["tiny@test"]; m.Truncated {
		t.Error("small message truncated")
	}
}

// Implicit TLS and STARTTLS, with the server's certificate trusted through
// TLSConfig (ServerName comes from Addr).
func TestTLS(t *testing.T) {
	for _, mode := range []string{"tls", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			srvTLS, pool, err := emailtest.SelfSignedTLS("127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, emailtest.IMAPOptions{TLS: srvTLS, StartTLS: mode == "starttls"})
			rec := newRecorder()
			cfg := e.config()
			cfg.TLS = mode
			cfg.TLSConfig = &tls.Config{RootCAs: pool}
			e.start(cfg, rec.handle)
			e.append("INBOX", "a@test")
			e.waitDone(rec, "a@test")
		})
	}
}

// A server whose certificate is not trusted is never logged in to.
func TestTLSUntrusted(t *testing.T) {
	srvTLS, _, err := emailtest.SelfSignedTLS("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, emailtest.IMAPOptions{TLS: srvTLS})
	cfg := e.config()
	cfg.TLS = "tls"
	w := e.start(cfg, newRecorder().handle).w
	waitFor(t, 5*time.Second, "a TLS error", func() bool {
		return strings.Contains(w.Status().LastError, "certificate")
	})
	if n := e.srv.LoginAttempts(); n != 0 {
		t.Errorf("%d login attempts over untrusted TLS", n)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	h := newRecorder().handle
	for name, mod := range map[string]func(*imapwatch.Config){
		"NoAddr":     func(c *imapwatch.Config) { c.Addr = "" },
		"NoDB":       func(c *imapwatch.Config) { c.DB = nil },
		"BadTLS":     func(c *imapwatch.Config) { c.TLS = "maybe" },
		"SameFolder": func(c *imapwatch.Config) { c.Processed = "INBOX" },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := e.config()
			mod(&cfg)
			if _, err := imapwatch.New(cfg, h); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}
