package pgstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/enginetest"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// openEngine opens the engine on a new database.
func openEngine(t testing.TB, o pgstore.EngineOptions) crm.Engine {
	t.Helper()
	e, err := pgstore.OpenEngine(context.Background(), newDB(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestEngineConformance runs the seam's conformance suite on PostgreSQL
// (crm runs it on bbolt). FIELDCRM_PG_BREAK puts one of the defects of
// pgstore.Break in, to see the suite find it.
func TestEngineConformance(t *testing.T) {
	for _, o := range []struct {
		name string
		o    pgstore.EngineOptions
	}{{"ids in the transaction", pgstore.EngineOptions{}}, {"ids outside", pgstore.EngineOptions{IDsOutside: true}}} {
		t.Run(o.name, func(t *testing.T) {
			enginetest.Run(t, func(t *testing.T) crm.Engine {
				e := openEngine(t, o.o)
				if b := os.Getenv("FIELDCRM_PG_BREAK"); b != "" {
					pgstore.Break(e, b)
				}
				return e
			})
		})
	}
}

// A read that fails is the transaction's failure (Err): later reads answer
// nothing, the Update returns it though fn did not, and nothing of it is
// committed.
func TestEngineStickyReadError(t *testing.T) {
	t.Parallel()
	e := openEngine(t, pgstore.EngineOptions{})
	ctx := context.Background()
	if err := e.Update(ctx, func(etx crm.ETx) error { return etx.State("s").Put([]byte("k"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	err := e.Update(ctx, func(etx crm.ETx) error {
		etx.State("s").Put([]byte("k2"), []byte("v2"))
		if v := etx.Get(crm.Kind("nonsense"), 1); v != nil {
			t.Errorf("a failed read answered %q", v)
		}
		if etx.Err() == nil {
			t.Error("Err() is nil after a failed read")
		}
		if v := etx.State("s").Get([]byte("k")); v != nil {
			t.Errorf("a read after the failure answered %q", v)
		}
		return nil // fn does not look at Err
	})
	if err == nil {
		t.Fatal("the Update succeeded after a failed read")
	}
	// a failure on the server: a statement the server refuses
	cctx, cancel := context.WithCancel(ctx)
	err = e.Update(cctx, func(etx crm.ETx) error {
		etx.State("s").Put([]byte("k3"), []byte("v3"))
		cancel() // the connection's next round fails
		etx.State("s").Get([]byte("k"))
		if etx.Err() == nil {
			t.Error("Err() is nil after a read on a cancelled context")
		}
		return nil
	})
	if err == nil {
		t.Error("the Update succeeded after a failed read")
	}
	e.View(ctx, func(etx crm.ETx) error {
		for _, k := range []string{"k2", "k3"} {
			if v := etx.State("s").Get([]byte(k)); v != nil {
				t.Errorf("%s was committed: %q", k, v)
			}
		}
		if v := etx.State("s").Get([]byte("k")); string(v) != "v" {
			t.Errorf("k = %q", v)
		}
		return nil
	})
}
