package outbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// ---- helpers ----

// testDB is the engine of a crm.Store on a bbolt file; Close closes the store.
type testDB struct {
	crm.Engine
	s *crm.Store
}

func (d testDB) Close() error { return d.s.Close() }

func openDB(tb testing.TB, path string) crm.Engine {
	tb.Helper()
	s, err := crm.Open(path, crm.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	return testDB{s.Engine(), s}
}

func mustOpenDB(tb testing.TB) crm.Engine {
	tb.Helper()
	db := openDB(tb, filepath.Join(tb.TempDir(), "crm.db"))
	tb.Cleanup(func() { db.Close() })
	return db
}

type call struct {
	ID   int64
	From string
	To   string
	At   time.Time
}

// fakeSender records every call and fails when fail says so.
type fakeSender struct {
	mu    sync.Mutex
	calls []call
	fail  func(n int, e *Entry) error // n: 0-based call number
	hook  func(pid string)            // called before returning a success
	// segs is the segment count it reports (1 when zero), as Twilio's
	// num_segments does.
	segs int
}

func (f *fakeSender) Send(ctx context.Context, e *Entry) (string, int, error) {
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, call{ID: e.ID, From: e.From, To: e.To, At: time.Now()})
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		if err := fail(n, e); err != nil {
			return "", 0, err
		}
	}
	pid := fmt.Sprintf("SM%032d", n+1)
	if f.hook != nil {
		f.hook(pid)
	}
	return pid, max(f.segs, 1), nil
}

func (f *fakeSender) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// waitCalls waits (in fake time inside a synctest bubble) for n calls.
func (f *fakeSender) waitCalls(t *testing.T, n int, limit time.Duration) []call {
	t.Helper()
	deadline := time.Now().Add(limit)
	for len(f.Calls()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls after %v, want %d", len(f.Calls()), limit, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return f.Calls()
}

// start runs a worker until the test ends.
func start(t *testing.T, db crm.Engine, cfg Config, s Sender) *Worker {
	t.Helper()
	w := New(db, cfg, map[string]Sender{ChannelSMS: s, ChannelEmail: s}, nil, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return w
}

func sms(to, body string) *Entry { return &Entry{Channel: ChannelSMS, To: to, Body: body} }

func mustEnqueue(t *testing.T, db crm.Engine, e *Entry) int64 {
	t.Helper()
	id, dup, err := EnqueueDB(db, e, time.Now())
	if err != nil || dup {
		t.Fatalf("enqueue: id %d dup %v err %v", id, dup, err)
	}
	return id
}

func mustGet(t *testing.T, db crm.Engine, id int64) *Entry {
	t.Helper()
	e, err := Get(db, id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// waitState waits for entry id to reach state.
func waitState(t *testing.T, db crm.Engine, id int64, state string) *Entry {
	t.Helper()
	for range 100000 {
		e := mustGet(t, db, id)
		if e.State == state {
			return e
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("entry %d never reached %s: %+v", id, state, mustGet(t, db, id))
	return nil
}

// ---- tests ----

func TestEnqueueSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{}, s)
		id := mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: "+8613901395136", Body: "hello", UserID: 7, Key: "k1"})
		w.Kick()
		e := waitState(t, db, id, StateSent)
		if e.ProviderID != "SM00000000000000000000000000000001" || e.Segments != 1 || e.Attempts != 1 || e.SentAt.IsZero() {
			t.Errorf("sent entry: %+v", e)
		}
		got := []string{}
		for _, h := range e.StatusHistory {
			got = append(got, h.Status)
		}
		if fmt.Sprint(got) != "[queued sending sent]" {
			t.Errorf("history %v", got)
		}
		if c := s.Calls(); len(c) != 1 || c[0].To != "+8613901395136" {
			t.Errorf("calls %+v", c)
		}
		if sent, _, _, _ := w.Counters(); sent != 1 {
			t.Errorf("sent counter %d", sent)
		}
		// an email goes through the email sender
		id2 := mustEnqueue(t, db, &Entry{Channel: ChannelEmail, To: "wang@example.com", Subject: "Daily", Text: "hi"})
		w.Kick()
		waitState(t, db, id2, StateSent)
	})
}

func TestKickWakesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{Poll: time.Hour}, s)
		time.Sleep(time.Minute) // idle
		t0 := time.Now()
		mustEnqueue(t, db, sms("+15550100", "x"))
		w.Kick()
		c := s.waitCalls(t, 1, time.Minute)
		if d := c[0].At.Sub(t0); d != 0 {
			t.Errorf("sent %v after the kick, want at once", d)
		}
	})
}

func TestEnqueueValidation(t *testing.T) {
	db := mustOpenDB(t)
	for _, e := range []*Entry{
		{Channel: "fax", To: "x", Body: "b"},
		{Channel: ChannelSMS, To: "", Body: "b"},
		{Channel: ChannelSMS, To: "+1555", Body: "  "},
		{Channel: ChannelEmail, To: "a@b"},
	} {
		if _, _, err := EnqueueDB(db, e, time.Now()); err == nil {
			t.Errorf("%+v: no error", e)
		}
	}
}

func TestIdempotencyKeyAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	db := openDB(t, path)
	id, dup, err := EnqueueDB(db, &Entry{Channel: ChannelSMS, To: "+15550100", Body: "daily", Key: "daily|7|2026-11-25"}, now)
	if err != nil || dup {
		t.Fatal(id, dup, err)
	}
	// a rolled-back transaction leaves nothing behind
	errBoom := errors.New("boom")
	err = db.Update(bg, func(tx crm.ETx) error {
		if _, _, err := Enqueue(tx, &Entry{Channel: ChannelSMS, To: "+15550100", Body: "x", Key: "rolled"}, now); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	db.Close()

	db = openDB(t, path)
	defer db.Close()
	e := &Entry{Channel: ChannelSMS, To: "+15550100", Body: "daily again", Key: "daily|7|2026-11-25"}
	id2, dup, err := EnqueueDB(db, e, now.Add(time.Hour))
	if err != nil || !dup || id2 != id {
		t.Fatalf("second enqueue: id %d (first %d) dup %v err %v", id2, id, dup, err)
	}
	if got := mustGet(t, db, id); got.Body != "daily" {
		t.Errorf("the duplicate overwrote the entry: %q", got.Body)
	}
	// the same key on another channel is another message
	if _, dup, err := EnqueueDB(db, &Entry{Channel: ChannelEmail, To: "a@b.c", Text: "x", Key: "daily|7|2026-11-25"}, now); err != nil || dup {
		t.Errorf("email with the same key: dup %v err %v", dup, err)
	}
	if _, err := GetByKey(db, ChannelSMS, "rolled"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rolled back key: %v", err)
	}
	if got, err := GetByKey(db, ChannelSMS, "daily|7|2026-11-25"); err != nil || got.ID != id {
		t.Errorf("GetByKey: %v %v", got, err)
	}
	all, _ := List(db, Filter{})
	if len(all) != 2 {
		t.Errorf("%d entries, want 2", len(all))
	}
}

func TestConfigBackoff(t *testing.T) {
	c := Config{}
	c.defaults()
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second,
		64 * time.Second, 128 * time.Second, 256 * time.Second, 512 * time.Second, 10 * time.Minute, 10 * time.Minute}
	for i, w := range want {
		if got := c.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	for _, r := range []float64{0, 0.5, 0.999999} {
		c.Rand = func() float64 { return r }
		for n := 1; n <= 12; n++ {
			d := c.jittered(n)
			b := c.Backoff(n)
			lo, hi := time.Duration(float64(b)*0.8), min(time.Duration(float64(b)*1.2), c.MaxBackoff)
			if d < lo-time.Millisecond || d > hi {
				t.Errorf("jittered(%d) with rand %v = %v, want in [%v, %v]", n, r, d, lo, hi)
			}
		}
	}
}

func TestBackoffScheduleAndDead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{fail: func(int, *Entry) error {
			return &SendError{HTTPStatus: 503, Retryable: true, Msg: "unavailable"}
		}}
		const max = 6
		w := start(t, db, Config{MaxAttempts: max}, s)
		id := mustEnqueue(t, db, sms("+15550100", "x"))
		w.Kick()
		e := waitState(t, db, id, StateDead)
		calls := s.Calls()
		if len(calls) != max || e.Attempts != max {
			t.Fatalf("%d calls, %d attempts, want %d", len(calls), e.Attempts, max)
		}
		for i := 1; i < len(calls); i++ {
			gap := calls[i].At.Sub(calls[i-1].At)
			base := 2 * time.Second << (i - 1)
			lo, hi := time.Duration(float64(base)*0.8), time.Duration(float64(base)*1.2)
			if gap < lo || gap > hi {
				t.Errorf("retry %d after %v, want within [%v, %v]", i, gap, lo, hi)
			}
		}
		if e.LastError == "" || e.ErrorCode != 0 {
			t.Errorf("dead entry: %+v", e)
		}
		// no more attempts after dead
		time.Sleep(time.Hour)
		if len(s.Calls()) != max {
			t.Errorf("sent again after dead")
		}
		if _, _, dead, retried := w.Counters(); dead != 1 || retried != max-1 {
			t.Errorf("counters dead %d retried %d", dead, retried)
		}
		st, _ := Stats(db, time.Now())
		if st.Depth[StateDead] != 1 || st.OldestQueued != 0 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestRetryThenSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{fail: func(n int, _ *Entry) error {
			if n < 2 {
				return errors.New("dial tcp: connection refused") // unclassified: retryable
			}
			return nil
		}}
		w := start(t, db, Config{}, s)
		id := mustEnqueue(t, db, sms("+15550100", "x"))
		w.Kick()
		e := waitState(t, db, id, StateSent)
		if e.Attempts != 3 || e.LastError != "" {
			t.Errorf("%+v", e)
		}
	})
}

func TestPermanentErrorFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{fail: func(int, *Entry) error {
			return &SendError{HTTPStatus: 400, Code: 21211, Msg: "invalid To"}
		}}
		optOuts := 0
		w := start(t, db, Config{OnOptOut: func(string) { optOuts++ }}, s)
		id := mustEnqueue(t, db, sms("+1", "x"))
		w.Kick()
		e := waitState(t, db, id, StateFailed)
		time.Sleep(time.Hour)
		if n := len(s.Calls()); n != 1 || e.ErrorCode != 21211 || optOuts != 0 {
			t.Errorf("calls %d, entry %+v, opt-outs %d", n, e, optOuts)
		}
	})
}

func TestOptOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{fail: func(int, *Entry) error {
			return &SendError{HTTPStatus: 400, Code: CodeOptOut, OptOut: true, Msg: "unsubscribed recipient"}
		}}
		var mu sync.Mutex
		var got []string
		w := start(t, db, Config{OnOptOut: func(to string) { mu.Lock(); got = append(got, to); mu.Unlock() }}, s)
		id := mustEnqueue(t, db, sms("+8613901395136", "x"))
		w.Kick()
		e := waitState(t, db, id, StateFailed)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0] != "+8613901395136" || e.ErrorCode != CodeOptOut || len(s.Calls()) != 1 {
			t.Errorf("opt-outs %v, entry %+v", got, e)
		}
	})
}

func TestErrorClassification(t *testing.T) {
	for _, c := range []struct {
		err                  error
		retryable, permanent bool
	}{
		{nil, false, false},
		{&SendError{HTTPStatus: 429, Retryable: true}, true, false},
		{fmt.Errorf("wrapped: %w", &SendError{HTTPStatus: 500, Retryable: true}), true, false},
		{&SendError{HTTPStatus: 400, Code: 21211}, false, true},
		{&SendError{Code: 21610, OptOut: true, Retryable: true}, false, true},
		{context.DeadlineExceeded, true, false},
		{errors.New("something"), true, false},
		{MarkPermanent(errors.New("bad address")), false, true},
	} {
		if Retryable(c.err) != c.retryable || Permanent(c.err) != c.permanent {
			t.Errorf("%v: retryable %v permanent %v", c.err, Retryable(c.err), Permanent(c.err))
		}
	}
	if !OptOut(&SendError{Code: 21610}) || OptOut(errors.New("x")) {
		t.Error("OptOut")
	}
}

func TestRateLimitOneNumber(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{}, s)
		for i := range 5 {
			mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: fmt.Sprintf("+1555010%d", i), Body: "x", From: "+15550001"})
		}
		w.Kick()
		c := s.waitCalls(t, 5, time.Minute)
		if d := c[4].At.Sub(c[0].At); d < 4*time.Second || d > 5*time.Second {
			t.Errorf("5 messages from one number took %v, want ≥ 4s", d)
		}
		for i := 1; i < 5; i++ {
			if gap := c[i].At.Sub(c[i-1].At); gap < time.Second {
				t.Errorf("gap %d: %v < 1s", i, gap)
			}
		}
	})
}

func TestRateLimitSpreadOverNumbers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{From: []string{"+15550001", "+15550002"}}, s)
		var ids []int64
		for i := range 5 {
			ids = append(ids, mustEnqueue(t, db, sms(fmt.Sprintf("+1555010%d", i), "x")))
		}
		w.Kick()
		c := s.waitCalls(t, 5, time.Minute)
		d := c[4].At.Sub(c[0].At)
		if d < 2*time.Second || d > 3*time.Second {
			t.Errorf("5 messages over 2 numbers took %v, want about 2s", d)
		}
		by := map[string]int{}
		for _, x := range c {
			by[x.From]++
		}
		if by["+15550001"] != 3 || by["+15550002"] != 2 {
			t.Errorf("spread %v", by)
		}
		// the entry records which number it went out from; From stays empty
		e := waitState(t, db, ids[0], StateSent)
		if e.From != "" || e.Via == "" {
			t.Errorf("from %q via %q", e.From, e.Via)
		}
	})
}

func TestRateLimitMessagingService(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{From: []string{"MG00000000000000000000000000000001"}}, s)
		for i := range 10 {
			mustEnqueue(t, db, sms(fmt.Sprintf("+1555010%d", i), "x"))
		}
		w.Kick()
		c := s.waitCalls(t, 10, time.Minute)
		if d := c[9].At.Sub(c[0].At); d > time.Second {
			t.Errorf("10 messages through a Messaging Service took %v, want < 1s at 10/s", d)
		}
	})
}

func TestInDoubtResentOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "crm.db")
		db := openDB(t, path)
		id := mustEnqueue(t, db, sms("+15550100", "in the window"))
		other := mustEnqueue(t, db, sms("+15550101", "never started"))
		// a previous run marked the entry sending and crashed before recording the outcome
		err := db.Update(bg, func(tx crm.ETx) error {
			e, err := getEntry(tx, id)
			if err != nil {
				return err
			}
			old := *e
			e.Attempts = 1
			e.setState(StateSending, "attempt 1", 0, time.Now())
			return putEntry(tx, e, &old)
		})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()

		db = openDB(t, path)
		defer db.Close()
		if l, _ := List(db, Filter{State: StateSending}); len(l) != 1 || l[0].ID != id {
			t.Fatalf("sending before start: %+v", l)
		}
		s := &fakeSender{}
		ctx, cancel := context.WithCancel(context.Background())
		w := New(db, Config{}, map[string]Sender{ChannelSMS: s}, nil, time.Now)
		done := make(chan error)
		go func() { done <- w.Run(ctx) }()
		e := waitState(t, db, id, StateSent)
		waitState(t, db, other, StateSent)
		time.Sleep(time.Hour)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if w.InDoubt() != 1 {
			t.Errorf("in doubt %d, want 1", w.InDoubt())
		}
		n := 0
		for _, c := range s.Calls() {
			if c.ID == id {
				n++
			}
		}
		if n != 1 || e.Attempts != 2 {
			t.Errorf("in-doubt entry sent %d times (attempts %d), want once more", n, e.Attempts)
		}
		// a clean stop leaves nothing in doubt
		w2 := New(db, Config{}, map[string]Sender{ChannelSMS: s}, nil, time.Now)
		ctx2, cancel2 := context.WithCancel(context.Background())
		go func() { done <- w2.Run(ctx2) }()
		synctest.Wait()
		cancel2()
		<-done
		if w2.InDoubt() != 0 {
			t.Errorf("in doubt after a clean stop: %d", w2.InDoubt())
		}
	})
}

func TestStopWaitsForSendInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		release := make(chan struct{})
		s := &fakeSender{fail: func(int, *Entry) error { <-release; return nil }}
		w := New(db, Config{}, map[string]Sender{ChannelSMS: s}, nil, time.Now)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- w.Run(ctx) }()
		id := mustEnqueue(t, db, sms("+15550100", "x"))
		w.Kick()
		s.waitCalls(t, 1, time.Minute)
		cancel()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Run returned with a send in flight")
		default:
		}
		close(release)
		<-done
		if e := mustGet(t, db, id); e.State != StateSent {
			t.Errorf("state %s", e.State)
		}
	})
}

func TestSetStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{}, s)
		id := mustEnqueue(t, db, sms("+15550100", "x"))
		w.Kick()
		e := waitState(t, db, id, StateSent)
		now := time.Now()
		steps := []struct {
			status  string
			changed bool
			state   string
		}{
			{"queued", true, StateSent},
			{"queued", false, StateSent}, // repeat
			{"sent", true, StateSent},
			{"sent", false, StateSent},
			{"delivered", true, StateDelivered},
			{"sent", false, StateDelivered}, // late
			{"queued", false, StateDelivered},
			{"undelivered", false, StateDelivered}, // final already
			{"delivered", false, StateDelivered},
		}
		for i, st := range steps {
			changed, err := SetStatus(db, e.ProviderID, st.status, 0, now.Add(time.Duration(i)*time.Second))
			if err != nil || changed != st.changed {
				t.Errorf("step %d %s: changed %v err %v, want %v", i, st.status, changed, err, st.changed)
			}
			if got := mustGet(t, db, id); got.State != st.state {
				t.Errorf("step %d %s: state %s, want %s", i, st.status, got.State, st.state)
			}
		}
		if _, err := SetStatus(db, e.ProviderID, "bogus", 0, now); err == nil {
			t.Error("bogus status accepted")
		}
		// undelivered with an error code
		id2 := mustEnqueue(t, db, sms("+15550101", "y"))
		w.Kick()
		e2 := waitState(t, db, id2, StateSent)
		if ch, err := SetStatus(db, e2.ProviderID, "undelivered", 30003, now); !ch || err != nil {
			t.Fatal(ch, err)
		}
		if got := mustGet(t, db, id2); got.State != StateUndelivered || got.ErrorCode != 30003 {
			t.Errorf("%+v", got)
		}
	})
}

func TestSetStatusBeforeSendRecorded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		// the callback overtakes the REST answer
		s.hook = func(pid string) {
			if ch, err := SetStatus(db, pid, "delivered", 0, time.Now()); ch || err != nil {
				t.Errorf("early status: changed %v err %v", ch, err)
			}
		}
		w := start(t, db, Config{}, s)
		id := mustEnqueue(t, db, sms("+15550100", "x"))
		w.Kick()
		waitState(t, db, id, StateDelivered)
	})
}

func TestNotBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{Poll: 10 * time.Minute}, s)
		t0 := time.Now()
		id := mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: "+15550100", Body: "good morning", NotBefore: t0.Add(8 * time.Hour)})
		now := mustEnqueue(t, db, sms("+15550101", "now"))
		w.Kick()
		waitState(t, db, now, StateSent)
		time.Sleep(8*time.Hour - time.Minute)
		if e := mustGet(t, db, id); e.State != StateQueued {
			t.Fatalf("sent before NotBefore: %+v", e)
		}
		st, _ := Stats(db, time.Now())
		if st.Depth[StateQueued] != 1 || st.OldestID != id || st.OldestQueued < 7*time.Hour {
			t.Errorf("stats %+v", st)
		}
		c := s.waitCalls(t, 2, time.Hour)
		if d := c[1].At.Sub(t0); d < 8*time.Hour || d > 8*time.Hour+time.Second {
			t.Errorf("sent %v after enqueue, want at 8h", d)
		}
	})
}

func TestListGetStatsPrune(t *testing.T) {
	db := mustOpenDB(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	if st, err := Stats(db, now); err != nil || len(st.Depth) != 0 {
		t.Fatal(st, err)
	}
	if l, err := List(db, Filter{}); err != nil || len(l) != 0 {
		t.Fatal(l, err)
	}
	if _, err := Get(db, 1); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, _, err := EnqueueDB(db, &Entry{Channel: ChannelSMS, To: "+1555010" + fmt.Sprint(i), Body: "x", UserID: int64(i), Key: fmt.Sprint(i)}, now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	l, _ := List(db, Filter{})
	if len(l) != 3 || l[0].ID != 3 {
		t.Errorf("list newest first: %+v", l)
	}
	if l, _ := List(db, Filter{UserID: 1}); len(l) != 1 || l[0].To != "+15550101" {
		t.Errorf("by user: %+v", l)
	}
	if l, _ := List(db, Filter{State: StateQueued, Channel: ChannelSMS, Limit: 2}); len(l) != 2 || l[0].ID != 1 {
		t.Errorf("by state: %+v", l)
	}
	st, _ := Stats(db, now.Add(time.Hour))
	if st.Depth[StateQueued] != 3 || st.OldestQueued != time.Hour || st.OldestID != 1 {
		t.Errorf("stats %+v", st)
	}
	// fail one, prune it
	db.Update(bg, func(tx crm.ETx) error {
		e, _ := getEntry(tx, 2)
		old := *e
		e.setState(StateFailed, "", 0, now)
		return putEntry(tx, e, &old)
	})
	if n, err := Prune(db, now.Add(time.Minute)); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	if _, err := Get(db, 2); !errors.Is(err, ErrNotFound) {
		t.Error("pruned entry still there")
	}
	if _, err := GetByKey(db, ChannelSMS, "1"); !errors.Is(err, ErrNotFound) {
		t.Error("pruned key still there")
	}
	st, _ = Stats(db, now)
	if st.Depth[StateQueued] != 2 || st.Depth[StateFailed] != 0 {
		t.Errorf("stats after prune %+v", st)
	}
}
