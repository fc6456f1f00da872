package pgstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// Alibaba Cloud's cap of 5 notices an hour to one number holds when three
// nodes with four senders each try to send 36 notices to Li Na's phone at
// once (three each): 5 go, 31 wait. A number the provider blocked gets none until the
// block ends.
func TestRecipientLimitAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps := nodes(t, newDB(t), 3, 4)
	const to, max = "+8613901395136", 5
	var sent, tries atomic.Int64
	send := func(p *pgxpool.Pool, now time.Time) (bool, error) {
		ok := false
		id := tries.Add(1)
		err := pgstore.RetryTx(ctx, p, func(tx pgx.Tx) error {
			ok = false
			until, err := pgstore.LockRecipient(ctx, tx, to)
			if err != nil || until.After(now) {
				return err
			}
			times, err := pgstore.RecipientSends(ctx, tx, to, now.Add(-time.Hour))
			if err != nil || len(times) >= max {
				return err
			}
			// the worker's own work between the count and the insert (the
			// claim, the entry's update) widens the window a race needs
			if _, err := tx.Exec(ctx, "SELECT pg_sleep(0.01)"); err != nil {
				return err
			}
			ok = true
			return pgstore.NoteRecipientSend(ctx, tx, to, now, id)
		})
		return ok, err
	}
	race(ps, 4, func(_ int, p *pgxpool.Pool) {
		for range 3 {
			ok, err := send(p, t0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				sent.Add(1)
			}
		}
	})
	if sent.Load() != max {
		t.Errorf("%d notices sent to one number in an hour over 3 nodes, cap %d", sent.Load(), max)
	}
	// an hour later the window has room again
	if ok, _ := send(ps[0], t0.Add(time.Hour+time.Second)); !ok {
		t.Errorf("the next hour's first notice was held")
	}
	// the provider said no until 10:00: nothing goes before
	if err := pgstore.BlockRecipient(ctx, ps[1], to, t0.Add(3*time.Hour), "isv.BUSINESS_LIMIT_CONTROL"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := send(ps[2], t0.Add(2*time.Hour)); ok {
		t.Errorf("a blocked number was sent to")
	}
	if ok, _ := send(ps[2], t0.Add(3*time.Hour)); !ok {
		t.Errorf("the number was still held when its block ended")
	}
	if err := pgstore.PruneRecipients(ctx, ps[0], t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if times, _ := pgstore.RecipientSends(ctx, ps[0], to, time.Time{}); len(times) != 0 {
		t.Errorf("after the prune %d sends are kept", len(times))
	}
}
