// Package pgstore is fieldcrm's PostgreSQL storage: crm.Engine on
// PostgreSQL (OpenEngine: records as rows of the kinds' tables, typed
// columns beside the JSON; the packages' state as spaces of keys; history),
// the schema and its versioned migrations (migrations/), and the
// transaction helpers (RetryTx, RunPipelined). docs/storage.md describes
// the seam.
//
// Everything here is written to the portable subset that CockroachDB and
// YugabyteDB also run: no advisory locks, no LISTEN/NOTIFY, no triggers or
// extensions, and every transaction is safe to run again on a serialization
// failure or a deadlock (RetryTx).
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier is what a read or a write inside or outside a transaction needs
// (pgx.Tx, *pgxpool.Pool and *pgx.Conn all are).
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Beginner starts transactions (*pgxpool.Pool, *pgx.Conn).
type Beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// ErrNotFound is returned for a row that is not there.
var ErrNotFound = errors.New("pgstore: not found")

// Retryable reports whether err is a serialization failure (40001) or a
// deadlock (40P01): the transaction was rolled back and may simply be run
// again.
func Retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// IsUniqueViolation reports whether err is a unique constraint's refusal
// (23505), on constraint when it is not empty.
func IsUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && (constraint == "" || pe.ConstraintName == constraint)
}

// MaxAttempts is how many times RetryTx runs a transaction before it gives up.
const MaxAttempts = 12

// RetryTx runs fn in a transaction (the server's default isolation, READ
// COMMITTED on PostgreSQL) and commits it, running it again from the start
// while it fails with a serialization failure or a deadlock, with a growing,
// jittered pause between attempts. fn must have no effect outside tx: it may
// run more than once.
func RetryTx(ctx context.Context, db Beginner, fn func(pgx.Tx) error) error {
	return RetryTxOptions(ctx, db, pgx.TxOptions{}, fn)
}

// RetryTxOptions is RetryTx with the transaction's options (SERIALIZABLE,
// read-only …).
func RetryTxOptions(ctx context.Context, db Beginner, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	pause := 2 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := runTx(ctx, db, opts, fn)
		if err == nil || !Retryable(err) {
			return err
		}
		if attempt >= MaxAttempts {
			return fmt.Errorf("pgstore: gave up after %d attempts: %w", attempt, err)
		}
		// full jitter: concurrent losers of the same conflict spread out
		d := time.Duration(rand.Int64N(int64(pause))) + pause/2
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(d):
		}
		if pause < 500*time.Millisecond {
			pause *= 2
		}
	}
}

func runTx(ctx context.Context, db Beginner, opts pgx.TxOptions, fn func(pgx.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Open connects a pool to dsn and brings the schema up to date (Migrate).
func Open(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}
