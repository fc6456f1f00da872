package parser

import (
	"strings"
)

func (p *parser) undo(body string, off int) *Error {
	segs := p.segments(body, off)
	first, ok := p.idTarget(segs)
	if !ok && len(first) > 0 {
		p.addNote(p.span(first))
	} else if len(first) > 0 {
		p.addNote(p.span(first))
	}
	return nil
}

func (p *parser) help(body string, off int) *Error {
	t := strings.TrimSpace(body)
	t = strings.Trim(t, "?.!: ")
	if t == "" {
		return nil
	}
	if f, ok := lookupVerb(t); ok {
		p.cmd.Topic = string(f.spec.Verb)
		return nil
	}
	if f, ok := p.verbAt(t, t, 0, len(t)); ok && f.end == len(t) {
		p.cmd.Topic = string(f.spec.Verb)
		return nil
	}
	p.cmd.Topic = lower(t)
	return nil
}

func (p *parser) today_(body string, off int) *Error {
	segs := p.segments(body, off)
	var who []tok
	for _, sg := range segs {
		ts := sg.toks
		for k := 0; k < len(ts); {
			if p.cmd.Due == nil {
				if t, ht, n := p.whenAt(ts, k, false); n > 0 {
					p.cmd.Due, p.cmd.HasTime = &t, ht
					k += n
					continue
				}
			}
			if ts[k].l == "安排" || ts[k].l == "的" || ts[k].l == "for" {
				k++
				continue
			}
			who = append(who, ts[k])
			k++
		}
	}
	if len(who) > 0 {
		p.cmd.Assignee = p.span(who)
	}
	return nil
}

func (p *parser) opps(body string, off int) *Error {
	segs := p.segments(body, off)
	for _, sg := range segs {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		if st, ok := stageOf(sg.toks); ok && len(sg.toks) <= 2 {
			p.cmd.Stage = st
			continue
		}
		if pr, ok := periods[lower(sg.s)]; ok {
			p.cmd.Period = pr
			continue
		}
		if p.cmd.Query == "" {
			p.cmd.Query = sg.s
		} else {
			p.cmd.Query += "; " + sg.s
		}
	}
	return nil
}

func (p *parser) acct(body string, off int) *Error {
	t := strings.TrimSpace(body)
	if t == "" {
		return p.errAt(off, "", "Which account? Give its name or #id")
	}
	ts := p.tokenize(t, off+strings.Index(body, t), p.tokBuf[:0])
	if len(ts) == 1 {
		if ref, ok := refOf(ts[0].s); ok {
			p.cmd.Target = &ref
			return nil
		}
	}
	p.cmd.Target = &Ref{Name: strings.TrimRight(t, "?.!")}
	return nil
}

func (p *parser) find(body string, off int) *Error {
	t := strings.Trim(strings.TrimSpace(body), "?.!")
	if t == "" {
		return p.errAt(off, "", "Find what? Give part of a name or of a phone number")
	}
	p.cmd.Query = t
	return nil
}

// report handles FUNNEL, TEAM and LOST: a period and a person.
func (p *parser) report(body string, off int) *Error {
	ts := p.tokenize(body, off, p.tokBuf[:0])
	var who []tok
	for k := 0; k < len(ts); k++ {
		if k+1 < len(ts) {
			if pr, ok := periods[ts[k].l+" "+ts[k+1].l]; ok {
				p.cmd.Period = pr
				k++
				continue
			}
		}
		if pr, ok := periods[ts[k].l]; ok {
			p.cmd.Period = pr
			continue
		}
		if ts[k].l == "for" || ts[k].l == "of" {
			continue
		}
		who = append(who, ts[k])
	}
	if len(who) > 0 {
		p.cmd.Assignee = p.span(who)
	}
	return nil
}
