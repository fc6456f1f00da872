package parser

import (
	"strings"
)

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
	"reopen": "reopen", "re-open": "reopen", "重开": "reopen", "重启": "reopen",
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
	if len(segs) == 0 && p.pre != nil && verbAction != "" { // "O33 won"
		c.Target = p.pre
		return p.oppUpdate(verbAction, nil, nil)
	}
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
			if a.Cents < minDeal {
				return p.smallDeal(ts[k:], n) // RMB 1.6: ask, never store 1.60
			}
			c.Amount = &a
			k += n
			continue
		}
		if c.Close == nil {
			if t, _, n := p.whenAt(ts, k, false); n > 0 {
				c.Close = &t
				k += n
				notes, k = closeWords(notes, ts, k) // 预计下个月15号成交
				continue
			}
		}
		if st, ok := stages[ts[k].l]; ok && len(ts) == 1 {
			c.Stage = st
			k++
			continue
		}
		if c.Amount == nil && isDecimal(ts[k].l) {
			// "2.4 bananas": a deal's amount with a unit nobody reads;
			// ask rather than keep a deal without its amount
			v := p.span(ts[k:min(k+2, len(ts))])
			return p.errAt(ts[k].off, v, "Amount \""+v+"\" is not an amount I can read; write 2.4m, 240万 or 2,400,000")
		}
		notes = append(notes, ts[k])
		k++
	}
	flush()
	return nil
}

// closeWords drops the words around a close date that only say it is one
// (预计 … 成交, expected to close …): the last of notes, and ts[k].
func closeWords(notes, ts []tok, k int) ([]tok, int) {
	if n := len(notes); n > 0 && (notes[n-1].l == "预计" || notes[n-1].l == "预计在" || notes[n-1].l == "expected" || notes[n-1].l == "估计") {
		notes = notes[:n-1]
	}
	if k < len(ts) && (ts[k].l == "成交" || ts[k].l == "签约" || ts[k].l == "签合同" || ts[k].l == "下单") {
		k++
	}
	return notes, k
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
		} else if lostStart(ts) { // 被小松抢了, 输给了柳工
			action = "lost"
			ts = trimWords(ts, "输了", "丢了")
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
	case "reopen": // OPP #42 reopen [<stage>]; <why>
		c.Action = "reopen"
		if st, ok := stageOf(ts); ok {
			n := 1
			if len(ts) >= 2 && stages[ts[0].l+" "+ts[1].l] != "" {
				n = 2
			}
			c.Stage, ts = st, ts[n:]
		}
		c.Reason = joinNonEmpty(p.span(ts), tailText)
	case "won":
		c.Action, c.Stage = "won", StageWon
		if a, _, n := amountAt(ts, 0); n > 0 && a.Cents > 0 && a.Cents < minDeal {
			return hint(p.smallDeal(ts, n))
		} else if n > 0 {
			c.Amount = &a
			ts = ts[n:]
		}
		p.addNote(joinNonEmpty(p.span(ts), tailText))
	case "lost":
		c.Action, c.Stage = "lost", StageLost
		if comp, typed, rest := lostPhrase(ts); comp != "" && c.Competitor == "" {
			c.Competitor, c.CompetitorTyped, ts = comp, typed, rest // 丢单给三一, lost to sany
		}
		ts = trimWords(ts, "to")
		if len(ts) > 0 && c.Competitor == "" {
			if b, ok := brandOf(ts[0].l); ok {
				c.Competitor, c.CompetitorTyped = b, typedBrand(ts[0].s, b)
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
		if a.Cents > 0 && a.Cents < minDeal {
			return hint(p.smallDeal(ts, n))
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
		c.Competitor, c.CompetitorTyped = competitorOf(ts), typedBrand(ts[0].s, competitorOf(ts))
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

// isDecimal says w is a number with a fraction: 2.4, 1.25.
func isDecimal(w string) bool {
	dot := strings.IndexByte(w, '.')
	if dot <= 0 || dot == len(w)-1 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if i != dot && !isDigit(w[i]) {
			return false
		}
	}
	return true
}
