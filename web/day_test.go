package web_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func regexp1(re, s string) string {
	if m := regexp.MustCompile(re).FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// openOf lists the user's open activities due by the end of today.
func openOf(t *testing.T, e *env, name string) []*crm.Activity {
	var out []*crm.Activity
	e.view(name, func(tx *crm.Tx) error {
		ag, err := tx.AgendaAt(e.Users[name].ID, e.Clock.Now(), shanghai)
		if err != nil {
			return err
		}
		out = append(append(out, ag.Overdue...), ag.Today...)
		return nil
	})
	return out
}

func countOpen(t *testing.T, e *env, name string) int { return len(openOf(t, e, name)) }

func firstOpen(t *testing.T, e *env, name string) int64 {
	as := openOf(t, e, name)
	if len(as) == 0 {
		t.Fatalf("%s has nothing open", name)
	}
	return as[0].ID
}

func TestMyDayShowsOwnWorkOnly(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	_, body := c.Get("/day")
	mine := openOf(t, e, "Wang Jun")
	if len(mine) == 0 {
		t.Fatal("the demo gives Wang nothing to do")
	}
	for _, a := range mine {
		mustContain(t, body, `id="a`+itoa(a.ID)+`"`)
	}
	for _, a := range openOf(t, e, "Li Na") {
		mustNotContain(t, body, `id="a`+itoa(a.ID)+`"`)
	}
	mustContain(t, body, "Overdue")
}

func TestMyDayDoneIsTheSMSCommand(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	c.Get("/day")
	id := firstOpen(t, e, "Wang Jun")
	nonce := regexp1(`name="nonce" value="([0-9a-f]+)"`, c.Body)
	_, body := c.PostFollow("/act", url.Values{"id": {itoa(id)}, "do": {"done"}, "outcome": {"met the buyer; wants a quote"}, "nonce": {nonce}})
	// the flash is the SMS reply's words
	mustContain(t, body, "#"+itoa(id), "UNDO")
	var a *crm.Activity
	var cs *crm.ChangeSet
	e.view("Wang Jun", func(tx *crm.Tx) error {
		var err error
		if a, err = tx.Activity(id); err != nil {
			return err
		}
		h, err := tx.History(crm.KindActivity, id)
		if err == nil && len(h) > 0 {
			cs = h[len(h)-1]
		}
		return err
	})
	if a.Status != crm.StatusDone || !strings.Contains(a.Outcome, "met the buyer; wants a quote") {
		t.Fatalf("activity after Done: status %q outcome %q", a.Status, a.Outcome)
	}
	if cs == nil || cs.Channel != "web" || !strings.HasPrefix(cs.Summary, "DONE #"+itoa(id)) {
		t.Fatalf("history: %+v", cs)
	}
	// the same form sent again (back button, double click) changes nothing more
	n := countHistory(t, e, id)
	c.PostFollow("/act", url.Values{"id": {itoa(id)}, "do": {"done"}, "outcome": {"met the buyer; wants a quote"}, "nonce": {nonce}})
	if m := countHistory(t, e, id); m != n {
		t.Fatalf("a form sent twice was applied twice: %d → %d changes", n, m)
	}
	// UNDO from the command box undoes it, as by SMS
	c.Get("/day")
	_, body = c.PostFollow("/do", url.Values{"command": {"UNDO"}, "back": {"/day"}, "nonce": {"u1"}})
	e.view("Wang Jun", func(tx *crm.Tx) error { a, _ = tx.Activity(id); return nil })
	if a.Status == crm.StatusDone {
		t.Fatalf("UNDO did not undo: %s", visible(body))
	}
}

func countHistory(t *testing.T, e *env, id int64) int {
	n := 0
	e.view("Wang Jun", func(tx *crm.Tx) error {
		h, err := tx.History(crm.KindActivity, id)
		n = len(h)
		return err
	})
	return n
}

func TestMyDayRefusalChangesNothing(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	c.Get("/day")
	// Li Na's activity, by id: refused, and nothing of hers is shown
	hers := firstOpen(t, e, "Li Na")
	_, body := c.PostFollow("/act", url.Values{"id": {itoa(hers)}, "do": {"done"}, "nonce": {"x"}})
	mustContain(t, body, `class="flash error"`)
	var a *crm.Activity
	e.view("Li Na", func(tx *crm.Tx) error { a, _ = tx.Activity(hers); return nil })
	if a.Status == crm.StatusDone {
		t.Fatal("Wang closed Li Na's activity")
	}
	mustNotContain(t, body, a.Subject)
}

func TestPagesEscapeNames(t *testing.T) {
	e := start(t)
	wang := e.Users["Wang Jun"]
	_, err := e.Store.Update(t.Context(), crm.Meta{Actor: wang, Channel: "test"}, func(tx *crm.Tx) error {
		a := &crm.Account{Base: crm.Base{Owner: wang.ID}, Name: `<script>alert(1)</script> Quarry`}
		if err := tx.CreateAccount(a, &crm.Contact{Base: crm.Base{Owner: wang.ID}, Name: `<b>Bold</b>`}); err != nil {
			return err
		}
		return tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: wang.ID}, Type: crm.ActVisit, Subject: `<img src=x onerror=alert(2)>`,
			Account: a.ID, Due: e.Clock.Now().Add(3600e9)})
	})
	if err != nil {
		t.Fatal(err)
	}
	c := e.signIn("Wang Jun")
	_, body := c.Get("/day")
	mustNotContain(t, body, "<script>alert(1)", "<img src=x")
	mustContain(t, body, "&lt;script&gt;alert(1)&lt;/script&gt; Quarry", "&lt;img src=x onerror=alert(2)&gt;")
}
