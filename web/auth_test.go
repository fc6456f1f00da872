package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/web"
)

func TestSignInWithCodeBySMS(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	st, body := c.Get("/day")
	if st != 200 {
		t.Fatalf("status %d", st)
	}
	mustContain(t, body, "My day", "Wang Jun", "Sign out")
	// the code went by SMS to his number, in his language, through the outbox
	es, _ := outbox.List(e.Store.Engine(), outbox.Filter{UserID: e.Users["Wang Jun"].ID})
	var sms *outbox.Entry
	for _, x := range es {
		if strings.HasPrefix(x.Key, "signin|") {
			sms = x
		}
	}
	if sms == nil || sms.Channel != "sms" || sms.To != "+8613800000002" || !strings.Contains(sms.Body, "sign-in code") {
		t.Fatalf("code SMS %+v", sms)
	}
	// the session cookie is HttpOnly and SameSite
	var sc *http.Cookie
	for _, ck := range c.hc.Jar.Cookies(mustURL(e.Srv.URL)) {
		if ck.Name == "fc_session" {
			sc = ck
		}
	}
	if sc == nil {
		t.Fatal("no session cookie")
	}
	if h := setCookieOf(t, e, "Wang Jun"); !strings.Contains(h, "HttpOnly") || !strings.Contains(h, "SameSite=Lax") {
		t.Errorf("session cookie attributes: %s", h)
	}
}

func TestSignInChineseUserGetsChineseCodeAndPages(t *testing.T) {
	e := start(t)
	c := e.signIn("Li Na")
	_, body := c.Get("/day")
	mustContain(t, body, "我的一天", "退出")
	mustNotContain(t, body, "My day", "Sign out")
	es, _ := outbox.List(e.Store.Engine(), outbox.Filter{UserID: e.Users["Li Na"].ID})
	if len(es) == 0 || !strings.Contains(es[0].Body, "登录验证码") {
		t.Fatalf("code SMS not in Chinese: %+v", es)
	}
}

// setCookieOf signs the user in once more and returns the session's Set-Cookie header.
func setCookieOf(t *testing.T, e *env, name string) string {
	t.Helper()
	u := e.Users[name]
	c := e.client()
	c.Get("/signin")
	c.Post("/signin", url.Values{"who": {u.Phones[0]}})
	c.Get("/signin/code")
	c.Post("/signin/code", url.Values{"code": {e.code(u)}})
	for _, h := range c.Last.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "fc_session=") && !strings.Contains(h, "Max-Age=0") {
			return h
		}
	}
	t.Fatalf("no session Set-Cookie: %v", c.Last.Header.Values("Set-Cookie"))
	return ""
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

func TestSignInUnknownLearnsNothing(t *testing.T) {
	e := start(t)
	known, unknown := e.client(), e.client()
	known.Get("/signin")
	unknown.Get("/signin")
	st1, _ := known.PostFollow("/signin", url.Values{"who": {"+86 138 0000 0002"}})
	b1 := visible(known.Body)
	st2, _ := unknown.PostFollow("/signin", url.Values{"who": {"+86 139 9999 0000"}})
	b2 := visible(unknown.Body)
	if st1 != st2 || b1 != b2 {
		t.Fatalf("a registered and an unknown number are told apart:\n%d %s\n%d %s", st1, b1, st2, b2)
	}
	// the unknown number's code is refused exactly like a wrong one
	st3, body := unknown.Post("/signin/code", url.Values{"code": {"123456"}})
	if st3 != http.StatusUnprocessableEntity || !strings.Contains(body, "not right") {
		t.Fatalf("unknown code: %d %s", st3, visible(body))
	}
	// nothing was sent to the unknown number
	es, _ := outbox.List(e.Store.Engine(), outbox.Filter{To: "+8613999990000"})
	if len(es) != 0 {
		t.Fatalf("sent to an unknown number: %+v", es)
	}
	// e-mail too: same page for a known and an unknown address
	k2, u2 := e.client(), e.client()
	k2.Get("/signin")
	u2.Get("/signin")
	k2.PostFollow("/signin", url.Values{"who": {"Wang.Jun@dealer.example"}})
	u2.PostFollow("/signin", url.Values{"who": {"nobody@dealer.example"}})
	if visible(k2.Body) != visible(u2.Body) {
		t.Fatalf("e-mail addresses told apart")
	}
}

func TestSignInCodeSingleUseAndExpiry(t *testing.T) {
	e := start(t)
	u := e.Users["Wang Jun"]
	c := e.client()
	c.Get("/signin")
	c.Post("/signin", url.Values{"who": {u.Phones[0]}})
	code := e.code(u)
	c.Get("/signin/code")
	if st, _ := c.Post("/signin/code", url.Values{"code": {code}}); st != http.StatusSeeOther {
		t.Fatalf("first use: %d", st)
	}
	// the same code again (another browser that saw the login cookie) fails
	c2 := e.client()
	c2.hc.Jar.SetCookies(mustURL(e.Srv.URL+"/signin"), c.hc.Jar.Cookies(mustURL(e.Srv.URL+"/signin")))
	c2.Get("/signin/code")
	c2.Post("/signin/code", url.Values{"code": {code}})
	if c2.Last.Header.Get("Location") == "/day" {
		t.Fatal("a used code signed in again")
	}
	// expiry: a code older than CodeTTL is refused
	c3 := e.client()
	c3.Get("/signin")
	c3.Post("/signin", url.Values{"who": {u.Phones[0]}})
	code = e.code(u)
	e.Clock.Add(web.CodeTTL + time.Second)
	c3.Get("/signin/code")
	st, body := c3.Post("/signin/code", url.Values{"code": {code}})
	if st == http.StatusSeeOther || !strings.Contains(body, "expired") {
		t.Fatalf("expired code: %d %s", st, visible(body))
	}
}

func TestSignInBruteForceLimited(t *testing.T) {
	e := start(t)
	u := e.Users["Wang Jun"]
	c := e.client()
	c.Get("/signin")
	c.Post("/signin", url.Values{"who": {u.Phones[0]}})
	code := e.code(u)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	c.Get("/signin/code")
	for i := 1; i < web.MaxCodeTries; i++ {
		if st, _ := c.Post("/signin/code", url.Values{"code": {wrong}}); st != http.StatusUnprocessableEntity {
			t.Fatalf("try %d: %d", i, st)
		}
	}
	c.Post("/signin/code", url.Values{"code": {wrong}}) // the last try ends the code
	if c.Post("/signin/code", url.Values{"code": {code}}); c.Last.Header.Get("Location") == "/day" {
		t.Fatal("the right code worked after the tries were spent")
	}
	// codes per address and hour
	for i := 0; i < web.MaxCodesPerHour; i++ {
		c.Get("/signin")
		c.Post("/signin", url.Values{"who": {"+8613999990001"}})
	}
	c.Get("/signin")
	st, body := c.Post("/signin", url.Values{"who": {"+8613999990001"}})
	if st != http.StatusTooManyRequests || !strings.Contains(body, "Too many codes") {
		t.Fatalf("sixth code in the hour: %d %s", st, visible(body))
	}
	// an hour later it works again
	e.Clock.Add(time.Hour)
	c.Get("/signin")
	if st, _ := c.Post("/signin", url.Values{"who": {"+8613999990001"}}); st != http.StatusSeeOther {
		t.Fatalf("after an hour: %d", st)
	}
}

func TestCSRFRefused(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	before := countOpen(t, e, "Wang Jun")
	// no token
	id := firstOpen(t, e, "Wang Jun")
	st, _ := c.Post("/act", url.Values{"csrf": {""}, "id": {itoa(id)}, "do": {"done"}})
	if st != http.StatusForbidden {
		t.Fatalf("no token: %d", st)
	}
	// another session's token
	other := e.signIn("Li Na")
	st, _ = c.Post("/act", url.Values{"csrf": {other.csrf}, "id": {itoa(id)}, "do": {"done"}})
	if st != http.StatusForbidden {
		t.Fatalf("foreign token: %d", st)
	}
	// right token, but from another site
	form := url.Values{"csrf": {c.csrf}, "id": {itoa(id)}, "do": {"done"}}
	req, _ := http.NewRequest("POST", e.Srv.URL+"/act", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if st, _ := c.do(req); st != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", st)
	}
	if after := countOpen(t, e, "Wang Jun"); after != before {
		t.Fatalf("a refused form changed something: %d open before, %d after", before, after)
	}
}

func TestSessionFixationImpossible(t *testing.T) {
	e := start(t)
	// an attacker plants a session cookie of his choosing before the victim signs in
	c := e.client()
	planted := strings.Repeat("ab", 32)
	c.hc.Jar.SetCookies(mustURL(e.Srv.URL), []*http.Cookie{{Name: "fc_session", Value: planted, Path: "/"}})
	if st, _ := c.Get("/day"); st != http.StatusSeeOther {
		t.Fatalf("an unknown session id was accepted: %d", st)
	}
	u := e.Users["Wang Jun"]
	c.Get("/signin")
	c.Post("/signin", url.Values{"who": {u.Phones[0]}})
	c.Get("/signin/code")
	c.Post("/signin/code", url.Values{"code": {e.code(u)}})
	var got string
	for _, ck := range c.hc.Jar.Cookies(mustURL(e.Srv.URL)) {
		if ck.Name == "fc_session" {
			got = ck.Value
		}
	}
	if got == "" || got == planted {
		t.Fatalf("session id after sign-in: %q (planted %q)", got, planted)
	}
	// the planted id still signs nobody in
	a := e.client()
	a.hc.Jar.SetCookies(mustURL(e.Srv.URL), []*http.Cookie{{Name: "fc_session", Value: planted, Path: "/"}})
	if st, _ := a.Get("/day"); st != http.StatusSeeOther {
		t.Fatalf("planted id works after the victim signed in: %d", st)
	}
}

func TestSignOutAndAdminRevokes(t *testing.T) {
	e := start(t)
	wang := e.signIn("Wang Jun")
	admin := e.signIn("Zhou Min")
	// a salesman may not see the sessions
	if st, _ := wang.Get("/admin/sessions"); st != http.StatusForbidden {
		t.Fatalf("salesman sees sessions: %d", st)
	}
	st, body := admin.Get("/admin/sessions")
	if st != 200 {
		t.Fatalf("admin sessions: %d", st)
	}
	mustContain(t, body, "Wang Jun", "Zhou Min", "this browser")
	// revoke Wang's
	var key string
	for _, row := range strings.Split(body, "<tr>") {
		if strings.Contains(row, "Wang Jun") {
			if m := regexp1(`name="key" value="([0-9a-f]+)"`, row); m != "" {
				key = m
			}
		}
	}
	if key == "" {
		t.Fatal("no revoke button for Wang")
	}
	_, body = admin.PostFollow("/admin/sessions/revoke", url.Values{"key": {key}})
	mustContain(t, body, "That browser is signed out.")
	if st, _ := wang.Get("/day"); st != http.StatusSeeOther {
		t.Fatalf("revoked session still works: %d", st)
	}
	// sign-out ends the admin's own session
	admin.Get("/day")
	admin.Post("/signout", nil)
	if st, _ := admin.Get("/day"); st != http.StatusSeeOther {
		t.Fatalf("signed-out session still works: %d", st)
	}
}

func TestDisabledUserSignedOut(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhao Lei")
	u := e.Users["Zhao Lei"]
	e.Store.Update(t.Context(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		x, _ := tx.User(u.ID)
		x.Disabled = true
		return tx.SaveUser(x)
	})
	if st, _ := c.Get("/day"); st != http.StatusSeeOther {
		t.Fatalf("a disabled user's session still works: %d", st)
	}
}

// Behind TLS (FIELDCRM_PUBLIC_URL https) every cookie is Secure.
func TestCookiesSecureBehindTLS(t *testing.T) {
	e := startWith(t, func(c *web.Config) { c.Secure = true })
	u := e.Users["Wang Jun"]
	c := e.client()
	c.Get("/signin")
	var all []string
	all = append(all, c.Last.Header.Values("Set-Cookie")...)
	c.Post("/signin", url.Values{"who": {u.Phones[0]}})
	all = append(all, c.Last.Header.Values("Set-Cookie")...)
	// the browser would not send Secure cookies over http: hand them back as it would over https
	for _, h := range all {
		if !strings.Contains(h, "; Secure") {
			t.Errorf("cookie not Secure: %s", h)
		}
	}
	if len(all) < 2 {
		t.Fatalf("cookies set: %v", all)
	}
	// the code, with the cookies a browser on https sends back
	var cookies []string
	for _, h := range all {
		cookies = append(cookies, strings.SplitN(h, ";", 2)[0])
	}
	form := url.Values{"code": {e.code(u)}, "csrf": {c.csrf}}
	req, _ := http.NewRequest("POST", e.Srv.URL+"/signin/code", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.Srv.URL)
	req.Header.Set("Cookie", strings.Join(cookies, "; "))
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session string
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "fc_session=") {
			session = h
		}
	}
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(session, "; Secure") || !strings.Contains(session, "HttpOnly") {
		t.Fatalf("sign-in over https: %d, session cookie %q", resp.StatusCode, session)
	}
}

// Codes sent to everyone together are capped an hour; past the cap a known
// number is told what an unknown one is told, and nothing is sent.
func TestSignInCodesCappedForEveryone(t *testing.T) {
	e := start(t)
	var staff []*crm.User
	_, err := e.Store.Update(t.Context(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		for i := range web.MaxCodesSentPerHour + 1 {
			u := &crm.User{Base: crm.Base{Branch: "shenyang", Dept: "machines"}, Name: fmt.Sprintf("Staff %d", i),
				Phones: []string{fmt.Sprintf("+86139%08d", 20000000+i)}, Role: crm.RoleSalesman, Locale: "en"}
			if err := tx.SaveUser(u); err != nil {
				return err
			}
			staff = append(staff, u)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	for _, u := range staff[:web.MaxCodesSentPerHour] {
		c.Get("/signin")
		c.Post("/signin", url.Values{"who": {u.Phones[0]}})
	}
	if n := countCodes(t, e); n != web.MaxCodesSentPerHour {
		t.Fatalf("%d codes sent, want %d", n, web.MaxCodesSentPerHour)
	}
	last := e.client()
	last.Get("/signin")
	st, _ := last.PostFollow("/signin", url.Values{"who": {staff[web.MaxCodesSentPerHour].Phones[0]}})
	if st != http.StatusOK || !strings.Contains(last.Body, "Enter your code") {
		t.Fatalf("past the cap: %d %s", st, visible(last.Body))
	}
	if n := countCodes(t, e); n != web.MaxCodesSentPerHour {
		t.Fatalf("a code was sent past the hour's cap: %d sent", n)
	}
	// an hour later codes go out again
	e.Clock.Add(time.Hour)
	last.Get("/signin")
	last.Post("/signin", url.Values{"who": {staff[web.MaxCodesSentPerHour].Phones[0]}})
	if n := countCodes(t, e); n != web.MaxCodesSentPerHour+1 {
		t.Fatalf("an hour later: %d codes sent", n)
	}
}

func countCodes(t *testing.T, e *env) int {
	es, err := outbox.List(e.Store.Engine(), outbox.Filter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range es {
		if strings.HasPrefix(x.Key, "signin|") {
			n++
		}
	}
	return n
}
