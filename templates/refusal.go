package templates

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"strings"
)

// refusals maps a locale to its catalogue: crm's English refusal format (or a
// hint given whole) → that locale's form. Read from sms/<locale>/refusals.txt.
type refusals map[string]string

func parseRefusals(fsys fs.FS, locale string) (refusals, error) {
	b, err := fs.ReadFile(fsys, "sms/"+locale+"/refusals.txt")
	if err != nil {
		return nil, nil // a locale without a catalogue speaks crm's English
	}
	r := refusals{}
	var pair []string
	flush := func(line int) error {
		switch len(pair) {
		case 0:
			return nil
		case 2:
			if _, dup := r[pair[0]]; dup {
				return fmt.Errorf("templates: sms/%s/refusals.txt line %d: %q twice", locale, line, pair[0])
			}
			r[pair[0]] = pair[1]
			pair = nil
			return nil
		}
		return fmt.Errorf("templates: sms/%s/refusals.txt line %d: an entry is an English line and its translation, then a blank line", locale, line)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t\r")
		switch {
		case (line == "#" || strings.HasPrefix(line, "# ")) && len(pair) == 0: // a comment ("#17 …" is a refusal)
		case line == "":
			if err := flush(n); err != nil {
				return nil, err
			}
		default:
			pair = append(pair, line)
		}
	}
	if err := flush(n); err != nil {
		return nil, err
	}
	return r, nil
}

// Refusal words one of crm's refusals in locale: format and args are what
// crm.Errorf was given. ok is false when the locale has no form for it (the
// caller keeps crm's English message). Arguments printed with %s that are a
// record kind, activity type, stage, status or role are worded in the locale
// too; %q arguments are the sender's own words and stay as they are.
func (s *Set) Refusal(locale, format string, args []any) (text string, ok bool) {
	f, ok := s.refusals[locale][format]
	if !ok {
		return "", false
	}
	verbs := formatVerbs(format)
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
		if str, isStr := a.(string); isStr && i < len(verbs) && verbs[i] == 's' {
			out[i] = argWord(str, locale)
		} else if st, isStringer := a.(fmt.Stringer); isStringer && i < len(verbs) && verbs[i] == 's' {
			out[i] = argWord(st.String(), locale)
		}
	}
	return fmt.Sprintf(f, out...), true
}

// Hint words a hint given whole ("TODAY for your list") in locale. A
// command form ("OPP #10 stage development") is written with the Chinese
// words the parser reads (Command) for a zh reader; in English it stays.
func (s *Set) Hint(locale, hint string) string {
	if h, ok := s.refusals[locale][hint]; ok {
		return h
	}
	if Locale(locale) == "zh" {
		return Command(hint, "zh")
	}
	return hint
}

// zhVerbs are the Chinese forms of the command verbs (the parser's own
// table, parser/verbs.go, reads each of them).
var zhVerbs = map[string]string{
	"VISIT": "拜访", "V": "拜访", "CALL": "电话", "MEET": "会议", "MEETING": "会议", "PLAN": "计划", "DONE": "完成",
	"REJECT": "拒绝", "LEAD": "线索", "CONTACT": "联系人", "ACCOUNT": "新客户", "OPP": "商机", "EQ": "设备",
	"NOTE": "备注", "DOC": "文档", "TODAY": "今天", "OPPS": "我的商机", "ACCT": "查客户", "FIND": "查找",
	"FUNNEL": "漏斗", "TEAM": "团队", "LOST": "丢单分析", "ASSIGN": "分配", "APPROVE": "批准", "REFUSE": "驳回",
	"RESP": "回应", "CAMPAIGN": "活动", "HELP": "帮助", "UNDO": "撤销", "MORE": "更多", "STOP": "退订",
	"START": "开始", "EXTEND": "延期", "ACK": "收到",
}

// zhWords are the other words of command forms the parser reads in
// Chinese: keys, actions and stages.
var zhWords = map[string]string{
	"stage": "阶段", "won": "赢单", "lost": "丢单", "nodeal": "无交易", "qualify": "确认", "disqualify": "无效",
	"convert": "转化", "remove": "删除", "inactive": "停用", "role": "角色", "smu": "工时", "sn": "序列号",
	"bought": "购于", "close": "成交日期", "src:": "来源：", "note:": "备注：", "next:": "下次：", "industry:": "行业：",
	"owner:": "负责人：", "objective:": "目标：", "budget:": "预算：", "start:": "开始：", "end:": "结束：",
	"identification": "识别", "qualification": "确认", "development": "开发", "proposal": "报价",
	"ident": "识别", "qual": "确认", "dev": "开发", "or": "或", "referral": "介绍", "lead": "线索",
	"visit": "拜访", "call": "电话", "meeting": "会议", "task": "任务", "urgent": "紧急", "[urgent]": "[紧急]",
	"addr:": "地址：", "task:": "任务：", "3d": "3天",
}

// zhPlaceholders word the <placeholders> of command forms.
var zhPlaceholders = map[string]string{
	"name": "姓名", "contact": "联系人", "phone": "电话", "mobile": "手机", "company": "公司", "person": "联系人",
	"source": "来源", "account": "客户", "id": "编号", "#id": "编号", "reason": "原因", "competitor": "对手",
	"stage": "阶段", "when": "时间", "what": "事项", "serial": "序列号", "hours": "工时", "title": "职位",
	"campaign": "活动", "n": "序号", "who": "谁", "goal": "目标", "amount": "金额", "date": "日期",
	"key": "项", "value": "值", "note": "备注", "interest": "意向", "city": "城市", "industry": "行业",
	"account or person": "客户或联系人", "name or phone digits": "名称或电话后几位", "outcome": "结果",
	"qty": "数量", "model": "型号", "brand": "品牌", "name or #id": "名称或#编号", "address": "地址",
	"needs": "需求", "text": "内容", "name or company": "姓名或公司", "account or #id": "客户或#编号",
	"visit|call|meeting|task": "拜访/电话/会议/任务", "account id": "客户编号",
}

// zhTails word the prose that follows some command forms.
var zhTails = map[string]string{
	" to hand it back": "（退回）", " for a new one": "（新建）", " to change it, or choose another name": "（修改），或换个名称",
}

// Command writes a command form for a reader of locale: in Chinese, the
// verbs, keys, actions, stages and placeholders the parser reads in
// Chinese, with Chinese separators; ids, models, amounts, dates and names
// stay as typed. Words it does not know stay as they are.
func Command(form, locale string) string {
	// a form already in Chinese starts with a Chinese verb; a name in it
	// (FIND 抚顺煤矿) does not make it one
	if first, _, _ := strings.Cut(form, " "); Locale(locale) != "zh" || form == "" || HasCJK(first) {
		return form
	}
	if first, _, _ := strings.Cut(form, " "); zhVerbs[first] == "" {
		return form // prose, not a command form: the catalogue words it
	}
	tail := ""
	for en, zh := range zhTails {
		if strings.HasSuffix(form, en) {
			form, tail = strings.TrimSuffix(form, en), zh
		}
	}
	// a record's name, not a person's
	form = strings.NewReplacer("ACCOUNT <name>", "ACCOUNT <名称>", "CAMPAIGN <name>", "CAMPAIGN <名称>").Replace(form)
	// placeholders first: they may hold spaces
	var b strings.Builder
	for {
		i := strings.IndexByte(form, '<')
		j := strings.IndexByte(form[max(i, 0):], '>')
		if i < 0 || j < 0 {
			b.WriteString(form)
			break
		}
		j += i
		b.WriteString(form[:i])
		ph := form[i+1 : j]
		if z, ok := zhPlaceholders[strings.ToLower(ph)]; ok {
			ph = z
		}
		b.WriteString("\x00" + ph + "\x01")
		form = form[j+1:]
	}
	words := strings.Split(b.String(), " ")
	verbNext := true
	for i, w := range words {
		if w == "" {
			continue
		}
		core, semi := strings.CutSuffix(w, ";")
		switch {
		case verbNext && zhVerbs[core] != "":
			core = zhVerbs[core]
			verbNext = false
		case strings.Contains(core, "|"):
			parts := strings.Split(core, "|")
			for k, p := range parts {
				if z, ok := zhWords[strings.ToLower(p)]; ok {
					parts[k] = z
				} else if z, ok := zhVerbs[p]; ok {
					parts[k] = z
				}
			}
			core = strings.Join(parts, "/")
		case zhWords[strings.ToLower(core)] != "":
			core = zhWords[strings.ToLower(core)]
			verbNext = core == "或"
		default:
			verbNext = false
		}
		if semi {
			core += "；"
			verbNext = false
		}
		words[i] = core
	}
	out := strings.Join(words, " ")
	out = strings.NewReplacer("\x00", "<", "\x01", ">", "  或  ", " 或 ", "； ", "；", "： ", "：").Replace(out)
	return strings.Join(strings.Fields(out), " ") + tail
}

// formatVerbs lists the verb letter of each argument of a format without
// explicit argument indexes ("%s #%d" → "sd"). A format with indexes or '*'
// widths gives none: its arguments are left as they are.
func formatVerbs(format string) []byte {
	var v []byte
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			break
		}
		switch format[i] {
		case '%':
		case '[', '*':
			return nil
		default:
			v = append(v, format[i])
		}
	}
	return v
}

// refusalWords are the English words crm puts into refusals through %s: kinds
// (as crm names them), statuses, roles, and the lead fields a conversion
// misses. Activity types and stages come from the templates' own tables.
var refusalWords = map[string]map[string]string{
	"zh": {
		"account": "客户", "contact": "联系人", "activity": "活动", "opportunity": "商机", "opp": "商机",
		"lead": "线索", "equipment": "设备", "campaign": "市场活动", "competitor": "竞争对手",
		"document": "文档", "request": "申请", "user": "用户", "response": "回应",
		"open": "未完成", "done": "已完成", "rejected": "已退回", "reassigned": "已转派",
		"pending": "待批", "approved": "批准", "refused": "拒绝",
		"salesman": "销售", "csr": "客服", "sales_manager": "销售经理", "branch_manager": "分公司经理",
		"director": "总监", "data_admin": "数据管理员", "sales_admin": "销售管理", "marketing": "市场部",
		"credit": "信贷", "admin": "系统管理员",
		"company": "公司", "phone": "电话", "address or city": "地址或城市", "industry": "行业",
		"contact name": "联系人姓名", "contact phone": "联系人电话",
	},
}

// argWord words one %s argument: a known word, a comma list of known words,
// or the argument itself.
func argWord(s, locale string) string {
	words := refusalWords[locale]
	if words == nil {
		return s
	}
	one := func(w string) (string, bool) {
		k := strings.ToLower(strings.TrimSpace(w))
		k = strings.TrimPrefix(strings.TrimPrefix(k, "an "), "a ")
		if z, ok := words[k]; ok {
			return z, true
		}
		if z := Kind(k, locale); z != k {
			return z, true
		}
		if _, ok := stageWords[k]; ok && k != "1" && k != "2" && k != "3" && k != "4" && k != "5" && k != "6" && k != "7" {
			return Stage(k, locale), true
		}
		return "", false
	}
	if z, ok := one(s); ok {
		return z
	}
	if parts := strings.Split(s, ", "); len(parts) > 1 {
		out := make([]string, len(parts))
		for i, p := range parts {
			z, ok := one(p)
			if !ok {
				return s
			}
			out[i] = z
		}
		return strings.Join(out, "、")
	}
	return s
}
