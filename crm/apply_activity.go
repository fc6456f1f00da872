package crm

import (
	"fmt"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
)

// writes

func (tx *Tx) logActivity(cmd *parser.Command, typ string, loc *time.Location) (*Outcome, error) {
	hint := strings.ToUpper(typ) + " <account>; met <name>; <notes>; next: <what> <when>"
	acct, err := tx.resolveAccount(cmd.Target, hint)
	if err != nil {
		return nil, err
	}
	a := &Activity{Type: typ, Account: acct.ID, Status: StatusDone, Notes: activityNotes(cmd)}
	contact := cmd.Contact
	if c := tx.contactAt(acct.ID, cmd.Contact); c != nil {
		a.Contact, contact = c.ID, c.Name
	}
	a.Subject = activitySubject(typ, acct.Name, contact, cmd.Notes)
	if cmd.At != nil {
		a.DoneAt = *cmd.At
		if a.DoneAt.After(tx.now) {
			return nil, Errorf(EINVALID, "A %s cannot be logged in the future.", typ).withHint("PLAN " + typ + " <account> <when>")
		}
	} else {
		a.DoneAt = tx.now
	}
	planned, err := tx.plannedFor(a, loc)
	if err != nil {
		return nil, err
	}
	if planned != nil {
		// the report carries out what was planned: the planned activity
		// becomes the report (one visit made is one visit counted)
		a, err = tx.UpdateActivity(planned.ID, func(p *Activity) error {
			// what was found is its outcome, as DONE records it, and is
			// added to its notes, as a visit logged without a plan keeps it
			p.Status, p.DoneAt, p.Outcome = StatusDone, a.DoneAt, a.Notes
			p.Notes = strings.Trim(p.Notes+"; "+a.Notes, "; ")
			if a.Contact != 0 {
				p.Contact = a.Contact
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else if err := tx.CreateActivity(a); err != nil {
		return nil, err
	}
	next, err := tx.followUp(cmd.Next, a, loc)
	if err != nil {
		return nil, err
	}
	d := OKActivityData{Kind: typ, ID: a.ID, Account: acct.Name, Contact: contact, Next: next}
	if planned != nil {
		d.Closes = planned.ID
	}
	out := &Outcome{Template: "ok_activity", Data: d}
	tx.tellOwnerOfActivity(acct, a, contact, reportNotes(cmd))
	if typ == ActVisit && !tx.HasEquipment(acct.ID) && tx.canWrite(acct) {
		out.Notices = append(out.Notices, Notice{To: tx.meta.Actor.ID, Template: "notice_equipment_missing", SMS: true,
			Data: NoticeEquipmentMissingData{Account: acct.Name, AccountID: acct.ID}})
	}
	return out, nil
}

// plannedAhead is how many days ahead a planned activity may be due and still
// be the one a logged visit, call or meeting carries out: a salesman who goes
// on Monday to the visit planned for Wednesday has done it.
const plannedAhead = 3

// plannedFor finds the open activity of the sender that the logged activity
// a carries out: same account and type, due by the end of the day
// plannedAhead days from today (overdue ones included). With several, the
// urgent one first, then the one due first (the oldest). nil when none.
func (tx *Tx) plannedFor(a *Activity, loc *time.Location) (*Activity, error) {
	if a.Account == 0 || tx.meta.Actor == System {
		return nil, nil
	}
	y, m, d := tx.now.In(loc).Date()
	horizon := time.Date(y, m, d+plannedAhead+1, 0, 0, 0, 0, loc)
	var best *Activity
	_, err := tx.OpenDueOf(tx.meta.Actor.ID, horizon, func(p *Activity) {
		if p.Type != a.Type || p.Account != a.Account || p.Owner != tx.meta.Actor.ID {
			return
		}
		if best == nil || moreUrgent(p, best) {
			best = p
		}
	})
	return best, err
}

// moreUrgent orders the open activities a report may close: urgent before
// normal, then the one due first, then the older record.
func moreUrgent(p, q *Activity) bool {
	if pu, qu := p.Priority == PriorityUrgent, q.Priority == PriorityUrgent; pu != qu {
		return pu
	}
	if !p.Due.Equal(q.Due) {
		return p.Due.Before(q.Due)
	}
	return p.ID < q.ID
}

func activityNotes(cmd *parser.Command) string {
	var parts []string
	if cmd.Contact != "" && !strings.HasPrefix(cmd.Contact, "#") {
		parts = append(parts, "met "+cmd.Contact)
	}
	if cmd.Notes != "" {
		parts = append(parts, cmd.Notes)
	}
	for _, p := range cmd.Products {
		parts = append(parts, fmt.Sprintf("%dx %s", p.Qty, p.Model))
	}
	return strings.Join(parts, "; ")
}

func activitySubject(typ, account, contact, notes string) string {
	s := typ + " " + account
	if contact != "" {
		s += ", " + contact
	}
	return truncRunes(s, 80)
}

// followUp creates the "next:" activity of a report or DONE.
func (tx *Tx) followUp(f *parser.FollowUp, of *Activity, loc *time.Location) (*NextItem, error) {
	if f == nil || strings.TrimSpace(f.What) == "" && f.Due == nil {
		return nil, nil
	}
	what := strings.TrimSpace(f.What)
	typ := ActTask
	if t, ok := ParseActivityType(firstWord(what)); ok {
		typ = t
	} else {
		typ = followUpType(what)
	}
	if what == "" {
		what = "follow up"
	}
	n := &Activity{Type: typ, Subject: truncRunes(what+" "+tx.accountName(of.Account), 80), Account: of.Account,
		Contact: of.Contact, Opp: of.Opp, Lead: of.Lead, FollowUpOf: of.ID}
	item := &NextItem{What: what}
	if f.Due != nil {
		n.Due = *f.Due
		if !f.HasTime {
			n.Due = endOfWorkday(n.Due, loc)
		}
		item.Due, item.HasDue = *f.Due, true
	}
	if err := tx.CreateActivity(n); err != nil {
		return nil, err
	}
	item.ID = n.ID
	return item, nil
}

// endOfWorkday is the due time of a date given without a time: 18:00 that day.
func endOfWorkday(d time.Time, loc *time.Location) time.Time {
	y, m, dd := d.In(loc).Date()
	return time.Date(y, m, dd, 18, 0, 0, 0, loc)
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func (tx *Tx) plan(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	hint := "PLAN <visit|call|meeting|task> <account> <when> [urgent]"
	a := &Activity{Type: cmd.Kind, Status: StatusOpen, Notes: cmd.Notes}
	if a.Type == "" {
		a.Type = ActTask
	}
	acctName := ""
	if cmd.Target != nil {
		acct, err := tx.resolveAccount(cmd.Target, hint)
		if err != nil {
			return nil, err
		}
		a.Account, acctName = acct.ID, acct.Name
		if c := tx.contactAt(acct.ID, cmd.Contact); c != nil {
			a.Contact = c.ID
		}
	}
	var owner *User
	if cmd.Assignee != "" {
		u, err := tx.resolveUser(cmd.Assignee)
		if err != nil {
			return nil, err
		}
		if u.ID != tx.meta.Actor.ID && !tx.actorIsManager() {
			return nil, Errorf(EFORBIDDEN, "Only a manager can plan for someone else.").withHint("PLAN " + a.Type + " <account> <when>")
		}
		owner = u
		a.Owner = u.ID
	}
	if cmd.Due != nil {
		a.Due = *cmd.Due
		if !cmd.HasTime {
			a.Due = endOfWorkday(a.Due, loc)
		}
	}
	if cmd.Priority == PriorityUrgent {
		a.Priority = PriorityUrgent
	}
	a.Subject = a.Type
	if acctName != "" {
		a.Subject += " " + acctName
	}
	if cmd.Notes != "" {
		a.Subject += ": " + cmd.Notes
	}
	a.Subject = truncRunes(a.Subject, 80)
	if err := tx.CreateActivity(a); err != nil {
		return nil, err
	}
	d := OKPlannedData{ID: a.ID, Kind: a.Type, Subject: tx.detail(a), Account: acctName, Urgent: a.Priority == PriorityUrgent, HasTime: cmd.HasTime}
	if cmd.Due != nil {
		d.Due = *cmd.Due
	}
	if owner != nil && owner.ID != tx.meta.Actor.ID {
		d.Owner = owner.Name
	}
	return &Outcome{Template: "ok_planned", Data: d}, nil
}

func (tx *Tx) done(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	hint := "DONE #<id> <outcome>; next: <what> <when>"
	a, err := tx.resolveActivity(cmd.Target, hint)
	if err != nil {
		return nil, err
	}
	outcome := activityNotes(cmd)
	if a.Owner != tx.meta.Actor.ID && !tx.actorIsManager() {
		return nil, Errorf(EFORBIDDEN, "Activity #%d is not yours.", a.ID)
	}
	a, err = tx.CompleteActivity(a.ID, outcome)
	if err != nil {
		return nil, err
	}
	next, err := tx.followUp(cmd.Next, a, loc)
	if err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_done", Data: OKDoneData{ID: a.ID, Subject: a.Subject, Next: next}}, nil
}

func (tx *Tx) reject(cmd *parser.Command) (*Outcome, error) {
	hint := "REJECT #<id> <reason>"
	a, err := tx.resolveActivity(cmd.Target, hint)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(strings.Trim(cmd.Reason+"; "+cmd.Notes, "; "))
	if reason == "" {
		return nil, Errorf(EINVALID, "Rejecting needs a reason.").withHint("REJECT #" + itoa(a.ID) + " <reason>")
	}
	a, err = tx.RejectActivity(a.ID, reason)
	if err != nil {
		return nil, err
	}
	mgr := a.AssignedBy
	if mgr == 0 || mgr == a.Owner {
		mgr = tx.managerOf(a.Owner)
	}
	return &Outcome{Template: "ok_rejected", Data: OKRejectedData{ID: a.ID, Subject: a.Subject, Manager: tx.userName(mgr)}}, nil
}

func (tx *Tx) note(cmd *parser.Command) (*Outcome, error) {
	hint := "NOTE <account or #id>; <text>"
	text := strings.TrimSpace(cmd.Notes)
	if text == "" {
		return nil, Errorf(EINVALID, "The note is empty.").withHint(hint)
	}
	n := &Activity{Type: ActNote, Status: StatusDone, Notes: text, DoneAt: tx.now}
	subject := ""
	switch {
	case cmd.Target != nil && cmd.Target.ID != 0 && cmd.Target.Kind == "activity":
		a, err := tx.Activity(cmd.Target.ID)
		if err != nil {
			return nil, err
		}
		n.Account, n.Opp, n.Lead, subject = a.Account, a.Opp, a.Lead, a.Subject
		n.FollowUpOf = a.ID
	case cmd.Target != nil && cmd.Target.ID != 0 && cmd.Target.Kind == "opp":
		o, err := tx.Opp(cmd.Target.ID)
		if err != nil {
			return nil, err
		}
		n.Opp, n.Account, subject = o.ID, o.Account, o.Name
	case cmd.Target != nil && cmd.Target.ID != 0 && cmd.Target.Kind == "lead":
		l, err := tx.Lead(cmd.Target.ID)
		if err != nil {
			return nil, err
		}
		n.Lead, subject = l.ID, l.label()
	default:
		acct, err := tx.resolveAccount(cmd.Target, hint)
		if err != nil {
			return nil, err
		}
		if err := tx.mustWrite(acct); err != nil { // a note changes what the customer's file says
			return nil, err
		}
		n.Account, subject = acct.ID, acct.Name
	}
	n.Subject = truncRunes("note "+subject+": "+text, 80)
	if err := tx.CreateActivity(n); err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_note", Data: OKNoteData{ID: n.ID, On: subject}}, nil
}

func (tx *Tx) assign(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	hint := "ASSIGN #<id> <name>"
	if !tx.actorIsManager() {
		return nil, Errorf(EFORBIDDEN, "Only a manager can assign work.").withHint("REJECT #<id> <reason> to hand it back")
	}
	if strings.TrimSpace(cmd.Assignee) == "" {
		return nil, Errorf(EINVALID, "Assign to whom?").withHint(hint)
	}
	if cmd.Target == nil {
		return nil, Errorf(EINVALID, "Assign what? Give its #id.").withHint(hint)
	}
	u, err := tx.resolveUser(cmd.Assignee)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, Errorf(EINVALID, "%s has left; choose someone else.", u.Name)
	}
	var kind Kind
	var id int64
	var subject string
	switch {
	case cmd.Target.Kind == "lead":
		l, err := tx.UpdateLead(cmd.Target.ID, func(l *Lead) error {
			l.Owner, l.Needs = u.ID, strings.Trim(l.Needs+"; "+cmd.Notes, "; ") // the manager's remark is kept
			return nil
		})
		if err != nil {
			return nil, err
		}
		kind, id, subject = KindLead, l.ID, l.label()
	case cmd.Target.Kind == "opp":
		o, err := tx.UpdateOpp(cmd.Target.ID, func(o *Opportunity) error {
			o.Owner, o.Needs = u.ID, strings.Trim(o.Needs+"; "+cmd.Notes, "; ") // the manager's remark is kept
			return nil
		})
		if err != nil {
			return nil, err
		}
		kind, id, subject = KindOpp, o.ID, o.Name
	case cmd.Target.ID == 0 || cmd.Target.Kind == "account":
		acct, err := tx.resolveAccount(cmd.Target, hint)
		if err != nil {
			return nil, err
		}
		acct, err = tx.UpdateAccount(acct.ID, func(a *Account) error { a.Owner = u.ID; return nil })
		if err != nil {
			return nil, err
		}
		kind, id, subject = KindAccount, acct.ID, acct.Name
	default:
		a, err := tx.AssignActivity(cmd.Target.ID, u.ID)
		if err != nil {
			return nil, err
		}
		// the manager's remark, date, time and priority are kept: "A73
		// assign wang 21/12 urgent" is what Wang is told and what escalates
		// work already past due is the new owner's from now: due by the end
		// of today (tomorrow after hours), not overdue the moment he gets it
		stale := cmd.Due == nil && !a.Due.IsZero() && a.Due.Before(tx.now)
		if cmd.Notes != "" || cmd.Due != nil || cmd.Priority != "" || stale {
			if a, err = tx.UpdateActivity(a.ID, func(a *Activity) error {
				a.Notes = strings.Trim(a.Notes+"; "+cmd.Notes, "; ")
				if cmd.Due != nil {
					a.Due = *cmd.Due
					if !cmd.HasTime {
						a.Due = endOfWorkday(a.Due, loc)
					}
				} else if stale {
					a.Due = endOfWorkday(tx.now, loc)
					if !a.Due.After(tx.now) {
						a.Due = endOfWorkday(tx.now.AddDate(0, 0, 1), loc)
					}
				}
				if cmd.Priority == PriorityUrgent || cmd.Priority == PriorityNormal {
					a.Priority = cmd.Priority
				}
				return nil
			}); err != nil {
				return nil, err
			}
		}
		kind, id, subject = KindActivity, a.ID, a.Subject
		d := OKAssignData{ID: id, Kind: kindName(kind), Subject: subject, Assignee: u.Name, Urgent: a.Priority == PriorityUrgent && cmd.Priority != "",
			Previous: tx.toldUnassigned()}
		if cmd.Due != nil {
			d.Due, d.HasTime = a.Due, cmd.HasTime
		}
		return &Outcome{Template: "ok_assign", Data: d}, nil
	}
	return &Outcome{Template: "ok_assign", Data: OKAssignData{ID: id, Kind: kindName(kind), Subject: subject, Assignee: u.Name,
		Previous: tx.toldUnassigned()}}, nil
}

// toldUnassigned names who this change tells that a record is off his list.
func (tx *Tx) toldUnassigned() string {
	if tx.cs == nil {
		return ""
	}
	for _, e := range tx.cs.Events {
		if e.Type != EvUnassigned || len(e.To) == 0 {
			continue
		}
		if u, err := loadAs[User](tx, e.To[0]); err == nil {
			return u.Name
		}
	}
	return ""
}

func (tx *Tx) approve(cmd *parser.Command) (*Outcome, error) {
	if cmd.Target == nil || cmd.Target.ID == 0 {
		return nil, Errorf(EINVALID, "Which request? Give its #id.").withHint("APPROVE #<id> or REFUSE #<id> <reason>")
	}
	yes := cmd.Action != "refuse"
	req, err := tx.DecideRequest(cmd.Target.ID, yes, strings.Trim(cmd.Reason+"; "+cmd.Notes, "; "))
	if err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_approve", Data: OKApproveData{ID: req.ID, Subject: req.Subject, Approved: yes}}, nil
}

func (tx *Tx) extend(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	hint := "EXTEND #<id> 3d"
	a, err := tx.resolveActivity(cmd.Target, hint)
	if err != nil {
		return nil, err
	}
	// the owner may move what he planned himself; work a manager gave him is
	// escalated on its due time, and only a manager gives it more time
	if !tx.actorIsManager() && (a.Owner != tx.meta.Actor.ID || a.AssignedBy != 0 && a.AssignedBy != a.Owner) {
		return nil, Errorf(EFORBIDDEN, "Only a manager can extend activity #%d.", a.ID).withHint("REJECT #" + itoa(a.ID) + " <reason> to hand it back")
	}
	a, err = tx.UpdateActivity(a.ID, func(a *Activity) error {
		switch {
		case cmd.Due != nil:
			a.Due = *cmd.Due
			if !cmd.HasTime {
				a.Due = endOfWorkday(a.Due, loc)
			}
		case cmd.Days > 0:
			base := a.Due
			if base.Before(tx.now) {
				base = tx.now
			}
			a.Due = base.AddDate(0, 0, cmd.Days)
		default:
			return Errorf(EINVALID, "Extend by how long?").withHint(hint)
		}
		a.Escalated = time.Time{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_extend", Data: OKExtendData{ID: a.ID, Due: a.Due}}, nil
}

func (tx *Tx) ack(cmd *parser.Command) (*Outcome, error) {
	a, err := tx.resolveActivity(cmd.Target, "ACK #<id>")
	if err != nil {
		return nil, err
	}
	if !tx.actorIsManager() {
		return nil, Errorf(EFORBIDDEN, "ACK is for managers answering an escalation.")
	}
	a, err = tx.UpdateActivity(a.ID, func(a *Activity) error { a.Acked = tx.now; return nil })
	if err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_ack", Data: OKAckData{ID: a.ID, Subject: a.Subject}}, nil
}

func (tx *Tx) optOut(stop bool) (*Outcome, error) {
	u, err := loadAs[User](tx, tx.meta.Actor.ID)
	if err != nil {
		return nil, err
	}
	u.OptedOut = stop
	// a user may always switch his own messages off and on
	if err := tx.put(u); err != nil {
		return nil, err
	}
	if stop {
		return &Outcome{Template: "ok_stop", Data: struct{}{}}, nil
	}
	return &Outcome{Template: "ok_start", Data: struct{}{}}, nil
}

// followUpType reads the kind of a next step from its words: 再打电话 and
// "ring back" are calls, 再去 and "go back" visits, 见面 meetings; the rest
// (发报价, send brochure) tasks.
func followUpType(what string) string {
	w := strings.ToLower(what)
	has := func(words ...string) bool {
		for _, x := range words {
			if strings.Contains(w, x) {
				return true
			}
		}
		return false
	}
	switch {
	case has("电话", "回电", "致电", "ring", "phone", "call back", "callback"):
		return ActCall
	case has("见面", "开会", "面谈", "meet"):
		return ActMeeting
	case has("拜访", "再去", "去一趟", "上门", "回访", "go back", "drop by", "revisit"):
		return ActVisit
	}
	return ActTask
}
