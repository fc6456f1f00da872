package parser

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Chinese reports, plans and questions without a verb first.

// zhSurnameList (with zhSurnames) are common surnames: a title after one makes a person (高总,
// 周经理), and in a part right after the account two or three characters
// starting with one are a name (王强).
const zhSurnameList = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"

// zhTitlesLong are the titles that end a person's name, longest first.
var zhTitlesLong = []string{"总经理", "经理", "主任", "总监", "科长", "处长", "部长", "厂长", "队长", "书记", "主管", "老板", "师傅", "先生", "女士", "小姐", "老师", "总", "工", "董"}

func isSurname(r rune) bool {
	return r >= 0x4E00 && (zhSurnames[r] || strings.ContainsRune(zhSurnameList, r))
}

// zhSplitPerson splits "抚顺煤矿高总" into the account and the person: a
// surname and a title at the end, with at least two characters before.
func zhSplitPerson(run string) (acct, person string) {
	for _, t := range zhTitlesLong {
		if !strings.HasSuffix(run, t) {
			continue
		}
		head := run[:len(run)-len(t)]
		r, size := utf8.DecodeLastRuneInString(head)
		if size == 0 || !isSurname(r) {
			continue
		}
		acct = head[:len(head)-size]
		if utf8.RuneCountInString(acct) < 2 {
			continue
		}
		return acct, run[len(acct):]
	}
	return run, ""
}

// zhSplit is zhSplitPerson, and with the sender's names also a known
// customer followed by a person: 营口港刘洋.
func (p *parser) zhSplit(run string) (acct, person string) {
	acct, person = zhSplitPerson(run)
	if person != "" || p.lex == nil {
		return acct, person
	}
	if n := p.lex.zhLen(run); n > 0 && n < len(run) && p.lex.kindOf(run[:n])&NameAccount != 0 {
		if rest := run[n:]; p.lex.kindOf(rest).Person() || zhPersonLike(rest) {
			return run[:n], rest
		}
	}
	return run, ""
}

// zhPersonLike says a Chinese part right after the account is a person: a
// name with a title (李总), or two or three characters starting with a
// surname (王强).
func zhPersonLike(s string) bool {
	if zhNameLike(s) {
		return true
	}
	n := utf8.RuneCountInString(s)
	r, _ := utf8.DecodeRuneInString(s)
	if n < 2 || n > 3 || !isSurname(r) {
		return false
	}
	if _, k := zhDate(s); k > 0 {
		return false // 周五 is Friday, not Mr Zhou
	}
	for _, r := range s {
		if !isHan(r) || strings.ContainsRune("说要的了在不没是有和跟给去来", r) {
			return false
		}
	}
	return true
}

func skipSp(s string, j int) int {
	for j < len(s) && (s[j] == ' ' || s[j] == ',' || s[j] == ':') {
		j++
	}
	return j
}

// hasAny says s starts with one of the words, and returns the longest.
func hasAny(s string, words ...string) (string, bool) {
	best := ""
	for _, w := range words {
		if strings.HasPrefix(s, w) && len(w) > len(best) {
			best = w
		}
	}
	return best, best != ""
}

// zhRun is the Chinese (or mixed) text at j up to a separator.
func zhRun(s string, j int) int {
	k := j
	for k < len(s) && !isSpace(s[k]) && s[k] != ',' && s[k] != ';' && s[k] != '/' && s[k] != ':' {
		k++
	}
	return k
}

var zhCallWords = []string{"打了个电话", "打了电话", "打过电话", "打电话了", "打电话", "通了电话", "通了个电话", "通电话", "通话", "打了电话给", "打电话给"}

// zhWrite reads Chinese reports and plans: 去了X, 给X打了电话, 提醒我…, 约了X….
func (p *parser) zhWrite(s string, i int) (*Command, *Error, bool) {
	j := skipSp(s, i)
	var when *time.Time
	hasTime := false
	// a date first: 昨天, 明天, 下周一, 周五上午10点
	readDate := func() {
		ts := p.tokenize(s[j:], j, p.tokBuf[:0])
		if len(ts) == 0 {
			return
		}
		if t, ht, n := p.whenAt(ts, 0, false); n > 0 {
			when, hasTime = &t, ht
			j = skipSp(s, ts[n-1].end())
		}
	}
	skipSoft := func() {
		for {
			w, ok := hasAny(s[j:], "刚才", "刚刚", "刚", "我", "今天", "已经", "已", "上午", "下午", "早上", "中午", "晚上")
			if !ok || len(s) > j+len(w) && isDigit(s[j+len(w)]) {
				return
			}
			j += len(w)
		}
	}
	skipSoft()
	readDate()
	skipSoft()
	remind := false
	if w, ok := hasAny(s[j:], "提醒我", "提醒一下", "提醒", "记得"); ok {
		remind = true
		j = skipSp(s, j+len(w))
		if when == nil {
			readDate()
		}
	}
	future := when != nil && !when.Before(p.today())
	if when != nil && when.Equal(p.today()) && !hasTime {
		future = remind // "今天去了" is a report
	}
	r := s[j:]
	zh := func() { p.cmd.Lang = "zh" }
	// 有个线索：… a lead
	if w, ok := hasAny(r, "有个线索", "有个新线索", "有线索", "来了个线索"); ok {
		return p.run(VerbLead, true, s, i, skipSp(s, j+len(w)))
	}
	// 待办：… a task
	if w, ok := hasAny(r, "待办事项", "待办"); ok {
		zh()
		p.planTask = true
		return p.run(VerbPlan, true, s, i, skipSp(s, j+len(w)))
	}
	// 约了鞍钢王工 下周四见: a meeting planned
	if w, ok := hasAny(r, "约了", "约好了", "约好", "约"); ok && w != "约" || remind && ok {
		return p.zhPlan(s, j+len(w), "meeting", when, hasTime)
	}
	// calls: 给X打了电话, 跟X通了电话, 打了电话给X
	if w, ok := hasAny(r, "打了电话给", "打电话给", "打了个电话给", "电话给"); ok {
		if future || remind {
			return p.zhPlan(s, j+len(w), "call", when, hasTime)
		}
		return p.zhLog(VerbCall, s, j+len(w), "", when)
	}
	if w, ok := hasAny(r, "给", "跟", "和", "与"); ok {
		k := j + len(w)
		for _, cw := range zhCallWords {
			if c := strings.Index(s[k:zhRun(s, k)], cw); c > 0 {
				if future || remind || strings.HasPrefix(r, "要") {
					return p.zhPlan(s, k, "call", when, hasTime)
				}
				return p.zhLog(VerbCall, s, k, cw, when)
			}
		}
		if remind || future {
			return p.zhTask(s, j, when, hasTime)
		}
	}
	// visits: 去了X, 跑了一趟X, 到X了, 在X 见了…, 刚从X出来, 见了X的Y
	if w, ok := hasAny(r, "去了", "去过", "跑了一趟", "到了", "拜访了", "走访了"); ok && !future && !remind {
		return p.zhLog(VerbVisit, s, j+len(w), "", when)
	}
	if w, ok := hasAny(r, "要去", "去拜访", "去", "拜访", "到"); ok && (future || remind) {
		return p.zhPlan(s, j+len(w), "visit", when, hasTime)
	}
	if w, ok := hasAny(r, "从"); ok && strings.Contains(s[j:zhRun(s, j)], "出来") {
		return p.zhLog(VerbVisit, s, j+len(w), "出来", when)
	}
	if strings.HasPrefix(r, "到") && strings.HasSuffix(s[j:zhRun(s, j)], "了") {
		return p.zhLog(VerbVisit, s, j+len("到"), "了", when)
	}
	if strings.HasPrefix(r, "在") && (strings.Contains(r, "见了") || strings.Contains(r, "见到")) {
		return p.zhLog(VerbVisit, s, j+len("在"), "", when)
	}
	if w, ok := hasAny(r, "见了", "见到"); ok {
		k := j + len(w)
		run := s[k:zhRun(s, k)]
		if d := strings.Index(run, "的"); d > 0 && d+len("的") < len(run) {
			p.cmd.Contact = run[d+len("的"):]
			if n := zhPersonLen(p.cmd.Contact); n > 0 {
				p.cmd.Contact = p.cmd.Contact[:n] // 的周经理说要报价
			}
			return p.zhLog(VerbVisit, s, k, "的"+p.cmd.Contact, when)
		}
	}
	// 华鑫来电: a call taken
	if k := zhRun(s, j); strings.HasSuffix(s[j:k], "来电") && k-j > len("来电") {
		return p.zhLog(VerbCall, s, j, "来电", when)
	}
	if remind {
		return p.zhTask(s, j, when, hasTime)
	}
	return nil, nil, false
}

// zhLog logs a visit or call whose account starts at j; cut ends the
// account's run when found in it (见了 and the like always do). when, if
// past, is when it happened.
func (p *parser) zhLog(v Verb, s string, j int, cut string, when *time.Time) (*Command, *Error, bool) {
	j = skipSp(s, j)
	k := zhRun(s, j)
	run := s[j:k]
	next := k
	if cut != "" {
		if c := strings.Index(run, cut); c > 0 {
			next = j + c + len(cut)
			run = run[:c]
		}
	}
	for _, m := range []string{"见了", "见到"} {
		if c := strings.Index(run, m); c > 0 {
			next = j + c
			run = run[:c]
		}
	}
	if c := strings.Index(run, "说"); c > 0 && next == k {
		if _, person := p.zhSplit(run[:c]); person != "" {
			next, run = j+c, run[:c] // 去了抚顺煤矿高总说下周定
		}
	}
	run = strings.TrimSuffix(run, "了")
	if run == "" {
		return nil, nil, false
	}
	acct, person := p.zhSplit(run)
	c := p.cmd
	c.Verb, c.Lang = v, "zh"
	p.spec = specByVerb[v]
	p.inline = inlineLog
	c.Target = &Ref{Name: acct}
	if person != "" && c.Contact == "" {
		c.Contact = person
	}
	if when != nil && when.Before(p.today()) {
		t := *when
		c.At = &t
	}
	segs := p.segments(s[next:], next)
	if person := c.Contact; person != "" && strings.HasSuffix(s[:next], person) && len(segs) > 0 && segs[0].key == "" && len(segs[0].toks) > 0 {
		// 见了宏达砂石的周经理 说要报价: the note keeps who said it
		if t := segs[0].toks[0]; strings.TrimSpace(s[next:t.off]) == "" && subjectTok(t, t.off == next) {
			p.subjFrom, p.subjTo = next-len(person), t.off
		}
	}
	if err := p.logParts(segs, c.Contact == ""); err != nil {
		return nil, err, true
	}
	p.subjFrom = -1
	return c, nil, true
}

// zhPlan plans an activity of kind for the account (and person) at j.
func (p *parser) zhPlan(s string, j int, kind string, when *time.Time, hasTime bool) (*Command, *Error, bool) {
	j = skipSp(s, j)
	k := zhRun(s, j)
	run := s[j:k]
	c := p.cmd
	rest := k
	for _, cw := range zhCallWords {
		if ci := strings.Index(run, cw); ci > 0 {
			rest = j + ci + len(cw)
			run = run[:ci]
			break
		}
	}
	// a date glued to the account: "宏达砂石周五上午10点"
	ts := p.tokenize(run, j, p.tokBuf[:0])
	if len(ts) > 1 {
		for n := 1; n < len(ts); n++ {
			if _, _, m := p.whenAt(ts, n, false); m > 0 {
				run = s[j:ts[n].off]
				rest = ts[n].off
				break
			}
		}
	}
	acct, person := zhSplitPerson(run)
	for _, see := range []string{"见", "找"} { // "鞍钢见王工"
		if k := strings.LastIndex(run, see); k > 0 && zhPersonLike(run[k+len(see):]) {
			acct, person = run[:k], run[k+len(see):]
		}
	}
	c.Verb, c.Lang, c.Kind = VerbPlan, "zh", kind
	p.spec = specByVerb[VerbPlan]
	if acct != "" {
		c.Target = &Ref{Name: acct}
	}
	c.Contact = person
	if when != nil {
		c.Due, c.HasTime = when, hasTime
	}
	for _, sg := range p.segments(s[rest:], rest) {
		ts := sg.toks
		var note []tok
		for n := 0; n < len(ts); {
			if c.Due == nil {
				if t, ht, m := p.whenAt(ts, n, false); m > 0 {
					c.Due, c.HasTime = &t, ht
					n += m
					continue
				}
			}
			switch ts[n].l {
			case "见", "见面", "碰面", "了", "打电话", "电话":
				n++
				continue
			}
			if urgentWords[ts[n].l] {
				c.Priority = "urgent"
				n++
				continue
			}
			note = append(note, ts[n])
			n++
		}
		if len(note) > 0 {
			t := p.span(note)
			t = strings.TrimSuffix(strings.TrimSuffix(t, "见"), "见面")
			p.addNote(t)
		}
	}
	return c, nil, true
}

// zhTask plans a task whose subject is the text at j ("周五前把报价发给华鑫").
func (p *parser) zhTask(s string, j int, when *time.Time, hasTime bool) (*Command, *Error, bool) {
	c := p.cmd
	c.Verb, c.Lang, c.Kind = VerbPlan, "zh", "task"
	p.spec = specByVerb[VerbPlan]
	if when != nil {
		c.Due, c.HasTime = when, hasTime
	}
	for _, sg := range p.segments(s[j:], j) {
		ts := sg.toks
		if c.Due == nil {
			if t, ht, a, b, ok := p.whenSpan(ts, false); ok {
				c.Due, c.HasTime = &t, ht
				if a > 0 {
					p.addNote(p.span(ts[:a]))
				}
				p.addNote(p.span(ts[b:]))
				continue
			}
		}
		p.addNote(sg.s)
	}
	if c.Notes == "" && c.Due == nil {
		return nil, nil, false
	}
	return c, nil, true
}

// zhQuestion reads questions: 明天有啥安排, 我的单子, 鞍钢的座机, 孙强是谁, 这个月业绩.
func (p *parser) zhQuestion(s string, i int) (*Command, *Error, bool) {
	t := strings.TrimRight(strings.TrimSpace(s[i:]), "?!.;, 吗呢啊")
	c := p.cmd
	zh := true
	// what's on a day
	for _, q := range []string{"干嘛", "干啥", "做什么", "干什么", "有啥", "有什么", "安排", "任务", "的事", "忙什么", "去哪", "做啥", "忙啥"} {
		if !strings.Contains(t, q) {
			continue
		}
		ts := p.tokenize(t, i, p.tokBuf[:0])
		k := 0
		if k < len(ts) && (ts[k].l == "我" || strings.HasPrefix(ts[k].l, "我")) && ts[k].l != "我的单子" {
			if ts[k].l == "我" {
				k++
			}
		}
		if strings.HasPrefix(t, "我") && len(ts) > 0 && ts[0].l != "我" {
			// "我今天…": the tokenizer kept 我 apart or not
		}
		for n := 0; n < len(ts) && n < 3; n++ {
			if tm, ht, m := p.whenAt(ts, n, false); m > 0 {
				c.Verb, c.Lang = VerbToday, "zh"
				p.spec = specByVerb[VerbToday]
				if !tm.Equal(p.today()) || ht {
					c.Due, c.HasTime = &tm, ht
				}
				return c, nil, true
			}
		}
		_ = k
		if strings.HasPrefix(t, "我") {
			return p.query(VerbToday, zh)
		}
	}
	if strings.Contains(t, "业绩") || strings.Contains(t, "漏斗") {
		c.Verb, c.Lang = VerbFunnel, "zh"
		p.spec = specByVerb[VerbFunnel]
		for w, pr := range periods {
			if w[0] >= 0x80 && strings.Contains(t, w) {
				c.Period = pr
			}
		}
		return c, nil, true
	}
	if strings.Contains(t, "我") && (strings.Contains(t, "单") || strings.Contains(t, "商机")) {
		return p.query(VerbOpps, zh)
	}
	if strings.HasSuffix(t, "是谁") && len(t) > len("是谁") {
		c.Verb, c.Lang, c.Query = VerbFind, "zh", strings.TrimSpace(strings.TrimSuffix(t, "是谁"))
		p.spec = specByVerb[VerbFind]
		return c, nil, true
	}
	for _, q := range []string{"电话是多少", "电话多少", "的电话", "的座机", "座机", "地址在哪里", "地址在哪", "的地址", "在哪里", "在哪", "的资料", "的详情", "资料", "电话", "地址", "手机"} {
		if strings.HasSuffix(t, q) && len(t) > len(q) {
			name := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(t, q)), "的"))
			if name == "" || strings.ContainsAny(name, ",;") {
				break
			}
			c.Verb, c.Lang = VerbAcct, "zh"
			p.spec = specByVerb[VerbAcct]
			c.Target = &Ref{Name: name}
			return c, nil, true
		}
	}
	return nil, nil, false
}

// zhChoice reads a numbered choice in Chinese: 选2, 选 2, 第2个, 第二个,
// 选第三个, 要第3个.
func zhChoice(s string) (int, bool) {
	t := strings.TrimRight(strings.TrimSpace(s), ".!;, ")
	if t == "" || t[0] < 0x80 {
		return 0, false
	}
	sel := false
	for _, w := range []string{"就选", "选", "要", "就"} {
		if strings.HasPrefix(t, w) {
			t, sel = strings.TrimSpace(t[len(w):]), true
			break
		}
	}
	ord := false
	if strings.HasPrefix(t, "第") {
		t, ord = t[len("第"):], true
	}
	if !sel && !ord {
		return 0, false
	}
	n, k := zhNum(t)
	if k == 0 || n < 1 || n > 99 {
		return 0, false
	}
	t = t[k:]
	for _, w := range []string{"个", "项", "条", "号", "家"} {
		if strings.HasPrefix(t, w) {
			t = t[len(w):]
			break
		}
	}
	if strings.TrimSpace(t) != "" {
		return 0, false
	}
	if !ord && !sel {
		return 0, false
	}
	return n, true
}
