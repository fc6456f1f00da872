package csvio

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// The names a header cell may give a column. A file written by a Chinese
// office names its columns 客户名称, 电话, 联系人, 负责人 …; one from another
// system says company, phone, e-mail, salesman. Each kind has its own table
// (联系人 is the contact's name in an accounts file and the name itself in a
// contacts file). Names are compared by headerKey: case, spaces,
// punctuation, full-width forms and a note in brackets (必填) do not count.

// alias lists the other names of one column of a kind, Chinese first (the
// first Chinese one is the column's Chinese name in messages and docs).
type alias struct {
	col   string
	names []string
}

// ambiguous is a header name that could be several columns of a kind: it is
// refused with the names to use instead.
type ambiguous struct {
	name string
	cols []string
}

// ignoredNames are columns an office sheet has that are not data: the row
// number. They are read and left aside.
var ignoredNames = []string{"序号", "行号", "no", "row", "row no", "#"}

var ownerNames = []string{"负责人", "业务员", "销售员", "销售", "所属销售", "客户经理", "归属人", "跟进人", "salesman", "salesperson", "sales rep", "rep", "account manager", "assigned to"}
var createdNames = []string{"创建时间", "创建日期", "录入时间", "created at", "date created", "creation date"}
var updatedNames = []string{"更新时间", "修改时间", "updated at", "last modified", "modified"}
var emailNames = []string{"邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址", "e-mail", "mail", "email address"}
var accountNames = []string{"客户", "客户名称", "公司", "公司名称", "单位", "单位名称", "所属客户", "company", "company name", "customer", "customer name", "account name"}

var commonAliases = []alias{
	{"id", []string{"记录id", "fieldcrm id"}},
	{"owner", ownerNames},
	{"created", createdNames},
	{"updated", updatedNames},
}

var kindAliases = map[string][]alias{
	"users": {
		{"name", []string{"姓名", "名字", "员工姓名", "full name", "user", "user name"}},
		{"phones", []string{"手机", "手机号", "手机号码", "电话", "联系电话", "电话号码", "phone", "mobile", "mobile phone", "cell", "tel", "telephone", "phone number"}},
		{"email", emailNames},
		{"role", []string{"角色", "岗位", "职位", "职务", "position", "job"}},
		{"branch", []string{"分公司", "分支机构", "网点", "区域", "office", "region"}},
		{"dept", []string{"部门", "department", "division"}},
		{"manager", []string{"上级", "直属上级", "主管", "上级经理", "supervisor", "reports to", "boss"}},
		{"locale", []string{"语言", "language", "lang"}},
		{"tz", []string{"时区", "time zone", "timezone"}},
		{"opted_out", []string{"退订", "拒收短信", "opt out", "optout", "unsubscribed"}},
		{"disabled", []string{"停用", "禁用", "已离职", "离职", "inactive"}},
	},
	"accounts": {
		{"name", []string{"客户名称", "公司名称", "客户", "公司", "单位名称", "单位", "企业名称", "名称", "company", "company name", "customer", "customer name", "account", "account name"}},
		{"aliases", []string{"别名", "简称", "又名", "alias", "aka", "other names"}},
		{"phones", []string{"电话", "公司电话", "座机", "总机", "固定电话", "办公电话", "客服电话", "服务热线", "phone", "phones", "tel", "telephone", "phone number", "hotline", "office phone"}},
		{"address", []string{"地址", "公司地址", "详细地址", "通讯地址", "addr", "street"}},
		{"city", []string{"城市", "所在城市", "地区", "区域", "所在地", "region", "area", "town"}},
		{"industry", []string{"行业", "所属行业", "行业类别", "sector"}},
		{"parent", []string{"上级客户", "母公司", "总公司", "集团", "parent account", "parent company", "group"}},
		{"team", []string{"团队", "团队成员", "协作人", "team members"}},
		{"future_plans", []string{"未来计划", "发展规划", "plans"}},
		{"influence", []string{"影响力"}},
		{"assets", []string{"资产", "资产状况"}},
		{"cash_flow", []string{"现金流", "资金状况", "cashflow"}},
		{"blacklisted", []string{"黑名单", "blacklist"}},
		{"status", []string{"状态", "客户状态", "account status"}},
		{"inactive_reason", []string{"停用原因", "reason inactive"}},
		{"lead", []string{"线索", "来源线索", "lead id"}},
		{"contact_id", []string{"联系人编号", "联系人id"}},
		{"contact_name", []string{"联系人", "联系人姓名", "联系人名称", "contact", "contact person"}},
		{"contact_mobile", []string{"联系人手机", "手机", "手机号", "手机号码", "移动电话", "mobile", "cell", "mobile phone", "cellphone"}},
		{"contact_landline", []string{"联系人座机", "联系人固话", "contact tel"}},
		{"contact_phone", []string{"联系电话", "联系人电话", "联系人电话号码", "联系方式", "contact number"}},
		{"contact_title", []string{"职位", "职务", "联系人职位", "头衔", "title", "job title", "position"}},
		{"phone_history", []string{"电话历史", "电话变更记录"}},
	},
	"contacts": {
		{"account", accountNames},
		{"name", []string{"姓名", "联系人", "联系人姓名", "名字", "contact", "contact name", "full name", "person"}},
		{"mobile", []string{"手机", "手机号", "手机号码", "移动电话", "mobile", "cell", "cellphone", "mobile phone"}},
		{"landline", []string{"座机", "固定电话", "固话", "办公电话", "office phone", "landline phone", "tel", "telephone"}},
		{"phone", []string{"电话", "联系电话", "电话号码", "联系方式", "phone number", "contact number"}},
		{"email", emailNames},
		{"title", []string{"职位", "职务", "头衔", "岗位", "job title", "position"}},
		{"background", []string{"背景", "个人背景", "备注", "notes", "note", "remarks"}},
		{"removed", []string{"已删除", "删除"}},
		{"removed_reason", []string{"删除原因"}},
		{"removed_at", []string{"删除时间"}},
	},
	"leads": {
		{"subject", []string{"主题", "线索主题", "线索名称", "标题", "topic", "title"}},
		{"company", []string{"公司名称", "公司", "客户名称", "客户", "单位", "企业名称", "company name", "customer", "organisation", "organization"}},
		{"person", []string{"联系人", "联系人姓名", "姓名", "contact", "contact person", "contact name"}},
		{"phone", []string{"电话", "联系电话", "手机", "手机号", "手机号码", "联系方式", "mobile", "tel", "telephone", "phone number"}},
		{"source", []string{"来源", "线索来源", "渠道", "lead source", "channel"}},
		{"referrer", []string{"介绍人", "推荐人", "referred by", "referral"}},
		{"campaign", []string{"市场活动", "营销活动", "campaign id"}},
		{"needs", []string{"需求", "客户需求", "备注", "requirements", "notes", "remarks"}},
		{"estimated_value", []string{"预计金额", "预估金额", "金额", "预计价值", "estimated amount", "value", "amount"}},
		{"status", []string{"状态", "线索状态", "lead status"}},
		{"reason", []string{"原因", "不合格原因", "disqualification reason"}},
		{"converted_at", []string{"转化时间", "转化日期", "converted"}},
		{"conv_account", []string{"转化客户"}},
		{"conv_contact", []string{"转化联系人"}},
		{"conv_opp", []string{"转化商机"}},
	},
	"opportunities": {
		{"name", []string{"商机名称", "机会名称", "项目名称", "名称", "opportunity", "opportunity name", "deal", "deal name", "title"}},
		{"account", accountNames},
		{"lead", []string{"线索", "lead id"}},
		{"campaign", []string{"市场活动", "营销活动", "campaign id"}},
		{"source", []string{"来源", "商机来源", "渠道", "channel"}},
		{"category", []string{"类别", "分类", "产品类别", "type"}},
		{"products", []string{"产品", "机型", "产品及数量", "product", "models", "items"}},
		{"amount", []string{"金额", "预计金额", "预计收入", "商机金额", "value", "revenue", "estimated revenue"}},
		{"probability", []string{"概率", "成交概率", "赢率", "可能性", "win probability", "chance"}},
		{"close", []string{"预计成交日期", "成交日期", "预计签约日期", "close date", "expected close", "closing date"}},
		{"delivery", []string{"交货日期", "交付日期", "交车日期", "delivery date"}},
		{"needs", []string{"需求", "客户需求", "requirements"}},
		{"strengths", []string{"优势", "我方优势", "strength"}},
		{"weaknesses", []string{"劣势", "我方劣势", "weakness"}},
		{"competitors", []string{"竞争对手", "竞品", "对手", "competition", "competitor"}},
		{"people", []string{"相关人员", "决策链", "关键人", "key people"}},
		{"stage", []string{"阶段", "销售阶段", "商机阶段", "sales stage"}},
		{"stage_reason", []string{"阶段原因", "变更原因", "stage change reason"}},
		{"lost_to", []string{"输给", "丢单给", "lost to competitor"}},
		{"lost_reason", []string{"丢单原因", "输单原因", "失败原因", "reason lost"}},
		{"closed_at", []string{"关闭时间", "结束日期", "closed"}},
		{"stage_history", []string{"阶段历史"}},
	},
	"activities": {
		{"type", []string{"类型", "活动类型", "方式", "activity type", "kind"}},
		{"subject", []string{"主题", "标题", "事项", "title", "topic"}},
		{"notes", []string{"备注", "内容", "记录", "详情", "说明", "note", "remarks", "details", "description"}},
		{"account", accountNames},
		{"contact", []string{"联系人", "contact id"}},
		{"opp", []string{"商机", "opportunity", "deal"}},
		{"lead", []string{"线索", "lead id"}},
		{"assigned_by", []string{"分配人", "指派人", "安排人", "assigner"}},
		{"assigned_at", []string{"分配时间", "指派时间", "assigned"}},
		{"due", []string{"截止时间", "到期时间", "计划时间", "截止日期", "due date", "deadline"}},
		{"priority", []string{"优先级", "紧急程度", "urgency"}},
		{"status", []string{"状态", "活动状态"}},
		{"outcome", []string{"结果", "结论", "result"}},
		{"done_at", []string{"完成时间", "完成日期", "completed at", "done", "completed"}},
		{"follow_up_of", []string{"跟进自"}},
		{"reassigned_to", []string{"改派为"}},
		{"reassigned_of", []string{"改派自"}},
		{"escalated", []string{"升级时间"}},
	},
	"equipment": {
		{"account", accountNames},
		{"brand", []string{"品牌", "厂家", "厂商", "make", "manufacturer"}},
		{"model", []string{"型号", "机型", "设备型号"}},
		{"serial", []string{"序列号", "机号", "出厂编号", "车架号", "机器序列号", "serial number", "sn", "s/n", "pin"}},
		{"smu", []string{"小时数", "工作小时", "工时", "计时表", "hours", "hour meter", "service meter"}},
		{"smu_at", []string{"读表时间", "读数时间"}},
		{"gps", []string{"gps状态"}},
		{"location", []string{"位置", "所在地", "地点", "工地", "site"}},
		{"year", []string{"年份", "出厂年份", "生产年份", "year of manufacture"}},
		{"bought", []string{"购买日期", "购机日期", "购买时间", "purchase date", "purchased"}},
		{"delivered", []string{"交付日期", "交机日期", "交货日期", "delivery date"}},
		{"condition", []string{"状况", "工况", "工作状况", "设备状况", "车况"}},
		{"repair_needs", []string{"维修需求", "维修", "保养需求", "repairs"}},
		{"history", []string{"读数历史"}},
		{"note", []string{"备注", "说明", "notes", "remarks"}},
	},
}

var kindAmbiguous = map[string][]ambiguous{
	"leads":         {{"名称", []string{"subject", "company"}}, {"name", []string{"subject", "company", "person"}}},
	"opportunities": {{"日期", []string{"close", "delivery"}}, {"date", []string{"close", "delivery"}}},
	"activities":    {{"日期", []string{"due", "done_at"}}, {"date", []string{"due", "done_at"}}, {"时间", []string{"due", "done_at"}}, {"time", []string{"due", "done_at"}}},
	"equipment":     {{"日期", []string{"bought", "delivered", "smu_at"}}, {"date", []string{"bought", "delivered", "smu_at"}}},
}

// headerKey is the form in which header names are compared: full-width
// letters and digits folded, lower case, a note in brackets left out, and
// only letters and digits kept ("Contact_Mobile", "contact mobile" and
// "ＣＯＮＴＡＣＴ－ＭＯＢＩＬＥ" are one; "手机号码（必填）" is "手机号码").
func headerKey(s string) string {
	s = strings.ToLower(width.Fold.String(s))
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case strings.ContainsRune("([【〔<《", r):
			depth++
		case strings.ContainsRune(")]】〕>》", r):
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		// a header that is only a note in brackets, or only "#"
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(r)
			}
		}
	}
	if b.Len() == 0 && strings.TrimSpace(s) == "#" {
		return "#"
	}
	return b.String()
}

// headerNames is what a kind's header names resolve to: header key →
// column, and the ambiguous keys.
type headerNames struct {
	col       map[string]string   // key → column ("" for an ignored column)
	ambiguous map[string][]string // key → columns
}

var headerCache = map[string]*headerNames{}

func init() {
	for _, sp := range specs {
		headerCache[sp.name] = sp.buildNames()
	}
}

// aliases returns the other names of a column of sp, in the order listed.
func (sp *spec) aliases(col string) []string {
	var out []string
	for _, tab := range [][]alias{kindAliases[sp.name], commonAliases} {
		for _, a := range tab {
			if a.col == col {
				out = append(out, a.names...)
			}
		}
	}
	return out
}

// chineseName is a column's first Chinese name ("" when it has none).
func (sp *spec) chineseName(col string) string {
	for _, n := range sp.aliases(col) {
		for _, r := range n {
			if unicode.Is(unicode.Han, r) {
				return n
			}
		}
	}
	return ""
}

// hasColumn reports whether sp has a column named col.
func (sp *spec) hasColumn(col string) bool {
	for _, c := range sp.cols {
		if c.name == col {
			return true
		}
	}
	return false
}

func (sp *spec) buildNames() *headerNames {
	hn := &headerNames{col: map[string]string{}, ambiguous: map[string][]string{}}
	for _, n := range ignoredNames {
		hn.col[headerKey(n)] = ""
	}
	for _, a := range kindAliases[sp.name] {
		for _, n := range a.names {
			hn.col[headerKey(n)] = a.col
		}
	}
	for _, a := range commonAliases {
		if !sp.hasColumn(a.col) {
			continue
		}
		for _, n := range a.names {
			if _, taken := hn.col[headerKey(n)]; !taken {
				hn.col[headerKey(n)] = a.col
			}
		}
	}
	for _, c := range sp.cols { // the column's own name wins over any alias
		hn.col[headerKey(c.name)] = c.name
	}
	for _, a := range kindAmbiguous[sp.name] {
		hn.ambiguous[headerKey(a.name)] = a.cols
		delete(hn.col, headerKey(a.name))
	}
	return hn
}

// named writes a column with its Chinese name: "phones (电话)".
func (sp *spec) named(col string) string {
	if zh := sp.chineseName(col); zh != "" {
		return col + " (" + zh + ")"
	}
	return col
}

// columnList is the columns of sp with their Chinese names, for messages.
func (sp *spec) columnList() string {
	var s []string
	for _, c := range sp.cols {
		if c.noImport {
			continue
		}
		s = append(s, sp.named(c.name))
	}
	return strings.Join(s, ", ")
}

// resolveHeader reads a header row: the column of each cell ("" for a
// column that is left aside, such as 序号), and the columns present. An
// unknown or ambiguous name, an empty one, or two names for one column is a
// HeaderError that names the cell and the names to use.
func (sp *spec) resolveHeader(h []string) (cols []string, has map[string]bool, err error) {
	if len(h) == 0 {
		return nil, nil, &HeaderError{"the file is empty: it needs a header row naming its columns"}
	}
	hn := headerCache[sp.name]
	cols = make([]string, len(h))
	has = map[string]bool{}
	byCol := map[string]string{} // column → the header cell that named it
	var unknown, amb []string
	for i, raw := range h {
		name := strings.TrimSpace(raw)
		if name == "" {
			return nil, nil, &HeaderError{fmt.Sprintf("column %d of the header has no name", i+1)}
		}
		k := headerKey(name)
		if cs, ok := hn.ambiguous[k]; ok {
			var opts []string
			for _, c := range cs {
				opts = append(opts, sp.named(c))
			}
			amb = append(amb, fmt.Sprintf("%q could be %s: rename it to one of these", name, orList(opts)))
			continue
		}
		c, ok := hn.col[k]
		switch {
		case !ok || k == "":
			unknown = append(unknown, fmt.Sprintf("%q", name))
			continue
		case c == "":
			continue // the row number: not data
		}
		if prev, dup := byCol[c]; dup {
			if headerKey(prev) == k {
				return nil, nil, &HeaderError{fmt.Sprintf("column %q appears twice in the header", name)}
			}
			return nil, nil, &HeaderError{fmt.Sprintf("columns %q and %q are both %s: keep one", prev, name, sp.named(c))}
		}
		byCol[c] = name
		cols[i] = c
		has[c] = true
	}
	if len(amb) > 0 {
		return nil, nil, &HeaderError{fmt.Sprintf("in the %s file, column %s", sp.name, strings.Join(amb, "; column "))}
	}
	if len(unknown) > 0 {
		w := "column"
		if len(unknown) > 1 {
			w = "columns"
		}
		return nil, nil, &HeaderError{fmt.Sprintf("unknown %s %s in the %s file (its columns are: %s; docs/import.md lists every name accepted)",
			w, strings.Join(unknown, ", "), sp.name, sp.columnList())}
	}
	return cols, has, nil
}

func orList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// HeaderNames returns, for a kind of file, each column with the other names
// a header may give it, in the order of the columns; and the names refused
// as ambiguous with the columns they could be.
func HeaderNames(kind string) (cols []string, names map[string][]string, amb map[string][]string) {
	sp, ok := specFor(kind)
	if !ok {
		return nil, nil, nil
	}
	names, amb = map[string][]string{}, map[string][]string{}
	hn := headerCache[sp.name]
	for _, c := range sp.cols {
		if c.noImport {
			continue
		}
		cols = append(cols, c.name)
		for _, n := range sp.aliases(c.name) {
			if hn.col[headerKey(n)] == c.name && !contains(names[c.name], n) {
				names[c.name] = append(names[c.name], n)
			}
		}
	}
	for _, a := range kindAmbiguous[sp.name] {
		amb[a.name] = a.cols
	}
	return cols, names, amb
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// RenderHeaderDoc is the part of docs/import.md that lists the names a
// header may give each column (written by TestImportDoc).
func RenderHeaderDoc() string {
	var b strings.Builder
	b.WriteString("Header names are compared without case, spaces, punctuation and a note in brackets (`Contact_Mobile`,\n")
	b.WriteString("`contact mobile` and `联系人手机（必填）` are read alike); full-width letters and digits count as\n")
	b.WriteString("half-width. A column named `序号`, `No` or `#` (the row number of an office sheet) is left aside.\n")
	b.WriteString("A name that could be several columns is refused with the names to use; so is a name not listed here,\n")
	b.WriteString("and two names of one column. Nothing is imported then.\n")
	for _, k := range Kinds {
		cols, names, amb := HeaderNames(k)
		fmt.Fprintf(&b, "\n#### %s\n\n| column | also read as |\n|---|---|\n", k)
		for _, c := range cols {
			var ns []string
			for _, n := range names[c] {
				ns = append(ns, "`"+n+"`")
			}
			fmt.Fprintf(&b, "| `%s` | %s |\n", c, strings.Join(ns, ", "))
		}
		if len(amb) > 0 {
			var keys []string
			for n := range amb {
				keys = append(keys, n)
			}
			sort.Strings(keys)
			b.WriteString("\nRefused as ambiguous: ")
			var s []string
			for _, n := range keys {
				s = append(s, fmt.Sprintf("`%s` (%s)", n, strings.Join(amb[n], ", ")))
			}
			b.WriteString(strings.Join(s, "; ") + ".\n")
		}
	}
	return b.String()
}
