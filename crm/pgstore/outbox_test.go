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

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

func enqueue(t testing.TB, q pgstore.Querier, key string, now time.Time) int64 {
	t.Helper()
	id, _, err := pgstore.Enqueue(context.Background(), q, &pgstore.OutboxEntry{Channel: "sms", Recipient: "+8613901395136", Key: key,
		Data: []byte(`{"body":"Visit #17 logged."}`)}, now, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// An idempotency key writes one entry however often it is enqueued.
func TestOutboxEnqueueKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPool(t, newDB(t), 2)
	id := enqueue(t, p, "reply|SM1", t0)
	id2, dup, err := pgstore.Enqueue(ctx, p, &pgstore.OutboxEntry{Channel: "sms", Recipient: "+8613901395136", Key: "reply|SM1", Data: []byte(`{}`)}, t0, time.Time{})
	if err != nil || !dup || id2 != id {
		t.Errorf("second enqueue of reply|SM1 = %d dup=%v %v; want %d dup", id2, dup, err, id)
	}
	// no key: every enqueue is an entry
	a, b := enqueue(t, p, "", t0), enqueue(t, p, "", t0)
	if a == b {
		t.Errorf("two keyless entries share id %d", a)
	}
	// not due yet: not claimed
	later, _, _ := pgstore.Enqueue(ctx, p, &pgstore.OutboxEntry{Channel: "sms", Recipient: "+8613901395136", Data: []byte(`{}`)}, t0, t0.Add(time.Hour))
	got, err := pgstore.ClaimOutbox(ctx, p, "n1", []string{"sms"}, t0, time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("claimed %d entries at t0, want the 3 due", len(got))
	}
	for _, e := range got {
		if e.ID == later {
			t.Errorf("entry %d due in an hour was claimed now", later)
		}
		if e.State != pgstore.OutboxSending || e.LeasedBy != "n1" || !e.LeasedUntil.Equal(t0.Add(time.Minute)) || e.Attempts != 1 {
			t.Errorf("claimed entry %+v", e)
		}
	}
}

// Three nodes with four senders each drain 600 entries at once: every entry
// is handed out exactly once and ends sent.
func TestOutboxNeverClaimedTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	p := newPool(t, dsn, 2)
	const n = 600
	b := &pgx.Batch{}
	for i := range n {
		pgstore.QueueEnqueue(b, &pgstore.OutboxEntry{Channel: []string{"sms", "email"}[i%2], Recipient: fmt.Sprintf("+86139%08d", i),
			Key: fmt.Sprintf("job|%d", i), Data: []byte(`{}`)}, t0, time.Time{})
	}
	if err := p.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for node := range 3 {
		np := newPool(t, dsn, 4)
		name := fmt.Sprintf("node%d", node)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := pgstore.ClaimOutbox(ctx, np, name, []string{"sms", "email"}, t0, time.Minute, 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					for _, e := range got {
						mu.Lock()
						if by, ok := seen[e.ID]; ok {
							t.Errorf("entry %d claimed by %s and again by %s", e.ID, by, name)
						}
						seen[e.ID] = name
						mu.Unlock()
						if _, err := pgstore.MarkSent(ctx, np, e.ID, name, []string{fmt.Sprintf("SM%d", e.ID)}, t0); err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d entries claimed, want %d", len(seen), n)
	}
	var sent, byProvider int
	p.QueryRow(ctx, "SELECT count(*) FROM outbox_entries WHERE state = 'sent' AND leased_by IS NULL").Scan(&sent)
	p.QueryRow(ctx, "SELECT count(*) FROM outbox_provider").Scan(&byProvider)
	if sent != n || byProvider != n {
		t.Errorf("%d sent, %d provider ids; want %d each", sent, byProvider, n)
	}
	nodes := map[string]bool{}
	for _, by := range seen {
		nodes[by] = true
	}
	if len(nodes) < 2 {
		t.Logf("only %v drained the outbox (the nodes raced little)", nodes)
	}
}

// In-doubt recovery takes only the entries whose lease expired: a live send
// on another node is left alone; a node that comes back after its lease
// expired cannot record its outcome over the recovery.
func TestOutboxRecoverOnlyExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	a, b := newPool(t, dsn, 2), newPool(t, dsn, 2)
	id := enqueue(t, a, "reply|SM9", t0)
	got, err := pgstore.ClaimOutbox(ctx, a, "A", []string{"sms"}, t0, time.Minute, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim: %v %v", got, err)
	}
	// node B starts 30 s later: A's send is live
	if rq, dead, err := pgstore.RecoverExpired(ctx, b, t0.Add(30*time.Second), 5); err != nil || rq+dead != 0 {
		t.Errorf("recovery during A's lease touched %d+%d entries (%v)", rq, dead, err)
	}
	if again, _ := pgstore.ClaimOutbox(ctx, b, "B", []string{"sms"}, t0.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
		t.Errorf("B claimed A's live entry: %+v", again[0])
	}
	// A died; B starts after the lease
	after := t0.Add(2 * time.Minute)
	if rq, dead, err := pgstore.RecoverExpired(ctx, b, after, 5); err != nil || rq != 1 || dead != 0 {
		t.Errorf("recovery after the lease: requeued %d dead %d (%v), want 1 requeued", rq, dead, err)
	}
	e, _ := pgstore.GetOutbox(ctx, b, id)
	if e.State != pgstore.OutboxQueued || e.LeasedBy != "" || !e.LeasedUntil.IsZero() || e.Attempts != 1 {
		t.Errorf("recovered entry %+v", e)
	}
	again, err := pgstore.ClaimOutbox(ctx, b, "B", []string{"sms"}, after, time.Minute, 10)
	if err != nil || len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("B's claim after recovery: %+v %v", again, err)
	}
	// A comes back: its outcome is refused, B's counts
	if _, err := pgstore.MarkSent(ctx, a, id, "A", []string{"SMa"}, after); !errors.Is(err, pgstore.ErrLeaseLost) {
		t.Errorf("A's MarkSent after losing the lease = %v, want ErrLeaseLost", err)
	}
	if _, err := pgstore.MarkSent(ctx, b, id, "B", []string{"SMb"}, after); err != nil {
		t.Error(err)
	}
	if e, _ := pgstore.GetOutbox(ctx, a, id); e.State != pgstore.OutboxSent || e.ProviderID != "SMb" {
		t.Errorf("entry after B's send: %+v", e)
	}

	// the last attempt interrupted: dead, not sent a sixth time
	id2 := enqueue(t, a, "job|x", t0)
	for i := range 5 {
		now := t0.Add(time.Duration(i) * 10 * time.Minute)
		if _, _, err := pgstore.RecoverExpired(ctx, a, now, 5); err != nil {
			t.Fatal(err)
		}
		if got, err := pgstore.ClaimOutbox(ctx, a, "A", []string{"sms"}, now, time.Minute, 10); err != nil || len(got) != 1 || got[0].ID != id2 {
			t.Fatalf("attempt %d: %+v %v", i+1, got, err)
		}
	}
	if rq, dead, _ := pgstore.RecoverExpired(ctx, a, t0.Add(time.Hour), 5); rq != 0 || dead != 1 {
		t.Errorf("after 5 interrupted attempts: requeued %d dead %d, want dead", rq, dead)
	}
	// a retry puts it back with its time
	id3 := enqueue(t, a, "job|y", t0)
	pgstore.ClaimOutbox(ctx, a, "A", []string{"sms"}, t0, time.Minute, 10)
	if err := pgstore.MarkRetry(ctx, a, id3, "A", t0.Add(5*time.Minute), t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := pgstore.ClaimOutbox(ctx, a, "A", []string{"sms"}, t0.Add(time.Minute), time.Minute, 10); len(got) != 0 {
		t.Errorf("a retry due in 5 minutes was claimed after 1")
	}
	if got, _ := pgstore.ClaimOutbox(ctx, a, "A", []string{"sms"}, t0.Add(5*time.Minute), time.Minute, 10); len(got) != 1 {
		t.Errorf("a retry due now was not claimed")
	}
}

// A delivery report may reach one node while another is still recording the
// send: whichever commits second sees the other's write, so every report is
// either applied to its entry at once or handed to the send's MarkSent —
// exactly one of the two, for 120 sends raced against their reports.
func TestOutboxReportBeforeSend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	a, b := newPool(t, dsn, 6), newPool(t, dsn, 6)
	const n = 120
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = enqueue(t, a, fmt.Sprintf("job|%d", i), t0)
	}
	if got, err := pgstore.ClaimOutbox(ctx, a, "A", []string{"sms"}, t0, time.Minute, n); err != nil || len(got) != n {
		t.Fatalf("claim %d: %v", len(got), err)
	}
	var appliedAtOnce, handedToSend [n]atomic.Int32
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for i, id := range ids {
		pids := []string{fmt.Sprintf("biz%d-1", i), fmt.Sprintf("biz%d-2", i)} // a message sent as two SMS
		wg.Add(2)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			early, err := pgstore.MarkSent(ctx, a, id, "A", pids, t0)
			if err != nil {
				t.Error(err)
			}
			for _, r := range early {
				if r.ProviderID == pids[1] && r.Status == "DELIVRD" {
					handedToSend[i].Add(1)
				}
			}
		}()
		go func() {
			defer wg.Done()
			err := pgstore.RetryTx(ctx, b, func(tx pgx.Tx) error {
				e, err := pgstore.ProviderReport(ctx, tx, pgstore.Report{ProviderID: pids[1], Status: "DELIVRD", At: t0})
				if err == nil && e != 0 {
					if e != id {
						t.Errorf("report of %s applied to entry %d, want %d", pids[1], e, id)
					}
					appliedAtOnce[i].Add(1)
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	both, lost, atOnce := 0, 0, 0
	for i := range n {
		atOnce += int(appliedAtOnce[i].Load())
		switch appliedAtOnce[i].Load() + handedToSend[i].Load() {
		case 0:
			lost++
		case 2:
			both++
		}
	}
	if lost+both > 0 {
		t.Errorf("of %d reports %d were lost and %d applied twice", n, lost, both)
	}
	t.Logf("%d reports applied at once, %d handed to their send", atOnce, n-atOnce-lost)
}
