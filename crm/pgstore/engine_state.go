package pgstore

import (
	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/crm"
)

// bucket is a space of keys (crm.Bucket): rows of kv, the keys and values
// bbolt holds in the bucket of the same name.
type bucket struct {
	t     *tx
	space string
}

func (t *tx) State(space string) crm.Bucket { return &bucket{t: t, space: space} }

func (b *bucket) Get(key []byte) []byte {
	sk := stateKey{b.space, string(key)}
	if v, ok := b.t.state[sk]; ok {
		return v
	}
	var v []byte
	err := b.t.query("SELECT value FROM kv WHERE space = $1 AND key = $2", []any{b.space, key},
		func(r pgx.Rows) error { return r.Scan(&v) })
	if err != nil {
		return nil
	}
	b.t.state[sk] = v
	return v
}

func (b *bucket) Put(key, value []byte) error {
	if err := b.t.write(`INSERT INTO kv (space, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (space, key) DO UPDATE SET value = EXCLUDED.value`, b.space, key, nonNil(value)); err != nil {
		return err
	}
	b.t.state[stateKey{b.space, string(key)}] = nonNil(value)
	return nil
}

func (b *bucket) Delete(key []byte) error {
	if err := b.t.write("DELETE FROM kv WHERE space = $1 AND key = $2", b.space, key); err != nil {
		return err
	}
	b.t.state[stateKey{b.space, string(key)}] = nil
	return nil
}

func (b *bucket) Scan(from, to []byte, desc bool, fn func(k, v []byte) bool) error {
	if b.t.e.brk == "scanasc" {
		desc = false
	}
	lo, hi := from, to // the page's bounds: lo inclusive, hi exclusive
	loOp := ">="
	n := pageSize
	for {
		sql, args := "SELECT key, value FROM kv WHERE space = $1", []any{b.space}
		if lo != nil {
			args = append(args, lo)
			sql += " AND key " + loOp + " $2"
		}
		if hi != nil {
			args = append(args, hi)
			sql += " AND key < $" + string(rune('0'+len(args)))
		}
		if desc {
			sql += " ORDER BY key DESC"
		} else {
			sql += " ORDER BY key"
		}
		args = append(args, n)
		sql += " LIMIT $" + string(rune('0'+len(args)))
		var keys, vals [][]byte
		err := b.t.query(sql, args, func(r pgx.Rows) error {
			var k, v []byte
			err := r.Scan(&k, &v)
			keys, vals = append(keys, k), append(vals, v)
			return err
		})
		if err != nil {
			return err
		}
		for i := range keys {
			sk := stateKey{b.space, string(keys[i])}
			if _, ok := b.t.state[sk]; !ok {
				b.t.state[sk] = vals[i]
			}
		}
		for i := range keys {
			if !fn(keys[i], vals[i]) {
				return nil
			}
		}
		if !b.t.more(len(keys), n) {
			return nil
		}
		last := keys[len(keys)-1]
		if desc {
			hi = last
		} else {
			lo, loOp = last, ">"
		}
		n = nextPage(n)
	}
}

// The space's sequence is a row of kv_seq taken by a statement of its own,
// outside the transaction (as a PostgreSQL sequence is): two transactions
// that each take a number of one space do not conflict, and a rolled-back
// one leaves a gap.
// seqBlockSize is how many numbers of a space an engine takes at once: a
// space's sequence costs a round trip per block, not per number (an outbox
// entry's id, say). Numbers stay unique and increasing for each engine;
// between nodes they interleave, and the unused rest of a block is a gap
// when the engine closes, as a PostgreSQL sequence's cache is.
const seqBlockSize = 32

type seqBlock struct{ next, end int64 }

func (b *bucket) NextSequence() (uint64, error) {
	if !b.t.writable {
		return 0, b.t.fail(errReadOnly)
	}
	b.t.dirty = true
	e := b.t.e
	e.seqMu.Lock()
	defer e.seqMu.Unlock()
	blk := e.seqs[b.space]
	if blk == nil || blk.next > blk.end {
		v, err := b.t.seqStatement(`INSERT INTO kv_seq (space, last) VALUES ($1, $2)
			ON CONFLICT (space) DO UPDATE SET last = kv_seq.last + $2 RETURNING last`, b.space, int64(seqBlockSize))
		if err != nil {
			return 0, err
		}
		blk = &seqBlock{next: v - seqBlockSize + 1, end: v}
		if e.seqs == nil {
			e.seqs = map[string]*seqBlock{}
		}
		e.seqs[b.space] = blk
	}
	v := blk.next
	blk.next++
	return uint64(v), nil
}

// Sequence is the last number given: the space's counter, less what this
// engine took and has not given yet.
func (b *bucket) Sequence() uint64 {
	v, _ := b.t.seqStatement("SELECT last FROM kv_seq WHERE space = $1", b.space)
	e := b.t.e
	e.seqMu.Lock()
	defer e.seqMu.Unlock()
	if blk := e.seqs[b.space]; blk != nil && blk.end == v {
		return uint64(blk.next - 1)
	}
	return uint64(v)
}

func (b *bucket) SetSequence(v uint64) error {
	if !b.t.writable {
		return b.t.fail(errReadOnly)
	}
	if b.t.e.brk == "noseqset" {
		return nil
	}
	b.t.dirty = true
	_, err := b.t.seqStatement(`INSERT INTO kv_seq (space, last) VALUES ($1, $2)
		ON CONFLICT (space) DO UPDATE SET last = greatest(kv_seq.last, EXCLUDED.last) RETURNING last`, b.space, int64(v))
	e := b.t.e
	e.seqMu.Lock()
	if blk := e.seqs[b.space]; blk != nil && blk.next <= int64(v) {
		delete(e.seqs, b.space) // numbers up to v are taken: the block's are no longer above them
	}
	e.seqMu.Unlock()
	return err
}

func (b *bucket) Count() int {
	var n int64
	b.t.query("SELECT count(*) FROM kv WHERE space = $1", []any{b.space}, func(r pgx.Rows) error { return r.Scan(&n) })
	return int(n)
}
