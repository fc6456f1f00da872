package outbox

// Several nodes, one outbox.
//
// Every node of a shared database runs a Worker on the same entries. A
// worker takes due entries in one transaction (claim.go): it marks them
// "sending" under a lease, its node's name and an expiry (Config.Lease, at
// least twice the send timeout), and decides in that same transaction the
// sender's rate slot (outbox/senders) and the recipient's frequency limits,
// so two nodes can neither take one entry nor both take the last send a
// limit allows. The transaction is the engine's: bbolt's single writer, or
// PostgreSQL's serializable isolation, retried on conflict.
//
// The worker calls the provider only while its lease has a send timeout
// left, and records the outcome only if the entry is still under the lease
// it took (same node, same expiry): an outcome that comes back after another
// node took the entry over is logged and dropped. A lease that expired
// without anyone taking the entry over still counts: the outcome is the
// truth, and recording it spares a duplicate.
//
// In-doubt recovery takes only entries whose lease expired (their node died
// between claim and outcome, or could not write the outcome), every half
// lease, on every node. On an unshared engine (bbolt: one open file, held
// locked by one process) an entry leased through another opening of the
// file is in doubt at once when Run starts: whoever held it is gone, and
// waiting out its lease would only delay the resend after a crash by up to
// a minute. Workers on one opened engine share its name, so they never take
// each other's live leases.

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// holds reports whether e is still under the lease p took.
func (w *Worker) holds(e *Entry, p *pick) bool {
	return e.State == StateSending && e.LeasedBy == w.node && e.LeaseUntil.Equal(p.until)
}

// giveBack puts an entry whose lease is too short to send under back in the
// queue, untried (a stalled process, a slow claim).
func (w *Worker) giveBack(p *pick, left time.Duration) {
	now := w.now()
	back := false
	err := w.update(context.Background(), func(tx crm.ETx) error {
		back = false
		e, err := getEntry(tx, p.id)
		if err != nil || !w.holds(e, p) {
			return err
		}
		old := *e
		e.Attempts--
		e.NextAt = now
		e.LeasedBy, e.LeaseUntil = "", time.Time{}
		e.setState(StateQueued, "not sent: the lease had too little time left", 0, now)
		if err := tx.State(bktRecipients).Delete(recipientKey(e.To, old.NextAt, e.ID)); err != nil {
			return err
		}
		back = true
		return putEntry(tx, e, &old)
	})
	if err != nil {
		w.log.Error("outbox: cannot give back an entry", slog.Int64("id", p.id), slog.Any("error", err))
		return
	}
	w.log.Warn("outbox: not sent, the lease had too little time left", slog.Int64("id", p.id),
		slog.Duration("left", left), slog.Bool("requeued", back))
}

// recoverInDoubt requeues the entries in the send window whose lease
// expired (atStart on an unshared engine: those of any other process too).
// The next look is half a lease later.
func (w *Worker) recoverInDoubt(ctx context.Context, atStart bool) error {
	now := w.now()
	w.mu.Lock()
	w.nextRecover = now.Add(w.cfg.Lease / 2)
	w.mu.Unlock()
	var n int64
	err := w.update(ctx, func(tx crm.ETx) error {
		n = 0
		prefix := []byte(StateSending + "\x00")
		var ids []int64
		err := tx.State(bktState).Scan(prefix, crm.PrefixEnd(prefix), false, func(k, _ []byte) bool {
			ids = append(ids, int64(btou(k[len(k)-8:])))
			return true
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			e, err := getEntry(tx, id)
			if err != nil {
				return err
			}
			gone := atStart && !w.eng.Shared() && !strings.HasPrefix(e.LeasedBy, crm.Opening(w.eng)+"#")
			if e.LeaseUntil.After(now) && !gone {
				continue // its node may still be sending it
			}
			old := *e
			e.NextAt = now
			e.LeasedBy, e.LeaseUntil = "", time.Time{}
			if e.Attempts >= w.cfg.MaxAttempts {
				e.LastError = "interrupted in the send window on the last attempt"
				e.setState(StateDead, "in doubt", 0, now)
			} else {
				e.setState(StateQueued, "in doubt: interrupted in the send window; sending again", 0, now)
			}
			if err := putEntry(tx, e, &old); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil && n > 0 {
		w.inDoubt.Add(n)
		w.log.Warn("outbox: entries found in the send window of a worker that is gone; sending them again (may duplicate)",
			slog.Int64("count", n), slog.String("node", w.node))
	}
	return err
}
