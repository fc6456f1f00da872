package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outbox states (as gateway/outbox names them).
const (
	OutboxQueued  = "queued"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxDead    = "dead"
)

// OutboxEntry is an outbox row: the columns the worker selects and leases
// by, and Data, the rest of outbox.Entry as JSON.
type OutboxEntry struct {
	ID          int64
	Channel     string
	Recipient   string
	Key         string // idempotency key; "" for none
	UserID      int64
	State       string
	NextAt      time.Time
	Attempts    int
	LeasedUntil time.Time
	LeasedBy    string
	ProviderID  string
	Data        []byte
}

// ErrLeaseLost is returned when a node records the outcome of a send whose
// lease it no longer holds (it expired and the entry was recovered).
var ErrLeaseLost = errors.New("pgstore: the outbox entry's lease is no longer ours")

const enqueueSQL = `INSERT INTO outbox_entries (id, channel, recipient, key, user_id, state, next_at, created, updated, data)
	VALUES (nextval('outbox_ids'), $1, $2, $3, $4, 'queued', $5, $6, $6, $7)
	ON CONFLICT (channel, key) WHERE key IS NOT NULL DO NOTHING
	RETURNING id`

// Enqueue writes a queued entry in tx, due at notBefore (or now). With a key,
// a second entry with the same channel and key writes nothing and returns the
// first's id with dup=true.
func Enqueue(ctx context.Context, q Querier, e *OutboxEntry, now, notBefore time.Time) (id int64, dup bool, err error) {
	next := now
	if notBefore.After(now) {
		next = notBefore
	}
	var key any
	if e.Key != "" {
		key = e.Key
	}
	err = q.QueryRow(ctx, enqueueSQL, e.Channel, e.Recipient, key, e.UserID, next, now, string(e.Data)).Scan(&id)
	if err == pgx.ErrNoRows && e.Key != "" {
		err = q.QueryRow(ctx, "SELECT id FROM outbox_entries WHERE channel = $1 AND key = $2", e.Channel, e.Key).Scan(&id)
		return id, true, err
	}
	if err != nil {
		return 0, false, err
	}
	e.ID, e.State, e.NextAt = id, OutboxQueued, next
	return id, false, nil
}

// QueueEnqueue adds an entry to a batch, for a request that sends its writes
// in one round trip. (A duplicate key writes nothing, and the batch's result
// for it has no row.)
func QueueEnqueue(b *pgx.Batch, e *OutboxEntry, now, notBefore time.Time) {
	next := now
	if notBefore.After(now) {
		next = notBefore
	}
	var key any
	if e.Key != "" {
		key = e.Key
	}
	b.Queue(enqueueSQL, e.Channel, e.Recipient, key, e.UserID, next, now, string(e.Data))
}

const entryCols = `id, channel, recipient, coalesce(key, ''), user_id, state, next_at, attempts,
	coalesce(leased_until, '-infinity'::timestamptz), coalesce(leased_by, ''), coalesce(provider_id, ''), data::text`

func scanEntry(r pgx.CollectableRow) (*OutboxEntry, error) {
	e := &OutboxEntry{}
	var data string
	var until pgtypeTime
	err := r.Scan(&e.ID, &e.Channel, &e.Recipient, &e.Key, &e.UserID, &e.State, &e.NextAt, &e.Attempts,
		&until, &e.LeasedBy, &e.ProviderID, &data)
	e.LeasedUntil, e.Data = until.t, []byte(data)
	return e, err
}

// ClaimOutbox leases up to limit due queued entries of the channels to node:
// state sending, attempts + 1, leased_until now+lease. Rows another node is
// claiming at the same moment are skipped (FOR UPDATE SKIP LOCKED), so no
// entry is handed out twice. The caller sends each, then records the outcome
// (MarkSent, MarkRetry) while its lease holds.
func ClaimOutbox(ctx context.Context, db Beginner, node string, channels []string, now time.Time, lease time.Duration, limit int) ([]*OutboxEntry, error) {
	var out []*OutboxEntry
	err := RetryTx(ctx, db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE outbox_entries SET state = 'sending', attempts = attempts + 1,
				leased_until = $3, leased_by = $4, updated = $2
			WHERE id IN (SELECT id FROM outbox_entries
				WHERE state = 'queued' AND channel = ANY($1) AND next_at <= $2
				ORDER BY next_at, id LIMIT $5 FOR UPDATE SKIP LOCKED)
			RETURNING `+entryCols, channels, now, now.Add(lease), node, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanEntry)
		return err
	})
	return out, err
}

// MarkSent records that the provider accepted entry id (under the provider's
// message ids), if node still holds its lease. Delivery reports that came
// for those ids before (on any node: ProviderReport) are returned, for the
// caller to apply as the entry's status.
func MarkSent(ctx context.Context, db Beginner, id int64, node string, providerIDs []string, now time.Time) (early []Report, err error) {
	err = RetryTx(ctx, db, func(tx pgx.Tx) error {
		early = nil
		pid := ""
		if len(providerIDs) > 0 {
			pid = providerIDs[0]
		}
		tag, err := tx.Exec(ctx, `UPDATE outbox_entries SET state = 'sent', provider_id = $3, leased_until = NULL, leased_by = NULL, updated = $4
			WHERE id = $1 AND state = 'sending' AND leased_by = $2`, id, node, pid, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrLeaseLost
		}
		early, err = LinkProviderIDs(ctx, tx, id, providerIDs)
		return err
	})
	return early, err
}

// Report is a provider's delivery report for one of its message ids.
type Report struct {
	ProviderID string
	Status     string
	Code       int
	At         time.Time
}

// LinkProviderIDs records, in the transaction that records a send, that the
// provider's ids are entry id's, and returns the reports that arrived for
// them before.
func LinkProviderIDs(ctx context.Context, tx pgx.Tx, id int64, providerIDs []string) ([]Report, error) {
	if len(providerIDs) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `INSERT INTO outbox_provider (provider_id, entry_id) SELECT p, $1 FROM unnest($2::text[]) AS p
		ON CONFLICT (provider_id) DO UPDATE SET entry_id = EXCLUDED.entry_id
		RETURNING provider_id, coalesce(early_status, ''), coalesce(early_code, 0), coalesce(early_at, '-infinity'::timestamptz)`, id, providerIDs)
	if err != nil {
		return nil, err
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Report, error) {
		var rep Report
		var at pgtypeTime
		err := r.Scan(&rep.ProviderID, &rep.Status, &rep.Code, &at)
		rep.At = at.t
		return rep, err
	})
	var early []Report
	for _, r := range all {
		if r.Status != "" {
			early = append(early, r)
		}
	}
	return early, err
}

// ProviderReport takes a delivery report in tx: it returns the entry the
// provider's id belongs to, for the caller to apply the status to in the
// same transaction, or 0 when the send is not recorded yet: then the report
// is kept, and the send's MarkSent returns it.
func ProviderReport(ctx context.Context, tx pgx.Tx, r Report) (entry int64, err error) {
	var e *int64
	err = tx.QueryRow(ctx, `INSERT INTO outbox_provider (provider_id, early_status, early_code, early_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (provider_id) DO UPDATE SET
			early_status = CASE WHEN outbox_provider.entry_id IS NULL THEN EXCLUDED.early_status ELSE outbox_provider.early_status END,
			early_code = CASE WHEN outbox_provider.entry_id IS NULL THEN EXCLUDED.early_code ELSE outbox_provider.early_code END,
			early_at = CASE WHEN outbox_provider.entry_id IS NULL THEN EXCLUDED.early_at ELSE outbox_provider.early_at END
		RETURNING entry_id`, r.ProviderID, r.Status, r.Code, r.At).Scan(&e)
	if err != nil || e == nil {
		return 0, err
	}
	return *e, nil
}

// MarkRetry puts entry id back in the queue, due at next (after a retryable
// failure), if node still holds its lease.
func MarkRetry(ctx context.Context, db Beginner, id int64, node string, next, now time.Time) error {
	return RetryTx(ctx, db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE outbox_entries SET state = 'queued', next_at = $3, leased_until = NULL, leased_by = NULL, updated = $4
			WHERE id = $1 AND state = 'sending' AND leased_by = $2`, id, node, next, now)
		if err == nil && tag.RowsAffected() == 0 {
			err = ErrLeaseLost
		}
		return err
	})
}

// RecoverExpired requeues the entries left "sending" whose lease expired
// before now (the node that held them stopped in the send window: they may
// have gone out, and go again: at least once). An entry whose lease still
// holds is another node's live send and is not touched; one that used its
// last attempt goes to dead instead.
func RecoverExpired(ctx context.Context, db Beginner, now time.Time, maxAttempts int) (requeued, dead int, err error) {
	err = RetryTx(ctx, db, func(tx pgx.Tx) error {
		requeued, dead = 0, 0
		rows, err := tx.Query(ctx, `UPDATE outbox_entries
			SET state = CASE WHEN attempts >= $2 THEN 'dead' ELSE 'queued' END,
				next_at = $1, leased_until = NULL, leased_by = NULL, updated = $1
			WHERE id IN (SELECT id FROM outbox_entries WHERE state = 'sending' AND leased_until < $1 FOR UPDATE SKIP LOCKED)
			RETURNING state`, now, maxAttempts)
		if err != nil {
			return err
		}
		states, err := pgx.CollectRows(rows, pgx.RowTo[string])
		for _, s := range states {
			if s == OutboxDead {
				dead++
			} else {
				requeued++
			}
		}
		return err
	})
	return requeued, dead, err
}

// GetOutbox reads an entry (ErrNotFound).
func GetOutbox(ctx context.Context, q Querier, id int64) (*OutboxEntry, error) {
	rows, err := q.Query(ctx, "SELECT "+entryCols+" FROM outbox_entries WHERE id = $1", id)
	if err != nil {
		return nil, err
	}
	e, err := pgx.CollectExactlyOneRow(rows, scanEntry)
	if err == pgx.ErrNoRows {
		return nil, ErrNotFound
	}
	return e, err
}
