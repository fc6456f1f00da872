package parser

import (
	"strings"
)

// records

var leadActions = map[string]string{
	"qualify": "qualify", "qualified": "qualify", "qual": "qualify", "ok": "qualify", "valid": "qualify", "合格": "qualify", "有效": "qualify", "确认": "qualify",
	"disqualify": "disqualify", "disqualified": "disqualify", "dq": "disqualify", "invalid": "disqualify", "junk": "disqualify", "unqualified": "disqualify", "不合格": "disqualify", "无效": "disqualify",
	"convert": "convert", "converted": "convert", "conv": "convert", "转化": "convert", "转换": "convert", "转客户": "convert",
}

func (p *parser) lead(body string, off int) *Error {
	// "lead from wang jun: …", "lead from the expo: …"
	if k, ok := p.leadFrom(p.norm, off+len(body)-len(strings.TrimLeft(body, " "))); ok {
		body, off = p.norm[k:off+len(body)], k
	}
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
			if (c.Action == "qualify" || c.Action == "convert") && len(ts) > 0 {
				p.keep(p.span(ts)) // "lead 9 qualify budget confirmed"
				ts = nil
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
	if who, ok := referralAt(ts); ok && c.Referrer == "" { // referred by zhao lei, 介绍人 老陈
		c.Source, c.Referrer = "referral", p.span(who)
		return
	}
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

var contactRemove = map[string]bool{"left": true, "retired": true, "deceased": true, "died": true, "quit": true, "resigned": true, "delete": true, "remove": true, "gone": true, "离职": true, "退休": true, "去世": true, "删除": true, "已离职": true, "离职了": true, "退休了": true}

func (p *parser) contact(body string, off int) *Error {
	segs := p.segments(body, off)
	c := p.cmd
	if p.pre != nil && (len(segs) == 0 || segs[0].key != "") {
		segs = append([]seg{{}}, segs...) // "contact 31 left": the id came first
	}
	if len(segs) == 0 || segs[0].key != "" {
		return p.errAt(off, body, "CONTACT needs the account first")
	}
	ts := segs[0].toks
	var rest []tok
	ref, isRef := Ref{}, false
	if p.pre != nil {
		ref, isRef = *p.pre, true
		rest = ts
	} else if len(ts) > 0 {
		ref, isRef = refOf(ts[0].s)
		if isRef {
			rest = ts[1:]
		}
	}
	if isRef {
		c.Target = &ref
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
			// CONTACT acme Li Wei 13901234567; "acme mining Li Wei …": a
			// known account's name may take several words
			n := 1
			if k, m := p.nameAt(ts, 0); m > 1 && m < len(ts) && k&NameAccount != 0 {
				n = m
			}
			c.Target, rest = &Ref{Name: p.span(ts[:n])}, ts[n:]
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
		// "account benxi": a name alone shows the account
		if len(segs) == 1 && cut == len(ts) {
			c.Verb, c.Action = VerbAcct, ""
			p.spec = specByVerb[VerbAcct]
			c.Target = &Ref{Name: strings.TrimRight(segs[0].s, "?.!")}
			return nil
		}
		// "ACCOUNT huaxin tel 0411-…": a number after a phone word changes it
		if len(segs) == 1 && cut < len(ts) && cut > 1 && phoneWords[ts[cut-1].l] {
			return p.accountUpdate(ts, cut)
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
