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
