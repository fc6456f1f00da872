package crm

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
)

// How long a numbered choice and an UNDO stay valid.
const (
	ChoiceWindow = 10 * time.Minute
	UndoWindow   = 15 * time.Minute
)

// conv is a user's conversation state.
type conv struct {
	Choice *pendingChoice `json:"choice,omitempty"`
	Day    string         `json:"day,omitempty"` // the local date of the user's last message
	// Recent are the ids of the user's latest change sets, oldest first, 8
	// bytes big-endian each (base64 in the JSON: cheaper to decode on every
	// message than a list of numbers): what UNDO looks at. Schema 3 kept an
	// index of every change set by user instead, which cost each message one
	// more page at a random place in the file.
	Recent []byte `json:"recent,omitempty"`
}

// recent returns the ids in c.Recent, oldest first.
func (c *conv) recent() []int64 {
	ids := make([]int64, 0, len(c.Recent)/8)
	for i := 0; i+8 <= len(c.Recent); i += 8 {
		ids = append(ids, int64(btou(c.Recent[i:])))
	}
	return ids
}

// maxRecent bounds conv.Recent: UNDO looks back at most this many change
// sets of the user (LastChangeSet always did; recentChangeTo looks at those
// of the undo window among them).
const maxRecent = 50

// noteRecent adds cs to its author's recent change sets.
func (tx *Tx) noteRecent(cs *ChangeSet) error {
	c := tx.loadConv()
	c.Recent = append(c.Recent, itob(cs.ID)...)
	if n := len(c.Recent) - 8*maxRecent; n > 0 {
		c.Recent = append(c.Recent[:0], c.Recent[n:]...)
	}
	return tx.saveConv(c)
}

// pendingChoice is a command waiting for "1 or 2?".
type pendingChoice struct {
	Cmd        parser.Command `json:"cmd"`
	Field      string         `json:"field"` // "target", "assignee", "contact"
	Candidates []Candidate    `json:"candidates"`
	At         time.Time      `json:"at"`
}

func (tx *Tx) loadConv() *conv {
	c := &conv{}
	if v := tx.btx.Bucket(bktConv).Get(itob(tx.meta.Actor.ID)); v != nil {
		json.Unmarshal(v, c)
	}
	return c
}

func (tx *Tx) saveConv(c *conv) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.btx.Bucket(bktConv).Put(itob(tx.meta.Actor.ID), data)
}

// needChoice is returned by a resolver when a name matched several records.
type needChoice struct {
	field string
	word  string
	cands []Candidate
}

func (n *needChoice) Error() string { return "ambiguous " + n.field }

// Apply carries out one parsed command as the transaction's actor and
// returns what to answer. loc is the actor's time zone. Refusals come back as
// errors (*Error, or *parser.Error for VerbChoice gone stale); the caller
// words them. A refused command must not be committed: the caller's Update
// returns the error so that nothing it wrote stays.
func (tx *Tx) Apply(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	if loc == nil {
		loc = tx.s.loc
	}
	if tx.meta.Actor.Disabled {
		return nil, Errorf(EFORBIDDEN, "Your user is disabled.")
	}
	cv := tx.loadConv()
	if cmd.Verb != parser.VerbChoice {
		// a number answers only the message just before it: any other
		// command drops the question (kept when that command is refused)
		cv.Choice = nil
	}
	today := tx.now.In(loc).Format("2006-01-02")
	var reminder *DayReminderData
	if cv.Day != today && tx.writable {
		if cmd.Verb != parser.VerbToday { // TODAY shows them anyway
			reminder = tx.dayReminder(loc)
		}
		cv.Day = today
	}
	if cmd.Verb == parser.VerbChoice {
		if cv.Choice == nil || tx.now.Sub(cv.Choice.At) > ChoiceWindow {
			cv.Choice = nil
			tx.saveConvQuiet(cv)
			return nil, Errorf(EINVALID, "There is no question waiting for a number.").withHint("HELP for the commands")
		}
		pc := cv.Choice
		if cmd.Choice < 1 || cmd.Choice > len(pc.Candidates) {
			return nil, Errorf(EINVALID, "Reply a number from 1 to %d.", len(pc.Candidates)).withHint("1")
		}
		pick := pc.Candidates[cmd.Choice-1]
		orig := pc.Cmd
		switch pc.Field {
		case "assignee":
			orig.Assignee = "#" + itoa(pick.ID)
		case "contact":
			orig.Contact = "#" + itoa(pick.ID)
		default:
			orig.Target = &parser.Ref{ID: pick.ID, Kind: refKindOf(pick.Kind)}
		}
		cv.Choice = nil
		cmd = &orig
	}
	out, err := tx.apply(cmd, loc)
	var nc *needChoice
	if asNeedChoice(err, &nc) {
		cv.Choice = &pendingChoice{Cmd: *cmd, Field: nc.field, Candidates: nc.cands, At: tx.now}
		if err := tx.saveConv(cv); err != nil {
			return nil, err
		}
		d := ChooseData{Word: nc.word}
		for i, c := range nc.cands {
			d.Choices = append(d.Choices, Choice{N: i + 1, Name: c.Name, ID: c.ID})
		}
		return &Outcome{Template: "choose", Data: d, DayReminder: reminder}, nil
	}
	if err != nil {
		return nil, err
	}
	if tx.writable {
		if err := tx.saveConv(cv); err != nil {
			return nil, err
		}
	}
	out.DayReminder = reminder
	out.ChangeSet = tx.cs
	out.Notices = append(tx.noticesFor(loc), out.Notices...)
	return out, nil
}

func (tx *Tx) saveConvQuiet(c *conv) {
	if tx.writable {
		tx.saveConv(c)
	}
}

func asNeedChoice(err error, nc **needChoice) bool {
	if n, ok := err.(*needChoice); ok {
		*nc = n
		return true
	}
	return false
}

func refKindOf(k Kind) string {
	switch k {
	case KindActivity:
		return "activity"
	case KindAccount:
		return "account"
	case KindLead:
		return "lead"
	case KindOpp:
		return "opp"
	case KindCampaign:
		return "campaign"
	case KindContact:
		return "contact"
	case KindUser:
		return "user"
	case KindRequest:
		return "request"
	}
	return ""
}

func (tx *Tx) apply(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	switch cmd.Verb {
	case parser.VerbVisit:
		return tx.logActivity(cmd, ActVisit, loc)
	case parser.VerbCall:
		return tx.logActivity(cmd, ActCall, loc)
	case parser.VerbMeeting:
		return tx.logActivity(cmd, ActMeeting, loc)
	case parser.VerbPlan:
		return tx.plan(cmd, loc)
	case parser.VerbDone:
		return tx.done(cmd, loc)
	case parser.VerbReject:
		return tx.reject(cmd)
	case parser.VerbLead:
		return tx.lead(cmd)
	case parser.VerbContact:
		return tx.contact(cmd)
	case parser.VerbAccount:
		return tx.account(cmd)
	case parser.VerbOpp:
		return tx.opp(cmd)
	case parser.VerbEquipment:
		return tx.equipment(cmd)
	case parser.VerbNote:
		return tx.note(cmd)
	case parser.VerbDoc:
		return nil, Errorf(EINVALID, "Documents come by email: attach the file.").withHint("email with subject DOC <account>")
	case parser.VerbToday:
		return tx.today(cmd, loc)
	case parser.VerbOpps:
		return tx.opps(cmd)
	case parser.VerbAcct:
		return tx.acct(cmd)
	case parser.VerbFind:
		return tx.find(cmd)
	case parser.VerbFunnel:
		return tx.funnel(cmd, loc)
	case parser.VerbTeam:
		return tx.team(cmd, loc)
	case parser.VerbLost:
		return tx.lost(cmd, loc)
	case parser.VerbAssign:
		return tx.assign(cmd)
	case parser.VerbApprove:
		return tx.approve(cmd)
	case parser.VerbResp:
		return tx.resp(cmd)
	case parser.VerbCampaign:
		return tx.campaign(cmd, loc)
	case parser.VerbUndo:
		return tx.undo(cmd)
	case parser.VerbExtend:
		return tx.extend(cmd, loc)
	case parser.VerbAck:
		return tx.ack(cmd)
	case parser.VerbStop, parser.VerbStart:
		return tx.optOut(cmd.Verb == parser.VerbStop)
	case parser.VerbHelp:
		locale := tx.meta.Actor.Locale
		if cmd.Lang == "zh" { // asked in Chinese: answered in Chinese
			locale = "zh"
		}
		return &Outcome{Template: "help", Data: HelpData{Text: parser.Help(cmd.Topic, locale)}}, nil
	case parser.VerbMore:
		return nil, Errorf(EINVALID, "Nothing more to show.").withHint("TODAY or OPPS")
	}
	return nil, Errorf(EINVALID, "%s is not something I can do yet.", strings.ToUpper(string(cmd.Verb))).withHint("HELP")
}

// ---- resolving names ----

// resolve finds the one record of kind k named by ref. A close call between
// several becomes a numbered choice.
func (tx *Tx) resolve(k Kind, ref *parser.Ref, field, hint string) (Record, error) {
	if ref == nil || ref.ID == 0 && strings.TrimSpace(ref.Name) == "" {
		return nil, Errorf(EINVALID, "Which %s?", kindName(k)).withHint(hint)
	}
	if ref.ID != 0 {
		return tx.Get(k, ref.ID)
	}
	cands, err := tx.Lookup(k, ref.Name, 5)
	if err != nil {
		return nil, err
	}
	switch {
	case len(cands) == 0:
		return nil, Errorf(ENOTFOUND, "No %s matches %q.", kindName(k), ref.Name).withHint(notFoundHint(k, ref.Name))
	case Ambiguous(cands):
		n := 1
		for n < len(cands) && cands[n].Score >= cands[0].Score*0.8 {
			n++
		}
		return nil, &needChoice{field: field, word: ref.Name, cands: cands[:min(n, 4)]}
	}
	return tx.Get(k, cands[0].ID)
}

func notFoundHint(k Kind, name string) string {
	switch k {
	case KindAccount:
		return "FIND " + name + " or ACCOUNT <name>; <contact> <phone>"
	case KindUser:
		return "the user's name or #id"
	case KindCampaign:
		return "RESP <campaign>; <name>; <phone>"
	}
	return "FIND " + name
}

func (tx *Tx) resolveAccount(ref *parser.Ref, hint string) (*Account, error) {
	r, err := tx.resolve(KindAccount, ref, "target", hint)
	if err != nil {
		return nil, err
	}
	return r.(*Account), nil
}

func (tx *Tx) resolveUser(name string) (*User, error) {
	name = strings.TrimSpace(name)
	ref := &parser.Ref{Name: name}
	if id, ok := parseRef(name); ok {
		ref = &parser.Ref{ID: id}
	}
	r, err := tx.resolve(KindUser, ref, "assignee", "ASSIGN #17 <name>")
	if err != nil {
		return nil, err
	}
	return r.(*User), nil
}

// resolveActivity reads the activity named by #id (a name is looked up among
// the actor's open activities by their account).
func (tx *Tx) resolveActivity(ref *parser.Ref, hint string) (*Activity, error) {
	if ref == nil {
		return nil, Errorf(EINVALID, "Which activity? Give its #id.").withHint(hint)
	}
	if ref.ID != 0 && ref.Kind != "account" { // an account: chosen by number after "DONE acme"
		if ref.Kind != "" && ref.Kind != "activity" {
			return nil, Errorf(EINVALID, "#%d is %s, not an activity.", ref.ID, article(ref.Kind)).withHint(hint)
		}
		return tx.Activity(ref.ID)
	}
	acct, err := tx.resolveAccount(ref, hint)
	if err != nil {
		return nil, err
	}
	var open []*Activity
	for _, id := range tx.linked(acct.ID, KindActivity) {
		if a, err := loadAs[Activity](tx, id); err == nil && a.Status == StatusOpen && a.Owner == tx.meta.Actor.ID {
			open = append(open, a)
		}
	}
	switch len(open) {
	case 0:
		return nil, Errorf(ENOTFOUND, "You have no open activity at %s.", acct.Name).withHint("TODAY for your list")
	case 1:
		return open[0], nil
	}
	var cands []Candidate
	for _, a := range open[:min(len(open), 4)] {
		cands = append(cands, Candidate{Kind: KindActivity, ID: a.ID, Name: a.Subject})
	}
	return nil, &needChoice{field: "target", word: ref.Name, cands: cands}
}

// contactAt finds the contact named name at account (nil when none
// matches): the whole name, else the first whose name starts with it or
// contains it ("zhang" finds Zhang Wei). It reads only the account's contacts.
func (tx *Tx) contactAt(account int64, name string) *Contact {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	if id, ok := parseRef(name); ok {
		if c, err := tx.Contact(id); err == nil && c.Account == account {
			return c
		}
		return nil
	}
	want := flatName(name)
	if want == "" {
		return nil
	}
	var prefix, inside *Contact
	for _, id := range tx.linked(account, KindContact) {
		c, err := loadAs[Contact](tx, id)
		if err != nil || c.Removed || !tx.canRead(c) {
			continue
		}
		got := flatName(c.Name)
		switch {
		case got == want:
			return c
		case prefix == nil && strings.HasPrefix(got, want):
			prefix = c
		case inside == nil && strings.Contains(got, want):
			inside = c
		}
	}
	if prefix != nil {
		return prefix
	}
	return inside
}

func (tx *Tx) userName(id int64) string {
	if id == 0 {
		return ""
	}
	if u, err := tx.user(id); err == nil {
		return u.Name
	}
	return fmt.Sprintf("#%d", id)
}

func (tx *Tx) accountName(id int64) string {
	if id == 0 {
		return ""
	}
	if a, err := loadAs[Account](tx, id); err == nil {
		return a.Name
	}
	return ""
}

// ---- writes ----

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
	if err := tx.CreateActivity(a); err != nil {
		return nil, err
	}
	next, err := tx.followUp(cmd.Next, a, loc)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Template: "ok_activity", Data: OKActivityData{Kind: typ, ID: a.ID, Account: acct.Name, Contact: contact, Next: next}}
	if typ == ActVisit && !tx.HasEquipment(acct.ID) {
		out.Notices = append(out.Notices, Notice{To: tx.meta.Actor.ID, Template: "notice_equipment_missing", SMS: true,
			Data: NoticeEquipmentMissingData{Account: acct.Name, AccountID: acct.ID}})
	}
	return out, nil
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

func (tx *Tx) lead(cmd *parser.Command) (*Outcome, error) {
	hint := "LEAD <company>; <person> <phone>; src: <source>; <needs>"
	if cmd.Action == "" || cmd.Action == "create" {
		l := &Lead{Person: cmd.Contact, Source: cmd.Source, Referrer: cmd.Referrer, Needs: cmd.Notes}
		if cmd.Target != nil {
			l.Company = cmd.Target.Name
		}
		if len(cmd.Phones) > 0 {
			l.Phone = cmd.Phones[0].Number
		}
		if cmd.Amount != nil {
			l.EstimatedValue = Money(cmd.Amount.Cents)
		}
		if len(cmd.Products) > 0 {
			var ps []string
			for _, p := range cmd.Products {
				ps = append(ps, fmt.Sprintf("%dx %s", p.Qty, p.Model))
			}
			l.Needs = strings.Trim(strings.Join(ps, ", ")+"; "+l.Needs, "; ")
		}
		if l.Company == "" && l.Person == "" {
			return nil, Errorf(EINVALID, "A lead needs a company or a person.").withHint(hint)
		}
		if strings.TrimSpace(cmd.Assignee) != "" { // owner: <who>
			u, err := tx.resolveUser(cmd.Assignee)
			if err != nil {
				return nil, err
			}
			if u.ID != tx.meta.Actor.ID && !tx.actorIsManager() {
				return nil, Errorf(EFORBIDDEN, "Only a manager can give a lead to someone else.").withHint(hint)
			}
			l.Owner = u.ID
		}
		if l.Company == "" {
			l.Subject = l.Person
		}
		if cmd.Source == SrcCampaign && cmd.Fields["campaign"] != "" {
			if r, err := tx.resolve(KindCampaign, &parser.Ref{Name: cmd.Fields["campaign"]}, "campaign", hint); err == nil {
				l.Campaign = r.RecordID()
			}
		}
		if err := tx.CreateLead(l); err != nil {
			return nil, err
		}
		return &Outcome{Template: "ok_lead", Data: OKLeadData{ID: l.ID, Company: l.Company, Person: l.Person, Source: l.Source, Action: "create"}}, nil
	}
	r, err := tx.resolve(KindLead, cmd.Target, "target", "LEAD #<id> qualify|disqualify <reason>|convert")
	if err != nil {
		return nil, err
	}
	l := r.(*Lead)
	switch cmd.Action {
	case "qualify", "disqualify":
		l, err = tx.UpdateLead(l.ID, func(l *Lead) error {
			if cmd.Action == "qualify" {
				l.Status = LeadQualified
			} else {
				l.Status, l.Reason = LeadDisqualified, strings.Trim(cmd.Reason+"; "+cmd.Notes, "; ")
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	case "convert":
		cv := Conversion{Address: cmd.Fields["address"], City: cmd.Fields["city"], Industry: cmd.Fields["industry"],
			ContactTitle: cmd.Title}
		if cmd.Amount != nil {
			cv.Amount = Money(cmd.Amount.Cents)
		}
		if cmd.Close != nil {
			cv.Close = *cmd.Close
		}
		for _, p := range cmd.Products {
			cv.Products = append(cv.Products, ProductLine{Model: p.Model, Qty: p.Qty})
		}
		acct, _, opp, err := tx.ConvertLead(l.ID, cv)
		if err != nil {
			return nil, err
		}
		return &Outcome{Template: "ok_lead", Data: OKLeadData{ID: l.ID, Company: acct.Name, Person: l.Person, Action: "convert", Account: acct.ID, Opp: opp.ID}}, nil
	default:
		l, err = tx.UpdateLead(l.ID, func(l *Lead) error {
			if cmd.Contact != "" {
				l.Person = cmd.Contact
			}
			if len(cmd.Phones) > 0 {
				l.Phone = cmd.Phones[0].Number
			}
			if cmd.Source != "" {
				l.Source, l.Referrer = cmd.Source, cmd.Referrer
			}
			if cmd.Notes != "" {
				l.Needs = strings.Trim(l.Needs+"; "+cmd.Notes, "; ")
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &Outcome{Template: "ok_lead", Data: OKLeadData{ID: l.ID, Company: l.Company, Person: l.Person, Source: l.Source, Action: cmd.Action}}, nil
}

func phonesOf(cmd *parser.Command) (mobile, landline string) {
	for _, p := range cmd.Phones {
		switch {
		case p.Kind == PhoneLandline && landline == "":
			landline = p.Number
		case p.Kind != PhoneLandline && mobile == "":
			mobile = p.Number
		}
	}
	return
}

func (tx *Tx) contact(cmd *parser.Command) (*Outcome, error) {
	hint := "CONTACT <account>; <name>; <mobile>; <title>"
	switch cmd.Action {
	case "remove", "update":
		r, err := tx.resolve(KindContact, cmd.Target, "target", "CONTACT #<id> remove; <reason>")
		if err != nil {
			return nil, err
		}
		c := r.(*Contact)
		if cmd.Action == "remove" {
			req, err := tx.RemoveContact(c.ID, strings.Trim(cmd.Reason+"; "+cmd.Notes, "; "))
			if err != nil {
				return nil, err
			}
			if req.Status == ReqApproved {
				return &Outcome{Template: "ok_contact", Data: OKContactData{ID: c.ID, Name: c.Name + " (removed)", Account: tx.accountName(c.Account)}}, nil
			}
			return &Outcome{Template: "ok_pending", Data: OKPendingData{ID: req.ID, Subject: req.Subject, Manager: tx.userName(tx.managerOf(tx.meta.Actor.ID))}}, nil
		}
		c, err = tx.UpdateContact(c.ID, func(c *Contact) error {
			m, l := phonesOf(cmd)
			if m != "" {
				c.Mobile = m
			}
			if l != "" {
				c.Landline = l
			}
			if cmd.Title != "" {
				c.Title = cmd.Title
			}
			if cmd.Email != "" {
				c.Email = cmd.Email
			}
			if cmd.Notes != "" {
				c.Background = strings.Trim(c.Background+"; "+cmd.Notes, "; ")
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return &Outcome{Template: "ok_contact", Data: OKContactData{ID: c.ID, Name: c.Name, Account: tx.accountName(c.Account), Phone: firstNonEmpty(c.Mobile, c.Landline)}}, nil
	}
	acct, err := tx.resolveAccount(cmd.Target, hint)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cmd.Contact) == "" {
		return nil, Errorf(EINVALID, "The contact's name is missing.").withHint(hint)
	}
	c := &Contact{Account: acct.ID, Name: cmd.Contact, Title: cmd.Title, Email: cmd.Email, Background: cmd.Notes}
	c.Mobile, c.Landline = phonesOf(cmd)
	if err := tx.CreateContact(c); err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_contact", Data: OKContactData{ID: c.ID, Name: c.Name, Account: acct.Name, Phone: firstNonEmpty(c.Mobile, c.Landline)}}, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (tx *Tx) account(cmd *parser.Command) (*Outcome, error) {
	hint := "ACCOUNT <name>; <contact> <mobile>; addr: <address>; industry: <industry>"
	if cmd.Action == "" || cmd.Action == "create" {
		if cmd.Target == nil || strings.TrimSpace(cmd.Target.Name) == "" {
			return nil, Errorf(EINVALID, "The account's name is missing.").withHint(hint)
		}
		a := &Account{Name: cmd.Target.Name, Address: cmd.Fields["address"], City: cmd.Fields["city"], Industry: cmd.Fields["industry"]}
		for _, p := range cmd.Phones {
			a.Phones = append(a.Phones, p.Number)
		}
		if strings.TrimSpace(cmd.Contact) == "" {
			return nil, errNeedsContact(a.Name)
		}
		c := &Contact{Name: cmd.Contact, Title: cmd.Title}
		c.Mobile, c.Landline = phonesOf(cmd)
		if c.Mobile != "" {
			// the mobile is the person's; the account keeps its landline
			a.Phones = slices.DeleteFunc(a.Phones, func(p string) bool { return p == c.Mobile })
		}
		if err := tx.CreateAccount(a, c); err != nil {
			return nil, err
		}
		return &Outcome{Template: "ok_account", Data: OKAccountData{ID: a.ID, Name: a.Name, Contact: c.Name, Action: "create"}}, nil
	}
	acct, err := tx.resolveAccount(cmd.Target, hint)
	if err != nil {
		return nil, err
	}
	acct, err = tx.UpdateAccount(acct.ID, func(a *Account) error {
		switch cmd.Action {
		case "deactivate", "inactive":
			a.Status, a.InactiveReason = AccountInactive, strings.Trim(cmd.Reason+"; "+cmd.Notes, "; ")
		case "activate", "active":
			a.Status = AccountActive
		default:
			if len(cmd.Phones) > 0 {
				a.Phones = nil
				for _, p := range cmd.Phones {
					a.Phones = append(a.Phones, p.Number)
				}
			}
			for k, v := range cmd.Fields {
				switch k {
				case "address":
					a.Address = v
				case "city":
					a.City = v
				case "industry":
					a.Industry = v
				case "alias":
					a.Aliases = appendUnique(a.Aliases, v)
				}
			}
			if cmd.Notes != "" {
				a.Background.FuturePlans = strings.Trim(a.Background.FuturePlans+"; "+cmd.Notes, "; ")
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_account", Data: OKAccountData{ID: acct.ID, Name: acct.Name, Action: cmd.Action}}, nil
}

func (tx *Tx) opp(cmd *parser.Command) (*Outcome, error) {
	hint := "OPP <account>; 2x 320D; 2.4m; close 15/12"
	if cmd.Action == "" || cmd.Action == "create" {
		acct, err := tx.resolveAccount(cmd.Target, hint)
		if err != nil {
			return nil, err
		}
		o := &Opportunity{Account: acct.ID, Needs: cmd.Notes, Source: cmd.Source}
		for _, p := range cmd.Products {
			o.Products = append(o.Products, ProductLine{Model: p.Model, Qty: p.Qty})
		}
		if cmd.Amount != nil {
			o.Amount = Money(cmd.Amount.Cents)
		}
		if cmd.Close != nil {
			o.Close = *cmd.Close
		}
		if cmd.Competitor != "" {
			o.Competitors = []string{cmd.Competitor}
		}
		if err := tx.CreateOpp(o); err != nil {
			return nil, err
		}
		return &Outcome{Template: "ok_opp", Data: tx.oppData(o, "create")}, nil
	}
	r, err := tx.resolve(KindOpp, cmd.Target, "target", "OPP #<id> stage <name>")
	if err != nil {
		return nil, err
	}
	o := r.(*Opportunity)
	reason := strings.Trim(cmd.Reason+"; "+cmd.Notes, "; ")
	switch cmd.Action {
	case "stage", "won", "lost", "nodeal":
		st, ok := ParseStage(string(cmd.Stage))
		if !ok {
			st, ok = ParseStage(cmd.Action)
		}
		if !ok {
			return nil, Errorf(EINVALID, "Which stage?").withHint("OPP #" + itoa(o.ID) + " stage qualification|development|proposal")
		}
		mv := StageMove{To: st, Reason: reason, Competitor: cmd.Competitor}
		if cmd.Amount != nil {
			mv.Amount = Money(cmd.Amount.Cents)
		}
		o, err = tx.SetOppStage(o.ID, mv)
	default:
		o, err = tx.UpdateOpp(o.ID, func(o *Opportunity) error {
			if cmd.Amount != nil {
				o.Amount = Money(cmd.Amount.Cents)
			}
			if cmd.Close != nil {
				o.Close = *cmd.Close
			}
			for _, p := range cmd.Products {
				o.Products = mergeProduct(o.Products, ProductLine{Model: p.Model, Qty: p.Qty})
			}
			if cmd.Competitor != "" {
				o.Competitors = appendUnique(o.Competitors, cmd.Competitor)
			}
			if cmd.Role != "" {
				name := cmd.Contact
				var cid int64
				if c := tx.contactAt(o.Account, cmd.Contact); c != nil {
					cid, name = c.ID, c.Name
				}
				if name == "" {
					return Errorf(EINVALID, "Whose role?").withHint("OPP #" + itoa(o.ID) + " role <name> economic buyer|user|technical|coach")
				}
				o.People = setPersonRole(o.People, OppPerson{Contact: cid, Name: name, Role: cmd.Role})
			}
			if cmd.Notes != "" && cmd.Action != "competitor" {
				o.Needs = strings.Trim(o.Needs+"; "+cmd.Notes, "; ")
			}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_opp", Data: tx.oppData(o, cmd.Action)}, nil
}

func (tx *Tx) oppData(o *Opportunity, action string) OKOppData {
	return OKOppData{ID: o.ID, Name: o.Name, Account: tx.accountName(o.Account), Stage: o.Stage.String(),
		Amount: int64(o.Amount), Close: o.Close, Action: action}
}

func mergeProduct(ps []ProductLine, p ProductLine) []ProductLine {
	for i := range ps {
		if strings.EqualFold(ps[i].Model, p.Model) {
			ps[i].Qty = p.Qty
			return ps
		}
	}
	return append(ps, p)
}

func setPersonRole(ps []OppPerson, p OppPerson) []OppPerson {
	for i := range ps {
		if p.Contact != 0 && ps[i].Contact == p.Contact || strings.EqualFold(ps[i].Name, p.Name) {
			ps[i] = p
			return ps
		}
	}
	return append(ps, p)
}

func (tx *Tx) equipment(cmd *parser.Command) (*Outcome, error) {
	hint := "EQ <account> CAT 320D sn <serial> smu <hours>  or  EQ <account> Komatsu PC200 bought 2019-05"
	var e *Equipment
	var acct *Account
	if cmd.Target != nil && cmd.Target.ID != 0 && cmd.Target.Kind == "equipment" {
		r, err := tx.Equipment(cmd.Target.ID)
		if err != nil {
			return nil, err
		}
		e = r
	} else {
		a, err := tx.resolveAccount(cmd.Target, hint)
		if err != nil {
			return nil, err
		}
		acct = a
		var bought time.Time
		if cmd.Bought != nil {
			bought = *cmd.Bought
		}
		found, err := tx.FindEquipment(cmd.Brand, cmd.Model, cmd.Serial, bought)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
		if found != nil && found.Account != a.ID {
			return nil, Errorf(ECONFLICT, "%s is on file at %s (#%d).", found.label(), tx.accountName(found.Account), found.ID)
		}
		e = found
	}
	isNew := e == nil
	if isNew {
		e = &Equipment{Account: acct.ID, Brand: cmd.Brand, Model: cmd.Model, Serial: cmd.Serial}
		if cmd.Bought != nil {
			e.Bought = *cmd.Bought
		}
	}
	if cmd.SMU != nil {
		e.SMU = *cmd.SMU
	}
	if cmd.Location != "" {
		e.Location = cmd.Location
	}
	if cmd.Condition != "" {
		e.Condition = cmd.Condition
	}
	if v := cmd.Fields["gps"]; v != "" {
		e.GPS = v
	}
	if v := cmd.Fields["repair"]; v != "" {
		e.RepairNeeds = v
	}
	e.Note = cmd.Notes
	if err := tx.SaveEquipment(e); err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_equipment", Data: OKEquipmentData{ID: e.ID, Brand: e.Brand, Model: e.Model, Serial: e.Serial,
		Account: tx.accountName(e.Account), SMU: e.SMU, New: isNew}}, nil
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
		n.Account, subject = acct.ID, acct.Name
	}
	n.Subject = truncRunes("note "+subject+": "+text, 80)
	if err := tx.CreateActivity(n); err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_note", Data: OKNoteData{ID: n.ID, On: subject}}, nil
}

func (tx *Tx) assign(cmd *parser.Command) (*Outcome, error) {
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
		l, err := tx.UpdateLead(cmd.Target.ID, func(l *Lead) error { l.Owner = u.ID; return nil })
		if err != nil {
			return nil, err
		}
		kind, id, subject = KindLead, l.ID, l.label()
	case cmd.Target.Kind == "opp":
		o, err := tx.UpdateOpp(cmd.Target.ID, func(o *Opportunity) error { o.Owner = u.ID; return nil })
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
		kind, id, subject = KindActivity, a.ID, a.Subject
	}
	return &Outcome{Template: "ok_assign", Data: OKAssignData{ID: id, Kind: kindName(kind), Subject: subject, Assignee: u.Name}}, nil
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

func (tx *Tx) resp(cmd *parser.Command) (*Outcome, error) {
	hint := "RESP <campaign>; <name or company>; <phone>; <interest>"
	r, err := tx.resolve(KindCampaign, cmd.Target, "target", hint)
	if err != nil {
		return nil, err
	}
	camp := r.(*Campaign)
	resp := Response{Person: cmd.Contact, Note: cmd.Notes}
	if len(cmd.Phones) > 0 {
		resp.Phone = cmd.Phones[0].Number
	}
	for _, p := range cmd.Products {
		resp.Note = strings.Trim(resp.Note+fmt.Sprintf("; %dx %s", p.Qty, p.Model), "; ")
	}
	if resp.Person == "" && resp.Phone == "" {
		return nil, Errorf(EINVALID, "Who responded? Give a name or a phone.").withHint(hint)
	}
	camp, rr, err := tx.AddResponse(camp.ID, resp)
	if err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_resp", Data: OKRespData{N: rr.N, Campaign: camp.Name, Who: firstNonEmpty(rr.Person, rr.Phone)}}, nil
}

// campaignFields are the keys CAMPAIGN stores besides those the parser
// reads into their own fields.
var campaignFields = map[string]bool{"objective": true, "segment": true}

// campaign creates or changes a campaign, or turns one of its responses into
// a lead. Campaigns are marketing's (and admins'): others are refused.
func (tx *Tx) campaign(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	hint := "CAMPAIGN <name>; objective: <goal>; budget: <amount>; start: <date>; end: <date>; task: <text>"
	if tx.s.policy.levels(tx.meta.Actor, KindCampaign).Write == LevelNone {
		return nil, Errorf(EFORBIDDEN, "Campaigns are run by marketing: ask them to create or change one. You can record a response.").
			withHint("RESP <campaign>; <name>; <phone>; <interest>")
	}
	for k := range cmd.Fields {
		if !campaignFields[k] {
			return nil, Errorf(EINVALID, "A campaign has no %q.", k+":").withHint(hint)
		}
	}
	switch cmd.Action {
	case "lead":
		r, err := tx.resolve(KindCampaign, cmd.Target, "target", "CAMPAIGN <name or #id> lead <n> [<who>]")
		if err != nil {
			return nil, err
		}
		c := r.(*Campaign)
		var owner int64
		if strings.TrimSpace(cmd.Assignee) != "" {
			u, err := tx.resolveUser(cmd.Assignee)
			if err != nil {
				return nil, err
			}
			owner = u.ID
		}
		l, err := tx.ResponseToLead(c.ID, cmd.Response, owner)
		if err != nil {
			return nil, err
		}
		d := OKCampaignData{ID: c.ID, Name: c.Name, Action: "lead", Lead: l.ID, N: cmd.Response}
		if l.Owner != tx.meta.Actor.ID {
			d.Owner = tx.userName(l.Owner)
		}
		return &Outcome{Template: "ok_campaign", Data: d}, nil
	case "create":
		name := ""
		if cmd.Target != nil {
			name = strings.TrimSpace(cmd.Target.Name)
		}
		if name == "" {
			return nil, Errorf(EINVALID, "A new campaign needs a name.").withHint(hint)
		}
		if id, other := tx.campaignNamed(name); id != 0 {
			return nil, Errorf(ECONFLICT, "Campaign #%d is already called %s.", id, other).
				withHint("CAMPAIGN #" + itoa(id) + " <key> <value> to change it, or choose another name")
		}
		c := &Campaign{Name: name}
		setCampaign(c, cmd)
		if err := tx.save(c); err != nil {
			return nil, err
		}
		return &Outcome{Template: "ok_campaign", Data: tx.campaignData(c, "create", loc)}, nil
	}
	r, err := tx.resolve(KindCampaign, cmd.Target, "target", hint)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND && cmd.Target != nil && cmd.Target.ID == 0 {
			return nil, Errorf(ENOTFOUND, "No campaign matches %q. To create it, give its objective.", cmd.Target.Name).
				withHint("CAMPAIGN " + cmd.Target.Name + "; objective: <goal>; budget: <amount>; start: <date>; end: <date>")
		}
		return nil, err
	}
	c := r.(*Campaign)
	setCampaign(c, cmd)
	if err := tx.save(c); err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_campaign", Data: tx.campaignData(c, "update", loc)}, nil
}

// setCampaign copies the parts of a CAMPAIGN command into c: the keys given
// replace, tasks are added.
func setCampaign(c *Campaign, cmd *parser.Command) {
	if v, ok := cmd.Fields["objective"]; ok {
		c.Objective = v
	}
	if v, ok := cmd.Fields["segment"]; ok {
		c.Segment = v
	}
	if len(cmd.Products) > 0 {
		c.Products = c.Products[:0:0]
		for _, p := range cmd.Products {
			if !slices.Contains(c.Products, p.Model) {
				c.Products = append(c.Products, p.Model)
			}
		}
	}
	if cmd.Amount != nil {
		c.Budget = Money(cmd.Amount.Cents)
	}
	if cmd.Cost != nil {
		c.Cost = Money(cmd.Cost.Cents)
	}
	if cmd.Start != nil {
		c.Start = *cmd.Start
	}
	if cmd.End != nil {
		c.End = *cmd.End
	}
	c.Tasks = append(c.Tasks, cmd.Tasks...)
}

func (tx *Tx) campaignData(c *Campaign, action string, loc *time.Location) OKCampaignData {
	d := OKCampaignData{ID: c.ID, Name: c.Name, Action: action, Budget: int64(c.Budget)}
	if !c.Start.IsZero() {
		d.Start = c.Start.In(loc)
	}
	if !c.End.IsZero() {
		d.End = c.End.In(loc)
	}
	return d
}

func (tx *Tx) undo(cmd *parser.Command) (*Outcome, error) {
	var cs *ChangeSet
	var err error
	if cmd.Target != nil && cmd.Target.ID != 0 {
		cs, err = tx.recentChangeTo(cmd.Target)
	} else {
		cs, err = tx.LastChangeSet()
	}
	if err != nil {
		return nil, err
	}
	if cs == nil || tx.now.Sub(cs.At) > UndoWindow {
		e := Errorf(ECONFLICT, "Nothing of yours to undo from the last %d minutes.", int(UndoWindow/time.Minute))
		if cmd.Target != nil && cmd.Target.ID != 0 {
			e = Errorf(ECONFLICT, "No change of yours to #%d to undo from the last %d minutes.", cmd.Target.ID, int(UndoWindow/time.Minute))
		}
		return nil, e.withHint("ask your manager to correct older records")
	}
	what := tx.describe(cs)
	if _, err := tx.Undo(cs.ID); err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_undo", Data: OKUndoData{What: what}}, nil
}

// recentChangeTo finds the actor's latest change set within the undo window
// that created or changed the record named by ref (#231: any kind; A17, O42,
// L5: that kind), not undone and not itself an undo.
func (tx *Tx) recentChangeTo(ref *parser.Ref) (*ChangeSet, error) {
	recent := tx.loadConv().recent()
	for i := len(recent) - 1; i >= 0; i-- {
		cs, err := tx.changeSet(recent[i])
		if err != nil {
			return nil, err
		}
		if tx.now.Sub(cs.At) > UndoWindow {
			return nil, nil
		}
		if cs.UndoOf != 0 || cs.UndoneBy != 0 {
			continue
		}
		for _, ch := range cs.Changes {
			if ch.ID == ref.ID && (ref.Kind == "" || refKindOf(ch.Kind) == ref.Kind || ref.Kind == "account" && ch.Kind == KindAccount) {
				return cs, nil
			}
		}
	}
	return nil, nil
}

// describe names what a change set created or changed: "visit #231 and task #232".
func (tx *Tx) describe(cs *ChangeSet) string {
	var parts []string
	for _, c := range cs.Changes {
		if c.Kind == KindRequest && len(cs.Changes) > 1 {
			continue
		}
		name := kindName(c.Kind)
		if c.Kind == KindActivity {
			var a Activity
			src := c.After
			if src == nil {
				src = c.Before
			}
			if json.Unmarshal(src, &a) == nil {
				name = a.Type
			}
		}
		parts = append(parts, fmt.Sprintf("%s #%d", name, c.ID))
		if len(parts) == 3 {
			break
		}
	}
	return strings.Join(parts, ", ")
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

// ---- notices from the rules' events ----

func (tx *Tx) noticesFor(loc *time.Location) []Notice {
	if tx.cs == nil {
		return nil
	}
	by := tx.meta.Actor.Name
	// a new lead given to someone is told once, as a new lead
	newLead := map[string]bool{}
	for _, e := range tx.cs.Events {
		if e.Type == EvLeadCreated {
			for _, to := range e.To {
				newLead[fmt.Sprintf("%d|%d", e.ID, to)] = true
			}
		}
	}
	var out []Notice
	for _, e := range tx.cs.Events {
		for _, to := range e.To {
			if to == 0 || to == tx.meta.Actor.ID && e.Type != EvEquipmentMissing {
				continue
			}
			if e.Type == EvAssigned && e.Kind == KindLead && newLead[fmt.Sprintf("%d|%d", e.ID, to)] {
				continue
			}
			n := Notice{To: to, SMS: true, Key: fmt.Sprintf("%s|%d|%s|%d|%d", e.Type, to, e.Kind, e.ID, tx.cs.ID), Item: Token(e.Kind, e.ID)}
			switch e.Type {
			case EvAssigned:
				n.Template = "notice_assigned"
				n.Email = true
				d := NoticeAssignedData{ID: e.ID, Kind: kindName(e.Kind), By: by}
				switch e.Kind {
				case KindActivity:
					if a, err := loadAs[Activity](tx, e.ID); err == nil {
						d.Kind, d.Subject, d.Account, d.Urgent = a.Type, tx.detail(a), tx.accountName(a.Account), a.Priority == PriorityUrgent
						d.Due, d.HasDue = a.Due, !a.Due.IsZero()
					}
				case KindLead:
					if l, err := loadAs[Lead](tx, e.ID); err == nil {
						d.Subject = l.label()
					}
				case KindOpp:
					if o, err := loadAs[Opportunity](tx, e.ID); err == nil {
						d.Subject, d.Account = o.Name, tx.accountName(o.Account)
					}
				case KindAccount:
					if a, err := loadAs[Account](tx, e.ID); err == nil {
						d.Subject, d.Account = a.Name, a.Name
					}
				default:
					continue
				}
				n.Data = d
			case EvActivityRejected:
				n.Template, n.Email = "notice_rejected", true
				d := NoticeRejectedData{ID: e.ID, By: by, Reason: e.Detail}
				if a, err := loadAs[Activity](tx, e.ID); err == nil {
					d.Subject = a.Subject
				}
				n.Data = d
			case EvLeadCreated:
				n.Template = "notice_lead"
				d := NoticeLeadData{ID: e.ID, By: by}
				if l, err := loadAs[Lead](tx, e.ID); err == nil {
					d.Company, d.Person, d.Phone = l.label(), l.Person, l.Phone
				}
				n.Data = d
			case EvAccountCreated:
				n.Template, n.SMS, n.Email = "notice_account", false, true
				n.Data = NoticeAccountData{ID: e.ID, Name: tx.accountName(e.ID), By: by}
			case EvApprovalRequested:
				n.Template, n.Email = "notice_approval", true
				n.Data = NoticeApprovalData{ID: e.ID, Subject: e.Detail, By: by}
			case EvRequestDecided:
				n.Template = "notice_decided"
				d := NoticeDecidedData{ID: e.ID, Approved: e.Detail == ReqApproved, By: by}
				if r, err := loadAs[Request](tx, e.ID); err == nil {
					d.Subject = r.Subject
				}
				n.Data = d
			case EvAccountPhone:
				n.Template, n.Email = "notice_phone_changed", true
				old, nw, _ := strings.Cut(e.Detail, " → ")
				n.Data = NoticePhoneChangedData{Account: tx.accountName(e.ID), Old: old, New: nw, By: by}
			case EvAccountInactive:
				n.Template, n.Email = "notice_inactive", true
				n.Data = NoticeInactiveData{Account: tx.accountName(e.ID), Reason: e.Detail, By: by}
			default:
				continue
			}
			out = append(out, n)
		}
	}
	return out
}

// dayReminder lists the open activities others assigned to the actor that
// are due today or were assigned since his last message.
func (tx *Tx) dayReminder(loc *time.Location) *DayReminderData {
	start := day(tx.now, loc)
	end := start.AddDate(0, 0, 1)
	d := &DayReminderData{}
	var items []Item
	tx.OpenOf(tx.meta.Actor.ID, func(a *Activity) bool {
		if a.Status != StatusOpen || a.AssignedBy == 0 || a.AssignedBy == a.Owner {
			return true
		}
		if (!a.Due.IsZero() && !a.Due.Before(start) && a.Due.Before(end)) || !a.AssignedAt.Before(start.AddDate(0, 0, -1)) {
			items = append(items, tx.item(a))
		}
		return true
	})
	if len(items) == 0 {
		return nil
	}
	slices.SortFunc(items, func(a, b Item) int { return a.Due.Compare(b.Due) })
	d.Count, d.First = len(items), items[:min(2, len(items))]
	return d
}

// detail is what an activity's subject says beyond its type and account
// ("visit ACME Mining Co.: bring brochure" → "bring brochure").
func (tx *Tx) detail(a *Activity) string {
	s := strings.TrimSpace(a.Subject)
	acct := tx.accountName(a.Account)
	s = strings.TrimPrefix(s, a.Type)
	s = strings.TrimSpace(s)
	if acct != "" {
		s = strings.TrimSpace(strings.Replace(s, acct, "", 1))
	}
	return strings.TrimSpace(strings.Trim(s, ":,;. "))
}

func (tx *Tx) item(a *Activity) Item {
	it := Item{ID: a.ID, Due: a.Due, Kind: a.Type, Subject: tx.detail(a), Account: tx.accountName(a.Account), Urgent: a.Priority == PriorityUrgent}
	if !a.Due.IsZero() {
		h, m, _ := a.Due.Clock()
		it.HasTime = !(h == 18 && m == 0) && !(h == 0 && m == 0)
	}
	return it
}

// ConvState tells whether a numbered question is pending for the actor (a
// new command drops it) and whether this is his first message of the day
// (the reply carries the day's reminder): a query may be answered without
// touching the conversation only when neither holds.
func (tx *Tx) ConvState(loc *time.Location) (choicePending, newDay bool) {
	cv := tx.loadConv()
	return cv.Choice != nil, cv.Day != tx.now.In(loc).Format("2006-01-02")
}

// MarkDaySeen records that the actor saw today's work (TODAY answered it),
// so his next message carries no reminder.
func (tx *Tx) MarkDaySeen(loc *time.Location) error {
	cv := tx.loadConv()
	cv.Day = tx.now.In(loc).Format("2006-01-02")
	return tx.saveConv(cv)
}
