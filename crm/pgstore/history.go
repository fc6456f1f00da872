package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChangeSet is a stored change set: its columns and, in Data, crm's
// ChangeSet JSON (changes with before and after, events).
type ChangeSet struct {
	ID        int64
	At        time.Time
	User      int64
	Channel   string
	MessageID string
	Summary   string
	UndoOf    int64
	Data      []byte
	// Records are the kind and id of every record it changed (rec_hist).
	Records []RecordRef
}

// RecordRef names a record.
type RecordRef struct {
	Kind string
	ID   int64
}

// NextChangeSetID takes a change-set id from its sequence (gaps allowed:
// see migrations/0001_init.sql).
func NextChangeSetID(ctx context.Context, q Querier) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "SELECT nextval('changeset_ids')").Scan(&id)
	return id, err
}

// QueueChangeSet adds the change set and its records' history rows to a batch.
func QueueChangeSet(b *pgx.Batch, cs *ChangeSet) {
	b.Queue(`INSERT INTO changesets (id, at, user_id, channel, message_id, summary, undo_of, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		cs.ID, cs.At, cs.User, cs.Channel, cs.MessageID, cs.Summary, cs.UndoOf, string(cs.Data))
	if len(cs.Records) == 0 {
		return
	}
	kinds, ids := make([]string, len(cs.Records)), make([]int64, len(cs.Records))
	for i, r := range cs.Records {
		kinds[i], ids[i] = r.Kind, r.ID
	}
	b.Queue(`INSERT INTO record_history (kind, id, changeset)
		SELECT k, i, $1 FROM unnest($2::text[], $3::bigint[]) AS u(k, i)`, cs.ID, kinds, ids)
}

// GetChangeSet reads a change set (ErrNotFound).
func GetChangeSet(ctx context.Context, q Querier, id int64) (*ChangeSet, error) {
	cs := &ChangeSet{ID: id}
	var data string
	err := q.QueryRow(ctx, `SELECT at, user_id, channel, message_id, summary, undo_of, data::text FROM changesets WHERE id = $1`, id).
		Scan(&cs.At, &cs.User, &cs.Channel, &cs.MessageID, &cs.Summary, &cs.UndoOf, &data)
	if err == pgx.ErrNoRows {
		return nil, ErrNotFound
	}
	cs.Data = []byte(data)
	return cs, err
}

// LastChange returns the latest change set that touched a record (0: none).
func LastChange(ctx context.Context, q Querier, kind string, id int64) (int64, error) {
	var cs int64
	err := q.QueryRow(ctx, "SELECT coalesce(max(changeset), 0) FROM record_history WHERE kind = $1 AND id = $2", kind, id).Scan(&cs)
	return cs, err
}

// MarkUndone records on change set id that undo undid it.
func MarkUndone(ctx context.Context, q Querier, id, undo int64) error {
	_, err := q.Exec(ctx, "UPDATE changesets SET undone_by = $2, data = jsonb_set(data::jsonb, '{undone_by}', to_jsonb($2::bigint))::json WHERE id = $1", id, undo)
	return err
}
