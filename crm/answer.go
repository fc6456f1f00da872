package crm

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
)

// period turns a parser period name into [from, to) around now in loc.
func period(name string, now time.Time, loc *time.Location) (from, to time.Time, label string) {
	today := day(now, loc)
	wd := (int(today.Weekday()) + 6) % 7 // Monday = 0
	week := today.AddDate(0, 0, -wd)
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)
	switch name {
	case "today":
		return today, today.AddDate(0, 0, 1), "today"
	case "yesterday":
		return today.AddDate(0, 0, -1), today, "yesterday"
	case "last_week":
		return week.AddDate(0, 0, -7), week, "last week"
	case "month":
		return month, month.AddDate(0, 1, 0), "this month"
	case "last_month":
		return month.AddDate(0, -1, 0), month, "last month"
	case "quarter":
		q := time.Date(today.Year(), (today.Month()-1)/3*3+1, 1, 0, 0, 0, 0, loc)
		return q, q.AddDate(0, 3, 0), "this quarter"
	case "year":
		y := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, loc)
		return y, y.AddDate(1, 0, 0), "this year"
	}
	return week, week.AddDate(0, 0, 7), "this week"
}

// whose returns the user a query is about: the actor, or (for managers) the
// person named.
func (tx *Tx) whose(name string) (*User, error) {
	if strings.TrimSpace(name) == "" {
		return tx.meta.Actor, nil
	}
	u, err := tx.resolveUser(name)
	if err != nil {
		return nil, err
	}
	if u.ID != tx.meta.Actor.ID && !tx.actorIsManager() {
		return nil, Errorf(EFORBIDDEN, "Only a manager can see someone else's figures.")
	}
	return u, nil
}

func (tx *Tx) today(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	u, err := tx.whose(cmd.Assignee)
	if err != nil {
		return nil, err
	}
	at := tx.now
	if cmd.Due != nil {
		at = *cmd.Due
	}
	ag, err := tx.agenda(u.ID, at, loc)
	if err != nil {
		return nil, err
	}
	d := TodayData{Date: day(at, loc), Later: ag.Later, IsToday: day(at, loc).Equal(day(tx.now, loc))}
	for _, a := range ag.Overdue {
		d.Overdue = append(d.Overdue, tx.item(a))
	}
	for _, a := range ag.Today {
		// today's work whose time has passed is overdue now, as TEAM and the
		// overdue reminders count it: the salesman sees what his manager sees
		if d.IsToday && a.Due.Before(tx.now) {
			d.Overdue = append(d.Overdue, tx.item(a))
			continue
		}
		d.Today = append(d.Today, tx.item(a))
	}
	return &Outcome{Template: "today", Data: d, Paged: true}, nil
}

// agenda is the user's agenda for the day of at; overdue items are shown
// only for today (they are overdue relative to now, not to the day asked).
func (tx *Tx) agenda(user int64, at time.Time, loc *time.Location) (*Agenda, error) {
	ag, err := tx.AgendaAt(user, at, loc)
	if err != nil {
		return nil, err
	}
	if !day(at, loc).Equal(day(tx.now, loc)) {
		ag.Overdue = nil
	}
	return ag, nil
}

// opps lists open opportunities: the sender's own; an account's (OPPS #12,
// the form ACCT offers: every open one on it he may see); for a manager, a
// salesman's (OPPS wang); or the sender's whose name or account has the
// words asked for (OPPS 336).
func (tx *Tx) opps(cmd *parser.Command) (*Outcome, error) {
	q := strings.TrimSpace(cmd.Query)
	var list []*Opportunity
	if acct, ok := oppsAccount(cmd, q); ok {
		a, err := tx.resolveAccount(&parser.Ref{ID: acct, Kind: "account"}, "OPPS #<account id>")
		if err != nil {
			return nil, err
		}
		for _, id := range tx.linked(a.ID, KindOpp) {
			if o, err := loadAs[Opportunity](tx, id); err == nil && !o.Stage.Closed() && tx.canRead(o) {
				list = append(list, o)
			}
		}
		return tx.oppsOutcome(list, OppsData{Account: a.Name}), nil
	}
	who := cmd.Assignee
	if who == "" && q != "" && tx.actorIsManager() {
		if u, err := tx.resolveUser(q); err == nil {
			who, q = "#"+itoa(u.ID), ""
		}
	}
	u, err := tx.whose(who)
	if err != nil {
		return nil, err
	}
	tx.OwnedBy(KindOpp, u.ID, func(r Record) bool {
		if o := r.(*Opportunity); !o.Stage.Closed() {
			if q == "" || strings.Contains(normText(o.Name+" "+tx.accountName(o.Account)), normText(q)) {
				list = append(list, o)
			}
		}
		return true
	})
	d := OppsData{Query: q}
	if u.ID != tx.meta.Actor.ID {
		d.Whose = u.Name
	}
	return tx.oppsOutcome(list, d), nil
}

// oppsAccount reads the account of OPPS #12.
func oppsAccount(cmd *parser.Command, q string) (int64, bool) {
	if cmd.Target != nil && cmd.Target.ID != 0 && (cmd.Target.Kind == "" || cmd.Target.Kind == "account") {
		return cmd.Target.ID, true
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64); err == nil && strings.HasPrefix(q, "#") && id > 0 {
		return id, true
	}
	return 0, false
}

// oppsOutcome sorts list by close date and words it with d's heading.
func (tx *Tx) oppsOutcome(list []*Opportunity, d OppsData) *Outcome {
	slices.SortFunc(list, func(a, b *Opportunity) int {
		switch {
		case a.Close.IsZero() != b.Close.IsZero():
			if a.Close.IsZero() {
				return 1
			}
			return -1
		case !a.Close.Equal(b.Close):
			return a.Close.Compare(b.Close)
		}
		return int(a.ID - b.ID)
	})
	for _, o := range list {
		d.Total += int64(o.Amount)
		d.Opps = append(d.Opps, OppItem{ID: o.ID, Name: o.Name, Account: tx.accountName(o.Account), Stage: o.Stage.String(), Amount: int64(o.Amount), Close: o.Close})
	}
	return &Outcome{Template: "opps", Data: d, Paged: true}
}

func (tx *Tx) acct(cmd *parser.Command) (*Outcome, error) {
	a, err := tx.resolveAccount(cmd.Target, "ACCT <name or #id>")
	if err != nil {
		return nil, err
	}
	d := AcctData{ID: a.ID, Name: a.Name, Owner: tx.userName(a.Owner)}
	for _, p := range a.Phones {
		d.Phones = append(d.Phones, PhoneDisplay(p))
	}
	if cs, err := tx.ContactsOf(a.ID); err == nil {
		for _, c := range cs {
			s := c.Name
			if c.Title != "" {
				s += " (" + c.Title + ")"
			}
			if p := firstNonEmpty(c.Mobile, c.Landline); p != "" {
				s += " " + PhoneDisplay(p)
			}
			d.Contacts = append(d.Contacts, s)
		}
	}
	for _, id := range tx.linked(a.ID, KindOpp) {
		if o, err := loadAs[Opportunity](tx, id); err == nil && !o.Stage.Closed() && tx.canRead(o) {
			d.OpenOpps++
		}
	}
	for _, id := range tx.linked(a.ID, KindActivity) {
		if x, err := loadAs[Activity](tx, id); err == nil && x.Type == ActVisit && x.Status == StatusDone && x.DoneAt.After(d.LastVisit) {
			d.LastVisit = x.DoneAt
		}
	}
	d.Equipment = len(tx.linked(a.ID, KindEquipment))
	return &Outcome{Template: "acct", Data: d, Paged: true}, nil
}

func (tx *Tx) find(cmd *parser.Command) (*Outcome, error) {
	q := strings.TrimSpace(cmd.Query)
	if q == "" && cmd.Target != nil {
		q = cmd.Target.Name
	}
	if q == "" {
		return nil, Errorf(EINVALID, "Find what?").withHint("FIND <name or phone digits>")
	}
	d := FindData{Query: q}
	var all []Candidate
	for _, k := range []Kind{KindAccount, KindContact, KindLead} {
		c, err := tx.Lookup(k, q, 5)
		if err != nil {
			return nil, err
		}
		all = append(all, c...)
	}
	slices.SortStableFunc(all, func(a, b Candidate) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	for _, c := range all[:min(len(all), 8)] {
		r := FindResult{Kind: kindName(c.Kind), ID: c.ID, Name: c.Name}
		switch c.Kind {
		case KindAccount:
			r.Account = c.ID
		case KindContact:
			if ct, err := loadAs[Contact](tx, c.ID); err == nil {
				r.Account, r.AccountName = ct.Account, tx.accountName(ct.Account)
			}
		}
		if d.Acct == 0 {
			d.Acct = r.Account
		}
		d.Results = append(d.Results, r)
	}
	return &Outcome{Template: "find", Data: d, Paged: true}, nil
}

func (tx *Tx) funnel(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	var owner *User
	if cmd.Assignee != "" {
		u, err := tx.whose(cmd.Assignee)
		if err != nil {
			return nil, err
		}
		owner = u
	}
	from, to, label := period(cmd.Period, tx.now, loc)
	d := FunnelData{Period: label}
	for st := StageIdentification; st <= StageNoDeal; st++ {
		row := StageRow{Stage: st.String()}
		tx.OppsByStage(st, func(o *Opportunity) bool {
			if owner != nil && o.Owner != owner.ID {
				return true
			}
			if st.Closed() && (o.ClosedAt.Before(from) || !o.ClosedAt.Before(to)) {
				return true
			}
			row.Count++
			row.Amount += int64(o.Amount)
			return true
		})
		if !st.Closed() || row.Count > 0 {
			d.Stages = append(d.Stages, row)
		}
	}
	return &Outcome{Template: "funnel", Data: d}, nil
}

// teamOf lists the salesmen a manager sees: those whose manager he is, or
// else the salesmen and CSRs of his team (D level).
func (tx *Tx) teamOf(mgr *User) []*User {
	var direct, team []*User
	tx.Each(KindUser, func(r Record) bool {
		u := r.(*User)
		if u.Disabled || u.ID == mgr.ID {
			return true
		}
		if u.Manager == mgr.ID {
			direct = append(direct, u)
		} else if u.Role == RoleSalesman || u.Role == RoleCSR {
			team = append(team, u)
		}
		return true
	})
	if len(direct) > 0 {
		return direct
	}
	return team
}

func (tx *Tx) team(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	if !tx.actorIsManager() {
		return nil, Errorf(EFORBIDDEN, "TEAM is for managers.").withHint("TODAY or FUNNEL for your own figures")
	}
	pname := cmd.Period
	if pname == "" {
		pname = "today" // TEAM [today|week|month]: today unless asked
	}
	from, to, label := period(pname, tx.now, loc)
	d := TeamData{Period: label}
	for _, u := range tx.teamOf(tx.meta.Actor) {
		row := TeamRow{Name: u.Name}
		tx.OwnedBy(KindActivity, u.ID, func(r Record) bool {
			a := r.(*Activity)
			switch {
			case a.Status == StatusDone && !a.DoneAt.Before(from) && a.DoneAt.Before(to):
				switch a.Type {
				case ActVisit, ActRevisit:
					row.Visits++
				case ActCall:
					row.Calls++
				}
			case a.Status == StatusOpen:
				row.Open++
				if !a.Due.IsZero() && a.Due.Before(tx.now) {
					row.Overdue++
				}
			}
			return true
		})
		d.Rows = append(d.Rows, row)
	}
	slices.SortFunc(d.Rows, func(a, b TeamRow) int { return strings.Compare(a.Name, b.Name) })
	return &Outcome{Template: "team", Data: d, Paged: true}, nil
}

func (tx *Tx) lost(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	if !tx.actorIsManager() { // docs/commands.md: LOST is the managers' report
		return nil, Errorf(EFORBIDDEN, "LOST is for managers.").withHint("OPPS or FUNNEL for your own figures")
	}
	from, to, label := period(cmd.Period, tx.now, loc)
	if cmd.Period == "" {
		from, to, label = period("month", tx.now, loc)
	}
	d := LostData{Period: label}
	tx.OppsByStage(StageLost, func(o *Opportunity) bool {
		if !o.ClosedAt.Before(from) && o.ClosedAt.Before(to) {
			d.Lost = append(d.Lost, LostItem{ID: o.ID, Name: o.Name, Account: tx.accountName(o.Account),
				Competitor: o.LostTo, Reason: o.LostReason, Amount: int64(o.Amount)})
		}
		return true
	})
	slices.SortFunc(d.Lost, func(a, b LostItem) int { return int(b.Amount - a.Amount) })
	return &Outcome{Template: "lost", Data: d, Paged: true}, nil
}
