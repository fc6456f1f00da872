package web

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"crypto/rand"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

// Sign-in: a user gives his mobile number or e-mail address and receives a
// 6-digit code by SMS or e-mail through the outbox. The code works once,
// for CodeTTL, and MaxCodeTries times; an address gets at most
// MaxCodesPerHour codes an hour, a user (by any of his addresses) the same.
// Whether an address is registered never shows: an unknown one gets the same
// page, the same answer to every code, and the same limits.
//
// A session is a random 32-byte id in an HttpOnly, SameSite=Lax cookie
// (Secure behind TLS); the database keeps only its SHA-256, so a copy of the
// file signs nobody in. Every sign-in makes a new id (no fixation), every
// form carries the session's CSRF token, and cross-origin posts are refused
// before that (http.CrossOriginProtection). An administrator lists and
// revokes sessions (/admin/sessions).
const (
	CodeTTL         = 10 * time.Minute
	MaxCodeTries    = 5
	MaxCodesPerHour = 5
	// MaxCodesSentPerHour bounds the codes sent to everyone together: someone
	// who knows many staff numbers cannot make fieldcrm send SMS without end.
	// Past it, codes are not sent (and the page says what it always says).
	MaxCodesSentPerHour = 200
	SessionIdle         = 14 * 24 * time.Hour // signed out after two weeks unused
	SessionMax          = 60 * 24 * time.Hour // and after two months in any case
	seenEvery           = 10 * time.Minute    // how often a session's last use is written
)

// State spaces (crm.ETx.State). Everything of a sign-in is in the
// database, read and written in the request's one transaction: several
// nodes on one database share the sessions, the codes and the limits.
const (
	spLogins   = "web/logins"   // sha256(login id) → login
	spSessions = "web/sessions" // sha256(session id) → Session
	spLimits   = "web/limits"   // "addr|…", "user|…" or "all" → limit
)

const (
	sessionCookie = "fc_session"
	loginCookie   = "fc_login"
	preCookie     = "fc_pre"
)

// login is a sign-in under way: the code sent, for whom.
type login struct {
	User     int64     `json:"user,omitempty"` // 0: the address is not registered (no code was sent)
	Code     string    `json:"code,omitempty"` // hex sha256(login id | code)
	Expires  time.Time `json:"expires"`
	Attempts int       `json:"attempts,omitempty"`
}

// limit counts codes asked for in the current hour.
type limit struct {
	Since time.Time `json:"since"`
	Codes int       `json:"codes"`
}

// Session is a signed-in browser.
type Session struct {
	ID      string    `json:"-"`    // the cookie's value (never stored)
	Key     string    `json:"-"`    // hex sha256(ID): the stored key
	UserID  int64     `json:"user"` //
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
	Agent   string    `json:"agent,omitempty"`
	IP      string    `json:"ip,omitempty"`
	Via     string    `json:"via,omitempty"` // the address the code went to

	User *crm.User `json:"-"`
}

// update runs fn as one request of the console's own (sessions, sign-in
// codes, uploads). fn may run more than once: it resets what it reports.
func (s *Server) update(ctx context.Context, fn func(tx *crm.Tx) error) error {
	_, err := s.cfg.Store.Update(ctx, crm.Meta{Actor: crm.System, Channel: "web"}, fn)
	return err
}

// session returns the request's signed-in session, nil when there is none
// (no cookie, unknown, expired, or its user disabled).
func (s *Server) session(r *http.Request) *Session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 64 {
		return nil
	}
	key := hex.EncodeToString(hash(c.Value))
	now := s.cfg.Now()
	var sess *Session
	s.cfg.Store.View(crm.System, func(tx *crm.Tx) error {
		v := tx.State(spSessions).Get([]byte(key))
		if v == nil {
			return nil
		}
		var x Session
		if json.Unmarshal(v, &x) != nil || now.Sub(x.Seen) > SessionIdle || now.Sub(x.Created) > SessionMax {
			return nil
		}
		u, err := tx.User(x.UserID)
		if err != nil || u.Disabled {
			return nil
		}
		x.ID, x.Key, x.User = c.Value, key, u
		sess = &x
		return nil
	})
	if sess != nil && now.Sub(sess.Seen) > seenEvery {
		sess.Seen = now
		data, _ := json.Marshal(sess)
		s.update(r.Context(), func(tx *crm.Tx) error {
			b := tx.State(spSessions)
			if b.Get([]byte(key)) == nil {
				return nil // revoked meanwhile
			}
			return b.Put([]byte(key), data)
		})
	}
	return sess
}

// auth runs h for a signed-in user (checking the CSRF token of a POST) and
// sends anyone else to the sign-in page.
func (s *Server) auth(h func(http.ResponseWriter, *http.Request, *Session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := s.session(r)
		if sess == nil {
			if r.Method == http.MethodGet {
				setFlash(w, templates.WebText(localeOf(r, nil), "signin.needed"), "error", s.cfg.Secure)
			}
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.CSRF)) != 1 {
				s.cfg.Log.Warn("web form refused: CSRF token", slog.Int64("user_id", sess.UserID), slog.String("path", r.URL.Path))
				s.fail(w, r, sess, http.StatusForbidden, "err.csrf")
				return
			}
		}
		h(w, r, sess)
	}
}

// admin runs h only for administrators.
func (s *Server) admin(h func(http.ResponseWriter, *http.Request, *Session)) func(http.ResponseWriter, *http.Request, *Session) {
	return func(w http.ResponseWriter, r *http.Request, sess *Session) {
		if !IsAdmin(sess.User.Role) {
			s.fail(w, r, sess, http.StatusForbidden, "err.forbidden")
			return
		}
		h(w, r, sess)
	}
}

// preCSRF is the form token before sign-in: a random cookie, and its hash in
// the form (double submit).
func preCSRF(w http.ResponseWriter, r *http.Request, secure bool) string {
	v := ""
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) == 32 {
		v = c.Value
	} else {
		v = newID(16)
		http.SetCookie(w, &http.Cookie{Name: preCookie, Value: v, Path: "/signin", HttpOnly: true, Secure: secure,
			SameSite: http.SameSiteStrictMode})
		r.AddCookie(&http.Cookie{Name: preCookie, Value: v})
	}
	return hex.EncodeToString(hash("pre\x00" + v))[:32]
}

func checkPreCSRF(r *http.Request) bool {
	c, err := r.Cookie(preCookie)
	if err != nil {
		return false
	}
	want := hex.EncodeToString(hash("pre\x00" + c.Value))[:32]
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(want)) == 1
}

func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	if s.session(r) != nil {
		http.Redirect(w, r, "/day", http.StatusSeeOther)
		return
	}
	s.render(w, r, nil, http.StatusOK, "signin", "", struct{ Who string }{})
}

// address reads what the user typed: an e-mail address (lower case) or a
// mobile number (E.164); ok false when it is neither.
func address(who string) (addr string, email, ok bool) {
	who = strings.TrimSpace(who)
	if strings.Contains(who, "@") {
		at := strings.LastIndex(who, "@")
		if at < 1 || at == len(who)-1 || strings.ContainsAny(who, " \t<>") || len(who) > 254 {
			return "", true, false
		}
		return strings.ToLower(who), true, true
	}
	p, err := crm.ParsePhone(who)
	if err != nil {
		return "", false, false
	}
	return p.E164, false, true
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	loc := localeOf(r, nil)
	if !checkPreCSRF(r) {
		s.fail(w, r, nil, http.StatusForbidden, "err.csrf")
		return
	}
	who := r.PostFormValue("who")
	addr, isEmail, ok := address(who)
	if !ok {
		w.Header().Set("X-Fieldcrm-Refused", "address")
		p := s.pageData(w, r, nil, "", struct{ Who string }{who})
		p.Flash = &Flash{Text: templates.WebText(loc, "signin.empty"), Kind: "error"}
		s.renderPage(w, http.StatusUnprocessableEntity, "signin", p)
		return
	}
	now := s.cfg.Now()
	id := newID(16)
	code := sixDigits()
	var refused bool
	var sent string
	// the limits are counted in the transaction that queues the code
	err := s.update(r.Context(), func(tx *crm.Tx) error {
		refused, sent = false, ""
		if !takeLimit(tx, "addr|"+addr, now, MaxCodesPerHour) {
			refused = true
			return nil
		}
		u := userByAddress(tx, addr, isEmail)
		lg := login{Expires: now.Add(CodeTTL)}
		if u != nil && takeLimit(tx, fmt.Sprintf("user|%d", u.ID), now, MaxCodesPerHour) && s.takeAll(tx, now) {
			lg.User = u.ID
			lg.Code = hex.EncodeToString(hash(id + "\x00" + code))
			var err error
			if sent, err = s.sendCode(tx, u, addr, isEmail, id, code, now); err != nil {
				return err
			}
			if sent == "" {
				lg.User, lg.Code = 0, ""
			}
		}
		data, _ := json.Marshal(lg)
		return tx.State(spLogins).Put(hash(id), data)
	})
	if err != nil {
		s.cfg.Log.Error("sign-in code not stored", slog.Any("error", err))
		s.fail(w, r, nil, http.StatusInternalServerError, "err.internal")
		return
	}
	if refused {
		p := s.pageData(w, r, nil, "", struct{ Who string }{who})
		p.Flash = &Flash{Text: templates.WebText(loc, "signin.limit"), Kind: "error"}
		s.renderPage(w, http.StatusTooManyRequests, "signin", p)
		return
	}
	if sent != "" {
		s.cfg.Kick()
		s.cfg.Log.Info("sign-in code sent", slog.String("via", sent))
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: id, Path: "/signin", MaxAge: int(CodeTTL / time.Second), HttpOnly: true,
		Secure: s.cfg.Secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/signin/code", http.StatusSeeOther)
}

func userByAddress(tx *crm.Tx, addr string, isEmail bool) *crm.User {
	var u *crm.User
	var err error
	if isEmail {
		u, err = tx.UserByEmail(addr)
	} else {
		u, err = tx.UserByPhone(addr)
	}
	if err != nil || u.Disabled {
		return nil
	}
	return u
}

// sendCode queues the code for u: to the number or address he typed when it
// is his and can be reached, else by SMS to his first number, else by e-mail.
// It returns where it went ("" when he cannot be reached).
func (s *Server) sendCode(tx *crm.Tx, u *crm.User, addr string, isEmail bool, id, code string, now time.Time) (string, error) {
	data := templates.SigninCodeData{Code: code, Minutes: int(CodeTTL / time.Minute)}
	body, err := s.cfg.Templates.SMS(u.Locale, "signin_code", data)
	if err != nil {
		return "", err
	}
	smsTo := ""
	if !u.OptedOut && len(u.Phones) > 0 {
		smsTo = u.Phones[0]
		if !isEmail {
			smsTo = addr // he typed one of his numbers
		}
	}
	if (isEmail || smsTo == "") && s.cfg.Email && u.Email != "" {
		subject, text, html, err := s.cfg.Templates.Email(u.Locale, "notice", struct {
			Subject string
			Lines   []string
			Items   []struct{ Token, Text string }
		}{Subject: strings.SplitN(body, ".", 2)[0], Lines: []string{body}})
		if err != nil {
			return "", err
		}
		_, _, err = outbox.Enqueue(tx.Bolt(), &outbox.Entry{Channel: outbox.ChannelEmail, To: u.Email, UserID: u.ID,
			Subject: subject, Text: text, HTML: html, Key: "signin|" + id}, now)
		return u.Email, err
	}
	if smsTo == "" {
		return "", nil
	}
	segs, _ := templates.Segments(body)
	_, _, err = outbox.Enqueue(tx.Bolt(), &outbox.Entry{Channel: outbox.ChannelSMS, To: smsTo, From: s.cfg.SMSFrom, UserID: u.ID,
		Body: body, Key: "signin|" + id, Segments: segs}, now)
	return smsTo, err
}

// takeAll counts one code against MaxCodesSentPerHour (logged once it binds).
func (s *Server) takeAll(tx *crm.Tx, now time.Time) bool {
	if takeLimit(tx, "all", now, MaxCodesSentPerHour) {
		return true
	}
	s.cfg.Log.Warn("sign-in code not sent: the codes of the hour for everyone are spent", slog.Int("max", MaxCodesSentPerHour))
	return false
}

// takeLimit counts one code for key; false when the hour's max codes are spent.
func takeLimit(tx *crm.Tx, key string, now time.Time, max int) bool {
	b := tx.State(spLimits)
	var l limit
	if v := b.Get([]byte(key)); v != nil {
		json.Unmarshal(v, &l)
	}
	if now.Sub(l.Since) >= time.Hour || now.Before(l.Since) {
		l = limit{Since: now}
	}
	if l.Codes >= max {
		return false
	}
	l.Codes++
	data, _ := json.Marshal(l)
	b.Put([]byte(key), data)
	return true
}

func sixDigits() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

func (s *Server) codeForm(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(loginCookie); err != nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	s.render(w, r, nil, http.StatusOK, "code", "", nil)
}

func (s *Server) code(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	loc := localeOf(r, nil)
	if !checkPreCSRF(r) {
		s.fail(w, r, nil, http.StatusForbidden, "err.csrf")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	id := c.Value
	code := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r >= '０' && r <= '９' { // full-width digits from a Chinese keyboard
			return '0' + (r - '０')
		}
		return -1
	}, r.PostFormValue("code"))
	now := s.cfg.Now()
	var user int64
	var outcome string // "ok", "wrong", "expired"
	sess := &Session{ID: newID(32), CSRF: newID(16), Created: now, Seen: now, Agent: trunc(r.UserAgent(), 200), IP: clientIP(r)}
	sess.Key = hex.EncodeToString(hash(sess.ID))
	err = s.update(r.Context(), func(tx *crm.Tx) error {
		outcome, user = "", 0 // fn may run again
		b := tx.State(spLogins)
		v := b.Get(hash(id))
		var lg login
		if v == nil || json.Unmarshal(v, &lg) != nil || now.After(lg.Expires) {
			outcome = "expired"
			if v != nil {
				return b.Delete(hash(id))
			}
			return nil
		}
		if lg.User != 0 && subtle.ConstantTimeCompare([]byte(lg.Code), []byte(hex.EncodeToString(hash(id+"\x00"+code)))) == 1 {
			outcome, user = "ok", lg.User
			if err := b.Delete(hash(id)); err != nil {
				return err
			}
			sess.UserID = user
			data, _ := json.Marshal(sess)
			// a session the browser had is ended: the new id replaces it
			if old, err := r.Cookie(sessionCookie); err == nil {
				tx.State(spSessions).Delete([]byte(hex.EncodeToString(hash(old.Value))))
			}
			return tx.State(spSessions).Put([]byte(sess.Key), data)
		}
		lg.Attempts++
		if lg.Attempts >= MaxCodeTries {
			outcome = "expired"
			return b.Delete(hash(id))
		}
		outcome = "wrong"
		data, _ := json.Marshal(lg)
		return b.Put(hash(id), data)
	})
	if err != nil {
		s.cfg.Log.Error("sign-in not stored", slog.Any("error", err))
		s.fail(w, r, nil, http.StatusInternalServerError, "err.internal")
		return
	}
	switch outcome {
	case "ok":
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/signin", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteStrictMode})
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.ID, Path: "/", MaxAge: int(SessionMax / time.Second), HttpOnly: true,
			Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
		s.cfg.Log.Info("web sign-in", slog.Int64("user_id", user))
		http.Redirect(w, r, "/day", http.StatusSeeOther)
	case "wrong":
		p := s.pageData(w, r, nil, "", nil)
		p.Flash = &Flash{Text: templates.WebText(loc, "code.wrong"), Kind: "error"}
		s.renderPage(w, http.StatusUnprocessableEntity, "code", p)
	default:
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/signin", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteStrictMode})
		p := s.pageData(w, r, nil, "", struct{ Who string }{})
		p.Flash = &Flash{Text: templates.WebText(loc, "code.expired"), Kind: "error"}
		s.renderPage(w, http.StatusUnprocessableEntity, "signin", p)
	}
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request, sess *Session) {
	if err := s.update(r.Context(), func(tx *crm.Tx) error {
		return tx.State(spSessions).Delete([]byte(sess.Key))
	}); err != nil {
		s.fail(w, r, sess, http.StatusInternalServerError, "err.internal")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
	setFlash(w, templates.WebText(localeOf(r, sess), "signin.bye"), "ok", s.cfg.Secure)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// SessionRow is one signed-in browser as the administrator sees it.
type SessionRow struct {
	Key     string
	User    string
	UserID  int64
	Created time.Time
	Seen    time.Time
	Agent   string
	IP      string
	Via     string
	Mine    bool
}

func (s *Server) sessions(w http.ResponseWriter, r *http.Request, sess *Session) {
	var rows []SessionRow
	now := s.cfg.Now()
	s.cfg.Store.View(crm.System, func(tx *crm.Tx) error {
		return tx.State(spSessions).Scan(nil, nil, false, func(k, v []byte) bool {
			var x Session
			if json.Unmarshal(v, &x) != nil || now.Sub(x.Seen) > SessionIdle || now.Sub(x.Created) > SessionMax {
				return true
			}
			row := SessionRow{Key: string(k), UserID: x.UserID, Created: x.Created, Seen: x.Seen, Agent: x.Agent, IP: x.IP, Mine: string(k) == sess.Key}
			if u, err := tx.User(x.UserID); err == nil {
				row.User = u.Name
			}
			rows = append(rows, row)
			return true
		})
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].Seen.After(rows[j].Seen) })
	s.render(w, r, sess, http.StatusOK, "sessions", "admin", struct{ Sessions []SessionRow }{rows})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, sess *Session) {
	key := r.PostFormValue("key")
	var name string
	err := s.update(r.Context(), func(tx *crm.Tx) error {
		name = "" // fn may run again
		b := tx.State(spSessions)
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		var x Session
		json.Unmarshal(v, &x)
		name = fmt.Sprint(x.UserID)
		return b.Delete([]byte(key))
	})
	loc := localeOf(r, sess)
	switch {
	case err != nil:
		setFlash(w, templates.WebText(loc, "err.internal"), "error", s.cfg.Secure)
	case name == "":
		setFlash(w, templates.WebText(loc, "sessions.gone"), "error", s.cfg.Secure)
	default:
		s.cfg.Log.Info("web session revoked", slog.Int64("by_user_id", sess.UserID), slog.String("user_id", name))
		setFlash(w, templates.WebText(loc, "sessions.revoked"), "ok", s.cfg.Secure)
	}
	http.Redirect(w, r, "/admin/sessions", http.StatusSeeOther)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
