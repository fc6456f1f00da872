package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotBolt is the failure of what only the bbolt file has (Check, Backup,
// the file's own checks) on another engine.
var ErrNotBolt = errors.New("is for the bbolt file")

// notBolt says that what is for the bbolt file, and what to use instead.
func notBolt(what, instead string) error {
	return fmt.Errorf("crm: %s %w; on PostgreSQL use %s", what, ErrNotBolt, instead)
}

var errStoreClosed = errors.New("crm: store closed")

// newStore is a Store on e with o's clock, policy and time zone (their
// defaults when unset), without a writer.
func newStore(e Engine, o Options) *Store {
	s := &Store{eng: e, now: o.Now, policy: o.Policy, loc: o.Location, closing: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	if s.policy == nil {
		s.policy = DefaultPolicy()
	}
	if s.loc == nil {
		s.loc, _ = time.LoadLocation("Asia/Shanghai")
		if s.loc == nil {
			s.loc = time.UTC
		}
	}
	return s
}

// OpenEngine returns a Store on e (PostgreSQL, or any Engine) without the
// single writer: each Update is one transaction of e, run as it comes, and
// e may run it more than once (a serialization failure is retried), each
// time on a fresh Tx. Close closes e. Of Options only Now, Policy and
// Location apply: the file's options are the bbolt Open's. The database must
// hold the current schema (the engine applies its migrations).
//
// crm's rules read, then write what they read in the same transaction (a
// unique key checked before it is taken, an id counter, a record changed
// from its stored value, an activity closed once): they rely on the engine's
// isolation being serializable. bbolt's single writer is; PostgreSQL's
// Update runs SERIALIZABLE and retries what conflicts.
func OpenEngine(e Engine, o Options) (*Store, error) {
	if e == nil {
		return nil, errors.New("crm: no engine")
	}
	s := newStore(e, o)
	if be, ok := e.(*boltEngine); ok {
		s.db = be.db // a bbolt file still has its check and backup
	}
	return s, nil
}

// updateDirect is Update on an engine without the single writer.
func (s *Store) updateDirect(ctx context.Context, meta Meta, fn func(*Tx) error) (*ChangeSet, error) {
	s.directMu.RLock()
	if s.closed {
		s.directMu.RUnlock()
		return nil, errStoreClosed
	}
	s.wg.Add(1)
	s.directMu.RUnlock()
	defer s.wg.Done()

	s.stats.requests.Add(1)
	var (
		tx       *Tx
		fnErr    error
		attempts int
		run      time.Duration
	)
	t0 := time.Now()
	err := s.eng.Update(ctx, func(etx ETx) error {
		attempts++
		t := time.Now()
		defer func() { run += time.Since(t) }()
		// a fresh Tx each time: nothing of an attempt rolled back survives
		tx = &Tx{s: s, etx: etx, meta: meta, now: s.now(), writable: true}
		fnErr = safeRun(tx, fn)
		if fnErr == nil {
			fnErr = tx.finish()
		}
		return fnErr
	})
	s.stats.runNs.Add(int64(run))
	s.stats.commitNs.Add(int64(max(0, time.Since(t0)-run)))
	if attempts > 1 {
		s.stats.reruns.Add(int64(attempts - 1))
	}
	switch {
	case err != nil && fnErr != nil:
		return nil, fnErr // refused by the rules (or fn): nothing written
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		s.noteCommit(err)
		return nil, fmt.Errorf("commit: %w", err)
	}
	s.noteCommit(nil)
	s.stats.commits.Add(1)
	s.lex.publishLex(tx.lexNotes)
	if tx.cs == nil || tx.cs.ID == 0 {
		return nil, nil // events without changes are not a change set
	}
	return tx.cs, nil
}
