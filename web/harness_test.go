package web_test

// The harness every web test starts from: a real bbolt file with the demo
// data (internal/demodata), the real pipeline and outbox buckets, the
// console on an httptest server, and browsers-as-clients that sign in with
// the code read from the outbox, as a person reads it from his phone.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/internal/demodata"
	"github.com/fieldcrm/fieldcrm/templates"
	"github.com/fieldcrm/fieldcrm/web"
)

// testNow is the harness's clock: Tuesday 10 March 2026, 09:30 in Shenyang.
var testNow = time.Date(2026, 3, 10, 9, 30, 0, 0, shanghai)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     testing.TB
	Store *crm.Store
	Web   *web.Server
	Srv   *httptest.Server
	Clock *clock
	Users map[string]*crm.User // by name: "Wang Jun", "Li Na", "Liu Yang", "Zhou Min", "Ma Qiang", …
}

// start opens a demo database and serves the console on loopback.
func start(t testing.TB) *env { t.Helper(); return startWith(t, nil) }

// startWith is start with the console's configuration changed by tweak.
func startWith(t testing.TB, tweak func(*web.Config)) *env {
	t.Helper()
	ck := &clock{t: testNow}
	st, err := crm.Open(t.TempDir()+"/crm.db", crm.Options{Now: ck.Now, Location: shanghai, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := demodata.Seed(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pipe, err := gateway.New(gateway.Config{Store: st, Templates: tpl, Log: log, Now: ck.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{Store: st, Pipeline: pipe, Templates: tpl, Log: log, Now: ck.Now}
	if tweak != nil {
		tweak(&cfg)
	}
	w, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{t: t, Store: st, Web: w, Srv: srv, Clock: ck, Users: map[string]*crm.User{}}
	st.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(r crm.Record) bool {
			u := r.(*crm.User)
			e.Users[u.Name] = u
			return true
		})
	})
	return e
}

// client is one browser: a cookie jar, no automatic redirects (tests see them).
type client struct {
	e    *env
	hc   *http.Client
	lang string
	csrf string // the form token of the last page read
	Last *http.Response
	Body string // of the last response
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) (int, string) {
	c.e.t.Helper()
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.Last, c.Body = resp, string(b)
	if m := csrfRE.FindStringSubmatch(c.Body); m != nil {
		c.csrf = m[1]
	}
	return resp.StatusCode, c.Body
}

// Get fetches path and returns the status and body (redirects are not followed).
func (c *client) Get(path string) (int, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.Srv.URL+path, nil)
	return c.do(req)
}

// Follow fetches path and follows redirects (GET), returning the last page.
func (c *client) Follow(path string) (int, string) {
	c.e.t.Helper()
	status, body := c.Get(path)
	for i := 0; i < 5 && status >= 300 && status < 400; i++ {
		status, body = c.Get(c.Last.Header.Get("Location"))
	}
	return status, body
}

// Post sends a form with the token of the last page read (unless form has
// its own "csrf"), from the console's own origin.
func (c *client) Post(path string, form url.Values) (int, string) {
	c.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.e.Srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.Srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// PostFollow posts and then follows the redirect, returning the page shown.
func (c *client) PostFollow(path string, form url.Values) (int, string) {
	c.e.t.Helper()
	status, body := c.Post(path, form)
	if status >= 300 && status < 400 {
		return c.Follow(c.Last.Header.Get("Location"))
	}
	return status, body
}

// code returns the last sign-in code the outbox holds for user (SMS or e-mail).
func (e *env) code(u *crm.User) string {
	e.t.Helper()
	es, err := outbox.List(e.Store.Engine(), outbox.Filter{UserID: u.ID, Limit: 50})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, x := range es {
		if strings.HasPrefix(x.Key, "signin|") {
			if m := regexp.MustCompile(`\d{6}`).FindString(x.Body + x.Text); m != "" {
				return m
			}
		}
	}
	e.t.Fatalf("no sign-in code in the outbox for %s", u.Name)
	return ""
}

// signIn signs a new browser in as the user named, with his first phone.
func (e *env) signIn(name string) *client {
	e.t.Helper()
	u := e.Users[name]
	if u == nil {
		e.t.Fatalf("no user %q", name)
	}
	c := e.client()
	c.Get("/signin")
	if st, _ := c.Post("/signin", url.Values{"who": {u.Phones[0]}}); st != http.StatusSeeOther {
		e.t.Fatalf("sign-in as %s: status %d", name, st)
	}
	c.Get("/signin/code")
	if st, _ := c.Post("/signin/code", url.Values{"code": {e.code(u)}}); st != http.StatusSeeOther || c.Last.Header.Get("Location") != "/day" {
		e.t.Fatalf("code for %s: status %d, location %q: %s", name, st, c.Last.Header.Get("Location"), c.Body)
	}
	if st, _ := c.Get("/day"); st != http.StatusOK {
		e.t.Fatalf("/day after sign-in as %s: %d", name, st)
	}
	return c
}

// view reads the store as the user named.
func (e *env) view(name string, fn func(tx *crm.Tx) error) {
	e.t.Helper()
	if err := e.Store.View(e.Users[name], fn); err != nil {
		e.t.Fatal(err)
	}
}

// mustContain fails unless body contains every want.
func mustContain(t testing.TB, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q:\n%s", w, visible(body))
		}
	}
}

// mustNotContain fails when body contains any of bad.
func mustNotContain(t testing.TB, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("page shows %q:\n%s", b, visible(body))
		}
	}
}

var tagRE = regexp.MustCompile(`(?s)<[^>]*>`)

// visible is a page's text without tags, for failure messages.
func visible(body string) string {
	s := tagRE.ReplaceAllString(body, " ")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}
