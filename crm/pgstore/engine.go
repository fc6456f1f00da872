package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldcrm/fieldcrm/crm"
)

// EngineOptions configure OpenEngine.
type EngineOptions struct {
	// MaxConns bounds the pool of transactions' connections (0: pgx's
	// default, the larger of 4 and the number of CPUs).
	MaxConns int32
	// IDsOutside takes records' short ids (NextID) from the kind's counter
	// row in a statement of its own, outside the transaction, instead of in
	// it. Ids stay short, unique and never reused, but a rolled-back
	// creation leaves a gap; creations of one kind then no longer conflict
	// on the counter row (under SERIALIZABLE, two transactions that both
	// take an id of one kind cannot both commit: one is run again).
	IDsOutside bool
	// RoundTrips, when set, counts every round trip the engine's
	// transactions make to the server (a test's or a benchmark's meter).
	RoundTrips *atomic.Int64
	// MaxAttempts bounds how often an Update runs (0: UpdateAttempts).
	MaxAttempts int
	// PoolConfig, when set, adjusts the configuration of the engine's
	// connection pools before they connect (a test's meter on the sockets).
	PoolConfig func(*pgxpool.Config)
	// Isolation of Updates: Serializable (the default) or RepeatableRead.
	// Under SERIALIZABLE, PostgreSQL's predicate locks are kept per index
	// page: writers that read and insert near each other's keys (message
	// claims, outbox entries, a kind's id counter) abort one another and
	// run again; REPEATABLE READ aborts only on a row two of them write,
	// but lets a rule that reads rows and writes others be broken by two
	// requests at once (write skew: the conformance suite's WriteSkew case
	// fails). See BenchmarkEngineVisitParallel.
	Isolation string
}

// Isolation levels of Updates (EngineOptions.Isolation).
const (
	Serializable   = "SERIALIZABLE"
	RepeatableRead = "REPEATABLE READ"
)

// UpdateAttempts is how many times an Update runs before it gives up, by
// default: 16 writers at once under SERIALIZABLE lose a few times in a row
// now and then.
const UpdateAttempts = 30

// Engine is crm.Engine on PostgreSQL: records as rows of the kinds' tables
// (typed columns and the JSON), the packages' state as spaces of keys (kv),
// history, all in the schema of migrations/.
type Engine struct {
	pool *pgxpool.Pool
	seq  *pgxpool.Pool // statements outside the transactions: sequences
	o    EngineOptions
	brk  string // a defect put in on purpose, for the conformance suite's own test (export_test.go)

	seqMu sync.Mutex
	seqs  map[string]*seqBlock // per space: the numbers this engine took and has not given yet
}

var _ crm.Engine = (*Engine)(nil)

// OpenEngine connects to url, brings the schema up to date (Migrate) and
// returns the engine (an *Engine).
func OpenEngine(ctx context.Context, url string, o EngineOptions) (crm.Engine, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	switch o.Isolation {
	case "":
		o.Isolation = Serializable
	case Serializable, RepeatableRead:
	default:
		return nil, fmt.Errorf("pgstore: isolation %q (SERIALIZABLE or REPEATABLE READ)", o.Isolation)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = UpdateAttempts
	}
	if o.PoolConfig != nil {
		o.PoolConfig(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	// sequences are taken on connections of their own: a transaction that
	// holds one of the pool's connections never waits for another of them
	scfg, _ := pgxpool.ParseConfig(url)
	scfg.MaxConns = 4
	if o.PoolConfig != nil {
		o.PoolConfig(scfg)
		scfg.MaxConns = 4
	}
	seq, err := pgxpool.NewWithConfig(ctx, scfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Engine{pool: pool, seq: seq, o: o}, nil
}

// Pool is the engine's connection pool (fieldcrm migrate, check, tests).
func (e *Engine) Pool() *pgxpool.Pool { return e.pool }

func (e *Engine) Name() string { return "postgres" }
func (e *Engine) Shared() bool { return true }

func (e *Engine) Close() error {
	e.pool.Close()
	e.seq.Close()
	return nil
}

// View runs fn in one REPEATABLE READ READ ONLY transaction: one snapshot.
func (e *Engine) View(ctx context.Context, fn func(crm.ETx) error) error {
	t := e.newTx(ctx, false)
	defer t.release()
	err := fn(t)
	if err == nil {
		err = t.err
	}
	if err != nil {
		if e.brk == "commitfailed" && t.begun {
			t.err = nil
			t.end()
		}
		return err
	}
	return t.end()
}

// Update runs fn in one SERIALIZABLE transaction, run again (with a fresh
// ETx) after a serialization failure, a deadlock or a unique key another
// transaction took meanwhile, a bounded number of times with a growing,
// jittered pause.
func (e *Engine) Update(ctx context.Context, fn func(crm.ETx) error) error {
	pause := 2 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := e.update(ctx, fn)
		if err == nil || !retryUpdate(err) || e.brk == "noretry" {
			return err
		}
		if attempt >= e.o.MaxAttempts {
			return fmt.Errorf("pgstore: gave up after %d attempts: %w", attempt, err)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(time.Duration(rand.Int64N(int64(pause))) + pause/2):
		}
		if pause < 200*time.Millisecond {
			pause *= 2
		}
	}
}

// retryUpdate: a conflict with another transaction, and a unique key taken
// by one (crm checked it was free: another node won the race; run again,
// crm sees the winner and answers as it would have).
func retryUpdate(err error) bool { return Retryable(err) || IsUniqueViolation(err, "") }

func (e *Engine) update(ctx context.Context, fn func(crm.ETx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := e.newTx(ctx, true)
	defer t.release()
	err := fn(t)
	if err == nil {
		err = t.err
	} else if t.err != nil && retryUpdate(t.err) {
		// fn gave up on a failed read: the transaction's failure says why
		err = errors.Join(err, t.err)
	}
	if err != nil {
		if e.brk == "commitfailed" && t.begun {
			t.err = nil
			t.end()
		}
		return err
	}
	return t.end()
}
