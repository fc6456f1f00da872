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
	if len(who) > 0 && personWords(who) {
		p.cmd.Assignee = p.span(who)
	}
	return nil
}

// notPerson are words of a question that never name a person ("today pls",
// "今天要干嘛"): the rest of a query is a person's name only when it looks
// like one.
var notPerson = map[string]bool{"me": true, "my": true, "i": true, "pls": true, "please": true, "plz": true, "what": true, "whats": true,
	"what's": true, "anything": true, "is": true, "on": true, "list": true, "schedule": true, "agenda": true, "tasks": true, "todo": true,
	"today": true, "thanks": true, "thx": true, "ok": true, "again": true, "now": true, "all": true, "do": true, "have": true, "got": true}

// personWords says ts may name a user: one or two words, none of them a
// question word; in Chinese a name without question characters.
func personWords(ts []tok) bool {
	if len(ts) > 2 {
		return false
	}
	for _, t := range ts {
		if notPerson[t.l] {
			return false
		}
		if t.s[0] >= 0x80 {
			for _, r := range t.s {
				if !isHan(r) || strings.ContainsRune("要干嘛啥什么有事任务的安排呢吗吧我你做忙看下", r) {
					return false
				}
			}
			if n := len([]rune(t.s)); n < 2 || n > 4 {
				return false
			}
			continue
		}
		for i := 0; i < len(t.s); i++ {
			if !isLetter(t.s[i]) && t.s[i] != '.' {
				return false
			}
		}
	}
	return true
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
		polite := true // "opps pls", "my opps?": no filter
		for _, t := range sg.toks {
			polite = polite && (notPerson[t.l] || t.l == "opps" || t.l == "deals")
		}
		if polite {
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
	// "ACCT benxi phone 024-…; addr: …": a change in segments, never a new
	// account
	if strings.ContainsAny(t, ";；\n") {
		if segs := p.segments(body, off); len(segs) > 1 && segs[0].key == "" && len(segs[0].toks) > 0 {
			ts0 := segs[0].toks
			k := len(ts0)
			for j := 1; j < len(ts0); j++ {
				if _, n := phoneAt(ts0, j); n > 0 {
					k = j
					break
				}
			}
			if err := p.accountUpdate(ts0, k); err != nil {
				return err
			}
			pieces, err := p.pieces(nil, segs[1:])
			if err != nil {
				return err
			}
			for _, ts := range pieces {
				if !p.phones(ts) {
					p.addNote(p.span(ts))
				}
			}
			return nil
		}
	}
	// "ACCT benxi phone 024-…": change its phone, never create an account
	for k := 1; k < len(ts); k++ {
		if _, n := phoneAt(ts, k); n > 0 {
			return p.accountUpdate(ts, k)
		}
	}
	p.cmd.Target = &Ref{Name: strings.TrimRight(t, "?.!")}
	return nil
}

// phoneWords introduce an account's number.
var phoneWords = map[string]bool{"phone": true, "tel": true, "ph": true, "landline": true, "number": true, "no": true, "电话": true, "座机": true, "号码": true, "phone:": true, "tel:": true}

// accountUpdate reads "<name or #id> [phone] <number> ...": an update of the
// account's phone.
func (p *parser) accountUpdate(ts []tok, k int) *Error {
	c := p.cmd
	c.Verb, c.Action = VerbAccount, "update"
	p.spec = specByVerb[VerbAccount]
	name := ts[:k]
	for len(name) > 1 && phoneWords[name[len(name)-1].l] {
		name = name[:len(name)-1]
	}
	if ref, ok := refOf(name[0].s); ok && len(name) == 1 {
		c.Target = &ref
	} else {
		c.Target = &Ref{Name: p.span(name)}
	}
	var rest []tok
	for k < len(ts) {
		if ph, n := phoneAt(ts, k); n > 0 {
			p.addPhone(ph)
			k += n
			continue
		}
		rest = append(rest, ts[k])
		k++
	}
	if len(rest) > 0 {
		p.addNote(p.span(rest))
		c.KeptAsNote = p.span(rest)
	}
	return nil
}

func (p *parser) find(body string, off int) *Error {
	t := strings.Trim(strings.TrimSpace(body), "?.!")
	if t == "" {
		return p.errAt(off, "", "Find what? Give part of a name or of a phone number")
	}
	// "查一下华鑫的电话": the account's details
	for _, q := range []string{"的电话", "的座机", "的地址", "电话", "地址", " phone", " address"} {
		if strings.HasSuffix(t, q) && len(t) > len(q) {
			p.cmd.Verb, p.spec = VerbAcct, specByVerb[VerbAcct]
			p.cmd.Target = &Ref{Name: strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(t, q), "的"))}
			return nil
		}
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
	if len(who) > 0 && personWords(who) {
		p.cmd.Assignee = p.span(who)
	}
	return nil
}
