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
	subjFrom    int    // start of a person whose words follow at subjTo, for noteSpan; -1 when none
	subjTo      int
	planTask    bool // a plan read from "remind me", "todo:", "next:": words without a type are its subject
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
	p.cmd, p.spec, p.form, p.pre, p.inline, p.lastContact, p.planTask = nil, nil, "", nil, nil, false, false
	p.subjFrom = -1
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
	// "选2", "第2个": a numbered choice in Chinese.
	if n, ok := zhChoice(s[i:]); ok {
		p.cmd.Verb = VerbChoice
		p.cmd.Choice = n
		return p.cmd, nil
	}
	// "Done#23": the verb glued to the id.
	if k := strings.IndexByte(w, '#'); k > 0 {
		if f, ok := lookupVerb(w[:k]); ok && idVerbs[f.spec.Verb] {
			return p.dispatch(foundVerb{f, lower(w[:k]), i + k}, s, i, i+k)
		}
	}
	// "REJ57", "opp33": the verb glued to a bare id.
	if k := strings.IndexAny(w, "0123456789"); k >= 2 && k < len(w) && w[k-1] < 0x80 {
		if f, ok := lookupVerb(w[:k]); ok && idVerbs[f.spec.Verb] {
			if _, _, ok := bareID(s, i+k); ok {
				return p.dispatch(foundVerb{f, lower(w[:k]), i + k}, s, i, i+k)
			}
		}
	}
	// "23 done", "23完成": a bare id first, then a verb that takes one.
	if cmd, err, ok := p.idFirst(s, i, w, end); ok {
		return cmd, err
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
		// "L5 qualify", "O42 stage proposal": the action says the verb
		if _, ok := leadActions[lower(w2)]; ok && ref.Kind == "lead" {
			p.pre = &ref
			return p.dispatch(foundVerb{verbForm{spec: specByVerb[VerbLead]}, "lead", j}, s, i, j)
		}
		if _, ok := oppActions[lower(w2)]; ok && ref.Kind == "opp" {
			p.pre = &ref
			return p.dispatch(foundVerb{verbForm{spec: specByVerb[VerbOpp]}, "opp", j}, s, i, j)
		}
		// "#14 被小松抢了", "#14 lost to sany": only a deal is lost to someone
		if ref.Kind == "" || ref.Kind == "opp" {
			if ts := p.tokenize(s[j:], j, p.tokBuf[:0]); lostStart(ts) || len(ts) > 2 && ts[0].l == "lost" && ts[1].l == "to" {
				p.pre = &ref
				return p.dispatch(foundVerb{verbForm{spec: specByVerb[VerbOpp]}, "opp", j}, s, i, j)
			}
		}
		if strings.TrimSpace(s[end:]) == "" {
			return nil, &Error{Pos: i, Part: w, Msg: "What should be done with " + w + "?", Hint: "DONE " + w + " <outcome> | REJECT " + w + " <reason> | ASSIGN " + w + " <who>"}
		}
		return nil, &Error{Pos: j, Part: w2, Msg: "Unknown command \"" + w2 + "\" after " + w, Hint: "DONE " + w + " <outcome> | REJECT " + w + " <reason> | ASSIGN " + w + " <who>"}
	}
	f, ok := p.verbAt(w, s, i, end)
	// Questions and reports that a verb word would misread: "show my deals",
	// "info on acme", "next: call acme fri", "今天去了铁岭水泥".
	if !ok || f.form == "show" || f.form == "info" || f.spec.Verb == VerbToday && f.zh {
		if cmd, err, ok := p.verbless(s, i, true); ok {
			return cmd, err
		}
	}
	if ok {
		return p.dispatch(f, s, i, f.end)
	}
	// Reports and questions without a verb: "saw Li at acme", "今天要干嘛".
	if cmd, err, ok := p.verbless(s, i, false); ok {
		return cmd, err
	}
	if cmd, err, ok := p.knownFirst(s, i); ok {
		return cmd, err
	}
	return p.misspelt(s, i, w, end)
}

// misspelt answers a first word that is no verb: when one verb is clearly
// meant it is carried out (ReadAs says how the word was read); when two are
// close, or the rest does not read as that verb, the error asks.
func (p *parser) misspelt(s string, i int, w string, end int) (*Command, *Error) {
	e := &Error{Pos: i, Part: w, Msg: "Unknown command \"" + w + "\"", Hint: generalHint}
	if form, v, ok := suggestZhVerb(w); ok {
		e.Suggest = form
		e.Hint = specByVerb[v].HelpZH
		// "拜方 xinmin farm works；shi lei": a customer the sender knows
		// follows, so the verb meant is sure; say how it was read
		if ts := p.tokenize(s[end:], end, make([]tok, 0, 8)); len(ts) > 0 && (v == VerbVisit || v == VerbCall || v == VerbMeeting) {
			if kd, n := p.nameAt(ts, 0); n > 0 && kd&NameAccount != 0 {
				if f, ok := lookupVerb(form); ok {
					if cmd, err := p.dispatch(foundVerb{f, form, end}, s, i, end); err == nil {
						cmd.ReadAs = w
						return cmd, nil
					}
				}
			}
		}
		return nil, e
	}
	ms, sure := suggestVerbs(lower(w))
	switch {
	case len(ms) == 0:
		return nil, e
	case len(ms) > 1:
		names := make([]string, len(ms))
		for k, m := range ms {
			names[k] = m.f.spec.Name
			if m.meaning() != string(m.f.spec.Verb) {
				names[k] = upper(m.form)
			}
		}
		e.Suggest = strings.Join(names, " or ")
		return nil, e
	}
	m := ms[0]
	sp := m.f.spec
	e.Suggest = sp.Name
	e.Hint = sp.Form
	if !sure {
		return nil, e
	}
	cmd, err := p.dispatch(foundVerb{m.f, m.form, end}, s, i, end)
	if err != nil {
		return nil, e // the rest does not read as that verb either: ask
	}
	cmd.ReadAs = w
	return cmd, nil
}

// idVerbs take a record's id first: for them a bare number is the id
// ("done 23", "23 done", "完成23").
var idVerbs = map[Verb]bool{VerbDone: true, VerbReject: true, VerbApprove: true, VerbAck: true, VerbExtend: true,
	VerbAssign: true, VerbUndo: true, VerbOpp: true, VerbLead: true, VerbEquipment: true, VerbContact: true}

// idFirst reads "23 done ...", "23完成", "61去不了 ...": a bare number, then a
// verb that takes an id.
func (p *parser) idFirst(s string, i int, w string, end int) (*Command, *Error, bool) {
	// "no.37 done", "nr 37 done": the number's label first
	for _, pre := range []string{"no.", "nr.", "no", "nr"} {
		if len(w) > len(pre) && strings.EqualFold(w[:len(pre)], pre) && isDigit(w[len(pre)]) {
			w, i = w[len(pre):], i+len(pre)
			break
		}
	}
	k := 0
	for k < len(w) && isDigit(w[k]) {
		k++
	}
	if k == 0 || k > 9 {
		return nil, nil, false
	}
	n, _ := atoi(w[:k])
	if n <= 0 {
		return nil, nil, false
	}
	var f foundVerb
	ok := false
	if k < len(w) && w[k] >= 0x80 { // "57完成"
		f, ok = p.verbAt(w[k:], s, i+k, end)
	} else if k == len(w) {
		j := end
		for j < len(s) && (isSpace(s[j]) || s[j] == ':' || s[j] == ',') {
			j++
		}
		w2, end2 := firstWord(s, j)
		f, ok = p.verbAt(w2, s, j, end2)
	}
	if !ok || !idVerbs[f.spec.Verb] {
		return nil, nil, false
	}
	p.pre = &Ref{ID: int64(n)}
	cmd, err := p.dispatch(f, s, i, f.end)
	return cmd, err, true
}

// bareID reads the id right after a verb that takes one when it is not
// written "#17": "23", "# 23", "no.23", "No. 23", "nr 23", "第23号". It returns
// the id and where the text after it begins.
func bareID(s string, i int) (int, int, bool) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	j := i
	switch {
	case j < len(s) && s[j] == '#':
		j++
		if j < len(s) && isDigit(s[j]) {
			return 0, 0, false // "#23": read as before
		}
	case strings.HasPrefix(s[j:], "第"):
		j += len("第")
	default:
		for _, pre := range []string{"no.", "no", "nr.", "nr", "id"} {
			if len(s)-j > len(pre) && strings.EqualFold(s[j:j+len(pre)], pre) && !isLetter(s[j+len(pre)]) {
				j += len(pre)
				break
			}
		}
	}
	for j < len(s) && s[j] == ' ' {
		j++
	}
	a := j
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == a || j-a > 9 {
		return 0, 0, false
	}
	n, _ := atoi(s[a:j])
	if n <= 0 {
		return 0, 0, false
	}
	for _, suf := range []string{"号", "条"} {
		if strings.HasPrefix(s[j:], suf) {
			j += len(suf)
		}
	}
	if j < len(s) {
		c := s[j]
		switch {
		case isAlnum(c), c == '/', c == '-', c == '*', c == '%', c == '.' && j+1 < len(s) && isDigit(s[j+1]):
			return 0, 0, false // "2x", "28/11", "1.2m", "300-"
		case c >= 0x80:
			for _, unit := range []string{"台", "万", "元", "个", "小时", "天", "月", "年", "点", "米", "吨", "块"} {
				if strings.HasPrefix(s[j:], unit) {
					return 0, 0, false
				}
			}
		}
	}
	return n, j, true
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
	if f.zh && strings.HasPrefix(s[rest:], "了") { // "拜访了华鑫"
		rest += len("了")
	}
	if f.zh && f.spec.Verb == VerbCall && strings.HasPrefix(s[rest:], "给") { // "打电话给沈阳地铁建设孙晓东"
		rest += len("给")
	}
	if p.pre == nil && idVerbs[p.cmd.Verb] {
		if n, j, ok := bareID(s, rest); ok && !p.numberStartsName(s, rest, j) {
			p.pre = &Ref{ID: int64(n)}
			rest = j
			for rest < len(s) && (s[rest] == ':' || s[rest] == '.' || s[rest] == ',' || s[rest] == '-') {
				rest++
			}
		}
	}
	body := s[rest:]
	// WON #42, LOST #42, STAGE #42: opportunity actions.
	if p.cmd.Verb == VerbLost {
		isRef := p.pre != nil // "O42 lost sany"
		if ts := p.tokenize(body, rest, p.tokBuf[:0]); len(ts) > 0 {
			if _, ok := refOf(ts[0].s); ok {
				isRef = true
			}
		}
		if n, j, ok := bareID(s, rest); ok && !isRef { // "lost 42 sany"
			p.pre, rest, body, isRef = &Ref{ID: int64(n)}, j, s[j:], true
		}
		if isRef {
			p.spec = specByVerb[VerbOpp]
			p.cmd.Verb = VerbOpp
			p.form = "lost"
		}
	}
	var err *Error
	switch p.cmd.Verb {
	case VerbVisit, VerbCall, VerbMeeting:
		p.inline = inlineLog
		if err = p.logActivity(body, rest); err == nil {
			p.plannedMeeting()
		}
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
	if err := p.unread(); err != nil {
		return nil, err
	}
	return p.cmd, nil
}

// verbAfterName reads a logged activity's verb written after the customer:
// a past form ("tieling cement visited, …", "fushun coal rang …"), or the
// plain word closed by punctuation ("zhuanghe seafood park visit, …"; "acme
// call thu" is a call to make).
func verbAfterName(s string, t tok) Verb {
	var v Verb
	switch t.l {
	case "visited":
		return VerbVisit
	case "called", "rang", "phoned":
		return VerbCall
	case "visit":
		v = VerbVisit
	case "call":
		v = VerbCall
	case "meeting":
		v = VerbMeeting
	default:
		return ""
	}
	if e := t.end(); e < len(s) && (s[e] == ',' || s[e] == ';' || s[e] == ':' || s[e] == '.') {
		return v
	}
	return ""
}

// numberStartsName says whether the number after a verb that takes an id is
// the first word of a name instead: of an account the sender knows ("OPP 3
// Brothers Quarry; 2x 320D"), or of the new company of a LEAD ("LEAD 3
// Brothers Quarry; …"), which is followed by words that are no lead action.
func (p *parser) numberStartsName(s string, from, j int) bool {
	ts := p.tokenize(s[from:], from, nil)
	if len(ts) < 2 {
		return false
	}
	if kind, m := p.nameAt(ts, 0); m > 1 && kind&NameAccount != 0 {
		return true
	}
	if p.cmd.Verb != VerbLead {
		return false
	}
	k := j
	for k < len(s) && s[k] == ' ' {
		k++
	}
	if k == len(s) || !(isLetter(s[k]) || s[k] >= 0x80) {
		return false // "LEAD 3; …", "LEAD 3 139…"
	}
	w, _ := firstWord(s, k)
	if p.form == "newlead" || p.form == "新线索" {
		return true // a new lead is never one that exists
	}
	if s[k] >= 0x80 && (zhPersonLike(w) || zhNameLike(w)) {
		return false // "线索 9 王总 139…": its contact
	}
	if _, ok := leadActions[lower(w)]; ok || w == "" {
		return false // "lead 9 qualify"
	}
	if _, ok := keyAliases[lower(w)]; ok {
		return false // "lead 9 source: web"
	}
	if _, ok := inlineLead[lower(w)]; ok {
		return false // "lead 9 src web"
	}
	return true
}

// unread refuses a command where an id or a date that matters could not be
// read and would otherwise be stored as a name or a subject ("done #12a",
// "PLAN call acme 31/02"): the reply asks for it instead.
func (p *parser) unread() *Error {
	c := p.cmd
	if c.Target != nil && c.Target.ID == 0 && idVerbs[c.Verb] {
		n := c.Target.Name
		if strings.HasPrefix(n, "#") || len(n) <= 6 && n != "" && isDigit(n[0]) && !isModel(n) {
			off := strings.Index(p.norm, n)
			return p.errAt(max(off, 0), n, "Id \""+n+"\" not understood; give the number, e.g. "+strings.ToUpper(p.spec.Name)+" #17")
		}
	}
	for _, f := range []string{targetName(c.Target), c.Assignee, c.Contact, nextWhat(c.Next)} {
		for _, w := range strings.Fields(f) {
			if badDate(w) {
				off := strings.Index(p.norm, w)
				return p.errAt(max(off, 0), w, "Date \""+w+"\" not understood; write 20/12, 2026-12-20, fri or next mon")
			}
		}
	}
	return nil
}

func targetName(r *Ref) string {
	if r == nil {
		return ""
	}
	return r.Name
}

func nextWhat(f *FollowUp) string {
	if f == nil {
		return ""
	}
	return f.What
}

// badDate says w has the shape of a date (31/02, 45/13, 2026-13-01) but is
// none.
func badDate(w string) bool {
	w = strings.TrimRight(w, ".,;")
	if len(w) < 3 || len(w) > 10 || !isDigit(w[0]) || !isDigit(w[len(w)-1]) {
		return false
	}
	seps := 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case isDigit(c):
		case c == '/' || c == '-' || c == '.':
			if i+1 < len(w) && !isDigit(w[i+1]) {
				return false
			}
			seps++
		default:
			return false
		}
	}
	if seps == 0 || seps > 2 {
		return false
	}
	if strings.Count(w, ".") > 0 && seps == 1 { // 1.2: an amount
		return false
	}
	_, ok := numDate(w)
	return !ok
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

// knownFirst reads a message that starts with a name the sender knows and
// no verb: "zhao lei call benxi" (a colleague and an activity: PLAN for
// him), "gao peng at fushun coal" (a person at a customer: VISIT),
// "营口港 王总 336 下周四报价" (a customer and what happened there: VISIT),
// "tieling cement send price list thu" (a customer and something to do: a
// task for oneself). Without a lexicon it reads nothing.
func (p *parser) knownFirst(s string, i int) (*Command, *Error, bool) {
	if p.lex == nil {
		return nil, nil, false
	}
	ts := p.tokenize(s[i:], i, make([]tok, 0, 16))
	kind, n := p.nameAt(ts, 0)
	if n == 0 || n >= len(ts) {
		return nil, nil, false
	}
	rest := ts[n:]
	zh := s[i] >= 0x80
	switch {
	case kind&NameUser != 0 && activityKinds[rest[0].l] != "":
		return p.run(VerbPlan, zh, s, i, i)
	case kind.Person() && (rest[0].l == "at" || rest[0].l == "@" || rest[0].l == "from" || rest[0].l == "在"):
		return p.run(VerbVisit, zh, s, i, i)
	case kind&NameAccount != 0 && len(rest) > 1 && verbAfterName(s, rest[0]) != "":
		// "zhuanghe seafood park visit, fang ning, …": the verb after the
		// customer; it becomes a separator, so the offsets stay
		v := verbAfterName(s, rest[0])
		b := []byte(s)
		b[rest[0].off] = ';'
		for k := rest[0].off + 1; k < rest[0].end(); k++ {
			b[k] = ' '
		}
		p.norm = string(b)
		return p.run(v, zh, p.norm, i, i)
	case kind&NameAccount != 0:
		if zh || p.personAt(rest, 0) > 0 || markerAt(rest, 0) != 0 {
			return p.run(VerbVisit, zh, s, i, i)
		}
		// a customer and something to do: a task for oneself, the customer
		// its target and the words after it what to do
		p.planTask = true
		cmd, err, ok := p.run(VerbPlan, false, s, i, i)
		if name := s[ts[0].off:ts[n-1].end()]; err == nil && cmd.Target == nil && len(cmd.Notes) > len(name) && strings.EqualFold(cmd.Notes[:len(name)], name) {
			cmd.Target = &Ref{Name: name}
			cmd.Notes = strings.TrimSpace(cmd.Notes[len(name):])
		}
		if err == nil && cmd.Kind == "task" {
			if kd := activityKinds[lower(cmd.Notes)]; kd != "" {
				cmd.Kind, cmd.Notes = kd, "" // "acme mining call thu"
			}
		}
		return cmd, err, ok
	}
	return nil, nil, false
}
