package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Pipelined is a transaction sent as batches on one connection: its BEGIN
// goes with the first batch and its COMMIT with the last, so a transaction
// of n batches costs n round trips (through pgx.Tx it costs n+2). It is the
// shape of a request on PostgreSQL: a few rounds of reads, then every write
// and the commit at once (docs/storage.md §6).
type Pipelined struct {
	conn      *pgxpool.Conn
	begin     string
	begun     bool
	committed bool
}

var errNotCommitted = errors.New("pgstore: a pipelined transaction ended without Commit")

// Send sends b (after BEGIN, the first time) and hands its results to read,
// which reads them in the order they were queued; read may be nil.
func (p *Pipelined) Send(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	return p.send(ctx, b, read, false)
}

// Commit sends b followed by COMMIT, and reads b's results with read (nil:
// none). The transaction is over when it returns: committed when err is nil.
func (p *Pipelined) Commit(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	if b == nil {
		b = &pgx.Batch{}
	}
	return p.send(ctx, b, read, true)
}

func (p *Pipelined) send(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error, commit bool) error {
	if p.committed {
		return errors.New("pgstore: the pipelined transaction is over")
	}
	qs := b.QueuedQueries
	if !p.begun {
		qs = append([]*pgx.QueuedQuery{{SQL: p.begin}}, qs...)
	}
	if commit {
		qs = append(qs, &pgx.QueuedQuery{SQL: "COMMIT"})
	}
	br := p.conn.SendBatch(ctx, &pgx.Batch{QueuedQueries: qs})
	var err error
	if !p.begun {
		_, err = br.Exec()
		p.begun = true
	}
	if err == nil && read != nil {
		err = read(br)
	}
	if cerr := br.Close(); err == nil {
		err = cerr // the first failure of the batch (the COMMIT's among them)
	}
	if commit {
		p.committed = err == nil
	}
	return err
}

// RunPipelined runs fn as one transaction of pipelined batches on a
// connection of pool; fn ends it with Commit. Isolation "" is the server's
// default; "SERIALIZABLE", "REPEATABLE READ" set it. Serialization failures
// and deadlocks run fn again from the start, as RetryTx does; any other
// failure, or fn returning without Commit, rolls the transaction back.
func RunPipelined(ctx context.Context, pool *pgxpool.Pool, isolation string, fn func(*Pipelined) error) error {
	begin := "BEGIN"
	switch isolation {
	case "":
	case "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED":
		begin += " ISOLATION LEVEL " + isolation
	default:
		return fmt.Errorf("pgstore: isolation %q", isolation)
	}
	pause := 2 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := runPipelined(ctx, pool, begin, fn)
		if err == nil || !Retryable(err) {
			return err
		}
		if attempt >= MaxAttempts {
			return fmt.Errorf("pgstore: gave up after %d attempts: %w", attempt, err)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(time.Duration(rand.Int64N(int64(pause))) + pause/2):
		}
		if pause < 500*time.Millisecond {
			pause *= 2
		}
	}
}

func runPipelined(ctx context.Context, pool *pgxpool.Pool, begin string, fn func(*Pipelined) error) (err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	p := &Pipelined{conn: conn, begin: begin}
	defer func() {
		if p.begun && !p.committed {
			if conn.Conn().PgConn().TxStatus() != 'I' {
				_, rerr := conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
				if rerr != nil {
					conn.Conn().Close(context.WithoutCancel(ctx)) // the pool drops it
				}
			}
		}
		conn.Release()
	}()
	if err = fn(p); err != nil {
		return err
	}
	if !p.committed {
		return errNotCommitted
	}
	return nil
}
