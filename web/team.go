package web

// The Team pages (managers): each salesman's work done today and this
// week, his open, overdue and escalated items, with the figures TEAM answers
// by SMS (crm.Tx.TeamFigures counts as TEAM does); and one salesman's open
// work, where the manager re-assigns (ASSIGN), acknowledges an escalation
// (ACK) or gives more time (EXTEND) — the SMS commands, carried out by the
// pipeline on channel web.

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/parser"
	"github.com/fieldcrm/fieldcrm/templates"
)

func init() {
	pageRegistry = append(pageRegistry, func(s *Server) {
		s.handleManager("GET /team", s.team)
		s.handleManager("GET /team/{user}", s.teamMember)
		s.handleManager("POST /team/{user}/act", s.teamAct)
	})
}

// TeamPage is the manager's team: a row per salesman.
type TeamPage struct {
	Date  time.Time // today, in the manager's zone
	Week  time.Time // the Monday this week's figures start from
	Rows  []crm.TeamMember
	Total crm.TeamMember // the sums (User nil, Last the latest)
}

// TeamItem is one open activity of a salesman, as his manager sees it.
type TeamItem struct {
	crm.Item
	AccountID  int64
	AssignedBy string    // who gave it to him ("" when he planned it himself)
	Escalated  time.Time // when it was escalated to the manager (zero: not)
	Waiting    bool      // escalated and not acknowledged: ACK, EXTEND or re-assign answer it
	Acked      time.Time
	Overdue    bool // due before now
}

// MemberPage is one salesman's open work.
type MemberPage struct {
	Date      time.Time
	MinDate   string // today, 2006-01-02: the earliest date EXTEND is offered
	Member    crm.TeamMember
	Phones    []Phone    // his, to call him
	Escalated []TeamItem // escalations waiting for the manager's answer (listed here only)
	Overdue   []TeamItem
	Today     []TeamItem
	Later     []TeamItem
	LaterMore int         // open later, not listed
	Others    []Colleague // whom his work may go to: the rest of the team
	Back      string
}

// Colleague is a colleague in a select: his id and name (with his phone when
// another in the list has the same name).
type Colleague struct {
	ID    int64
	Label string
}

// Phone is a number to dial (E.164) and as people write it.
type Phone struct{ Dial, Text string }

// teamLaterShown bounds the work due later listed on a salesman's page (the
// overdue and today's are all listed).
const teamLaterShown = 50

func (s *Server) team(w http.ResponseWriter, r *http.Request, sess *Session) {
	u := sess.User
	now := s.cfg.Now()
	loc := u.Location(s.cfg.Store.Location())
	d := &TeamPage{Date: now.In(loc)}
	d.Week = weekStart(now, loc)
	err := s.cfg.Store.View(u, func(tx *crm.Tx) error {
		var err error
		d.Rows, err = tx.TeamFigures(loc)
		return err
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	for i := range d.Rows {
		x := &d.Rows[i]
		x.Last = x.Last.In(loc)
		t := &d.Total
		t.Today.Visits += x.Today.Visits
		t.Today.Calls += x.Today.Calls
		t.Today.Other += x.Today.Other
		t.Week.Visits += x.Week.Visits
		t.Week.Calls += x.Week.Calls
		t.Week.Other += x.Week.Other
		t.Open += x.Open
		t.Overdue += x.Overdue
		t.Escalated += x.Escalated
		if x.Last.After(t.Last) {
			t.Last = x.Last
		}
	}
	s.render(w, r, sess, http.StatusOK, "team", "team", d)
}

// weekStart is the Monday of now's week in loc (TEAM week's first day).
func weekStart(now time.Time, loc *time.Location) time.Time {
	y, m, dd := now.In(loc).Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, loc)
	return today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
}

// member reads the salesman of the path's {user} in the manager's team; nil
// (and the not-found page written) when there is none: an id outside his
// team is answered as one that does not exist.
func (s *Server) member(w http.ResponseWriter, r *http.Request, sess *Session) *crm.User {
	id, err := strconv.ParseInt(r.PathValue("user"), 10, 64)
	var u *crm.User
	if err == nil && id > 0 {
		s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
			u, _ = tx.TeamMemberOf(sess.User, id)
			return nil
		})
	}
	if u == nil {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
	}
	return u
}

func (s *Server) teamMember(w http.ResponseWriter, r *http.Request, sess *Session) {
	m := s.member(w, r, sess)
	if m == nil {
		return
	}
	mgr := sess.User
	now := s.cfg.Now()
	loc := mgr.Location(s.cfg.Store.Location())
	y, mo, dd := now.In(loc).Date()
	end := time.Date(y, mo, dd+1, 0, 0, 0, 0, loc)
	d := &MemberPage{Date: now.In(loc), MinDate: now.In(loc).Format("2006-01-02"), Back: "/team/" + strconv.FormatInt(m.ID, 10)}
	err := s.cfg.Store.View(mgr, func(tx *crm.Tx) error {
		var err error
		if d.Member, err = tx.MemberFigures(m, loc); err != nil {
			return err
		}
		d.Member.Last = d.Member.Last.In(loc)
		for _, p := range m.Phones {
			d.Phones = append(d.Phones, Phone{Dial: p, Text: crm.PhoneDisplay(p)})
		}
		team := tx.TeamOf(mgr)
		for _, o := range team {
			if o.ID == m.ID {
				continue
			}
			c := Colleague{ID: o.ID, Label: o.Name}
			for _, x := range team {
				if x.ID != o.ID && strings.EqualFold(x.Name, o.Name) && len(o.Phones) > 0 {
					c.Label += " · " + crm.PhoneDisplay(o.Phones[0])
					break
				}
			}
			d.Others = append(d.Others, c)
		}
		var open []*crm.Activity
		if err := tx.OpenOf(m.ID, func(a *crm.Activity) bool { open = append(open, a); return true }); err != nil {
			return err
		}
		// earliest due first, undated last
		slices.SortStableFunc(open, func(a, b *crm.Activity) int {
			switch {
			case a.Due.IsZero() && b.Due.IsZero():
				return 0
			case a.Due.IsZero():
				return 1
			case b.Due.IsZero():
				return -1
			}
			return a.Due.Compare(b.Due)
		})
		names := map[int64]string{}
		for _, a := range open {
			switch {
			case crm.EscalationWaiting(a):
				d.Escalated = append(d.Escalated, s.teamItem(tx, a, loc, names))
			case !a.Due.IsZero() && a.Due.Before(now): // as TEAM counts overdue
				d.Overdue = append(d.Overdue, s.teamItem(tx, a, loc, names))
			case !a.Due.IsZero() && a.Due.Before(end):
				d.Today = append(d.Today, s.teamItem(tx, a, loc, names))
			case len(d.Later) < teamLaterShown:
				d.Later = append(d.Later, s.teamItem(tx, a, loc, names))
			default:
				d.LaterMore++
			}
		}
		return nil
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "team_member", "team", d)
}

func (s *Server) teamItem(tx *crm.Tx, a *crm.Activity, loc *time.Location, names map[int64]string) TeamItem {
	it := TeamItem{Item: tx.ItemOf(a), AccountID: a.Account, Waiting: crm.EscalationWaiting(a),
		Overdue: !a.Due.IsZero() && a.Due.Before(s.cfg.Now())}
	it.Due = it.Due.In(loc)
	if !a.Escalated.IsZero() {
		it.Escalated = a.Escalated.In(loc)
	}
	if !a.Acked.IsZero() {
		it.Acked = a.Acked.In(loc)
	}
	if a.AssignedBy != 0 && a.AssignedBy != a.Owner {
		n, ok := names[a.AssignedBy]
		if !ok {
			if u, err := tx.Recipient(a.AssignedBy); err == nil {
				n = u.Name
			}
			names[a.AssignedBy] = n
		}
		it.AssignedBy = n
	}
	if _, err := tx.Account(it.AccountID); it.AccountID != 0 && err != nil {
		it.AccountID = 0 // named, not linked: the page would refuse him
	}
	return it
}

// teamAct carries out a button of a salesman's page: re-assign, acknowledge
// or extend, as the command the manager would text.
func (s *Server) teamAct(w http.ResponseWriter, r *http.Request, sess *Session) {
	m := s.member(w, r, sess)
	if m == nil {
		return
	}
	back := "/team/" + strconv.FormatInt(m.ID, 10)
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	act := "#" + strconv.FormatInt(id, 10)
	loc := localeOf(r, sess)
	var cmd string
	switch r.PostFormValue("do") {
	case "assign":
		to, err := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
		var u *crm.User
		var who string
		if err == nil {
			s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
				if u, _ = tx.TeamMemberOf(sess.User, to); u != nil {
					who = s.assignee(tx, u)
				}
				return nil
			})
		}
		if u == nil {
			s.flashBack(w, r, back, templates.WebText(loc, "team.choose"))
			return
		}
		cmd = "ASSIGN " + act + " " + who
		// a new due date may go with it, as "ASSIGN #17 wang fri" by SMS
		if due := strings.TrimSpace(r.PostFormValue("due")); due != "" {
			t, err := time.Parse("2006-01-02", due)
			if err != nil {
				s.flashBack(w, r, back, templates.WebText(loc, "team.extend_date"))
				return
			}
			cmd += " " + t.Format("2006-01-02")
		}
	case "ack":
		cmd = "ACK " + act
	case "extend":
		to := strings.TrimSpace(r.PostFormValue("to"))
		t, err := time.Parse("2006-01-02", to)
		if err != nil {
			s.flashBack(w, r, back, templates.WebText(loc, "team.extend_date"))
			return
		}
		cmd = "EXTEND " + act + " " + t.Format("2006-01-02")
	default:
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.doAndBack(w, r, sess, cmd, back)
}

// assignee is how ASSIGN names u: his name as a manager types it, unless
// the parser would read it otherwise (a word of it a weekday or a date:
// "Li Mon") or a colleague the manager sees has the same name; then his #id.
func (s *Server) assignee(tx *crm.Tx, u *crm.User) string {
	name := oneLine(u.Name)
	byID := "#" + strconv.FormatInt(u.ID, 10)
	c, err := parser.Parse("ASSIGN #1 "+name, parser.Context{Now: s.cfg.Now()})
	if err != nil || c.Assignee != name || c.Due != nil || c.Priority != "" || c.Notes != "" {
		return byID
	}
	same := false
	tx.Each(crm.KindUser, func(r crm.Record) bool {
		o := r.(*crm.User)
		same = o.ID != u.ID && strings.EqualFold(oneLine(o.Name), name)
		return !same
	})
	if same {
		return byID
	}
	return name
}

// flashBack goes back to the page with msg as an error, nothing done.
func (s *Server) flashBack(w http.ResponseWriter, r *http.Request, back, msg string) {
	setFlash(w, msg, "error", s.cfg.Secure)
	http.Redirect(w, r, back, http.StatusSeeOther)
}
