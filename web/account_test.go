package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// acctID finds an account of the demo by its exact name (as the system).
func acctID(t testing.TB, e *env, name string) int64 {
	t.Helper()
	var id int64
	e.Store.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindAccount, func(r crm.Record) bool {
			if a := r.(*crm.Account); a.Name == name {
				id = a.ID
				return false
			}
			return true
		})
	})
	if id == 0 {
		t.Fatalf("no account %q", name)
	}
	return id
}

// sysAccount reads an account as the system.
func sysAccount(t testing.TB, e *env, id int64) *crm.Account {
	t.Helper()
	var a *crm.Account
	if err := e.Store.View(crm.System, func(tx *crm.Tx) error {
		var err error
		a, err = tx.Account(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

func nonceOf(body string) string { return regexp1(`name="nonce" value="([0-9a-f]+)"`, body) }

// historyBlock is the history section of an account page.
func historyBlock(body string) string {
	_, h, _ := strings.Cut(body, `id="history"`)
	return h
}

// Wang's own account (the demo gives it a machine and an opportunity).
const wangAcct = "Liaoning Great Wall Heavy Construction"

func TestAccountPageShowsTheCustomer(t *testing.T) {
	e := start(t)
	id := acctID(t, e, wangAcct)
	c := e.signIn("Wang Jun")
	// a machine reading through the SMS path, so the machine has a history
	var eq *crm.Equipment
	e.view("Wang Jun", func(tx *crm.Tx) error {
		es, err := tx.EquipmentOf(id)
		if len(es) > 0 {
			eq = es[0]
		}
		return err
	})
	if eq == nil {
		t.Fatal("the demo gives the account no machine")
	}
	res, err := e.Web.Do(t.Context(), e.Users["Wang Jun"], "", "EQ "+wangAcct+" CAT "+eq.Model+" sn "+eq.Serial+" smu 5120 cond needs repair")
	if err != nil || res.Code != "" {
		t.Fatalf("EQ: %v %+v", err, res)
	}
	status, body := c.Get("/account/" + itoa(id))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, visible(body))
	}
	mustContain(t, body, wangAcct, "Shenyang", "construction", "02423100003", "Wang Jun", // phone as dialled, owner
		"Sun Li", "site manager", "13912345002", // contact
		"CAT "+eq.Model, eq.Serial, ">5120<", "needs repair", ">"+itoa(int64(eq.SMU))+"<", // machine, now and before
		"/opp/", "Log a visit", "Add a contact", "Change the phone number")
	// the machine's readings: the new one first, then the first
	blk := body[strings.Index(body, `id="e`+itoa(eq.ID)+`"`):]
	if i, j := strings.Index(blk, ">5120<"), strings.Index(blk, ">"+itoa(int64(eq.SMU))+"<"); i < 0 || j < 0 || i > j {
		t.Errorf("SMU history not newest first: %s", visible(blk[:min(len(blk), 800)]))
	}
	// the history: the EQ message, by Wang, by SMS… here channel web (Do), with the change
	h := historyBlock(body)
	mustContain(t, h, "EQ "+wangAcct, "Wang Jun", "SMU", "5120", "needs repair", "demo seed", "import")
	// opportunities and activities of the account that Wang may see
	var opps, acts []crm.Record
	e.view("Wang Jun", func(tx *crm.Tx) error {
		opps, _ = tx.LinkedTo(id, crm.KindOpp)
		acts, _ = tx.LinkedTo(id, crm.KindActivity)
		return nil
	})
	if len(opps) == 0 || len(acts) == 0 {
		t.Fatal("demo account without opportunity or activity")
	}
	for _, o := range opps {
		mustContain(t, body, `href="/opp/`+itoa(o.RecordID())+`"`)
	}
	for _, a := range acts {
		mustContain(t, body, `id="a`+itoa(a.RecordID())+`"`)
	}
}

func TestAccountPageHiddenIsNotFound(t *testing.T) {
	e := start(t)
	dalian := acctID(t, e, "大连重工机械")
	c := e.signIn("Wang Jun")
	st1, missing := c.Get("/account/999999")
	st2, body := c.Get("/account/" + itoa(dalian))
	if st1 != http.StatusNotFound || st2 != http.StatusNotFound {
		t.Fatalf("statuses %d, %d; want 404 for both", st1, st2)
	}
	mustNotContain(t, body, "大连重工机械", "秦海", "13912346001")
	if visible(body) != visible(missing) {
		t.Errorf("a hidden account answers differently from a missing one:\n%s\n---\n%s", visible(body), visible(missing))
	}
	// its manager sees it (the test could fail)
	st, body := e.signIn("Sun Tao").Get("/account/" + itoa(dalian))
	if st != http.StatusOK {
		t.Fatalf("Sun Tao: %d", st)
	}
	mustContain(t, body, "大连重工机械", "秦海", "13912346001")
}

func TestAccountHistoryLeaksNothingMovedAway(t *testing.T) {
	e := start(t)
	id := acctID(t, e, wangAcct)
	var opp *crm.Opportunity
	e.view("Wang Jun", func(tx *crm.Tx) error {
		os, err := tx.LinkedTo(id, crm.KindOpp)
		if len(os) > 0 {
			opp = os[0].(*crm.Opportunity)
		}
		return err
	})
	// Wang moves it through the SMS path: stage, then the record goes to Dalian's Ma Qiang
	if res, err := e.Web.Do(t.Context(), e.Users["Wang Jun"], "", "OPP #"+itoa(opp.ID)+" amt 4.2m"); err != nil || res.Code != "" {
		t.Fatalf("OPP: %v %+v", err, res)
	}
	c := e.signIn("Wang Jun")
	_, body := c.Get("/account/" + itoa(id))
	marker := "opp #" + itoa(opp.ID)
	mustContain(t, historyBlock(body), marker, "OPP #"+itoa(opp.ID)+" amt 4.2m")
	mustContain(t, body, `href="/opp/`+itoa(opp.ID)+`"`)
	ma := e.Users["Ma Qiang"]
	if _, err := e.Store.Update(t.Context(), crm.Meta{Actor: crm.System, Channel: "import"}, func(tx *crm.Tx) error {
		_, err := tx.UpdateOpp(opp.ID, func(o *crm.Opportunity) error {
			o.Owner, o.Branch, o.Dept, o.Name = ma.ID, ma.Branch, ma.Dept, "Secret Dalian Deal"
			return nil
		})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"Wang Jun", "Liu Yang"} {
		_, body = e.signIn(who).Get("/account/" + itoa(id))
		mustNotContain(t, body, marker, "OPP #"+itoa(opp.ID)+" amt", `href="/opp/`+itoa(opp.ID)+`"`, "Secret Dalian Deal", "4,200,000")
		mustContain(t, historyBlock(body), "demo seed") // the account's own history is still there
	}
}

func TestAccountPhoneChangeIsTheSMSCommandAndUndoes(t *testing.T) {
	e := start(t)
	id := acctID(t, e, wangAcct)
	before := sysAccount(t, e, id).Phones
	c := e.signIn("Wang Jun")
	_, page := c.Get("/account/" + itoa(id))
	_, body := c.PostFollow("/account/"+itoa(id)+"/phone", url.Values{"phone": {"024-22815566"}, "nonce": {nonceOf(page)}})
	mustContain(t, body, `class="flash ok"`, "02422815566")
	a := sysAccount(t, e, id)
	if !slices.Equal(a.Phones, []string{"+862422815566"}) || len(a.PhoneHistory) == 0 || a.PhoneHistory[len(a.PhoneHistory)-1].Old != before[0] {
		t.Fatalf("stored phones %v, history %+v", a.Phones, a.PhoneHistory)
	}
	h := historyBlock(body)
	mustContain(t, h, "ACCT #"+itoa(id)+" phone 024-22815566", ">web<", "Wang Jun", "<del>02423100003</del> → 02422815566")
	// UNDO from the command box, as by SMS
	_, body = c.PostFollow("/do", url.Values{"command": {"UNDO"}, "back": {"/account/" + itoa(id)}, "nonce": {"u1"}})
	if a = sysAccount(t, e, id); !slices.Equal(a.Phones, before) {
		t.Fatalf("after UNDO phones %v, want %v: %s", a.Phones, before, visible(body))
	}
	mustContain(t, historyBlock(body), "UNDO", "undone", "undo")
}

func TestAccountAddContactAndUndo(t *testing.T) {
	e := start(t)
	id := acctID(t, e, wangAcct)
	c := e.signIn("Wang Jun")
	_, page := c.Get("/account/" + itoa(id))
	_, body := c.PostFollow("/account/"+itoa(id)+"/contact", url.Values{"name": {"Li Wei"}, "phone": {"139 0123 4567"},
		"title": {"purchasing manager"}, "nonce": {nonceOf(page)}})
	mustContain(t, body, `class="flash ok"`, "Li Wei")
	var got *crm.Contact
	e.view("Wang Jun", func(tx *crm.Tx) error {
		cs, err := tx.ContactsOf(id)
		for _, x := range cs {
			if x.Name == "Li Wei" {
				got = x
			}
		}
		return err
	})
	if got == nil || got.Mobile != "+8613901234567" || got.Title != "purchasing manager" || got.Account != id {
		t.Fatalf("stored contact %+v", got)
	}
	mustContain(t, body, "<td>Li Wei</td>", "13901234567")
	// the same form sent again (a double click, the back button) adds nobody
	c.PostFollow("/account/"+itoa(id)+"/contact", url.Values{"name": {"Li Wei"}, "phone": {"139 0123 4567"},
		"title": {"purchasing manager"}, "nonce": {nonceOf(page)}})
	e.view("Wang Jun", func(tx *crm.Tx) error {
		cs, _ := tx.ContactsOf(id)
		n := 0
		for _, x := range cs {
			if x.Name == "Li Wei" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d contacts Li Wei after the form was sent twice", n)
		}
		return nil
	})
	mustContain(t, historyBlock(body), "CONTACT "+wangAcct+"; Li Wei; 139 0123 4567; purchasing manager", ">web<", "contact #"+itoa(got.ID))
	c.PostFollow("/do", url.Values{"command": {"UNDO"}, "back": {"/account/" + itoa(id)}, "nonce": {"u2"}})
	e.view("Wang Jun", func(tx *crm.Tx) error {
		if _, err := tx.Contact(got.ID); err == nil {
			t.Error("UNDO left the contact")
		}
		return nil
	})
}

func TestAccountLogVisit(t *testing.T) {
	e := start(t)
	id := acctID(t, e, wangAcct)
	c := e.signIn("Wang Jun")
	// My day → the account → log a visit
	_, day := c.Get("/day")
	mustContain(t, day, `href="/account/`+itoa(id)+`"`)
	_, page := c.Get("/account/" + itoa(id))
	_, body := c.PostFollow("/account/"+itoa(id)+"/visit", url.Values{"contact": {"Sun Li"}, "notes": {"wants 2x 320D, demo went well"},
		"next": {"quote fri"}, "nonce": {nonceOf(page)}})
	mustContain(t, body, `class="flash ok"`, "Sun Li")
	var visit, next *crm.Activity
	var cs *crm.ChangeSet
	e.view("Wang Jun", func(tx *crm.Tx) error {
		acts, err := tx.LinkedTo(id, crm.KindActivity)
		for _, r := range acts {
			a := r.(*crm.Activity)
			if a.Type == crm.ActVisit && a.Status == crm.StatusDone && strings.Contains(a.Notes+a.Outcome+a.Subject, "demo went well") {
				visit = a
			}
			if a.Status == crm.StatusOpen && strings.Contains(strings.ToLower(a.Subject), "quote") && a.FollowUpOf != 0 {
				next = a
			}
		}
		if visit != nil {
			h, _ := tx.History(crm.KindActivity, visit.ID)
			cs = h[len(h)-1]
		}
		return err
	})
	if visit == nil || next == nil {
		t.Fatalf("visit %+v, follow-up %+v", visit, next)
	}
	if cs.Channel != "web" || cs.Summary != "VISIT #"+itoa(id)+"; met Sun Li; wants 2x 320D, demo went well; next: quote fri" {
		t.Fatalf("change set %q %q", cs.Channel, cs.Summary)
	}
	mustContain(t, body, `id="a`+itoa(visit.ID)+`"`, `id="a`+itoa(next.ID)+`"`)
	mustContain(t, historyBlock(body), "VISIT #"+itoa(id)+"; met Sun Li", "activity #"+itoa(visit.ID))
	_, body = c.PostFollow("/do", url.Values{"command": {"UNDO"}, "back": {"/account/" + itoa(id)}, "nonce": {"u3"}})
	mustContain(t, body, "OK undone", "#"+itoa(visit.ID))
	// the visit carried out a planned one: UNDO makes it open again and drops the follow-up
	e.view("Wang Jun", func(tx *crm.Tx) error {
		if a, err := tx.Activity(visit.ID); err == nil && a.Status == crm.StatusDone {
			t.Error("UNDO left the visit done")
		}
		if _, err := tx.Activity(next.ID); err == nil {
			t.Error("UNDO left the follow-up")
		}
		return nil
	})
}

func TestAccountWritesRefused(t *testing.T) {
	e := start(t)
	dalian := acctID(t, e, "大连重工机械")
	hers := acctID(t, e, "华鑫矿业有限公司") // Zhao Lei's: Wang sees it, may not change it
	c := e.signIn("Wang Jun")
	_, page := c.Get("/account/" + itoa(hers))
	mustContain(t, page, "华鑫矿业有限公司", "Log a visit")
	mustNotContain(t, page, "Add a contact", "Change the phone number")
	before := sysAccount(t, e, dalian)
	herBefore := sysAccount(t, e, hers)
	countCS := func() int {
		n := 0
		e.Store.View(crm.System, func(tx *crm.Tx) error {
			h, _ := tx.History(crm.KindAccount, dalian)
			n = len(h)
			return nil
		})
		return n
	}
	n := countCS()
	// forged ids: Dalian's account is not found, and nothing is done
	for _, f := range []struct {
		path string
		form url.Values
	}{
		{"/phone", url.Values{"phone": {"0411-88886666"}}},
		{"/contact", url.Values{"name": {"Spy"}, "phone": {"13912349999"}}},
		{"/visit", url.Values{"notes": {"was here"}}},
	} {
		f.form.Set("nonce", nonceOf(page))
		st, body := c.Post("/account/"+itoa(dalian)+f.path, f.form)
		if st != http.StatusNotFound {
			t.Errorf("%s: status %d", f.path, st)
		}
		mustNotContain(t, body, "大连重工机械", "秦海", "0411")
	}
	if a := sysAccount(t, e, dalian); !slices.Equal(a.Phones, before.Phones) || countCS() != n {
		t.Fatalf("Dalian's account changed: %v, %d change sets (was %d)", a.Phones, countCS(), n)
	}
	var contacts []*crm.Contact
	e.Store.View(crm.System, func(tx *crm.Tx) error { contacts, _ = tx.ContactsOf(dalian); return nil })
	if len(contacts) != 1 {
		t.Fatalf("Dalian's account has %d contacts", len(contacts))
	}
	// a form without the session's token is refused before anything is done
	own := acctID(t, e, wangAcct)
	ownBefore := sysAccount(t, e, own)
	if st, _ := c.Post("/account/"+itoa(own)+"/phone", url.Values{"phone": {"024-22815566"}, "csrf": {"forged"}, "nonce": {"n1"}}); st != http.StatusForbidden {
		t.Errorf("forged token: status %d", st)
	}
	if a := sysAccount(t, e, own); !slices.Equal(a.Phones, ownBefore.Phones) {
		t.Fatalf("a forged form changed the phone: %v", a.Phones)
	}
	// Li Na's account: the command is refused by crm's rules, the refusal shown, nothing changed
	_, body := c.PostFollow("/account/"+itoa(hers)+"/phone", url.Values{"phone": {"024-22815566"}, "nonce": {nonceOf(page)}})
	mustContain(t, body, `class="flash error"`)
	if a := sysAccount(t, e, hers); !slices.Equal(a.Phones, herBefore.Phones) {
		t.Fatalf("Li Na's account changed: %v", a.Phones)
	}
}

func TestAccountDocuments(t *testing.T) {
	e := start(t)
	id := acctID(t, e, wangAcct)
	dalian := acctID(t, e, "大连重工机械")
	var doc, secret *crm.Document
	_, err := e.Store.Update(t.Context(), crm.Meta{Actor: crm.System, Channel: "email", Summary: "DOC " + wangAcct + "; quotation"}, func(tx *crm.Tx) error {
		doc = &crm.Document{Base: crm.Base{Owner: e.Users["Wang Jun"].ID}, Account: id, Name: "报价单 v2.pdf", ContentType: "application/pdf"}
		if err := tx.AttachDocument(doc, []byte("%PDF-1.4 quote")); err != nil {
			return err
		}
		secret = &crm.Document{Base: crm.Base{Owner: e.Users["Ma Qiang"].ID}, Account: dalian, Name: "dalian.txt"}
		return tx.AttachDocument(secret, []byte("secret"))
	})
	if err != nil {
		t.Fatal(err)
	}
	c := e.signIn("Wang Jun")
	_, body := c.Get("/account/" + itoa(id))
	mustContain(t, body, `href="/account/`+itoa(id)+`/doc/`+itoa(doc.ID)+`"`, "报价单 v2.pdf")
	st, data := c.Get("/account/" + itoa(id) + "/doc/" + itoa(doc.ID))
	if st != http.StatusOK || data != "%PDF-1.4 quote" {
		t.Fatalf("download: %d %q", st, data)
	}
	h := c.Last.Header
	if h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(h.Get("Content-Disposition"), "filename*=utf-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%20v2.pdf") {
		t.Fatalf("headers %v", h)
	}
	// another branch's document, by its own account or through Wang's: not found
	for _, p := range []string{"/account/" + itoa(dalian) + "/doc/" + itoa(secret.ID), "/account/" + itoa(id) + "/doc/" + itoa(secret.ID)} {
		if st, body := c.Get(p); st != http.StatusNotFound || strings.Contains(body, "secret") {
			t.Errorf("%s: %d %q", p, st, body)
		}
	}
}

func TestAccountPageEscapes(t *testing.T) {
	e := start(t)
	id := acctID(t, e, wangAcct)
	c := e.signIn("Wang Jun")
	_, page := c.Get("/account/" + itoa(id))
	c.PostFollow("/account/"+itoa(id)+"/contact", url.Values{"name": {`<script>alert(1)</script>`}, "phone": {"13901234568"}, "nonce": {nonceOf(page)}})
	wang := e.Users["Wang Jun"]
	if _, err := e.Store.Update(t.Context(), crm.Meta{Actor: wang, Channel: "sms", Summary: `CONTACT x; <img src=x onerror=alert(2)>`}, func(tx *crm.Tx) error {
		return tx.CreateContact(&crm.Contact{Base: crm.Base{Owner: wang.ID}, Account: id, Name: `<img src=x onerror=alert(2)>`, Title: `"><b>t</b>`})
	}); err != nil {
		t.Fatal(err)
	}
	_, body := c.Get("/account/" + itoa(id))
	mustNotContain(t, body, "<script", "<img src=x", "<b>t</b>")
	mustContain(t, body, "&lt;img src=x onerror=alert(2)&gt;", "&lt;script&gt;alert(1)&lt; script&gt;", "&#34;&gt;&lt;b&gt;t&lt;/b&gt;")
}

func TestAccountPageChinese(t *testing.T) {
	e := start(t)
	id := acctID(t, e, "鞍钢建设集团") // Li Na's
	c := e.signIn("Li Na")
	st, body := c.Get("/account/" + itoa(id))
	if st != http.StatusOK {
		t.Fatalf("%d", st)
	}
	mustContain(t, body, "鞍钢建设集团", "王强", "设备部长", "联系人", "商机", "修改历史", "记录拜访", "添加联系人", "修改电话", "导入")
	mustNotContain(t, body, "Contacts", "History of every change", "Log a visit")
}

func TestAccountHistoryPaged(t *testing.T) {
	e := start(t)
	id := acctID(t, e, wangAcct)
	wang := e.Users["Wang Jun"]
	for i := range 25 {
		if res, err := e.Web.Do(t.Context(), wang, "", "ACCT #"+itoa(id)+"; addr: No. "+itoa(int64(i+1))+" Beiling Street"); err != nil || res.Code != "" {
			t.Fatalf("ACCT: %v %+v", err, res)
		}
	}
	c := e.signIn("Wang Jun")
	_, p1 := c.Get("/account/" + itoa(id))
	h1 := historyBlock(p1)
	mustContain(t, h1, "No. 25 Beiling Street", `href="/account/`+itoa(id)+`?page=2#history"`)
	mustNotContain(t, h1, "addr: No. 5 Beiling Street", "demo seed")
	_, p2 := c.Get("/account/" + itoa(id) + "?page=2")
	h2 := historyBlock(p2)
	mustContain(t, h2, "addr: No. 5 Beiling Street", "demo seed", `href="/account/`+itoa(id)+`#history"`)
	mustNotContain(t, h2, "addr: No. 25 Beiling Street", "?page=3")
	if strings.Index(h1, "No. 25 ") > strings.Index(h1, "No. 24 ") {
		t.Error("history not newest first")
	}
}
