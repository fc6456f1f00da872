package crm

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
)

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
