package pgtest_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// DBFrom copies a template that setup built once: every copy has what setup
// made, and what a test writes in its copy stays there.
func TestDBFromTemplate(t *testing.T) {
	server := pgtest.Server(t) // here, not in the goroutines below: a skip ends only the goroutine it is called in
	ctx := context.Background()
	name := "test_" + time.Now().Format("150405") + "_" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, server)
		if err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS fieldcrm_tpl_"+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	var setups atomic.Int32
	setup := func(ctx context.Context, dsn string) error {
		setups.Add(1)
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, "CREATE TABLE accounts (name text); INSERT INTO accounts VALUES ('ACME Mining Co.')")
		return err
	}
	var dsns []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := pgtest.DBFrom(t, name, setup)
			mu.Lock()
			dsns = append(dsns, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if setups.Load() != 1 {
		t.Errorf("setup ran %d times, want once", setups.Load())
	}
	for i, d := range dsns {
		c, err := pgx.Connect(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			c.Exec(ctx, "INSERT INTO accounts VALUES ('Huaxin Mining')")
		}
		var n int
		c.QueryRow(ctx, "SELECT count(*) FROM accounts").Scan(&n)
		if want := map[bool]int{true: 2, false: 1}[i == 0]; n != want {
			t.Errorf("copy %d has %d accounts, want %d", i, n, want)
		}
		c.Close(ctx)
	}
}
