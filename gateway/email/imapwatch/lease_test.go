package imapwatch_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/email/emailtest"
)

type leaseRec struct {
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
	Token  uint64    `json:"token"`
}

// lease reads the mailbox's lease as stored.
func (e *env) lease() leaseRec {
	e.t.Helper()
	var l leaseRec
	err := e.db.View(context.Background(), func(tx crm.ETx) error {
		if v := tx.State("mail/lease").Get([]byte(user + "/INBOX")); v != nil {
			return json.Unmarshal(v, &l)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// Two watchers (two nodes) on one mailbox and one database: only the
// lease's holder logs in and fetches; when it dies without giving the lease
// up, the other takes over once the lease expired, not before; every
// message is handled once.
func TestTwoWatchersOneMailbox(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	cfg := e.config()
	cfg.Poll = 100 * time.Millisecond
	cfg.Lease = 800 * time.Millisecond
	recA, recB := newRecorder(), newRecorder()
	a := e.start(cfg, recA.handle)
	waitFor(t, 5*time.Second, "A connected", func() bool { return a.w.Status().Connected })
	b := e.start(cfg, recB.handle)
	first := e.lease()
	if first.Holder != a.w.Node() || first.Token != 1 {
		t.Fatalf("lease %+v, want A's (%s) with token 1", first, a.w.Node())
	}

	e.append("INBOX", "a1@test", "a2@test", "a3@test")
	waitFor(t, 5*time.Second, "A handled the mail", func() bool { return recA.handled("a1@test", "a2@test", "a3@test") })
	time.Sleep(3 * cfg.Poll) // B has had its chances to look
	if n := e.srv.LoginAttempts(); n != 1 || b.w.Status().Connected {
		t.Fatalf("%d logins, B connected %v: B talked to the server while A held the lease", n, b.w.Status().Connected)
	}

	// A dies: it stops renewing and does not give the lease up.
	a.w.Crash()
	a.stop(t)
	held := e.lease()
	if held.Holder != a.w.Node() {
		t.Fatalf("after A's crash the lease is %+v", held)
	}
	var mu sync.Mutex
	var tookAt time.Time
	recB.after = func(string) {
		mu.Lock()
		if tookAt.IsZero() {
			tookAt = time.Now()
		}
		mu.Unlock()
	}
	e.append("INBOX", "b1@test", "b2@test")
	e.waitDone(recB, "b1@test", "b2@test")
	mu.Lock()
	if tookAt.Before(held.Until) {
		t.Errorf("B handled mail at %v, before A's lease ran out at %v", tookAt.Format("15:04:05.000"), held.Until.Format("15:04:05.000"))
	}
	mu.Unlock()
	if l := e.lease(); l.Holder != b.w.Node() || l.Token != 2 {
		t.Errorf("lease after the takeover %+v, want B's (%s) with token 2", l, b.w.Node())
	}
	for _, id := range []string{"a1@test", "a2@test", "a3@test", "b1@test", "b2@test"} {
		ca, da := recA.counts(id)
		cb, db := recB.counts(id)
		if da+db != 1 || ca+cb != 1 {
			t.Errorf("%s: A called %d (done %d), B called %d (done %d), want once in all", id, ca, da, cb, db)
		}
	}

	// B stops cleanly: the lease is given up, its token kept.
	b.stop(t)
	if l := e.lease(); l.Holder != "" || !l.Until.IsZero() || l.Token != 2 {
		t.Errorf("lease after B stopped %+v", l)
	}
}

// A watcher whose lease another node took over (it stalled past the
// expiry) stops at its next round: it fetches nothing more.
func TestLeaseLostStopsFetching(t *testing.T) {
	e := newEnv(t, emailtest.IMAPOptions{})
	cfg := e.config()
	cfg.Poll = 100 * time.Millisecond
	cfg.Lease = 800 * time.Millisecond
	rec := newRecorder()
	a := e.start(cfg, rec.handle)
	waitFor(t, 5*time.Second, "A connected", func() bool { return a.w.Status().Connected })
	// another node takes the lease over, as after A stalled past its expiry
	err := e.db.Update(context.Background(), func(tx crm.ETx) error {
		v, _ := json.Marshal(leaseRec{Holder: "other", Until: time.Now().Add(time.Hour), Token: 2})
		return tx.State("mail/lease").Put([]byte(user+"/INBOX"), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.append("INBOX", "x@test")
	time.Sleep(5 * cfg.Poll)
	if calls, _ := rec.counts("x@test"); calls != 0 {
		t.Errorf("A offered x@test %d times after losing the lease", calls)
	}
	if l := e.lease(); l.Holder != "other" || l.Token != 2 {
		t.Errorf("lease %+v", l)
	}
	if a.w.Status().Connected {
		t.Error("A still connected after losing the lease")
	}
}
