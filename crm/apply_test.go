package crm_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/parser"
)

// VISIT / CALL / MEET

func TestApplyVisitWithContactProductsAndNext(t *testing.T) {
	w := apNewWorld(t)
	out := w.apOK(w.wang, "VISIT acme mining; met Zhang Wei; wants 2 x 320D; demo went well; next: quote fri", "ok_activity")
	d := apData[crm.OKActivityData](t, out)
	if d.Kind != "visit" || d.Account != "ACME Mining Co." || d.Contact != "Zhang Wei" || d.ID == 0 {
		t.Fatalf("data %+v", d)
	}
	if d.Next == nil || d.Next.What != "quote" || !d.Next.HasDue || d.Next.ID == 0 || d.Next.ID == d.ID {
		t.Fatalf("next %+v", d.Next)
	}
	apSameTime(t, "Next.Due", d.Next.Due, apAt(2026, 11, 27, 0, 0))

	v := apGet[*crm.Activity](w, crm.KindActivity, d.ID)
	if v.Type != crm.ActVisit || v.Status != crm.StatusDone || v.Account != w.acmeMining || v.Contact != w.zhangWei || v.Owner != w.wang.ID {
		t.Errorf("visit stored as %+v", v)
	}
	apSameTime(t, "DoneAt", v.DoneAt, apT0)
	for _, frag := range []string{"met Zhang Wei", "demo went well", "2x 320D"} {
		if !strings.Contains(v.Notes, frag) {
			t.Errorf("notes %q lack %q", v.Notes, frag)
		}
	}
	n := apGet[*crm.Activity](w, crm.KindActivity, d.Next.ID)
	if n.Status != crm.StatusOpen || n.FollowUpOf != v.ID || n.Account != w.acmeMining || n.Contact != w.zhangWei || n.Owner != w.wang.ID || n.AssignedBy != 0 {
		t.Errorf("follow-up stored as %+v", n)
	}
	apSameTime(t, "follow-up Due", n.Due, apAt(2026, 11, 27, 18, 0))

	// no equipment on file at ACME Mining: the sender is reminded
	ns := apOneNotice(t, out, "notice_equipment_missing", w.wang.ID)
	if nd := ns.Data.(crm.NoticeEquipmentMissingData); nd.AccountID != w.acmeMining || nd.Account != "ACME Mining Co." {
		t.Errorf("equipment notice data %+v", nd)
	}
	if out.ChangeSet == nil || len(out.ChangeSet.Changes) != 2 {
		t.Errorf("change set %+v, want the visit and its follow-up", out.ChangeSet)
	}
}

func TestApplyLoggedActivities(t *testing.T) {
	w := apNewWorld(t)

	out := w.apOK(w.wang, "V acme mining; met Zhang Wei; yesterday", "ok_activity")
	d := apData[crm.OKActivityData](t, out)
	if d.Next != nil {
		t.Errorf("yesterday made a follow-up: %+v", d.Next)
	}
	apSameTime(t, "DoneAt of yesterday's visit", apGet[*crm.Activity](w, crm.KindActivity, d.ID).DoneAt, apAt(2026, 11, 24, 0, 0))

	out = w.apOK(w.wang, "CALL acme mining; spoke to Zhang Wei; price talk", "ok_activity")
	d = apData[crm.OKActivityData](t, out)
	if d.Kind != "call" || d.Contact != "Zhang Wei" {
		t.Errorf("call %+v", d)
	}
	if len(apNotices(out, "notice_equipment_missing")) != 0 {
		t.Errorf("a call asked for equipment")
	}
	if c := apGet[*crm.Activity](w, crm.KindActivity, d.ID); c.Type != crm.ActCall || c.Contact != w.zhangWei || !strings.Contains(c.Notes, "price talk") {
		t.Errorf("call stored as %+v", c)
	}

	out = w.apOK(w.wang, "MEET acme transport; met Chen Bo; review", "ok_activity")
	d = apData[crm.OKActivityData](t, out)
	if d.Kind != "meeting" || d.Account != "ACME Transport Ltd" || d.Contact != "Chen Bo" {
		t.Errorf("meeting %+v", d)
	}
	if m := apGet[*crm.Activity](w, crm.KindActivity, d.ID); m.Type != crm.ActMeeting || m.Contact != w.chenBo {
		t.Errorf("meeting stored as %+v", m)
	}

	// a person not on file stays a name
	out = w.apOK(w.wang, "V acme mining; met Mr Sun; site tour", "ok_activity")
	d = apData[crm.OKActivityData](t, out)
	if d.Contact != "Mr Sun" || apGet[*crm.Activity](w, crm.KindActivity, d.ID).Contact != 0 {
		t.Errorf("unknown contact: %+v", d)
	}

	// a visit cannot have happened in the future
	cmd, err := w.apParse("V acme mining; met Zhang Wei")
	if err != nil {
		t.Fatal(err)
	}
	future := apT0.Add(2 * time.Hour)
	cmd.At = &future
	w.apRefusedCmd(w.wang, cmd, crm.EINVALID, "future")

	// with equipment on file, no reminder
	w.apOK(w.wang, "EQ acme mining CAT 320D sn CAT0320DXYZ smu 4520", "ok_equipment")
	out = w.apOK(w.wang, "V acme mining; met Zhang Wei; checked the 320D", "ok_activity")
	if len(apNotices(out, "notice_equipment_missing")) != 0 {
		t.Errorf("equipment reminder although a machine is on file")
	}
}

func TestApplyChineseVisit(t *testing.T) {
	w := apNewWorld(t)
	out := w.apOK(w.li, "拜访 华鑫矿业；见了李强；下周二报价", "ok_activity")
	d := apData[crm.OKActivityData](t, out)
	if d.Account != "华鑫矿业有限公司" || d.Contact != "李强" || d.Next == nil || d.Next.What != "报价" {
		t.Fatalf("data %+v next %+v", d, d.Next)
	}
	n := apGet[*crm.Activity](w, crm.KindActivity, d.Next.ID)
	apSameTime(t, "follow-up due", n.Due, apAt(2026, 12, 1, 18, 0))
	if apGet[*crm.Activity](w, crm.KindActivity, d.ID).Contact != w.liQiang {
		t.Errorf("contact not matched")
	}
}

// numbered choices

func TestApplyAmbiguousNameAndChoice(t *testing.T) {
	w := apNewWorld(t)
	before := countAll(t, w.s)
	out := w.apOK(w.wang, "V acme; met zhang", "choose")
	cd := apData[crm.ChooseData](t, out)
	if len(cd.Choices) != 2 || cd.Choices[0].ID != w.acmeMining || cd.Choices[1].ID != w.acmeTransport ||
		cd.Choices[0].N != 1 || cd.Choices[1].N != 2 || cd.Choices[1].Name != "ACME Transport Ltd" {
		t.Fatalf("choices %+v", cd)
	}
	if out.ChangeSet != nil {
		t.Errorf("a question recorded changes: %+v", out.ChangeSet)
	}
	unchanged(t, w.s, before)

	out = w.apOK(w.wang, "2", "ok_activity")
	d := apData[crm.OKActivityData](t, out)
	if d.Account != "ACME Transport Ltd" || d.Kind != "visit" {
		t.Fatalf("choice completed %+v", d)
	}
	v := apGet[*crm.Activity](w, crm.KindActivity, d.ID)
	if v.Account != w.acmeTransport || v.Notes != "met zhang" {
		t.Errorf("visit stored as %+v", v)
	}

	// the question is answered: a second number finds none
	w.apRefused(w.wang, "2", crm.EINVALID, "no question")

	// out of range: refused, the question stays
	w.apOK(w.wang, "V acme; met zhang", "choose")
	w.apRefused(w.wang, "3", crm.EINVALID, "1 to 2")
	w.apOK(w.wang, "1", "ok_activity")

	// after 11 minutes the question is gone
	w.apOK(w.wang, "V acme; met zhang", "choose")
	w.clk.Advance(11 * time.Minute)
	w.apRefused(w.wang, "1", crm.EINVALID, "no question")

	// a bare number with nothing asked
	w.apRefused(w.li, "1", crm.EINVALID, "no question")
}

func TestApplyChoiceOnlyAnswersTheLastMessage(t *testing.T) {
	w := apNewWorld(t)
	w.apOK(w.wang, "V acme; met zhang", "choose")
	w.apOK(w.wang, "FIND acme", "find") // its results are numbered too
	before := countAll(t, w.s)
	if out, err := w.apSend(w.wang, "2"); err == nil {
		t.Errorf("a number after another command completed the old question: %s %+v", out.Template, out.Data)
	}
	unchanged(t, w.s, before)
}

func TestApplyChoiceCompletesAccountAssignAndDone(t *testing.T) {
	w := apNewWorld(t)
	// an account chosen by number is an account, not the activity with that id
	acts := countKind(t, w.s, crm.KindActivity)
	w.apOK(w.liu, "ASSIGN acme li", "choose")
	out := w.apOK(w.liu, "1", "ok_assign")
	if d := apData[crm.OKAssignData](t, out); d.Kind != "account" || d.ID != w.acmeMining || d.Assignee != "Li Ming" {
		t.Fatalf("assign %+v", d)
	}
	if a := apGet[*crm.Account](w, crm.KindAccount, w.acmeMining); a.Owner != w.li.ID {
		t.Errorf("ACME Mining owner #%d, want Li", a.Owner)
	}
	if n := countKind(t, w.s, crm.KindActivity); n != acts {
		t.Errorf("activities %d → %d", acts, n)
	}

	// DONE <account name> with an ambiguous name, then the number
	out = w.apOK(w.wang, "PLAN call acme transport fri", "ok_planned")
	id := apData[crm.OKPlannedData](t, out).ID
	w.apOK(w.wang, "DONE acme; sent quote", "choose")
	out = w.apOK(w.wang, "2", "ok_done")
	if d := apData[crm.OKDoneData](t, out); d.ID != id {
		t.Fatalf("done %+v, want #%d", d, id)
	}
	if a := apGet[*crm.Activity](w, crm.KindActivity, id); a.Status != crm.StatusDone || a.Outcome != "sent quote" {
		t.Errorf("activity %+v", a)
	}
}

// PLAN

func TestApplyPlan(t *testing.T) {
	w := apNewWorld(t)
	out := w.apOK(w.wang, "PLAN visit acme mining fri urgent", "ok_planned")
	d := apData[crm.OKPlannedData](t, out)
	if d.Kind != "visit" || d.Account != "ACME Mining Co." || !d.Urgent || d.HasTime || d.Owner != "" {
		t.Errorf("planned %+v", d)
	}
	apSameTime(t, "planned Due", d.Due, apAt(2026, 11, 27, 0, 0))
	a := apGet[*crm.Activity](w, crm.KindActivity, d.ID)
	if a.Owner != w.wang.ID || a.AssignedBy != 0 || a.Status != crm.StatusOpen || a.Priority != crm.PriorityUrgent || a.Type != crm.ActVisit || a.Account != w.acmeMining {
		t.Errorf("stored %+v", a)
	}
	apSameTime(t, "stored Due", a.Due, apAt(2026, 11, 27, 18, 0))
	if len(out.Notices) != 0 {
		t.Errorf("planning for oneself told someone: %+v", out.Notices)
	}

	out = w.apOK(w.wang, "PLAN call acme mining fri 3pm", "ok_planned")
	d = apData[crm.OKPlannedData](t, out)
	if !d.HasTime || d.Urgent {
		t.Errorf("planned %+v", d)
	}
	a = apGet[*crm.Activity](w, crm.KindActivity, d.ID)
	apSameTime(t, "Due with a time", a.Due, apAt(2026, 11, 27, 15, 0))
	if a.Priority != crm.PriorityNormal {
		t.Errorf("priority %q", a.Priority)
	}

	// a manager plans for a salesman: an assignment, told at once
	out = w.apOK(w.liu, "PLAN wang visit acme mining fri urgent", "ok_planned")
	d = apData[crm.OKPlannedData](t, out)
	if d.Owner != "Wang Jun" || !d.Urgent {
		t.Errorf("planned %+v", d)
	}
	a = apGet[*crm.Activity](w, crm.KindActivity, d.ID)
	if a.Owner != w.wang.ID || a.AssignedBy != w.liu.ID {
		t.Errorf("stored owner #%d assigned by #%d", a.Owner, a.AssignedBy)
	}
	apSameTime(t, "AssignedAt", a.AssignedAt, apT0)
	n := apOneNotice(t, out, "notice_assigned", w.wang.ID)
	nd := n.Data.(crm.NoticeAssignedData)
	if nd.ID != a.ID || nd.Kind != "visit" || nd.Account != "ACME Mining Co." || !nd.Urgent || !nd.HasDue || nd.By != "Liu Yang" {
		t.Errorf("notice data %+v", nd)
	}
	if !n.SMS {
		t.Errorf("assignment notice is not an SMS")
	}

	// a salesman cannot plan for someone else
	w.apRefused(w.wang, "PLAN li visit acme mining fri", crm.EFORBIDDEN, "manager")
	// nor may a manager plan for the other branch's salesman (he does not see him)
	err := w.apRefused(w.liu, "PLAN zhao visit acme mining fri", crm.ENOTFOUND)
	if strings.Contains(crm.ErrorMessage(err), "Zhao Lei") {
		t.Errorf("refusal names the other branch's user: %v", err)
	}
}

// DONE / REJECT

func TestApplyDoneAndReject(t *testing.T) {
	w := apNewWorld(t)
	p := apData[crm.OKPlannedData](t, w.apOK(w.liu, "PLAN wang visit acme mining fri", "ok_planned")).ID

	// Li cannot finish Wang's activity
	if err := w.apRefused(w.li, fmt.Sprintf("DONE #%d met purchasing", p), crm.ENOTFOUND); err == nil {
		t.Fatal("refused without error")
	}

	out := w.apOK(w.wang, fmt.Sprintf("DONE #%d met purchasing; next: call mon", p), "ok_done")
	d := apData[crm.OKDoneData](t, out)
	if d.ID != p || d.Next == nil || d.Next.What != "call" || !d.Next.HasDue {
		t.Fatalf("done %+v next %+v", d, d.Next)
	}
	a := apGet[*crm.Activity](w, crm.KindActivity, p)
	if a.Status != crm.StatusDone || !strings.Contains(a.Outcome, "purchasing") {
		t.Errorf("stored %+v", a)
	}
	apSameTime(t, "DoneAt", a.DoneAt, apT0)
	n := apGet[*crm.Activity](w, crm.KindActivity, d.Next.ID)
	if n.Type != crm.ActCall || n.FollowUpOf != p || n.Owner != w.wang.ID || n.Account != w.acmeMining || n.Status != crm.StatusOpen {
		t.Errorf("follow-up %+v", n)
	}
	apSameTime(t, "follow-up due", n.Due, apAt(2026, 11, 30, 18, 0))

	// twice: the activity is finished
	w.apRefused(w.wang, fmt.Sprintf("DONE #%d again", p), crm.ECONFLICT, "finished")

	// REJECT goes back to whoever assigned it
	q := apData[crm.OKPlannedData](t, w.apOK(w.liu, "PLAN wang call acme transport thu", "ok_planned")).ID
	w.apParseRefused(fmt.Sprintf("REJECT #%d", q), "reason")
	cmd := &parser.Command{Verb: parser.VerbReject, Target: &parser.Ref{ID: q}, Raw: "REJECT"}
	w.apRefusedCmd(w.wang, cmd, crm.EINVALID, "reason")

	out = w.apOK(w.wang, fmt.Sprintf("REJECT #%d need pricing approval", q), "ok_rejected")
	rd := apData[crm.OKRejectedData](t, out)
	if rd.ID != q || rd.Manager != "Liu Yang" {
		t.Errorf("rejected %+v", rd)
	}
	r := apGet[*crm.Activity](w, crm.KindActivity, q)
	if r.Status != crm.StatusRejected || r.Outcome != "need pricing approval" {
		t.Errorf("stored %+v", r)
	}
	nn := apOneNotice(t, out, "notice_rejected", w.liu.ID)
	if nd := nn.Data.(crm.NoticeRejectedData); nd.ID != q || nd.Reason != "need pricing approval" || nd.By != "Wang Jun" {
		t.Errorf("notice %+v", nd)
	}

	// a self-planned activity rejected: his manager is told
	s := apData[crm.OKPlannedData](t, w.apOK(w.wang, "PLAN visit acme transport fri", "ok_planned")).ID
	out = w.apOK(w.wang, fmt.Sprintf("REJECT #%d customer away until dec", s), "ok_rejected")
	apOneNotice(t, out, "notice_rejected", w.liu.ID)
}

func TestApplyDoneFollowUpUsesSendersZone(t *testing.T) {
	// the store's default zone is UTC; the sender is in Shanghai
	w := apNewWorldOpts(t, time.UTC)
	p := apData[crm.OKPlannedData](t, w.apOK(w.wang, "PLAN visit acme mining fri", "ok_planned")).ID
	out := w.apOK(w.wang, fmt.Sprintf("DONE #%d met purchasing; next: call mon", p), "ok_done")
	n := apGet[*crm.Activity](w, crm.KindActivity, apData[crm.OKDoneData](t, out).Next.ID)
	apSameTime(t, "follow-up due", n.Due, apAt(2026, 11, 30, 18, 0))
}

// LEAD

func TestApplyLead(t *testing.T) {
	w := apNewWorld(t)
	w.apParseRefused("LEAD Huaxin Mining; Li Gang 13901234567; src: referral", "referral <name>")
	cmd := &parser.Command{Verb: parser.VerbLead, Action: "create", Target: &parser.Ref{Name: "Huaxin Mining"}, Contact: "Li Gang",
		Source: "referral", Raw: "LEAD"}
	w.apRefusedCmd(w.wang, cmd, crm.EINVALID, "referrer")

	out := w.apOK(w.wang, "LEAD Huaxin Mining; Li Gang 13901234567; src: referral Wang Jun; needs 2 loaders", "ok_lead")
	d := apData[crm.OKLeadData](t, out)
	if d.Company != "Huaxin Mining" || d.Person != "Li Gang" || d.Source != crm.SrcReferral || d.Action != "create" {
		t.Errorf("lead %+v", d)
	}
	l := apGet[*crm.Lead](w, crm.KindLead, d.ID)
	if l.Referrer != "Wang Jun" || l.Phone != "+8613901234567" || l.Status != crm.LeadNew || l.Owner != w.wang.ID || !strings.Contains(l.Needs, "loaders") {
		t.Errorf("stored %+v", l)
	}
	if len(out.Notices) != 0 {
		t.Errorf("own lead told someone: %+v", out.Notices)
	}

	w.apOK(w.wang, fmt.Sprintf("LEAD L%d qualify", d.ID), "ok_lead")
	if l := apGet[*crm.Lead](w, crm.KindLead, d.ID); l.Status != crm.LeadQualified {
		t.Errorf("status %q", l.Status)
	}

	err := w.apRefused(w.wang, fmt.Sprintf("LEAD #%d convert", d.ID), crm.EINVALID, "missing", "city", "industry")
	if h := apHint(err); !strings.Contains(strings.ToUpper(h), fmt.Sprintf("LEAD #%d CONVERT", d.ID)) {
		t.Errorf("hint %q does not show a form the parser reads", h)
	}

	out = w.apOK(w.wang, fmt.Sprintf("LEAD #%d convert; city: Anshan; industry: mining", d.ID), "ok_lead")
	cd := apData[crm.OKLeadData](t, out)
	if cd.Action != "convert" || cd.Account == 0 || cd.Opp == 0 || cd.Company != "Huaxin Mining" {
		t.Fatalf("convert %+v", cd)
	}
	a := apGet[*crm.Account](w, crm.KindAccount, cd.Account)
	if a.Name != "Huaxin Mining" || a.City != "Anshan" || a.Industry != "mining" || a.Owner != w.wang.ID || a.Lead != d.ID {
		t.Errorf("account %+v", a)
	}
	o := apGet[*crm.Opportunity](w, crm.KindOpp, cd.Opp)
	if o.Account != a.ID || o.Lead != d.ID || o.Stage != crm.StageIdentification {
		t.Errorf("opp %+v", o)
	}
	l = apGet[*crm.Lead](w, crm.KindLead, d.ID)
	if l.Status != crm.LeadConverted || l.ConvAccount != a.ID || l.ConvOpp != o.ID || l.ConvContact == 0 {
		t.Errorf("lead %+v", l)
	}
	if c := apGet[*crm.Contact](w, crm.KindContact, l.ConvContact); c.Name != "Li Gang" || c.Account != a.ID || c.Mobile != "+8613901234567" {
		t.Errorf("contact %+v", c)
	}
	apOneNotice(t, out, "notice_account", w.liu.ID)

	// disqualify with a reason
	d2 := apData[crm.OKLeadData](t, w.apOK(w.wang, "LEAD Dongfang Quarry; Mr Zhao 13912345678; src: web", "ok_lead"))
	w.apOK(w.wang, fmt.Sprintf("LEAD #%d disqualify too small", d2.ID), "ok_lead")
	if l := apGet[*crm.Lead](w, crm.KindLead, d2.ID); l.Status != crm.LeadDisqualified || l.Reason != "too small" {
		t.Errorf("disqualified %+v", l)
	}
}

func TestApplyLeadForSomeoneElse(t *testing.T) {
	w := apNewWorld(t)
	out := w.apOK(w.liu, "LEAD Xinyuan Build; Mr Qian 13912340000; src: web; owner: wang", "ok_lead")
	d := apData[crm.OKLeadData](t, out)
	if l := apGet[*crm.Lead](w, crm.KindLead, d.ID); l.Owner != w.wang.ID {
		t.Fatalf("lead owner #%d, want Wang", l.Owner)
	}
	n := apOneNotice(t, out, "notice_lead", w.wang.ID)
	if nd := n.Data.(crm.NoticeLeadData); nd.ID != d.ID || nd.Company != "Xinyuan Build" || nd.Person != "Mr Qian" || nd.By != "Liu Yang" {
		t.Errorf("notice %+v", nd)
	}
	// one message about one lead
	for _, n := range out.Notices {
		if n.To == w.wang.ID && n.Template != "notice_lead" {
			t.Errorf("Wang is also sent %s", n.Template)
		}
	}
	w.apRefused(w.wang, "LEAD Fushun Coal; Mr Ge 13912349999; src: web; owner: li", crm.EFORBIDDEN)
}

// CONTACT, requests

func TestApplyContactAndRemovalApproval(t *testing.T) {
	w := apNewWorld(t)
	out := w.apOK(w.wang, "CONTACT acme mining; Li Wei; 13911112222; purchasing manager", "ok_contact")
	d := apData[crm.OKContactData](t, out)
	if d.Name != "Li Wei" || d.Account != "ACME Mining Co." || d.Phone != "+8613911112222" {
		t.Errorf("contact %+v", d)
	}
	c := apGet[*crm.Contact](w, crm.KindContact, d.ID)
	if c.Account != w.acmeMining || c.Title != "purchasing manager" || c.Mobile != "+8613911112222" || c.Owner != w.wang.ID {
		t.Errorf("stored %+v", c)
	}

	// a salesman's removal waits for his manager
	out = w.apOK(w.wang, fmt.Sprintf("CONTACT #%d retired", w.zhangWei), "ok_pending")
	pd := apData[crm.OKPendingData](t, out)
	if pd.Manager != "Liu Yang" || !strings.Contains(pd.Subject, "Zhang Wei") {
		t.Errorf("pending %+v", pd)
	}
	req := apGet[*crm.Request](w, crm.KindRequest, pd.ID)
	if req.Status != crm.ReqPending || req.Target != w.zhangWei || req.Reason != "retired" || req.RequestedBy != w.wang.ID {
		t.Errorf("request %+v", req)
	}
	if apGet[*crm.Contact](w, crm.KindContact, w.zhangWei).Removed {
		t.Fatal("removed before approval")
	}
	n := apOneNotice(t, out, "notice_approval", w.liu.ID)
	if nd := n.Data.(crm.NoticeApprovalData); nd.ID != pd.ID || nd.By != "Wang Jun" {
		t.Errorf("approval notice %+v", nd)
	}

	// a salesman cannot approve
	w.apRefused(w.li, fmt.Sprintf("APPROVE #%d", pd.ID), crm.ENOTFOUND)

	out = w.apOK(w.liu, fmt.Sprintf("APPROVE #%d", pd.ID), "ok_approve")
	if ad := apData[crm.OKApproveData](t, out); ad.ID != pd.ID || !ad.Approved {
		t.Errorf("approve %+v", ad)
	}
	if c := apGet[*crm.Contact](w, crm.KindContact, w.zhangWei); !c.Removed || c.RemovedReason != "retired" {
		t.Errorf("contact after approval %+v", c)
	}
	n = apOneNotice(t, out, "notice_decided", w.wang.ID)
	if nd := n.Data.(crm.NoticeDecidedData); !nd.Approved || nd.ID != pd.ID {
		t.Errorf("decided %+v", nd)
	}
	w.apRefused(w.liu, fmt.Sprintf("APPROVE #%d", pd.ID), crm.ECONFLICT, "already")

	// refused with a reason
	out = w.apOK(w.wang, fmt.Sprintf("CONTACT #%d left", d.ID), "ok_pending")
	r2 := apData[crm.OKPendingData](t, out).ID
	out = w.apOK(w.liu, fmt.Sprintf("REFUSE #%d he still works there", r2), "ok_approve")
	if ad := apData[crm.OKApproveData](t, out); ad.Approved {
		t.Errorf("refusal approved")
	}
	if r := apGet[*crm.Request](w, crm.KindRequest, r2); r.Status != crm.ReqRefused || r.Note != "he still works there" || r.DecidedBy != w.liu.ID {
		t.Errorf("refused request %+v", r)
	}
	if apGet[*crm.Contact](w, crm.KindContact, d.ID).Removed {
		t.Errorf("refused removal removed")
	}
	n = apOneNotice(t, out, "notice_decided", w.wang.ID)
	if n.Data.(crm.NoticeDecidedData).Approved {
		t.Errorf("decided notice says approved")
	}
}

// ACCOUNT

func TestApplyAccount(t *testing.T) {
	w := apNewWorld(t)
	w.apRefused(w.wang, "ACCOUNT Xinyuan Build; 024-22334455; industry: construction", crm.EINVALID, "needs at least one contact")

	out := w.apOK(w.wang, "ACCOUNT Xinyuan Build; 024-22334455; contact: Sun Li 13911112222; industry: construction", "ok_account")
	d := apData[crm.OKAccountData](t, out)
	if d.Name != "Xinyuan Build" || d.Contact != "Sun Li" || d.Action != "create" {
		t.Errorf("account %+v", d)
	}
	a := apGet[*crm.Account](w, crm.KindAccount, d.ID)
	if a.Industry != "construction" || a.Owner != w.wang.ID || len(a.Phones) != 1 || a.Phones[0] != "+862422334455" {
		t.Errorf("stored %+v", a)
	}
	var contacts []*crm.Contact
	mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
		var err error
		contacts, err = tx.ContactsOf(a.ID)
		return err
	})
	if len(contacts) != 1 || contacts[0].Name != "Sun Li" || contacts[0].Mobile != "+8613911112222" {
		t.Errorf("contacts %+v", contacts)
	}
	apOneNotice(t, out, "notice_account", w.liu.ID)

	// deactivating needs a reason (the parser asks) and tells the manager and credit
	w.apParseRefused(fmt.Sprintf("ACCOUNT #%d inactive", a.ID), "reason")
	out = w.apOK(w.wang, fmt.Sprintf("ACCOUNT #%d deactivate; company closed", a.ID), "ok_account")
	if a := apGet[*crm.Account](w, crm.KindAccount, a.ID); a.Status != crm.AccountInactive || a.InactiveReason != "company closed" {
		t.Errorf("deactivated %+v", a)
	}
	// the manager and the credit department are told
	inactive := apNotices(out, "notice_inactive")
	if len(inactive) != 2 || inactive[0].To != w.liu.ID || inactive[1].To != w.credit.ID {
		t.Fatalf("inactive notices %+v, want Liu's and credit's", inactive)
	}
	if nd := inactive[0].Data.(crm.NoticeInactiveData); nd.Reason != "company closed" || nd.Account != "Xinyuan Build" || nd.By != "Wang Jun" {
		t.Errorf("notice %+v", nd)
	}
	var n crm.Notice

	// a phone change keeps the old number and tells the manager
	out = w.apOK(w.wang, fmt.Sprintf("ACCOUNT #%d; 024-22334466", w.acmeMining), "ok_account")
	m := apGet[*crm.Account](w, crm.KindAccount, w.acmeMining)
	if len(m.Phones) != 1 || m.Phones[0] != "+862422334466" {
		t.Errorf("phones %v", m.Phones)
	}
	if len(m.PhoneHistory) != 1 || m.PhoneHistory[0].Old != "+862488886666" || m.PhoneHistory[0].New != "+862422334466" || m.PhoneHistory[0].By != w.wang.ID {
		t.Errorf("phone history %+v", m.PhoneHistory)
	}
	// the reply says what changed (not "created"), the numbers as people write them
	if d := apData[crm.OKAccountData](t, out); d.Action != "update" || len(d.Phones) != 1 || d.Phones[0] != "02422334466" || d.Contact != "" {
		t.Errorf("update reply %+v", d)
	}
	n = apOneNotice(t, out, "notice_phone_changed", w.liu.ID)
	if nd := n.Data.(crm.NoticePhoneChangedData); nd.Old != "02488886666" || nd.New != "02422334466" {
		t.Errorf("phone notice %+v", nd)
	}
	// ACCT with segments changes; it never creates an account
	out = w.apOK(w.wang, "ACCT acme mining phone 024-2281 5566; addr: 12 Beiling St", "ok_account")
	if d := apData[crm.OKAccountData](t, out); d.Action != "update" || d.Address != "12 Beiling St" || d.Phones[0] != "02422815566" {
		t.Errorf("ACCT update reply %+v", d)
	}
	if m := apGet[*crm.Account](w, crm.KindAccount, w.acmeMining); m.Address != "12 Beiling St" || m.Phones[0] != "+862422815566" {
		t.Errorf("ACCT update stored %+v", m)
	}
}

// OPP

func TestApplyOpp(t *testing.T) {
	w := apNewWorld(t)
	out := w.apOK(w.wang, "OPP acme mining; 2x 320D; 2.4m; close 15/12", "ok_opp")
	d := apData[crm.OKOppData](t, out)
	if d.Account != "ACME Mining Co." || d.Stage != "identification" || d.Amount != 240_000_000 || d.Action != "create" || d.Name == "" {
		t.Errorf("opp %+v", d)
	}
	apSameTime(t, "Close", d.Close, apAt(2026, 12, 15, 0, 0))
	o := apGet[*crm.Opportunity](w, crm.KindOpp, d.ID)
	if o.Account != w.acmeMining || len(o.Products) != 1 || o.Products[0] != (crm.ProductLine{Model: "320D", Qty: 2}) || o.Amount != 240_000_000 || o.Owner != w.wang.ID {
		t.Errorf("stored %+v", o)
	}
	id := d.ID
	ref := func(s string) string { return fmt.Sprintf("OPP #%d %s", id, s) }

	for _, st := range []string{"qualification", "development", "proposal"} {
		if d := apData[crm.OKOppData](t, w.apOK(w.wang, ref("stage "+st), "ok_opp")); d.Stage != st {
			t.Errorf("stage %q, want %q", d.Stage, st)
		}
	}
	if o := apGet[*crm.Opportunity](w, crm.KindOpp, id); o.Stage != crm.StageProposal || len(o.StageHistory) != 3 || o.Probability != 75 {
		t.Errorf("after stages %+v", o)
	}

	w.apOK(w.wang, ref("amt 3m"), "ok_opp")
	w.apOK(w.wang, ref("close 20/12"), "ok_opp")
	w.apOK(w.wang, ref("product 3x 336"), "ok_opp")
	w.apOK(w.wang, ref("comp sany"), "ok_opp")
	w.apOK(w.wang, ref("role Zhang Wei economic buyer"), "ok_opp")
	o = apGet[*crm.Opportunity](w, crm.KindOpp, id)
	if o.Amount != 300_000_000 {
		t.Errorf("amount %d", o.Amount)
	}
	apSameTime(t, "close", o.Close, apAt(2026, 12, 20, 0, 0))
	if len(o.Products) != 2 || o.Products[1] != (crm.ProductLine{Model: "336", Qty: 3}) {
		t.Errorf("products %+v", o.Products)
	}
	if len(o.Competitors) != 1 || o.Competitors[0] != "Sany" {
		t.Errorf("competitors %v", o.Competitors)
	}
	if len(o.People) != 1 || o.People[0].Contact != w.zhangWei || o.People[0].Role != crm.RoleEconomicBuyer {
		t.Errorf("people %+v", o.People)
	}

	w.apRefused(w.wang, ref("nodeal"), crm.EINVALID, "reason")
	out = w.apOK(w.wang, ref("won 1.2m"), "ok_opp")
	if d := apData[crm.OKOppData](t, out); d.Stage != "won" || d.Amount != 120_000_000 {
		t.Errorf("won %+v", d)
	}
	if o := apGet[*crm.Opportunity](w, crm.KindOpp, id); o.Stage != crm.StageWon || o.Amount != 120_000_000 || !o.ClosedAt.Equal(apT0) {
		t.Errorf("won stored %+v", o)
	}
	w.apRefused(w.wang, ref("amt 2m"), crm.ECONFLICT, "closed")

	o2 := apData[crm.OKOppData](t, w.apOK(w.wang, "OPP acme transport; 1x 950H; 800k", "ok_opp")).ID
	w.apOK(w.wang, fmt.Sprintf("OPP #%d lost komatsu; price", o2), "ok_opp")
	if o := apGet[*crm.Opportunity](w, crm.KindOpp, o2); o.Stage != crm.StageLost || o.LostTo != "Komatsu" || o.LostReason != "price" {
		t.Errorf("lost %+v", o)
	}
	o3 := apData[crm.OKOppData](t, w.apOK(w.wang, "OPP acme transport; 2x 966H; 1.5m", "ok_opp")).ID
	w.apOK(w.wang, fmt.Sprintf("OPP #%d nodeal no budget", o3), "ok_opp")
	if o := apGet[*crm.Opportunity](w, crm.KindOpp, o3); o.Stage != crm.StageNoDeal {
		t.Errorf("nodeal %+v", o)
	}
}

// EQ

func TestApplyEquipment(t *testing.T) {
	w := apNewWorld(t)
	out := w.apOK(w.wang, "EQ acme mining CAT 320D sn CAT0320DXYZ smu 4520 loc Shenyang cond good", "ok_equipment")
	d := apData[crm.OKEquipmentData](t, out)
	if !d.New || d.Brand != "CAT" || d.Model != "320D" || d.Serial != "CAT0320DXYZ" || d.SMU != 4520 || d.Account != "ACME Mining Co." {
		t.Errorf("equipment %+v", d)
	}
	e := apGet[*crm.Equipment](w, crm.KindEquipment, d.ID)
	if e.Account != w.acmeMining || e.Location != "Shenyang" || e.Condition != "good" || e.SMU != 4520 {
		t.Errorf("stored %+v", e)
	}

	out = w.apOK(w.wang, "EQ acme mining CAT 320D sn CAT0320DXYZ smu 4600", "ok_equipment")
	if d2 := apData[crm.OKEquipmentData](t, out); d2.New || d2.ID != d.ID || d2.SMU != 4600 {
		t.Errorf("update %+v", d2)
	}
	if n := countKind(t, w.s, crm.KindEquipment); n != 1 {
		t.Errorf("%d machines, want 1", n)
	}
	w.apRefused(w.wang, "EQ acme mining CAT 320D sn CAT0320DXYZ smu 4000", crm.EINVALID, "note")
	w.apOK(w.wang, "EQ acme mining CAT 320D sn CAT0320DXYZ smu 4000; note: meter replaced", "ok_equipment")
	e = apGet[*crm.Equipment](w, crm.KindEquipment, d.ID)
	if e.SMU != 4000 || len(e.History) == 0 || e.History[len(e.History)-1].Note != "meter replaced" {
		t.Errorf("after meter change %+v", e)
	}

	out = w.apOK(w.wang, "EQ acme mining Komatsu PC200 bought 2019-05", "ok_equipment")
	k := apData[crm.OKEquipmentData](t, out)
	if !k.New || k.ID == d.ID {
		t.Errorf("komatsu %+v", k)
	}
	ke := apGet[*crm.Equipment](w, crm.KindEquipment, k.ID)
	if ke.Brand != "KOMATSU" || ke.Model != "PC200" || ke.Bought.Year() != 2019 || ke.Bought.Month() != time.May {
		t.Errorf("stored %+v", ke)
	}
	if k2 := apData[crm.OKEquipmentData](t, w.apOK(w.wang, "EQ acme mining Komatsu PC200 bought 2019-05 cond fair", "ok_equipment")); k2.New || k2.ID != k.ID {
		t.Errorf("same komatsu again %+v", k2)
	}

	// the serial is on file at another account
	w.apRefused(w.wang, "EQ acme transport CAT 320D sn CAT0320DXYZ", crm.ECONFLICT, "ACME Mining")
}

// NOTE

func TestApplyNote(t *testing.T) {
	w := apNewWorld(t)
	out := w.apOK(w.wang, "NOTE acme mining; new GM from January", "ok_note")
	d := apData[crm.OKNoteData](t, out)
	if d.On != "ACME Mining Co." {
		t.Errorf("note %+v", d)
	}
	n := apGet[*crm.Activity](w, crm.KindActivity, d.ID)
	if n.Type != crm.ActNote || n.Status != crm.StatusDone || n.Account != w.acmeMining || n.Notes != "new GM from January" {
		t.Errorf("stored %+v", n)
	}

	o := apData[crm.OKOppData](t, w.apOK(w.wang, "OPP acme mining; 1x 320D; 1m", "ok_opp"))
	d = apData[crm.OKNoteData](t, w.apOK(w.wang, fmt.Sprintf("NOTE O%d customer prefers Sany financing", o.ID), "ok_note"))
	if n := apGet[*crm.Activity](w, crm.KindActivity, d.ID); n.Opp != o.ID || n.Account != w.acmeMining || d.On != o.Name {
		t.Errorf("note on opp %+v / %+v", n, d)
	}

	p := apData[crm.OKPlannedData](t, w.apOK(w.wang, "PLAN call acme mining fri", "ok_planned")).ID
	d = apData[crm.OKNoteData](t, w.apOK(w.wang, fmt.Sprintf("NOTE A%d call after lunch", p), "ok_note"))
	if n := apGet[*crm.Activity](w, crm.KindActivity, d.ID); n.FollowUpOf != p || n.Account != w.acmeMining {
		t.Errorf("note on activity %+v", n)
	}

	l := apData[crm.OKLeadData](t, w.apOK(w.wang, "LEAD Fushun Coal; Mr Ge 13912349999; src: web", "ok_lead")).ID
	d = apData[crm.OKNoteData](t, w.apOK(w.wang, fmt.Sprintf("NOTE L%d; big fleet", l), "ok_note"))
	if n := apGet[*crm.Activity](w, crm.KindActivity, d.ID); n.Lead != l || d.On != "Fushun Coal" {
		t.Errorf("note on lead %+v", n)
	}

	w.apParseRefused("NOTE acme", "NOTE")
	cmd := &parser.Command{Verb: parser.VerbNote, Target: &parser.Ref{Name: "acme mining"}, Notes: "  ", Raw: "NOTE"}
	w.apRefusedCmd(w.wang, cmd, crm.EINVALID, "empty")
}

// queries

// apQueryWorld gives Wang, Li and Zhao activities and opportunities.
func apQueryWorld(t *testing.T) (w *apWorld, overdue, today, later int64) {
	w = apNewWorld(t)
	w.apCreate(func(tx *crm.Tx) error {
		mk := func(owner *crm.User, acct int64, subject string, due time.Time) int64 {
			a := &crm.Activity{Base: crm.Base{Owner: owner.ID}, Type: crm.ActCall, Subject: subject, Account: acct, Due: due}
			if err := tx.CreateActivity(a); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		overdue = mk(w.wang, w.acmeMining, "call quote", apAt(2026, 11, 23, 18, 0))
		today = mk(w.wang, w.acmeTransport, "call delivery", apAt(2026, 11, 25, 16, 0))
		later = mk(w.wang, w.acmeMining, "call service", apAt(2026, 12, 2, 18, 0))
		mk(w.li, w.huaxin, "call li", apAt(2026, 11, 25, 11, 0))
		mk(w.zhao, w.dalian, "call dalian", apAt(2026, 11, 25, 11, 0))
		mk(w.zhao, w.dalian, "call dalian overdue", apAt(2026, 11, 20, 11, 0))
		opp := func(owner *crm.User, acct int64, name string, amount crm.Money, close time.Time) {
			o := &crm.Opportunity{Base: crm.Base{Owner: owner.ID}, Name: name, Account: acct, Amount: amount, Close: close}
			if err := tx.CreateOpp(o); err != nil {
				t.Fatal(err)
			}
		}
		opp(w.wang, w.acmeMining, "late", 100_000_00, apAt(2027, 1, 20, 0, 0))
		opp(w.wang, w.acmeTransport, "soon", 200_000_00, apAt(2026, 12, 10, 0, 0))
		opp(w.wang, w.acmeMining, "undated", 300_000_00, time.Time{})
		opp(w.li, w.huaxin, "li's", 400_000_00, apAt(2026, 12, 1, 0, 0))
		opp(w.zhao, w.dalian, "dalian's", 500_000_00, apAt(2026, 12, 1, 0, 0))
		return nil
	})
	return w, overdue, today, later
}

func TestApplyToday(t *testing.T) {
	w, overdue, today, _ := apQueryWorld(t)
	out := w.apOK(w.wang, "TODAY", "today")
	if !out.Paged || out.ChangeSet != nil {
		t.Errorf("paged %v change set %+v", out.Paged, out.ChangeSet)
	}
	d := apData[crm.TodayData](t, out)
	if len(d.Overdue) != 1 || d.Overdue[0].ID != overdue || len(d.Today) != 1 || d.Today[0].ID != today || d.Later != 1 {
		t.Errorf("today %+v", d)
	}
	if !d.Today[0].HasTime || d.Today[0].Account != "ACME Transport Ltd" {
		t.Errorf("today's item %+v", d.Today[0])
	}
	apSameTime(t, "Date", d.Date, apAt(2026, 11, 25, 0, 0))
}

// TestApplyTodayFollowsTheIndex: the agenda tells today's work from later
// work by the due time kept in the index of open activities, so that index
// must follow every change of due date, and a manager's view (which reads
// each record to check access) must agree with the owner's.
func TestApplyTodayFollowsTheIndex(t *testing.T) {
	w, overdue, today, later := apQueryWorld(t)
	var undated int64
	w.apCreate(func(tx *crm.Tx) error {
		if _, err := tx.UpdateActivity(later, func(a *crm.Activity) error { a.Due = apAt(2026, 11, 25, 21, 0); return nil }); err != nil {
			return err
		}
		if _, err := tx.UpdateActivity(today, func(a *crm.Activity) error { a.Due = apAt(2026, 11, 28, 9, 0); return nil }); err != nil {
			return err
		}
		a := &crm.Activity{Base: crm.Base{Owner: w.wang.ID}, Type: crm.ActCall, Subject: "call someday", Account: w.acmeMining}
		if err := tx.CreateActivity(a); err != nil {
			return err
		}
		undated = a.ID
		return nil
	})
	for _, as := range []struct {
		who  *crm.User
		text string
	}{{w.wang, "TODAY"}, {w.liu, "TODAY wang"}} {
		d := apData[crm.TodayData](t, w.apOK(as.who, as.text, "today"))
		if len(d.Overdue) != 1 || d.Overdue[0].ID != overdue || len(d.Today) != 1 || d.Today[0].ID != later || d.Later != 2 {
			t.Errorf("%s %q: %+v (want overdue #%d, today #%d, 2 later: #%d and undated #%d)", as.who.Name, as.text, d, overdue, later, today, undated)
		}
	}
	w.apCreate(func(tx *crm.Tx) error {
		_, err := tx.UpdateActivity(undated, func(a *crm.Activity) error { a.Due = apAt(2026, 11, 24, 9, 0); return nil })
		return err
	})
	if d := apData[crm.TodayData](t, w.apOK(w.wang, "TODAY", "today")); len(d.Overdue) != 2 || d.Later != 1 {
		t.Errorf("after dating #%d overdue: %+v", undated, d)
	}
	// today's work whose time has passed is overdue, as TEAM counts it
	w.apCreate(func(tx *crm.Tx) error {
		_, err := tx.UpdateActivity(later, func(a *crm.Activity) error { a.Due = w.clk.Now().Add(-time.Minute); return nil })
		return err
	})
	d := apData[crm.TodayData](t, w.apOK(w.wang, "TODAY", "today"))
	if len(d.Overdue) != 3 || d.Overdue[2].ID != later || len(d.Today) != 0 {
		t.Errorf("after #%d's time passed: %+v", later, d)
	}
	team := apData[crm.TeamData](t, w.apOK(w.liu, "TEAM", "team"))
	for _, r := range team.Rows {
		if r.Name == w.wang.Name && r.Overdue != len(d.Overdue) {
			t.Errorf("TEAM says Wang has %d overdue, his TODAY %d", r.Overdue, len(d.Overdue))
		}
	}
	if rep, err := w.s.Check(false); err != nil || !rep.OK() {
		t.Errorf("check: %+v %v", rep, err)
	}
}

func TestApplyOppsFunnelLost(t *testing.T) {
	w, _, _, _ := apQueryWorld(t)
	out := w.apOK(w.wang, "OPPS", "opps")
	d := apData[crm.OppsData](t, out)
	var names []string
	for _, o := range d.Opps {
		names = append(names, o.Name)
	}
	if strings.Join(names, ",") != "soon,late,undated" || d.Total != 600_000_00 || !out.Paged {
		t.Errorf("opps %v total %d", names, d.Total)
	}

	fd := apData[crm.FunnelData](t, w.apOK(w.wang, "FUNNEL", "funnel"))
	if fd.Stages[0].Stage != "identification" || fd.Stages[0].Count != 3 || fd.Stages[0].Amount != 600_000_00 {
		t.Errorf("Wang's funnel %+v", fd.Stages)
	}
	fd = apData[crm.FunnelData](t, w.apOK(w.liu, "FUNNEL", "funnel"))
	if fd.Stages[0].Count != 4 || fd.Stages[0].Amount != 1000_000_00 {
		t.Errorf("Liu's funnel %+v (want his branch: 4 opps)", fd.Stages)
	}
	fd = apData[crm.FunnelData](t, w.apOK(w.liu, "FUNNEL wang", "funnel"))
	if fd.Stages[0].Count != 3 {
		t.Errorf("Liu's funnel of Wang %+v", fd.Stages)
	}
	w.apRefused(w.wang, "FUNNEL li", crm.EFORBIDDEN)

	// a loss this month shows in LOST and in the funnel's closed rows
	var soon int64
	for _, o := range d.Opps {
		if o.Name == "soon" {
			soon = o.ID
		}
	}
	w.apOK(w.wang, fmt.Sprintf("OPP #%d lost komatsu; price", soon), "ok_opp")
	ld := apData[crm.LostData](t, w.apOK(w.liu, "LOST", "lost"))
	if ld.Period != "this month" || len(ld.Lost) != 1 || ld.Lost[0].ID != soon || ld.Lost[0].Competitor != "Komatsu" || ld.Lost[0].Reason != "price" {
		t.Errorf("lost %+v", ld)
	}
	fd = apData[crm.FunnelData](t, w.apOK(w.wang, "FUNNEL", "funnel"))
	var lost *crm.StageRow
	for i := range fd.Stages {
		if fd.Stages[i].Stage == "lost" {
			lost = &fd.Stages[i]
		}
	}
	if lost == nil || lost.Count != 1 || fd.Stages[0].Count != 2 {
		t.Errorf("funnel after loss %+v", fd.Stages)
	}
	// next month it is not this month's loss
	w.clk.Advance(10 * 24 * time.Hour)
	if ld := apData[crm.LostData](t, w.apOK(w.liu, "LOST", "lost")); len(ld.Lost) != 0 {
		t.Errorf("December's LOST shows November's loss: %+v", ld)
	}
}

func TestApplyAcctAndFind(t *testing.T) {
	w, _, _, _ := apQueryWorld(t)
	w.apOK(w.wang, "EQ acme mining CAT 320D sn CAT0320DXYZ smu 4520", "ok_equipment")
	w.apOK(w.wang, "V acme mining; met Zhang Wei; yesterday", "ok_activity")
	out := w.apOK(w.wang, "ACCT acme mining", "acct")
	d := apData[crm.AcctData](t, out)
	if d.ID != w.acmeMining || d.Name != "ACME Mining Co." || d.Owner != "Wang Jun" || d.OpenOpps != 2 || d.Equipment != 1 ||
		len(d.Phones) != 1 || len(d.Contacts) != 1 || !strings.Contains(d.Contacts[0], "Zhang Wei") {
		t.Errorf("acct %+v", d)
	}
	apSameTime(t, "LastVisit", d.LastVisit, apAt(2026, 11, 24, 0, 0))

	fd := apData[crm.FindData](t, w.apOK(w.wang, "FIND 1390", "find"))
	got := map[string]bool{}
	for _, r := range fd.Results {
		got[r.Kind+" "+r.Name+" @ "+r.AccountName] = true
	}
	for _, want := range []string{"contact Zhang Wei @ ACME Mining Co.", "contact Chen Bo @ ACME Transport Ltd"} {
		if !got[want] {
			t.Errorf("FIND 1390 lacks %q: %v", want, fd.Results)
		}
	}
	for k := range got {
		if strings.Contains(k, "Ma Lin") || strings.Contains(k, "Dalian") {
			t.Errorf("FIND shows the other branch: %q", k)
		}
	}
	fd = apData[crm.FindData](t, w.apOK(w.wang, "FIND acme", "find"))
	if len(fd.Results) < 2 || fd.Results[0].Kind != "account" {
		t.Errorf("FIND acme %+v", fd.Results)
	}
}

func TestApplyTeam(t *testing.T) {
	w, _, _, _ := apQueryWorld(t)
	w.apOK(w.wang, "V acme mining; met Zhang Wei", "ok_activity")
	w.apOK(w.wang, "CALL acme transport; spoke to Chen Bo", "ok_activity")
	w.apOK(w.li, "拜访 华鑫矿业；见了李强", "ok_activity")
	w.apRefused(w.wang, "TEAM", crm.EFORBIDDEN, "managers")
	out := w.apOK(w.liu, "TEAM", "team")
	d := apData[crm.TeamData](t, out)
	if len(d.Rows) != 2 {
		t.Fatalf("rows %+v (want Li and Wang only)", d.Rows)
	}
	li, wang := d.Rows[0], d.Rows[1]
	if li.Name != "Li Ming" || li.Visits != 1 || li.Open != 1 || li.Overdue != 0 {
		t.Errorf("Li %+v", li)
	}
	// the call at ACME Transport carried out the call planned there today
	if wang.Name != "Wang Jun" || wang.Visits != 1 || wang.Calls != 1 || wang.Open != 2 || wang.Overdue != 1 {
		t.Errorf("Wang %+v", wang)
	}
	if d.Period != "today" {
		t.Errorf("TEAM period %q, want today (its documented default)", d.Period)
	}
}

func TestApplyQueriesKeepToTheBranch(t *testing.T) {
	w, _, _, _ := apQueryWorld(t)
	w.apOK(w.zhao, "EQ dalian CAT 950H sn CAT0950HAAA smu 100", "ok_equipment")
	for _, u := range []*crm.User{w.wang, w.li, w.liu} {
		for _, q := range []string{"TODAY", "OPPS", "FIND dalian", "FIND 13904445555", "FIND ma lin", "FUNNEL", "FIND harbour"} {
			out, err := w.apSend(u, q)
			if err != nil {
				t.Fatalf("%s %q: %v", u.Name, q, err)
			}
			data := out.Data
			if fd, ok := data.(crm.FindData); ok {
				data = fd.Results // the query is echoed
			}
			s := fmt.Sprintf("%+v", data)
			for _, leak := range []string{"Dalian", "dalian", "Ma Lin", "500000", "50000000"} {
				if strings.Contains(s, leak) {
					t.Errorf("%s %q shows %q: %s", u.Name, q, leak, s)
				}
			}
		}
		w.apRefused(u, "ACCT dalian", crm.ENOTFOUND)
		w.apRefused(u, fmt.Sprintf("ACCT #%d", w.dalian), crm.ENOTFOUND)
	}
	err := w.apRefused(w.wang, "V dalian harbour; met Ma Lin", crm.ENOTFOUND, "no account matches")
	if strings.Contains(crm.ErrorMessage(err), "Harbour Works") {
		t.Errorf("refusal leaks the name: %v", err)
	}
	w.apRefused(w.wang, fmt.Sprintf("V #%d; met Ma Lin", w.dalian), crm.ENOTFOUND)
	w.apRefused(w.wang, "OPP dalian; 1x 320D; 1m", crm.ENOTFOUND)
	w.apRefused(w.wang, fmt.Sprintf("NOTE #%d; they called", w.dalian), crm.ENOTFOUND)
	w.apRefused(w.wang, "EQ dalian CAT 320D sn CAT0320DQQQ", crm.ENOTFOUND)
	// the dalian manager sees his branch, not Shenyang's
	fd := apData[crm.FunnelData](t, w.apOK(w.sun, "FUNNEL", "funnel"))
	if fd.Stages[0].Count != 1 || fd.Stages[0].Amount != 500_000_00 {
		t.Errorf("Sun's funnel %+v", fd.Stages)
	}
}

// ASSIGN

func TestApplyAssign(t *testing.T) {
	w := apNewWorld(t)
	old := apData[crm.OKPlannedData](t, w.apOK(w.liu, "PLAN li visit acme mining fri", "ok_planned")).ID
	w.apRefused(w.wang, fmt.Sprintf("ASSIGN #%d wang", old), crm.EFORBIDDEN, "manager")

	out := w.apOK(w.liu, fmt.Sprintf("ASSIGN #%d wang", old), "ok_assign")
	d := apData[crm.OKAssignData](t, out)
	if d.Kind != "activity" || d.Assignee != "Wang Jun" || d.ID == old {
		t.Fatalf("assign %+v", d)
	}
	o := apGet[*crm.Activity](w, crm.KindActivity, old)
	if o.Status != crm.StatusReassigned || o.ReassignedTo != d.ID || o.Owner != w.li.ID {
		t.Errorf("old %+v", o)
	}
	n := apGet[*crm.Activity](w, crm.KindActivity, d.ID)
	if n.Owner != w.wang.ID || n.AssignedBy != w.liu.ID || n.ReassignedOf != old || n.Status != crm.StatusOpen || n.Account != w.acmeMining {
		t.Errorf("new %+v", n)
	}
	nd := apOneNotice(t, out, "notice_assigned", w.wang.ID).Data.(crm.NoticeAssignedData)
	if nd.ID != d.ID || nd.By != "Liu Yang" {
		t.Errorf("notice %+v", nd)
	}
	// Li, who had it, is told it is off the list, under the id known to her
	if d.Previous != w.li.Name {
		t.Errorf("the confirmation does not say %s was told: %+v", w.li.Name, d)
	}
	ud := apOneNotice(t, out, "notice_unassigned", w.li.ID).Data.(crm.NoticeUnassignedData)
	if ud.ID != old || ud.By != "Liu Yang" || ud.To != "Wang Jun" || ud.Kind != "visit" || ud.Account == "" {
		t.Errorf("unassigned notice %+v", ud)
	}

	l := apData[crm.OKLeadData](t, w.apOK(w.li, "LEAD Fushun Coal; Mr Ge 13912349999; src: web", "ok_lead")).ID
	out = w.apOK(w.liu, fmt.Sprintf("ASSIGN L%d wang", l), "ok_assign")
	if apGet[*crm.Lead](w, crm.KindLead, l).Owner != w.wang.ID {
		t.Errorf("lead not reassigned")
	}
	if nd := apOneNotice(t, out, "notice_assigned", w.wang.ID).Data.(crm.NoticeAssignedData); nd.Kind != "lead" || nd.ID != l {
		t.Errorf("lead notice %+v", nd)
	}
	if ud := apOneNotice(t, out, "notice_unassigned", w.li.ID).Data.(crm.NoticeUnassignedData); ud.Kind != "lead" || ud.ID != l || ud.To != "Wang Jun" {
		t.Errorf("lead unassigned notice %+v", ud)
	}

	op := apData[crm.OKOppData](t, w.apOK(w.li, "OPP 华鑫; 1x 320D; 1m", "ok_opp")).ID
	out = w.apOK(w.liu, fmt.Sprintf("ASSIGN O%d wang", op), "ok_assign")
	if apGet[*crm.Opportunity](w, crm.KindOpp, op).Owner != w.wang.ID {
		t.Errorf("opp not reassigned")
	}
	apOneNotice(t, out, "notice_assigned", w.wang.ID)
	apOneNotice(t, out, "notice_unassigned", w.li.ID)

	w.apOK(w.liu, "ASSIGN acme wang", "choose")
	out = w.apOK(w.liu, "2", "ok_assign")
	if a := apGet[*crm.Account](w, crm.KindAccount, w.acmeTransport); a.Owner != w.wang.ID {
		t.Errorf("owner #%d", a.Owner)
	}
	out = w.apOK(w.liu, "ASSIGN 华鑫矿业 wang", "ok_assign")
	if a := apGet[*crm.Account](w, crm.KindAccount, w.huaxin); a.Owner != w.wang.ID {
		t.Errorf("华鑫 owner #%d, want Wang", a.Owner)
	}
	apOneNotice(t, out, "notice_assigned", w.wang.ID)
}

// UNDO

func TestApplyUndo(t *testing.T) {
	w := apNewWorld(t)
	w.apRefused(w.wang, "UNDO", crm.ECONFLICT, "nothing")

	before := countAll(t, w.s)
	out := w.apOK(w.wang, "V acme mining; met Zhang Wei; next: quote fri", "ok_activity")
	d := apData[crm.OKActivityData](t, out)
	w.clk.Advance(14 * time.Minute)
	out = w.apOK(w.wang, "UNDO", "ok_undo")
	ud := apData[crm.OKUndoData](t, out)
	if !strings.Contains(ud.What, fmt.Sprintf("visit #%d", d.ID)) || !strings.Contains(ud.What, fmt.Sprintf("task #%d", d.Next.ID)) {
		t.Errorf("undo says %q", ud.What)
	}
	unchanged(t, w.s, before)
	w.apRefused(w.wang, "UNDO", crm.ECONFLICT, "nothing")

	// after 15 minutes it stays
	w.apOK(w.wang, "V acme mining; met Zhang Wei", "ok_activity")
	w.clk.Advance(16 * time.Minute)
	w.apRefused(w.wang, "UNDO", crm.ECONFLICT, "15 minutes")
}

// EXTEND / ACK

func TestApplyExtendAck(t *testing.T) {
	w := apNewWorld(t)
	id := apData[crm.OKPlannedData](t, w.apOK(w.liu, "PLAN wang visit acme mining fri", "ok_planned")).ID
	w.apCreate(func(tx *crm.Tx) error {
		_, err := tx.UpdateActivity(id, func(a *crm.Activity) error { a.Escalated = tx.Now(); return nil })
		return err
	})
	// the assignee may not give himself more time on his manager's work
	w.apRefused(w.wang, fmt.Sprintf("EXTEND #%d 3d", id), crm.EFORBIDDEN)
	w.apRefused(w.li, fmt.Sprintf("EXTEND #%d 3d", id), crm.ENOTFOUND)

	out := w.apOK(w.liu, fmt.Sprintf("EXTEND #%d 3d", id), "ok_extend")
	d := apData[crm.OKExtendData](t, out)
	a := apGet[*crm.Activity](w, crm.KindActivity, id)
	apSameTime(t, "extended due", a.Due, apAt(2026, 11, 30, 18, 0))
	apSameTime(t, "reply due", d.Due, a.Due)
	if !a.Escalated.IsZero() {
		t.Errorf("escalation not cleared")
	}
	w.apOK(w.liu, fmt.Sprintf("EXTEND #%d fri", id), "ok_extend")
	apSameTime(t, "due by date", apGet[*crm.Activity](w, crm.KindActivity, id).Due, apAt(2026, 11, 27, 18, 0))

	w.apRefused(w.wang, fmt.Sprintf("ACK #%d", id), crm.EFORBIDDEN, "managers")
	out = w.apOK(w.liu, fmt.Sprintf("ACK #%d", id), "ok_ack")
	if ad := apData[crm.OKAckData](t, out); ad.ID != id {
		t.Errorf("ack %+v", ad)
	}
	apSameTime(t, "Acked", apGet[*crm.Activity](w, crm.KindActivity, id).Acked, apT0)

	// his own plan he may move
	own := apData[crm.OKPlannedData](t, w.apOK(w.wang, "PLAN call acme mining fri", "ok_planned")).ID
	w.apOK(w.wang, fmt.Sprintf("EXTEND #%d 2d", own), "ok_extend")
	apSameTime(t, "own extended", apGet[*crm.Activity](w, crm.KindActivity, own).Due, apAt(2026, 11, 29, 18, 0))
}

// STOP, START, HELP, DOC, MORE

func TestApplyMisc(t *testing.T) {
	w := apNewWorld(t)
	w.apOK(w.wang, "STOP", "ok_stop")
	if !apGet[*crm.User](w, crm.KindUser, w.wang.ID).OptedOut {
		t.Errorf("STOP did not opt out")
	}
	w.apOK(w.wang, "START", "ok_start")
	if apGet[*crm.User](w, crm.KindUser, w.wang.ID).OptedOut {
		t.Errorf("START did not opt in")
	}

	if h := apData[crm.HelpData](t, w.apOK(w.wang, "HELP", "help")); !strings.HasPrefix(h.Text, "Commands") {
		t.Errorf("English help %q", h.Text)
	}
	if h := apData[crm.HelpData](t, w.apOK(w.li, "HELP", "help")); !strings.HasPrefix(h.Text, "命令") {
		t.Errorf("Li's help %q", h.Text)
	}
	if h := apData[crm.HelpData](t, w.apOK(w.wang, "帮助", "help")); !strings.HasPrefix(h.Text, "命令") {
		t.Errorf("help asked in Chinese answered %q", h.Text)
	}
	if h := apData[crm.HelpData](t, w.apOK(w.wang, "HELP VISIT", "help")); !strings.Contains(h.Text, "VISIT") {
		t.Errorf("HELP VISIT %q", h.Text)
	}

	err := w.apRefused(w.wang, "DOC acme; contract", crm.EINVALID, "email")
	if !strings.Contains(strings.ToLower(apHint(err)), "email") {
		t.Errorf("DOC hint %q", apHint(err))
	}
	w.apRefused(w.wang, "MORE", crm.EINVALID)
}

// day reminder

func TestApplyDayReminder(t *testing.T) {
	w := apNewWorld(t)
	id := apData[crm.OKPlannedData](t, w.apOK(w.liu, "PLAN wang visit acme mining today 4pm urgent", "ok_planned")).ID

	out := w.apOK(w.wang, "V acme transport; met Chen Bo", "ok_activity")
	if out.DayReminder == nil || out.DayReminder.Count != 1 || len(out.DayReminder.First) != 1 || out.DayReminder.First[0].ID != id {
		t.Fatalf("day reminder %+v", out.DayReminder)
	}
	out = w.apOK(w.wang, "V acme transport; met Chen Bo", "ok_activity")
	if out.DayReminder != nil {
		t.Errorf("second message of the day reminded again: %+v", out.DayReminder)
	}

	// Li's day starts with TODAY: no reminder, then none either
	w.apOK(w.liu, "PLAN li call 华鑫 today", "ok_planned")
	if out := w.apOK(w.li, "TODAY", "today"); out.DayReminder != nil {
		t.Errorf("TODAY carried a reminder")
	}
	if out := w.apOK(w.li, "OPPS", "opps"); out.DayReminder != nil {
		t.Errorf("reminder after TODAY")
	}

	// the next day: a new day, a new reminder of what is assigned for it
	w.clk.Advance(24 * time.Hour)
	w.apOK(w.liu, "PLAN wang call acme transport today", "ok_planned")
	out = w.apOK(w.wang, "OPPS", "opps")
	if out.DayReminder == nil {
		t.Fatalf("no reminder on Thursday")
	}
	// a refused first command leaves the reminder for the next one
	w.clk.Advance(24 * time.Hour)
	w.apOK(w.liu, "PLAN wang call acme transport today", "ok_planned")
	w.apRefused(w.wang, "V nowhere; met nobody", crm.ENOTFOUND)
	if out := w.apOK(w.wang, "OPPS", "opps"); out.DayReminder == nil {
		t.Errorf("reminder lost with a refused command")
	}
}

// refusals change nothing

func TestApplyRefusalsRollBack(t *testing.T) {
	w := apNewWorld(t)
	p := apData[crm.OKPlannedData](t, w.apOK(w.liu, "PLAN wang visit acme mining fri", "ok_planned")).ID
	o := apData[crm.OKOppData](t, w.apOK(w.wang, "OPP acme mining; 2x 320D; 2.4m", "ok_opp")).ID
	l := apData[crm.OKLeadData](t, w.apOK(w.wang, "LEAD Fushun Coal; Mr Ge 13912349999; src: web", "ok_lead")).ID
	for _, c := range []struct {
		who  *crm.User
		text string
		code string
	}{
		{w.wang, "V nowhere; met nobody", crm.ENOTFOUND},
		{w.wang, "V acme; met zhang; next: quote fri", ""}, // a question: nothing stored either
		{w.wang, fmt.Sprintf("OPP #%d stage identification", o), crm.ECONFLICT},
		{w.wang, fmt.Sprintf("OPP #%d nodeal", o), crm.EINVALID},
		{w.wang, fmt.Sprintf("LEAD #%d convert", l), crm.EINVALID},
		{w.li, fmt.Sprintf("DONE #%d ok", p), crm.ENOTFOUND},
		{w.wang, fmt.Sprintf("ASSIGN #%d li", p), crm.EFORBIDDEN},
		{w.wang, "TEAM", crm.EFORBIDDEN},
		{w.liu, "PLAN zhao visit acme mining fri", crm.ENOTFOUND},
		{w.wang, "ACCOUNT Xinyuan Build; 024-22334455", crm.EINVALID},
		{w.wang, "EQ acme mining Komatsu PC200", crm.EINVALID},
		{w.zhao, "CONTACT acme mining; Li Wei; 13911112222", crm.ENOTFOUND},
	} {
		before := countAll(t, w.s)
		out, err := w.apSend(c.who, c.text)
		switch {
		case c.code == "" && (err != nil || out.Template != "choose"):
			t.Errorf("%q: %v %+v, want a question", c.text, err, out)
		case c.code != "" && err == nil:
			t.Errorf("%q accepted: %s %+v", c.text, out.Template, out.Data)
		case c.code != "" && crm.ErrorCode(err) != c.code:
			t.Errorf("%q: %v, want %s", c.text, err, c.code)
		}
		unchanged(t, w.s, before)
	}
	if a := apGet[*crm.Activity](w, crm.KindActivity, p); a.Status != crm.StatusOpen || a.Owner != w.wang.ID {
		t.Errorf("planned activity changed: %+v", a)
	}
}
