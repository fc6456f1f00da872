package imapwatch

// One watcher per mailbox at a time.
//
// Every node of a shared database may run a watcher on the same mailbox;
// only the holder of the mailbox's lease (state space "mail/lease", one key
// per account and folder) talks to the server. A watcher takes the lease
// before it connects, renews it before every round and with every UID it
// records, and gives it up when it stops. Another watcher waits until the
// lease expired (its holder crashed, or lost the database) and takes it
// over. The lease carries a fencing token that grows at each change of
// holder: a watcher records a handled UID only in a transaction that finds
// the lease still its own under its token, so one that lost the lease (a
// stalled process) cannot move the folder's state behind the new holder.
// The handler must stay idempotent (by Message-ID), as it already is: a
// message handled just before a takeover may be offered again.
//
// On an unshared engine (bbolt: one process holds the file) a lease left
// by an earlier opening of the file is void when Run starts: that process is
// gone, and mail should not wait for its lease to run out.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// leaseSpace holds one lease per watched account and folder.
const leaseSpace = "mail/lease"

// lease is the record of who watches a mailbox.
type lease struct {
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
	Token  uint64    `json:"token"` // grows at each change of holder
}

// errLeaseLost ends a session whose lease another watcher took over.
var errLeaseLost = errors.New("imapwatch: another node took the mailbox over")

func (s *store) readLease(tx crm.ETx) lease {
	var l lease
	if v := tx.State(leaseSpace).Get(s.key); v != nil {
		_ = json.Unmarshal(v, &l)
	}
	return l
}

func (s *store) putLease(tx crm.ETx, l lease) error {
	v, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return tx.State(leaseSpace).Put(s.key, v)
}

// acquire takes the lease for node until now+ttl, or renews it when node
// holds it already. ok is false when another holds it: cur says who and
// until when. atStart on an unshared engine voids a lease of another
// opening of the file.
func (s *store) acquire(node string, now time.Time, ttl time.Duration, atStart bool) (cur lease, ok bool, err error) {
	err = s.db.Update(context.Background(), func(tx crm.ETx) error {
		cur, ok = s.readLease(tx), false
		gone := atStart && !s.db.Shared() && !strings.HasPrefix(cur.Holder, crm.Opening(s.db)+"#")
		if cur.Holder != node && cur.Holder != "" && cur.Until.After(now) && !gone {
			return nil
		}
		if cur.Holder != node {
			cur.Holder, cur.Token = node, cur.Token+1
		}
		cur.Until, ok = now.Add(ttl), true
		return s.putLease(tx, cur)
	})
	if err != nil {
		return lease{}, false, fmt.Errorf("imapwatch: lease: %w", err)
	}
	return cur, ok, nil
}

// holds reports whether l is node's lease under token (expired or not:
// nobody took it over).
func holds(l lease, node string, token uint64) bool { return l.Holder == node && l.Token == token }

// renew extends node's lease; ok is false when another took it over.
func (s *store) renew(node string, token uint64, now time.Time, ttl time.Duration) (ok bool, err error) {
	err = s.db.Update(context.Background(), func(tx crm.ETx) error {
		l := s.readLease(tx)
		if ok = holds(l, node, token); !ok {
			return nil
		}
		l.Until = now.Add(ttl)
		return s.putLease(tx, l)
	})
	if err != nil {
		return false, fmt.Errorf("imapwatch: renew lease: %w", err)
	}
	return ok, nil
}

// release gives the lease up, if node still holds it; the token stays, so
// the next holder's is higher.
func (s *store) release(node string, token uint64) error {
	return s.db.Update(context.Background(), func(tx crm.ETx) error {
		l := s.readLease(tx)
		if !holds(l, node, token) {
			return nil
		}
		l.Holder, l.Until = "", time.Time{}
		return s.putLease(tx, l)
	})
}

// takeLease waits until this watcher holds the mailbox's lease. It returns
// false when ctx ended first, and an error when the database fails.
func (w *Watcher) takeLease(ctx context.Context, atStart bool) (bool, error) {
	for {
		cur, ok, err := w.store.acquire(w.node, w.cfg.Now(), w.cfg.Lease, atStart)
		if err != nil {
			return false, err
		}
		if ok {
			if w.token.Swap(cur.Token) != cur.Token {
				w.logState("lease taken", nil, "node", w.node, "token", cur.Token)
			}
			return true, nil
		}
		w.token.Store(0)
		w.logState("mailbox watched by another node; waiting", nil, "holder", cur.Holder,
			"until", cur.Until.Format(time.RFC3339))
		d := min(max(cur.Until.Sub(w.cfg.Now()), w.cfg.MinBackoff), w.cfg.Poll)
		if !sleep(ctx, d) {
			return false, nil
		}
	}
}

// renewLease extends the lease before a round; a lost lease ends the
// session.
func (w *Watcher) renewLease() error {
	ok, err := w.store.renew(w.node, w.token.Load(), w.cfg.Now(), w.cfg.Lease)
	if err != nil {
		return &fatalError{err}
	}
	if !ok {
		w.token.Store(0)
		return errLeaseLost
	}
	return nil
}

// releaseLease gives the lease up when Run stops.
func (w *Watcher) releaseLease() {
	tok := w.token.Swap(0)
	if tok == 0 || w.crashed.Load() {
		return
	}
	if err := w.store.release(w.node, tok); err != nil {
		w.log.Warn("imap lease not released; another node takes over when it expires", slog.Any("error", err))
	}
}
