package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// LockRecipient locks number to's row for the rest of tx and returns until
// when the provider refuses it (zero: not blocked). A node deciding whether
// a send to a number fits its frequency limits (gateway/outbox/limits.go)
// locks first, then counts (RecipientSends), then records the send
// (NoteRecipientSend): two nodes cannot both take the last send a limit
// allows.
func LockRecipient(ctx context.Context, tx pgx.Tx, to string) (blockedUntil time.Time, err error) {
	var until *time.Time
	err = tx.QueryRow(ctx, `INSERT INTO outbox_recipients (recipient) VALUES ($1)
		ON CONFLICT (recipient) DO UPDATE SET recipient = EXCLUDED.recipient
		RETURNING blocked_until`, to).Scan(&until)
	if err != nil || until == nil {
		return time.Time{}, err
	}
	return *until, nil
}

// RecipientSends returns the times of the sends to number to since since,
// oldest first.
func RecipientSends(ctx context.Context, q Querier, to string, since time.Time) ([]time.Time, error) {
	rows, err := q.Query(ctx, "SELECT sent_at FROM outbox_recipient_sends WHERE recipient = $1 AND sent_at >= $2 ORDER BY sent_at", to, since)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[time.Time])
}

// NoteRecipientSend counts entry id's send to number to at at toward its limits.
func NoteRecipientSend(ctx context.Context, q Querier, to string, at time.Time, id int64) error {
	_, err := q.Exec(ctx, "INSERT INTO outbox_recipient_sends (recipient, sent_at, entry_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", to, at, id)
	return err
}

// ForgetRecipientSend takes a send back (the provider refused it: it does
// not count).
func ForgetRecipientSend(ctx context.Context, q Querier, to string, at time.Time, id int64) error {
	_, err := q.Exec(ctx, "DELETE FROM outbox_recipient_sends WHERE recipient = $1 AND sent_at = $2 AND entry_id = $3", to, at, id)
	return err
}

// BlockRecipient records the provider's refusal of number to until until.
func BlockRecipient(ctx context.Context, q Querier, to string, until time.Time, reason string) error {
	_, err := q.Exec(ctx, `INSERT INTO outbox_recipients (recipient, blocked_until, reason) VALUES ($1, $2, $3)
		ON CONFLICT (recipient) DO UPDATE SET blocked_until = EXCLUDED.blocked_until, reason = EXCLUDED.reason`, to, until, reason)
	return err
}

// PruneRecipients forgets sends before cutoff and blocks over by then.
func PruneRecipients(ctx context.Context, q Querier, cutoff time.Time) error {
	b := &pgx.Batch{}
	b.Queue("DELETE FROM outbox_recipient_sends WHERE sent_at < $1", cutoff)
	b.Queue("UPDATE outbox_recipients SET blocked_until = NULL, reason = '' WHERE blocked_until < $1", cutoff)
	return q.SendBatch(ctx, b).Close()
}
