package crm_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// UNDO #id names the record a change created or changed (as the reply
// showed it), not the change set: the latest of the sender's changes to that
// record within 15 minutes is undone, and only that one.
func TestApplyUndoRecord(t *testing.T) {
	w := apNewWorld(t)
	first := apData[crm.OKActivityData](t, w.apOK(w.wang, "V acme mining; met Zhang Wei", "ok_activity"))
	w.clk.Advance(time.Minute)
	second := apData[crm.OKActivityData](t, w.apOK(w.wang, "C acme mining; met Zhang Wei; no answer", "ok_activity"))
	w.clk.Advance(time.Minute)

	// the older one, by its id: the newer stays
	out := w.apOK(w.wang, fmt.Sprintf("UNDO #%d", first.ID), "ok_undo")
	if what := apData[crm.OKUndoData](t, out).What; !strings.Contains(what, fmt.Sprintf("visit #%d", first.ID)) {
		t.Fatalf("undo says %q", what)
	}
	err := w.s.View(crm.System, func(tx *crm.Tx) error {
		if _, err := tx.Activity(first.ID); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("visit #%d still there: %v", first.ID, err)
		}
		if _, err := tx.Activity(second.ID); err != nil {
			t.Errorf("call #%d gone: %v", second.ID, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// twice: nothing left to undo for that record
	w.apRefused(w.wang, fmt.Sprintf("UNDO #%d", first.ID), crm.ECONFLICT, fmt.Sprintf("#%d", first.ID))
	// someone else's record is not his to undo
	w.apRefused(w.li, fmt.Sprintf("UNDO #%d", second.ID), crm.ECONFLICT, "No change of yours")
	// after 15 minutes, not even his own
	w.clk.Advance(15 * time.Minute)
	w.apRefused(w.wang, fmt.Sprintf("UNDO #%d", second.ID), crm.ECONFLICT, "15 minutes")
}
