package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/internal/browsertest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// signInBrowser signs the user named in, in a real browser: his number as he
// would type it, the code read from the outbox as he reads it on his phone.
func signInBrowser(t *testing.T, e *env, b *browsertest.Browser, name, typed string) {
	t.Helper()
	b.Open(e.Srv.URL + "/signin")
	b.Fill("input[name=who]", typed)
	b.Submit("form#signin")
	b.WaitVisible("form#code")
	b.Fill("input[name=code]", e.code(e.Users[name]))
	b.Submit("form#code")
	b.WaitVisible("header.top")
}

// The walk a salesman takes in a real browser, in English (Wang on a laptop)
// and in Chinese (Li Na on her phone): sign in with the code, My day, close
// an item with its button; the pages are kept as screenshots in docs/web/.
func TestWalkBrowser(t *testing.T) {
	for _, tc := range []struct {
		name, typed, lang, day, done string
		size                         browsertest.Viewport
	}{
		{"Wang Jun", "138 0000 0002", "en", "My day", "OK", browsertest.Laptop},
		{"Li Na", "13800000003", "zh", "我的一天", "已完成", browsertest.Phone},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			e := start(t)
			b := browsertest.Start(t, browsertest.Lang(tc.lang), browsertest.Size(tc.size))
			b.Open(e.Srv.URL + "/signin")
			b.Screenshots("signin-" + tc.lang)
			signInBrowser(t, e, b, tc.name, tc.typed)
			if got := b.Text("main h1"); !strings.HasPrefix(got, tc.day) {
				t.Fatalf("after signing in %s sees %q", tc.name, got)
			}
			sc := b.Cookie("fc_session")
			if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie as the browser keeps it: %+v", sc)
			}
			b.Screenshots("day-" + tc.lang)
			id := firstOpen(t, e, tc.name)
			sel := "li#a" + itoa(id)
			b.Fill(sel+" input[name=outcome]", "met the buyer")
			b.Click(sel + " button[value=done]")
			b.WaitVisible("#flash")
			if got := b.Text("#flash"); !strings.Contains(got, tc.done) || !strings.Contains(got, "#"+itoa(id)) {
				t.Fatalf("confirmation %q", got)
			}
			var a *crm.Activity
			e.view(tc.name, func(tx *crm.Tx) error { a, _ = tx.Activity(id); return nil })
			if a.Status != crm.StatusDone {
				t.Fatalf("#%d is %s after Done in the browser", id, a.Status)
			}
			if n := b.Count(sel); n != 0 {
				t.Errorf("#%d still listed after Done", id)
			}
			if errs := b.JSErrors(); len(errs) > 0 {
				t.Errorf("script errors: %v", errs)
			}
		})
	}
}

// A record named <script> shows as text in a real browser: no alert opens.
func TestWalkEscaping(t *testing.T) {
	e := start(t)
	wang := e.Users["Wang Jun"]
	_, err := e.Store.Update(t.Context(), crm.Meta{Actor: wang, Channel: "test"}, func(tx *crm.Tx) error {
		a := &crm.Account{Base: crm.Base{Owner: wang.ID}, Name: `<script>alert(1)</script> Quarry`}
		if err := tx.CreateAccount(a, &crm.Contact{Base: crm.Base{Owner: wang.ID}, Name: "Mr Qiu"}); err != nil {
			return err
		}
		return tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: wang.ID}, Type: crm.ActVisit, Subject: `<img src=x onerror=alert(2)>`,
			Account: a.ID, Due: e.Clock.Now().Add(3600e9)})
	})
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.Start(t)
	signInBrowser(t, e, b, "Wang Jun", "+8613800000002")
	if !strings.Contains(b.PageText(), "<script>alert(1)</script> Quarry") {
		t.Errorf("the account's name is not shown as typed")
	}
	if d := b.Dialogs(); len(d) > 0 {
		t.Fatalf("a name ran as script: %v", d)
	}
}
