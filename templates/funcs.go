package templates

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// funcMap returns the template functions of locale. Each locale has its own
// map, so {{date .Due}} needs no locale argument. See README.md.
func funcMap(locale string) map[string]any {
	zh := locale == "zh"
	return map[string]any{
		"money":  func(v any) string { return Money(toInt64(v), locale) },
		"amount": func(v any, perUnit int64, dec int) string { return Amount(toInt64(v), perUnit, dec) },
		"amountu": func(v any, perUnit int64, dec int, unit string) string {
			return AmountWithUnit(toInt64(v), perUnit, dec, unit, locale)
		},
		"date":     func(t time.Time) string { return Date(t, locale) },
		"day":      func(t time.Time) string { return Day(t, locale) },
		"time":     func(t time.Time) string { return Clock(t) },
		"datetime": func(t time.Time) string { return DateTime(t, locale) },
		"days":     Days,
		"when":     func(due time.Time, hasTime bool, on time.Time) string { return When(due, hasTime, on, locale) },
		"id":       func(v any) string { return "#" + strconv.FormatInt(toInt64(v), 10) },
		"trunc":    func(n int, s string) string { return Trunc(s, n, zh) },
		"join":     join,
		"plural":   func(n any, word string) string { return Plural(toInt64(n), word, locale) },
		"upper":    strings.ToUpper,
		"kind":     func(k string) string { return Kind(k, locale) },
		"subj":     func(s string) string { return Subject(s, locale) },
		"stage":    func(s any) string { return Stage(s, locale) },
		"source":   func(s string) string { return Source(s, locale) },
		"add":      func(a, b int) int { return a + b },
		"sub":      func(a, b int) int { return a - b },
		"max":      func(a, b int) int { return max(a, b) },
		"runes":    utf8.RuneCountInString,
		"nodot":    func(s string) string { return strings.TrimRight(strings.TrimSpace(s), ".。 ") },
		"nl":       func() string { return string(newline) },
		"short":    Short,
		"beyond":   Beyond,
		"period":   func(p string) string { return Period(p, locale) },
		"command":  func(form string) string { return Command(form, locale) },
		"records":  func(list string) string { return Records(list, locale) },
		"example":  func(token, line string) string { return ReplyExample(token, line, locale) },
		"name":     func(n int, s string) string { return Name(s, n, zh) },
		"nextstage": func(s any) string {
			return Stage(NextStage(s), locale)
		},
	}
}

// Beyond is what a record's name says beyond its account's name: an
// opportunity named "ACME Mining Co. 336" at "ACME Mining Co." is "336",
// so a line that names the account does not name it twice. A name that
// does not start with the account's (or is nothing more) is kept whole,
// or "" when it is the account's name.
func Beyond(name, account string) string {
	name = strings.TrimSpace(name)
	for _, a := range []string{strings.TrimSpace(account), Short(account)} {
		if a == "" || len(name) < len(a) || !strings.EqualFold(name[:len(a)], a) {
			continue
		}
		rest := name[len(a):]
		if rest != "" && !strings.ContainsAny(rest[:1], " ,;:-/（(") && !HasCJK(a) {
			continue // "ACME Miningco" is not "ACME Mining" + "co"
		}
		return strings.TrimSpace(strings.TrimLeft(rest, " ,;:-/"))
	}
	return name
}

// Name shortens a person's or a company's name to about n characters the
// way a reader would: the legal form goes first (Short), then whole words
// from the end ("Liaoning Great Wall Heavy Construction Machinery" →
// "Liaoning Great Wall"); a Chinese name keeps its first characters and
// ends "…". The first word is always kept whole.
func Name(s string, n int, zh bool) string {
	s = Short(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if HasCJK(s) {
		return Trunc(s, n, true)
	}
	words := strings.Fields(s)
	out := words[0]
	for _, w := range words[1:] {
		if utf8.RuneCountInString(out)+1+utf8.RuneCountInString(w) > n {
			break
		}
		out += " " + w
	}
	// one word alone may name several customers ("ACME" for ACME Mining and
	// ACME Transport): the start of the next word tells them apart
	if out == words[0] && len(words) > 1 {
		if room := n - utf8.RuneCountInString(out) - 2; room >= 3 { // "ACME Tran."
			next := []rune(strings.TrimRight(words[1], ",;:-&/("))
			out += " " + string(next[:min(room, len(next))]) + "."
		}
	}
	return strings.TrimRight(out, " ,;:-&/(")
}

// ReplyExample is the example an e-mail gives of acting on an item by its
// token, fitted to what the item's line offers: a rejection or an escalation
// offers ASSIGN ("A15 ASSIGN <name>"), any other activity DONE ("A15 DONE
// met purchasing; next: call mon"). "" for an opportunity or a lead: the
// command its line offers (OPP #3 stage …, LEAD #5 qualify) is the example.
func ReplyExample(token, line, locale string) string {
	if token == "" {
		return ""
	}
	zh := locale == "zh"
	switch {
	case strings.Contains(line, "ASSIGN #") || strings.Contains(line, "分配 #"):
		if zh {
			return token + " 分配 王军"
		}
		return token + " ASSIGN <name>"
	case strings.HasPrefix(token, "A") || strings.Contains(line, "DONE #") || strings.Contains(line, "完成 #"):
		if zh {
			return token + " 完成 已送报价；下周一回访"
		}
		return token + " DONE met purchasing; next: call mon"
	}
	return ""
}

var zhPeriods = map[string]string{
	"today": "今天", "yesterday": "昨天", "this week": "本周", "last week": "上周", "this month": "本月",
	"last month": "上月", "this quarter": "本季度", "last quarter": "上季度", "this year": "今年", "last year": "去年",
}

// Period words a period crm names in English ("this week" → "本周").
func Period(p, locale string) string {
	if locale == "zh" {
		if z, ok := zhPeriods[strings.ToLower(strings.TrimSpace(p))]; ok {
			return z
		}
	}
	return p
}

// Records words a list of records as crm names them ("visit #231,
// opportunity #3"): each kind in locale ("拜访 #231、商机 #3").
func Records(list, locale string) string {
	if locale != "zh" {
		return list
	}
	parts := strings.Split(list, ", ")
	for i, p := range parts {
		if kind, rest, ok := strings.Cut(p, " #"); ok {
			parts[i] = Kind(kind, locale) + " #" + rest
		}
	}
	return strings.Join(parts, "、")
}

// NextStage is the open stage after s ("development" after
// "qualification"), "won" after "proposal"; "" for a closed stage.
func NextStage(s any) string {
	order := []string{"identification", "qualification", "development", "proposal", "won"}
	k := strings.ToLower(fmt.Sprint(s))
	if w, ok := stageWords[k]; ok {
		for i, o := range order[:len(order)-1] {
			if stageWords[o] == w {
				return order[i+1]
			}
		}
	}
	return ""
}

// Money words an amount given in cents: 1.2m, 350k, 12,500 (en); 120万,
// 35万, 1.5亿, 12,500 (zh). Amounts under 100,000 are written in full, to
// the unit; larger ones are rounded to at most two (m, 亿) or one (k, 万)
// decimals, trailing zeros dropped.
func Money(cents int64, locale string) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	units := (cents + 50) / 100
	var s string
	switch {
	case units < 100_000:
		s = group(units)
	case locale == "zh" && units >= 100_000_000:
		s = decimal(units, 100_000_000, 2) + "亿"
	case locale == "zh":
		s = decimal(units, 10_000, 1) + "万"
	case units >= 1_000_000:
		s = decimal(units, 1_000_000, 2) + "m"
	default:
		s = decimal(units, 1_000, 1) + "k"
	}
	if neg {
		return "-" + s
	}
	return s
}

// Amount writes an amount given in cents in a report's one unit of
// perUnit yuan (0: 1), with dec decimals and thousands grouped:
// Amount(2_205_000_000, 1_000_000, 2) = "22.05".
func Amount(cents, perUnit int64, dec int) string {
	if perUnit <= 0 {
		perUnit = 1
	}
	neg := cents < 0
	if neg {
		cents = -cents
	}
	scale := int64(1)
	for range dec {
		scale *= 10
	}
	q := (cents*scale + perUnit*50) / (perUnit * 100) // in 1/scale of the unit, rounded
	s := group(q / scale)
	if dec > 0 {
		s += fmt.Sprintf(".%0*d", dec, q%scale)
	}
	if neg && q != 0 {
		return "-" + s
	}
	return s
}

// AmountWithUnit is Amount with the unit named as a sentence writes it:
// "¥22.05 million", "¥80,000" (en); "2,205.0万元", "8,000元" (zh).
func AmountWithUnit(cents, perUnit int64, dec int, unit, locale string) string {
	n := Amount(cents, perUnit, dec)
	if locale == "zh" {
		return n + unit
	}
	return "¥" + n + strings.TrimPrefix(unit, "¥")
}

// decimal writes v/unit rounded to at most prec decimals, the integer part
// grouped by thousands.
func decimal(v, unit int64, prec int) string {
	scale := int64(1)
	for range prec {
		scale *= 10
	}
	q := (v*scale + unit/2) / unit // v/unit in 1/scale, rounded
	s := group(q / scale)
	frac := q % scale
	if frac == 0 {
		return s
	}
	f := fmt.Sprintf("%0*d", prec, frac)
	return s + "." + strings.TrimRight(f, "0")
}

// group writes v with a comma every three digits.
func group(v int64) string {
	s := strconv.FormatInt(v, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

var zhWeekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// Date words a day with its weekday: "Fri 28/11" (en), "11月28日周五" (zh).
// The zero time gives "".
func Date(t time.Time, locale string) string {
	if t.IsZero() {
		return ""
	}
	if locale == "zh" {
		return Day(t, locale) + zhWeekdays[t.Weekday()]
	}
	return t.Format("Mon 2/1")
}

// Day words a day without its weekday: "28/11" (en), "11月28日" (zh).
func Day(t time.Time, locale string) string {
	if t.IsZero() {
		return ""
	}
	if locale == "zh" {
		return strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
	}
	return t.Format("2/1")
}

// When words when an item is due, read on the day on: its time when it is
// due that day ("" without a time), else its day ("28/11", "11月28日").
func When(due time.Time, hasTime bool, on time.Time, locale string) string {
	if due.IsZero() {
		return ""
	}
	y, m, d := due.Date()
	oy, om, od := on.Date()
	if y == oy && m == om && d == od {
		if hasTime {
			return Clock(due)
		}
		return ""
	}
	return Day(due, locale)
}

// Clock words a time of day on 24 hours: "15:00".
func Clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("15:04")
}

// DateTime is Date and Clock: "Fri 28/11 15:00", "11月28日周五 15:00".
func DateTime(t time.Time, locale string) string {
	if t.IsZero() {
		return ""
	}
	return Date(t, locale) + " " + Clock(t)
}

// Days returns the number of calendar days from from to to (negative when to
// is earlier), counted in from's time zone: {{days .Due $.Date}} is how many
// days an item is overdue.
func Days(from, to time.Time) int {
	to = to.In(from.Location())
	a := time.Date(from.Year(), from.Month(), from.Day(), 12, 0, 0, 0, time.UTC)
	b := time.Date(to.Year(), to.Month(), to.Day(), 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// Trunc shortens s to at most n characters (runes), the last of which is
// the ellipsis "…" (zh) or the three of "..." (en: "…" is not GSM-7). It
// cuts at a word boundary when one is near (zh text is cut anywhere).
func Trunc(s string, n int, zh bool) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	ell := "..."
	if zh || HasCJK(s) {
		ell = "…"
	}
	keep := n - utf8.RuneCountInString(ell)
	if keep <= 0 {
		return string([]rune(ell)[:max(n, 0)])
	}
	r := []rune(s)[:keep]
	if !zh && !HasCJK(s) {
		// Back up to the last space if it is not too far back.
		for i := len(r) - 1; i >= keep/2; i-- {
			if r[i] == ' ' {
				r = r[:i]
				break
			}
		}
	}
	return strings.TrimRight(string(r), " ,;:.-&/(") + ell
}

// join joins a list with sep: {{join ", " .Contacts}} or
// {{.Contacts | join ", "}}. The list may be []string or any slice whose
// elements print with fmt.
func join(sep string, list any) string {
	switch l := list.(type) {
	case []string:
		return strings.Join(l, sep)
	case nil:
		return ""
	}
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return fmt.Sprint(list)
	}
	parts := make([]string, v.Len())
	for i := range parts {
		parts[i] = fmt.Sprint(v.Index(i).Interface())
	}
	return strings.Join(parts, sep)
}

// Plural words a count with its noun: "1 visit", "3 visits", "2 branches",
// "4 opportunities" (en); zh has no plural: "3" + word.
func Plural(n int64, word, locale string) string {
	c := strconv.FormatInt(n, 10)
	if locale == "zh" {
		return c + word
	}
	if n == 1 || n == -1 || word == "" {
		return c + " " + word
	}
	return c + " " + pluralWord(word)
}

func pluralWord(w string) string {
	switch {
	case strings.HasSuffix(w, "s"), strings.HasSuffix(w, "x"), strings.HasSuffix(w, "ch"), strings.HasSuffix(w, "sh"):
		return w + "es"
	case len(w) > 1 && strings.HasSuffix(w, "y") && !strings.ContainsRune("aeiou", rune(w[len(w)-2])):
		return w[:len(w)-1] + "ies"
	}
	return w + "s"
}

var zhKinds = map[string]string{
	"visit": "拜访", "call": "电话", "email": "邮件", "fax": "传真", "sms": "短信",
	"meeting": "会议", "revisit": "回访", "task": "任务",
	"account": "客户", "contact": "联系人", "lead": "线索", "opp": "商机", "opportunity": "商机", "activity": "活动",
	"equipment": "设备", "request": "申请", "campaign": "活动", "document": "文档", "competitor": "对手",
}

var enKinds = map[string]string{"opp": "opp", "opportunity": "opp", "meeting": "meeting", "revisit": "revisit", "sms": "SMS"}

// Kind words an activity type or record kind ("visit", "meeting", "opp").
func Kind(k, locale string) string {
	if locale == "zh" {
		if s, ok := zhKinds[strings.ToLower(k)]; ok {
			return s
		}
		return k
	}
	if s, ok := enKinds[strings.ToLower(k)]; ok {
		return s
	}
	return k
}

var stageWords = map[string][2]string{ // en short, zh
	"1": {"ident", "识别"}, "identification": {"ident", "识别"},
	"2": {"qual", "确认"}, "qualification": {"qual", "确认"},
	"3": {"dev", "开发"}, "development": {"dev", "开发"},
	"4": {"proposal", "报价"}, "proposal": {"proposal", "报价"},
	"5": {"won", "赢单"}, "won": {"won", "赢单"},
	"6": {"lost", "丢单"}, "lost": {"lost", "丢单"},
	"7": {"no deal", "无交易"}, "nodeal": {"no deal", "无交易"},
}

// Stage words an opportunity stage, given as its name ("proposal"), its
// number (4) or anything printing as one of them.
func Stage(s any, locale string) string {
	k := strings.ToLower(fmt.Sprint(s))
	w, ok := stageWords[k]
	if !ok {
		return k
	}
	if locale == "zh" {
		return w[1]
	}
	return w[0]
}

var sourceWords = map[string][2]string{
	"advertising": {"advertising", "广告"}, "referral": {"referral", "介绍"}, "website": {"website", "网站"},
	"word_of_mouth": {"word of mouth", "口碑"}, "pr": {"PR", "公关"}, "campaign": {"campaign", "活动"},
	"other": {"other", "其他"},
}

// Source words a lead source ("word_of_mouth" → "word of mouth", "口碑").
func Source(s, locale string) string {
	w, ok := sourceWords[strings.ToLower(s)]
	if !ok {
		return s
	}
	if locale == "zh" {
		return w[1]
	}
	return w[0]
}

// toInt64 converts any integer (or a type with an integer kind) to int64.
func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case uint64:
		return int64(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return int64(rv.Float())
	}
	return 0
}

// legalWords and zhLegal are the legal forms Short drops.
var (
	legalWords = map[string]bool{"co": true, "ltd": true, "limited": true, "inc": true, "llc": true,
		"corp": true, "corporation": true, "company": true, "plc": true, "gmbh": true}
	zhLegal = []string{"股份有限公司", "有限责任公司", "有限公司"}
)

// Short drops the legal form from a company name, which says nothing in an
// SMS: "Liaoning Great Wall Heavy Construction Machinery Co. Ltd" →
// "Liaoning Great Wall Heavy Construction Machinery", "大连港物流有限公司" →
// "大连港物流". A name that is only a legal form is kept.
func Short(name string) string {
	name = strings.TrimSpace(name)
	for _, suf := range zhLegal {
		if t := strings.TrimSuffix(name, suf); t != name && t != "" {
			return t
		}
	}
	words := strings.Fields(name)
	n := len(words)
	for n > 1 && legalWords[strings.ToLower(strings.Trim(words[n-1], ".,"))] {
		n--
	}
	if n == len(words) {
		return name
	}
	return strings.TrimRight(strings.Join(words[:n], " "), ",")
}

// Subject words an activity's subject for locale: crm writes it as "<type>
// <account>[: <instruction>]" in English ("visit 鞍钢建设集团: bring
// brochure"), so for a Chinese reader the type in front is put in Chinese
// (拜访 鞍钢建设集团: bring brochure). What people typed stays as typed.
func Subject(s, locale string) string {
	if locale != "zh" {
		return s
	}
	first, rest, ok := strings.Cut(s, " ")
	if !ok {
		if _, known := zhKinds[strings.ToLower(s)]; known {
			return Kind(s, locale)
		}
		return s
	}
	if _, known := zhKinds[strings.ToLower(first)]; known {
		return Kind(first, locale) + " " + rest
	}
	return s
}
