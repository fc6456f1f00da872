package outbox_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// A notice enqueued through the crm.Tx commits with the crm change.
func TestEnqueueInCRMUpdate(t *testing.T) {
	s, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	meta := crm.Meta{Actor: &crm.User{Name: "system"}, Channel: "test"}
	var id int64
	_, err = s.Update(context.Background(), meta, func(tx *crm.Tx) error {
		var err error
		id, _, err = outbox.Enqueue(tx, &outbox.Entry{Channel: "sms", To: "+15550100", Body: "assigned #17", Key: "assign|17|3"}, tx.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := outbox.Get(s.Engine(), id)
	if err != nil || e.State != outbox.StateQueued || e.Key != "assign|17|3" {
		t.Fatalf("%+v %v", e, err)
	}
	// the same key again in another request: a duplicate, nothing written
	_, err = s.Update(context.Background(), meta, func(tx *crm.Tx) error {
		id2, dup, err := outbox.Enqueue(tx, &outbox.Entry{Channel: "sms", To: "+15550100", Body: "assigned #17", Key: "assign|17|3"}, tx.Now())
		if err == nil && (!dup || id2 != id) {
			err = errors.New("not a duplicate")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := outbox.Stats(s.Engine(), time.Now()); st.Depth[outbox.StateQueued] != 1 {
		t.Errorf("stats %+v", st)
	}
}
