package web

// /admin/outbox: what fieldcrm has queued, sent and given up on, as
// `fieldcrm outbox` lists it, with a button that sends a dead, failed or
// undelivered message again (outbox.Requeue, as `fieldcrm outbox retry`).
// A sign-in code is never shown, to anyone.

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// OutboxStates are the filters of the outbox page (as `fieldcrm outbox --state`).
var OutboxStates = []string{"pending", "queued", "held", outbox.StateSending, outbox.StateSent, outbox.StateDelivered,
	outbox.StateUndelivered, outbox.StateFailed, outbox.StateDead}

// outboxShown is how many entries the page lists.
const outboxShown = 200

// OutboxRow is one message of the outbox as the page shows it.
type OutboxRow struct {
	ID        int64
	State     string // as listed: held apart from queued
	Channel   string
	To        string // the address
	UserName  string
	Created   time.Time
	When      time.Time // the time of the state: due, held until, sent, given up
	Attempts  int
	LastError string
	Subject   string
	Text      string
	Secret    bool // a sign-in code: its text is not shown
	Retry     bool // may be sent again
	OptedOut  bool // an SMS to someone who opted out: not sent again
	HeldWhy   string
}

// AdminOutbox is the outbox page.
type AdminOutbox struct {
	User   *crm.User // only the messages to him (nil: everyone's)
	State  string
	States []string
	Counts map[string]int
	Total  int
	Rows   []OutboxRow
}

// outboxState is an entry's state as the operator reads it.
func outboxState(e *outbox.Entry, now time.Time) string {
	if outbox.QuietHeld(e, now) || outbox.LimitHeld(e, now) {
		return "held"
	}
	return e.State
}

func outboxMatches(state, want string) bool {
	switch want {
	case "":
		return true
	case "pending":
		return state == outbox.StateQueued || state == "held" || state == outbox.StateSending
	}
	return state == want
}

// secretEntry reports whether e carries a sign-in code.
func secretEntry(e *outbox.Entry) bool { return strings.HasPrefix(e.Key, "signin|") }

func (s *Server) adminOutbox(w http.ResponseWriter, r *http.Request, sess *Session) {
	want := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("state")))
	if want != "" && !slices.Contains(OutboxStates, want) {
		want = ""
	}
	now := s.cfg.Now()
	users := map[int64]*crm.User{}
	byAddr := map[string]*crm.User{}
	if err := s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(rec crm.Record) bool {
			u := rec.(*crm.User)
			users[u.ID] = u
			for _, p := range u.Phones {
				byAddr[p] = u
			}
			if u.Email != "" {
				byAddr[strings.ToLower(u.Email)] = u
			}
			return true
		})
	}); err != nil {
		s.internal(w, r, sess, err)
		return
	}
	d := &AdminOutbox{State: want, States: OutboxStates, Counts: map[string]int{}}
	if v := r.URL.Query().Get("user"); v != "" {
		id, _ := strconv.ParseInt(v, 10, 64)
		if d.User = users[id]; d.User == nil {
			s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
			return
		}
	}
	err := outbox.Each(s.cfg.Store.Engine(), func(e *outbox.Entry) bool {
		if d.User != nil {
			to := users[e.UserID]
			if to == nil {
				to = byAddr[strings.ToLower(e.To)]
			}
			if to != d.User {
				return true
			}
		}
		st := outboxState(e, now)
		d.Counts[st]++
		if st == outbox.StateQueued || st == "held" || st == outbox.StateSending {
			d.Counts["pending"]++
		}
		if !outboxMatches(st, want) {
			return true
		}
		d.Total++
		if len(d.Rows) >= outboxShown {
			return true
		}
		u := users[e.UserID]
		if u == nil {
			u = byAddr[strings.ToLower(e.To)]
		}
		row := OutboxRow{ID: e.ID, State: st, Channel: e.Channel, To: e.To, Created: e.Created, Attempts: e.Attempts,
			LastError: e.LastError, Subject: e.Subject, Text: e.Body, Secret: secretEntry(e)}
		if e.Channel == outbox.ChannelEmail {
			row.Text = e.Text
		}
		if e.Channel == outbox.ChannelSMS {
			row.To = crm.PhoneDisplay(e.To)
		}
		if u != nil {
			row.UserName = u.Name
		}
		switch st {
		case "held":
			row.When = e.NotBefore
			if outbox.LimitHeld(e, now) {
				row.When = e.NextAt
				row.HeldWhy = strings.TrimPrefix(e.Held, "held: ")
				if i := strings.LastIndex(row.HeldWhy, "; due "); i > 0 {
					row.HeldWhy = row.HeldWhy[:i]
				}
			}
		case outbox.StateQueued:
			row.When = e.NextAt
		case outbox.StateSent, outbox.StateDelivered, outbox.StateUndelivered:
			row.When = e.SentAt
		default:
			row.When = e.UpdatedAt
		}
		if row.Secret {
			row.Text, row.Subject = "", ""
		}
		if e.State == outbox.StateDead || e.State == outbox.StateFailed || e.State == outbox.StateUndelivered {
			row.OptedOut = e.Channel == outbox.ChannelSMS && (u != nil && u.OptedOut || outbox.OptOut(&outbox.SendError{Code: e.ErrorCode}))
			row.Retry = !row.Secret && !row.OptedOut
		}
		d.Rows = append(d.Rows, row)
		return true
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "admin_outbox", "admin", d)
}

// adminOutboxRetry sends a dead, failed or undelivered message again.
func (s *Server) adminOutboxRetry(w http.ResponseWriter, r *http.Request, sess *Session) {
	loc := localeOf(r, sess)
	back := localPath(r.PostFormValue("back"), "/admin/outbox")
	if !strings.HasPrefix(back, "/admin/outbox") {
		back = "/admin/outbox"
	}
	flash := func(kind, key string, args ...any) {
		setFlash(w, fmt.Sprintf(s.word(loc, key), args...), kind, s.cfg.Secure)
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.PostFormValue("id"), "#"), 10, 64)
	if err != nil || id <= 0 {
		flash("error", "admin.outbox.no_entry", r.PostFormValue("id"))
		return
	}
	e, err := outbox.Get(s.cfg.Store.Engine(), id)
	if errors.Is(err, outbox.ErrNotFound) {
		flash("error", "admin.outbox.no_entry", "#"+strconv.FormatInt(id, 10))
		return
	} else if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	if secretEntry(e) {
		flash("error", "admin.outbox.no_code_again", id)
		return
	}
	if e.Channel == outbox.ChannelSMS {
		opted := outbox.OptOut(&outbox.SendError{Code: e.ErrorCode})
		s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
			if e.UserID != 0 {
				if u, err := tx.User(e.UserID); err == nil && u.OptedOut {
					opted = true
				}
			} else if u, err := tx.UserByPhone(e.To); err == nil && u.OptedOut {
				opted = true
			}
			return nil
		})
		if opted {
			flash("error", "admin.outbox.opted_out", id)
			return
		}
	}
	was := fmt.Sprintf("%s after %d attempt(s)", e.State, e.Attempts)
	note := fmt.Sprintf("sent again on %s's request (web console; was %s)", sess.User.Name, was)
	e, err = outbox.Requeue(s.cfg.Store.Engine(), id, note, s.cfg.Now())
	if errors.Is(err, outbox.ErrNotRetryable) {
		flash("error", "admin.outbox.not_retryable", id, e.State)
		return
	} else if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.cfg.Kick()
	s.cfg.Log.Info("web outbox retry", slog.Int64("by_user_id", sess.User.ID), slog.Int64("entry", id), slog.String("was", was))
	flash("ok", "admin.outbox.requeued", id)
}
