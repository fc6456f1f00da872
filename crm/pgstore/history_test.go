package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// A record's history: every change set that touched it, the latest last;
// an undo marks the original in its column and in its JSON.
func TestChangeSets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPool(t, newDB(t), 2)
	write := func(at time.Time, summary string, recs ...pgstore.RecordRef) int64 {
		var id int64
		err := pgstore.RetryTx(ctx, p, func(tx pgx.Tx) error {
			var err error
			if id, err = pgstore.NextChangeSetID(ctx, tx); err != nil {
				return err
			}
			data, _ := json.Marshal(map[string]any{"id": id, "summary": summary})
			b := &pgx.Batch{}
			pgstore.QueueChangeSet(b, &pgstore.ChangeSet{ID: id, At: at, User: 7, Channel: "sms", MessageID: "SM" + summary,
				Summary: summary, Data: data, Records: recs})
			return tx.SendBatch(ctx, b).Close()
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	acct, act := pgstore.RecordRef{Kind: "account", ID: 3}, pgstore.RecordRef{Kind: "activity", ID: 17}
	first := write(t0, "VISIT acme", acct, act)
	second := write(t0.Add(time.Minute), "DONE #17", act)
	if second <= first {
		t.Errorf("change set ids %d then %d", first, second)
	}
	if got, _ := pgstore.LastChange(ctx, p, "activity", 17); got != second {
		t.Errorf("activity #17's last change %d, want %d", got, second)
	}
	if got, _ := pgstore.LastChange(ctx, p, "account", 3); got != first {
		t.Errorf("account #3's last change %d, want %d", got, first)
	}
	if got, _ := pgstore.LastChange(ctx, p, "account", 4); got != 0 {
		t.Errorf("an untouched account's last change %d", got)
	}
	undo := write(t0.Add(2*time.Minute), "UNDO", act)
	if err := pgstore.MarkUndone(ctx, p, second, undo); err != nil {
		t.Fatal(err)
	}
	cs, err := pgstore.GetChangeSet(ctx, p, second)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	json.Unmarshal(cs.Data, &d)
	if cs.Summary != "DONE #17" || cs.MessageID != "SMDONE #17" || !cs.At.Equal(t0.Add(time.Minute)) || d["undone_by"] != float64(undo) {
		t.Errorf("change set %d: %+v, data %s", second, cs, cs.Data)
	}
	var col int64
	p.QueryRow(ctx, "SELECT undone_by FROM changesets WHERE id = $1", second).Scan(&col)
	if col != undo {
		t.Errorf("undone_by column %d, want %d", col, undo)
	}
	if _, err := pgstore.GetChangeSet(ctx, p, 999); !errors.Is(err, pgstore.ErrNotFound) {
		t.Errorf("GetChangeSet(999) = %v", err)
	}
}
