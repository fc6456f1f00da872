package parser

import (
	"strings"
)

// handlers

// logPiece handles one free piece of a logged activity: a "met" phrase, a
// dated follow-up, a name, phones, or notes. second says the piece directly
// follows the account.
func (p *parser) logPiece(ts []tok, second bool) {
	if len(ts) == 0 {
		return
	}
	c := p.cmd
	wasContact := p.lastContact
	p.lastContact = false
	if n := p.personsAt(ts, 0); n > 0 && c.Contact == "" {
		for m := n; m < len(ts); m++ {
			if markerAt(ts, m) != 0 && ts[m].l != "with" { // 李总不在 见了王工: the one met is the contact
				p.addNote(p.span(ts[:m]))
				p.logPiece(ts[m:], false)
				return
			}
		}
		if k := p.absentAt(ts, n); k > 0 { // "mr li not in", 李总下周出差: not the one talked to
			// 王工不在 下周二再去: a step of the salesman's own after it is his next step
			for j := k + 1; j < len(ts)-1; j++ {
				if t, _, m := p.whenAt(ts, j, false); m > 0 && j+m < len(ts) && !t.Before(p.today()) && hasStep(ts[j+m:]) && !spoken(ts[j:]) {
					p.addNote(p.span(ts[:j]))
					p.logPiece(ts[j:], false)
					return
				}
			}
			p.addNote(p.span(ts))
			return
		}
		if n+1 < len(ts) && len(ts)-n-1 <= 2 && (ts[n].l == "and" || ts[n].l == "&") && nameLike(ts[n+1:]) {
			n = len(ts) // "Mr Sun and Zhang"
		}
		c.Contact = p.span(ts[:n]) // "gao peng wants a quote", "李总 要报价"
		p.lastContact = n == len(ts)
		if n < len(ts) && subjectOf(ts, n) {
			// 李总说下个月定, 李总要336的报价, "Mr Sun said yes": the one
			// talked to is the contact, and the note keeps what he said with him
			p.subjFrom, p.subjTo = ts[0].off, ts[n].off
		}
		p.logPiece(ts[n:], false)
		p.subjFrom = -1
		return
	}
	if wasContact && nameLike(ts) && len(ts) <= 3 {
		c.Contact += ", " + p.span(ts)
		p.lastContact = true
		return
	}
	if n := markerAt(ts, 0); n != 0 {
		if n < 0 {
			c.Contact = ts[0].s[len("见"):]
			p.logPiece(ts[1:], false)
			return
		}
		rest := ts[n:]
		k := p.nameAfterMarker(rest)
		if k == 0 && len(rest) > 0 {
			p.addNote(p.noteSpan(ts)) // "w/ their chief mechanic"
			return
		}
		if k > 0 && c.Contact == "" {
			c.Contact = p.span(rest[:k])
		} else if k > 0 {
			c.Contact += ", " + p.span(rest[:k])
		}
		if k > 0 && k < len(rest) && subjectOf(rest, k) {
			p.subjFrom, p.subjTo = rest[0].off, rest[k].off // 见了李总说下个月定
		}
		p.logPiece(rest[k:], false)
		p.subjFrom = -1
		p.lastContact = k == len(rest)
		return
	}
	// "Mr Sun", "Sun Li", "Mr Sun and Zhang": people, not Sunday
	if (second || wasContact) && personList(ts) {
		if c.Contact == "" {
			c.Contact = p.span(ts)
		} else {
			c.Contact += ", " + p.span(ts)
		}
		p.lastContact = true
		return
	}
	// a part that is a date, or a short phrase with a date: follow-up or when
	if t, ht, a, b, ok := p.whenSpan(ts, false); ok && (a == 0 || len(ts) <= 4) && (a == 0 && b == len(ts) || ownStep(ts, a, b) || t.Before(p.today())) {
		var what []tok
		if a == 0 {
			what = ts[b:]
		} else {
			what = ts[:a]
		}
		if t.Before(p.today()) {
			if c.At == nil {
				c.At = &t
				p.addNote(p.noteSpan(what))
				return
			}
		} else if c.Next == nil && (len(what) > 0 || b-a == len(ts)) {
			c.Next = &FollowUp{What: p.span(what), Due: &t, HasTime: ht}
			return
		}
	}
	// Chinese runs on without separators: "要两台320D 下周五报价"
	if c.Next == nil && len(ts) > 2 {
		for k := 1; k < len(ts)-1; k++ {
			if ts[k].s[0] < 0x80 {
				continue
			}
			if t, ht, n := p.whenAt(ts, k, false); n > 0 && k+n < len(ts) && !t.Before(p.today()) && !spoken(ts) && hasStep(ts[k+n:]) {
				p.logPiece(ts[:k], second)
				c.Next = &FollowUp{What: p.span(ts[k+n:]), Due: &t, HasTime: ht}
				return
			}
		}
	}
	if second && c.Contact == "" && (nameLike(ts) || len(ts) == 1 && zhPersonLike(ts[0].s)) {
		c.Contact = p.span(ts)
		p.lastContact = true
		return
	}
	// phones with a name: "Li Wei 13901234567"
	hasPhone := false
	for k := range ts {
		if _, n := phoneAt(ts, k); n > 0 {
			hasPhone = true
			break
		}
	}
	if hasPhone {
		// the name is the words just before the number, the rest a note
		for k := range ts {
			if _, n := phoneAt(ts, k); n > 0 {
				a := max(0, k-3)
				for a < k && !nameLike(ts[a:k]) && k-a > 2 {
					a++
				}
				if a > 0 {
					p.addNote(p.span(ts[:a]))
				}
				p.contactText(ts[a : k+n])
				p.addNote(p.span(ts[k+n:]))
				return
			}
		}
	}
	p.products(ts, false)
	p.addNote(p.noteSpan(ts))
}

// subjectOf says the person ending at ts[n] is the subject of the words
// after him: he said them (李总说…, 老陈 说…, "Mr Sun said …"), or they are
// glued to his name as one sentence (李总要336的报价) and are no date.
func subjectOf(ts []tok, n int) bool {
	return subjectTok(ts[n], ts[n-1].end() == ts[n].off)
}

// subjectTok says the word t, right after a person (glued to his name or
// not), begins what he said or wants.
func subjectTok(t tok, glued bool) bool {
	switch t.l {
	case "said", "says", "say", "told", "tells":
		return true
	}
	if strings.HasPrefix(t.s, "说") {
		return true
	}
	if t.s[0] < 0x80 || !glued {
		return false
	}
	_, k := zhDate(t.s)
	return k == 0
}

// noteSpan is span, but with the person whose words ts begin (subjFrom,
// subjTo: see subjectOf) in front: "李总说下个月定", never "说下个月定".
func (p *parser) noteSpan(ts []tok) string {
	if len(ts) > 0 && p.subjFrom >= 0 && ts[0].off == p.subjTo {
		a := p.subjFrom
		p.subjFrom = -1
		return p.norm[a:ts[len(ts)-1].end()]
	}
	return p.span(ts)
}

// personList says ts names people and nothing else: "Mr Sun", "mr sun",
// "Sun Li", "Mr Sun and Zhang", "Zhang & Li". A Capitalised pair counts only
// when one word is a surname that is also a weekday (Sun).
func personList(ts []tok) bool {
	if len(ts) == 0 || len(ts) > 7 {
		return false
	}
	start, people, sun := 0, 0, false
	for k := 0; k <= len(ts); k++ {
		if k < len(ts) && ts[k].l != "and" && ts[k].l != "&" {
			continue
		}
		one := ts[start:k]
		switch {
		case len(one) == 2 && honorifics[one[0].l] && isLetter(one[1].s[0]):
			sun = true
		case len(one) >= 1 && len(one) <= 2 && nameLike(one):
			for _, t := range one {
				if t.l == "sun" {
					sun = true
				}
			}
		default:
			return false
		}
		people++
		start = k + 1
	}
	return people > 0 && sun
}

// stepWords open or make a follow-up the salesman himself will do.
var stepWords = map[string]bool{"call": true, "ring": true, "phone": true, "quote": true, "send": true, "visit": true, "demo": true, "meet": true,
	"follow": true, "followup": true, "follow-up": true, "check": true, "bring": true, "deliver": true, "email": true, "mail": true, "sms": true,
	"text": true, "revisit": true, "see": true, "go": true, "chase": true, "remind": true, "submit": true, "prepare": true, "trial": true,
	"test": true, "price": true, "offer": true, "proposal": true, "present": true, "show": true, "contact": true, "fax": true, "ask": true,
	"pick": true, "collect": true, "return": true, "drop": true, "meeting": true, "site": true, "train": true, "inspect": true, "confirm": true}

// zhSteps are Chinese words in a follow-up the salesman will do.
var zhSteps = []string{"报价", "回访", "拜访", "电话", "跟进", "联系", "演示", "试机", "去", "打", "发", "送", "寄", "约", "催", "准备", "提交", "见", "谈", "带", "看", "问", "确认", "签", "交", "演", "拿", "取", "回电", "再来"}

// speech marks what someone else said or will do: "guard says", "客户说".
var speech = map[string]bool{"says": true, "said": true, "say": true, "told": true, "tells": true, "they": true, "he": true, "she": true,
	"customer": true, "boss": true, "client": true, "guard": true, "wants": true, "want": true, "will": true}

// ownStep says the words around a date (ts[a:b]) name something the
// salesman will do ("quote fri", "下周二报价"), not an outcome ("guard says
// reopening 20/12", "客户说下个月再说", "下单").
func ownStep(ts []tok, a, b int) bool {
	return !spoken(ts) && (hasStep(ts[:a]) || hasStep(ts[b:]))
}

// spoken says the words report what someone else said or does.
func spoken(ts []tok) bool {
	for _, t := range ts {
		if speech[t.l] || t.s[0] >= 0x80 && (strings.Contains(t.s, "说") || strings.HasPrefix(t.s, "他") || strings.HasPrefix(t.s, "她") || strings.HasPrefix(t.s, "客户") || strings.HasPrefix(t.s, "老板")) {
			return true
		}
	}
	return false
}

// hasStep says the words name an action of the salesman.
func hasStep(ts []tok) bool {
	for _, t := range ts {
		if stepWords[t.l] {
			return true
		}
		if t.s[0] >= 0x80 {
			for _, w := range zhSteps {
				if strings.Contains(t.s, w) {
					return true
				}
			}
		}
	}
	return false
}

// logActivity handles VISIT, CALL and MEET.
func (p *parser) logActivity(body string, off int) *Error {
	segs := p.segments(body, off)
	// "VISIT acme: met zhang, …": a colon after the account
	if len(segs) > 0 && strings.HasPrefix(segs[0].key, "?") && p.pre == nil {
		name := segs[0].key[1:]
		if k := strings.Index(body, name+":"); k >= 0 && strings.TrimSpace(body[:k]) == "" {
			p.cmd.Target = &Ref{Name: strings.Trim(name, "\"' ")}
			start := off + k + len(name) + 1
			return p.logParts(p.segments(p.norm[start:off+len(body)], start), true)
		}
	}
	if len(segs) == 0 || segs[0].key != "" {
		return p.errAt(off, body, strings.ToUpper(p.spec.Name)+" needs the account first")
	}
	target, rest := p.headTarget(segs[0].toks, len(segs) == 1)
	if target != nil && p.cmd.Verb == VerbCall && strings.HasSuffix(lower(target.Name), " back") {
		target.Name = target.Name[:len(target.Name)-len(" back")] // "called acme back"
	}
	p.cmd.Target = target
	// a date at the end of the account part ("acme yesterday")
	if rest == nil && len(segs[0].toks) > 1 && target != nil && target.ID == 0 {
		ts := segs[0].toks
		if t, ht, a, _, ok := p.whenSpan(ts, false); ok && a > 0 {
			target.Name = p.span(ts[:a])
			if !(t.Equal(p.today()) && !ht && len(ts)-a == 1) { // "acme today" is when it happened
				p.logPiece(ts[a:], false)
			}
		}
	}
	if len(rest) > 1 && p.cmd.Contact == "" && rest[0].s[0] >= 0x80 && zhPersonLike(rest[0].s) && markerAt(rest, 0) == 0 && p.personAt(rest, 0) == 0 {
		p.cmd.Contact = rest[0].s // "call 营口港 王强 no answer"; 李总 is read by logPiece
		if subjectOf(rest, 1) {
			p.subjFrom, p.subjTo = rest[0].off, rest[1].off // 王强说…
		}
		rest = rest[1:]
	}
	p.logPiece(rest, false)
	p.subjFrom = -1
	return p.logParts(segs[1:], len(rest) == 0)
}

// plannedMeeting turns a meeting whose only news is a time to come into the
// meeting being arranged: "MEETING acme; zhang wei; thu 10am", "会议 华鑫矿业
// 李刚 周五下午3点" plan a meeting then (a salesman does not log a meeting
// that has not happened with nothing to say of it).
func (p *parser) plannedMeeting() {
	c := p.cmd
	if c.Verb != VerbMeeting || c.Next == nil || c.Next.What != "" || c.Next.Due == nil || !c.Next.Due.After(p.now) ||
		c.Notes != "" || c.At != nil || c.Products != nil || c.Amount != nil || c.Target == nil || c.Target.ID != 0 {
		return
	}
	c.Verb, c.Kind, c.Due, c.HasTime, c.Next = VerbPlan, "meeting", c.Next.Due, c.Next.HasTime, nil
	p.spec = specByVerb[VerbPlan]
}

// logParts reads the parts of a logged activity after its account; second
// says the first of them directly follows the account.
func (p *parser) logParts(segs []seg, second bool) *Error {
	for k, sg := range segs {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		p.logPiece(sg.toks, k == 0 && second)
	}
	return nil
}

// done handles DONE: the activity, then the outcome like a visit's parts.
func (p *parser) done(body string, off int) *Error {
	segs := p.segments(body, off)
	if p.pre == nil && (len(segs) == 0 || segs[0].key != "") {
		return p.errAt(off, body, "Which activity? Give its #id")
	}
	var rest []tok
	if len(segs) > 0 && segs[0].key == "" {
		p.cmd.Target, rest = p.headTarget(segs[0].toks, true)
		if p.pre == nil && p.cmd.Target != nil && p.cmd.Target.ID == 0 && len(segs) > 1 {
			// "DONE acme; met li": the whole first part names the account
			p.cmd.Target, rest = &Ref{Name: segs[0].s}, nil
		}
		segs = segs[1:]
	} else {
		p.cmd.Target = p.pre
	}
	p.logPiece(rest, false)
	for _, sg := range segs {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		p.logPiece(sg.toks, false)
	}
	return nil
}

// note handles NOTE and DOC.
func (p *parser) note(body string, off int) *Error {
	segs := p.segments(body, off)
	if p.pre == nil && (len(segs) == 0 || segs[0].key != "") {
		return p.errAt(off, body, p.spec.Name+" needs the record first")
	}
	if len(segs) > 0 && segs[0].key == "" {
		var rest []tok
		if p.pre != nil || len(segs) > 1 {
			p.cmd.Target, rest = p.headTarget(segs[0].toks, false)
		} else {
			p.cmd.Target, rest = p.headTarget(segs[0].toks, true)
		}
		p.addNote(p.span(rest))
		segs = segs[1:]
	}
	for _, sg := range segs {
		if strings.HasPrefix(sg.key, "?") {
			p.addNote(sg.key[1:] + ": " + sg.s) // "GM: Mr Sun" is part of the note
			continue
		}
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		p.addNote(sg.s)
	}
	if p.cmd.Notes == "" && p.cmd.Verb == VerbNote {
		return p.errAt(off+len(body), "", "The note is empty")
	}
	return nil
}

var activityKinds = map[string]string{
	"visit": "visit", "v": "visit", "vis": "visit", "拜访": "visit", "走访": "visit",
	"call": "call", "c": "call", "phone": "call", "tel": "call", "电话": "call", "致电": "call",
	"meet": "meeting", "meeting": "meeting", "mtg": "meeting", "m": "meeting", "会议": "meeting", "开会": "meeting", "见面": "meeting", "demo": "meeting",
	"email": "email", "mail": "email", "邮件": "email",
	"sms": "sms", "text": "sms", "短信": "sms",
	"fax": "fax", "传真": "fax",
	"revisit": "revisit", "回访": "revisit",
	"task": "task", "todo": "task", "任务": "task",
}

// plan handles PLAN [<who>] <type> <account> <when> [urgent]; <subject>.
func (p *parser) plan(body string, off int) *Error {
	segs := p.segments(body, off)
	if len(segs) == 0 || segs[0].key != "" {
		return p.errAt(off, body, "PLAN needs what to do")
	}
	ts := segs[0].toks
	c := p.cmd
	k := 0
	if kd, ok := activityKinds[ts[0].l]; ok {
		c.Kind, k = kd, 1
	} else if n := max(1, p.personAt(ts, 0)); len(ts) > n {
		if kd, ok := activityKinds[ts[n].l]; ok { // "PLAN zhao lei call benxi fri"
			c.Assignee, c.Kind, k = p.span(ts[:n]), kd, n+1
		}
	}
	explicit := c.Kind != ""
	if c.Kind == "" {
		c.Kind = "task"
	}
	var name, other []tok
	for k < len(ts) {
		if urgentWords[ts[k].l] || c.Kind == "call" && ts[k].l == "back" && len(name) == 0 {
			if ts[k].l != "back" {
				c.Priority = "urgent"
			}
			k++
			continue
		}
		if c.Due == nil {
			if t, ht, n := p.whenAt(ts, k, false); n > 0 {
				c.Due, c.HasTime = &t, ht
				k += n
				continue
			}
		}
		if ts[k].l == "for" && k+2 == len(ts) && c.Assignee == "" {
			c.Assignee = ts[k+1].s
			break
		}
		if c.Due == nil && c.Priority == "" {
			name = append(name, ts[k])
		} else {
			other = append(other, ts[k])
		}
		k++
	}
	if ref, ok := refOf(spanOrEmpty(name)); ok && len(name) == 1 {
		c.Target = &ref
	} else if len(name) > 0 && c.Kind == "task" && (explicit || p.planTask || p.form == "todo" || p.form == "task") {
		// PLAN task send price list: the words are the subject; "price list
		// to liaoyang steel": a known account after to/for/at is where
		for j := 1; j < len(name) && c.Target == nil; j++ {
			switch name[j-1].l {
			case "to", "for", "at", "给", "去":
				if kd, m := p.nameAt(name, j); m > 0 && kd&NameAccount != 0 && j+m == len(name) {
					c.Target = &Ref{Name: p.span(name[j:])}
				}
			}
		}
		p.addNote(p.span(name))
	} else if len(name) > 0 {
		c.Target = &Ref{Name: p.span(name)}
	}
	if len(other) > 0 {
		p.addNote(p.span(other))
	}
	for _, sg := range segs[1:] {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		if p.dueOrUrgent(sg) {
			continue
		}
		p.addNote(sg.s)
	}
	if c.Target == nil && c.Notes == "" {
		return p.errAt(off, body, "PLAN needs an account or a subject")
	}
	return nil
}

func spanOrEmpty(ts []tok) string {
	if len(ts) == 1 {
		return ts[0].s
	}
	return ""
}

// idTarget reads the record at the start of the body: the pre-named one, or
// #17/A17 as the first word. It returns the words after it.
func (p *parser) idTarget(segs []seg) ([]tok, bool) {
	if p.pre != nil {
		p.cmd.Target = p.pre
		if len(segs) > 0 && segs[0].key == "" {
			return segs[0].toks, true
		}
		return nil, true
	}
	if len(segs) == 0 || segs[0].key != "" || len(segs[0].toks) == 0 {
		return nil, false
	}
	ts := segs[0].toks
	if ref, ok := refOf(ts[0].s); ok {
		p.cmd.Target = &ref
		return ts[1:], true
	}
	return ts, false
}

// restText joins the words left in the first part and all later parts.
func (p *parser) restText(first []tok, segs []seg) string {
	var b []string
	if len(first) > 0 {
		b = append(b, p.span(first))
	}
	for _, sg := range segs[1:] {
		if sg.key != "" {
			b = append(b, strings.TrimPrefix(sg.key, "?")+": "+sg.s)
			continue
		}
		b = append(b, sg.s)
	}
	return strings.Join(b, "; ")
}

func (p *parser) reject(body string, off int) *Error {
	segs := p.segments(body, off)
	first, ok := p.idTarget(segs)
	if !ok {
		if len(first) == 0 {
			return p.errAt(off, body, "Which activity? Give its #id and the reason")
		}
		p.cmd.Target = &Ref{Name: first[0].s}
		first = first[1:]
	}
	if p.pre != nil && (len(segs) == 0 || segs[0].key != "") {
		segs = append([]seg{{}}, segs...)
	}
	if len(segs) == 0 {
		segs = []seg{{}}
	}
	p.cmd.Reason = p.reasonText(first, segs, off+len(body))
	if p.cmd.Reason == "" {
		return p.errAt(off+len(body), "", "Give the reason for rejecting")
	}
	return nil
}

// reasonText is the rest of the message from the words left in the first
// part on, as typed: a reason keeps its commas ("moved, address unknown").
func (p *parser) reasonText(first []tok, segs []seg, end int) string {
	start := -1
	if len(first) > 0 {
		start = first[0].off
	} else {
		for _, sg := range segs[min(1, len(segs)):] {
			if sg.key == "" && len(sg.toks) > 0 {
				start = sg.toks[0].off
			} else {
				start = -1 // a keyed part: keep the joined form
			}
			break
		}
	}
	if start < 0 {
		return p.restText(first, segs)
	}
	return strings.Trim(p.rawText(start, end), " .;,\n")
}

// rawText is the original text between two offsets of the normalised text:
// full-width punctuation as typed.
func (p *parser) rawText(a, b int) string {
	ra, rb := rawPos(p.raw, p.norm, a), rawPos(p.raw, p.norm, b)
	ba, bb, n := -1, len(p.raw), 0
	for i := range p.raw {
		if n == ra {
			ba = i
		}
		if n == rb {
			bb = i
			break
		}
		n++
	}
	if ba < 0 {
		return ""
	}
	return p.raw[ba:bb]
}

func (p *parser) approve(body string, off int) *Error {
	c := p.cmd
	c.Action = "approve"
	switch p.form {
	case "refuse", "deny", "decline", "驳回", "不同意", "不批准", "不批":
		c.Action = "refuse"
	}
	segs := p.segments(body, off)
	first, ok := p.idTarget(segs)
	if !ok {
		return p.errAt(off, body, "Which request? Give its #id")
	}
	if len(segs) == 0 {
		segs = []seg{{}}
	} else if p.pre != nil && segs[0].key != "" {
		segs = append([]seg{{}}, segs...)
	}
	text := p.restText(first, segs)
	if c.Action == "refuse" {
		text = p.reasonText(first, segs, off+len(body))
		if text == "" {
			return p.errAt(off+len(body), "", "Give the reason for refusing")
		}
		c.Reason = text
	} else {
		c.Notes = text
	}
	return nil
}

func (p *parser) ack(body string, off int) *Error {
	segs := p.segments(body, off)
	first, ok := p.idTarget(segs)
	if !ok {
		return p.errAt(off, body, "Which escalation? Give its #id")
	}
	if len(segs) == 0 {
		segs = []seg{{}}
	} else if p.pre != nil && segs[0].key != "" {
		segs = append([]seg{{}}, segs...)
	}
	p.cmd.Notes = p.restText(first, segs)
	return nil
}

func (p *parser) extend(body string, off int) *Error {
	segs := p.segments(body, off)
	first, ok := p.idTarget(segs)
	if !ok {
		return p.errAt(off, body, "Which activity? Give its #id")
	}
	var ts []tok
	ts = append(ts, first...)
	for _, sg := range segs[min(1, len(segs)):] {
		ts = append(ts, sg.toks...)
	}
	ts = trimWords(ts, "by", "for", "to", "until", "till")
	if len(ts) == 0 {
		return p.errAt(off+len(body), "", "By how long? Give days (3d) or a date (fri)")
	}
	if d, n := durationAt(ts, 0); n > 0 {
		if d.m > 0 {
			p.cmd.Days = 30 * d.m
		} else {
			p.cmd.Days = d.d
		}
		p.addNote(p.span(ts[n:]))
		return nil
	}
	if n, ok := atoi(ts[0].l); ok && len(ts) == 1 && n > 0 && n < 100 {
		p.cmd.Days = n
		return nil
	}
	if t, ht, n := p.whenAt(ts, 0, false); n > 0 {
		p.cmd.Due, p.cmd.HasTime = &t, ht
		p.addNote(p.span(ts[n:]))
		return nil
	}
	return p.errAt(ts[0].off, p.span(ts), "\""+p.span(ts)+"\" is not a number of days or a date")
}

// assignStop are words that end the assignee's name and start a remark.
var assignStop = map[string]bool{"he": true, "she": true, "they": true, "because": true, "as": true, "since": true, "pls": true, "please": true,
	"coz": true, "cos": true, "knows": true, "is": true, "has": true, "can": true, "will": true, "needs": true, "他": true, "她": true, "因为": true}

func (p *parser) assign(body string, off int) *Error {
	c := p.cmd
	segs := p.segments(body, off)
	ts, ok := p.idTarget(segs)
	if !ok && len(ts) == 0 {
		return p.errAt(off, body, "What to assign? Give its #id")
	}
	// split at "to"/"给"/"->"
	to := -1
	for k, t := range ts {
		if t.l == "to" || t.l == "给" || t.l == "->" || t.l == "→" || t.l == "=>" {
			to = k
			break
		}
	}
	var who []tok
	if !ok { // named target
		if to > 0 {
			c.Target = &Ref{Name: p.span(ts[:to])}
			who = ts[to+1:]
		} else if len(ts) >= 2 {
			c.Target = &Ref{Name: p.span(ts[:len(ts)-1])}
			who = ts[len(ts)-1:]
		} else {
			return p.errAt(off+len(body), "", "Assign to whom?")
		}
	} else {
		who = ts
		if to == 0 {
			who = ts[1:]
		}
	}
	var name []tok
	for k := 0; k < len(who); {
		if urgentWords[who[k].l] {
			c.Priority = "urgent"
			k++
			continue
		}
		if len(name) > 0 {
			if t, ht, n := p.whenAt(who, k, false); n > 0 {
				c.Due, c.HasTime = &t, ht
				k += n
				continue
			}
		}
		if len(name) > 0 && assignStop[who[k].l] {
			p.keep(p.span(who[k:])) // "assign 73 wang he knows them"
			break
		}
		name = append(name, who[k])
		k++
	}
	if len(name) > 0 {
		c.Assignee = strings.TrimPrefix(p.span(name), "给")
	}
	for _, sg := range segs[min(1, len(segs)):] {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		if c.Assignee == "" {
			c.Assignee = sg.s
			continue
		}
		if p.dueOrUrgent(sg) {
			continue
		}
		p.addNote(sg.s)
	}
	if c.Assignee == "" {
		return p.errAt(off+len(body), "", "Assign to whom?")
	}
	return nil
}

// dueOrUrgent reads a part that is only a date and time (the command's due
// time, when none was given yet) or only "urgent", as PLAN and ASSIGN take
// them.
func (p *parser) dueOrUrgent(sg seg) bool {
	c := p.cmd
	if c.Due == nil {
		if t, ht, a, b, ok := p.whenSpan(sg.toks, false); ok && b-a == len(sg.toks) {
			c.Due, c.HasTime = &t, ht
			return true
		}
	}
	if len(sg.toks) == 1 && urgentWords[sg.toks[0].l] {
		c.Priority = "urgent"
		return true
	}
	return false
}
