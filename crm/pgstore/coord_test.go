package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// nodes opens n pools on dsn (n "nodes").
func nodes(t *testing.T, dsn string, n int, size int32) []*pgxpool.Pool {
	out := make([]*pgxpool.Pool, n)
	for i := range out {
		out[i] = newPool(t, dsn, size)
	}
	return out
}

// race runs fn on every node's workers at once and waits.
func race(ps []*pgxpool.Pool, workers int, fn func(node int, p *pgxpool.Pool)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, p := range ps {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				fn(i, p)
			}()
		}
	}
	close(start)
	wg.Wait()
}

// The morning summary's cron fires on three nodes (four times each, as if
// ticks overlapped): one run. A run whose node died is taken over after the
// stale time; a finished one is not.
func TestJobSlotOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps := nodes(t, newDB(t), 3, 4)
	slot := time.Date(2026, 12, 7, 7, 30, 0, 0, time.FixedZone("CST", 8*3600))
	var won atomic.Int32
	var winner atomic.Value
	race(ps, 4, func(i int, p *pgxpool.Pool) {
		ok, err := pgstore.StartJobRun(ctx, p, "summary", slot, fmt.Sprint("node", i), slot, 10*time.Minute)
		if err != nil {
			t.Error(err)
		}
		if ok {
			won.Add(1)
			winner.Store(fmt.Sprint("node", i))
		}
	})
	if won.Load() != 1 {
		t.Fatalf("%d runs of summary at 07:30, want 1", won.Load())
	}
	w := winner.Load().(string)
	// the winner dies; five minutes on, nobody takes over yet
	if ok, _ := pgstore.StartJobRun(ctx, ps[0], "summary", slot, "late", slot.Add(5*time.Minute), 10*time.Minute); ok {
		t.Errorf("a live run (5 min) was taken over")
	}
	// eleven minutes on, the next caller does
	if ok, _ := pgstore.StartJobRun(ctx, ps[1], "summary", slot, "rescuer", slot.Add(11*time.Minute), 10*time.Minute); !ok {
		t.Errorf("a run dead for 11 min was not taken over")
	}
	if err := pgstore.FinishJobRun(ctx, ps[0], "summary", slot, w, slot.Add(12*time.Minute), nil, ""); !errors.Is(err, pgstore.ErrLeaseLost) {
		t.Errorf("the dead winner's finish = %v, want ErrLeaseLost", err)
	}
	if err := pgstore.FinishJobRun(ctx, ps[1], "summary", slot, "rescuer", slot.Add(12*time.Minute), []byte(`{"sms":32}`), ""); err != nil {
		t.Fatal(err)
	}
	if ok, _ := pgstore.StartJobRun(ctx, ps[2], "summary", slot, "node2", slot.Add(time.Hour), 10*time.Minute); ok {
		t.Errorf("a finished run was run again")
	}
	// the next day's slot is a new run
	if ok, _ := pgstore.StartJobRun(ctx, ps[2], "summary", slot.Add(24*time.Hour), "node2", slot.Add(24*time.Hour), 10*time.Minute); !ok {
		t.Errorf("the next day's summary did not run")
	}
	last, err := pgstore.LastJobRuns(ctx, ps[0])
	if err != nil {
		t.Fatal(err)
	}
	if r := last["summary"]; !r.Slot.Equal(slot.Add(24*time.Hour)) || r.Ended || r.Node != "node2" {
		t.Errorf("last summary run %+v", r)
	}
}

// The IMAP watcher's lease: one holder at a time across nodes; the holder
// renews; after it expires another node takes it with a new token, and the
// old holder can no longer renew.
func TestLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps := nodes(t, newDB(t), 3, 4)
	const name = "imap:crm@dealer.cn/INBOX"
	var holders sync.Map
	var n atomic.Int32
	race(ps, 4, func(i int, p *pgxpool.Pool) {
		me := fmt.Sprint("node", i, "-", time.Now().UnixNano())
		if _, ok, err := pgstore.AcquireLease(ctx, p, name, me, t0, 30*time.Second); err != nil {
			t.Error(err)
		} else if ok {
			n.Add(1)
			holders.Store(me, true)
		}
	})
	if n.Load() != 1 {
		t.Fatalf("%d nodes hold the lease, want 1", n.Load())
	}
	var a string
	holders.Range(func(k, _ any) bool { a = k.(string); return false })

	l, ok, err := pgstore.AcquireLease(ctx, ps[0], name, "B", t0.Add(10*time.Second), 30*time.Second)
	if err != nil || ok || l.Holder != a {
		t.Errorf("B while A holds it: ok=%v holder=%q %v", ok, l.Holder, err)
	}
	l, ok, _ = pgstore.AcquireLease(ctx, ps[1], name, a, t0.Add(20*time.Second), 30*time.Second)
	if !ok || l.Token != 1 || !l.Until.Equal(t0.Add(50*time.Second)) {
		t.Errorf("A's renewal: ok=%v %+v", ok, l)
	}
	// A stops renewing; at 51 s B takes it
	l, ok, _ = pgstore.AcquireLease(ctx, ps[2], name, "B", t0.Add(51*time.Second), 30*time.Second)
	if !ok || l.Holder != "B" || l.Token != 2 {
		t.Errorf("B after A's lease expired: ok=%v %+v", ok, l)
	}
	if _, ok, _ := pgstore.AcquireLease(ctx, ps[0], name, a, t0.Add(52*time.Second), 30*time.Second); ok {
		t.Errorf("A renewed a lease B holds")
	}
	// B shuts down cleanly: A may take it at once
	if err := pgstore.ReleaseLease(ctx, ps[2], name, "B"); err != nil {
		t.Fatal(err)
	}
	if l, ok, _ := pgstore.AcquireLease(ctx, ps[0], name, a, t0.Add(53*time.Second), 30*time.Second); !ok || l.Token != 3 {
		t.Errorf("A after B released: ok=%v %+v", ok, l)
	}
}

// A sender number limited to one SMS per slot: nodes that want it at the
// same moment get it once; the others learn when it frees.
func TestReserveSender(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps := nodes(t, newDB(t), 3, 4)
	var ok atomic.Int32
	race(ps, 4, func(_ int, p *pgxpool.Pool) {
		err := pgstore.RetryTx(ctx, p, func(tx pgx.Tx) error {
			got, next, err := pgstore.ReserveSender(ctx, tx, "+8610690000", t0, time.Second)
			if err == nil && got {
				ok.Add(1)
			}
			if err == nil && !got && !next.Equal(t0.Add(time.Second)) {
				t.Errorf("refused, free at %v; want %v", next, t0.Add(time.Second))
			}
			return err
		})
		if err != nil {
			t.Error(err)
		}
	})
	if ok.Load() != 1 {
		t.Errorf("%d sends reserved in one slot, want 1", ok.Load())
	}
	if got, _, _ := pgstore.ReserveSender(ctx, ps[0], "+8610690000", t0.Add(time.Second), time.Second); !got {
		t.Errorf("the next slot was refused")
	}
	if got, _, _ := pgstore.ReserveSender(ctx, ps[0], "+8610690001", t0, time.Second); !got {
		t.Errorf("another sender number was refused")
	}
}

// The unknown-sender throttle is shared: a number that texts every node at
// once is answered once, and the hourly cap holds across nodes.
func TestAnswerUnknownShared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps := nodes(t, newDB(t), 3, 4)
	var answers atomic.Int32
	race(ps, 4, func(_ int, p *pgxpool.Pool) {
		a, _, err := pgstore.AnswerUnknown(ctx, p, "sms", "+8613700000000", t0, 24*time.Hour, 30)
		if err != nil {
			t.Error(err)
		}
		if a {
			answers.Add(1)
		}
	})
	if answers.Load() != 1 {
		t.Errorf("one unknown number answered %d times", answers.Load())
	}
	if a, _, _ := pgstore.AnswerUnknown(ctx, ps[0], "sms", "+8613700000000", t0.Add(23*time.Hour), 24*time.Hour, 30); a {
		t.Errorf("answered again within the day")
	}
	if a, _, _ := pgstore.AnswerUnknown(ctx, ps[0], "sms", "+8613700000000", t0.Add(25*time.Hour), 24*time.Hour, 30); !a {
		t.Errorf("not answered the next day")
	}
	// a flood of 100 numbers in one hour over three nodes: 5 answers at a cap of 5
	answers.Store(0)
	var capped atomic.Int32
	var next atomic.Int32
	race(ps, 4, func(_ int, p *pgxpool.Pool) {
		for {
			i := next.Add(1)
			if i > 100 {
				return
			}
			a, c, err := pgstore.AnswerUnknown(ctx, p, "sms", fmt.Sprintf("+86137%08d", i), t0.Add(2*time.Hour), 24*time.Hour, 5)
			if err != nil {
				t.Error(err)
			}
			if a {
				answers.Add(1)
			}
			if c {
				capped.Add(1)
			}
		}
	})
	if answers.Load() != 5 || capped.Load() != 95 {
		t.Errorf("flood: %d answered, %d capped; want 5 and 95", answers.Load(), capped.Load())
	}
	var marked int
	ps[0].QueryRow(ctx, "SELECT count(*) FROM unknown_senders WHERE answered_at = $1", t0.Add(2*time.Hour)).Scan(&marked)
	if marked != 5 {
		t.Errorf("%d flood senders marked answered, want the 5 answered (a capped one is not told, so not marked)", marked)
	}
}

// A serialization failure is retried: two SERIALIZABLE transactions that
// each read what the other writes (write skew: "at most one on-call per
// branch") cannot both commit; RetryTx runs the loser again, which then sees
// the winner's row and decides otherwise. Without the retry, the loser's
// error is 40001.
func TestRetryTxSerializationFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	a, b := newPool(t, dsn, 1), newPool(t, dsn, 1)
	if _, err := a.Exec(ctx, "CREATE TABLE oncall (branch text, who text)"); err != nil {
		t.Fatal(err)
	}
	ser := pgx.TxOptions{IsoLevel: pgx.Serializable}
	// both have read before either writes: the first attempt of each meets here
	var read sync.WaitGroup
	read.Add(2)
	var calls [2]atomic.Int32
	var took [2]bool
	body := func(i int, who string) func(pgx.Tx) error {
		return func(tx pgx.Tx) error {
			n := calls[i].Add(1)
			var c int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM oncall WHERE branch = 'Shenyang'").Scan(&c); err != nil {
				return err
			}
			if n == 1 {
				read.Done()
				read.Wait()
			}
			took[i] = c == 0
			if c > 0 {
				return nil // someone is on call already
			}
			_, err := tx.Exec(ctx, "INSERT INTO oncall VALUES ('Shenyang', $1)", who)
			return err
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, p := range []*pgxpool.Pool{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = pgstore.RetryTxOptions(ctx, p, ser, body(i, fmt.Sprint("user", i)))
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("RetryTx: %v / %v", errs[0], errs[1])
	}
	if calls[0].Load()+calls[1].Load() < 3 {
		t.Errorf("ran %d+%d times: no serialization failure was provoked or none retried", calls[0].Load(), calls[1].Load())
	}
	var n int
	a.QueryRow(ctx, "SELECT count(*) FROM oncall").Scan(&n)
	if n != 1 || took[0] == took[1] {
		t.Errorf("%d on call (took %v); want exactly one", n, took)
	}

	// the same without RetryTx: one of the two fails with 40001
	a.Exec(ctx, "TRUNCATE oncall")
	read.Add(2)
	calls[0].Store(0)
	calls[1].Store(0)
	for i, p := range []*pgxpool.Pool{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := p.BeginTx(ctx, ser)
			if err != nil {
				errs[i] = err
				return
			}
			defer tx.Rollback(ctx)
			if errs[i] = body(i, "x")(tx); errs[i] == nil {
				errs[i] = tx.Commit(ctx)
			}
		}()
	}
	wg.Wait()
	if pgstore.Retryable(errs[0]) == pgstore.Retryable(errs[1]) {
		t.Errorf("without a retry: %v / %v; want exactly one serialization failure", errs[0], errs[1])
	}
}
