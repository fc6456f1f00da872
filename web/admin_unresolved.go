package web

// /admin/unresolved: the messages fieldcrm did not carry out (not
// understood, refused, a numbered choice never made), grouped by cause as
// `fieldcrm unresolved` lists them, newest first.

import (
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/fieldcrm/fieldcrm/crm"
)

// UnresolvedRow is one message not carried out.
type UnresolvedRow struct {
	*crm.Unresolved
	Sender string
	Group  string // the phrase key of its cause
}

// UnresolvedGroup is the messages of one cause.
type UnresolvedGroup struct {
	Key  string
	Rows []UnresolvedRow
}

// AdminUnresolved is the page.
type AdminUnresolved struct {
	All    bool // with those already run again
	Total  int
	Groups []UnresolvedGroup
}

// unresolvedGroup is the phrase key of the heading a message is listed under.
func unresolvedGroup(e *crm.Unresolved) string {
	if g := e.Group(); g != "other" {
		return "admin.unres." + g
	}
	return "admin.unres.invalid"
}

func (s *Server) adminUnresolved(w http.ResponseWriter, r *http.Request, sess *Session) {
	d := &AdminUnresolved{All: r.URL.Query().Get("all") != ""}
	byKey := map[string]*UnresolvedGroup{}
	var order []string
	err := s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		list, err := tx.UnresolvedList(crm.UnresolvedFilter{Rerun: d.All})
		if err != nil {
			return err
		}
		names := map[int64]string{}
		slices.Reverse(list) // newest first
		for _, e := range list {
			if _, ok := names[e.User]; !ok {
				names[e.User] = "#" + strconv.FormatInt(e.User, 10)
				if u, err := tx.Recipient(e.User); err == nil {
					names[e.User] = u.Name
				}
			}
			row := UnresolvedRow{Unresolved: e, Sender: names[e.User], Group: unresolvedGroup(e)}
			g := byKey[row.Group]
			if g == nil {
				g = &UnresolvedGroup{Key: row.Group}
				byKey[row.Group] = g
				order = append(order, row.Group)
			}
			g.Rows = append(g.Rows, row)
			d.Total++
		}
		return nil
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	sort.SliceStable(order, func(i, j int) bool { return len(byKey[order[i]].Rows) > len(byKey[order[j]].Rows) })
	for _, k := range order {
		d.Groups = append(d.Groups, *byKey[k])
	}
	s.render(w, r, sess, http.StatusOK, "admin_unresolved", "admin", d)
}
