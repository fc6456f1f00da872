package crm_test

import (
	"path/filepath"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/enginetest"
)

// TestEngineConformance runs the seam's conformance suite on bbolt (crm/pgstore
// runs it on PostgreSQL).
func TestEngineConformance(t *testing.T) {
	enginetest.Run(t, func(t *testing.T) crm.Engine {
		e, err := crm.OpenBoltEngine(filepath.Join(t.TempDir(), "crm.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	})
}
