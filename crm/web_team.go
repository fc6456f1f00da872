package crm

import (
	"slices"
	"strings"
	"time"
)

// What the web console's Team page reads: the salesmen a manager has, each
// with the figures TEAM answers by SMS (the same people, the same counting:
// done visits and calls in the period, open and overdue now) and those the
// morning digest adds (other activities done, escalations waiting).

// DoneCounts are the activities a salesman finished in a period, as TEAM and
// the digest count them: visits include field revisits; Other is every other
// type but notes (a note on a record is no work done).
type DoneCounts struct{ Visits, Calls, Other int }

// Total is every activity counted.
func (c DoneCounts) Total() int { return c.Visits + c.Calls + c.Other }

func (c *DoneCounts) add(a *Activity) {
	switch a.Type {
	case ActVisit, ActRevisit:
		c.Visits++
	case ActCall:
		c.Calls++
	case ActNote:
	default:
		c.Other++
	}
}

// TeamMember is one salesman's row on his manager's Team page.
type TeamMember struct {
	User        *User
	Today, Week DoneCounts // done today and this week (Monday first), in the manager's zone
	Open        int        // open now
	Overdue     int        // open and due before now (today's work whose time has passed too)
	Escalated   int        // open, escalated to the manager and not acknowledged (ACK) yet
	Last        time.Time  // when he last finished an activity (notes aside); zero: never
}

// TeamOf lists, by name, the salesmen manager mgr sees on TEAM: those whose
// manager he is, or else the salesmen and CSRs of his branch he may see.
// A manager's team on the web is this list and nobody else.
func (tx *Tx) TeamOf(mgr *User) []*User {
	if !mgr.Role.IsManager() {
		return nil
	}
	us := tx.teamOf(mgr)
	slices.SortFunc(us, func(a, b *User) int { return strings.Compare(a.Name, b.Name) })
	return us
}

// TeamMemberOf returns the salesman id of mgr's team; false when he is not
// in it, as when the id does not exist (the web page tells nothing more).
func (tx *Tx) TeamMemberOf(mgr *User, id int64) (*User, bool) {
	for _, u := range tx.TeamOf(mgr) {
		if u.ID == id {
			return u, true
		}
	}
	return nil, false
}

// TeamFigures returns the row of each salesman of the actor's team (see
// TeamOf), by name, as of the transaction's time in loc (the actor's zone).
func (tx *Tx) TeamFigures(loc *time.Location) ([]TeamMember, error) {
	var rows []TeamMember
	for _, u := range tx.TeamOf(tx.meta.Actor) {
		m, err := tx.MemberFigures(u, loc)
		if err != nil {
			return nil, err
		}
		rows = append(rows, m)
	}
	return rows, nil
}

// MemberFigures counts u's activities the actor may see: the loop of TEAM
// (crm/answer.go) over his activities by the owner index, for today and
// this week at once.
func (tx *Tx) MemberFigures(u *User, loc *time.Location) (TeamMember, error) {
	if loc == nil {
		loc = tx.s.loc
	}
	m := TeamMember{User: u}
	dayFrom, dayTo, _ := period("today", tx.now, loc)
	weekFrom, weekTo, _ := period("week", tx.now, loc)
	err := tx.OwnedBy(KindActivity, u.ID, func(r Record) bool {
		a := r.(*Activity)
		switch a.Status {
		case StatusDone:
			if a.Type != ActNote && a.DoneAt.After(m.Last) {
				m.Last = a.DoneAt
			}
			if !a.DoneAt.Before(dayFrom) && a.DoneAt.Before(dayTo) {
				m.Today.add(a)
			}
			if !a.DoneAt.Before(weekFrom) && a.DoneAt.Before(weekTo) {
				m.Week.add(a)
			}
		case StatusOpen:
			m.Open++
			if !a.Due.IsZero() && a.Due.Before(tx.now) {
				m.Overdue++
			}
			if EscalationWaiting(a) {
				m.Escalated++
			}
		}
		return true
	})
	return m, err
}

// EscalationWaiting reports whether open activity a was escalated to the
// manager and he has not answered yet: an ACK ends its escalations, an EXTEND
// clears the mark, an ASSIGN replaces it with a new activity.
func EscalationWaiting(a *Activity) bool {
	return a.Status == StatusOpen && !a.Escalated.IsZero() && a.Acked.IsZero()
}
