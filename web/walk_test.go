package web_test

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/internal/browsertest"
	"github.com/fieldcrm/fieldcrm/internal/demodata"
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
		name, typed, lang, day, done            string
		notes, visitOK, pipeline, search, found string
		size                                    browsertest.Viewport
	}{
		{"Wang Jun", "138 0000 0002", "en", "My day", "OK", "wants a quote for 2x 320D", "OK visit", "Pipeline", "acme", "ACME Mining",
			browsertest.Laptop},
		{"Li Na", "13800000003", "zh", "我的一天", "已完成", "要两台320D的报价", "已记录拜访", "商机", "华鑫", "华鑫矿业有限公司",
			browsertest.Phone},
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

			// My day → the account of the next item (or, with nothing left
			// today, the account found by search) → log a visit there
			if b.Count("ul.items li a[href^='/account/']") > 0 {
				b.ClickAndWait("ul.items li a[href^='/account/']")
			} else {
				b.Fill("header input[name=q]", tc.search)
				b.Submit("header form.search")
				b.ClickAndWait("main a[href^='/account/']")
			}
			acct := accountIDOf(t, b.URL())
			b.Screenshots("account-" + tc.lang)
			b.Select("#visit-form select[name=contact]", firstContact(t, e, tc.name, acct))
			b.Fill("#visit-form textarea[name=notes]", tc.notes)
			b.Submit("#visit-form form")
			if got := b.Text("#flash"); !strings.Contains(got, tc.visitOK) {
				t.Fatalf("visit confirmation %q", got)
			}
			var logged *crm.Activity
			e.view(tc.name, func(tx *crm.Tx) error {
				recs, _ := tx.LinkedTo(acct, crm.KindActivity)
				for _, r := range recs {
					if a := r.(*crm.Activity); a.Type == crm.ActVisit && a.Status == crm.StatusDone && strings.Contains(a.Notes+a.Outcome, tc.notes) {
						logged = a
					}
				}
				return nil
			})
			if logged == nil {
				t.Fatalf("no done visit with %q stored at account #%d", tc.notes, acct)
			}
			// its history names the message that made the change, on channel web
			if got := b.PageText(); !strings.Contains(got, "VISIT #"+itoa(acct)) {
				t.Errorf("the account's history does not show the visit's message:\n%s", got)
			}
			// → the pipeline, and one opportunity
			b.ClickAndWait("header nav a[href='/pipeline']")
			if got := b.Text("main h1"); !strings.Contains(got, tc.pipeline) {
				t.Fatalf("pipeline page title %q", got)
			}
			b.Screenshots("pipeline-" + tc.lang)
			b.ClickAndWait("main a[href^='/opp/']")
			b.Screenshots("opp-" + tc.lang)
			// search, from the box in the header
			b.Fill("header input[name=q]", tc.search)
			b.Submit("header form.search")
			b.Screenshots("search-" + tc.lang)
			if got := b.PageText(); !strings.Contains(got, tc.found) || strings.Contains(got, "大连重工机械") {
				t.Errorf("search %q: want %q and nothing of Dalian:\n%s", tc.search, tc.found, got)
			}
			if errs := b.JSErrors(); len(errs) > 0 {
				t.Errorf("script errors: %v", errs)
			}
		})
	}
}

// A manager's walk: Team, one salesman's work, the reports.
func TestWalkManagerBrowser(t *testing.T) {
	e := start(t)
	b := browsertest.Start(t, browsertest.Lang("en"), browsertest.Size(browsertest.Laptop))
	signInBrowser(t, e, b, "Liu Yang", "+8613800000001")
	b.ClickAndWait("header nav a[href='/team']")
	b.Screenshots("team-en")
	for _, name := range []string{"Wang Jun", "Li Na", "Zhao Lei"} {
		if !strings.Contains(b.PageText(), name) {
			t.Errorf("Team lacks %s", name)
		}
	}
	b.FollowLink("Wang Jun")
	b.Screenshots("team-member-en")
	b.ClickAndWait("header nav a[href='/reports']")
	b.Screenshots("reports-en")
	b.ClickAndWait("main a[href^='/reports/funnel']")
	b.Screenshots("report-funnel-en")
	if got := b.PageText(); strings.Contains(got, "Ma Qiang") {
		t.Errorf("Liu's funnel shows Dalian's salesman")
	}
}

func accountIDOf(t *testing.T, u string) int64 {
	t.Helper()
	m := regexp.MustCompile(`/account/(\d+)`).FindStringSubmatch(u)
	if m == nil {
		t.Fatalf("not an account page: %s", u)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func firstContact(t *testing.T, e *env, name string, acct int64) string {
	t.Helper()
	var c string
	e.view(name, func(tx *crm.Tx) error {
		cs, err := tx.ContactsOf(acct)
		if len(cs) > 0 {
			c = cs[0].Name
		}
		return err
	})
	if c == "" {
		t.Fatalf("account #%d has no contact", acct)
	}
	return c
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

// An administrator's walk: the index, users, an import whose bad rows are
// shown before anything is written, the outbox, the signed-in browsers.
func TestWalkAdminBrowser(t *testing.T) {
	e := start(t)
	b := browsertest.Start(t, browsertest.Lang("en"), browsertest.Size(browsertest.Laptop))
	signInBrowser(t, e, b, "Zhou Min", "zhou.min@dealer.example")
	b.ClickAndWait("header nav a[href='/admin']")
	b.Screenshots("admin-en")
	b.Open(e.Srv.URL + "/admin/users")
	if !strings.Contains(b.PageText(), "Ma Qiang") {
		t.Errorf("the administrator's user list lacks Dalian's salesman")
	}
	b.Screenshots("admin-users-en")
	b.Open(e.Srv.URL + "/admin/import")
	b.Select("#import-form select[name=kind]", "accounts")
	bad, err := filepath.Abs("../cmd/fieldcrm/testdata/accounts_bad.csv")
	if err != nil {
		t.Fatal(err)
	}
	b.SetTimeout(30 * time.Second) // an import's preview reads the file on a loaded machine
	b.Upload("#import-form input[name=file]", bad)
	b.Submit("#import-form")
	b.Screenshots("admin-import-preview-en")
	var n int
	e.view("Zhou Min", func(tx *crm.Tx) error {
		return tx.Each(crm.KindAccount, func(crm.Record) bool { n++; return true })
	})
	if n != len(demodata.Accounts)+len(demodata.DalianAccounts) {
		t.Errorf("a preview wrote accounts: %d stored", n)
	}
	b.Open(e.Srv.URL + "/admin/outbox")
	b.Screenshots("admin-outbox-en")
	if strings.Contains(b.PageText(), e.code(e.Users["Zhou Min"])) {
		t.Errorf("the outbox page shows a sign-in code")
	}
	b.Open(e.Srv.URL + "/admin/sessions")
	b.Screenshots("admin-sessions-en")
}

// Dalian's manager, in Chinese on his phone: his team is Ma Qiang alone.
func TestWalkManagerChineseBrowser(t *testing.T) {
	e := start(t)
	b := browsertest.Start(t, browsertest.Lang("zh"), browsertest.Size(browsertest.Phone))
	signInBrowser(t, e, b, "Sun Tao", "13800000011")
	b.ClickAndWait("header nav a[href='/team']")
	b.Screenshots("team-zh")
	got := b.PageText()
	if !strings.Contains(got, "Ma Qiang") || strings.Contains(got, "Wang Jun") || !strings.Contains(got, "团队") {
		t.Errorf("Sun Tao's team page:\n%s", got)
	}
	b.ClickAndWait("header nav a[href='/pipeline']")
	b.Screenshots("pipeline-manager-zh")
	if got := b.PageText(); !strings.Contains(got, "大连重工机械") || strings.Contains(got, "ACME") {
		t.Errorf("Sun Tao's pipeline:\n%s", got)
	}
	b.ClickAndWait("header nav a[href='/reports']")
	b.Screenshots("reports-zh")
}
