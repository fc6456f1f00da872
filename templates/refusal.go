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

// Hint words a hint given whole ("TODAY for your list") in locale, or
// returns it as it is (a command form reads the same in every locale).
func (s *Set) Hint(locale, hint string) string {
	if h, ok := s.refusals[locale][hint]; ok {
		return h
	}
	return hint
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
