package parser

import (
	"strings"
)

// segments

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
		if key == "smu" && hourUnits[t.l] && k > 0 && isDigit(pts[k-1].l[0]) {
			return "", "", false, false // "3310 hours": the unit, not the key
		}
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
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "- "))
	if s == "" {
		return
	}
	if p.cmd.Notes == "" {
		p.cmd.Notes = s
	} else {
		p.cmd.Notes += "; " + s
	}
}

// keep puts text that was not understood where a value was expected into
// the notes, and says so (KeptAsNote), so nothing typed is lost silently.
func (p *parser) keep(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	p.addNote(s)
	if p.cmd.KeptAsNote == "" {
		p.cmd.KeptAsNote = s
	} else {
		p.cmd.KeptAsNote += "; " + s
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
		if c.Verb == VerbOpp && a.Cents > 0 && a.Cents < minDeal {
			return p.smallDeal(sg.toks, n) // amt: ¥16 is surely not what was meant
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
		c.Referrer = strings.TrimPrefix(strings.TrimPrefix(v, "by "), "from ") // ref by wang jun
		if c.Source == "" {
			c.Source = "referral" // 介绍人 老陈
		}
	case "serial":
		c.Serial = upper(sg.toks[0].s)
		if len(sg.toks) > 1 {
			p.addNote(p.words(p.eqValues(sg.toks[1:])))
		}
	case "smu":
		n, ok := smuOf(sg.toks[0].l)
		if !ok {
			return p.errAt(sg.off, v, "Hours \""+v+"\" not understood; write smu 4520")
		}
		c.SMU = &n
		rest := sg.toks[1:]
		if len(rest) > 0 && hourUnits[rest[0].l] {
			rest = rest[1:] // "工时 2100小时", "smu: 2100 hours": the unit
		}
		if len(rest) > 0 { // "smu 5120 oil leak at boom"
			p.keep(p.span(rest))
		}
	case "location":
		c.Location = v
	case "condition":
		if cd, ok := conditions[lower(v)]; ok {
			c.Condition = cd
		} else {
			c.Condition = v
		}
	case "bought":
		t, n := p.boughtAt(sg.toks, 0)
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
		if len(sg.toks) > 0 {
			c.CompetitorTyped = typedBrand(sg.toks[0].s, c.Competitor)
		}
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
