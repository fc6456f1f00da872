package crm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/templates"
)

// "A salesman may change only the accounts and contacts he is responsible
// for" (product.md; issue 14 point 12): Wang reads Li's customer 华鑫 but may
// not change it, its contacts, machines or file; the refusal says whose
// customer it is. A visit he makes there is his own record and Li is told.
func TestApplyOnlyTheResponsibleSalesmanChanges(t *testing.T) {
	w := apNewWorld(t)
	set := templates.MustNew()
	w.apOK(w.wang, "ACCT 华鑫矿业", "acct") // reading within the branch stays

	for _, text := range []string{
		"CONTACT 华鑫矿业; Li Wei; 13901112222; buyer",
		fmt.Sprintf("CONTACT #%d 13905556666", w.liQiang),
		fmt.Sprintf("CONTACT #%d remove; left", w.liQiang),
		"NOTE 华鑫矿业; owner wants to sell",
		"EQ 华鑫矿业 CAT 320D sn CATHX0001 smu 4500",
		"EQ 华鑫矿业 Komatsu PC200 bought 2019-05",
		fmt.Sprintf("ACCOUNT #%d; addr: Tiexi Road 1", w.huaxin),
		fmt.Sprintf("ACCOUNT #%d inactive; closed down", w.huaxin),
	} {
		err := w.apRefused(w.wang, text, crm.EFORBIDDEN, "华鑫矿业有限公司 is Li Ming's customer, not yours")
		e := err.(*crm.Error)
		zh, ok := set.Refusal("zh", e.Format, e.Args)
		if !ok || !strings.Contains(zh, "是Li Ming的客户，不归你") {
			t.Errorf("%q: Chinese refusal %q", text, zh)
		}
		if en, err := set.SMS("en", "err_forbidden", crm.ErrData{Message: e.Message}); err != nil || !strings.Contains(en, "Li Ming's customer") {
			t.Errorf("%q: reply %q %v", text, en, err)
		}
	}
	if ids := countKind(t, w.s, crm.KindRequest); ids != 0 {
		t.Errorf("%d removal requests stored for a contact Wang may not change", ids)
	}

	// a visit at a colleague's customer is allowed, and she is told
	out := w.apOK(w.wang, "V 华鑫矿业; met 李强; wants 2x 320D", "ok_activity")
	d := apData[crm.OKActivityData](t, out)
	a := apGet[*crm.Activity](w, crm.KindActivity, d.ID)
	if a.Owner != w.wang.ID || a.Account != w.huaxin || a.Contact != w.liQiang {
		t.Errorf("visit stored as %+v", a)
	}
	n := apOneNotice(t, out, "notice_colleague_activity", w.li.ID)
	nd := n.Data.(crm.NoticeColleagueActivityData)
	if nd.By != "Wang Jun" || nd.Kind != "visit" || nd.AccountID != w.huaxin || nd.Contact != "李强" || nd.Notes != "wants 2x 320D" {
		t.Errorf("notice data %+v", nd)
	}
	if text, err := set.SMS("zh", n.Template, n.Data); err != nil || text != "Wang Jun在你的客户华鑫矿业记录了一次拜访，见了李强：wants 2x 320D。" {
		t.Errorf("Li reads %q (%v)", text, err)
	}
	if len(apNotices(out, "notice_equipment_missing")) != 0 {
		t.Error("Wang is asked to record machines at a customer he may not change")
	}
	// his own customer: nobody else is told
	if out := w.apOK(w.wang, "V acme mining; met Zhang Wei", "ok_activity"); len(apNotices(out, "notice_colleague_activity")) != 0 {
		t.Errorf("a visit at his own customer told someone: %+v", out.Notices)
	}

	// Li, and their manager, change it
	w.apOK(w.li, "CONTACT 华鑫矿业; 王刚; 13901112222; 采购", "ok_contact")
	w.apOK(w.li, "EQ 华鑫矿业 Komatsu PC200 bought 2019-05", "ok_equipment")
	w.apOK(w.liu, "CONTACT 华鑫矿业; 赵六; 13901113333", "ok_contact")
	w.apOK(w.liu, "NOTE 华鑫矿业; 老板想卖旧设备", "ok_note")

	// once the account is Wang's, he changes its contacts (whoever added them)
	w.apOK(w.liu, "ASSIGN 华鑫矿业 wang", "ok_assign")
	w.apOK(w.wang, fmt.Sprintf("CONTACT #%d 13905556666", w.liQiang), "ok_contact")
	w.apRefused(w.li, "NOTE 华鑫矿业; 跟进", crm.EFORBIDDEN, "Wang Jun's customer")
}

// Approving the removal of a contact tells the account's owner when he
// neither asked nor decided.
func TestApplyContactRemovalTellsTheOwner(t *testing.T) {
	w := apNewWorld(t)
	set := templates.MustNew()
	out := w.apOK(w.liu, fmt.Sprintf("CONTACT #%d remove; left the company", w.liQiang), "ok_contact")
	n := apOneNotice(t, out, "notice_contact_removed", w.li.ID)
	if d := n.Data.(crm.NoticeContactRemovedData); d.Contact != "李强" || d.Requester != "Liu Yang" || d.By != "Liu Yang" || d.Reason != "left the company" {
		t.Errorf("notice data %+v", d)
	}
	if text, err := set.SMS("zh", n.Template, n.Data); err != nil || !strings.Contains(text, "删除你的客户华鑫矿业的联系人李强") {
		t.Errorf("Li reads %q (%v)", text, err)
	}

	// Wang asks for his own customer's contact; the account goes to Li before
	// Liu approves: Wang hears the decision, Li that her contact is gone
	out = w.apOK(w.wang, fmt.Sprintf("CONTACT #%d remove; retired", w.zhangWei), "ok_pending")
	req := apData[crm.OKPendingData](t, out).ID
	w.apOK(w.liu, "ASSIGN acme mining li", "ok_assign")
	out = w.apOK(w.liu, fmt.Sprintf("APPROVE #%d", req), "ok_approve")
	apOneNotice(t, out, "notice_decided", w.wang.ID)
	apOneNotice(t, out, "notice_contact_removed", w.li.ID)
	// Wang may no longer ask about a contact of the customer now Li's
	w.apRefused(w.wang, fmt.Sprintf("CONTACT #%d remove; left", w.zhangWei), crm.ECONFLICT, "already removed")
}
