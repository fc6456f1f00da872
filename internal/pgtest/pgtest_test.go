package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/internal/pgtest"
)

// Two databases are two: what one test writes, another does not see, and the
// database is gone after the test.
func TestDBIsFreshAndDropped(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("a", func(t *testing.T) {
		first = pgtest.DB(t)
		c, err := pgx.Connect(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		var fsync string
		if err := c.QueryRow(ctx, "SHOW fsync").Scan(&fsync); err != nil || fsync != "on" {
			t.Errorf("fsync = %q, %v; want on (the figures are for a server that syncs)", fsync, err)
		}
	})
	second := pgtest.DB(t)
	if second == first {
		t.Fatalf("the same database twice: %s", first)
	}
	c, err := pgx.Connect(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 't'").Scan(&n); err != nil || n != 0 {
		t.Errorf("a new database has the other test's table: %d, %v", n, err)
	}
	if _, err := pgx.Connect(ctx, first); err == nil {
		t.Errorf("the first test's database is still there after its end")
	}
}
