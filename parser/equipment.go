package parser

import (
	"strings"
)

func (p *parser) equipment(body string, off int) *Error {
	c := p.cmd
	segs := p.segments(body, off)
	if p.pre != nil && len(segs) > 0 && segs[0].key != "" {
		segs = append([]seg{{}}, segs...) // "EQ 14 smu 5120": the id came first
	}
	if len(segs) == 0 || segs[0].key != "" {
		return p.errAt(off, body, "EQ needs the account first")
	}
	ts := segs[0].toks
	var rest []tok
	if p.pre != nil {
		c.Target = p.pre
		rest = ts
	} else if ref, ok := refOf(ts[0].s); ok {
		c.Target = &ref
		rest = ts[1:]
	} else {
		// account words, then the brand and model
		b := -1
		for k := 0; k < len(ts); k++ {
			if _, ok := brandOf(ts[k].l); ok && k > 0 {
				b = k
				break
			}
		}
		if b < 0 {
			for k := 1; k < len(ts); k++ {
				if isModel(ts[k].s) {
					b = k
					break
				}
			}
		}
		switch {
		case b > 0:
			c.Target = &Ref{Name: p.span(ts[:b])}
			rest = ts[b:]
		case len(ts) == 1 && isSerial(ts[0].s) && len(segs) > 1:
			c.Serial = upper(ts[0].s)
		default:
			c.Target = &Ref{Name: p.span(ts)}
		}
	}
	if len(rest) > 0 {
		rest = p.eqValues(rest) // 3310hrs, smu3310, 2018年买的, 编号CAT…
	}
	if len(rest) > 0 {
		if b, ok := brandOf(rest[0].l); ok {
			c.Brand = b
			rest = rest[1:]
		}
		if len(rest) > 0 && (isModel(rest[0].s) || c.Brand != "" && modelOK(rest[0].s)) {
			c.Model = upper(rest[0].s)
			rest = rest[1:]
			// "Volvo L120 2018年3月", "Komatsu PC200 2019-05": a past month
			// or year right after another brand's model is when it was bought
			if c.Bought == nil && c.Brand != "CAT" && len(rest) > 0 {
				if t, n := p.boughtAt(rest, 0); n > 0 && t.Before(p.now) && !allDigits(rest[0].s) { // "PC200 2019" may be hours: not read
					c.Bought = &t
					rest = rest[n:]
				}
			}
			// "PC200 2019": hours or the year bought? Ask rather than guess.
			if len(rest) > 0 && allDigits(rest[0].s) && c.SMU == nil {
				if y, _ := atoi(rest[0].s); y >= 1970 && y <= p.now.Year() {
					w := rest[0].s
					e := p.errAt(rest[0].off, w, w+" may be the service hours or the year it was bought")
					e.Hint = "EQ <account> " + c.Brand + " " + c.Model + " smu " + w + " | EQ <account> " + c.Brand + " " + c.Model + " bought " + w
					return e
				}
			}
		}
		p.addNote(p.words(p.eqValues(rest)))
	}
	for _, sg := range segs[1:] {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		if c.Brand == "" && c.Model == "" && c.Serial == "" {
			ts := sg.toks
			if b, ok := brandOf(ts[0].l); ok {
				c.Brand = b
				ts = ts[1:]
			}
			if len(ts) > 0 && modelOK(ts[0].s) {
				c.Model = upper(ts[0].s)
				ts = ts[1:]
			}
			if c.Brand != "" || c.Model != "" {
				p.addNote(p.span(ts))
				continue
			}
		}
		if c.Condition == "" {
			if cd, ok := conditions[sg.toks[0].l]; ok && len(sg.toks) == 1 {
				c.Condition = cd
				continue
			}
		}
		if r := p.eqValues(sg.toks); len(r) < len(sg.toks) {
			p.addNote(p.words(r)) // 3310小时, 2018年买的, 编号CAT0336EABC
			continue
		}
		p.addNote(sg.s)
	}
	c.Action = "update"
	if c.Brand != "" || c.Model != "" {
		c.Action = "add"
	}
	if c.Brand == "CAT" && c.Serial == "" {
		return p.errAt(off+len(body), "", "CAT equipment is known by its serial number: add sn <serial>")
	}
	if c.Action == "add" && c.Model == "" {
		return p.errAt(off+len(body), "", "Give the model: EQ <account> "+c.Brand+" <model> bought <date>")
	}
	if c.Action == "update" && c.SMU == nil && c.Location == "" && c.Condition == "" && c.Notes == "" && c.Bought == nil && c.Serial == "" {
		return p.errAt(off+len(body), "", "Give the brand and model, or smu, loc or cond to update")
	}
	return nil
}

func isSerial(w string) bool {
	if len(w) < 8 || len(w) > 20 {
		return false
	}
	letters, digits := 0, 0
	for i := 0; i < len(w); i++ {
		switch {
		case isDigit(w[i]):
			digits++
		case isLetter(w[i]):
			letters++
		default:
			return false
		}
	}
	return letters > 0 && digits >= 3
}

func (p *parser) resp(body string, off int) *Error {
	segs := p.segments(body, off)
	c := p.cmd
	if len(segs) == 0 || segs[0].key != "" {
		return p.errAt(off, body, "RESP needs the campaign first")
	}
	ts := segs[0].toks
	var rest []tok
	if ref, ok := refOf(ts[0].s); ok {
		c.Target = &ref
		rest = ts[1:]
	} else if len(segs) == 1 {
		c.Target, rest = &Ref{Name: ts[0].s}, ts[1:]
	} else {
		c.Target = &Ref{Name: segs[0].s}
	}
	if c.Target.Kind == "" {
		c.Target.Kind = "campaign"
	}
	pieces, err := p.pieces(rest, segs[1:])
	if err != nil {
		return err
	}
	for k, ts := range pieces {
		hasPhone := false
		for j := range ts {
			if _, n := phoneAt(ts, j); n > 0 {
				hasPhone = true
				break
			}
		}
		switch {
		case hasPhone:
			p.contactText(ts)
		case k == 0 && c.Contact == "":
			c.Contact = p.span(ts)
		default:
			p.products(ts, false)
			p.addNote(p.span(ts))
		}
	}
	if c.Contact == "" && len(c.Phones) == 0 {
		return p.errAt(off+len(body), "", "Who responded? Give a name or a phone")
	}
	return nil
}

// campLead are the words of "CAMPAIGN <name> lead <n>".
var campLead = map[string]bool{"lead": true, "tolead": true, "线索": true, "转线索": true}

// campaign reads CAMPAIGN: create (a name and an objective), update (a #id
// or a name, keys given), or lead <n> [<who>].
func (p *parser) campaign(body string, off int) *Error {
	c := p.cmd
	p.inline = inlineCampaign
	if ts := p.tokenize(body, off, p.tokBuf[:0]); len(ts) > 0 && strings.HasPrefix(ts[0].s, "#") || p.pre != nil {
		p.inline = inlineCampaignID
	}
	segs := p.segments(body, off)
	var ts []tok
	if len(segs) > 0 && segs[0].key == "" {
		ts = segs[0].toks
		segs = segs[1:]
	}
	switch {
	case p.pre != nil && p.pre.Kind == "":
		c.Target = &Ref{ID: p.pre.ID, Kind: "campaign"}
		c.Action = "update"
	case len(ts) > 0 && strings.HasPrefix(ts[0].s, "#"):
		ref, ok := refOf(ts[0].s)
		if !ok || ref.Kind != "" {
			return p.errAt(ts[0].off, ts[0].s, "Campaign \""+ts[0].s+"\" not understood: give its #id or its name")
		}
		c.Target = &Ref{ID: ref.ID, Kind: "campaign"}
		c.Action = "update"
		ts = ts[1:]
	default:
		if len(ts) == 0 {
			return p.errAt(off, strings.TrimSpace(body), "CAMPAIGN needs the campaign's name or #id first")
		}
		cut := len(ts)
		for k := 1; k < len(ts); k++ {
			if campLead[ts[k].l] {
				if _, ok := atoi(ts[min(k+1, len(ts)-1)].l); ok || k == len(ts)-1 {
					cut = k
					break
				}
			}
		}
		c.Target = &Ref{Name: p.span(ts[:cut]), Kind: "campaign"}
		ts = ts[cut:]
	}
	// lead <n> [<who>]
	if len(ts) > 0 && campLead[ts[0].l] {
		if len(ts) < 2 {
			return p.errAt(ts[0].off, ts[0].s, "Which response? Give its number: lead 3")
		}
		n, ok := atoi(ts[1].l)
		if !ok || n < 1 {
			return p.errAt(ts[1].off, ts[1].s, "Response number \""+ts[1].s+"\" not understood: lead 3")
		}
		c.Action, c.Response = "lead", n
		if who := ts[2:]; len(who) > 0 {
			c.Assignee = p.span(trimWords(who, "to", "for", "给"))
		}
		ts = nil
	}
	if len(ts) > 0 {
		return p.errAt(ts[0].off, p.span(ts), "\""+p.span(ts)+"\" not understood: write key: value parts (objective, segment, products, budget, cost, start, end, task)")
	}
	prev := "" // the key of the last keyed part, for ", 336" after "products: 320D"
	for _, sg := range segs {
		if sg.key == "" {
			if prev != "" && p.commaBefore(sg.off) {
				if err := p.campaignKey(seg{key: prev, s: sg.s, off: sg.off, toks: sg.toks}, true); err != nil {
					return err
				}
				continue
			}
			if c.Action == "lead" && c.Assignee == "" && len(sg.toks) <= 3 {
				c.Assignee = sg.s // "CAMPAIGN expo lead 3; wang"
				continue
			}
			return p.errAt(sg.off, sg.s, "\""+sg.s+"\" not understood: write key: value parts (objective, segment, products, budget, cost, start, end, task)")
		}
		if err := p.campaignKey(sg, false); err != nil {
			return err
		}
		prev = sg.key
	}
	if c.Action == "lead" {
		return nil
	}
	if c.Action == "" {
		c.Action = "update"
		if c.Fields["objective"] != "" {
			c.Action = "create"
		}
	}
	if c.Amount == nil && c.Cost == nil && c.Start == nil && c.End == nil && len(c.Tasks) == 0 && len(c.Products) == 0 && len(c.Fields) == 0 {
		return p.errAt(off+len(body), "", "Nothing to record for the campaign: give objective: to create it, or the keys to change")
	}
	return nil
}

// commaBefore says whether the part at off follows a comma.
func (p *parser) commaBefore(off int) bool {
	i := off - 1
	for i >= 0 && isSpace(p.norm[i]) {
		i--
	}
	return i >= 0 && p.norm[i] == ','
}

// campaignKey stores one keyed part of CAMPAIGN; more continues the value of
// the part before it (after a comma).
func (p *parser) campaignKey(sg seg, more bool) *Error {
	c := p.cmd
	v := strings.TrimSpace(sg.s)
	switch sg.key {
	case "objective", "segment":
		if v == "" {
			return p.errAt(sg.off, sg.key+":", "The value of "+sg.key+" is missing")
		}
		if more {
			c.Fields[sg.key] += ", " + v
		} else {
			p.setField(sg.key, v)
		}
	case "task":
		if v == "" {
			return p.errAt(sg.off, "task:", "The value of task is missing")
		}
		if more && len(c.Tasks) > 0 {
			c.Tasks[len(c.Tasks)-1] += ", " + v
		} else {
			c.Tasks = append(c.Tasks, v)
		}
	case "start", "end":
		if more {
			return p.errAt(sg.off, v, "\""+v+"\" not understood after the "+sg.key+" date")
		}
		if v == "" {
			return p.errAt(sg.off, sg.key+":", "The "+sg.key+" date is missing")
		}
		t, _, n := p.whenAt(sg.toks, 0, false)
		if n == 0 || n < len(sg.toks) {
			return p.errAt(sg.off, v, strings.ToUpper(sg.key[:1])+sg.key[1:]+" date \""+v+"\" not understood; write 1/12 or 2026-12-01")
		}
		if sg.key == "start" {
			c.Start = &t
		} else {
			c.End = &t
		}
	case "cost", "amount":
		if more {
			return p.errAt(sg.off, v, "\""+v+"\" not understood after the "+map[string]string{"cost": "cost", "amount": "budget"}[sg.key])
		}
		if v == "" {
			return p.errAt(sg.off, sg.key+":", "The amount is missing")
		}
		a, _, n := amountAt(sg.toks, 0)
		if n == 0 || n < len(sg.toks) {
			return p.errAt(sg.off, v, "Amount \""+v+"\" not understood; write 500k, 500,000 or 50万")
		}
		if sg.key == "cost" {
			c.Cost = &a
		} else {
			c.Amount = &a
		}
	case "product":
		// a list of target models: "320D, 336, 2x 950H"; a bare number is a model here
		for k := 0; k < len(sg.toks); {
			if pr, n := productAt(sg.toks, k, true); n > 0 {
				c.Products = append(c.Products, pr)
				k += n
				continue
			}
			if t := sg.toks[k]; modelOK(t.s) {
				c.Products = append(c.Products, Product{Model: upper(t.s), Qty: 1})
				k++
				continue
			}
			return p.errAt(sg.toks[k].off, sg.toks[k].s, "Product \""+sg.toks[k].s+"\" not understood; write products: 320D, 336")
		}
		if len(sg.toks) == 0 {
			return p.errAt(sg.off, "products:", "The products are missing; write products: 320D, 336")
		}
	default:
		if more {
			return p.errAt(sg.off, v, "\""+v+"\" not understood: write key: value parts (objective, segment, products, budget, cost, start, end, task)")
		}
		return p.applyKey(sg)
	}
	return nil
}

// allDigits says whether w is only digits ("2019": a year or hours).
func allDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if !isDigit(w[i]) {
			return false
		}
	}
	return w != ""
}
