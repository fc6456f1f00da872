package parser

import "sort"

// keyTable maps each canonical key to its other spellings (lower case).
var keyTable = map[string][]string{
	"next":       {"nxt", "follow", "followup", "follow-up", "fu", "next step", "下次", "下一步", "跟进", "后续"},
	"stage":      {"stg", "阶段"},
	"amount":     {"amt", "value", "rev", "revenue", "price", "budget", "金额", "价值", "预算", "价格"},
	"close":      {"closing", "close date", "closedate", "cd", "成交日期", "预计成交", "签约日期"},
	"source":     {"src", "来源"},
	"referrer":   {"ref", "referred", "referrer", "推荐人", "介绍人"},
	"serial":     {"sn", "s/n", "serial no", "ser", "序列号", "编号"},
	"smu":        {"hours", "hrs", "hr", "meter", "工时", "小时数", "小时"},
	"location":   {"loc", "site", "at", "位置", "地点", "工地"},
	"condition":  {"cond", "state", "status", "工况", "状况", "状态"},
	"bought":     {"purchased", "purchase", "buy", "购于", "购买于", "购买", "购买日期", "购入"},
	"brand":      {"make", "品牌"},
	"model":      {"型号"},
	"contact":    {"met", "person", "name", "联系人", "姓名"},
	"phone":      {"tel", "mob", "mobile", "cell", "ph", "电话", "手机", "座机"},
	"email":      {"mail", "e-mail", "邮箱", "邮件"},
	"title":      {"position", "job", "职位", "职务"},
	"due":        {"when", "date", "by", "时间", "日期"},
	"priority":   {"pri", "prio", "优先级"},
	"product":    {"prod", "products", "machines", "产品", "机型"},
	"competitor": {"comp", "vs", "competition", "竞争对手", "对手", "竞品"},
	"reason":     {"why", "because", "原因", "理由"},
	"role":       {"角色"},
	"notes":      {"note", "remark", "remarks", "comment", "备注", "说明"},
	"subject":    {"subj", "re", "topic", "主题", "事项"},
	"address":    {"addr", "add", "地址"},
	"industry":   {"ind", "sector", "行业"},
	"parent":     {"parent account", "group", "上级", "集团"},
	"alias":      {"aka", "别名", "简称"},
	"assignee":   {"to", "owner", "who", "负责人", "给"},
	"campaign":   {"camp", "cmp", "活动"},
	"qty":        {"quantity", "数量"},
	"objective":  {"obj", "goal", "aim", "目标", "目的"},
	"segment":    {"seg", "segments", "target segment", "细分", "目标客户", "客户群"},
	"start":      {"starts", "begin", "begins", "开始", "开始日期"},
	"end":        {"ends", "结束", "结束日期"},
	"task":       {"tasks", "todo", "任务"},
	"cost":       {"spent", "actual cost", "费用", "花费", "成本"},
}

var keyDocOrder = []string{"next", "stage", "amount", "close", "source", "referrer", "contact", "phone", "email", "title",
	"due", "priority", "product", "competitor", "reason", "role", "serial", "smu", "location", "condition", "bought",
	"brand", "model", "notes", "subject", "address", "industry", "parent", "alias", "assignee", "campaign", "qty",
	"objective", "segment", "start", "end", "task", "cost"}

var keyAliases = map[string]string{}

func init() {
	for k, as := range keyTable {
		keyAliases[k] = k
		for _, a := range as {
			keyAliases[a] = k
		}
	}
}

func keyAliasesOf(k string) []string {
	as := append([]string(nil), keyTable[k]...)
	sort.Strings(as)
	return as
}

// inline keys: recognised without a colon, per verb.
var (
	inlineEquipment = map[string]string{"sn": "serial", "s/n": "serial", "serial": "serial", "smu": "smu", "hours": "smu", "hrs": "smu",
		"loc": "location", "location": "location", "cond": "condition", "condition": "condition", "bought": "bought", "purchased": "bought",
		"序列号": "serial", "工时": "smu", "小时数": "smu", "位置": "location", "地点": "location", "工况": "condition", "状况": "condition",
		"购于": "bought", "购买于": "bought", "购买": "bought", "购买日期": "bought", "next": "next"}
	inlineOpp = map[string]string{"stage": "stage", "amt": "amount", "close": "close", "closing": "close", "comp": "competitor", "vs": "competitor",
		"src": "source", "阶段": "stage", "金额": "amount", "预计成交": "close", "成交日期": "close", "竞争对手": "competitor", "对手": "competitor", "来源": "source"}
	inlineLead = map[string]string{"src": "source", "source": "source", "ref": "referrer", "来源": "source", "推荐人": "referrer", "介绍人": "referrer"}
	inlineLog  = map[string]string{"next": "next", "nxt": "next", "下次": "next", "下一步": "next", "跟进": "next"}
	// CAMPAIGN: budget and cost never start a campaign's name; the other keys
	// may ("Year End Promo"), so they go without a colon only after a #id.
	inlineCampaign   = map[string]string{"budget": "amount", "预算": "amount", "cost": "cost", "费用": "cost"}
	inlineCampaignID = map[string]string{"budget": "amount", "预算": "amount", "cost": "cost", "费用": "cost",
		"start": "start", "开始": "start", "end": "end", "结束": "end", "objective": "objective", "目标": "objective",
		"segment": "segment", "细分": "segment", "task": "task", "任务": "task", "products": "product", "product": "product", "产品": "product"}
)
