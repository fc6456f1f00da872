package crm

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
)

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
		acct, ct, opp, err := tx.ConvertLead(l.ID, cv)
		if err != nil {
			return nil, err
		}
		return &Outcome{Template: "ok_lead", Data: OKLeadData{ID: l.ID, Company: acct.Name, Person: l.Person, Action: "convert", Account: acct.ID, Contact: ct.ID, Opp: opp.ID}}, nil
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
		case (p.Kind == PhoneLandline || p.Kind == PhoneHotline) && landline == "":
			landline = p.Number
		case p.Kind != PhoneLandline && p.Kind != PhoneHotline && mobile == "":
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
	d := OKAccountData{ID: acct.ID, Name: acct.Name, Action: cmd.Action, Address: cmd.Fields["address"], City: cmd.Fields["city"],
		Industry: cmd.Fields["industry"], Alias: cmd.Fields["alias"], Reason: acct.InactiveReason,
		Noted: cmd.Notes != "" && cmd.Notes != cmd.KeptAsNote} // what was kept as a note is said by the reply's own line
	if len(cmd.Phones) > 0 {
		for _, p := range acct.Phones {
			d.Phones = append(d.Phones, PhoneDisplay(p))
		}
	}
	return &Outcome{Template: "ok_account", Data: d}, nil
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
	passed := len(o.StageHistory)
	switch cmd.Action {
	case "reopen":
		var st Stage
		if cmd.Stage != "" {
			var ok bool
			if st, ok = ParseStage(string(cmd.Stage)); !ok {
				return nil, Errorf(EINVALID, "Which stage?").withHint("OPP #" + itoa(o.ID) + " reopen development; <reason>")
			}
		}
		o, err = tx.ReopenOpp(o.ID, st, reason)
	case "stage", "won", "lost", "nodeal":
		st, ok := ParseStage(string(cmd.Stage))
		if !ok {
			st, ok = ParseStage(cmd.Action)
		}
		if !ok {
			return nil, Errorf(EINVALID, "Which stage?").withHint("OPP #" + itoa(o.ID) + " stage qualification|development|proposal")
		}
		mv := StageMove{To: st, Reason: reason, Competitor: cmd.Competitor}
		if cmd.CompetitorTyped != "" {
			mv.Competitor = cmd.CompetitorTyped // 三一 as typed; reports group it with Sany
		}
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
	d := tx.oppData(o, cmd.Action)
	if n := len(o.StageHistory); n > passed+1 {
		// a jump: the stages passed on the way, for the reply to name
		for _, c := range o.StageHistory[passed : n-1] {
			d.Via = append(d.Via, c.To.String())
		}
	}
	return &Outcome{Template: "ok_opp", Data: d}, nil
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
		found, err := tx.FindEquipment(a.ID, cmd.Brand, cmd.Model, cmd.Serial, bought)
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
	if cmd.Notes != "" { // an update adds to the note, never wipes it
		e.Note = strings.Trim(e.Note+"; "+cmd.Notes, "; ")
	}
	if err := tx.SaveEquipment(e); err != nil {
		return nil, err
	}
	return &Outcome{Template: "ok_equipment", Data: OKEquipmentData{ID: e.ID, Brand: e.Brand, Model: e.Model, Serial: e.Serial,
		Account: tx.accountName(e.Account), SMU: e.SMU, New: isNew}}, nil
}
