package web_test

import (
	"context"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/templates"
)

// oppAt returns the first opportunity of owner at stage st (0: any open one).
func oppAt(t *testing.T, e *env, owner string, st crm.Stage) *crm.Opportunity {
	t.Helper()
	for _, o := range oppsOwnedBy(t, e, owner) {
		if (st == 0 && !o.Stage.Closed()) || o.Stage == st {
			return o
		}
	}
	t.Fatalf("%s has no opportunity at stage %v", owner, st)
	return nil
}

// storedOpp reads an opportunity as the system.
func storedOpp(t *testing.T, e *env, id int64) (*crm.Opportunity, []*crm.ChangeSet) {
	t.Helper()
	var o *crm.Opportunity
	var h []*crm.ChangeSet
	err := e.Store.View(crm.System, func(tx *crm.Tx) error {
		var err error
		if o, err = tx.Opp(id); err != nil {
			return err
		}
		h, err = tx.History(crm.KindOpp, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return o, h
}

func stageName(st crm.Stage, locale string) string {
	return templates.WebText(locale, "opp.stage."+itoa(int64(st)))
}

func TestOppPageShowsTheDeal(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	o := oppAt(t, e, "Wang Jun", crm.StageIdentification)
	var acct *crm.Account
	var contact *crm.Contact
	e.view("Wang Jun", func(tx *crm.Tx) error {
		var err error
		if acct, err = tx.Account(o.Account); err != nil {
			return err
		}
		cs, err := tx.ContactsOf(acct.ID)
		contact = cs[0]
		return err
	})
	// what a salesman texts about it, and a visit linked to it
	for _, cmd := range []string{"OPP #" + itoa(o.ID) + " comp: Komatsu", "OPP #" + itoa(o.ID) + " role " + contact.Name + " economic buyer"} {
		c.Get("/day")
		if _, body := c.PostFollow("/do", url.Values{"command": {cmd}, "back": {"/day"}}); !strings.Contains(body, "flash ok") {
			t.Fatalf("%s: %s", cmd, visible(body))
		}
	}
	var visit int64
	_, err := e.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "import", Summary: "test data"}, func(tx *crm.Tx) error {
		a := &crm.Activity{Base: crm.Base{Owner: o.Owner}, Type: crm.ActVisit, Subject: "demo of the 336 & more", Account: o.Account, Opp: o.ID,
			Due: e.Clock.Now().AddDate(0, 0, 2)}
		err := tx.CreateActivity(a)
		visit = a.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	st, body := c.Get("/opp/" + itoa(o.ID))
	if st != 200 {
		t.Fatalf("status %d: %s", st, visible(body))
	}
	mustContain(t, body,
		`href="/account/`+itoa(acct.ID)+`"`, html.EscapeString(acct.Name), "Wang Jun", stageName(o.Stage, "en"),
		templates.Money(int64(o.Amount), "en"), o.Products[0].Model+" × "+itoa(int64(o.Products[0].Qty)),
		"Komatsu", contact.Name, "economic buyer", crm.PhoneDisplay(contact.Mobile),
		`id="a`+itoa(visit)+`"`, "demo of the 336 &amp; more",
		// the history: the messages that made it, newest first
		"Created at Identification", "demo seed", "OPP #"+itoa(o.ID)+" comp: Komatsu", "on the web",
		`id="move-stage"`, `id="move-lost"`)
	if strings.Index(body, "comp: Komatsu") > strings.Index(body, "demo seed") {
		t.Errorf("the history is not newest first")
	}
}

func TestOppPageRefusesWhatHeMayNotSee(t *testing.T) {
	e := start(t)
	dalian := oppAt(t, e, "Ma Qiang", 0)
	hers := oppAt(t, e, "Li Na", 0)
	var dalianAcct string
	e.view("Ma Qiang", func(tx *crm.Tx) error {
		a, err := tx.Account(dalian.Account)
		dalianAcct = a.Name
		return err
	})
	c := e.signIn("Wang Jun")
	_, missing := c.Get("/opp/99999")
	for _, id := range []int64{dalian.ID, hers.ID} {
		st, body := c.Get("/opp/" + itoa(id))
		if st != 404 {
			t.Errorf("Wang gets /opp/%d: status %d", id, st)
		}
		mustContain(t, body, "There is no such page, or you may not see it.")
		mustNotContain(t, body, dalianAcct, html.EscapeString(dalian.Name), html.EscapeString(hers.Name), "Ma Qiang", "Li Na")
		// the same page as for an id that does not exist
		if visible(body) != visible(missing) {
			t.Errorf("/opp/%d is answered unlike a missing id:\n%s\n%s", id, visible(body), visible(missing))
		}
	}
	if st, _ := c.Get("/opp/abc"); st != 404 {
		t.Errorf("/opp/abc: %d", st)
	}
	// Liu's branch is not Dalian either; Sun Tao's is, in Chinese
	if st, _ := e.signIn("Liu Yang").Get("/opp/" + itoa(dalian.ID)); st != 404 {
		t.Errorf("Liu gets a Dalian opportunity: %d", st)
	}
	st, body := e.signIn("Sun Tao").Get("/opp/" + itoa(dalian.ID))
	if st != 200 {
		t.Fatalf("Sun Tao: %d", st)
	}
	mustContain(t, body, dalianAcct, "变更记录", "负责人", "Ma Qiang", "推进阶段", stageName(dalian.Stage, "zh"))
}

func TestOppMoveStageIsTheSMSCommand(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	o := oppAt(t, e, "Wang Jun", crm.StageIdentification)
	path := "/opp/" + itoa(o.ID)
	_, before := storedOpp(t, e, o.ID)
	c.Get(path)
	nonce := regexp1(`name="nonce" value="([0-9a-f]+)"`, c.Body)
	_, body := c.PostFollow(path+"/stage", url.Values{"do": {"stage"}, "to": {"4"}, "reason": {""}, "nonce": {nonce}})
	got, hist := storedOpp(t, e, o.ID)
	if got.Stage != crm.StageProposal {
		t.Fatalf("stored stage %v, want proposal; page: %s", got.Stage, visible(body))
	}
	if len(hist) != len(before)+1 {
		t.Fatalf("history has %d change sets, want %d", len(hist), len(before)+1)
	}
	last := hist[len(hist)-1]
	if last.Channel != "web" || last.Summary != "OPP #"+itoa(o.ID)+" stage proposal" || last.User != e.Users["Wang Jun"].ID {
		t.Errorf("last change: channel %q summary %q user %d", last.Channel, last.Summary, last.User)
	}
	// the flash is the SMS reply; the history shows the move and the message
	mustContain(t, body, `class="flash ok"`, "#"+itoa(o.ID), "UNDO", "Identification → Proposal", "OPP #"+itoa(o.ID)+" stage proposal")
	// the same form sent twice counts once
	c.PostFollow(path+"/stage", url.Values{"do": {"stage"}, "to": {"4"}, "nonce": {nonce}})
	if _, h := storedOpp(t, e, o.ID); len(h) != len(hist) {
		t.Errorf("a form sent twice was carried out twice: %d change sets", len(h))
	}

	// the page offers to undo his latest change: UNDO O<id>, as by SMS
	mustContain(t, body, `id="undo"`, `value="UNDO O`+itoa(o.ID)+`"`)
	// UNDO as by SMS restores it
	_, body = c.PostFollow("/do", url.Values{"command": {"UNDO"}, "back": {path}})
	if got, _ = storedOpp(t, e, o.ID); got.Stage != crm.StageIdentification {
		t.Fatalf("after UNDO the stage is %v: %s", got.Stage, visible(body))
	}
	mustContain(t, body, "undone", "UNDO")
	mustNotContain(t, body, `id="undo"`) // nothing of his left to undo on it
	if _, h := storedOpp(t, e, o.ID); h[len(h)-1].Channel != "web" || h[len(h)-1].UndoOf == 0 {
		t.Errorf("the UNDO is not in the history as a web change: %+v", h[len(h)-1])
	}

	// back needs a reason: refused with the SMS words, nothing changed
	c.Get(path)
	c.PostFollow(path+"/stage", url.Values{"do": {"stage"}, "to": {"3"}, "nonce": {"n1"}})
	_, body = c.Get(path)
	c.PostFollow(path+"/stage", url.Values{"do": {"stage"}, "to": {"2"}, "reason": {"budget not approved"}, "nonce": {"n2"}})
	_, h := storedOpp(t, e, o.ID)
	c.Get(path)
	_, body = c.PostFollow(path+"/stage", url.Values{"do": {"stage"}, "to": {"1"}, "nonce": {"n3"}})
	mustContain(t, body, `class="flash error"`, "needs a reason")
	if got, h2 := storedOpp(t, e, o.ID); got.Stage != crm.StageQualification || len(h2) != len(h) {
		t.Errorf("a refused move changed it: stage %v, %d change sets (was %d)", got.Stage, len(h2), len(h))
	}
	mustContain(t, body, "Development → Qualification", "budget not approved")

	// won with an amount that is not one: nothing is sent
	_, body = c.PostFollow(path+"/stage", url.Values{"do": {"won"}, "amount": {"a lot"}, "nonce": {"n4"}})
	mustContain(t, body, `class="flash error"`, "&#34;a lot&#34; was not understood")
	if got, _ := storedOpp(t, e, o.ID); got.Stage != crm.StageQualification {
		t.Errorf("a won with a bad amount moved it to %v", got.Stage)
	}
	// lost: to whom and why
	_, body = c.PostFollow(path+"/stage", url.Values{"do": {"lost"}, "competitor": {"Sany"}, "reason": {"price"}, "nonce": {"n5"}})
	got, h = storedOpp(t, e, o.ID)
	if got.Stage != crm.StageLost || got.LostTo != "Sany" || got.LostReason != "price" {
		t.Errorf("lost: stage %v to %q why %q: %s", got.Stage, got.LostTo, got.LostReason, visible(body))
	}
	if s := h[len(h)-1].Summary; s != "OPP #"+itoa(o.ID)+" lost Sany; price" {
		t.Errorf("lost command %q", s)
	}
	// a closed deal offers reopening only
	mustContain(t, body, `id="move-reopen"`, "Qualification → Lost")
	mustNotContain(t, body, `id="move-stage"`)
	_, body = c.PostFollow(path+"/stage", url.Values{"do": {"reopen"}, "to": {""}, "reason": {"Sany could not deliver"}, "nonce": {"n6"}})
	if got, _ := storedOpp(t, e, o.ID); got.Stage != crm.StageQualification {
		t.Errorf("reopen: stage %v: %s", got.Stage, visible(body))
	}
	// won with the final amount
	_, body = c.PostFollow(path+"/stage", url.Values{"do": {"won"}, "amount": {"1.5m"}, "nonce": {"n7"}})
	if got, _ := storedOpp(t, e, o.ID); got.Stage != crm.StageWon || got.Amount != 150_000_000 {
		t.Errorf("won 1.5m: stage %v amount %d: %s", got.Stage, got.Amount, visible(body))
	}
	// its Undo button takes the won back
	_, body = c.PostFollow("/do", url.Values{"command": {regexp1(`name="command" value="(UNDO O\d+)"`, body)}, "back": {path}, "nonce": {"n8"}})
	if got, _ := storedOpp(t, e, o.ID); got.Stage != crm.StageQualification {
		t.Errorf("Undo after won: stage %v: %s", got.Stage, visible(body))
	}
	// a manager's page shows no Undo for his salesman's change
	_, body = e.signIn("Liu Yang").Get(path)
	mustNotContain(t, body, `id="undo"`)
}

func TestOppMoveRefusedOnAnothersDeal(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	c.Get("/pipeline")
	for _, owner := range []string{"Li Na", "Ma Qiang"} {
		o := oppAt(t, e, owner, 0)
		_, before := storedOpp(t, e, o.ID)
		st, body := c.Post("/opp/"+itoa(o.ID)+"/stage", url.Values{"do": {"stage"}, "to": {"4"}, "nonce": {"x" + owner}})
		if st != 404 {
			t.Errorf("Wang moves %s's #%d: status %d", owner, o.ID, st)
		}
		mustNotContain(t, body, html.EscapeString(o.Name), owner)
		got, h := storedOpp(t, e, o.ID)
		if got.Stage != o.Stage || len(h) != len(before) {
			t.Errorf("%s's #%d changed: stage %v → %v, %d → %d change sets", owner, o.ID, o.Stage, got.Stage, len(before), len(h))
		}
	}
	// nor through the command box
	o := oppAt(t, e, "Li Na", 0)
	_, body := c.PostFollow("/do", url.Values{"command": {"OPP #" + itoa(o.ID) + " stage proposal"}, "back": {"/pipeline"}})
	mustContain(t, body, `class="flash error"`)
	mustNotContain(t, body, html.EscapeString(o.Name))
	if got, _ := storedOpp(t, e, o.ID); got.Stage != o.Stage {
		t.Errorf("the command box moved Li Na's #%d", o.ID)
	}
}

func TestOppPageInChineseForLiNa(t *testing.T) {
	e := start(t)
	c := e.signIn("Li Na")
	o := oppAt(t, e, "Li Na", 0)
	c.Get("/opp/" + itoa(o.ID))
	_, body := c.PostFollow("/opp/"+itoa(o.ID)+"/stage", url.Values{"do": {"nodeal"}, "reason": {"客户取消了项目"}, "nonce": {"z1"}})
	mustContain(t, body, "变更记录", "相关人员", "相关活动", "网页", "→ 无交易", "客户取消了项目", "重新打开", templates.Money(int64(o.Amount), "zh"))
	mustNotContain(t, body, "History", "Reopen")
	if got, _ := storedOpp(t, e, o.ID); got.Stage != crm.StageNoDeal {
		t.Errorf("no deal: stage %v", got.Stage)
	}
}

// A record named like markup is shown as text, on both pages.
func TestOppPagesEscape(t *testing.T) {
	e := start(t)
	o := oppAt(t, e, "Wang Jun", 0)
	_, err := e.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "import", Summary: `<img src=x onerror=alert(1)>`}, func(tx *crm.Tx) error {
		_, err := tx.UpdateOpp(o.ID, func(x *crm.Opportunity) error {
			x.Name = "<script>alert(1)</script>"
			x.Competitors = []string{`"><b>Sany`}
			return nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := e.signIn("Wang Jun")
	for _, p := range []string{"/opp/" + itoa(o.ID), "/pipeline"} {
		_, body := c.Get(p)
		mustNotContain(t, body, "<script>alert", "<img src=x", `"><b>Sany`)
		if p != "/pipeline" {
			mustContain(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "&#34;&gt;&lt;b&gt;Sany")
		} else {
			mustContain(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
		}
	}
}
