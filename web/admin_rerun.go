package web

// Running an unresolved message again as its sender, as `fieldcrm
// unresolved rerun` does: first what it would do now, on a copy of the
// database (nothing changes), then, when the administrator confirms, carried
// out as the sender through the pipeline (the sender is not sent the reply)
// and marked as run again.

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
)

func init() {
	pageRegistry = append(pageRegistry, func(s *Server) {
		s.handleAdmin("POST /admin/unresolved/check", s.adminRerunCheck)
		s.handleAdmin("POST /admin/unresolved/rerun", s.adminRerun)
	})
}

// RerunCheck is what an unresolved message would do now.
type RerunCheck struct {
	Msg     *crm.Unresolved
	Sender  string
	Reply   string // what it would be answered now
	Notices int
	OK      bool // it would be carried out: it may be run
	Asks    bool // it would ask a numbered question: not run
	Later   []*crm.ChangeSet
	Done    bool // it was carried out (after the confirmation)
}

// rerunInbound is message e sent again by u, under the id rerun/ID (a
// second run is caught as a repeat); false when u cannot send it now.
func rerunInbound(e *crm.Unresolved, u *crm.User) (gateway.Inbound, bool) {
	in := gateway.Inbound{Channel: e.Channel, ID: fmt.Sprintf("rerun/%d", e.ID), Body: e.Text, Received: e.At}
	if u.Disabled {
		return in, false
	}
	switch {
	case e.Channel == gateway.ChannelWeb:
		in.UserID, in.From = u.ID, e.From
	case e.Channel == gateway.ChannelEmail && u.Email != "":
		in.From = u.Email
	case len(u.Phones) > 0:
		in.Channel, in.From = gateway.ChannelSMS, u.Phones[0]
	case u.Email != "":
		in.Channel, in.From = gateway.ChannelEmail, u.Email
	default:
		return in, false
	}
	return in, true
}

// rerunMessage reads unresolved message id and its sender.
func (s *Server) rerunMessage(r *http.Request, sess *Session) (*crm.Unresolved, *crm.User, []*crm.ChangeSet, error) {
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, nil, crm.Errorf(crm.ENOTFOUND, "No unresolved message #%s.", r.PostFormValue("id"))
	}
	var e *crm.Unresolved
	var u *crm.User
	var later []*crm.ChangeSet
	err = s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		var err error
		if e, err = tx.UnresolvedByID(id); err != nil {
			return err
		}
		if u, err = tx.Recipient(e.User); err != nil {
			return err
		}
		later = tx.LaterChanges(e, time.Hour)
		return nil
	})
	return e, u, later, err
}

func (s *Server) rerunRefused(w http.ResponseWriter, r *http.Request, sess *Session, msg string) {
	setFlash(w, msg, "error", s.cfg.Secure)
	http.Redirect(w, r, "/admin/unresolved", http.StatusSeeOther)
}

// rerunnable reads the message a rerun form names and what it would run as;
// when it cannot be run again it answers why and ok is false.
func (s *Server) rerunnable(w http.ResponseWriter, r *http.Request, sess *Session) (e *crm.Unresolved, u *crm.User,
	later []*crm.ChangeSet, in gateway.Inbound, ok bool) {
	loc := localeOf(r, sess)
	e, u, later, err := s.rerunMessage(r, sess)
	switch {
	case err != nil:
		s.rerunRefused(w, r, sess, s.errText(loc, err))
	case e.Rerun != nil:
		s.rerunRefused(w, r, sess, fmt.Sprintf(s.word(loc, "admin.rerun.already"), e.ID))
	default:
		if in, ok = rerunInbound(e, u); !ok {
			s.rerunRefused(w, r, sess, fmt.Sprintf(s.word(loc, "admin.rerun.cannot"), u.Name))
		}
	}
	return e, u, later, in, ok
}

func (s *Server) adminRerunCheck(w http.ResponseWriter, r *http.Request, sess *Session) {
	e, u, later, in, ok := s.rerunnable(w, r, sess)
	if !ok {
		return
	}
	// the same pipeline on a copy of the database (a large one takes a while)
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(importTime))
	dir, err := os.MkdirTemp("", "fieldcrm-rerun-")
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, "copy.db")
	if _, err := s.cfg.Store.BackupFile(cp); err != nil {
		s.internal(w, r, sess, err)
		return
	}
	copyStore, err := crm.Open(cp, crm.Options{Now: s.cfg.Now, Location: s.cfg.Store.Location(), NoSync: true})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	defer copyStore.Close()
	pipe, err := gateway.New(gateway.Config{Store: copyStore, Templates: s.cfg.Templates, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: s.cfg.Now})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	res, err := pipe.Handle(r.Context(), in, gateway.Options{})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	c := &RerunCheck{Msg: e, Sender: u.Name, Reply: res.Reply, Notices: res.Notices, Later: later}
	copyStore.View(crm.System, func(tx *crm.Tx) error {
		q := tx.OpenQuestion(u.ID)
		c.Asks = q != nil && q.MessageID == in.ID
		return nil
	})
	c.OK = res.Code == "" && !c.Asks
	s.render(w, r, sess, http.StatusOK, "admin_rerun", "admin", c)
}

func (s *Server) adminRerun(w http.ResponseWriter, r *http.Request, sess *Session) {
	e, u, _, in, ok := s.rerunnable(w, r, sess)
	if !ok {
		return
	}
	loc := localeOf(r, sess)
	res, err := s.cfg.Pipeline.Handle(r.Context(), in, gateway.Options{})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	if res.Code != "" {
		s.rerunRefused(w, r, sess, fmt.Sprintf(s.word(loc, "admin.rerun.still_not"), res.Reply))
		return
	}
	var csID int64
	s.cfg.Store.View(u, func(tx *crm.Tx) error {
		if cs, err := tx.LastChangeSet(); err == nil && cs.MessageID == in.ID {
			csID = cs.ID
		}
		return nil
	})
	now := s.cfg.Now()
	_, err = s.cfg.Store.Update(r.Context(), crm.Meta{Actor: sess.User, Channel: "web", Summary: fmt.Sprintf("web: unresolved rerun %d", e.ID)},
		func(tx *crm.Tx) error {
			return tx.MarkRerun(e.ID, crm.Rerun{At: now, Reply: res.Reply, ChangeSet: csID})
		})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	if res.Notices > 0 {
		s.cfg.Kick()
	}
	s.cfg.Log.Info("web unresolved rerun", slog.Int64("by_user_id", sess.User.ID), slog.Int64("message", e.ID), slog.Int64("as_user_id", u.ID))
	setFlash(w, fmt.Sprintf(s.word(loc, "admin.rerun.done"), e.ID, u.Name, res.Reply), "ok", s.cfg.Secure)
	http.Redirect(w, r, "/admin/unresolved", http.StatusSeeOther)
}
