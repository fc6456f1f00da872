package web

// Administration (/admin): users, imports, exports, the outbox, the
// messages that were not understood, and the signed-in sessions (auth.go).
// Only administrators and data administrators reach these pages.

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

func init() {
	pageRegistry = append(pageRegistry, func(s *Server) {
		s.handleAdmin("GET /admin", s.adminIndex)
		s.handleAdmin("GET /admin/{$}", s.adminIndex)
		s.handleAdmin("GET /admin/users", s.adminUsers)
		s.handleAdmin("GET /admin/users/new", s.adminUserNew)
		s.handleAdmin("GET /admin/users/{id}", s.adminUserEdit)
		s.handleAdmin("POST /admin/users", s.adminUserSave)
		s.handleAdmin("GET /admin/import", s.adminImportForm)
		s.mux.HandleFunc("POST /admin/import", s.uploadLimit(s.auth(s.admin(s.adminImportPreview))))
		s.handleAdmin("POST /admin/import/confirm", s.adminImportConfirm)
		s.handleAdmin("GET /admin/export/{file}", s.adminExport)
		s.handleAdmin("GET /admin/outbox", s.adminOutbox)
		s.handleAdmin("POST /admin/outbox/retry", s.adminOutboxRetry)
		s.handleAdmin("GET /admin/unresolved", s.adminUnresolved)
	})
}

// AdminIndex is the administration page: a link and a count for each part.
type AdminIndex struct {
	Users, Disabled             int
	Pending, Held, Failed, Dead int
	Unresolved, Sessions        int
	Kinds                       []string // what import and export take
}

func (s *Server) adminIndex(w http.ResponseWriter, r *http.Request, sess *Session) {
	d := &AdminIndex{Kinds: csvio.Kinds}
	s.pruneUploads(r.Context())
	now := s.cfg.Now()
	err := s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		if err := tx.Each(crm.KindUser, func(rec crm.Record) bool {
			d.Users++
			if rec.(*crm.User).Disabled {
				d.Disabled++
			}
			return true
		}); err != nil {
			return err
		}
		list, err := tx.UnresolvedList(crm.UnresolvedFilter{})
		if err != nil {
			return err
		}
		d.Unresolved = len(list)
		return nil
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	d.Sessions = s.liveSessions(r.Context(), now)
	b, err := outbox.Pending(s.cfg.Store.DB(), now)
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	d.Pending = b.Depth[outbox.StateQueued] + b.Depth[outbox.StateSending]
	d.Held = b.Held + b.Limited
	d.Failed = b.Depth[outbox.StateFailed] + b.Depth[outbox.StateUndelivered]
	d.Dead = b.Depth[outbox.StateDead]
	s.render(w, r, sess, http.StatusOK, "admin", "admin", d)
}

// word is a phrase of the pages' dictionary in loc.
func (s *Server) word(loc, key string) string { return templates.WebText(loc, key) }

// liveSessions counts the sessions that still sign someone in.
func (s *Server) liveSessions(ctx context.Context, now time.Time) int {
	n := 0
	s.cfg.Store.Engine().View(ctx, func(tx crm.ETx) error {
		n = 0
		return tx.State(spSessions).Scan(nil, nil, false, func(_, v []byte) bool {
			var x Session
			if json.Unmarshal(v, &x) == nil && now.Sub(x.Seen) <= SessionIdle && now.Sub(x.Created) <= SessionMax {
				n++
			}
			return true
		})
	})
	return n
}
