package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// StartJobRun claims job's run for slot (its scheduled time) for node. Every
// node's cron fires; the node whose insert wins runs the job, the others get
// won=false and skip it. A run that started before now-stale and never
// finished (its node died) is taken over by the next caller. The job's own
// writes stay idempotent (the outbox keys), so a takeover that overlaps a
// slow run sends nothing twice.
func StartJobRun(ctx context.Context, db Beginner, job string, slot time.Time, node string, now time.Time, stale time.Duration) (won bool, err error) {
	err = RetryTx(ctx, db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO job_runs (job, slot, node, started) VALUES ($1, $2, $3, $4)
			ON CONFLICT (job, slot) DO UPDATE SET node = EXCLUDED.node, started = EXCLUDED.started
			WHERE job_runs.finished IS NULL AND job_runs.started < $5`, job, slot, node, now, now.Add(-stale))
		won = err == nil && tag.RowsAffected() == 1
		return err
	})
	return won, err
}

// FinishJobRun records the end of node's run of job for slot.
func FinishJobRun(ctx context.Context, db Beginner, job string, slot time.Time, node string, now time.Time, counts []byte, runErr string) error {
	return RetryTx(ctx, db, func(tx pgx.Tx) error {
		var c any
		if counts != nil {
			c = string(counts)
		}
		tag, err := tx.Exec(ctx, `UPDATE job_runs SET finished = $4, counts = $5, error = nullif($6, '')
			WHERE job = $1 AND slot = $2 AND node = $3`, job, slot, node, now, c, runErr)
		if err == nil && tag.RowsAffected() == 0 {
			err = ErrLeaseLost
		}
		return err
	})
}

// JobRun is one row of job_runs.
type JobRun struct {
	Job, Node         string
	Slot, Started     time.Time
	Finished          time.Time
	Counts            []byte
	Error             string
	FinishedOK, Ended bool
}

// LastJobRuns returns each job's latest run.
func LastJobRuns(ctx context.Context, q Querier) (map[string]JobRun, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT ON (job) job, slot, node, started, finished, coalesce(counts::text, ''), coalesce(error, '')
		FROM job_runs ORDER BY job, slot DESC`)
	if err != nil {
		return nil, err
	}
	out := map[string]JobRun{}
	for rows.Next() {
		var r JobRun
		var fin *time.Time
		var counts string
		if err := rows.Scan(&r.Job, &r.Slot, &r.Node, &r.Started, &fin, &counts, &r.Error); err != nil {
			return nil, err
		}
		if fin != nil {
			r.Finished, r.Ended = *fin, true
			r.FinishedOK = r.Error == ""
		}
		r.Counts = []byte(counts)
		out[r.Job] = r
	}
	return out, rows.Err()
}

// Lease is a named lease's holder, expiry and fencing token (it grows at
// every change of holder).
type Lease struct {
	Name, Holder string
	Until        time.Time
	Token        int64
}

// AcquireLease takes lease name for holder until now+ttl, or renews it when
// holder has it already. It fails (ok=false, with the current holder) while
// another holder's lease runs. Taking it over from an expired holder raises
// the token: a holder that comes back after its lease expired sees another
// token and knows to stop.
func AcquireLease(ctx context.Context, db Beginner, name, holder string, now time.Time, ttl time.Duration) (l Lease, ok bool, err error) {
	err = RetryTx(ctx, db, func(tx pgx.Tx) error {
		l = Lease{Name: name}
		err := tx.QueryRow(ctx, `INSERT INTO leases (name, holder, until, token) VALUES ($1, $2, $3, 1)
			ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until,
				token = leases.token + CASE WHEN leases.holder = EXCLUDED.holder THEN 0 ELSE 1 END
			WHERE leases.holder = EXCLUDED.holder OR leases.until <= $4
			RETURNING holder, until, token`, name, holder, now.Add(ttl), now).Scan(&l.Holder, &l.Until, &l.Token)
		if err == nil {
			ok = true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		ok = false
		return tx.QueryRow(ctx, "SELECT holder, until, token FROM leases WHERE name = $1", name).Scan(&l.Holder, &l.Until, &l.Token)
	})
	return l, ok, err
}

// ReleaseLease gives up holder's lease at once (a clean shutdown), so that
// another node need not wait for it to expire.
func ReleaseLease(ctx context.Context, db Beginner, name, holder string) error {
	return RetryTx(ctx, db, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE leases SET until = '-infinity' WHERE name = $1 AND holder = $2", name, holder)
		return err
	})
}

// ReserveSender takes sender's next send slot at now when it is free: a
// sender number limited to a rate (one SMS per slot) is shared by every node.
// When it is not free, ok=false and next says when it is.
func ReserveSender(ctx context.Context, q Querier, sender string, now time.Time, slot time.Duration) (ok bool, next time.Time, err error) {
	err = q.QueryRow(ctx, `INSERT INTO sender_slots (sender, next_free) VALUES ($1, $3)
		ON CONFLICT (sender) DO UPDATE SET next_free = EXCLUDED.next_free WHERE sender_slots.next_free <= $2
		RETURNING next_free`, sender, now, now.Add(slot)).Scan(&next)
	if err == nil {
		return true, next, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, time.Time{}, err
	}
	err = q.QueryRow(ctx, "SELECT next_free FROM sender_slots WHERE sender = $1", sender).Scan(&next)
	return false, next, err
}

// errCapped rolls back an answer to an unknown sender over the hourly cap.
var errCapped = errors.New("capped")

// AnswerUnknown decides, for every node at once, whether a message from an
// unknown sender is answered: not when he was answered within every, nor
// past perHour answers in the current hour. An answer is recorded in the
// same transaction as the decision.
func AnswerUnknown(ctx context.Context, db Beginner, channel, sender string, now time.Time, every time.Duration, perHour int) (answer, capped bool, err error) {
	err = RetryTx(ctx, db, func(tx pgx.Tx) error {
		answer, capped = false, false
		tag, err := tx.Exec(ctx, `INSERT INTO unknown_senders (channel, sender, answered_at) VALUES ($1, $2, $3)
			ON CONFLICT (channel, sender) DO UPDATE SET answered_at = EXCLUDED.answered_at
			WHERE unknown_senders.answered_at <= $4`, channel, sender, now, now.Add(-every))
		if err != nil || tag.RowsAffected() == 0 {
			return err // answered recently (by any node)
		}
		hour := now.Truncate(time.Hour)
		tag, err = tx.Exec(ctx, `INSERT INTO unknown_hours (hour, answers) VALUES ($1, 1)
			ON CONFLICT (hour) DO UPDATE SET answers = unknown_hours.answers + 1 WHERE unknown_hours.answers < $2`, hour, perHour)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			capped = true
			return errCapped // and the sender is not marked answered
		}
		answer = true
		return nil
	})
	if errors.Is(err, errCapped) {
		err = nil
	}
	return answer, capped, err
}

// PruneUnknown forgets unknown senders answered before cutoff and past hours.
func PruneUnknown(ctx context.Context, q Querier, cutoff time.Time) error {
	b := &pgx.Batch{}
	b.Queue("DELETE FROM unknown_senders WHERE answered_at < $1", cutoff)
	b.Queue("DELETE FROM unknown_hours WHERE hour < $1", cutoff.Truncate(time.Hour))
	return q.SendBatch(ctx, b).Close()
}
