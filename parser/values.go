package parser

import (
	"strings"
)

// amounts

var currencyWords = map[string]string{
	"¥": "CNY", "rmb": "CNY", "cny": "CNY", "元": "CNY", "块": "CNY", "yuan": "CNY", "人民币": "CNY", "万元": "CNY", "亿元": "CNY", "千元": "CNY",
	"$": "USD", "usd": "USD", "us$": "USD", "美元": "USD", "美金": "USD",
	"€": "EUR", "eur": "EUR", "欧元": "EUR",
}

var multipliers = map[string]int64{
	"k": 1e3, "K": 1e3, "thousand": 1e3, "千": 1e3, "千元": 1e3,
	"m": 1e6, "mn": 1e6, "mil": 1e6, "mill": 1e6, "mio": 1e6, "million": 1e6, "millions": 1e6, "百万": 1e6,
	"b": 1e9, "bn": 1e9, "billion": 1e9,
	"w": 1e4, "万": 1e4, "万元": 1e4, "千万": 1e7,
	"亿": 1e8, "亿元": 1e8,
}

// amountPrefixes are currency signs written before the number, longest first.
var amountPrefixes = []string{"us$", "rmb", "cny", "usd", "eur", "¥", "$", "€"}

// parseAmount reads one word as an amount: 1.2m, 350k, 350,000, 35万,
// 1.5亿, ¥350000, $1,200, rmb350k, 350000元, 35w. explicit says a unit or a
// currency was written (so a bare "2" is not taken for money by accident).
func parseAmount(w string) (a Amount, explicit, ok bool) {
	w = lower(w)
	if y, n := zhAmount(w); n > 0 {
		if rest := w[n:]; rest == "" || currencyWords[rest] != "" {
			cur := currencyWords[rest]
			if strings.HasSuffix(w[:n], "元") || strings.HasSuffix(w[:n], "块") {
				cur = "CNY" // 十五万元
			}
			return Amount{Cents: y * 100, Currency: cur}, true, true
		}
	}
	for _, pre := range amountPrefixes {
		if strings.HasPrefix(w, pre) {
			a.Currency = currencyWords[pre]
			w = w[len(pre):]
			explicit = true
			break
		}
	}
	// digits with thousands separators and a fraction
	i := 0
	var whole int64
	groups := 0
	digits := 0
	for i < len(w) {
		c := w[i]
		if isDigit(c) {
			if whole > 1e15 {
				return a, false, false
			}
			whole = whole*10 + int64(c-'0')
			digits++
			i++
			continue
		}
		if c == ',' && digits > 0 {
			// must be followed by exactly three digits
			if i+4 <= len(w) && isDigit(w[i+1]) && isDigit(w[i+2]) && isDigit(w[i+3]) && (i+4 == len(w) || !isDigit(w[i+4])) {
				groups++
				i++
				continue
			}
			return a, false, false
		}
		break
	}
	if digits == 0 {
		return a, false, false
	}
	var frac int64
	fracDigits := 0
	if i < len(w) && w[i] == '.' {
		i++
		for i < len(w) && isDigit(w[i]) {
			if fracDigits < 6 {
				frac = frac*10 + int64(w[i]-'0')
				fracDigits++
			}
			i++
		}
		if fracDigits == 0 {
			return a, false, false
		}
	}
	rest := w[i:]
	mult := int64(1)
	if rest != "" {
		if m, ok := multipliers[rest]; ok {
			mult = m
			rest = ""
			explicit = true
		} else {
			// multiplier then currency: 35万元 is in the table; 1.2m rmb is two words
			for k, m := range multipliers {
				if strings.HasPrefix(rest, k) {
					if c, ok := currencyWords[rest[len(k):]]; ok {
						mult = m
						a.Currency = c
						rest = ""
						explicit = true
						break
					}
				}
			}
		}
	}
	if rest != "" {
		c, ok := currencyWords[rest]
		if !ok {
			return a, false, false
		}
		a.Currency = c
		explicit = true
	}
	if c, ok := currencyWords[w[i:]]; ok && a.Currency == "" {
		a.Currency = c
	}
	if groups > 0 {
		explicit = true
	}
	// cents = (whole + frac/10^fd) * mult * 100
	p10 := int64(1)
	for k := 0; k < fracDigits; k++ {
		p10 *= 10
	}
	scale := mult * 100
	if whole > (1<<62)/scale {
		return a, false, false
	}
	cents := whole * scale
	cents += frac * scale / p10
	a.Cents = cents
	return a, explicit, true
}

// amountAt reads an amount at ts[i], also as two words: "rmb 350000",
// "350000 rmb", "35 万", "1.2 m".
func amountAt(ts []tok, i int) (a Amount, explicit bool, n int) {
	if i >= len(ts) {
		return
	}
	w := ts[i].l
	if c, ok := currencyWords[w]; ok && i+1 < len(ts) {
		if a, ex, ok := parseAmount(ts[i+1].l); ok {
			// "rmb 1.6 mil": the multiplier as a third word
			if i+2 < len(ts) && !ex {
				if m, ok := multiplierWord(ts[i+2].l); ok && a.Cents < (1<<62)/m {
					a.Cents *= m
					a.Currency = c
					return a, true, 3
				}
			}
			a.Currency = c
			return a, true, 2
		}
		return
	}
	a, explicit, ok := parseAmount(w)
	if !ok {
		return
	}
	if isPhoneDigits(w) {
		return Amount{}, false, 0
	}
	if i+1 < len(ts) {
		nw := ts[i+1].l
		if c, ok := currencyWords[nw]; ok && a.Currency == "" {
			a.Currency = c
			return a, true, 2
		}
		if m, ok := multiplierWord(nw); ok && !explicit && a.Cents < (1<<62)/m {
			a.Cents *= m
			return a, true, 2
		}
	}
	return a, explicit, 1
}

func isPhoneDigits(w string) bool {
	if len(w) == 11 && w[0] == '1' {
		for i := 0; i < len(w); i++ {
			if !isDigit(w[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// phones

// phoneAt reads a phone number starting at ts[i], possibly spread over
// several words ("+1 415 555 0100", "139 0123 4567"). It returns the number
// in E.164 and how many words it used.
func phoneAt(ts []tok, i int) (ph Phone, n int) {
	var buf [20]byte
	best := 0
	var bestPh Phone
	nd := 0
	plus := false
	for k := i; k < len(ts) && k < i+6; k++ {
		w := ts[k].l
		for _, pre := range []string{"tel:", "tel", "mob:", "mob", "m:", "t:"} {
			if k == i && strings.HasPrefix(w, pre) && len(w) > len(pre) && (isDigit(w[len(pre)]) || w[len(pre)] == '+') {
				w = w[len(pre):]
				break
			}
		}
		for j := 0; j < len(w); j++ {
			c := w[j]
			switch {
			case isDigit(c):
				if nd >= len(buf) {
					return bestPh, best
				}
				buf[nd] = c
				nd++
			case c == '+' && nd == 0 && j == 0 && k == i:
				plus = true
			case c == '-' || c == '(' || c == ')' || c == '.':
			default:
				return bestPh, best
			}
		}
		if p, ok := phoneFromDigits(string(buf[:nd]), plus, k > i); ok {
			best, bestPh = k-i+1, p
		}
	}
	return bestPh, best
}

// phoneFromDigits validates and normalises a number. spread is set when the
// digits came from several words, which only a few forms allow.
func phoneFromDigits(d string, plus, spread bool) (Phone, bool) {
	if len(d) < 7 {
		return Phone{}, false
	}
	if plus {
		if len(d) < 8 || len(d) > 15 || d[0] == '0' {
			return Phone{}, false
		}
		if strings.HasPrefix(d, "86") {
			rest := d[2:]
			if len(rest) == 11 && rest[0] == '1' {
				return Phone{"+" + d, "mobile"}, true
			}
			return Phone{"+" + d, "landline"}, true
		}
		return Phone{Number: "+" + d}, true
	}
	if strings.HasPrefix(d, "0086") {
		d = d[4:]
		if len(d) == 11 && d[0] == '1' {
			return Phone{"+86" + d, "mobile"}, true
		}
		return Phone{}, false
	}
	if len(d) == 13 && strings.HasPrefix(d, "86") && d[2] == '1' {
		return Phone{"+" + d, "mobile"}, true
	}
	if len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' {
		return Phone{"+86" + d, "mobile"}, true
	}
	// a company hotline: 400-820-8820, 800-820-8820
	if len(d) == 10 && (strings.HasPrefix(d, "400") || strings.HasPrefix(d, "800")) {
		return Phone{"+86" + d, "hotline"}, true
	}
	// landline with area code: 0 + 2-3 digit area + 7-8 digit number
	if d[0] == '0' && len(d) >= 10 && len(d) <= 12 && d[1] != '0' {
		return Phone{"+86" + d[1:], "landline"}, true
	}
	return Phone{}, false
}

// e-mail

func isEmail(w string) bool {
	at := strings.IndexByte(w, '@')
	return at > 0 && strings.IndexByte(w[at+1:], '.') > 0 && !strings.HasSuffix(w, ".")
}

// products and quantities

// isModel says whether w looks like a machine model: 320D, PC200, 950H,
// SY215C, D6R, ZX200-5G. It must have a letter and a digit and must not be
// an amount (350k), a time (3pm), a duration (3d), a quantity (2x, x2).
func isModel(w string) bool {
	if len(w) < 2 || len(w) > 12 || isXQty(w) {
		return false
	}
	letters, digits := 0, 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case isDigit(c):
			digits++
		case isLetter(c):
			letters++
		case c == '-' && i > 0 && i < len(w)-1:
		default:
			return false
		}
	}
	if letters == 0 || digits == 0 {
		return false
	}
	l := lower(w)
	if isDigit(l[0]) {
		i := 0
		for i < len(l) && isDigit(l[i]) {
			i++
		}
		suffix := l[i:]
		if i >= 3 && len(suffix) == 1 && !strings.Contains("kmwb", suffix) {
			return true // 320D, 950H
		}
		if i == 3 && w[i:] == "M" {
			return true // CAT's 120M, 140M, 160M graders: not 140 million
		}
		// 350k, 1m, 2x, 3pm, 3d, 2w, 28th, 15h: a number and a unit
		switch suffix {
		case "k", "m", "mn", "b", "bn", "w", "x", "pm", "am", "st", "nd", "rd", "th", "h", "hr", "hrs", "mil",
			"km", "kg", "t", "mo", "wk", "wks", "pcs", "pc", "yr", "yrs", "g", "l", "d", "days", "day", "s":
			return false
		}
	}
	return true
}

// modelOK is looser, for a word after a quantity or a brand: it also takes
// 3-4 digit models (336, 950) and models that look like amounts (950K).
func modelOK(w string) bool {
	if isModel(w) {
		return true
	}
	if len(w) < 3 || len(w) > 12 || isXQty(w) {
		return false
	}
	digits, letters := 0, 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case isDigit(c):
			digits++
		case isLetter(c):
			letters++
		case c == '-' && i > 0:
		default:
			return false
		}
	}
	if letters == 0 {
		return digits >= 3 && digits <= 4
	}
	return digits >= 3
}

// isXQty matches x2, X2, *2.
func isXQty(w string) bool {
	if len(w) < 2 || (w[0]|0x20 != 'x' && w[0] != '*') {
		return false
	}
	_, ok := atoi(w[1:])
	return ok
}

// qtyAfter reads a quantity written after a model: "x2", "*2", "x 2", "2台".
func qtyAfter(ts []tok, i int) (q, n int) {
	if i >= len(ts) {
		return 0, 0
	}
	nw := ts[i].l
	if isXQty(nw) {
		if q, _ := atoi(nw[1:]); q > 0 && q < 1000 {
			return q, 1
		}
	}
	if (nw == "x" || nw == "*") && i+1 < len(ts) {
		if q, ok := atoi(ts[i+1].l); ok && q > 0 && q < 1000 {
			return q, 2
		}
	}
	if q, ok := zhQty(nw); ok {
		return q, 1
	}
	return 0, 0
}

// productAt reads a quantity and model at ts[i]: "2x 320D", "2 x 320D",
// "2x320D", "320D*2", "320D x2", "320D x 2", "2台320D", "2台 320D", "2 320D",
// "CAT 320D", "CAT 336 x2". bare says a model without a quantity counts.
func productAt(ts []tok, i int, bare bool) (pr Product, n int) {
	if i >= len(ts) {
		return
	}
	w := ts[i].l
	if b, ok := brandOf(w); ok && i+1 < len(ts) && modelOK(ts[i+1].s) {
		pr := Product{Brand: b, Model: upper(ts[i+1].s), Qty: 1}
		if q, k := qtyAfter(ts, i+2); k > 0 {
			pr.Qty = q
			return pr, 2 + k
		}
		return pr, 2
	}
	if qty, qn := qtyAt(ts, i); qn > 0 && i+qn < len(ts) {
		j := i + qn
		brand := ""
		if b, ok := brandOf(ts[j].l); ok && j+1 < len(ts) && modelOK(ts[j+1].s) {
			brand = b
			j++
		}
		if modelOK(ts[j].s) {
			return Product{Brand: brand, Model: upper(ts[j].s), Qty: qty}, j - i + 1
		}
		return
	}
	// 2x320D / 2*320D in one word
	for _, sep := range []string{"x", "*"} {
		if k := strings.Index(w, sep); k > 0 && k < len(w)-1 {
			if q, ok := atoi(w[:k]); ok && q > 0 && q < 1000 && modelOK(w[k+1:]) {
				return Product{Model: upper(ts[i].s[k+1:]), Qty: q}, 1
			}
		}
	}
	// 320D*2
	if k := strings.LastIndexByte(w, '*'); k > 0 {
		if q, ok := atoi(w[k+1:]); ok && q > 0 && q < 1000 && modelOK(w[:k]) {
			return Product{Model: upper(ts[i].s[:k]), Qty: q}, 1
		}
	}
	if modelOK(ts[i].s) {
		if q, k := qtyAfter(ts, i+1); k > 0 {
			return Product{Model: upper(ts[i].s), Qty: q}, 1 + k
		}
		if bare && isModel(ts[i].s) {
			return Product{Model: upper(ts[i].s), Qty: 1}, 1
		}
	}
	return
}

// qtyAt reads a quantity word before a model: "2x", "2", "2 x", "2台".
func qtyAt(ts []tok, i int) (q, n int) {
	w := ts[i].l
	if v, ok := zhQty(w); ok {
		return v, 1
	}
	if strings.HasSuffix(w, "x") || strings.HasSuffix(w, "*") {
		if v, ok := atoi(w[:len(w)-1]); ok && v > 0 && v < 1000 {
			return v, 1
		}
	}
	if v, ok := atoi(w); ok && v > 0 && v < 1000 {
		if i+1 < len(ts) {
			switch ts[i+1].l {
			case "x", "*", "units", "unit", "pcs", "sets", "台", "辆":
				return v, 2
			}
		}
		if i+1 < len(ts) && modelOK(ts[i+1].s) && len(w) <= 2 {
			return v, 1
		}
	}
	return 0, 0
}

// zhQty reads 2台, 3辆, 两台.
func zhQty(w string) (int, bool) {
	v, n := zhNum(w)
	if n == 0 || v == 0 {
		return 0, false
	}
	switch w[n:] {
	case "台", "辆", "部", "套":
		return v, true
	}
	return 0, false
}

// brands

var brands = map[string]string{
	"cat": "CAT", "caterpillar": "CAT", "卡特": "CAT", "卡特彼勒": "CAT", "卡特皮勒": "CAT",
	"komatsu": "Komatsu", "小松": "Komatsu",
	"hitachi": "Hitachi", "日立": "Hitachi",
	"volvo": "Volvo", "沃尔沃": "Volvo",
	"sany": "Sany", "三一": "Sany",
	"xcmg": "XCMG", "徐工": "XCMG",
	"liugong": "LiuGong", "柳工": "LiuGong",
	"doosan": "Doosan", "develon": "Doosan", "斗山": "Doosan",
	"hyundai": "Hyundai", "现代": "Hyundai",
	"kobelco": "Kobelco", "神钢": "Kobelco",
	"liebherr": "Liebherr", "利勃海尔": "Liebherr",
	"jcb":      "JCB",
	"zoomlion": "Zoomlion", "中联": "Zoomlion", "中联重科": "Zoomlion",
	"shantui": "Shantui", "山推": "Shantui",
	"lonking": "Lonking", "龙工": "Lonking",
	"sdlg": "SDLG", "临工": "SDLG", "山东临工": "SDLG",
	"sunward": "Sunward", "山河智能": "Sunward",
	"kubota": "Kubota", "久保田": "Kubota",
	"deere": "John Deere", "johndeere": "John Deere", "约翰迪尔": "John Deere",
	"case": "Case", "凯斯": "Case",
	"sumitomo": "Sumitomo", "住友": "Sumitomo",
	"yanmar": "Yanmar", "洋马": "Yanmar",
	"takeuchi": "Takeuchi", "bobcat": "Bobcat", "terex": "Terex", "dressta": "Dressta", "bell": "Bell",
}

func brandOf(w string) (string, bool) {
	b, ok := brands[w]
	return b, ok
}

// stages, roles, sources, periods, conditions

var stages = map[string]Stage{
	"1": StageIdentification, "identification": StageIdentification, "identify": StageIdentification, "identified": StageIdentification, "ident": StageIdentification, "ide": StageIdentification, "识别": StageIdentification, "发现": StageIdentification, "初步接触": StageIdentification,
	"2": StageQualification, "qualification": StageQualification, "qualify": StageQualification, "qualified": StageQualification, "qual": StageQualification, "qualif": StageQualification, "确认": StageQualification, "资格确认": StageQualification, "合格": StageQualification, "资格": StageQualification,
	"3": StageDevelopment, "development": StageDevelopment, "develop": StageDevelopment, "dev": StageDevelopment, "devt": StageDevelopment, "开发": StageDevelopment, "方案开发": StageDevelopment, "需求分析": StageDevelopment,
	"4": StageProposal, "proposal": StageProposal, "propose": StageProposal, "prop": StageProposal, "quote": StageProposal, "quotation": StageProposal, "quoted": StageProposal, "报价": StageProposal, "方案": StageProposal, "提案": StageProposal, "投标": StageProposal,
	"5": StageWon, "won": StageWon, "win": StageWon, "closed won": StageWon, "赢单": StageWon, "成交": StageWon, "签约": StageWon, "赢": StageWon,
	"6": StageLost, "lost": StageLost, "lose": StageLost, "closed lost": StageLost, "丢单": StageLost, "输单": StageLost, "失败": StageLost, "丢了": StageLost,
	"id": StageIdentification, "推进": StageDevelopment, "输": StageLost,
	"7": StageNoDeal, "disqualified": StageNoDeal, "disqualify": StageNoDeal, "放弃": StageNoDeal, "nodeal": StageNoDeal, "no deal": StageNoDeal, "no-deal": StageNoDeal, "no_deal": StageNoDeal, "dead": StageNoDeal, "cancelled": StageNoDeal, "canceled": StageNoDeal, "无交易": StageNoDeal, "取消": StageNoDeal, "无果": StageNoDeal, "搁置": StageNoDeal,
}

var roles = map[string]string{
	"economic buyer": "economic_buyer", "eb": "economic_buyer", "economic": "economic_buyer", "buyer": "economic_buyer", "decision maker": "economic_buyer", "dm": "economic_buyer", "boss": "economic_buyer", "决策人": "economic_buyer", "经济决策者": "economic_buyer", "决策者": "economic_buyer", "拍板人": "economic_buyer", "拍板": "economic_buyer",
	"user": "user", "operator": "user", "使用者": "user", "用户": "user", "使用人": "user",
	"technical evaluator": "technical_evaluator", "technical": "technical_evaluator", "tech": "technical_evaluator", "te": "technical_evaluator", "evaluator": "technical_evaluator", "技术评估": "technical_evaluator", "技术评估者": "technical_evaluator", "技术": "technical_evaluator",
	"coach": "coach", "champion": "coach", "insider": "coach", "教练": "coach", "内线": "coach",
}

var sources = map[string]string{
	"ad": "advertising", "ads": "advertising", "advert": "advertising", "advertising": "advertising", "advertisement": "advertising", "广告": "advertising",
	"referral": "referral", "ref": "referral", "referred": "referral", "referal": "referral", "operator": "referral", "mechanic": "referral", "推荐": "referral", "介绍": "referral", "转介绍": "referral", "机手": "referral", "机手推荐": "referral", "修理工": "referral", "朋友介绍": "referral",
	"web": "website", "website": "website", "site": "website", "online": "website", "internet": "website", "网站": "website", "官网": "website", "网络": "website", "网上": "website",
	"wom": "word_of_mouth", "word of mouth": "word_of_mouth", "mouth": "word_of_mouth", "口碑": "word_of_mouth",
	"pr": "pr", "公关": "pr", "press": "pr", "public relations": "pr",
	"other": "other", "其他": "other",
	"campaign": "campaign", "event": "campaign", "expo": "campaign", "show": "campaign", "trade show": "campaign", "exhibition": "campaign", "活动": "campaign", "展会": "campaign", "市场活动": "campaign",
}

// The message language's vocabularies, for code that reads the same words
// outside a message (imports, validation): what a person wrote → its
// canonical name. Case, "_" and "-" do not matter.

// StageWord reads an opportunity stage: "3", "quote", "报价", "closed won".
func StageWord(s string) (Stage, bool) { st, ok := stages[vocabKey(s)]; return st, ok }

// RoleWord reads the role of a person around a deal: "eb", "coach", "决策人".
func RoleWord(s string) (string, bool) { r, ok := roles[vocabKey(s)]; return r, ok }

// SourceWord reads a lead source: "ref", "web", "word of mouth", "展会".
func SourceWord(s string) (string, bool) { r, ok := sources[vocabKey(s)]; return r, ok }

// ActivityWord reads an activity type: "v", "call", "mtg", "回访".
func ActivityWord(s string) (string, bool) { r, ok := activityKinds[vocabKey(s)]; return r, ok }

func vocabKey(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(s))), " ")
}

var periods = map[string]string{
	"today": "today", "今天": "today", "今日": "today",
	"week": "week", "wk": "week", "this week": "week", "wtd": "week", "本周": "week", "这周": "week",
	"last week": "last_week", "上周": "last_week",
	"month": "month", "mtd": "month", "this month": "month", "本月": "month", "这个月": "month",
	"last month": "last_month", "上月": "last_month", "上个月": "last_month",
	"quarter": "quarter", "qtr": "quarter", "q": "quarter", "this quarter": "quarter", "本季度": "quarter", "本季": "quarter",
	"year": "year", "ytd": "year", "this year": "year", "今年": "year", "本年": "year", "年度": "year",
}

var conditions = map[string]string{
	"good": "good", "ok": "good", "fine": "good", "excellent": "good", "好": "good", "良好": "good", "正常": "good", "很好": "good",
	"fair": "fair", "average": "fair", "so-so": "fair", "一般": "fair", "还行": "fair",
	"poor": "poor", "bad": "poor", "worn": "poor", "差": "poor", "较差": "poor", "磨损": "poor",
	"down": "down", "broken": "down", "idle": "down", "repair": "down", "needs repair": "down", "故障": "down", "坏了": "down", "待修": "down", "停机": "down",
}

var urgentWords = map[string]bool{"urgent": true, "asap": true, "urgently": true, "!!": true, "!!!": true, "priority": true, "紧急": true, "加急": true, "急": true, "急件": true, "尽快": true}
var normalWords = map[string]bool{"normal": true, "普通": true, "一般": false}

// Chinese amounts of any size: 三十五万, 两百四十万, 一千二百万, 1亿2千万

var zhUnits = map[rune]int64{'十': 10, '拾': 10, '百': 100, '佰': 100, '千': 1000, '仟': 1000}

// zhAmountLen is the byte length of a Chinese (or mixed) numeral with a
// 万/亿 unit or a currency at the start of s: 三十五万, 一千二百万元, 1亿2千万,
// 两百四十万. 0 when there is none, or when it is a plain number (两, 十五).
func zhAmountLen(s string) int {
	_, n := zhAmount(s)
	return n
}

// zhAmount reads such a numeral and returns its value in yuan.
func zhAmount(s string) (yuan int64, n int) {
	var total, section, num int64
	big := false // a 万 or 亿 was read
	hanDigit := false
	i, end := 0, 0
	for i < len(s) {
		r, size := decodeRune(s[i:])
		switch {
		case r < 0x80 && isDigit(byte(r)):
			j := i
			var v int64
			for j < len(s) && isDigit(s[j]) && j-i < 12 {
				v = v*10 + int64(s[j]-'0')
				j++
			}
			if j < len(s) && (s[j] == '.' || s[j] == ',') || num != 0 {
				return 0, 0 // decimals and separators are parseAmount's
			}
			num = v
			i = j
			continue
		case zhDigits[r] > 0 || r == '零' || r == '〇':
			if num != 0 && r != '零' {
				return 0, 0 // 三五万: not a number
			}
			num = int64(zhDigits[r])
			hanDigit = true
		case zhUnits[r] > 0:
			u := zhUnits[r]
			if num == 0 {
				if r != '十' || section != 0 {
					return 0, 0
				}
				num = 1 // 十五万
			}
			section += num * u
			num = 0
			hanDigit = true
		case r == '万':
			section += num
			if section == 0 {
				return 0, 0
			}
			total += section * 1e4
			section, num = 0, 0
			big = true
			end = i + size
		case r == '亿':
			total = (total + section + num) * 1e8
			if total == 0 {
				return 0, 0
			}
			section, num = 0, 0
			big = true
			end = i + size
		default:
			goto done
		}
		i += size
	}
done:
	rest := s[i:]
	cur := strings.HasPrefix(rest, "元") || strings.HasPrefix(rest, "块")
	if !big && !cur {
		return 0, 0
	}
	if !hanDigit && !(big && section+num > 0) {
		return 0, 0 // 35万, 1.5亿: parseAmount reads them
	}
	if big && !cur && section+num > 0 {
		// 1亿2千 (万 understood) is rare: 1亿2 would be ambiguous
		if section > 0 && num == 0 {
			total += section * 1e4
			end = i
		} else {
			return 0, 0
		}
	} else {
		total += section + num
		end = i
	}
	if cur {
		end = i + len("元")
	}
	if total <= 0 || total > 1e15 {
		return 0, 0
	}
	return total, end
}

// service hours glued to their unit: 3310hrs, 3310 hours, 3310小时, smu3310

// hourUnits are the units of service-meter hours.
var hourUnits = map[string]bool{"h": true, "hr": true, "hrs": true, "hour": true, "hours": true, "小时": true, "工时": true, "个小时": true}

// smuAt reads service hours at ts[i]: "3310hrs", "3,310 hours", "3310 小时",
// "smu3310", "表3310小时"; n is the number of words used.
func smuAt(ts []tok, i int) (h, n int) {
	w := strings.ReplaceAll(ts[i].l, ",", "")
	if strings.HasPrefix(w, "smu") && len(w) > 3 && isDigit(w[3]) {
		if v, ok := atoi(w[3:]); ok {
			return v, 1
		}
	}
	j := 0
	for j < len(w) && isDigit(w[j]) {
		j++
	}
	if j == 0 || j > 7 {
		return 0, 0
	}
	v, _ := atoi(w[:j])
	if j < len(w) {
		if hourUnits[w[j:]] && (w[j:] != "h" || j >= 4) { // 950H is a model, 12000h hours
			return v, 1
		}
		return 0, 0
	}
	if i+1 < len(ts) && hourUnits[ts[i+1].l] {
		return v, 2
	}
	return 0, 0
}

// takeSMU finds service hours among ts, sets them and returns the other words.
func (p *parser) takeSMU(ts []tok) []tok {
	if p.cmd.SMU != nil {
		return ts
	}
	for k := range ts {
		if v, n := smuAt(ts, k); n > 0 {
			p.cmd.SMU = &v
			return append(ts[:k:k], ts[k+n:]...)
		}
	}
	return ts
}

// takeSerial finds a serial number glued to its label (编号CAT0336EABC,
// sn:CAT…) or a CAT-like serial after a label word, sets it and returns the
// other words.
func (p *parser) takeSerial(ts []tok) []tok {
	if p.cmd.Serial != "" {
		return ts
	}
	for k := 0; k+1 < len(ts); k++ {
		switch ts[k].l {
		case "编号", "序列号", "机号", "sn", "s/n", "serial", "ser", "pin", "车架号":
			if isSerial(ts[k+1].s) {
				p.cmd.Serial = upper(ts[k+1].s)
				return append(ts[:k:k], ts[k+2:]...)
			}
		}
	}
	return ts
}

// eqValues takes the values of an equipment part written without keys:
// hours, a purchase date, a labelled serial number.
func (p *parser) eqValues(ts []tok) []tok {
	return p.takeSerial(p.takeBought(p.takeSMU(ts)))
}

// outcomes: lost to whom

// lostPhrase reads who took the deal in "被小松抢了", "输给了柳工", "丢单给三一",
// "lost to sany", "给了三一": the competitor, and the words left (the reason).
func lostPhrase(ts []tok) (comp, typed string, rest []tok) {
	k := 0
	for k < len(ts) && lostLead[ts[k].l] {
		k++
	}
	if k < len(ts) {
		w := ts[k].l
		for _, pre := range []string{"给了", "给"} {
			if strings.HasPrefix(w, pre) && len(w) > len(pre) {
				w = w[len(pre):]
				break
			}
		}
		if b, ok := brandOf(w); ok {
			comp = b
			k++
			for k < len(ts) && lostTail[ts[k].l] {
				k++
			}
			return comp, typedBrand(w, b), trimWords(ts[k:], "on", "because", "due", "of", "to", "-", "因为", "原因")
		}
	}
	return "", "", ts
}

// typedBrand is the brand as typed when it is other words than its canonical
// name (三一 for Sany), else "".
func typedBrand(typed, canon string) string {
	if hasHan(typed) && typed != canon {
		return typed
	}
	return ""
}

// BrandWord returns the canonical brand of a word as typed ("三一", "sany":
// "Sany").
func BrandWord(s string) (string, bool) { return brandOf(vocabKey(s)) }

// lostLead come before the competitor of a lost deal.
var lostLead = map[string]bool{"to": true, "给": true, "给了": true, "被": true, "输给": true, "输给了": true, "丢给": true, "丢给了": true, "丢单给": true, "让": true}

// lostTail come after it: 被小松抢了, 被三一拿走了.
var lostTail = map[string]bool{"抢了": true, "抢走了": true, "抢走": true, "拿走了": true, "拿走": true, "拿下了": true, "拿下": true, "抢": true, "签了": true, "了": true}

// lostStart says ts opens a lost deal without the word lost: 被小松抢了,
// 输给了柳工, 输给柳工.
func lostStart(ts []tok) bool {
	if len(ts) < 2 {
		return false
	}
	switch ts[0].l {
	case "被", "输给", "输给了", "丢给", "丢给了", "输了", "丢了":
		c, _, _ := lostPhrase(ts)
		return c != "" || ts[0].l == "输了" || ts[0].l == "丢了"
	}
	return false
}

// referralAt reads "referred by zhao lei", "ref by 老陈", "介绍人 老陈",
// "推荐人 王总", "经老陈介绍", "老陈介绍的": the referrer's words, or ok false.
func referralAt(ts []tok) (who []tok, ok bool) {
	if len(ts) >= 3 && (ts[0].l == "referred" || ts[0].l == "ref" || ts[0].l == "referral" || ts[0].l == "recommended" || ts[0].l == "introduced") && (ts[1].l == "by" || ts[1].l == "from") {
		return ts[2:], true
	}
	if len(ts) >= 2 && (ts[0].l == "介绍人" || ts[0].l == "推荐人" || ts[0].l == "经") {
		who = ts[1:]
		if last := who[len(who)-1].l; last == "介绍" || last == "推荐" {
			who = who[:len(who)-1]
		}
		return who, len(who) > 0
	}
	if len(ts) >= 2 {
		if last := ts[len(ts)-1].l; last == "介绍的" || last == "推荐的" || last == "介绍" || last == "推荐" {
			return ts[:len(ts)-1], true
		}
	}
	return nil, false
}

// words joins the words of ts as typed, each run of adjacent words as one
// span (words taken out of the middle leave no trace).
func (p *parser) words(ts []tok) string {
	var b strings.Builder
	for k := 0; k < len(ts); {
		j := k + 1
		for j < len(ts) && ts[j].off >= ts[j-1].end() && strings.TrimSpace(p.norm[ts[j-1].end():ts[j].off]) == "" && j-k < 64 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.span(ts[k:j]))
		k = j
	}
	return b.String()
}

// multiplierWord reads a multiplier written as its own word after a number:
// "million", "mil", "mln", "k", "万", and the misspellings people send
// ("milion", "millon", "thousnd").
func multiplierWord(w string) (int64, bool) {
	if m, ok := multipliers[w]; ok && len(w) > 1 {
		return m, true
	}
	switch w {
	case "mln", "mm", "mils", "millions", "m.":
		return 1e6, true
	case "thousands", "thou", "grand":
		return 1e3, true
	}
	if len(w) < 5 || !isLetter(w[0]) {
		return 0, false
	}
	for _, c := range []struct {
		w string
		m int64
	}{{"million", 1e6}, {"thousand", 1e3}, {"billion", 1e9}} {
		if w[0] == c.w[0] && editDistance(w, c.w) <= 2 {
			return c.m, true
		}
	}
	return 0, false
}

// minDeal is the smallest amount (in cents) taken for a deal: less is surely
// misread ("RMB 1.6" for 1.6 million) and is asked about, not stored.
const minDeal = 1000 * 100

// smallDeal is the error for an opportunity's amount under minDeal.
func (p *parser) smallDeal(ts []tok, n int) *Error {
	v := p.span(ts[:n])
	return p.errAt(ts[0].off, v, "Amount \""+v+"\" is too small for a deal; write 1.6m, 160万 or 1,600,000")
}
