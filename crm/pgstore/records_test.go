package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// A record is a row: its typed columns are what the indexes and reports
// read, its JSON comes back as the same record, an update keeps its created
// time, and a deleted record's id is not given again.
func TestRecordRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPool(t, newDB(t), 2)
	due := t0.Add(26 * time.Hour)
	var id int64
	err := pgstore.RetryTx(ctx, p, func(tx pgx.Tx) error {
		var err error
		if id, err = pgstore.NextID(ctx, tx, "activity"); err != nil {
			return err
		}
		data, _ := json.Marshal(map[string]any{"id": id, "owner": 7, "type": "visit", "subject": "demo 320D", "status": "open", "due": due})
		return pgstore.Put(ctx, tx, &pgstore.Row{Kind: "activity", ID: id, Owner: 7, Branch: "Shenyang", Dept: "machines",
			Created: t0, Updated: t0, Data: data,
			Cols: map[string]any{"type": "visit", "status": "open", "due": due, "account": int64(3), "priority": "normal"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if id != 1 {
		t.Errorf("first activity id = %d, want 1", id)
	}
	r, err := pgstore.Get(ctx, p, "activity", id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Owner != 7 || r.Branch != "Shenyang" || r.Dept != "machines" || !r.Created.Equal(t0) {
		t.Errorf("base = %+v", r)
	}
	if got, _ := r.Cols["due"].(time.Time); !got.Equal(due) || r.Cols["status"] != "open" || r.Cols["account"] != int64(3) {
		t.Errorf("typed columns = %v", r.Cols)
	}
	if _, ok := r.Cols["done_at"]; ok {
		t.Errorf("done_at left out is NULL, got %v", r.Cols["done_at"])
	}
	var back map[string]any
	if err := json.Unmarshal(r.Data, &back); err != nil || back["subject"] != "demo 320D" || back["id"] != float64(id) {
		t.Errorf("data = %s (%v)", r.Data, err)
	}

	// the agenda's index: open activities of owner 7 due by the end of tomorrow
	openDue := func() []int64 {
		rows, _ := p.Query(ctx, "SELECT id FROM activities WHERE status = 'open' AND owner = $1 AND due < $2 ORDER BY due, id", 7, t0.Add(48*time.Hour))
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := openDue(); !slices.Equal(got, []int64{id}) {
		t.Errorf("open and due = %v, want [%d]", got, id)
	}

	// done: an update in place; created stays, the open index no longer finds it
	later := t0.Add(3 * time.Hour)
	if err := pgstore.Put(ctx, p, &pgstore.Row{Kind: "activity", ID: id, Owner: 7, Branch: "Shenyang", Dept: "machines",
		Created: later, Updated: later, Data: []byte(`{"id":1,"status":"done"}`),
		Cols: map[string]any{"type": "visit", "status": "done", "due": due, "done_at": later}}); err != nil {
		t.Fatal(err)
	}
	r, _ = pgstore.Get(ctx, p, "activity", id)
	if !r.Created.Equal(t0) || !r.Updated.Equal(later) || r.Cols["status"] != "done" {
		t.Errorf("after the update: created %v updated %v cols %v", r.Created, r.Updated, r.Cols)
	}
	if got := openDue(); len(got) != 0 {
		t.Errorf("a done activity is still open and due: %v", got)
	}

	// a column the kind does not have is refused, not dropped
	err = pgstore.Put(ctx, p, &pgstore.Row{Kind: "activity", ID: id, Created: t0, Updated: t0, Data: []byte(`{}`), Cols: map[string]any{"stage": 3}})
	if err == nil {
		t.Errorf("an activity with a stage column was written")
	}

	// deleted: gone, and its id is not given again
	if err := pgstore.Delete(ctx, p, "activity", id); err != nil {
		t.Fatal(err)
	}
	if _, err := pgstore.Get(ctx, p, "activity", id); !errors.Is(err, pgstore.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	pgstore.RetryTx(ctx, p, func(tx pgx.Tx) error {
		next, err := pgstore.NextID(ctx, tx, "activity")
		if next != id+1 {
			t.Errorf("the id after a deleted #%d is %d (%v), want %d", id, next, err, id+1)
		}
		return err
	})
}

// Ids per kind are short and never reused: a rolled-back transaction gives
// its id back (the next creation gets it), a committed one never does, and
// under concurrency (three nodes, many requests) every id is given exactly
// once with no gaps.
func TestNextID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	p := newPool(t, dsn, 2)
	errNo := errors.New("changed my mind")
	err := pgstore.RetryTx(ctx, p, func(tx pgx.Tx) error {
		id, err := pgstore.NextID(ctx, tx, "lead")
		if err != nil {
			return err
		}
		if id != 1 {
			t.Errorf("first lead id %d", id)
		}
		return errNo
	})
	if !errors.Is(err, errNo) {
		t.Fatal(err)
	}
	if last, _ := pgstore.LastID(ctx, p, "lead"); last != 0 {
		t.Errorf("after a rolled-back creation the last lead id is %d, want 0", last)
	}
	// an import keeps its ids: the counter moves past them
	pgstore.RetryTx(ctx, p, func(tx pgx.Tx) error { return pgstore.KeepID(ctx, tx, "lead", 40) })
	pgstore.RetryTx(ctx, p, func(tx pgx.Tx) error { return pgstore.KeepID(ctx, tx, "lead", 12) })
	if last, _ := pgstore.LastID(ctx, p, "lead"); last != 40 {
		t.Errorf("after importing #40 and #12 the last lead id is %d, want 40", last)
	}

	const nodes, workers, each = 3, 4, 15
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	for range nodes {
		np := newPool(t, dsn, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					var id int64
					err := pgstore.RetryTx(ctx, np, func(tx pgx.Tx) error {
						var err error
						id, err = pgstore.NextID(ctx, tx, "activity")
						if err != nil {
							return err
						}
						if (w+i)%5 == 0 {
							return errNo // some creations fail after taking an id
						}
						return pgstore.Put(ctx, tx, &pgstore.Row{Kind: "activity", ID: id, Created: t0, Updated: t0, Data: []byte(`{}`)})
					})
					if errors.Is(err, errNo) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got = append(got, id)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	slices.Sort(got)
	for i, id := range got {
		if id != int64(i+1) {
			t.Fatalf("committed ids are not 1..%d without gaps or repeats: %v", len(got), got)
		}
	}
	var rows int
	p.QueryRow(ctx, "SELECT count(*) FROM activities").Scan(&rows)
	if rows != len(got) || len(got) == 0 {
		t.Errorf("%d activities stored, %d creations committed", rows, len(got))
	}
}
