package pgstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
	"github.com/fieldcrm/fieldcrm/internal/pgtest"
)

// Four nodes start at once on an empty database: one applies the schema, the
// others find it applied, and nobody fails.
func TestMigrateConcurrentStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DB(t)
	const nodes = 4
	var wg sync.WaitGroup
	applied := make([][]int, nodes)
	errs := make([]error, nodes)
	start := make(chan struct{})
	for i := range nodes {
		p := newPool(t, dsn, 2)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = pgstore.Migrate(ctx, p)
		}()
	}
	close(start)
	wg.Wait()
	total := 0
	for i := range nodes {
		if errs[i] != nil {
			t.Errorf("node %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	if want := pgstore.SchemaVersion(); total != want {
		t.Errorf("migrations applied %d times in all (%v), want each of the %d once", total, applied, want)
	}
	p := newPool(t, dsn, 1)
	var n int
	if err := p.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != pgstore.SchemaVersion() {
		t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, pgstore.SchemaVersion())
	}
	if again, err := pgstore.Migrate(ctx, p); err != nil || len(again) != 0 {
		t.Errorf("a second start applied %v, %v; want nothing", again, err)
	}
}

// A database written by a newer fieldcrm is refused, not changed.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	p := newPool(t, dsn, 1)
	if _, err := p.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', now())"); err != nil {
		t.Fatal(err)
	}
	_, err := pgstore.Migrate(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "newer fieldcrm (schema 999") {
		t.Errorf("Migrate = %v; want a refusal naming schema 999", err)
	}
}

// Every kind of record has its table and its id counter.
func TestEveryKindHasATable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPool(t, newDB(t), 1)
	if len(pgstore.Tables) != len(crm.Kinds) {
		t.Errorf("%d tables for %d kinds", len(pgstore.Tables), len(crm.Kinds))
	}
	for _, k := range crm.Kinds {
		tb := pgstore.Tables[string(k)]
		if tb == nil {
			t.Errorf("kind %s has no table", k)
			continue
		}
		var cols []string
		rows, _ := p.Query(ctx, "SELECT column_name FROM information_schema.columns WHERE table_name = $1", tb.Name)
		for rows.Next() {
			var c string
			rows.Scan(&c)
			cols = append(cols, c)
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		for _, c := range append([]string{"id", "owner", "branch", "dept", "created", "updated", "data"}, tb.Cols...) {
			if !contains(cols, c) {
				t.Errorf("table %s has no column %s (has %v)", tb.Name, c, cols)
			}
		}
		if _, err := pgstore.LastID(ctx, p, string(k)); err != nil {
			t.Errorf("kind %s: no id counter: %v", k, err)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
