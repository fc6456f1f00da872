package scheduler

// Slots: each scheduled run of a job happens once across the nodes sharing
// a database. Cron fires on every node; before running, a node claims the
// run's slot (the job and its scheduled time, not the node's clock) in
// sched/slots, in one transaction: a claim already there, finished or
// taken by another node less than SlotStale ago, makes it skip the run.
// The claim is marked done in the transaction that records the run.
//
// A node that claims a slot and dies before the run is done leaves the
// claim unfinished. What it queued stays queued (the outbox sends it) and
// nothing is sent twice later: every message is keyed job|user|item|period.
// The rest of that run is done by the next run that covers it: hourly jobs
// (overdue, escalate) find the same items at their next slot; a morning job
// (summary, digest) is made up by a node that starts within its window
// (Start) once the claim is older than SlotStale, which it then takes over;
// `fieldcrm jobs run NAME` does it by hand at any time.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/fieldcrm/fieldcrm/crm"
)

// slotRetention is how long the claims of a job's slots are kept: long past
// any node's clock skew or late start.
const slotRetention = 7 * 24 * time.Hour

// slotClaim is the value of a slot's key in sched/slots.
type slotClaim struct {
	Node string    `json:"node"`
	At   time.Time `json:"at"`            // when it was claimed (the claiming node's clock)
	Done time.Time `json:"done,omitzero"` // when the run was recorded; zero while it runs
}

// slotKey is job 0 slot (unix seconds, big-endian): a job's slots in time order.
func slotKey(job string, slot time.Time) []byte {
	return binary.BigEndian.AppendUint64([]byte(job+"\x00"), uint64(slot.Unix()))
}

// RunSlot runs job name for its scheduled time slot, as of now, unless
// another node claimed that slot (then it returns ran false and does
// nothing). It is what cron and the catch-up on Start call.
func (s *Scheduler) RunSlot(ctx context.Context, name string, slot, now time.Time) (ran bool, c Counts, err error) {
	if s.jobs[name] == nil {
		return false, nil, fmt.Errorf("scheduler: no job %q", name)
	}
	if !slot.IsZero() {
		won, holder, err := s.claimSlot(ctx, name, slot, now)
		if err != nil {
			s.log.Error("job not run: its slot could not be claimed", slog.String("job", name), slog.Time("slot", slot), slog.Any("error", err))
			if s.cfg.OnRun != nil {
				s.cfg.OnRun(name, 0, err)
			}
			return false, nil, err
		}
		if !won {
			s.log.Debug("job slot run by another node", slog.String("job", name), slog.Time("slot", slot),
				slog.String("node", holder.Node), slog.Bool("done", !holder.Done.IsZero()))
			return false, nil, nil
		}
	}
	c, err = s.run(ctx, name, slot, now)
	return true, c, err
}

// claimSlot takes the slot of job for this node, in one transaction: won
// when nobody holds it, or its holder's run never finished and was claimed
// more than SlotStale ago. Otherwise holder is the claim that stands.
func (s *Scheduler) claimSlot(ctx context.Context, job string, slot, now time.Time) (won bool, holder slotClaim, err error) {
	key := slotKey(job, slot)
	err = s.cfg.Store.Engine().Update(ctx, func(tx crm.ETx) error {
		won, holder = false, slotClaim{} // fn may run again
		b := tx.State(spSlots)
		if v := b.Get(key); v != nil {
			if json.Unmarshal(v, &holder) == nil && (!holder.Done.IsZero() || now.Sub(holder.At) < s.cfg.SlotStale) {
				return nil
			}
			s.log.Warn("taking over a job's slot whose run never finished", slog.String("job", job), slog.Time("slot", slot),
				slog.String("node", holder.Node), slog.Time("claimed", holder.At))
		}
		data, err := json.Marshal(slotClaim{Node: s.cfg.Node, At: now})
		if err != nil {
			return err
		}
		won = true
		return b.Put(key, data)
	})
	if err != nil {
		won = false
	}
	return won, holder, err
}

// slotDone marks the claim of job's slot done (in the transaction that
// records the run) and drops the job's claims older than slotRetention.
func (s *Scheduler) slotDone(tx crm.ETx, job string, slot, now time.Time) error {
	b := tx.State(spSlots)
	data, err := json.Marshal(slotClaim{Node: s.cfg.Node, At: now, Done: now})
	if err != nil {
		return err
	}
	if err := b.Put(slotKey(job, slot), data); err != nil {
		return err
	}
	var old [][]byte
	b.Scan(slotKey(job, time.Unix(0, 0)), slotKey(job, slot.Add(-slotRetention)), false, func(k, _ []byte) bool {
		old = append(old, append([]byte(nil), k...))
		return true
	})
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// lastFire is the latest time sch fires at or before now (zero when it
// fired not within a year): the slot of a run cron started at now, even
// when it started late.
func lastFire(sch cron.Schedule, now time.Time) time.Time {
	for d := time.Minute; d <= 366*24*time.Hour; d *= 2 {
		f := sch.Next(now.Add(-d))
		if f.IsZero() || f.After(now) {
			continue
		}
		for {
			n := sch.Next(f)
			if n.IsZero() || n.After(now) {
				return f
			}
			f = n
		}
	}
	return time.Time{}
}
