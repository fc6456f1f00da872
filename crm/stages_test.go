package crm_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
	"github.com/fieldcrm/fieldcrm/templates"
)

// A forward jump is carried out as successive stage changes in the history,
// and the reply names the stages passed; the funnel ratio counts each stage
// reached (issue 14 point 7).
func TestApplyStageJump(t *testing.T) {
	w := apNewWorld(t)
	set := templates.MustNew()
	opp := func() int64 {
		return apData[crm.OKOppData](t, w.apOK(w.wang, "OPP acme mining; 2x 320D; 2.4m; close 15/12", "ok_opp")).ID
	}
	a, b := opp(), opp()
	w.clk.Advance(time.Hour)

	out := w.apOK(w.wang, fmt.Sprintf("OPP #%d stage proposal", a), "ok_opp")
	d := apData[crm.OKOppData](t, out)
	if d.Stage != "proposal" || strings.Join(d.Via, ",") != "qualification,development" {
		t.Errorf("reply data %+v, want proposal via qualification, development", d)
	}
	o := apGet[*crm.Opportunity](w, crm.KindOpp, a)
	want := []crm.StageChange{{From: 1, To: 2}, {From: 2, To: 3}, {From: 3, To: 4}}
	if o.Stage != crm.StageProposal || o.Probability != 75 || len(o.StageHistory) != len(want) {
		t.Fatalf("stored stage %s (%d%%), history %+v", o.Stage, o.Probability, o.StageHistory)
	}
	for i, c := range o.StageHistory {
		if c.From != want[i].From || c.To != want[i].To || c.By != w.wang.ID || !c.At.Equal(w.clk.Now()) {
			t.Errorf("move %d = %+v, want %d → %d by Wang now", i, c, want[i].From, want[i].To)
		}
	}
	for loc, frag := range map[string]string{"en": "now at stage proposal (passed qual, dev)", "zh": "已进入报价阶段（经过确认、开发）"} {
		if text, err := set.SMS(loc, "ok_opp", d); err != nil || !strings.Contains(text, frag) {
			t.Errorf("%s reply %q (%v) does not say %q", loc, text, err, frag)
		}
	}

	// WON straight from identification went through every open stage
	out = w.apOK(w.wang, fmt.Sprintf("OPP #%d won 2.2m", b), "ok_opp")
	if d := apData[crm.OKOppData](t, out); d.Stage != "won" || strings.Join(d.Via, ",") != "qualification,development,proposal" {
		t.Errorf("won reply %+v", d)
	}
	if o := apGet[*crm.Opportunity](w, crm.KindOpp, b); len(o.StageHistory) != 4 || o.StageHistory[3].From != crm.StageProposal || o.StageHistory[3].To != crm.StageWon {
		t.Errorf("won history %+v", o.StageHistory)
	}

	// both reached qualification, development and proposal: ratios 100%
	mustView(t, w.s, w.liu, func(tx *crm.Tx) error {
		r, err := report.FunnelRatio(tx, report.Filter{Loc: apShanghai})
		if err != nil {
			return err
		}
		for _, row := range r.Rows {
			if row.Reached != 2 || (row.Stage < crm.StageProposal && row.Advanced != 2) || (row.Stage == crm.StageProposal && row.Advanced != 1) {
				t.Errorf("funnel ratio row %+v", row)
			}
		}
		if r.Won != 1 {
			t.Errorf("won %d", r.Won)
		}
		return nil
	})

	// UNDO takes the whole jump back
	w.apOK(w.wang, "UNDO", "ok_undo")
	w.apOK(w.wang, fmt.Sprintf("UNDO #%d", a), "ok_undo")
	if o := apGet[*crm.Opportunity](w, crm.KindOpp, a); o.Stage != crm.StageIdentification || len(o.StageHistory) != 0 {
		t.Errorf("after UNDO: %s, %+v", o.Stage, o.StageHistory)
	}
}

// reopen is understood; moves the stored state does not allow are answered
// "Not done", not "Not understood".
func TestApplyReopenAndStageConflicts(t *testing.T) {
	w := apNewWorld(t)
	set := templates.MustNew()
	id := apData[crm.OKOppData](t, w.apOK(w.wang, "OPP acme mining; 2x 320D; 2.4m", "ok_opp")).ID
	ref := func(s string) string { return fmt.Sprintf("OPP #%d %s", id, s) }
	notDone := func(text string, fragments ...string) {
		t.Helper()
		err := w.apRefused(w.wang, text, crm.ECONFLICT, fragments...)
		msg, ok := set.Refusal("zh", err.(*crm.Error).Format, err.(*crm.Error).Args)
		if !ok {
			t.Errorf("%q: no Chinese form for %q", text, crm.ErrorMessage(err))
		}
		for loc, m := range map[string]string{"en": crm.ErrorMessage(err), "zh": msg} {
			s, rerr := set.SMS(loc, "err_conflict", crm.ErrData{Message: m, Hint: apHint(err)})
			if rerr != nil || !strings.HasPrefix(s, map[string]string{"en": "Not done:", "zh": "未执行："}[loc]) {
				t.Errorf("%q answered %q (%v)", text, s, rerr)
			}
		}
	}
	notDone(ref("reopen; customer back"), "is open", "nothing to reopen")
	notDone(ref("stage identification"), "already at identification")
	w.apOK(w.wang, ref("stage development"), "ok_opp")
	w.apOK(w.wang, ref("lost komatsu; price"), "ok_opp")
	notDone(ref("won"), "closed (lost)", "reopen")
	notDone(ref("lost sany; finance"), "already at lost")
	notDone(ref("nodeal no budget"), "closed (lost)", "reopen")

	w.apRefused(w.wang, ref("reopen"), crm.EINVALID, "needs a reason")
	out := w.apOK(w.wang, ref("reopen; Komatsu could not deliver"), "ok_opp")
	d := apData[crm.OKOppData](t, out)
	if d.Action != "reopen" || d.Stage != "development" {
		t.Errorf("reopen reply %+v, want development (where it was lost)", d)
	}
	for loc, frag := range map[string]string{"en": "reopened at stage dev", "zh": "已重新打开，阶段：开发"} {
		if text, err := set.SMS(loc, "ok_opp", d); err != nil || !strings.Contains(text, frag) {
			t.Errorf("%s reply %q (%v) does not say %q", loc, text, err, frag)
		}
	}
	o := apGet[*crm.Opportunity](w, crm.KindOpp, id)
	if o.Stage != crm.StageDevelopment || o.LostTo != "" || !o.ClosedAt.IsZero() || o.StageHistory[len(o.StageHistory)-1].Reason != "Komatsu could not deliver" {
		t.Errorf("after reopen %+v", o)
	}
	w.apOK(w.wang, ref("nodeal budget cut"), "ok_opp")
	if d := apData[crm.OKOppData](t, w.apOK(w.wang, fmt.Sprintf("商机 #%d 重开 方案；客户又有预算了", id), "ok_opp")); d.Stage != "proposal" {
		t.Errorf("重开 方案 reopened at %s", d.Stage)
	}
}
