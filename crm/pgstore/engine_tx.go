package pgstore

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldcrm/fieldcrm/crm"
)

// tx is a crm.ETx on PostgreSQL. Its statements travel in rounds: every
// write is queued and goes with the next read (or the commit), the BEGIN
// with the first round, the COMMIT with the last, so a transaction costs a
// round trip per read that is not answered from its cache, plus one. The
// cache holds every record, state key and unique key the transaction read
// or wrote (a missing one too); the queries that return ids bring the
// records' JSON along, so the Get that follows each id costs nothing.
type tx struct {
	e        *Engine
	ctx      context.Context
	writable bool
	conn     *pgxpool.Conn
	begun    bool
	over     bool
	dirty    bool
	err      error
	pend     []*pgx.QueuedQuery

	recs  map[recKey][]byte // nil: no such record
	state map[stateKey][]byte
	uniq  map[uniqKey]int64
	sets  map[int64][]byte // change sets
	cs    int64            // a change-set id taken ahead (with an id)
}

type recKey struct {
	k  crm.Kind
	id int64
}

type stateKey struct{ space, key string }

type uniqKey struct{ ix, key string }

var errReadOnly = errors.New("pgstore: write in a read-only transaction")

func (e *Engine) newTx(ctx context.Context, writable bool) *tx {
	return &tx{e: e, ctx: ctx, writable: writable, recs: map[recKey][]byte{}, state: map[stateKey][]byte{},
		uniq: map[uniqKey]int64{}, sets: map[int64][]byte{}}
}

func (t *tx) Writable() bool { return t.writable }
func (t *tx) Dirty() bool    { return t.dirty }
func (t *tx) Err() error     { return t.err }

// fail keeps the transaction's first failure and returns err.
func (t *tx) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return err
}

// write queues a write for the next round.
func (t *tx) write(sql string, args ...any) error {
	if !t.writable {
		return t.fail(errReadOnly)
	}
	if t.err != nil {
		return t.err
	}
	t.dirty = true
	t.pend = append(t.pend, &pgx.QueuedQuery{SQL: sql, Arguments: args})
	return nil
}

func (t *tx) meter(n int64) {
	if t.e.o.RoundTrips != nil {
		t.e.o.RoundTrips.Add(n)
	}
}

// round sends the queued writes and then qs in one round trip (with BEGIN
// the first time, COMMIT when commit), and hands the results of qs to read
// in order. A failure is the transaction's (Err).
func (t *tx) round(qs []*pgx.QueuedQuery, read func(pgx.BatchResults) error, commit bool) error {
	if t.err != nil {
		return t.err
	}
	if t.over {
		return t.fail(errors.New("pgstore: the transaction is over"))
	}
	if t.conn == nil {
		c, err := t.e.pool.Acquire(t.ctx)
		if err != nil {
			return t.fail(err)
		}
		t.conn = c
	}
	all := make([]*pgx.QueuedQuery, 0, len(t.pend)+len(qs)+2)
	begin := !t.begun
	if begin {
		sql := "BEGIN ISOLATION LEVEL " + t.e.o.Isolation
		if !t.writable {
			sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
		}
		if t.e.brk == "readcommitted" {
			sql = "BEGIN ISOLATION LEVEL READ COMMITTED"
		}
		all = append(all, &pgx.QueuedQuery{SQL: sql})
		t.begun = true
	}
	npend := len(t.pend)
	all = append(append(all, t.pend...), qs...)
	t.pend = nil
	if commit {
		all = append(all, &pgx.QueuedQuery{SQL: "COMMIT"})
	}
	t.meter(1)
	br := t.conn.SendBatch(t.ctx, &pgx.Batch{QueuedQueries: all})
	var err error
	if begin {
		_, err = br.Exec()
	}
	for i := 0; i < npend && err == nil; i++ {
		_, err = br.Exec()
	}
	if err == nil && read != nil {
		err = read(br)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return t.fail(err)
	}
	if commit {
		t.over = true
	}
	return nil
}

// query runs one statement in a round and calls scan for each row.
func (t *tx) query(sql string, args []any, scan func(pgx.Rows) error) error {
	q := &pgx.QueuedQuery{SQL: sql, Arguments: args}
	return t.round([]*pgx.QueuedQuery{q}, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}, false)
}

// end commits: the queued writes and COMMIT in one round trip (none when
// the transaction sent nothing).
func (t *tx) end() error {
	if t.err != nil {
		return t.err
	}
	if !t.begun && len(t.pend) == 0 {
		return nil
	}
	return t.round(nil, nil, true)
}

// release ends what is left of the transaction and gives the connection back.
func (t *tx) release() {
	if t.conn == nil {
		return
	}
	if t.begun && !t.over && t.conn.Conn().PgConn().TxStatus() != 'I' {
		ctx := context.WithoutCancel(t.ctx)
		if _, err := t.conn.Exec(ctx, "ROLLBACK"); err != nil {
			t.conn.Conn().Close(ctx) // the pool drops it
		}
	}
	t.conn.Release()
	t.conn = nil
}

// seqStatement runs a statement outside the transaction (a sequence).
func (t *tx) seqStatement(sql string, args ...any) (int64, error) {
	if t.err != nil {
		return 0, t.err
	}
	t.meter(1)
	var v int64
	err := t.e.seq.QueryRow(t.ctx, sql, args...).Scan(&v)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, t.fail(err)
	}
	return v, nil
}

// pageSize is how many rows a query's first round brings; later rounds
// bring more (most callers stop early: an agenda, a name prefix).
const pageSize = 256

func nextPage(n int) int { return min(n*4, 4096) }

// more reports whether a query that brought got rows of a page of n goes on.
func (t *tx) more(got, n int) bool { return got == n && t.e.brk != "onepage" }
