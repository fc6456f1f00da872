package scheduler

import (
	"context"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// PruneOld is the prune job: outbox entries in a final state for longer than
// OutboxRetention go, then whatever Config.Prune deletes. A service that
// runs for years keeps its file the size of its records, not of every
// message it ever handled.
func (s *Scheduler) PruneOld(ctx context.Context, now time.Time) (Counts, error) {
	c := Counts{}
	n, err := outbox.Prune(s.cfg.Store.Engine(), now.Add(-s.cfg.OutboxRetention))
	if err != nil {
		return c, err
	}
	c["outbox"] = n
	err = s.update(ctx, "scheduler: prune overdue marks", c, func(tx *crm.Tx, c Counts) error {
		c["reminded"] += pruneReminded(tx, now)
		return nil
	})
	if err != nil {
		return c, err
	}
	if s.cfg.Prune != nil {
		more, err := s.cfg.Prune(ctx, now)
		c.add(more)
		if err != nil {
			return c, err
		}
	}
	return c, nil
}
