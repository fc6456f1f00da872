package gateway

import (
	"context"
	"encoding/json"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/parser"
	"github.com/fieldcrm/fieldcrm/templates"
)

// Every change goes through crm's single writer, which commits whatever
// queued up as one transaction: its time is the service's throughput. So
// what needs no write is done before, in read transactions that run in
// parallel: queries are answered in full (only the claim of the message and
// the pages for MORE are written), and a write's account named by an
// unambiguous name is looked up first, so that the writer finds it by id.
//
// Those reads decide nothing for good, so running them again (the same
// message delivered twice, to one node or to two) is harmless: the claim of
// the message is checked again and written in the one transaction that
// stores the answer (storedClaim, finish), and a delivery that finds it
// there returns the stored answer, not its own. A name looked up first is
// still checked by the writer (the account may have gone meanwhile: "not
// found", as without the lookup).

// queryVerbs answer without changing records.
var queryVerbs = map[parser.Verb]bool{
	parser.VerbToday: true, parser.VerbOpps: true, parser.VerbAcct: true, parser.VerbFind: true,
	parser.VerbFunnel: true, parser.VerbTeam: true, parser.VerbLost: true, parser.VerbHelp: true,
}

// fastQuery answers a query from a read transaction and writes only its
// claim. ok is false when the query needs the writer after all (a numbered
// choice to remember, a refusal to word there).
func (p *Pipeline) fastQuery(ctx context.Context, in Inbound, user *crm.User, cmd *parser.Command, loc *time.Location,
	now time.Time, meta crm.Meta, opt Options) (res *Result, ok bool, err error) {
	if !queryVerbs[cmd.Verb] {
		return nil, false, nil
	}
	var out *crm.Outcome
	fast, markDay := false, false
	if err := p.cfg.Store.View(user, func(tx *crm.Tx) error {
		choice, newDay := tx.ConvState(loc)
		// TODAY shows the day's work, so it may also open the day
		fast = !choice && (!newDay || cmd.Verb == parser.VerbToday)
		markDay = newDay
		if !fast {
			return nil
		}
		var err error
		out, err = tx.Apply(cmd, loc)
		return err
	}); err != nil || !fast || out.Template == "choose" || len(out.Notices) > 0 {
		return nil, false, nil
	}
	locale := replyLocale(user, cmd)
	text, rest, err := p.render(locale, out)
	if err != nil {
		return nil, false, err
	}
	_, err = p.cfg.Store.Update(ctx, meta, func(tx *crm.Tx) error {
		res = &Result{User: user, Verb: string(cmd.Verb)}
		if c := storedClaim(tx, in); c != nil { // checked and written in this one transaction
			*res = c.result(user)
			return nil
		}
		if out.Paged {
			if err := p.savePages(tx, user, locale, rest); err != nil {
				return err
			}
		}
		if markDay {
			if err := tx.MarkDaySeen(loc); err != nil {
				return err
			}
		}
		t := text
		if me, _ := tx.Recipient(user.ID); me != nil && me.OptedOut && in.Channel == ChannelSMS {
			t = ""
		}
		return p.finish(tx, in, user, res, t, now, opt)
	})
	if err != nil {
		return nil, true, err
	}
	return res, true, nil
}

// accountTargets are the verbs whose target, when named, is an account.
func accountTarget(cmd *parser.Command) bool {
	if cmd.Target == nil || cmd.Target.ID != 0 || cmd.Target.Name == "" || cmd.Target.Kind != "" {
		return false
	}
	switch cmd.Verb {
	case parser.VerbVisit, parser.VerbCall, parser.VerbMeeting, parser.VerbPlan, parser.VerbNote, parser.VerbEquipment:
		return true
	case parser.VerbOpp, parser.VerbContact:
		return cmd.Action == "" || cmd.Action == "create"
	}
	return false
}

// preResolve replaces a write's account name by its id when the name
// points to one account the sender may see without doubt; anything else
// (no match, a close call) is left to the writer, which words it.
func (p *Pipeline) preResolve(user *crm.User, cmd *parser.Command) {
	if !accountTarget(cmd) {
		return
	}
	p.cfg.Store.View(user, func(tx *crm.Tx) error {
		c, err := tx.Lookup(crm.KindAccount, cmd.Target.Name, 5)
		if err == nil && len(c) > 0 && !crm.Ambiguous(c) {
			cmd.Target = &parser.Ref{ID: c[0].ID, Kind: "account"}
		}
		return nil
	})
}

func replyLocale(user *crm.User, cmd *parser.Command) string {
	if cmd != nil && cmd.Lang == "zh" {
		return "zh"
	}
	return user.Locale
}

// render words an outcome; a paged answer comes back as its first page and
// the rest.
func (p *Pipeline) render(locale string, out *crm.Outcome) (text string, rest []string, err error) {
	text, err = p.cfg.Templates.SMS(locale, out.Template, out.Data)
	if err != nil {
		return "", nil, err
	}
	if out.Paged {
		text, rest = templates.Page(text, p.cfg.MaxSegments, templates.More(locale))
	}
	return text, rest, nil
}

func (p *Pipeline) savePages(tx *crm.Tx, user *crm.User, locale string, rest []string) error {
	data, _ := json.Marshal(pages{Rest: rest, Locale: locale, At: tx.Now()})
	return tx.State(spPages).Put(u64key(user.ID), data)
}
