package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// ClaimMessage claims message id on channel for the transaction: it is the
// first statement of the transaction that applies the message. The winner
// gets won=true and writes its answer with SetClaimAnswer before it commits.
// A second delivery of the same message (another node, at the same moment)
// waits on the claim's primary key until the first transaction ends: when it
// committed, the second gets won=false and the stored answer (and must change
// nothing); when it rolled back, the second wins.
//
// Under REPEATABLE READ or SERIALIZABLE (CockroachDB) the wait ends in a
// serialization failure instead, and RetryTx's next attempt finds the claim.
func ClaimMessage(ctx context.Context, tx pgx.Tx, channel, id string, user int64, at time.Time) (won bool, answer []byte, err error) {
	tag, err := tx.Exec(ctx, `INSERT INTO message_claims (channel, message_id, user_id, at, data)
		VALUES ($1, $2, $3, $4, '{}') ON CONFLICT (channel, message_id) DO NOTHING`, channel, id, user, at)
	if err != nil {
		return false, nil, err
	}
	if tag.RowsAffected() == 1 {
		return true, nil, nil
	}
	var data string
	err = tx.QueryRow(ctx, "SELECT data::text FROM message_claims WHERE channel = $1 AND message_id = $2", channel, id).Scan(&data)
	return false, []byte(data), err
}

// QueueClaimAnswer adds the claim's answer to a batch (the winner's last writes).
func QueueClaimAnswer(b *pgx.Batch, channel, id string, answer []byte) {
	b.Queue("UPDATE message_claims SET data = $3 WHERE channel = $1 AND message_id = $2", channel, id, string(answer))
}

// SetClaimAnswer stores the answer of a claimed message.
func SetClaimAnswer(ctx context.Context, tx pgx.Tx, channel, id string, answer []byte) error {
	_, err := tx.Exec(ctx, "UPDATE message_claims SET data = $3 WHERE channel = $1 AND message_id = $2", channel, id, string(answer))
	return err
}

// StoredClaim reads a claim's answer outside a transaction (nil when the
// message was never applied).
func StoredClaim(ctx context.Context, q Querier, channel, id string) ([]byte, error) {
	var data string
	err := q.QueryRow(ctx, "SELECT data::text FROM message_claims WHERE channel = $1 AND message_id = $2", channel, id).Scan(&data)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	return []byte(data), err
}
