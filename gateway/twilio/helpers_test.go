package twilio_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

func mustOpenDB(tb testing.TB) crm.Engine {
	tb.Helper()
	s, err := crm.Open(filepath.Join(tb.TempDir(), "crm.db"), crm.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s.Engine()
}

func waitState(t *testing.T, db crm.Engine, id int64, state string) *outbox.Entry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, err := outbox.Get(db, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.State == state {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry %d never reached %s: %+v", id, state, e)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
