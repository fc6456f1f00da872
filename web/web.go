// Package web is the console for those who have a screen: managers,
// administrators and salesmen with a laptop or a smartphone. It is served by
// `fieldcrm serve` (and the demo) beside the webhooks, server-rendered with
// html/template (the pages are in templates/web) and almost no JavaScript.
//
// Reads go through crm as the signed-in user, with the same access levels as
// SMS. Writes are the same commands as by SMS, carried out by the gateway's
// pipeline on channel "web": the same rules, the same confirmation, recorded
// in history and UNDO-able. Sign-in is passwordless: a one-time code sent by
// SMS or e-mail through the outbox (auth.go).
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/templates"
)

//go:embed static
var static embed.FS

// Config configures the console.
type Config struct {
	Store     *crm.Store
	Pipeline  *gateway.Pipeline // carries out every write
	Templates *templates.Set    // the sign-in code's SMS and e-mail wording
	Log       *slog.Logger
	Now       func() time.Time
	// Kick wakes the outbox worker once a sign-in code is queued (may be nil).
	Kick func()
	// Secure marks cookies Secure: the console is reached over TLS (the
	// public URL is https). Plain http on loopback (the demo, tests) leaves it off.
	Secure bool
	// Email: the e-mail channel is on, so a code may go by e-mail.
	Email bool
	// SMSFrom is the sender of code SMS ("" = the outbox's default).
	SMSFrom string
}

// Server is the console: an http.Handler.
type Server struct {
	cfg   Config
	pages *templates.WebPages
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
}

// New makes the console and creates its buckets.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Store.Now
	}
	if cfg.Kick == nil {
		cfg.Kick = func() {}
	}
	pages, err := templates.Web()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, pages: pages, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, nil, http.StatusForbidden, "err.csrf")
	}))
	s.routes()
	return s, nil
}

// Register adds the console's routes to mux (the server's, beside the webhooks).
func (s *Server) Register(mux *http.ServeMux) {
	for _, p := range Paths {
		mux.Handle(p, s)
	}
}

// Paths are the URL patterns the console answers (registered on the
// server's mux; the webhooks and /metrics keep theirs).
var Paths = []string{"/{$}", "/static/", "/signin", "/signin/", "/signout", "/lang", "/act", "/day",
	"/pipeline", "/pipeline/", "/opp/", "/account/", "/search", "/team", "/team/", "/reports", "/reports/",
	"/admin", "/admin/", "/do"}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	s.cop.Handler(s.mux).ServeHTTP(w, r)
}

func (s *Server) routes() {
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})))
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/day", http.StatusSeeOther) })
	s.mux.HandleFunc("GET /signin", s.signinForm)
	s.mux.HandleFunc("POST /signin", s.signin)
	s.mux.HandleFunc("GET /signin/code", s.codeForm)
	s.mux.HandleFunc("POST /signin/code", s.code)
	s.mux.HandleFunc("POST /signout", s.auth(s.signout))
	s.mux.HandleFunc("POST /lang", s.auth(s.lang))
	s.mux.HandleFunc("GET /day", s.auth(s.day))
	s.mux.HandleFunc("POST /act", s.auth(s.act))
	s.mux.HandleFunc("POST /do", s.auth(s.do))
	s.mux.HandleFunc("GET /admin/sessions", s.auth(s.admin(s.sessions)))
	s.mux.HandleFunc("POST /admin/sessions/revoke", s.auth(s.admin(s.revoke)))
	for _, reg := range pageRegistry {
		reg(s)
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sess := s.session(r)
		if sess == nil {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
	})
}

// pageRegistry holds the functions that add the routes of the pages in
// other files of this package (pipeline.go, account.go, …), each in an init.
var pageRegistry []func(*Server)

// handle registers pattern for a signed-in user's handler.
func (s *Server) handle(pattern string, h func(http.ResponseWriter, *http.Request, *Session)) {
	s.mux.HandleFunc(pattern, s.auth(h))
}

// handleAdmin registers pattern for administrators only.
func (s *Server) handleAdmin(pattern string, h func(http.ResponseWriter, *http.Request, *Session)) {
	s.mux.HandleFunc(pattern, s.auth(s.admin(h)))
}

// handleManager registers pattern for managers only.
func (s *Server) handleManager(pattern string, h func(http.ResponseWriter, *http.Request, *Session)) {
	s.mux.HandleFunc(pattern, s.auth(func(w http.ResponseWriter, r *http.Request, sess *Session) {
		if !sess.User.Role.IsManager() {
			s.fail(w, r, sess, http.StatusForbidden, "err.forbidden")
			return
		}
		h(w, r, sess)
	}))
}

// Page is what every page's template gets: the layout's fields and the
// page's own Data.
type Page struct {
	User      *crm.User // nil before sign-in
	Locale    string
	CSRF      string // the form token of this session
	Nonce     string // a fresh id for this rendering's forms: a form sent twice is carried out once
	Nav       string // the section shown as current
	Path      string // this page's path and query (the language switch comes back to it)
	Query     string // the search box
	IsManager bool
	IsAdmin   bool
	Flash     *Flash
	Data      any
}

// Flash is the message shown once at the top of the next page: the answer to
// what the user just did (the same words as the SMS reply).
type Flash struct {
	Text string
	Kind string // "ok" or "error"
}

// IsAdmin reports whether a role administers the system and its data.
func IsAdmin(r crm.Role) bool { return r == crm.RoleAdmin || r == crm.RoleDataAdmin }

// render writes page with data for the session (nil before sign-in).
func (s *Server) render(w http.ResponseWriter, r *http.Request, sess *Session, status int, page, nav string, data any) {
	s.renderPage(w, status, page, s.pageData(w, r, sess, nav, data))
}

// renderPage writes page with its data p made (a page that sets its own flash).
func (s *Server) renderPage(w http.ResponseWriter, status int, page string, p *Page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var buf bytes.Buffer
	if err := s.pages.Render(&buf, p.Locale, page, p); err != nil {
		s.cfg.Log.Error("web page not rendered", slog.String("page", page), slog.Any("error", err))
		http.Error(w, templates.WebText(p.Locale, "err.internal"), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	buf.WriteTo(w)
}

func (s *Server) pageData(w http.ResponseWriter, r *http.Request, sess *Session, nav string, data any) *Page {
	p := &Page{Locale: localeOf(r, sess), Nav: nav, Path: r.URL.RequestURI(), Data: data, Nonce: newID(12)}
	if sess != nil {
		p.User, p.CSRF = sess.User, sess.CSRF
		p.IsManager, p.IsAdmin = sess.User.Role.IsManager(), IsAdmin(sess.User.Role)
	} else {
		p.CSRF = preCSRF(w, r, s.cfg.Secure)
	}
	if r.URL.Path == "/search" {
		p.Query = r.URL.Query().Get("q")
	}
	p.Flash = takeFlash(w, r, s.cfg.Secure)
	return p
}

// fail answers with the error page: key is the phrase that says why.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, sess *Session, status int, key string) {
	loc := localeOf(r, sess)
	s.render(w, r, sess, status, "error", "", struct{ Title, Text string }{
		templates.WebText(loc, "err.title"), templates.WebText(loc, key)})
}

// localeOf is the language of the pages: the language cookie (the switch in
// the header), else the user's, else the browser's first choice.
func localeOf(r *http.Request, sess *Session) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "en" || c.Value == "zh") {
		return c.Value
	}
	if sess != nil && sess.User.Locale != "" {
		return sess.User.Locale
	}
	al := strings.ToLower(r.Header.Get("Accept-Language"))
	if strings.HasPrefix(al, "zh") {
		return "zh"
	}
	return "en"
}

const (
	langCookie  = "fc_lang"
	flashCookie = "fc_flash"
)

func (s *Server) lang(w http.ResponseWriter, r *http.Request, sess *Session) {
	l := r.PostFormValue("lang")
	if l != "en" && l != "zh" {
		l = "en"
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/day"), http.StatusSeeOther)
}

// localPath returns p when it is a path on this site, else def (no open redirects).
func localPath(p, def string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return def
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
		return def
	}
	return p
}

// setFlash keeps msg for the next page the browser shows (after a redirect).
func setFlash(w http.ResponseWriter, msg, kind string, secure bool) {
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + msg))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v, Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
}

func takeFlash(w http.ResponseWriter, r *http.Request, secure bool) *Flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(string(b), "\x00")
	if !ok || (kind != "ok" && kind != "error") {
		return nil
	}
	return &Flash{Text: msg, Kind: kind}
}

// newID returns n random bytes, hex.
func newID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// Do carries out one command as the signed-in user, exactly as if he had
// texted it: the pipeline parses it, crm applies it with its rules and
// records it in history with channel "web", and the answer is the SMS
// reply's words. key makes a form sent twice (a double click, the back
// button) count once: the same key gives the first answer again.
func (s *Server) Do(ctx context.Context, u *crm.User, key, command string) (*gateway.Result, error) {
	id := ""
	if key != "" {
		id = hex.EncodeToString(hash(key + "\x00" + command))[:32]
	}
	return s.cfg.Pipeline.Handle(ctx, gateway.Inbound{Channel: gateway.ChannelWeb, ID: id, UserID: u.ID, Body: command,
		Received: s.cfg.Now()}, gateway.Options{})
}

// doAndBack carries out command and goes back to the page the form was on
// (back, a local path) with the answer as the flash.
func (s *Server) doAndBack(w http.ResponseWriter, r *http.Request, sess *Session, command, back string) {
	res, err := s.Do(r.Context(), sess.User, sess.ID+"\x00"+r.PostFormValue("nonce"), command)
	if err != nil {
		s.cfg.Log.Error("web command failed", slog.String("command", command), slog.Any("error", err))
		setFlash(w, templates.WebText(localeOf(r, sess), "err.internal"), "error", s.cfg.Secure)
	} else {
		kind := "ok"
		if res.Code != "" {
			kind = "error"
		}
		setFlash(w, res.Reply, kind, s.cfg.Secure)
	}
	http.Redirect(w, r, localPath(back, "/day"), http.StatusSeeOther)
}

// do carries out a command typed in a form's command field (the command box
// on a page): anything a salesman can text.
func (s *Server) do(w http.ResponseWriter, r *http.Request, sess *Session) {
	cmd := strings.TrimSpace(r.PostFormValue("command"))
	back := localPath(r.PostFormValue("back"), "/day")
	if cmd == "" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.doAndBack(w, r, sess, cmd, back)
}

var errNoSession = errors.New("web: not signed in")
