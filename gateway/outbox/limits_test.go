package outbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

const cnPhone = "+8613800000002"

// cnLimits gives +86 numbers lims and others none, as a route table does.
func cnLimits(lims ...Limit) func(string) []Limit {
	return func(to string) []Limit {
		if strings.HasPrefix(to, "+86") {
			return lims
		}
		return nil
	}
}

func callsTo(c []call, to string) []call {
	var out []call
	for _, x := range c {
		if x.To == to {
			out = append(out, x)
		}
	}
	return out
}

// waitCallsTo waits (in fake time) for n calls to `to`.
func (f *fakeSender) waitCallsTo(t *testing.T, to string, n int, limit time.Duration) []call {
	t.Helper()
	deadline := time.Now().Add(limit)
	for len(callsTo(f.Calls(), to)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls to %s after %v, want %d", len(callsTo(f.Calls(), to)), to, limit, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return callsTo(f.Calls(), to)
}

func within(t *testing.T, what string, got, want time.Time, slack time.Duration) {
	t.Helper()
	if got.Before(want) || got.After(want.Add(slack)) {
		t.Errorf("%s at %v, want %v (+%v)", what, got.Format("15:04:05"), want.Format("15:04:05"), slack)
	}
}

// A burst of notices to a +86 number under 1/min and 3/hour goes out one a
// minute and then waits for the hour; a +1 number has no limits. Nothing is
// dropped, and a held entry says why.
func TestRecipientLimitHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{Rate: -1, RecipientLimits: cnLimits(Limit{Max: 1, Per: time.Minute}, Limit{Max: 3, Per: time.Hour})}, s)
		t0 := time.Now()
		var ids []int64
		for i := range 5 {
			ids = append(ids, mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: cnPhone, Body: fmt.Sprintf("notice %d", i), Key: fmt.Sprint("n", i)}))
		}
		us := mustEnqueue(t, db, sms("+15550100", "no limits here"))
		w.Kick()
		waitState(t, db, us, StateSent)
		waitState(t, db, ids[0], StateSent)
		time.Sleep(time.Second)
		e := mustGet(t, db, ids[1])
		if e.State != StateQueued || !strings.Contains(e.Held, "limit of 1/1m") || e.LastError != e.Held || !e.NextAt.After(t0) {
			t.Errorf("held entry: state %s held %q last error %q next %v", e.State, e.Held, e.LastError, e.NextAt)
		}
		if st, _ := Stats(db, time.Now()); st.Limited != 4 {
			t.Errorf("Stats.Limited %d, want 4", st.Limited)
		}
		c := s.waitCallsTo(t, cnPhone, 5, 3*time.Hour)
		within(t, "first", c[0].At, t0, time.Second)
		within(t, "second", c[1].At, c[0].At.Add(time.Minute), 2*time.Second)
		within(t, "third", c[2].At, c[1].At.Add(time.Minute), 2*time.Second)
		within(t, "fourth (the hour)", c[3].At, c[0].At.Add(time.Hour), 2*time.Second)
		within(t, "fifth", c[4].At, c[1].At.Add(time.Hour), 2*time.Second)
		for i, id := range ids {
			e := waitState(t, db, id, StateSent)
			if e.Held != "" || e.LastError != "" || e.Attempts != 1 {
				t.Errorf("entry %d after sending: held %q error %q attempts %d", i, e.Held, e.LastError, e.Attempts)
			}
		}
		if n := len(callsTo(s.Calls(), cnPhone)); n != 5 {
			t.Errorf("%d sends to the +86 number, want 5", n)
		}
	})
}

// The counts come from the stored send times: a new worker on the same file
// (a restart) still waits for the window.
func TestRecipientLimitSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "crm.db")
		cfg := Config{Rate: -1, RecipientLimits: cnLimits(Limit{Max: 1, Per: 10 * time.Minute})}
		db := openDB(t, path)
		s1 := &fakeSender{}
		w := New(db, cfg, map[string]Sender{ChannelSMS: s1}, nil, time.Now)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		first := mustEnqueue(t, db, sms(cnPhone, "first"))
		w.Kick()
		waitState(t, db, first, StateSent)
		cancel()
		<-done
		db.Close()
		t0 := s1.Calls()[0].At

		time.Sleep(time.Minute)
		db = openDB(t, path)
		defer db.Close()
		second := mustEnqueue(t, db, sms(cnPhone, "second"))
		s2 := &fakeSender{}
		start(t, db, cfg, s2).Kick()
		time.Sleep(5 * time.Minute)
		if n := len(s2.Calls()); n != 0 {
			t.Fatalf("sent %d within the window after a restart", n)
		}
		c := s2.waitCalls(t, 1, time.Hour)
		within(t, "after the restart", c[0].At, t0.Add(10*time.Minute), 2*time.Second)
		waitState(t, db, second, StateSent)
	})
}

// When the cap is near, answers to the salesman's own messages go first:
// notices stop at Max-Reserve, and a reply waiting for the same minute as a
// notice takes the slot that opens.
func TestRecipientLimitRepliesFirst(t *testing.T) {
	t.Run("Reserve", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			db := mustOpenDB(t)
			s := &fakeSender{}
			w := start(t, db, Config{Rate: -1, RecipientLimits: cnLimits(Limit{Max: 3, Per: 24 * time.Hour, Reserve: 1})}, s)
			var notes []int64
			for i := range 3 {
				notes = append(notes, mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: cnPhone, Body: "notice", Key: fmt.Sprint("job|", i)}))
			}
			w.Kick()
			s.waitCalls(t, 2, time.Minute)
			time.Sleep(time.Minute)
			if e := mustGet(t, db, notes[2]); e.State != StateQueued || !strings.Contains(e.Held, "kept for replies") {
				t.Errorf("third notice: %s %q", e.State, e.Held)
			}
			reply := mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: cnPhone, Body: "OK visit #12", Key: "reply|SM1"})
			w.Kick()
			waitState(t, db, reply, StateSent)
			if n := len(s.Calls()); n != 3 {
				t.Errorf("%d sends, want 3 (two notices and the reply)", n)
			}
			if e := mustGet(t, db, notes[2]); e.State != StateQueued {
				t.Errorf("the third notice went over the cap: %s", e.State)
			}
		})
	})
	t.Run("SameWindow", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			db := mustOpenDB(t)
			s := &fakeSender{}
			w := start(t, db, Config{Rate: -1, RecipientLimits: cnLimits(Limit{Max: 1, Per: time.Minute})}, s)
			mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: cnPhone, Body: "notice 1", Key: "job|1"})
			w.Kick()
			s.waitCalls(t, 1, time.Second)
			n2 := mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: cnPhone, Body: "notice 2", Key: "job|2"})
			w.Kick()
			time.Sleep(10 * time.Second)
			reply := mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: cnPhone, Body: "answer", Key: "reply|SM2"})
			w.Kick()
			c := s.waitCalls(t, 3, 5*time.Minute)
			if c[1].ID != reply || c[2].ID != n2 {
				t.Errorf("sent %d then %d, want the reply %d before the older notice %d", c[1].ID, c[2].ID, reply, n2)
			}
		})
	})
}

// limitSender refuses the first n sends to a +86 number with the provider's
// limit error (retryable, RetryAt set).
type limitSender struct {
	fakeSender
	mu      sync.Mutex
	refuse  int
	retryAt func() time.Time
}

func newLimitSender(refuse int, retryAt func() time.Time) *limitSender {
	ls := &limitSender{refuse: refuse, retryAt: retryAt}
	ls.fail = func(n int, e *Entry) error {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		if ls.refuse > 0 && strings.HasPrefix(e.To, "+86") {
			ls.refuse--
			return &SendError{Code: 15, HTTPStatus: 200, Retryable: true, RetryAt: ls.retryAt(), Provider: "aliyun",
				Msg: "isv.BUSINESS_LIMIT_CONTROL: 触发天级流控Permits:10"}
		}
		return nil
	}
	return ls
}

// The provider's limit error holds the entry, and every other to the same
// number, until RetryAt instead of the backoff, and spends no attempt: five
// refusals with MaxAttempts 2 still end in a send, not a dead letter.
func TestProviderLimitError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := newLimitSender(5, func() time.Time { return time.Now().Add(10 * time.Minute) })
		var mu sync.Mutex
		reasons := map[string]int{}
		w := start(t, db, Config{Rate: -1, MaxAttempts: 2, BaseBackoff: time.Second, OnHold: func(ch, reason string) {
			mu.Lock()
			reasons[reason]++
			mu.Unlock()
		}}, s)
		t0 := time.Now()
		id := mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: cnPhone, Body: "notice", Key: "job|1"})
		w.Kick()
		s.waitCalls(t, 1, time.Second)
		time.Sleep(time.Second)
		e := mustGet(t, db, id)
		if e.State != StateQueued || e.Attempts != 0 || !strings.Contains(e.Held, "provider's limit") ||
			!strings.Contains(e.LastError, "BUSINESS_LIMIT_CONTROL") || e.ErrorCode != 15 {
			t.Errorf("after a limit error: %+v", e)
		}
		within(t, "due again", e.NextAt, t0.Add(10*time.Minute), 2*time.Second)
		// another message to the same number waits for the block too; one to
		// another number does not
		other := mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: cnPhone, Body: "reply", Key: "reply|SM9"})
		us := mustEnqueue(t, db, sms("+15550100", "hello"))
		w.Kick()
		waitState(t, db, us, StateSent)
		time.Sleep(time.Minute)
		if n := len(callsTo(s.Calls(), cnPhone)); n != 1 {
			t.Errorf("%d sends to the blocked number within the block, want 1", n)
		}
		time.Sleep(time.Hour) // five refusals, ten minutes each
		e = waitState(t, db, id, StateSent)
		if e.Attempts != 1 || e.Held != "" {
			t.Errorf("sent after %d attempts (held %q), want 1", e.Attempts, e.Held)
		}
		waitState(t, db, other, StateSent)
		if n := len(callsTo(s.Calls(), cnPhone)); n != 7 {
			t.Errorf("%d calls to the number, want 5 refused and 2 sent", n)
		}
		_, failed, dead, _ := w.Counters()
		if failed+dead != 0 {
			t.Errorf("failed %d dead %d", failed, dead)
		}
		mu.Lock()
		defer mu.Unlock()
		// five refusals, and the other entry held by the block at least once
		if reasons["provider_limit"] < 6 || reasons["recipient_limit"] != 0 {
			t.Errorf("holds reported %v", reasons)
		}
	})
}

// A calendar-day limit (Tencent's default, the Alibaba Cloud console's
// setting) opens at midnight in its zone.
func TestRecipientLimitCalendarDay(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{Rate: -1, RecipientLimits: cnLimits(Limit{Max: 2, Day: shanghai})}, s)
		for i := range 3 {
			mustEnqueue(t, db, sms(cnPhone, fmt.Sprint("n", i)))
		}
		w.Kick()
		c := s.waitCalls(t, 3, 48*time.Hour)
		now := c[0].At.In(shanghai)
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, shanghai)
		within(t, "third, the next day", c[2].At, midnight, 2*time.Second)
	})
}

func TestLimitedAndPrune(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	if !Limited(&SendError{Retryable: true, RetryAt: now}) || Limited(&SendError{Retryable: true}) ||
		Limited(&SendError{RetryAt: now}) || Limited(errors.New("x")) {
		t.Error("Limited")
	}
	db := mustOpenDB(t)
	Init(db)
	db.Update(bg, func(tx crm.ETx) error {
		tx.State(bktRecipients).Put(recipientKey(cnPhone, now.Add(-48*time.Hour), 1), nil)
		tx.State(bktRecipients).Put(recipientKey(cnPhone, now, 2), nil)
		return blockRecipient(tx, cnPhone, now.Add(-time.Hour), "x")
	})
	if _, err := Prune(db, now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.View(bg, func(tx crm.ETx) error {
		if got := sendTimes(tx, cnPhone, time.Time{}); len(got) != 1 || !got[0].Equal(now) {
			t.Errorf("after prune: %v", got)
		}
		if tx.State(bktBlocked).Get([]byte(cnPhone)) == nil {
			t.Error("a block newer than the cutoff was pruned")
		}
		return nil
	})
	Prune(db, now)
	db.View(bg, func(tx crm.ETx) error {
		if tx.State(bktBlocked).Get([]byte(cnPhone)) != nil {
			t.Error("an expired block was kept")
		}
		return nil
	})
}

// A scan that stops at Batch after holding entries looks again at once: an
// entry for another number behind a long held run is not left to the poll.
func TestRecipientLimitHoldsBeyondBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{}
		w := start(t, db, Config{Rate: -1, Batch: 10, Poll: 10 * time.Minute, RecipientLimits: cnLimits(Limit{Max: 1, Per: time.Hour})}, s)
		t0 := time.Now()
		for i := range 30 {
			mustEnqueue(t, db, sms(cnPhone, fmt.Sprint("notice ", i)))
		}
		other := mustEnqueue(t, db, sms("+8613900000001", "for another salesman"))
		w.Kick()
		e := waitState(t, db, other, StateSent)
		if d := e.SentAt.Sub(t0); d > time.Second {
			t.Errorf("the entry behind 29 held ones went after %v, want at once", d)
		}
		if n := len(callsTo(s.Calls(), cnPhone)); n != 1 {
			t.Errorf("%d sends to the limited number, want 1", n)
		}
	})
}
