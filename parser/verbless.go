package parser

import "strings"

// verbless reads a message that does not start with a verb, or whose first
// word a verb form would misread: reports ("saw Li at acme", "去了铁岭水泥"),
// plans ("remind me call acme thu", "提醒我周四给华鑫打电话") and questions
// ("anything for me today?", "今天要干嘛", "benxi phone?"). early is true for
// the check made before the verb table: only the phrases whose first word is
// a verb form that would misread them.
func (p *parser) verbless(s string, i int, early bool) (*Command, *Error, bool) {
	l := lower(s[i:])
	if early {
		if s[i] >= 0x80 {
			if cmd, err, ok := p.zhWrite(s, i); ok {
				return cmd, err, true
			}
		}
		return p.verblessEarly(s, i, l)
	}
	if s[i] >= 0x80 {
		return p.zhQuestion(s, i)
	}
	return p.enVerbless(s, i, l)
}

// run dispatches verb v on the text from j on, as if the verb had been typed.
func (p *parser) run(v Verb, zh bool, s string, i, j int) (*Command, *Error, bool) {
	sp := specByVerb[v]
	f := foundVerb{verbForm{spec: sp, zh: zh}, "", j}
	cmd, err := p.dispatch(f, s, i, j)
	return cmd, err, true
}

// query answers a question with verb v and no parts.
func (p *parser) query(v Verb, zh bool) (*Command, *Error, bool) {
	p.cmd.Verb = v
	p.spec = specByVerb[v]
	if zh {
		p.cmd.Lang = "zh"
	}
	return p.cmd, nil, true
}

// after returns the offset in s just past prefix pre at i (case-insensitive),
// skipping spaces and a colon.
func after(s string, i int, pre string) (int, bool) {
	if len(s)-i < len(pre) || !strings.EqualFold(s[i:i+len(pre)], pre) {
		return 0, false
	}
	j := i + len(pre)
	if j < len(s) && isLetter(s[j]) && isLetter(pre[len(pre)-1]) {
		return 0, false
	}
	for j < len(s) && (s[j] == ' ' || s[j] == ':' || s[j] == ',' || s[j] == '-') {
		j++
	}
	return j, true
}

func (p *parser) verblessEarly(s string, i int, l string) (*Command, *Error, bool) {
	t := strings.TrimRight(l, "?!. ")
	switch {
	case t == "show my deals" || t == "show my opps" || t == "show my pipeline" || t == "show my opportunities":
		return p.query(VerbOpps, false)
	}
	for _, pre := range []string{"info on", "info about", "info for", "details of", "details for", "details on", "details"} {
		if j, ok := after(s, i, pre); ok && j < len(s) {
			return p.run(VerbAcct, false, s, i, j)
		}
	}
	// "next: call acme fri" at the start: a plan, not EXTEND
	for _, pre := range []string{"next:", "next step:", "next", "下次:", "下一步:"} {
		if j, ok := after(s, i, pre); ok && j < len(s) && (strings.HasSuffix(pre, ":") || activityKinds[firstWordOf(s[j:])] != "") {
			p.planTask = true
			return p.run(VerbPlan, s[i] >= 0x80, s, i, j)
		}
	}
	return nil, nil, false
}

// English

var todayOpeners = []string{"anything", "any tasks", "what's today", "whats today", "what today", "anything for me", "anything on", "whats on", "what's on", "what is on", "what do i have", "what have i got", "what have i", "my day", "my agenda", "my schedule", "whats up", "what's up", "what's my day", "whats my day"}

func (p *parser) enVerbless(s string, i int, l string) (*Command, *Error, bool) {
	t := strings.TrimRight(l, "?!. ")
	words := strings.Fields(t)
	if len(words) == 0 {
		return nil, nil, false
	}
	// plans for oneself
	for _, pre := range []string{"remind me to", "remind me", "reminder:", "reminder", "to do:", "to-do:", "need to", "must", "i need to", "i must"} {
		if j, ok := after(s, i, pre); ok && j < len(s) {
			p.planTask = true
			return p.run(VerbPlan, false, s, i, j)
		}
	}
	// leads
	for _, pre := range []string{"new lead", "got a lead", "a lead", "lead"} {
		if j, ok := after(s, i, pre); ok && j < len(s) {
			if k, ok := p.leadFrom(s, j); ok {
				j = k
			}
			return p.run(VerbLead, false, s, i, j)
		}
	}
	for _, pre := range []string{"add contact", "new contact", "add a contact"} {
		if j, ok := after(s, i, pre); ok && j < len(s) {
			return p.run(VerbContact, false, s, i, j)
		}
	}
	// reports: visits
	for _, pre := range []string{"met with", "saw", "met", "visited", "went to see", "went to", "was at", "were at", "been to", "dropped by", "dropped in at", "stopped by", "called in at", "went by"} {
		if j, ok := after(s, i, pre); ok && j < len(s) {
			return p.reportPersonAt(VerbVisit, s, i, j, pre == "saw" || pre == "met" || pre == "met with")
		}
	}
	// calls
	for _, pre := range []string{"rang", "phoned", "rung", "called", "spoke to", "spoke with", "talked to", "talked with", "had a call with", "call with"} {
		if j, ok := after(s, i, pre); ok && j < len(s) {
			return p.reportPersonAt(VerbCall, s, i, j, strings.HasPrefix(pre, "spoke") || strings.HasPrefix(pre, "talked") || strings.HasSuffix(pre, "with"))
		}
	}
	// questions
	if words[0] == "how" && len(words) > 2 && words[1] == "many" || strings.HasPrefix(t, "how am i doing") {
		p.cmd.Verb, p.spec = VerbFunnel, specByVerb[VerbFunnel]
		p.periodIn(words)
		return p.cmd, nil, true
	}
	for _, pre := range todayOpeners {
		if strings.HasPrefix(t, pre) {
			p.cmd.Verb, p.spec = VerbToday, specByVerb[VerbToday]
			ts := p.tokenize(s[i:], i, p.tokBuf[:0])
			for k := range ts {
				if tm, ht, n := p.whenAt(ts, k, false); n > 0 {
					if !tm.Equal(p.today()) || ht {
						p.cmd.Due, p.cmd.HasTime = &tm, ht
					}
					break
				}
			}
			return p.cmd, nil, true
		}
	}
	hasMy := false
	for _, w := range words {
		if w == "my" {
			hasMy = true
		}
	}
	if hasMy {
		for _, w := range words {
			switch w {
			case "deals", "opps", "pipeline", "opportunities", "deal", "pipe":
				return p.query(VerbOpps, false)
			}
		}
	}
	for _, pre := range []string{"who is", "who's", "whos"} {
		if j, ok := after(s, i, pre); ok && j < len(s) {
			return p.run(VerbFind, false, s, i, j)
		}
	}
	for _, pre := range []string{"whats the address of", "what's the address of", "address of", "whats the phone of", "what's the number of", "whats the number of", "phone of", "number of", "number for", "phone for", "address for"} {
		if j, ok := after(s, i, pre); ok && j < len(s) {
			return p.run(VerbAcct, false, s, i, j)
		}
	}
	// "benxi phone?", "acme number": the account's details
	if n := len(words); n >= 2 && n <= 5 {
		switch words[n-1] {
		case "phone", "number", "tel", "address", "addr", "details", "phone number", "contacts":
			end := i + len(strings.TrimRight(s[i:], "?!. "))
			end -= len(words[n-1])
			p.cmd.Verb, p.spec = VerbAcct, specByVerb[VerbAcct]
			p.cmd.Target = &Ref{Name: strings.TrimRight(strings.TrimSpace(s[i:end]), "'s")}
			p.cmd.Target.Name = strings.TrimSpace(p.cmd.Target.Name)
			return p.cmd, nil, true
		}
	}
	return nil, nil, false
}

// periodIn sets the period from words like "this month", "this week".
func (p *parser) periodIn(words []string) {
	for k := range words {
		if k+1 < len(words) {
			if pr, ok := periods[words[k]+" "+words[k+1]]; ok {
				p.cmd.Period = pr
				return
			}
		}
		if pr, ok := periods[words[k]]; ok {
			p.cmd.Period = pr
			return
		}
	}
}

// leadFrom reads "from wang jun:" / "from the expo:" after "lead": the
// referrer or the source. It returns where the lead itself starts.
func (p *parser) leadFrom(s string, j int) (int, bool) {
	k, ok := after(s, j, "from")
	if !ok {
		return 0, false
	}
	c := strings.IndexAny(s[k:], ":;\n")
	if c <= 0 {
		return 0, false
	}
	who := strings.TrimSpace(s[k : k+c])
	w := strings.TrimPrefix(lower(who), "the ")
	if src, ok := SourceWord(w); ok {
		p.cmd.Source = src
	} else if who != "" {
		p.cmd.Source, p.cmd.Referrer = "referral", who
	}
	k += c + 1
	for k < len(s) && s[k] == ' ' {
		k++
	}
	return k, true
}

// reportPersonAt reads "<person> at <account>, <notes>" (withPerson) or
// "<account>, <notes>" after a report's opening words, and logs verb v.
func (p *parser) reportPersonAt(v Verb, s string, i, j int, withPerson bool) (*Command, *Error, bool) {
	end := len(s)
	if k := strings.IndexAny(s[j:], ",;\n/"); k >= 0 {
		end = j + k
	}
	head := s[j:end]
	lh := lower(head)
	if withPerson {
		for _, at := range []string{" at ", " of ", " from ", " in "} {
			if k := strings.Index(lh, at); k > 0 {
				p.cmd.Contact = strings.TrimSpace(head[:k])
				j += k + len(at)
				break
			}
		}
	}
	cmd, err, ok := p.run(v, false, s, i, j)
	if cmd != nil && cmd.Target != nil {
		// "by phone", "on the phone" say how, not where
		for _, how := range []string{" on the phone", " by phone", " over the phone", " today"} {
			if n := cmd.Target.Name; len(n) > len(how) && strings.EqualFold(n[len(n)-len(how):], how) {
				cmd.Target.Name = n[:len(n)-len(how)]
			}
		}
		// "huaxin this morning": when, kept in the notes
		for _, when := range []string{" this morning", " this afternoon", " earlier", " just now", " this am", " this pm"} {
			if n := cmd.Target.Name; len(n) > len(when) && strings.EqualFold(n[len(n)-len(when):], when) {
				cmd.Target.Name = n[:len(n)-len(when)]
				if cmd.Notes == "" {
					cmd.Notes = strings.TrimSpace(when)
				} else {
					cmd.Notes = strings.TrimSpace(when) + "; " + cmd.Notes
				}
			}
		}
	}
	return cmd, err, ok
}
