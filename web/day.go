package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// DayItem is one open activity on My day.
type DayItem struct {
	crm.Item
	AccountID  int64
	AssignedBy string // the manager who assigned it ("" when he planned it himself)
}

// DayData is My day: what is overdue and what is due today, as TODAY
// answers by SMS (today's items whose time has passed count as overdue).
type DayData struct {
	Date    time.Time
	Overdue []DayItem
	Today   []DayItem
	Later   int
}

func (s *Server) day(w http.ResponseWriter, r *http.Request, sess *Session) {
	d, err := s.dayData(sess.User)
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "day", "day", d)
}

// dayData reads u's agenda as u.
func (s *Server) dayData(u *crm.User) (*DayData, error) {
	now := s.cfg.Now()
	loc := u.Location(s.cfg.Store.Location())
	d := &DayData{Date: now.In(loc)}
	err := s.cfg.Store.View(u, func(tx *crm.Tx) error {
		ag, err := tx.AgendaAt(u.ID, now, loc)
		if err != nil {
			return err
		}
		d.Later = ag.Later
		// a day lists few managers and, often, one account several times
		managers, readable := map[int64]string{}, map[int64]bool{}
		item := func(a *crm.Activity) DayItem {
			it := DayItem{Item: tx.ItemOf(a), AccountID: a.Account}
			it.Due = it.Due.In(loc)
			if a.AssignedBy != 0 && a.AssignedBy != u.ID {
				name, ok := managers[a.AssignedBy]
				if !ok {
					if m, err := tx.Recipient(a.AssignedBy); err == nil {
						name = m.Name
					}
					managers[a.AssignedBy] = name
				}
				it.AssignedBy = name
			}
			if it.AccountID != 0 {
				ok, seen := readable[it.AccountID]
				if !seen {
					_, err := tx.Account(it.AccountID)
					ok = err == nil
					readable[it.AccountID] = ok
				}
				if !ok {
					it.AccountID = 0 // named, not linked: the page would refuse him
				}
			}
			return it
		}
		for _, a := range ag.Overdue {
			d.Overdue = append(d.Overdue, item(a))
		}
		for _, a := range ag.Today {
			it := item(a)
			if it.HasTime && a.Due.Before(now) {
				d.Overdue = append(d.Overdue, it)
			} else {
				d.Today = append(d.Today, it)
			}
		}
		return nil
	})
	return d, err
}

// act carries out a button of My day (or of any list of activities):
// done, reject or extend, as the command a salesman would text.
func (s *Server) act(w http.ResponseWriter, r *http.Request, sess *Session) {
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	back := localPath(r.PostFormValue("back"), "/day")
	if err != nil || id <= 0 {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	var cmd string
	switch r.PostFormValue("do") {
	case "done":
		cmd = "DONE #" + strconv.FormatInt(id, 10)
		if o := oneLine(r.PostFormValue("outcome")); o != "" {
			cmd += " " + o
		}
	case "reject":
		cmd = "REJECT #" + strconv.FormatInt(id, 10) + " " + oneLine(r.PostFormValue("reason"))
	case "extend":
		to := strings.TrimSpace(r.PostFormValue("to"))
		if t, err := time.Parse("2006-01-02", to); err == nil {
			to = t.Format("2006-01-02")
		}
		cmd = "EXTEND #" + strconv.FormatInt(id, 10) + " " + oneLine(to)
	default:
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.doAndBack(w, r, sess, strings.TrimSpace(cmd), back)
}

// oneLine makes a form field one line of a command (a field may hold what
// the same person could text: its separators keep their SMS meaning).
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// internal answers a failure of ours: logged, and nothing changed.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, sess *Session, err error) {
	s.cfg.Log.Error("web page failed", "path", r.URL.Path, "error", err)
	s.fail(w, r, sess, http.StatusInternalServerError, "err.internal")
}
