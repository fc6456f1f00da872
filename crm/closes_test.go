package crm_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/templates"
)

// A logged visit, call or meeting carries out the matching planned one: it is
// closed in the same change set and the reply names it (issue 14 point 3).
func TestApplyLoggedVisitClosesPlanned(t *testing.T) {
	w := apNewWorld(t)
	set := templates.MustNew()
	// Liu's urgent visit for Wang, due today; Wang's own visit, due tomorrow;
	// things that must stay open: a call at the same account, a visit at
	// another account, a visit due in ten days, and Li's visit to ACME.
	urgent := apData[crm.OKPlannedData](t, w.apOK(w.liu, "PLAN wang visit acme mining today urgent; bring brochure", "ok_planned")).ID
	own := apData[crm.OKPlannedData](t, w.apOK(w.wang, "PLAN visit acme mining tomorrow", "ok_planned")).ID
	call := apData[crm.OKPlannedData](t, w.apOK(w.wang, "PLAN call acme mining today", "ok_planned")).ID
	other := apData[crm.OKPlannedData](t, w.apOK(w.wang, "PLAN visit acme transport today", "ok_planned")).ID
	far := apData[crm.OKPlannedData](t, w.apOK(w.wang, "PLAN visit acme mining 5/12", "ok_planned")).ID
	w.clk.Advance(20 * time.Minute) // the plans are out of UNDO's way

	out := w.apOK(w.wang, "V acme mining; met Zhang Wei; wants 2 x 320D", "ok_activity")
	d := apData[crm.OKActivityData](t, out)
	if d.Closes != urgent {
		t.Fatalf("visit closes #%d, want the urgent one #%d", d.Closes, urgent)
	}
	// the planned visit is the report: one visit made, one visit counted
	p := apGet[*crm.Activity](w, crm.KindActivity, urgent)
	if d.ID != urgent || p.Status != crm.StatusDone || p.Contact != w.zhangWei || !strings.Contains(p.Outcome, "met Zhang Wei") ||
		!strings.Contains(p.Notes, "2x 320D") || !strings.HasPrefix(p.Notes, "bring brochure") || !p.DoneAt.Equal(apT0.Add(20*time.Minute)) || p.AssignedBy != w.liu.ID {
		t.Errorf("planned visit after the report (reply #%d): %+v", d.ID, p)
	}
	if len(out.ChangeSet.Changes) != 1 {
		t.Errorf("change set has %d changes, want the planned visit only", len(out.ChangeSet.Changes))
	}
	for _, loc := range []string{"en", "zh"} {
		text, err := set.SMS(loc, "ok_activity", d)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"en": "#" + crm.FormatID(urgent) + " ACME Mining, Zhang Wei. Your planned visit, now done.", "zh": "#" + crm.FormatID(urgent) + " ACME Mining，Zhang。即计划中的拜访，已完成。"}[loc]
		if !strings.Contains(text, want) {
			t.Errorf("%s reply %q does not say %q", loc, text, want)
		}
	}

	// UNDO takes back the report and reopens the planned visit
	w.apOK(w.wang, "UNDO", "ok_undo")
	if p := apGet[*crm.Activity](w, crm.KindActivity, urgent); p.Status != crm.StatusOpen || p.Outcome != "" || p.Contact != 0 {
		t.Errorf("after UNDO the planned visit is %s (%q, contact #%d), want open as planned", p.Status, p.Outcome, p.Contact)
	}
	var agenda []int64
	mustView(t, w.s, w.wang, func(tx *crm.Tx) error {
		_, err := tx.OpenDueOf(w.wang.ID, apAt(2026, 11, 26, 0, 0), func(a *crm.Activity) { agenda = append(agenda, a.ID) })
		return err
	})
	if !containsID(agenda, urgent) {
		t.Errorf("after UNDO today's agenda %v lacks #%d", agenda, urgent)
	}

	// logged again, then once more: the urgent one, then Wang's own of tomorrow
	if d := apData[crm.OKActivityData](t, w.apOK(w.wang, "V acme mining; met Zhang Wei", "ok_activity")); d.Closes != urgent {
		t.Errorf("first visit closes #%d, want #%d", d.Closes, urgent)
	}
	if d := apData[crm.OKActivityData](t, w.apOK(w.wang, "VISIT acme mining; demo", "ok_activity")); d.Closes != own {
		t.Errorf("second visit closes #%d, want #%d", d.Closes, own)
	}
	// a third: nothing planned within the next days
	d3 := apData[crm.OKActivityData](t, w.apOK(w.wang, "VISIT acme mining; brought the price list", "ok_activity"))
	if d3.Closes != 0 {
		t.Errorf("third visit closes #%d, want none (the visit of 5/12 is not due yet)", d3.Closes)
	}
	if text, _ := set.SMS("en", "ok_activity", d3); strings.Contains(text, "planned") {
		t.Errorf("reply %q speaks of a planned activity", text)
	}
	for _, id := range []int64{call, other, far} {
		if a := apGet[*crm.Activity](w, crm.KindActivity, id); a.Status != crm.StatusOpen {
			t.Errorf("%s #%d is %s, want open", a.Subject, id, a.Status)
		}
	}

	// a call closes the planned call; Li's visit at the account is not Wang's to close
	if d := apData[crm.OKActivityData](t, w.apOK(w.wang, "CALL acme mining; Zhang Wei; price", "ok_activity")); d.Closes != call {
		t.Errorf("call closes #%d, want #%d", d.Closes, call)
	}
}

// A planned visit assigned by the manager and overdue by days is closed too,
// so that it is not escalated although the salesman was there.
func TestApplyLoggedVisitClosesOverdue(t *testing.T) {
	w := apNewWorld(t)
	id := apData[crm.OKPlannedData](t, w.apOK(w.liu, "PLAN wang visit acme mining today", "ok_planned")).ID
	w.clk.Advance(5 * 24 * time.Hour)
	d := apData[crm.OKActivityData](t, w.apOK(w.wang, "拜访 acme mining；见了Zhang Wei", "ok_activity"))
	if d.Closes != id {
		t.Fatalf("visit closes #%d, want the overdue #%d", d.Closes, id)
	}
	if n := countKind(t, w.s, crm.KindActivity); n != 1 {
		t.Errorf("%d activities stored, want the one visit", n)
	}
	var esc []int64
	mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
		return tx.OpenDue(w.clk.Now().Add(time.Hour), func(a *crm.Activity) bool { esc = append(esc, a.ID); return true })
	})
	if containsID(esc, id) {
		t.Errorf("the closed visit #%d is still among the overdue %v", id, esc)
	}
}
