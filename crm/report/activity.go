package report

import (
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// SalesmanRow is one salesman's activities: done in the period by type, open
// and overdue now — the figures of the SMS TEAM (visits include revisits).
type SalesmanRow struct {
	ID                             int64
	Name                           string
	Visits, Calls, Meetings, Other int // done in the period (notes not counted)
	Open, Overdue                  int // now
	Done                           int // Visits+Calls+Meetings+Other
}

// ActivityReport: activity per salesman and the participation rate (the
// share of salesmen with at least one activity done in the period).
type ActivityReport struct {
	Rows   []SalesmanRow // by name
	Active int
}

func (r *ActivityReport) Participation() float64 { return pct(r.Active, len(r.Rows)) }

// salesmen lists the enabled salesmen and CSRs in the filter, by name.
func salesmen(tx *crm.Tx, f *Filter) ([]*crm.User, error) {
	var out []*crm.User
	err := tx.Each(crm.KindUser, func(r crm.Record) bool {
		if u := r.(*crm.User); f.userOK(u) {
			out = append(out, u)
		}
		return true
	})
	slices.SortFunc(out, func(a, b *crm.User) int { return strings.Compare(a.Name, b.Name) })
	return out, err
}

func countDone(row *SalesmanRow, a *crm.Activity) {
	switch a.Type {
	case crm.ActVisit, crm.ActRevisit:
		row.Visits++
	case crm.ActCall:
		row.Calls++
	case crm.ActMeeting:
		row.Meetings++
	case crm.ActNote:
		return
	default:
		row.Other++
	}
	row.Done++
}

func Activity(tx *crm.Tx, f Filter) (*ActivityReport, error) {
	f.norm(tx)
	us, err := salesmen(tx, &f)
	if err != nil {
		return nil, err
	}
	r := &ActivityReport{}
	for _, u := range us {
		row := SalesmanRow{ID: u.ID, Name: u.Name}
		err := tx.OwnedBy(crm.KindActivity, u.ID, func(rec crm.Record) bool {
			a := rec.(*crm.Activity)
			if !f.owns(a.Base) {
				return true
			}
			switch {
			case a.Status == crm.StatusDone && f.in(a.DoneAt):
				countDone(&row, a)
			case a.Status == crm.StatusOpen:
				row.Open++
				if !a.Due.IsZero() && a.Due.Before(f.Now) {
					row.Overdue++
				}
			}
			return true
		})
		if err != nil {
			return nil, err
		}
		if row.Done > 0 {
			r.Active++
		}
		r.Rows = append(r.Rows, row)
	}
	return r, nil
}

func (r *ActivityReport) Table() *Table {
	t := &Table{Name: "participation", Title: "Activity per salesman and participation rate",
		Columns: []string{"salesman", "visits", "calls", "meetings", "other", "done", "open", "overdue"}}
	var tot SalesmanRow
	for _, x := range r.Rows {
		t.add(x.Name, x.Visits, x.Calls, x.Meetings, x.Other, x.Done, x.Open, x.Overdue)
		tot.Visits += x.Visits
		tot.Calls += x.Calls
		tot.Meetings += x.Meetings
		tot.Other += x.Other
		tot.Done += x.Done
		tot.Open += x.Open
		tot.Overdue += x.Overdue
	}
	t.add("total", tot.Visits, tot.Calls, tot.Meetings, tot.Other, tot.Done, tot.Open, tot.Overdue)
	t.add("participation %", r.Participation(), r.Active, len(r.Rows), "-", "-", "-", "-")
	return t
}

// DayRow is one salesman's day.
type DayRow struct {
	Date                           string // 2006-01-02 in Filter.Loc
	Name                           string
	Visits, Calls, Meetings, Other int
	NewOpps                        int
	Won                            int
	WonAmount                      crm.Money
}

// DailyReport: per day and salesman, activities done, opportunities created
// and won. Days without anything are left out.
type DailyReport struct{ Rows []DayRow }

func Daily(tx *crm.Tx, f Filter) (*DailyReport, error) {
	f.norm(tx)
	us, err := salesmen(tx, &f)
	if err != nil {
		return nil, err
	}
	type key struct {
		date string
		name string
	}
	by := map[key]*DayRow{}
	get := func(t time.Time, name string) *DayRow {
		k := key{t.In(f.Loc).Format("2006-01-02"), name}
		if by[k] == nil {
			by[k] = &DayRow{Date: k.date, Name: name}
		}
		return by[k]
	}
	for _, u := range us {
		err := tx.OwnedBy(crm.KindActivity, u.ID, func(rec crm.Record) bool {
			a := rec.(*crm.Activity)
			if a.Status != crm.StatusDone || !f.in(a.DoneAt) || !f.owns(a.Base) || a.Type == crm.ActNote {
				return true
			}
			var s SalesmanRow
			countDone(&s, a)
			d := get(a.DoneAt, u.Name)
			d.Visits += s.Visits
			d.Calls += s.Calls
			d.Meetings += s.Meetings
			d.Other += s.Other
			return true
		})
		if err != nil {
			return nil, err
		}
		err = tx.OwnedBy(crm.KindOpp, u.ID, func(rec crm.Record) bool {
			o := rec.(*crm.Opportunity)
			if !f.owns(o.Base) {
				return true
			}
			if f.in(o.Created) {
				get(o.Created, u.Name).NewOpps++
			}
			if o.Stage == crm.StageWon && f.in(o.ClosedAt) {
				d := get(o.ClosedAt, u.Name)
				d.Won++
				d.WonAmount += o.Amount
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	r := &DailyReport{}
	for _, d := range by {
		r.Rows = append(r.Rows, *d)
	}
	slices.SortFunc(r.Rows, func(a, b DayRow) int {
		if c := strings.Compare(a.Date, b.Date); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return r, nil
}

func (r *DailyReport) Table() *Table {
	t := &Table{Name: "daily", Title: "Daily sales report",
		Columns: []string{"date", "salesman", "visits", "calls", "meetings", "other", "new opps", "won", "won amount"}}
	for _, d := range r.Rows {
		var date any = d.Date
		if day, err := time.Parse("2006-01-02", d.Date); err == nil {
			date = day // a date cell
		}
		t.add(date, d.Name, d.Visits, d.Calls, d.Meetings, d.Other, d.NewOpps, d.Won, d.WonAmount)
	}
	return t
}

// VisitRow is how often a salesman visited an account in the period.
type VisitRow struct {
	Salesman string
	Account  string
	Visits   int
	Last     time.Time
}

// IdleAccount is an active account nobody visited for Filter.IdleDays days.
type IdleAccount struct {
	ID    int64
	Name  string
	Owner string
	Last  time.Time // zero: never visited
}

// VisitReport: visits (and revisits) done in the period per salesman per
// account, and the active accounts not visited for N days.
type VisitReport struct {
	Rows     []VisitRow
	Idle     []IdleAccount
	IdleDays int
}

func Visits(tx *crm.Tx, f Filter) (*VisitReport, error) {
	f.norm(tx)
	us, err := names(tx)
	if err != nil {
		return nil, err
	}
	type key struct{ owner, account int64 }
	by := map[key]*VisitRow{}
	last := map[int64]time.Time{} // account → last visit ever (that the actor may see)
	err = tx.Each(crm.KindActivity, func(rec crm.Record) bool {
		a := rec.(*crm.Activity)
		if a.Status != crm.StatusDone || (a.Type != crm.ActVisit && a.Type != crm.ActRevisit) || a.Account == 0 {
			return true
		}
		if a.DoneAt.After(last[a.Account]) {
			last[a.Account] = a.DoneAt
		}
		if f.owns(a.Base) && f.in(a.DoneAt) {
			k := key{a.Owner, a.Account}
			if by[k] == nil {
				by[k] = &VisitRow{Salesman: userName(us, a.Owner)}
			}
			by[k].Visits++
			if a.DoneAt.After(by[k].Last) {
				by[k].Last = a.DoneAt
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	r := &VisitReport{IdleDays: f.IdleDays}
	cutoff := f.Now.AddDate(0, 0, -f.IdleDays)
	acctName := map[int64]string{}
	err = tx.Each(crm.KindAccount, func(rec crm.Record) bool {
		a := rec.(*crm.Account)
		acctName[a.ID] = a.Name
		if a.Status != crm.AccountActive || !f.owns(a.Base) {
			return true
		}
		if l := last[a.ID]; l.Before(cutoff) {
			r.Idle = append(r.Idle, IdleAccount{ID: a.ID, Name: a.Name, Owner: userName(us, a.Owner), Last: l})
		}
		return true
	})
	for k, v := range by {
		v.Account = acctName[k.account]
		if v.Account == "" {
			v.Account = "#" + crm.FormatID(k.account)
		}
		v.Last = v.Last.In(f.Loc)
		r.Rows = append(r.Rows, *v)
	}
	slices.SortFunc(r.Rows, func(a, b VisitRow) int {
		if c := strings.Compare(a.Salesman, b.Salesman); c != 0 {
			return c
		}
		return strings.Compare(a.Account, b.Account)
	})
	slices.SortFunc(r.Idle, func(a, b IdleAccount) int {
		if !a.Last.Equal(b.Last) {
			return a.Last.Compare(b.Last)
		}
		return int(a.ID - b.ID)
	})
	return r, err
}

func (r *VisitReport) Table() *Table {
	t := &Table{Name: "visits", Title: "Visit report: visits per salesman per account; accounts not visited",
		Columns: []string{"salesman", "account", "visits", "last visit"}}
	for _, v := range r.Rows {
		t.add(v.Salesman, v.Account, v.Visits, v.Last)
	}
	for _, a := range r.Idle {
		var last any = "never"
		if !a.Last.IsZero() {
			last = a.Last
		}
		t.add(a.Owner, a.Name, "not visited for "+itoa(r.IdleDays)+" days", last)
	}
	return t
}

func itoa(n int) string { return crm.FormatID(int64(n)) }
