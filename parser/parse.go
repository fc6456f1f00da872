package parser

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// generalHint is the hint for a message whose verb is missing or unknown.
const generalHint = "Start with a command, e.g. VISIT acme; met Zhang; next: quote fri. Send HELP for the list"

// parser holds the state of one Parse call.
type parser struct {
	raw, norm   string
	now         time.Time
	loc         *time.Location
	cmd         *Command
	spec        *VerbSpec
	form        string // the verb as typed, lower case
	pre         *Ref   // record named before the verb: "A17 done", "#17 done"
	lastContact bool   // the last piece of a logged activity named the contact
	inline      map[string]string
	tokBuf      [48]tok
	partBuf     [12]part
	segBuf      [16]seg
}

// seg is a part, or a piece of a part, with its key ("" for free text).
type seg struct {
	ti   int    // index of its first word in the parser's word buffer
	key  string // canonical key, "?word" for an unknown key, "" for free text
	s    string // the value as typed
	off  int    // byte offset of s in the normalised text
	toks []tok
}

// parserPool recycles parsers and their scratch buffers (a few KB).
var parserPool = sync.Pool{New: func() any { return new(parser) }}

// Parse reads one message. It returns the command, or an *Error that says
// which part was not understood and shows the right form. It never panics.
func Parse(text string, ctx Context) (*Command, error) {
	loc := ctx.Loc
	if loc == nil {
		loc = ctx.Now.Location()
	}
	p := parserPool.Get().(*parser)
	defer parserPool.Put(p)
	// reset all but the scratch buffers, whose contents are never read stale
	p.raw, p.norm, p.loc, p.now = text, "", loc, ctx.Now.In(loc)
	p.cmd, p.spec, p.form, p.pre, p.inline, p.lastContact = nil, nil, "", nil, nil, false
	cmd, err := p.parse()
	if err != nil {
		err.Pos = rawPos(p.raw, p.norm, err.Pos)
		if err.Hint == "" {
			err.Hint = generalHint
		}
		return nil, err
	}
	cmd.Raw = text
	return cmd, nil
}

// errAt builds an error about the text s found at byte offset off of the
// normalised text; the hint is the current verb's form.
func (p *parser) errAt(off int, s, msg string) *Error {
	e := &Error{Pos: off, Part: s, Msg: msg, Hint: generalHint}
	if p.spec != nil {
		e.Hint = p.spec.Form
		e.Verb = p.spec.Verb
	}
	return e
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' }

func (p *parser) parse() (*Command, *Error) {
	p.norm = normalize(p.raw)
	s := p.norm
	i := 0
	for i < len(s) && (isSpace(s[i]) || s[i] == ';' || s[i] == ',' || s[i] == '/') {
		i++
	}
	if i == len(s) {
		return nil, &Error{Pos: 0, Msg: "Empty message", Hint: generalHint}
	}
	w, end := firstWord(s, i)
	p.cmd = &Command{}
	if w == "" && strings.TrimSpace(s[i:]) == "?" {
		w, end = "?", len(s)
	}
	if w == "" { // only punctuation in the first word
		return nil, p.errAt(i, s[i:end], "Command not understood")
	}
	// A bare number answers a numbered choice.
	if n, ok := atoi(w); ok && strings.TrimSpace(strings.Trim(s[end:], ".)!? ")) == "" {
		if n < 1 || n > 99 {
			return nil, &Error{Pos: i, Part: w, Msg: "A number alone answers a numbered choice (1-99)", Hint: "Reply with the number of your choice, or FIND " + w + " to search", Suggest: "FIND", Verb: VerbChoice}
		}
		p.cmd.Verb = VerbChoice
		p.cmd.Choice = n
		return p.cmd, nil
	}
	// A record named first: "A17 done ...", "#17 done ...".
	if ref, ok := refOf(w); ok {
		j := end
		for j < len(s) && (isSpace(s[j]) || s[j] == ':' || s[j] == ',') {
			j++
		}
		w2, end2 := firstWord(s, j)
		if f, ok := p.verbAt(w2, s, j, end2); ok && f.spec.Verb != VerbChoice {
			p.pre = &ref
			return p.dispatch(f, s, j, f.end)
		}
		if strings.TrimSpace(s[end:]) == "" {
			return nil, &Error{Pos: i, Part: w, Msg: "What should be done with " + w + "?", Hint: "DONE " + w + " <outcome> | REJECT " + w + " <reason> | ASSIGN " + w + " <who>"}
		}
		return nil, &Error{Pos: j, Part: w2, Msg: "Unknown command \"" + w2 + "\" after " + w, Hint: "DONE " + w + " <outcome> | REJECT " + w + " <reason> | ASSIGN " + w + " <who>"}
	}
	f, ok := p.verbAt(w, s, i, end)
	if !ok {
		e := &Error{Pos: i, Part: w, Msg: "Unknown command \"" + w + "\"", Hint: generalHint}
		if v, ok := suggestVerb(lower(w)); ok {
			sp := specByVerb[v]
			e.Suggest = sp.Name
			e.Hint = sp.Form
		}
		return nil, e
	}
	return p.dispatch(f, s, i, f.end)
}

// firstWord returns the word starting at i, without trailing punctuation,
// and where it ends.
func firstWord(s string, i int) (string, int) {
	j := i
	for j < len(s) && !isSpace(s[j]) && s[j] != ';' && s[j] != ',' && s[j] != ':' {
		if s[j] == '/' && j > i && !(j+1 < len(s) && isDigit(s[j+1]) && isDigit(s[j-1])) {
			break
		}
		j++
	}
	w := strings.TrimRight(s[i:j], ".!?-)")
	return w, j
}

// foundVerb is a verb recognised at the start of the message.
type foundVerb struct {
	verbForm
	form string
	end  int // where the parts begin
}

// verbAt recognises w as a verb form; a Chinese verb may run into the text
// that follows ("拜访华鑫矿业").
func (p *parser) verbAt(w, s string, i, end int) (foundVerb, bool) {
	if w == "" {
		return foundVerb{}, false
	}
	if f, ok := lookupVerb(w); ok {
		return foundVerb{f, lower(w), end}, true
	}
	if w[0] >= 0x80 {
		// longest Chinese form that prefixes the word
		best := 0
		var bf verbForm
		for k := range w {
			if k == 0 || k > zhMaxLen {
				continue
			}
			if f, ok := formIndex[w[:k]]; ok && k > best {
				best, bf = k, f
			}
		}
		if len(w) <= zhMaxLen {
			if f, ok := formIndex[w]; ok {
				best, bf = len(w), f
			}
		}
		if best > 0 {
			return foundVerb{bf, w[:best], i + best}, true
		}
	}
	return foundVerb{}, false
}

// refOf reads "#17", "A17", "L5", "O42", "#A17".
func refOf(w string) (Ref, bool) {
	if len(w) < 2 || len(w) > 12 {
		return Ref{}, false
	}
	if w[0] == '#' {
		w = w[1:]
		if n, ok := atoi(w); ok && n > 0 {
			return Ref{ID: int64(n)}, true
		}
		if len(w) < 2 {
			return Ref{}, false
		}
	}
	kind := ""
	switch w[0] | 0x20 {
	case 'a':
		kind = "activity"
	case 'l':
		kind = "lead"
	case 'o':
		kind = "opp"
	default:
		return Ref{}, false
	}
	if n, ok := atoi(w[1:]); ok && n > 0 && isDigit(w[1]) {
		return Ref{ID: int64(n), Kind: kind}, true
	}
	return Ref{}, false
}

// dispatch runs the verb's handler over the text after the verb.
func (p *parser) dispatch(f foundVerb, s string, vstart, rest int) (*Command, *Error) {
	p.spec = f.spec
	p.form = f.form
	p.cmd.Verb = f.spec.Verb
	if f.zh {
		p.cmd.Lang = "zh"
	}
	for rest < len(s) && (s[rest] == ':' || s[rest] == '-' || s[rest] == '.' || s[rest] == ',') {
		rest++
	}
	body := s[rest:]
	// WON #42, LOST #42, STAGE #42: opportunity actions.
	if p.cmd.Verb == VerbLost {
		if ts := p.tokenize(body, rest, p.tokBuf[:0]); len(ts) > 0 {
			if _, ok := refOf(ts[0].s); ok {
				p.spec = specByVerb[VerbOpp]
				p.cmd.Verb = VerbOpp
				p.form = "lost"
			}
		}
	}
	var err *Error
	switch p.cmd.Verb {
	case VerbVisit, VerbCall, VerbMeeting:
		p.inline = inlineLog
		err = p.logActivity(body, rest)
	case VerbDone:
		p.inline = inlineLog
		err = p.done(body, rest)
	case VerbNote, VerbDoc:
		p.inline = nil
		err = p.note(body, rest)
	case VerbPlan:
		err = p.plan(body, rest)
	case VerbReject:
		err = p.reject(body, rest)
	case VerbLead:
		p.inline = inlineLead
		err = p.lead(body, rest)
	case VerbContact:
		err = p.contact(body, rest)
	case VerbAccount:
		err = p.account(body, rest)
	case VerbOpp:
		p.inline = inlineOpp
		err = p.opp(body, rest)
	case VerbEquipment:
		p.inline = inlineEquipment
		err = p.equipment(body, rest)
	case VerbResp:
		err = p.resp(body, rest)
	case VerbCampaign:
		err = p.campaign(body, rest)
	case VerbAssign:
		err = p.assign(body, rest)
	case VerbApprove:
		err = p.approve(body, rest)
	case VerbExtend:
		err = p.extend(body, rest)
	case VerbAck:
		err = p.ack(body, rest)
	case VerbToday:
		err = p.today_(body, rest)
	case VerbOpps:
		err = p.opps(body, rest)
	case VerbAcct:
		err = p.acct(body, rest)
	case VerbFind:
		err = p.find(body, rest)
	case VerbFunnel, VerbTeam, VerbLost:
		err = p.report(body, rest)
	case VerbHelp:
		err = p.help(body, rest)
	case VerbUndo:
		err = p.undo(body, rest)
	case VerbMore, VerbStop, VerbStart:
		if t := strings.TrimSpace(body); t != "" {
			p.cmd.Notes = t
		}
	}
	if err != nil {
		return nil, err
	}
	if p.pre != nil && p.cmd.Target == nil {
		p.cmd.Target = p.pre
	}
	return p.cmd, nil
}

// ---- segments ----

// mergeKeys are keys whose value may contain commas (addresses, notes).
var mergeKeys = map[string]bool{"address": true, "notes": true, "subject": true, "reason": true, "location": true}

// segments splits the body into parts and the parts into keyed pieces.
func (p *parser) segments(body string, off int) []seg {
	parts := splitParts(body, off, p.partBuf[:0])
	segs := p.segBuf[:0]
	toks := p.tokBuf[:0]
	for _, pt := range parts {
		start := len(toks)
		toks = p.tokenize(pt.s, pt.off, toks)
		pts := toks[start:]
		if len(pts) == 0 {
			continue
		}
		// "addr: Ganjingzi, Dalian": a comma inside such a value does not separate
		if pt.sep == ',' && len(segs) > 0 {
			last := &segs[len(segs)-1]
			if (mergeKeys[last.key] || strings.HasPrefix(last.key, "?")) && len(last.toks) > 0 {
				if _, _, _, ok := p.keyOf(pts, 0, true); !ok {
					last.toks = toks[last.ti:len(toks)]
					last.s = p.norm[last.off : pt.off+len(pt.s)]
					continue
				}
			}
		}
		cur := seg{off: pt.off}
		curStart := 0 // index in pts where cur's tokens start
		flush := func(endTok int, endOff int) {
			if cur.key == "" && endTok == curStart {
				return
			}
			if endTok > curStart {
				cur.off = pts[curStart].off
				cur.s = strings.TrimRight(p.norm[cur.off:endOff], " \n")
			} else {
				cur.s = ""
			}
			cur.toks = pts[curStart:endTok]
			cur.ti = start + curStart
			segs = append(segs, cur)
		}
		for k := 0; k < len(pts); k++ {
			t := pts[k]
			key, rest, inline, ok := p.keyOf(pts, k, k == 0)
			if !ok {
				continue
			}
			if inline && cur.key != "" && curStart == k {
				continue // "src: ref Wang": a value may start with a key word
			}
			flush(k, t.off)
			cur = seg{key: key, off: t.off}
			switch {
			case rest != "":
				// "amt:1.2m": the value starts inside the key's word
				pts[k] = tok{s: rest, l: lower(rest), off: t.end() - len(rest)}
				curStart = k
			case !inline && k+1 < len(pts) && strings.HasPrefix(pts[k+1].s, ":"):
				// "下次 :报价": the colon came with the value
				nt := pts[k+1]
				if len(nt.s) == 1 {
					k++
					curStart = k + 1
				} else {
					pts[k+1] = tok{s: nt.s[1:], l: nt.l[1:], off: nt.off + 1}
					curStart = k + 1
				}
			default:
				curStart = k + 1
			}
		}
		flush(len(pts), pt.off+len(pt.s))
	}
	return segs
}

// keyOf says whether pts[k] opens a key: "key:", "key:value", "key :value",
// or an inline key of the current verb. It returns the canonical key, what
// follows the colon in the same word, and whether it was written without a
// colon.
func (p *parser) keyOf(pts []tok, k int, first bool) (key, rest string, inline, ok bool) {
	t := pts[k]
	if c := strings.IndexByte(t.l, ':'); c > 0 && !isDigit(t.l[c-1]) {
		name := t.l[:c]
		rest = t.s[c+1:]
		if strings.HasPrefix(rest, "//") {
			return "", "", false, false
		}
		if name == "s/n" {
			return "serial", rest, false, true
		}
		if keyAliases[name] != "" {
			return keyAliases[name], rest, false, true
		}
		if first && len(name) <= 24 && !strings.ContainsAny(name, "#@") {
			return "?" + t.s[:c], rest, false, true
		}
		return "", "", false, false
	}
	if k+1 < len(pts) && strings.HasPrefix(pts[k+1].s, ":") && keyAliases[t.l] != "" {
		return keyAliases[t.l], "", false, true
	}
	if p.inline == nil || k == len(pts)-1 {
		return "", "", false, false
	}
	if key, ok := p.inline[t.l]; ok {
		if key == "next" {
			// "next mon", "next week" are dates
			n := pts[k+1].l
			if _, wd := weekdays[n]; wd || n == "week" || n == "wk" || n == "month" {
				return "", "", false, false
			}
		}
		return key, "", true, true
	}
	return "", "", false, false
}

// span is the text from the first to the last of ts, as typed.
func (p *parser) span(ts []tok) string {
	if len(ts) == 0 {
		return ""
	}
	return p.norm[ts[0].off:ts[len(ts)-1].end()]
}

func (p *parser) addNote(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	if p.cmd.Notes == "" {
		p.cmd.Notes = s
	} else {
		p.cmd.Notes += "; " + s
	}
}

func (p *parser) setField(k, v string) {
	if p.cmd.Fields == nil {
		p.cmd.Fields = map[string]string{}
	}
	if old, ok := p.cmd.Fields[k]; ok && old != "" {
		v = old + "; " + v
	}
	p.cmd.Fields[k] = v
}

// applyKey stores a keyed part in its field.
func (p *parser) applyKey(sg seg) *Error {
	c := p.cmd
	v := strings.TrimSpace(sg.s)
	if v == "" {
		if sg.key == "next" {
			return nil
		}
		return p.errAt(sg.off, sg.key+":", "The value of "+strings.TrimPrefix(sg.key, "?")+" is missing")
	}
	switch sg.key {
	case "next":
		c.Next = p.followUp(sg.toks)
	case "stage":
		st, ok := stageOf(sg.toks)
		if !ok {
			return p.errAt(sg.off, v, "Stage \""+v+"\" not understood")
		}
		c.Stage = st
	case "amount":
		a, _, n := amountAt(sg.toks, 0)
		if n == 0 {
			return p.errAt(sg.off, v, "Amount \""+v+"\" not understood; write 1.2m, 350k, 350,000 or 35万")
		}
		c.Amount = &a
		if rest := p.span(sg.toks[n:]); rest != "" {
			p.addNote(rest)
		}
	case "close":
		t, _, n := p.whenAt(sg.toks, 0, false)
		if n == 0 {
			return p.errAt(sg.off, v, "Close date \""+v+"\" not understood; write 15/12 or 2026-12-15")
		}
		c.Close = &t
	case "due":
		t, ht, n := p.whenAt(sg.toks, 0, false)
		if n == 0 {
			return p.errAt(sg.off, v, "Date \""+v+"\" not understood; write fri, 28/11 or 2026-11-28 3pm")
		}
		c.Due, c.HasTime = &t, ht
	case "source":
		p.source(sg)
	case "referrer":
		c.Referrer = v
	case "serial":
		c.Serial = upper(sg.toks[0].s)
		if len(sg.toks) > 1 {
			p.addNote(p.span(sg.toks[1:]))
		}
	case "smu":
		n, ok := smuOf(sg.toks[0].l)
		if !ok {
			return p.errAt(sg.off, v, "Hours \""+v+"\" not understood; write smu 4520")
		}
		c.SMU = &n
	case "location":
		c.Location = v
	case "condition":
		if cd, ok := conditions[lower(v)]; ok {
			c.Condition = cd
		} else {
			c.Condition = v
		}
	case "bought":
		t, _, n := p.whenAt(sg.toks, 0, true)
		if n == 0 {
			if y, ok := atoi(sg.toks[0].l); ok && y >= 1970 && y <= p.now.Year() && len(sg.toks[0].l) == 4 {
				t, n = time.Date(y, 1, 1, 0, 0, 0, 0, p.loc), 1
			} else if y, ok := zhYear(sg.toks[0].s); ok {
				t, n = time.Date(y, 1, 1, 0, 0, 0, 0, p.loc), 1
			}
		}
		if n == 0 {
			return p.errAt(sg.off, v, "Purchase date \""+v+"\" not understood; write bought 2019-05 or 2019-05-20")
		}
		c.Bought = &t
	case "brand":
		if b, ok := brandOf(lower(v)); ok {
			c.Brand = b
		} else {
			c.Brand = v
		}
	case "model":
		c.Model = upper(v)
	case "contact":
		p.contactText(sg.toks)
	case "phone":
		if !p.phones(sg.toks) {
			return p.errAt(sg.off, v, "Phone \""+v+"\" not understood; write 13901234567, 010-85868466 or +1 415 555 0100")
		}
	case "email":
		c.Email = v
	case "title":
		c.Title = v
	case "priority":
		if urgentWords[lower(v)] || lower(v) == "high" || v == "高" {
			c.Priority = "urgent"
		} else {
			c.Priority = "normal"
		}
	case "product", "qty":
		if !p.products(sg.toks, true) {
			return p.errAt(sg.off, v, "Product \""+v+"\" not understood; write 2x 320D")
		}
	case "competitor":
		c.Competitor = competitorOf(sg.toks)
	case "reason":
		c.Reason = v
	case "role":
		p.role(sg.toks)
	case "notes", "subject":
		p.addNote(v)
	case "assignee":
		c.Assignee = v
	default:
		p.setField(strings.TrimPrefix(sg.key, "?"), v)
	}
	return nil
}

func zhYear(s string) (int, bool) {
	if strings.HasSuffix(s, "年") {
		y, ok := atoi(strings.TrimSuffix(s, "年"))
		return y, ok && y >= 1970 && y <= 2100
	}
	return 0, false
}

func smuOf(w string) (int, bool) {
	w = strings.ReplaceAll(w, ",", "")
	for _, suf := range []string{"hrs", "hr", "h", "小时"} {
		w = strings.TrimSuffix(w, suf)
	}
	n, ok := atoi(w)
	return n, ok
}

func stageOf(ts []tok) (Stage, bool) {
	if len(ts) == 0 {
		return "", false
	}
	if len(ts) >= 2 {
		if st, ok := stages[ts[0].l+" "+ts[1].l]; ok {
			return st, true
		}
	}
	st, ok := stages[strings.TrimPrefix(ts[0].l, "stage")]
	return st, ok
}

func competitorOf(ts []tok) string {
	if len(ts) == 0 {
		return ""
	}
	if b, ok := brandOf(ts[0].l); ok {
		return b
	}
	return ts[0].s
}

func (p *parser) source(sg seg) {
	ts := sg.toks
	if len(ts) == 0 {
		return
	}
	n := 0
	if len(ts) >= 3 && ts[0].l+" "+ts[1].l+" "+ts[2].l == "word of mouth" {
		p.cmd.Source, n = "word_of_mouth", 3
	} else if len(ts) >= 2 && sources[ts[0].l+" "+ts[1].l] != "" {
		p.cmd.Source, n = sources[ts[0].l+" "+ts[1].l], 2
	} else if s, ok := sources[ts[0].l]; ok {
		p.cmd.Source, n = s, 1
	} else {
		p.cmd.Source = "other"
		p.setField("source", sg.s)
		return
	}
	rest := ts[n:]
	for len(rest) > 0 && (rest[0].l == "by" || rest[0].l == "from" || rest[0].l == "via" || rest[0].l == "-") {
		rest = rest[1:]
	}
	if len(rest) > 0 {
		if p.cmd.Source == "referral" {
			p.cmd.Referrer = p.span(rest)
		} else if p.cmd.Source == "campaign" {
			p.setField("campaign", p.span(rest))
		} else {
			p.addNote(p.span(rest))
		}
	}
}

// role reads "Li Wei economic buyer", "Li Wei eb", "李总 决策人".
func (p *parser) role(ts []tok) bool {
	for k := 0; k < len(ts); k++ {
		r, ok := "", false
		n := 1
		if k+1 < len(ts) {
			r, ok = roles[ts[k].l+" "+ts[k+1].l]
			n = 2
		}
		if !ok {
			r, ok = roles[ts[k].l]
			n = 1
		}
		if ok {
			p.cmd.Role = r
			name := append(append([]tok(nil), ts[:k]...), ts[k+n:]...)
			name = trimWords(name, "as", "is", "-", "=", "是")
			if len(name) > 0 && p.cmd.Contact == "" {
				p.cmd.Contact = p.span(name)
			}
			return true
		}
	}
	return false
}

func trimWords(ts []tok, words ...string) []tok {
	for len(ts) > 0 && contains(words, ts[len(ts)-1].l) {
		ts = ts[:len(ts)-1]
	}
	for len(ts) > 0 && contains(words, ts[0].l) {
		ts = ts[1:]
	}
	return ts
}

func contains(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

// phones adds the phone numbers found in ts; false when there is none.
func (p *parser) phones(ts []tok) bool {
	found := false
	for k := 0; k < len(ts); {
		if ph, n := phoneAt(ts, k); n > 0 {
			p.addPhone(ph)
			found = true
			k += n
			continue
		}
		k++
	}
	return found
}

func (p *parser) addPhone(ph Phone) {
	for _, x := range p.cmd.Phones {
		if x.Number == ph.Number {
			return
		}
	}
	p.cmd.Phones = append(p.cmd.Phones, ph)
}

// products adds the products found in ts; bare models count when bare.
func (p *parser) products(ts []tok, bare bool) bool {
	found := false
	for k := 0; k < len(ts); {
		if pr, n := productAt(ts, k, bare); n > 0 {
			p.cmd.Products = append(p.cmd.Products, pr)
			found = true
			k += n
			continue
		}
		k++
	}
	return found
}

// ---- names ----

var markers = map[string]bool{"met": true, "saw": true, "见了": true, "见到": true, "会见": true, "约见": true, "拜见": true, "谈了": true}
var markers2 = map[string]bool{"met with": true, "spoke to": true, "spoke with": true, "talked to": true, "talked with": true, "meeting with": true}

// markerAt says whether ts[k] opens a "met <name>" phrase, and its length.
func markerAt(ts []tok, k int) int {
	if k >= len(ts) {
		return 0
	}
	if k+1 < len(ts) && markers2[ts[k].l+" "+ts[k+1].l] {
		return 2
	}
	if markers[ts[k].l] || (ts[k].l == "with" && k > 0) {
		return 1
	}
	if strings.HasPrefix(ts[k].s, "见") && len(ts[k].s) > 3 && len(ts[k].s) <= 15 && ts[k].s[0] >= 0x80 {
		return -1 // 见李总: the name is in the same word
	}
	return 0
}

var zhTitles = []string{"总", "经理", "工", "主任", "老板", "先生", "女士", "小姐", "师傅", "科长", "处长", "部长", "厂长", "队长", "书记", "董", "总监", "主管", "老师"}

func isCapWord(t tok) bool {
	c := t.s[0]
	if !(c >= 'A' && c <= 'Z') {
		return false
	}
	for i := 1; i < len(t.s); i++ {
		if !isLetter(t.s[i]) && t.s[i] != '.' && t.s[i] != '-' {
			return false
		}
	}
	return true
}

// nameLike says whether ts looks like a person's name: 1-3 Capitalised
// words ("Zhang Wei", "Mr Zhao"), or a Chinese name with a title (李总, 王经理)
// or 老/小 (老王).
func nameLike(ts []tok) bool {
	if len(ts) == 0 || len(ts) > 3 {
		return false
	}
	if len(ts) == 1 && ts[0].s[0] >= 0x80 {
		return zhNameLike(ts[0].s)
	}
	for _, t := range ts {
		if !isCapWord(t) {
			return false
		}
	}
	return true
}

func zhNameLike(s string) bool {
	n := 0
	for _, r := range s {
		if !isHan(r) {
			return false
		}
		n++
	}
	if n < 2 || n > 5 {
		return false
	}
	if strings.HasPrefix(s, "老") || strings.HasPrefix(s, "小") {
		return n <= 3
	}
	for _, t := range zhTitles {
		if strings.HasSuffix(s, t) {
			return true
		}
	}
	return false
}

// nameAfterMarker takes the person's name from the words after "met": all of
// them when at most three, else the run of Capitalised words, else one word.
func nameAfterMarker(ts []tok) int {
	if len(ts) == 0 {
		return 0
	}
	if ts[0].s[0] >= 0x80 {
		return 1 // 李总: Chinese words come cut already
	}
	if len(ts) > 3 {
		switch ts[0].l {
		case "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "dr", "dr.", "manager", "gm", "boss":
			return 2 // "met mr zhang about ..."
		}
	}
	if len(ts) <= 3 {
		// stop at words that begin a new thought
		for k, t := range ts {
			if k > 0 && (t.l == "about" || t.l == "re" || t.l == "for" || t.l == "to" || isDigit(t.l[0])) {
				return k
			}
		}
		return len(ts)
	}
	if isCapWord(ts[0]) {
		k := 1
		for k < len(ts) && k < 3 && isCapWord(ts[k]) {
			k++
		}
		// "Zhang Wei and Li"
		if k+1 < len(ts) && (ts[k].l == "and" || ts[k].l == "&") && isCapWord(ts[k+1]) {
			k += 2
			for k < len(ts) && k < 6 && isCapWord(ts[k]) {
				k++
			}
		}
		return k
	}
	return 1
}

// contactText sets the contact from "Li Wei 13901234567" and the like.
func (p *parser) contactText(ts []tok) {
	var name []tok
	for k := 0; k < len(ts); {
		if ph, n := phoneAt(ts, k); n > 0 {
			p.addPhone(ph)
			k += n
			continue
		}
		if isEmail(ts[k].s) {
			p.cmd.Email = ts[k].s
			k++
			continue
		}
		name = append(name, ts[k])
		k++
	}
	if len(name) > 0 {
		if p.cmd.Contact == "" {
			p.cmd.Contact = p.span(name)
		} else {
			p.addNote(p.span(name))
		}
	}
}

// ---- targets ----

// headTarget reads the record named at the start of the first part. When
// alone is false (the part is followed by others, or the words end the
// message) the whole part is the name; otherwise the first word, extended
// over Capitalised words, or the words before a "met".
func (p *parser) headTarget(ts []tok, alone bool) (*Ref, []tok) {
	if p.pre != nil {
		return p.pre, ts
	}
	if len(ts) == 0 {
		return nil, ts
	}
	if ref, ok := refOf(ts[0].s); ok && !(ref.Kind != "" && len(ts) > 1 && (isCapWord(ts[1]) || isUpperWord(ts[1]))) {
		return &ref, ts[1:] // but "A1 Mining" is a name
	}
	for k := 1; k < len(ts); k++ {
		if n := markerAt(ts, k); n != 0 {
			return &Ref{Name: p.span(ts[:k])}, ts[k:]
		}
	}
	if !alone {
		return &Ref{Name: p.span(ts)}, nil
	}
	k := 1
	if isCapWord(ts[0]) || isUpperWord(ts[0]) {
		for k < len(ts) && k < 4 && (isCapWord(ts[k]) || isUpperWord(ts[k])) && !isModel(ts[k].s) {
			k++
		}
	}
	return &Ref{Name: p.span(ts[:k])}, ts[k:]
}

func isUpperWord(t tok) bool {
	if len(t.s) < 2 {
		return false
	}
	for i := 0; i < len(t.s); i++ {
		if !(t.s[i] >= 'A' && t.s[i] <= 'Z') && t.s[i] != '&' && t.s[i] != '.' {
			return false
		}
	}
	return true
}

// ---- follow-ups ----

// followUp reads "quote fri", "call mon 3pm", "下周二报价", "fri".
func (p *parser) followUp(ts []tok) *FollowUp {
	f := &FollowUp{}
	if t, ht, a, b, ok := p.whenSpan(ts, false); ok {
		f.Due, f.HasTime = &t, ht
		var what []tok
		if a == 0 {
			what = ts[b:]
		} else {
			what = ts[:a]
		}
		f.What = p.span(what)
		return f
	}
	f.What = p.span(ts)
	return f
}

// ---- handlers ----

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
		k := nameAfterMarker(rest)
		if k > 0 && c.Contact == "" {
			c.Contact = p.span(rest[:k])
		} else if k > 0 {
			c.Contact += ", " + p.span(rest[:k])
		}
		p.logPiece(rest[k:], false)
		p.lastContact = k == len(rest)
		return
	}
	// a part that is a date, or a short phrase with a date: follow-up or when
	if t, ht, a, b, ok := p.whenSpan(ts, false); ok && (a == 0 || len(ts) <= 4) {
		var what []tok
		if a == 0 {
			what = ts[b:]
		} else {
			what = ts[:a]
		}
		if t.Before(p.today()) {
			if c.At == nil {
				c.At = &t
				p.addNote(p.span(what))
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
			if t, ht, n := p.whenAt(ts, k, false); n > 0 && k+n < len(ts) && !t.Before(p.today()) {
				p.logPiece(ts[:k], second)
				c.Next = &FollowUp{What: p.span(ts[k+n:]), Due: &t, HasTime: ht}
				return
			}
		}
	}
	if second && c.Contact == "" && nameLike(ts) {
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
	p.addNote(p.span(ts))
}

// logActivity handles VISIT, CALL and MEET.
func (p *parser) logActivity(body string, off int) *Error {
	segs := p.segments(body, off)
	if len(segs) == 0 || segs[0].key != "" {
		return p.errAt(off, body, strings.ToUpper(p.spec.Name)+" needs the account first")
	}
	target, rest := p.headTarget(segs[0].toks, len(segs) == 1)
	p.cmd.Target = target
	// a date at the end of the account part ("acme yesterday")
	if rest == nil && len(segs[0].toks) > 1 && target != nil && target.ID == 0 {
		ts := segs[0].toks
		if t, ht, a, _, ok := p.whenSpan(ts, false); ok && a > 0 {
			target.Name = p.span(ts[:a])
			p.logPiece(ts[a:], false)
			_ = t
			_ = ht
		}
	}
	p.logPiece(rest, false)
	for k, sg := range segs[1:] {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		p.logPiece(sg.toks, k == 0 && len(rest) == 0)
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
	} else if len(ts) > 1 {
		if kd, ok := activityKinds[ts[1].l]; ok {
			c.Assignee, c.Kind, k = ts[0].s, kd, 2
		}
	}
	explicit := c.Kind != ""
	if c.Kind == "" {
		c.Kind = "task"
	}
	var name, other []tok
	for k < len(ts) {
		if urgentWords[ts[k].l] {
			c.Priority = "urgent"
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
	} else if len(name) > 0 && c.Kind == "task" && explicit {
		// PLAN task send price list: the words are the subject
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
		if c.Due == nil {
			if t, ht, a, b, ok := p.whenSpan(sg.toks, false); ok && b-a == len(sg.toks) {
				c.Due, c.HasTime = &t, ht
				continue
			}
		}
		if len(sg.toks) == 1 && urgentWords[sg.toks[0].l] {
			c.Priority = "urgent"
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
	p.cmd.Reason = p.restText(first, segs)
	if p.cmd.Reason == "" {
		return p.errAt(off+len(body), "", "Give the reason for rejecting")
	}
	return nil
}

func (p *parser) approve(body string, off int) *Error {
	c := p.cmd
	c.Action = "approve"
	switch p.form {
	case "refuse", "deny", "decline", "驳回", "不同意", "不批准":
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
		if c.Due == nil {
			if t, ht, a, b, ok := p.whenSpan(sg.toks, false); ok && b-a == len(sg.toks) {
				c.Due, c.HasTime = &t, ht
				continue
			}
		}
		if len(sg.toks) == 1 && urgentWords[sg.toks[0].l] {
			c.Priority = "urgent"
			continue
		}
		p.addNote(sg.s)
	}
	if c.Assignee == "" {
		return p.errAt(off+len(body), "", "Assign to whom?")
	}
	return nil
}

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

// ---- records ----

var leadActions = map[string]string{
	"qualify": "qualify", "qualified": "qualify", "qual": "qualify", "ok": "qualify", "valid": "qualify", "合格": "qualify", "有效": "qualify", "确认": "qualify",
	"disqualify": "disqualify", "disqualified": "disqualify", "dq": "disqualify", "invalid": "disqualify", "junk": "disqualify", "unqualified": "disqualify", "不合格": "disqualify", "无效": "disqualify",
	"convert": "convert", "converted": "convert", "conv": "convert", "转化": "convert", "转换": "convert", "转客户": "convert",
}

func (p *parser) lead(body string, off int) *Error {
	segs := p.segments(body, off)
	c := p.cmd
	if len(segs) == 0 || segs[0].key != "" {
		if p.pre == nil {
			return p.errAt(off, body, "LEAD needs the company first")
		}
	}
	var rest []tok
	if len(segs) > 0 && segs[0].key == "" {
		ts := segs[0].toks
		if ref, ok := refOf(ts[0].s); ok || p.pre != nil {
			if p.pre != nil {
				ref = *p.pre
			} else {
				ts = ts[1:]
			}
			c.Target = &ref
			c.Action = "update"
			if len(ts) > 0 {
				if a, ok := leadActions[ts[0].l]; ok {
					c.Action = a
					ts = ts[1:]
				}
			}
			rest = ts
		} else {
			// the company is the first part; without separators, the words
			// before a phone, a name with a title or a product
			cut := len(ts)
			if len(segs) == 1 {
				for k := 1; k < len(ts); k++ {
					if _, n := phoneAt(ts, k); n > 0 {
						cut = k
						// the person's name just before the phone
						for cut > 1 && (isCapWord(ts[cut-1]) && !isCapWord(ts[0]) || zhNameLike(ts[cut-1].s)) {
							cut--
						}
						// all lower case: a two-word name ("li gang") before the phone
						if cut == k && k >= 3 && !isCapWord(ts[0]) && ts[k-1].s[0] < 0x80 {
							cut = k - 2
						}
						break
					}
				}
			}
			c.Target = &Ref{Name: p.span(ts[:cut])}
			c.Action = "create"
			rest = ts[cut:]
		}
		segs = segs[1:]
	} else {
		c.Target = p.pre
		c.Action = "update"
	}
	pieces := make([][]tok, 0, len(segs)+1)
	if len(rest) > 0 {
		pieces = append(pieces, rest)
	}
	for _, sg := range segs {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		pieces = append(pieces, sg.toks)
	}
	for k, ts := range pieces {
		if c.Action == "disqualify" {
			p.cmd.Reason = strings.TrimPrefix(p.cmd.Reason+"; "+p.span(ts), "; ")
			continue
		}
		p.leadPiece(ts, k == 0)
	}
	if c.Source == "referral" && c.Referrer == "" {
		return p.errAt(off+len(body), "src: referral", "A referral needs the referrer's name: src: referral <name>")
	}
	return nil
}

func (p *parser) leadPiece(ts []tok, first bool) {
	c := p.cmd
	hasPhone := false
	for k := range ts {
		if _, n := phoneAt(ts, k); n > 0 {
			hasPhone = true
			break
		}
	}
	if hasPhone {
		p.contactText(ts)
		return
	}
	if len(ts) == 1 && isEmail(ts[0].s) {
		c.Email = ts[0].s
		return
	}
	if c.Contact == "" && nameLike(ts) {
		c.Contact = p.span(ts)
		return
	}
	if a, _, n := amountAt(ts, 0); n == len(ts) && c.Amount == nil {
		c.Amount = &a
		return
	}
	p.products(ts, false)
	p.addNote(p.span(ts))
}

var contactRemove = map[string]bool{"left": true, "retired": true, "deceased": true, "died": true, "quit": true, "resigned": true, "delete": true, "remove": true, "gone": true, "离职": true, "退休": true, "去世": true, "删除": true, "已离职": true}

func (p *parser) contact(body string, off int) *Error {
	segs := p.segments(body, off)
	c := p.cmd
	if len(segs) == 0 || segs[0].key != "" {
		return p.errAt(off, body, "CONTACT needs the account first")
	}
	ts := segs[0].toks
	var rest []tok
	if ref, ok := refOf(ts[0].s); ok {
		c.Target = &ref
		rest = ts[1:]
		c.Action = "update"
		if ref.Kind == "" && len(rest) > 0 && contactRemove[rest[0].l] {
			c.Action = "remove"
			if rest[0].l == "remove" || rest[0].l == "delete" || rest[0].l == "删除" {
				rest = rest[1:] // the action word, not the reason
			}
			p.cmd.Reason = p.span(rest)
			rest = nil
		}
	} else {
		c.Action = "create"
		if len(segs) == 1 {
			// CONTACT acme Li Wei 13901234567
			c.Target, rest = &Ref{Name: ts[0].s}, ts[1:]
		} else {
			c.Target = &Ref{Name: segs[0].s}
		}
	}
	pieces, err := p.pieces(rest, segs[1:])
	if err != nil {
		return err
	}
	for _, ts := range pieces {
		if c.Action == "remove" {
			p.cmd.Reason = strings.TrimPrefix(p.cmd.Reason+"; "+p.span(ts), "; ")
			continue
		}
		if len(ts) == 1 && contactRemove[ts[0].l] && c.Target.ID > 0 {
			c.Action = "remove"
			c.Reason = ts[0].s
			continue
		}
		hasPhone := false
		for k := range ts {
			if _, n := phoneAt(ts, k); n > 0 || isEmail(ts[k].s) {
				hasPhone = true
				break
			}
		}
		if !hasPhone && looksLikeNumber(ts) {
			v := p.span(ts)
			return p.errAt(ts[0].off, v, "Phone \""+v+"\" not understood; write 13901234567, 010-85868466 or +1 415 555 0100")
		}
		switch {
		case hasPhone:
			p.contactText(ts)
		case c.Contact == "" && c.Action == "create":
			c.Contact = p.span(ts)
		case c.Title == "":
			c.Title = p.span(ts)
		default:
			p.addNote(p.span(ts))
		}
	}
	if c.Action == "create" && c.Contact == "" {
		return p.errAt(off+len(body), "", "Give the contact's name")
	}
	return nil
}

var accountStatus = map[string]string{"inactive": "deactivate", "deactivate": "deactivate", "disable": "deactivate", "close": "deactivate", "closed": "deactivate", "停用": "deactivate", "失效": "deactivate",
	"active": "activate", "activate": "activate", "reactivate": "activate", "enable": "activate", "启用": "activate", "恢复": "activate",
	"blacklist": "blacklist", "blacklisted": "blacklist", "黑名单": "blacklist", "拉黑": "blacklist"}

func (p *parser) account(body string, off int) *Error {
	segs := p.segments(body, off)
	c := p.cmd
	if len(segs) == 0 || segs[0].key != "" {
		return p.errAt(off, body, "ACCOUNT needs the name first")
	}
	ts := segs[0].toks
	var rest []tok
	c.Action = "create"
	if ref, ok := refOf(ts[0].s); ok {
		c.Target = &ref
		c.Action = "update"
		rest = ts[1:]
		if len(rest) > 0 {
			if a, ok := accountStatus[rest[0].l]; ok {
				c.Action = a
				rest = rest[1:]
			}
		}
	} else {
		cut := len(ts)
		for k := 1; k < len(ts); k++ {
			if _, n := phoneAt(ts, k); n > 0 {
				cut = k
				break
			}
		}
		c.Target = &Ref{Name: p.span(ts[:cut])}
		rest = ts[cut:]
	}
	pieces, err := p.pieces(rest, segs[1:])
	if err != nil {
		return err
	}
	for _, ts := range pieces {
		if len(ts) == 1 {
			if a, ok := accountStatus[ts[0].l]; ok && c.Target.ID > 0 {
				c.Action = a
				continue
			}
		}
		if c.Action == "deactivate" || c.Action == "blacklist" {
			c.Reason = strings.TrimPrefix(c.Reason+"; "+p.span(ts), "; ")
			continue
		}
		// "Sun Li 13901234567" or "李总 139…": the account's first contact
		if c.Action == "create" && c.Contact == "" {
			var name []tok
			for k := 0; k < len(ts); {
				if _, n := phoneAt(ts, k); n > 0 {
					k += n
					continue
				}
				name = append(name, ts[k])
				k++
			}
			if len(name) > 0 && (nameLike(name) || len(name) == 1 && zhNameLike(name[0].s)) {
				c.Contact = p.span(name)
				p.phones(ts)
				continue
			}
		}
		if !p.phones(ts) {
			p.addNote(p.span(ts))
		}
	}
	if c.Action == "deactivate" && c.Reason == "" {
		return p.errAt(off+len(body), "", "Making an account inactive needs a reason: ACCOUNT #12 inactive; <reason>")
	}
	return nil
}

var oppActions = map[string]string{
	"stage": "stage", "stg": "stage", "阶段": "stage", "demote": "stage", "promote": "stage", "move": "stage",
	"won": "won", "win": "won", "赢单": "won", "成交": "won", "签约": "won",
	"lost": "lost", "lose": "lost", "丢单": "lost", "输单": "lost", "丢了": "lost",
	"nodeal": "nodeal", "no-deal": "nodeal", "dead": "nodeal", "无交易": "nodeal", "取消": "nodeal",
	"amt": "amount", "amount": "amount", "value": "amount", "金额": "amount",
	"close": "close", "closing": "close", "成交日期": "close", "预计成交": "close",
	"product": "product", "products": "product", "prod": "product", "产品": "product", "机型": "product",
	"competitor": "competitor", "comp": "competitor", "vs": "competitor", "竞争对手": "competitor", "对手": "competitor",
	"role": "role", "角色": "role",
}

func (p *parser) opp(body string, off int) *Error {
	c := p.cmd
	// the action may come from the verb: WON #42, NODEAL #42, LOST #42
	verbAction := ""
	switch p.form {
	case "won", "赢单":
		verbAction = "won"
	case "nodeal":
		verbAction = "nodeal"
	case "lost", "丢单":
		verbAction = "lost"
	}
	// inline keys would split "OPP #42 stage proposal": only for creation
	segs := p.segments(body, off)
	if len(segs) == 0 {
		return p.errAt(off, body, "OPP needs the account or the opportunity's #id")
	}
	var ts []tok
	byID := false
	if p.pre != nil {
		c.Target = p.pre
		byID = true
		if segs[0].key == "" {
			ts = segs[0].toks
			segs = segs[1:]
		}
	} else if segs[0].key == "" {
		ts = segs[0].toks
		if ref, ok := refOf(ts[0].s); ok {
			c.Target = &ref
			byID = true
			ts = ts[1:]
		}
		segs = segs[1:]
	}
	if !byID && verbAction != "" {
		return p.errAt(off, body, "Which opportunity? Give its #id")
	}
	if byID {
		return p.oppUpdate(verbAction, ts, segs)
	}
	if len(ts) == 0 {
		return p.errAt(off, body, "OPP needs the account first")
	}
	// create: the account is the words before the first product, amount or date
	c.Action = "create"
	cut := len(ts)
	for k := 1; k < len(ts); k++ {
		if _, n := productAt(ts, k, true); n > 0 {
			cut = k
			break
		}
		if _, ex, n := amountAt(ts, k); n > 0 && ex {
			cut = k
			break
		}
		if ts[k].l == "close" || ts[k].l == "closing" {
			cut = k
			break
		}
	}
	c.Target = &Ref{Name: p.span(ts[:cut])}
	pieces := [][]tok{}
	if cut < len(ts) {
		pieces = append(pieces, ts[cut:])
	}
	for _, sg := range segs {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return err
			}
			continue
		}
		pieces = append(pieces, sg.toks)
	}
	for _, pc := range pieces {
		if err := p.oppPiece(pc); err != nil {
			return err
		}
	}
	return nil
}

// oppPiece reads products, amounts, close dates, stages and notes in a part
// of a new opportunity.
func (p *parser) oppPiece(ts []tok) *Error {
	c := p.cmd
	var notes []tok
	flush := func() {
		if len(notes) > 0 {
			p.addNote(p.span(notes))
			notes = notes[:0]
		}
	}
	for k := 0; k < len(ts); {
		if ts[k].l == "close" || ts[k].l == "closing" || ts[k].l == "by" && c.Close == nil {
			if t, _, n := p.whenAt(ts, k+1, false); n > 0 {
				c.Close = &t
				k += n + 1
				continue
			}
		}
		if pr, n := productAt(ts, k, true); n > 0 {
			c.Products = append(c.Products, pr)
			k += n
			continue
		}
		if a, ex, n := amountAt(ts, k); n > 0 && c.Amount == nil && (ex || a.Cents >= 100000) {
			c.Amount = &a
			k += n
			continue
		}
		if c.Close == nil {
			if t, _, n := p.whenAt(ts, k, false); n > 0 {
				c.Close = &t
				k += n
				continue
			}
		}
		if st, ok := stages[ts[k].l]; ok && len(ts) == 1 {
			c.Stage = st
			k++
			continue
		}
		notes = append(notes, ts[k])
		k++
	}
	flush()
	return nil
}

// oppUpdate reads the sub-action of OPP #42 ...
func (p *parser) oppUpdate(action string, ts []tok, segs []seg) *Error {
	c := p.cmd
	hint := func(e *Error) *Error {
		e.Hint = "OPP #42 stage proposal | won 1.2m | lost komatsu; price | nodeal <why> | amt 2.5m | close 20/12 | product 2x 320D | comp sany | role Li Wei eb"
		return e
	}
	if action == "" && len(ts) > 0 {
		if a, ok := oppActions[ts[0].l]; ok {
			action = a
			ts = ts[1:]
		} else if len(ts) >= 2 && ts[0].l == "no" && ts[1].l == "deal" {
			action = "nodeal"
			ts = ts[2:]
		} else if st, ok := stageOf(ts); ok && len(ts) <= 2 {
			action = "stage"
			_ = st
		} else if _, ex, n := amountAt(ts, 0); n > 0 && ex {
			action = "amount"
		} else if _, n := productAt(ts, 0, false); n > 0 {
			action = "product"
		} else if _, _, n := p.whenAt(ts, 0, false); n > 0 {
			action = "close"
		}
	}
	// keyed parts may carry the action too
	keyed := 0
	for _, sg := range segs {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return hint(err)
			}
			keyed++
		}
	}
	var tail []string
	for _, sg := range segs {
		if sg.key == "" {
			tail = append(tail, sg.s)
		}
	}
	tailText := strings.Join(tail, "; ")
	switch action {
	case "stage":
		st, ok := stageOf(ts)
		if !ok {
			v := p.span(ts)
			off := p.offOf(ts)
			return hint(p.errAt(off, v, "Stage \""+v+"\" not understood. Stages: 1 identification, 2 qualification, 3 development, 4 proposal, 5 won, 6 lost, 7 nodeal"))
		}
		c.Stage = st
		switch st {
		case StageWon, StageLost, StageNoDeal:
			c.Action = string(st)
		default:
			c.Action = "stage"
		}
		n := 1
		if len(ts) >= 2 && stages[ts[0].l+" "+ts[1].l] != "" {
			n = 2
		}
		rest := p.span(ts[n:])
		c.Reason = joinNonEmpty(rest, tailText)
	case "won":
		c.Action, c.Stage = "won", StageWon
		if a, _, n := amountAt(ts, 0); n > 0 {
			c.Amount = &a
			ts = ts[n:]
		}
		p.addNote(joinNonEmpty(p.span(ts), tailText))
	case "lost":
		c.Action, c.Stage = "lost", StageLost
		ts = trimWords(ts, "to")
		if len(ts) > 0 && c.Competitor == "" {
			if b, ok := brandOf(ts[0].l); ok {
				c.Competitor = b
				ts = ts[1:]
			} else if len(tail) > 0 && len(ts) <= 2 {
				// "lost xyz; price": the first part names the competitor
				c.Competitor = p.span(ts)
				ts = nil
			}
		}
		ts = trimWords(ts, "on", "because", "due", "-", "因为")
		c.Reason = joinNonEmpty(p.span(ts), tailText)
	case "nodeal":
		c.Action, c.Stage = "nodeal", StageNoDeal
		c.Reason = joinNonEmpty(p.span(ts), tailText)
	case "amount":
		a, _, n := amountAt(ts, 0)
		if n == 0 {
			v := p.span(ts)
			return hint(p.errAt(p.offOf(ts), v, "Amount \""+v+"\" not understood; write 1.2m, 350k, 350,000 or 35万"))
		}
		c.Action, c.Amount = "amount", &a
		p.addNote(joinNonEmpty(p.span(ts[n:]), tailText))
	case "close":
		t, _, n := p.whenAt(ts, 0, false)
		if n == 0 {
			v := p.span(ts)
			return hint(p.errAt(p.offOf(ts), v, "Close date \""+v+"\" not understood; write 15/12 or 2026-12-15"))
		}
		c.Action, c.Close = "close", &t
		p.addNote(joinNonEmpty(p.span(ts[n:]), tailText))
	case "product":
		c.Action = "product"
		if !p.products(ts, true) {
			v := p.span(ts)
			return hint(p.errAt(p.offOf(ts), v, "Product \""+v+"\" not understood; write 2x 320D"))
		}
		p.addNote(tailText)
	case "competitor":
		c.Action = "competitor"
		if len(ts) == 0 {
			return hint(p.errAt(p.offOf(ts), "", "Which competitor?"))
		}
		c.Competitor = competitorOf(ts)
		p.addNote(joinNonEmpty(p.span(ts[1:]), tailText))
	case "role":
		c.Action = "role"
		if !p.role(ts) {
			v := p.span(ts)
			return hint(p.errAt(p.offOf(ts), v, "Role not understood: economic buyer, user, technical evaluator or coach"))
		}
		p.addNote(tailText)
	default:
		if keyed > 0 && len(ts) == 0 {
			c.Action = "update"
			switch {
			case keyed == 1 && c.Stage != "":
				c.Action = "stage"
			case keyed == 1 && c.Amount != nil:
				c.Action = "amount"
			case keyed == 1 && c.Close != nil:
				c.Action = "close"
			case keyed == 1 && c.Competitor != "":
				c.Action = "competitor"
			case keyed == 1 && c.Role != "":
				c.Action = "role"
			case keyed == 1 && len(c.Products) > 0:
				c.Action = "product"
			}
			p.addNote(tailText)
			return nil
		}
		if len(ts) == 0 && tailText == "" {
			return hint(p.errAt(len(p.norm), "", "What about the opportunity?"))
		}
		v := p.span(ts)
		if v == "" {
			v = tailText
		}
		return hint(p.errAt(p.offOf(ts), v, "\""+firstWordOf(v)+"\" not understood for an opportunity"))
	}
	return nil
}

func firstWordOf(s string) string {
	if i := strings.IndexAny(s, " ;"); i > 0 {
		return s[:i]
	}
	return s
}

func (p *parser) offOf(ts []tok) int {
	if len(ts) == 0 {
		return len(p.norm)
	}
	return ts[0].off
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func (p *parser) equipment(body string, off int) *Error {
	c := p.cmd
	segs := p.segments(body, off)
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
		if b, ok := brandOf(rest[0].l); ok {
			c.Brand = b
			rest = rest[1:]
		}
		if len(rest) > 0 && (isModel(rest[0].s) || c.Brand != "" && modelOK(rest[0].s)) {
			c.Model = upper(rest[0].s)
			rest = rest[1:]
		}
		p.addNote(p.span(rest))
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

// ---- did you mean ----

// suggestVerb finds the verb form nearest to w by edit distance (with
// transpositions): within 1 edit for words of up to 4 letters, 2 beyond.
func suggestVerb(w string) (Verb, bool) {
	if len(w) < 3 || len(w) > 16 {
		return "", false
	}
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			return "", false
		}
	}
	best, bestD := Verb(""), 99
	for form, f := range formIndex {
		if len(form) < 3 || form[0] >= 0x80 {
			continue
		}
		d := editDistance(w, form)
		if d < bestD || d == bestD && form == lower(f.spec.Name) {
			best, bestD = f.spec.Verb, d
		}
	}
	limit := 1
	if len(w) >= 5 {
		limit = 2
	}
	if bestD <= limit {
		return best, true
	}
	return "", false
}

// editDistance is the optimal string alignment distance of a and b (ASCII).
func editDistance(a, b string) int {
	if len(a) > 32 || len(b) > 32 {
		return 99
	}
	var d [34][34]int
	for i := 0; i <= len(a); i++ {
		d[i][0] = i
	}
	for j := 0; j <= len(b); j++ {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, d[i-2][j-2]+1)
			}
			d[i][j] = v
		}
	}
	return d[len(a)][len(b)]
}

// String renders a Ref for messages.
func (r Ref) String() string {
	if r.ID > 0 {
		switch r.Kind {
		case "activity":
			return "A" + strconv.FormatInt(r.ID, 10)
		case "lead":
			return "L" + strconv.FormatInt(r.ID, 10)
		case "opp":
			return "O" + strconv.FormatInt(r.ID, 10)
		}
		return "#" + strconv.FormatInt(r.ID, 10)
	}
	return r.Name
}

// looksLikeNumber says the words are digits meant as a phone number.
func looksLikeNumber(ts []tok) bool {
	digits := 0
	for _, t := range ts {
		for i := 0; i < len(t.s); i++ {
			switch c := t.s[i]; {
			case isDigit(c):
				digits++
			case c == '+' || c == '-' || c == '(' || c == ')':
			default:
				return false
			}
		}
	}
	return digits >= 5
}

// pieces applies the key: value parts among segs and returns the other
// parts, rest (what followed the target in the first part) first.
func (p *parser) pieces(rest []tok, segs []seg) ([][]tok, *Error) {
	var out [][]tok
	if len(rest) > 0 {
		out = append(out, rest)
	}
	for _, sg := range segs {
		if sg.key != "" {
			if err := p.applyKey(sg); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, sg.toks)
	}
	return out, nil
}
