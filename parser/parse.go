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
	lex         *Lexicon // the sender's known names, or nil
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
	p.lex = ctx.Lexicon
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
