package web

// An opportunity's page: its account, owner, stage, amount, close date,
// products, competitors, the people around it, the activities linked to it
// and its history — every change with who made it, when, through which
// channel and the message that made it. The stage is moved from the page by
// the same OPP command a salesman texts.

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
	"github.com/fieldcrm/fieldcrm/parser"
	"github.com/fieldcrm/fieldcrm/templates"
)

func init() {
	pageRegistry = append(pageRegistry, func(s *Server) {
		s.handle("GET /opp/{id}", s.opp)
		s.handle("POST /opp/{id}/stage", s.oppStage)
	})
}

// OppPerson is someone around the deal.
type OppPerson struct {
	Name      string
	Role      string // economic_buyer, user, technical_evaluator, coach
	ContactID int64  // 0 when not a contact the reader may see
	Title     string
	Phone     string
}

// OppActivity is an activity linked to the opportunity.
type OppActivity struct {
	ID      int64
	Kind    string
	Subject string
	Status  string
	When    time.Time // due (open) or done
	HasTime bool
	Outcome string
	Owner   string
}

// OppChange is one entry of the opportunity's history: one message's change.
type OppChange struct {
	At       time.Time
	Who      string
	Channel  string
	Message  string // the message (SMS, e-mail line, web command) that made it
	Created  bool   // the opportunity was created
	Moved    bool   // the stage changed: From → To
	From, To crm.Stage
	Reason   string   // the reason given with the move
	Details  []string // what else changed: "amount", "close", …
	Undone   bool     // a later UNDO took it back
	CanUndo  bool     // the reader's own latest change, still in the undo window: UNDO O<id> takes it back
	IsUndo   bool     // this change is an UNDO
}

// OppPage is an opportunity's page.
type OppPage struct {
	Opp       *crm.Opportunity
	What      string
	AccountID int64
	Account   string
	Owner     string
	Weighted  crm.Money
	Close     time.Time // in the reader's zone
	Delivery  time.Time
	Year      int
	People    []OppPerson
	Acts      []OppActivity
	History   []OppChange
	CanMove   bool
	MoveTo    []crm.Stage // the open stages it may be moved to
	Suggest   crm.Stage   // the one chosen first: the next stage
}

func (s *Server) opp(w http.ResponseWriter, r *http.Request, sess *Session) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	d, err := s.oppPage(sess.User, id)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		// missing or not his to see: the same answer
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "opp", "pipeline", d)
}

// oppPage reads opportunity id as u; ENOTFOUND when it is missing or u may
// not see it.
func (s *Server) oppPage(u *crm.User, id int64) (*OppPage, error) {
	now := s.cfg.Now()
	loc := u.Location(s.cfg.Store.Location())
	d := &OppPage{Year: now.In(loc).Year()}
	err := s.cfg.Store.View(u, func(tx *crm.Tx) error {
		o, err := tx.Opp(id)
		if err != nil {
			return err
		}
		d.Opp = o
		d.Weighted = report.Weighted(o)
		if !o.Close.IsZero() {
			d.Close = o.Close.In(loc)
		}
		if !o.Delivery.IsZero() {
			d.Delivery = o.Delivery.In(loc)
		}
		name := func(uid int64) string {
			if uid == 0 {
				return ""
			}
			if x, err := tx.Recipient(uid); err == nil {
				return x.Name
			}
			return "#" + strconv.FormatInt(uid, 10)
		}
		d.Owner = name(o.Owner)
		if a, err := tx.Account(o.Account); err == nil {
			d.AccountID, d.Account = a.ID, a.Name
		}
		d.What = oppWhat(o.Name, d.Account, o.Products)
		for _, p := range o.People {
			row := OppPerson{Name: p.Name, Role: p.Role}
			if c, err := tx.Contact(p.Contact); p.Contact != 0 && err == nil && !c.Removed {
				row.ContactID, row.Name, row.Title = c.ID, c.Name, c.Title
				if ph := firstOf(c.Mobile, c.Landline); ph != "" {
					row.Phone = crm.PhoneDisplay(ph)
				}
			}
			d.People = append(d.People, row)
		}
		if o.Account != 0 {
			if _, err := tx.Account(o.Account); err == nil {
				acts, err := tx.LinkedTo(o.Account, crm.KindActivity)
				if err != nil {
					return err
				}
				for _, rec := range acts {
					a := rec.(*crm.Activity)
					if a.Opp != o.ID {
						continue
					}
					it := tx.ItemOf(a)
					row := OppActivity{ID: a.ID, Kind: a.Type, Subject: a.Subject, Status: a.Status, Outcome: a.Outcome,
						Owner: name(a.Owner), HasTime: it.HasTime}
					if a.Finished() {
						row.When, row.HasTime = a.DoneAt, true
					} else {
						row.When = a.Due
					}
					if !row.When.IsZero() {
						row.When = row.When.In(loc)
					}
					d.Acts = append(d.Acts, row)
				}
			}
		}
		// open ones first, soonest due; then what was done, latest first
		slices.SortStableFunc(d.Acts, func(a, b OppActivity) int {
			ao, bo := a.Status == crm.StatusOpen, b.Status == crm.StatusOpen
			switch {
			case ao != bo:
				if ao {
					return -1
				}
				return 1
			case ao:
				return a.When.Compare(b.When)
			}
			return b.When.Compare(a.When)
		})
		hist, err := tx.History(crm.KindOpp, id)
		if err != nil {
			return err
		}
		for i, cs := range hist {
			ch, ok := oppChange(cs, id)
			if !ok {
				continue
			}
			ch.CanUndo = i == len(hist)-1 && cs.User == u.ID && u.ID != 0 && !ch.Undone && !ch.IsUndo && now.Sub(cs.At) <= crm.UndoWindow
			ch.At = cs.At.In(loc)
			ch.Who = name(cs.User)
			if cs.User == 0 {
				ch.Who = ""
			}
			d.History = append(d.History, ch)
		}
		slices.Reverse(d.History) // latest first
		d.CanMove = tx.OppWritable(o)
		if !o.Stage.Closed() {
			d.Suggest = min(o.Stage+1, crm.StageProposal)
			for st := crm.StageIdentification; st <= crm.StageProposal; st++ {
				if st != o.Stage {
					d.MoveTo = append(d.MoveTo, st)
				}
			}
		} else {
			for st := crm.StageIdentification; st <= crm.StageProposal; st++ {
				d.MoveTo = append(d.MoveTo, st)
			}
		}
		return nil
	})
	return d, err
}

// oppChange reads what change set cs did to opportunity id.
func oppChange(cs *crm.ChangeSet, id int64) (OppChange, bool) {
	ch := OppChange{Channel: cs.Channel, Message: cs.Summary, Undone: cs.UndoneBy != 0, IsUndo: cs.UndoOf != 0}
	for _, c := range cs.Changes {
		if c.Kind != crm.KindOpp || c.ID != id {
			continue
		}
		var before, after *crm.Opportunity
		if c.Before != nil {
			before = &crm.Opportunity{}
			if json.Unmarshal(c.Before, before) != nil {
				before = nil
			}
		}
		if c.After != nil {
			after = &crm.Opportunity{}
			if json.Unmarshal(c.After, after) != nil {
				after = nil
			}
		}
		switch {
		case before == nil && after != nil:
			ch.Created, ch.To = true, after.Stage
		case before != nil && after == nil:
			ch.Details = append(ch.Details, "deleted")
		case before != nil && after != nil:
			if before.Stage != after.Stage {
				ch.Moved, ch.From, ch.To = true, before.Stage, after.Stage
				if n := len(after.StageHistory); n > len(before.StageHistory) {
					ch.Reason = after.StageHistory[n-1].Reason
				}
				if after.Stage == crm.StageLost && after.LostTo != "" {
					ch.Reason = strings.Trim(after.LostTo+"; "+ch.Reason, "; ")
				}
			}
			if before.Amount != after.Amount {
				ch.Details = append(ch.Details, "amount")
			}
			if !before.Close.Equal(after.Close) {
				ch.Details = append(ch.Details, "close")
			}
			if before.Owner != after.Owner {
				ch.Details = append(ch.Details, "owner")
			}
			if !slices.Equal(before.Products, after.Products) {
				ch.Details = append(ch.Details, "products")
			}
			if !slices.Equal(before.Competitors, after.Competitors) && !ch.Moved {
				ch.Details = append(ch.Details, "competitors")
			}
			if !slices.Equal(before.People, after.People) {
				ch.Details = append(ch.Details, "people")
			}
		}
		return ch, true
	}
	return ch, false
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// oppStage moves an opportunity from its page: the OPP command a salesman
// would text (docs/commands.md), carried out by the pipeline on channel web.
func (s *Server) oppStage(w http.ResponseWriter, r *http.Request, sess *Session) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	// one he may not see is answered as a missing one, and nothing is run
	seen := false
	s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		_, err := tx.Opp(id)
		seen = err == nil
		return nil
	})
	if !seen {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	back := "/opp/" + strconv.FormatInt(id, 10)
	cmd, errKey := oppCommand(id, r.PostFormValue("do"), r.PostFormValue("to"), r.PostFormValue("reason"),
		r.PostFormValue("competitor"), r.PostFormValue("amount"), s.cfg.Now())
	if errKey != "" {
		loc := localeOf(r, sess)
		msg := templates.WebText(loc, errKey)
		if errKey == "opp.bad_amount" {
			msg = strings.ReplaceAll(msg, "%s", oneLine(r.PostFormValue("amount")))
		}
		setFlash(w, msg, "error", s.cfg.Secure)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.doAndBack(w, r, sess, cmd, back)
}

// oppCommand builds the OPP command of a move: stage, won, lost, nodeal or
// reopen. errKey names the phrase that says what is wrong with the form.
func oppCommand(id int64, do, to, reason, competitor, amount string, now time.Time) (cmd, errKey string) {
	head := "OPP #" + strconv.FormatInt(id, 10) + " "
	reason = oneLine(reason)
	withReason := func(s string) string {
		if reason != "" {
			return s + "; " + reason
		}
		return s
	}
	stageTo := func(optional bool) (crm.Stage, bool) {
		if to == "" && optional {
			return 0, true
		}
		n, err := strconv.Atoi(to)
		if err != nil || n < int(crm.StageIdentification) || n > int(crm.StageProposal) {
			return 0, false
		}
		return crm.Stage(n), true
	}
	switch do {
	case "stage":
		st, ok := stageTo(false)
		if !ok {
			return "", "opp.bad_stage"
		}
		return withReason(head + "stage " + st.String()), ""
	case "won":
		amount = oneLine(amount)
		if amount == "" {
			return head + "won", ""
		}
		// the amount must read as one: "won abc" would be taken as a note
		if c, err := parser.Parse(head+"won "+amount, parser.Context{Now: now}); err != nil || c.Amount == nil || c.Notes != "" {
			return "", "opp.bad_amount"
		}
		return head + "won " + amount, ""
	case "lost":
		// the competitor is one part: a separator in it would start the reason
		comp := oneLine(strings.NewReplacer(";", " ", "；", " ", "/", " ").Replace(competitor))
		return head + "lost " + comp + "; " + reason, ""
	case "nodeal":
		return head + "nodeal " + reason, ""
	case "reopen":
		st, ok := stageTo(true)
		if !ok {
			return "", "opp.bad_stage"
		}
		c := head + "reopen"
		if st != 0 {
			c += " " + st.String()
		}
		return withReason(c), ""
	}
	return "", "opp.bad_stage"
}
