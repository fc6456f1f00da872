package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// A pipelined transaction of two batches is two round trips; a failure in
// its last batch, or a function that does not commit, leaves nothing, and
// the connection goes back to the pool usable.
func TestPipelined(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	p, writes := newCountingPool(t, dsn, 1)
	count := func() (n int) {
		p.QueryRow(ctx, "SELECT count(*) FROM kv WHERE space = 'conv'").Scan(&n)
		return n
	}
	put := func(b *pgx.Batch, user int64) {
		b.Queue("INSERT INTO kv (space, key, value) VALUES ('conv', $1, '')", []byte{byte(user)})
	}
	// warm: pgx prepares a statement the first time it meets it
	if err := pgstore.RunPipelined(ctx, p, "", func(tx *pgstore.Pipelined) error {
		b := &pgx.Batch{}
		b.Queue("SELECT last FROM id_counters WHERE kind = 'activity'")
		if err := tx.Send(ctx, b, nil); err != nil {
			return err
		}
		b = &pgx.Batch{}
		put(b, 1)
		return tx.Commit(ctx, b, nil)
	}); err != nil {
		t.Fatal(err)
	}
	w := writes.Load()
	var last int64
	err := pgstore.RunPipelined(ctx, p, "", func(tx *pgstore.Pipelined) error {
		b := &pgx.Batch{}
		b.Queue("SELECT last FROM id_counters WHERE kind = 'activity'")
		if err := tx.Send(ctx, b, func(br pgx.BatchResults) error { return br.QueryRow().Scan(&last) }); err != nil {
			return err
		}
		b = &pgx.Batch{}
		put(b, 2)
		return tx.Commit(ctx, b, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if rt := writes.Load() - w; rt != 2 {
		t.Errorf("two batches took %d round trips, want 2", rt)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d rows after two commits", n)
	}
	// the last batch fails half-way: its first insert is not kept either
	err = pgstore.RunPipelined(ctx, p, "", func(tx *pgstore.Pipelined) error {
		b := &pgx.Batch{}
		put(b, 3)
		put(b, 1) // a duplicate key
		return tx.Commit(ctx, b, nil)
	})
	if !pgstore.IsUniqueViolation(err, "") {
		t.Errorf("a failing last batch: %v, want the unique violation", err)
	}
	// begun, then given up
	errNo := errors.New("refused")
	err = pgstore.RunPipelined(ctx, p, "", func(tx *pgstore.Pipelined) error {
		b := &pgx.Batch{}
		put(b, 4)
		if err := tx.Send(ctx, b, nil); err != nil {
			return err
		}
		return errNo
	})
	if !errors.Is(err, errNo) {
		t.Errorf("err = %v", err)
	}
	err = pgstore.RunPipelined(ctx, p, "", func(tx *pgstore.Pipelined) error {
		b := &pgx.Batch{}
		put(b, 5)
		return tx.Send(ctx, b, nil) // and no Commit
	})
	if err == nil {
		t.Errorf("a transaction without Commit reported success")
	}
	if n := count(); n != 2 {
		t.Errorf("%d rows: a rolled-back pipelined transaction left rows", n)
	}
}

// A serialization failure in a pipelined SERIALIZABLE transaction (found at
// a read or at the COMMIT in the last batch) runs it again.
func TestPipelinedRetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	if _, err := newPool(t, dsn, 1).Exec(ctx, "CREATE TABLE oncall (branch text, who text)"); err != nil {
		t.Fatal(err)
	}
	var read sync.WaitGroup
	read.Add(2)
	var calls atomic.Int32
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, p := range []*pgxpool.Pool{newPool(t, dsn, 1), newPool(t, dsn, 1)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			errs[i] = pgstore.RunPipelined(ctx, p, "SERIALIZABLE", func(tx *pgstore.Pipelined) error {
				calls.Add(1)
				var c int
				b := &pgx.Batch{}
				b.Queue("SELECT count(*) FROM oncall WHERE branch = 'Shenyang'")
				if err := tx.Send(ctx, b, func(br pgx.BatchResults) error { return br.QueryRow().Scan(&c) }); err != nil {
					return err
				}
				if first {
					first = false
					read.Done()
					read.Wait()
				}
				b = &pgx.Batch{}
				if c == 0 {
					b.Queue("INSERT INTO oncall VALUES ('Shenyang', $1)", fmt.Sprint("user", i))
				}
				return tx.Commit(ctx, b, nil)
			})
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("%v / %v", errs[0], errs[1])
	}
	if calls.Load() < 3 {
		t.Errorf("ran %d times: the conflict was not retried", calls.Load())
	}
	var n int
	newPool(t, dsn, 1).QueryRow(ctx, "SELECT count(*) FROM oncall").Scan(&n)
	if n != 1 {
		t.Errorf("%d on call, want 1", n)
	}
}
