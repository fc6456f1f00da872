package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/templates"
	"github.com/fieldcrm/fieldcrm/web"
)

// node serves a second console on e's store: another node on the same
// database, with its own pipeline and nothing shared in memory.
func (e *env) node(t *testing.T) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tpl := templates.MustNew()
	pipe, err := gateway.New(gateway.Config{Store: e.Store, Templates: tpl, Log: log, Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Config{Store: e.Store, Pipeline: pipe, Templates: tpl, Log: log, Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	n := *e
	n.Web, n.Srv = w, srv
	return &n
}

// TestSignInAcrossNodes: the sign-in codes, their limits and the sessions
// are in the database, so a browser sent to either of two nodes (a load
// balancer without stickiness) is the same: a code asked at one node is
// entered at the other, the session works on both, signing out at one ends
// it on both, and an address gets MaxCodesPerHour codes an hour from both
// nodes together, not from each.
func TestSignInAcrossNodes(t *testing.T) {
	a := start(t)
	b := a.node(t)
	u := a.Users["Wang Jun"]
	c := a.client()
	on := func(e *env) *client { c.e = e; return c } // the cookie jar is by host: both nodes get the cookies
	on(a).Get("/signin")
	if st, _ := c.Post("/signin", url.Values{"who": {u.Phones[0]}}); st != http.StatusSeeOther {
		t.Fatalf("code asked at node A: %d", st)
	}
	on(b).Get("/signin/code")
	if st, _ := c.Post("/signin/code", url.Values{"code": {a.code(u)}}); st != http.StatusSeeOther || c.Last.Header.Get("Location") != "/day" {
		t.Fatalf("code entered at node B: %d %q", st, c.Last.Header.Get("Location"))
	}
	for _, e := range []*env{a, b} {
		if st, body := on(e).Get("/day"); st != http.StatusOK || !strings.Contains(body, "Wang Jun") {
			t.Fatalf("/day at %s: %d %s", e.Srv.URL, st, visible(body))
		}
	}
	on(b).Post("/signout", nil)
	if st, _ := on(a).Get("/day"); st != http.StatusSeeOther || c.Last.Header.Get("Location") != "/signin" {
		t.Fatalf("signed out at node B, still in at node A: %d", st)
	}

	// codes for one address, asked at both nodes in turn
	x := a.client()
	for i := range web.MaxCodesPerHour {
		x.e = []*env{a, b}[i%2]
		x.Get("/signin")
		if st, _ := x.Post("/signin", url.Values{"who": {"+8613999990001"}}); st != http.StatusSeeOther {
			t.Fatalf("code %d: %d", i+1, st)
		}
	}
	for _, e := range []*env{a, b} {
		x.e = e
		x.Get("/signin")
		if st, body := x.Post("/signin", url.Values{"who": {"+8613999990001"}}); st != http.StatusTooManyRequests || !strings.Contains(body, "Too many codes") {
			t.Fatalf("code %d of the hour, at %s: %d %s", web.MaxCodesPerHour+1, e.Srv.URL, st, visible(body))
		}
	}
}
