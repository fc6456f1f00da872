package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// VerbSpec describes one verb: its forms, its parts, examples, the SMS help
// texts and who may use it. Verbs() is the single source of the parser's verb
// table, of HELP replies and of docs/commands.md.
type VerbSpec struct {
	Verb     Verb     // canonical name
	Name     string   // as shown to users: "VISIT"
	Short    []string // other English forms, short first: "V", "VIS"
	Chinese  []string // Chinese forms: "拜访"
	Who      string   // "everyone" or "managers"
	Form     string   // the right form, used as the Hint of errors
	Summary  string   // one line: what it does
	Parts    []string // one line per part
	Examples []string // three realistic messages
	Reply    string   // what the reply looks like
	HelpEN   string   // SMS answer to HELP <verb>: at most 160 GSM-7 characters
	HelpZH   string   // SMS answer in Chinese: at most 70 characters
}

// Who values.
const (
	Everyone  = "everyone"
	Managers  = "managers"
	Marketing = "marketing" // the marketing department and admins: whoever may change campaigns
)

var verbSpecs = []VerbSpec{
	{
		Verb: VerbVisit, Name: "VISIT", Short: []string{"V", "VIS", "VISITED"}, Chinese: []string{"拜访", "走访", "访问"}, Who: Everyone,
		Form:    "VISIT <account>; met <name>; <notes>; next: <what> <when>",
		Summary: "Log a visit you made (today unless a past date is given), with an optional follow-up.",
		Parts: []string{
			"`<account>`: the first part, a name (`acme`) or `#id`. Without a separator the account is the words before `met`, else the first word.",
			"`met <name>` / `见了<name>`: the person met (also a lone capitalised name right after the account: `/ Zhang /`).",
			"`next: <what> <when>`: the follow-up (`next: quote fri`); a part that starts with a date (`下周二报价`) or is a short phrase ending with one (`quote fri`) counts too.",
			"`<notes>`: every other part; `2x 320D` in the notes is also read as a product.",
			"`yesterday`, `28/11`: a past date alone in a part says when the visit took place.",
			"The visit carries out your open visit to that customer due today, overdue or within 3 days (the urgent one first, then the oldest): the reply says `Closes planned #n`. At a colleague's customer it is recorded and the colleague is told.",
		},
		Examples: []string{"VISIT acme; met Zhang Wei; wants 2 x 320D; next: quote fri", "V acme / Zhang / demo went well", "拜访 华鑫矿业；见了李总；下周二报价"},
		Reply:    "OK visit #231 ACME Mining, Zhang Wei. Next: quote Fri 28/11 #232. UNDO to undo",
		HelpEN:   "VISIT <account>; met <name>; <notes>; next: <what> <when>. E.g. V acme; met Zhang; wants 2x 320D; next: quote fri",
		HelpZH:   "拜访 客户；见了谁；情况；下次：事项 时间。例：拜访 华鑫；见了李总；下周二报价",
	},
	{
		Verb: VerbCall, Name: "CALL", Short: []string{"C", "TEL", "PHONE", "CALLED"}, Chinese: []string{"电话", "通话", "致电", "打电话", "来电"}, Who: Everyone,
		Form:    "CALL <account>; <name>; <notes>; next: <what> <when>",
		Summary: "Log a phone call you made or took, with an optional follow-up.",
		Parts: []string{
			"`<account>`: the first part, a name or `#id`.",
			"`<name>` / `spoke to <name>` / `met <name>`: the person.",
			"`<notes>`, `next: <what> <when>`: as for VISIT.",
		},
		Examples: []string{"CALL acme; Li Wei; wants price for 336; next: send quote tmr", "c huaxin spoke to wang, not ready until march", "电话 华鑫矿业；李总；要320D报价；明天发报价"},
		Reply:    "OK call #233 ACME Mining, Li Wei. Next: send quote Thu 26/11 #234. UNDO to undo",
		HelpEN:   "CALL <account>; <name>; <notes>; next: <what> <when>. E.g. C acme; Li Wei; wants price; next: send quote tmr",
		HelpZH:   "电话 客户；联系人；情况；下次：事项 时间。例：电话 华鑫；李总；要报价；明天发报价",
	},
	{
		Verb: VerbMeeting, Name: "MEET", Short: []string{"M", "MEETING", "MTG"}, Chinese: []string{"会议", "开会", "会面", "见面"}, Who: Everyone,
		Form:    "MEET <account>; met <names>; <notes>; next: <what> <when>",
		Summary: "Log a meeting that took place, with an optional follow-up.",
		Parts: []string{
			"`<account>`: the first part, a name or `#id`.",
			"`met <names>`, `<notes>`, `next: <what> <when>`: as for VISIT.",
		},
		Examples: []string{"MEET acme; met Zhang and purchasing; agreed demo; next: demo mon 9am", "mtg huaxin / board approved budget", "会议 华鑫矿业；见了王总；同意试机；下周一上午9点试机"},
		Reply:    "OK meeting #235 ACME Mining. Next: demo Mon 30/11 09:00 #236. UNDO to undo",
		HelpEN:   "MEET <account>; met <names>; <notes>; next: <what> <when>. E.g. MEET acme; met Zhang; agreed demo; next: demo mon 9am",
		HelpZH:   "会议 客户；见了谁；情况；下次：事项 时间。例：会议 华鑫；见了王总；下周一试机",
	},
	{
		Verb: VerbPlan, Name: "PLAN", Short: []string{"P", "SCHED", "SCHEDULE", "TODO", "TASK"}, Chinese: []string{"计划", "安排", "预约"}, Who: Everyone,
		Form:    "PLAN [<who>] <visit|call|meet|task> <account> <when> [urgent]; <subject>",
		Summary: "Schedule an activity for yourself, or (managers) for someone in your team.",
		Parts: []string{
			"`<who>`: a user, only before the type (`PLAN wang visit acme fri`); managers only.",
			"`<type>`: visit, call, meet, email, sms, fax, revisit or task (拜访, 电话, 会议, 回访, 任务). Without it the activity is a task.",
			"`<account>`: the words after the type, up to the date.",
			"`<when>`: a date and/or time (`fri 3pm`, `明天下午3点`); `urgent`/`紧急` sets the priority.",
			"`; <subject>`: any further part.",
		},
		Examples: []string{"PLAN visit acme fri 3pm; bring 320D brochure", "PLAN wang visit acme fri urgent", "计划 拜访 华鑫矿业 下周二 上午10点；谈价格"},
		Reply:    "OK planned #240 visit ACME Mining Fri 27/11 15:00 for you. UNDO to undo",
		HelpEN:   "PLAN [<who>] <visit|call|meet|task> <account> <when> [urgent]; <subject>. E.g. PLAN visit acme fri 3pm",
		HelpZH:   "计划 [谁] 拜访/电话/会议 客户 时间 [紧急]；事项。例：计划 拜访 华鑫 周五下午3点",
	},
	{
		Verb: VerbDone, Name: "DONE", Short: []string{"D", "DID", "FIN", "FINISHED", "COMPLETE", "COMPLETED"}, Chinese: []string{"完成", "已完成", "办完", "做完", "搞定", "搞定了", "弄好了", "办好了", "搞好了", "做好了"}, Who: Everyone,
		Form:    "DONE <#id> <outcome>; next: <what> <when>",
		Summary: "Mark a planned or assigned activity done, with its outcome and an optional follow-up.",
		Parts: []string{
			"`<#id>`: `#17`, or the token `A17` from a reminder (`A17 DONE ...` also works); a name finds today's activity for that account.",
			"`<outcome>`: the rest; `met <name>` and `next: <what> <when>` as for VISIT.",
		},
		Examples: []string{"DONE #17 met purchasing; next: call mon", "A17 done demo ok, wants quote", "完成 #17 已送报价；下周三回访"},
		Reply:    "OK #17 done. Next: call Mon 30/11 #241. UNDO to undo",
		HelpEN:   "DONE <#id> <outcome>; next: <what> <when>. E.g. DONE #17 met purchasing; next: call mon",
		HelpZH:   "完成 #编号 结果；下次：事项 时间。例：完成 #17 已报价；下周三回访",
	},
	{
		Verb: VerbReject, Name: "REJECT", Short: []string{"R", "REJ", "REFUSED"}, Chinese: []string{"拒绝", "退回", "不做", "不去", "去不了", "做不了", "办不了"}, Who: Everyone,
		Form:     "REJECT <#id> <reason>",
		Summary:  "Hand an assigned activity back to your manager, with the reason.",
		Parts:    []string{"`<#id>`: `#17` or `A17`.", "`<reason>`: the rest of the message (required)."},
		Examples: []string{"REJECT #17 need pricing approval first", "A17 rej customer away until dec", "拒绝 #17 客户不在本地"},
		Reply:    "OK #17 rejected, sent to Manager Liu. UNDO to undo",
		HelpEN:   "REJECT <#id> <reason>. E.g. REJECT #17 need pricing approval",
		HelpZH:   "拒绝 #编号 原因。例：拒绝 #17 需要价格审批",
	},
	{
		Verb: VerbLead, Name: "LEAD", Short: []string{"L", "NEWLEAD"}, Chinese: []string{"线索", "新线索"}, Who: Everyone,
		Form:    "LEAD <company>; <person> <phone>; src: <source> [<referrer>]; <needs>",
		Summary: "Record a new lead; or qualify, disqualify or convert one (`LEAD L5 qualify`).",
		Parts: []string{
			"`<company>`: the first part.",
			"`<person> <phone>`: a part with a phone number names the contact person; a lone name does too.",
			"`src: <source> [<referrer>]`: advertising, referral, website, word of mouth, PR, campaign (广告, 介绍, 网站, 口碑, 公关, 活动). A referral needs the referrer's name.",
			"`<needs>`: any other part; `2x 320D` is read as products, `2m` as the budget.",
			"`LEAD <#id|L5> qualify | disqualify <reason> | convert`: change its status.",
		},
		Examples: []string{"LEAD Huaxin Mining; Li Gang 13901234567; src: referral Wang Jun; needs 2 loaders", "L Dongfang Quarry / Mr Zhao 0411-88886666 / src web / 3x 950H", "线索 鑫源建筑；张经理 13812345678；来源：展会；要两台挖机"},
		Reply:    "OK lead L51 Huaxin Mining, Li Gang +8613901234567. UNDO to undo",
		HelpEN:   "LEAD <company>; <person> <phone>; src: <source> [<referrer>]; <needs>. E.g. LEAD Huaxin; Li Gang 13901234567; src: web",
		HelpZH:   "线索 公司；联系人 电话；来源：介绍 推荐人；需求。例：线索 鑫源；张经理 13812345678",
	},
	{
		Verb: VerbContact, Name: "CONTACT", Short: []string{"CT", "CON", "CONT"}, Chinese: []string{"联系人", "新联系人", "名片", "加联系人"}, Who: Everyone,
		Form:    "CONTACT <account>; <name>; <phone>; <title>",
		Summary: "Add a contact to an account, update one (`CONTACT #12; <phone>`) or ask to remove one (`CONTACT #12 left`).",
		Parts: []string{
			"`<account>`: the first part, name or `#id`.",
			"`<name>`: the first other part without a number; `<title>`: the next one.",
			"`<phone>`: mobile, landline with area code or +international; an e-mail address is recognised too.",
			"`left`, `retired`, `deceased` (离职, 退休, 去世) after a contact `#id`: ask to remove it (needs a manager's approval).",
		},
		Examples: []string{"CONTACT acme; Li Wei; 13901234567; purchasing manager", "ct huaxin / Zhao Gang / 0411-88886666 / site manager", "联系人 华鑫矿业；王强；13912345678；采购经理"},
		Reply:    "OK contact #88 Li Wei (purchasing manager), ACME Mining, +8613901234567. UNDO to undo",
		HelpEN:   "CONTACT <account>; <name>; <phone>; <title>. E.g. CONTACT acme; Li Wei; 13901234567; purchasing manager",
		HelpZH:   "联系人 客户；姓名；电话；职位。例：联系人 华鑫；王强；13912345678；采购经理",
	},
	{
		Verb: VerbAccount, Name: "ACCOUNT", Short: []string{"NEWACCT", "NA"}, Chinese: []string{"新客户", "建客户", "客户资料"}, Who: Everyone,
		Form:    "ACCOUNT <name>; <contact> <mobile>; <phone>; addr: <address>; industry: <industry>",
		Summary: "Create an account with its first contact (a company without one is a LEAD), update one, or deactivate it with a reason.",
		Parts: []string{
			"`<name>`: the first part.",
			"`<contact> <mobile>`: the first contact, as on his card (`Sun Li 13901234567`, `张经理 138…`, or `contact: <name>`); required when creating.",
			"`<phone>`, `addr:`, `industry:`, `parent:`, `alias:`: the account's details.",
			"`ACCOUNT #id inactive; <reason>` / `active` / `blacklist <reason>`: change its status (停用, 启用, 黑名单).",
		},
		Examples: []string{"ACCOUNT Huaxin Mining; Sun Li 13901234567; 0411-88886666; addr: Ganjingzi, Dalian; industry: mining", "account #12 inactive; company closed", "新客户 鑫源建筑；张经理 13812345678；行业：建筑"},
		Reply:    "OK account #12 Huaxin Mining, contact Sun Li. UNDO to undo",
		HelpEN:   "ACCOUNT <name>; <contact> <mobile>; addr: <address>; industry: <x>. ACCOUNT #12 inactive; <reason>",
		HelpZH:   "新客户 名称；联系人 手机；地址：…；行业：…。停用：新客户 #12 停用；原因",
	},
	{
		Verb: VerbOpp, Name: "OPP", Short: []string{"O", "OPPTY", "OPPORTUNITY", "DEAL", "WON", "NODEAL"}, Chinese: []string{"商机", "机会", "赢单"}, Who: Everyone,
		Form:    "OPP <account>; <qty>x <model>; <amount>; close <date>  |  OPP <#id> stage|won|lost|nodeal|amt|close|product|comp|role ...",
		Summary: "Create an opportunity, or move one: stage, won, lost (to whom, why), no deal, amount, close date, products, competitor, a person's role.",
		Parts: []string{
			"`<account>`: the first words, up to the first product, amount or key.",
			"`<qty>x <model>`: `2x 320D`, `2 x 320D`, `320D*2`, `2台320D`.",
			"`<amount>`: `2.4m`, `350k`, `350,000`, `35万`, `¥350000`, `$1,200`.",
			"`close <date>`, `stage: <stage>`, `src: <source>`, `comp: <competitor>`.",
			"Stages: 1 identification, 2 qualification, 3 development, 4 proposal (quote), 5 won, 6 lost, 7 nodeal (识别, 确认, 开发, 方案/报价, 赢单, 丢单, 无交易).",
			"`OPP #42 won [<amount>]`; `OPP #42 lost <competitor>; <reason>`; `OPP #42 nodeal <reason>`; `OPP #42 role <name> <economic buyer|user|technical evaluator|coach>`.",
			"A stage further on is reached through the stages between, each recorded (`stage proposal` from identification passes qualification and development). `OPP #42 reopen [<stage>]; <reason>` (重开) reopens a closed one at the stage it was closed from.",
		},
		Examples: []string{"OPP acme; 2x 320D; 2.4m; close 15/12", "OPP #42 lost komatsu; price", "商机 #42 赢单 120万"},
		Reply:    "OK opp #42 ACME Mining 2x 320D CNY 2,400,000 close 15/12, stage 1. UNDO to undo",
		HelpEN:   "OPP <account>; 2x <model>; <amount>; close <date>. OPP #42 stage proposal | won 1.2m | lost <who>; <why> | nodeal <why>",
		HelpZH:   "商机 客户；2台 型号；金额；成交 日期。商机 #42 阶段 报价 / 赢单 / 丢单 对手；原因",
	},
	{
		Verb: VerbEquipment, Name: "EQ", Short: []string{"E", "EQUIP", "EQUIPMENT", "MACHINE"}, Chinese: []string{"设备", "机器", "机械"}, Who: Everyone,
		Form:    "EQ <account> <brand> <model> sn <serial> smu <hours> loc <place> cond <state> bought <date>",
		Summary: "Record a machine at a customer (CAT by serial; other brands by brand, model and purchase date), or update its hours, location or condition.",
		Parts: []string{
			"`<account>`: the words before the brand (or `#id` of the account).",
			"`<brand> <model>`: `CAT 320D`, `Komatsu PC200`, `卡特 320D`.",
			"`sn`, `smu`, `loc`, `cond`, `bought` (序列号, 工时, 位置, 工况, 购于): keys, with or without a colon, in any order.",
			"CAT machines need `sn`; other brands need a model (and should have `bought`).",
			"`EQ #9 smu 4800` or `EQ <serial> loc Anshan`: update one machine.",
		},
		Examples: []string{"EQ acme CAT 320D sn CAT0320DXYZ smu 4520 loc Shenyang cond good", "EQ acme Komatsu PC200 bought 2019-05", "设备 华鑫矿业 小松 PC200 购于 2019年5月 工况 一般"},
		Reply:    "OK equipment #9 CAT 320D CAT0320DXYZ at ACME Mining, 4520 h. UNDO to undo",
		HelpEN:   "EQ <account> <brand> <model> sn <serial> smu <hrs> loc <place> cond <state> bought <date>. EQ #9 smu 4800",
		HelpZH:   "设备 客户 品牌 型号 序列号 X 工时 N 位置 X 工况 X 购于 日期。例：设备 华鑫 小松 PC200 购于2019年5月",
	},
	{
		Verb: VerbNote, Name: "NOTE", Short: []string{"N", "NB"}, Chinese: []string{"备注", "笔记", "记录"}, Who: Everyone,
		Form:     "NOTE <account or #id>; <text>",
		Summary:  "Add a note to a record.",
		Parts:    []string{"`<account or #id>`: the first part (or first word).", "`<text>`: the rest."},
		Examples: []string{"NOTE acme; new GM from January, Mr Sun", "n #42 customer prefers Sany financing", "备注 华鑫矿业；明年扩产，计划买5台挖机"},
		Reply:    "OK note #310 on ACME Mining. UNDO to undo",
		HelpEN:   "NOTE <account or #id>; <text>. E.g. NOTE acme; new GM from January",
		HelpZH:   "备注 客户或#编号；内容。例：备注 华鑫；明年扩产",
	},
	{
		Verb: VerbDoc, Name: "DOC", Short: []string{"DOCS", "FILE", "ATT"}, Chinese: []string{"文档", "资料", "附件"}, Who: Everyone,
		Form:     "DOC <account or #id>; <title>",
		Summary:  "File the attachments of this e-mail (or a link in the text) under a record.",
		Parts:    []string{"`<account or #id>`: the record.", "`<title>`: what the document is."},
		Examples: []string{"DOC acme; signed contract 320D", "doc #42; quotation v2", "文档 华鑫矿业；营业执照"},
		Reply:    "OK 2 files filed under ACME Mining: signed contract 320D. UNDO to undo",
		HelpEN:   "DOC <account or #id>; <title>. Send it by e-mail with the files attached. E.g. DOC acme; signed contract",
		HelpZH:   "文档 客户或#编号；标题。用邮件发送并附上文件",
	},
	{
		Verb: VerbToday, Name: "TODAY", Short: []string{"T", "AGENDA"}, Chinese: []string{"今天", "今日", "日程", "今日安排", "今天安排"}, Who: Everyone,
		Form:     "TODAY [<date>] [<who>]",
		Summary:  "List your activities of today (or of another day) and what is overdue; managers may name a team member.",
		Parts:    []string{"`<date>`: another day (`TODAY tomorrow`, `TODAY fri`).", "`<who>`: managers: someone in the team."},
		Examples: []string{"TODAY", "today tmr", "今天"},
		Reply:    "Today 25/11: 1) #17 visit ACME 10:00 2) #19 call Huaxin. Overdue: #12 quote Dongfang. MORE",
		HelpEN:   "TODAY [<date>] lists your activities and what is overdue. E.g. TODAY, TODAY fri",
		HelpZH:   "今天 [日期]：今天的活动和逾期事项。例：今天",
	},
	{
		Verb: VerbOpps, Name: "OPPS", Short: []string{"PIPE", "PIPELINE", "MYOPPS"}, Chinese: []string{"我的商机", "商机列表"}, Who: Everyone,
		Form:     "OPPS [<stage> | <account>]",
		Summary:  "List your open opportunities, optionally of one stage or one account.",
		Parts:    []string{"`<stage>`: only that stage.", "`<account>`: only that account."},
		Examples: []string{"OPPS", "opps proposal", "我的商机"},
		Reply:    "Opps: 1) #42 ACME 2x 320D 2.4m prop 15/12 2) #45 Huaxin 950H 1.1m qual. MORE",
		HelpEN:   "OPPS [<stage>|<account>] lists your open opportunities. E.g. OPPS, OPPS proposal, OPPS acme",
		HelpZH:   "我的商机 [阶段或客户]：列出未关闭的商机",
	},
	{
		Verb: VerbAcct, Name: "ACCT", Short: []string{"A", "CUST", "SHOW"}, Chinese: []string{"查客户", "客户"}, Who: Everyone,
		Form:     "ACCT <name or #id>",
		Summary:  "Show an account: phones, contacts, open opportunities, last activities.",
		Parts:    []string{"`<name or #id>`: the account; a fuzzy name may give numbered choices."},
		Examples: []string{"ACCT acme", "acct #12", "查客户 华鑫"},
		Reply:    "ACME Mining #12, Shenyang. Zhang Wei 139... Opps: #42 proposal 2.4m. Last: visit 20/11. MORE",
		HelpEN:   "ACCT <name or #id> shows an account. E.g. ACCT acme",
		HelpZH:   "查客户 名称或#编号。例：查客户 华鑫",
	},
	{
		Verb: VerbFind, Name: "FIND", Short: []string{"F", "SEARCH", "S", "LOOKUP"}, Chinese: []string{"查找", "搜索", "查", "搜", "查一下", "搜一下"}, Who: Everyone,
		Form:     "FIND <name or phone digits>",
		Summary:  "Search accounts, contacts, leads and opportunities by name or by phone digits.",
		Parts:    []string{"`<text>`: part of a name or of a number."},
		Examples: []string{"FIND 139012", "find zhang", "查找 李总"},
		Reply:    "1) Zhang Wei, ACME Mining 13901234567 2) Zhang Li, Huaxin. Reply 1-2",
		HelpEN:   "FIND <name or phone digits>. E.g. FIND 139012, FIND zhang",
		HelpZH:   "查找 名称或电话号码。例：查找 139012",
	},
	{
		Verb: VerbFunnel, Name: "FUNNEL", Short: []string{"FUN"}, Chinese: []string{"漏斗", "销售漏斗"}, Who: Everyone,
		Form:     "FUNNEL [week|month|quarter|year] [<who>]",
		Summary:  "The sales funnel: count, revenue and weighted revenue by stage; yours, or your team's for managers.",
		Parts:    []string{"`<period>`: week, month, quarter, year (本周, 本月, 本季度, 今年).", "`<who>`: managers: one salesman."},
		Examples: []string{"FUNNEL", "funnel quarter", "漏斗 本月"},
		Reply:    "Funnel Q4: 1 ident 5/3.1m 2 qual 4/2.8m 3 dev 2/1.9m 4 prop 3/4.2m. Won 2/2.5m",
		HelpEN:   "FUNNEL [week|month|quarter|year] [<who>]: count and revenue by stage",
		HelpZH:   "漏斗 [本周/本月/本季度/今年]：各阶段商机数和金额",
	},
	{
		Verb: VerbTeam, Name: "TEAM", Short: []string{"TM"}, Chinese: []string{"团队", "团队情况"}, Who: Managers,
		Form:     "TEAM [today|week|month]",
		Summary:  "Managers: the team's activities, overdue items and pipeline.",
		Parts:    []string{"`<period>`: today (default), week, month."},
		Examples: []string{"TEAM", "team week", "团队 本周"},
		Reply:    "Team 25/11: Wang 3 visits, Li 1 call 2 overdue, Zhao 0. New leads 2. MORE",
		HelpEN:   "TEAM [today|week|month]: your team's activities, overdue items and pipeline",
		HelpZH:   "团队 [今天/本周/本月]：团队活动、逾期和商机",
	},
	{
		Verb: VerbLost, Name: "LOST", Short: []string{"LOSTSALES"}, Chinese: []string{"丢单", "丢单分析"}, Who: Managers,
		Form:     "LOST [week|month|quarter|year]",
		Summary:  "Managers: lost sales with competitor and reason. (`LOST #42 ...` marks opportunity 42 lost, as `OPP #42 lost ...`.)",
		Parts:    []string{"`<period>`: month (default), week, quarter, year."},
		Examples: []string{"LOST", "lost quarter", "丢单 本季度"},
		Reply:    "Lost Q4: 4 opps 6.2m. Komatsu 2 (price), Sany 1 (finance), no deal 1. MORE",
		HelpEN:   "LOST [week|month|quarter|year]: lost sales by competitor and reason. LOST #42 <who>; <why> marks opp 42 lost",
		HelpZH:   "丢单 [本月/本季度/今年]：丢单对手和原因",
	},
	{
		Verb: VerbAssign, Name: "ASSIGN", Short: []string{"AS", "ASG", "REASSIGN", "GIVE"}, Chinese: []string{"分配", "指派", "转给", "转派"}, Who: Managers,
		Form:     "ASSIGN <#id or name> [to] <who> [<when>] [urgent]",
		Summary:  "Managers: assign an activity, lead, opportunity or account to someone; they get an SMS at once.",
		Parts:    []string{"`<#id or name>`: `#17`, `A17`, `L5`, `O42`, or an account name followed by `to`.", "`<who>`: the user (last word, or the words after `to`/`给`).", "`<when>`, `urgent`: due date and priority of an activity."},
		Examples: []string{"ASSIGN #17 wang", "A17 assign li fri urgent", "分配 #17 给 王军"},
		Reply:    "OK #17 assigned to Wang Jun, due Fri 27/11. He has been told. UNDO to undo",
		HelpEN:   "ASSIGN <#id> <who> [<when>] [urgent]. E.g. ASSIGN #17 wang fri",
		HelpZH:   "分配 #编号 给 谁 [时间] [紧急]。例：分配 #17 给 王军",
	},
	{
		Verb: VerbApprove, Name: "APPROVE", Short: []string{"APP", "APPR", "REFUSE", "DENY", "DECLINE"}, Chinese: []string{"批准", "同意", "驳回", "不同意", "不批准", "不批"}, Who: Managers,
		Form:     "APPROVE <#id> [<note>]  |  REFUSE <#id> <reason>",
		Summary:  "Managers: approve a request (e.g. removing a contact), or refuse it with a reason.",
		Parts:    []string{"`<#id>`: the request.", "`<note>`/`<reason>`: the rest; a refusal needs a reason."},
		Examples: []string{"APPROVE #88", "refuse #88 he still works there", "批准 #88"},
		Reply:    "OK #88 approved: contact Li Wei removed. UNDO to undo",
		HelpEN:   "APPROVE <#id> [<note>] or REFUSE <#id> <reason>. E.g. APPROVE #88",
		HelpZH:   "批准 #编号 或 驳回 #编号 原因。例：批准 #88",
	},
	{
		Verb: VerbResp, Name: "RESP", Short: []string{"RESPONSE", "CR"}, Chinese: []string{"回应", "响应", "活动反馈"}, Who: Everyone,
		Form:     "RESP <campaign>; <name or company>; <phone>; <interest>",
		Summary:  "Record a response to a marketing campaign; it can later become a lead.",
		Parts:    []string{"`<campaign>`: name or `#id`.", "`<name or company>`, `<phone>`: who responded.", "`<interest>`: the rest; `2x 320D` is read as products."},
		Examples: []string{"RESP expo2026; Zhao Gang, Dongfang Quarry; 13812345678; wants 950H", "resp #7 / Mr Qian 0411-88886666 / price list", "回应 春季展会；孙经理 13698765432；要2台320D"},
		Reply:    "OK response #3 to Expo 2026: Zhao Gang +8613812345678. Marketing turns it into a lead. UNDO to undo",
		HelpEN:   "RESP <campaign>; <name>; <phone>; <interest>. E.g. RESP expo; Zhao Gang; 13812345678; wants 950H",
		HelpZH:   "回应 活动；姓名；电话；意向。例：回应 春季展会；孙经理 13698765432",
	},
	{
		Verb: VerbCampaign, Name: "CAMPAIGN", Short: []string{"CAMP"}, Chinese: []string{"活动"}, Who: Marketing,
		Form:    "CAMPAIGN <name>; objective: <goal>; budget: <amount>; start: <date>; end: <date>; task: <text>  |  CAMPAIGN <name or #id> lead <n> [<who>]",
		Summary: "Marketing (and admins): create a campaign, change one, or turn one of its responses into a lead. Salesmen and managers record responses with RESP.",
		Parts: []string{
			"`<name>`: the first part. A message with an `objective:` creates the campaign (no other campaign may have that name); without one it changes the campaign named (fuzzy name or `#id`).",
			"`objective:`, `segment:` (目标, 细分): text; `products: 320D, 336` (产品): the target models.",
			"`budget:`, `cost:` (预算, 费用): amounts (`500k`, `50万`); `start:`, `end:` (开始, 结束): dates (`1/12`, `12月31日`). After a `#id` no colon is needed (`CAMPAIGN #7 budget 600k`); `budget` and `cost` never need one.",
			"`task: <text>` (任务): adds a task, the others stay; every other key given replaces the old value.",
			"`lead <n> [<who>]` (线索): turns response n into a lead with source campaign, owned by `<who>`, else by the account's owner, else by the campaign's owner; the owner is told.",
		},
		Examples: []string{"CAMPAIGN Expo 2026; objective: 40 demo visitors; segment: quarries; products: 320D, 336; budget: 500k; start: 1/12; end: 31/12; task: book the hall",
			"camp expo2026; end: 15/1; cost: 120k; task: send thank-you SMS", "活动 春季展会 线索 3 王军"},
		Reply:  "OK campaign #7 Expo 2026 created, budget 500k, 1/12 to 31/12. UNDO to undo",
		HelpEN: "CAMPAIGN <name>; objective: <x>; budget: 500k; start: 1/12; end: 31/12; task: <x>. CAMPAIGN #7 cost 120k. CAMPAIGN <name> lead 3 [<who>]. Marketing only",
		HelpZH: "活动 名称；目标：…；预算：50万；开始：12月1日；结束：12月31日；任务：…。活动 名称 线索 3：回应转线索。限市场部",
	},
	{
		Verb: VerbHelp, Name: "HELP", Short: []string{"H", "?", "INFO"}, Chinese: []string{"帮助", "说明", "怎么用"}, Who: Everyone,
		Form:     "HELP [<command>]",
		Summary:  "List the commands, or explain one.",
		Parts:    []string{"`<command>`: any form of a verb (`HELP V`, `HELP 拜访`)."},
		Examples: []string{"HELP", "help visit", "帮助 商机"},
		Reply:    "(the HELP text of this table)",
		HelpEN:   "HELP <command> explains one command. E.g. HELP VISIT",
		HelpZH:   "帮助 命令：说明一个命令。例：帮助 拜访",
	},
	{
		Verb: VerbUndo, Name: "UNDO", Short: []string{"U"}, Chinese: []string{"撤销", "撤回", "撤消", "取消刚才的"}, Who: Everyone,
		Form:     "UNDO [#id]",
		Summary:  "Undo your last write (or the one named), if nothing depends on it.",
		Parts:    []string{"`#id`: optional, the record created or changed."},
		Examples: []string{"UNDO", "undo #231", "撤销"},
		Reply:    "OK undone: visit #231 ACME Mining",
		HelpEN:   "UNDO [#id] undoes your last change. E.g. UNDO",
		HelpZH:   "撤销 [#编号]：撤销上一次修改",
	},
	{
		Verb: VerbMore, Name: "MORE", Short: []string{"MR"}, Chinese: []string{"更多", "下一页"}, Who: Everyone,
		Form:     "MORE",
		Summary:  "The next page of the last list.",
		Examples: []string{"MORE", "more", "更多"},
		Reply:    "3) #21 call Dongfang 16:00 4) #22 visit Xinyuan. End",
		HelpEN:   "MORE sends the next page of the last list",
		HelpZH:   "更多：下一页",
	},
	{
		Verb: VerbStop, Name: "STOP", Short: []string{"UNSUBSCRIBE", "QUIT"}, Chinese: []string{"退订", "停止"}, Who: Everyone,
		Form:     "STOP",
		Summary:  "Stop the messages fieldcrm sends on its own (answers to your own messages still come).",
		Examples: []string{"STOP", "stop", "退订"},
		Reply:    "OK, no more reminders or summaries. START to have them again",
		HelpEN:   "STOP ends reminders and summaries. START brings them back",
		HelpZH:   "退订：停止提醒和汇总。开始：恢复",
	},
	{
		Verb: VerbStart, Name: "START", Short: []string{"SUBSCRIBE", "UNSTOP"}, Chinese: []string{"开始", "恢复", "订阅"}, Who: Everyone,
		Form:     "START",
		Summary:  "Receive reminders and summaries again.",
		Examples: []string{"START", "start", "开始"},
		Reply:    "OK, reminders and summaries are on again",
		HelpEN:   "START turns reminders and summaries back on",
		HelpZH:   "开始：恢复提醒和汇总",
	},
	{
		Verb: VerbChoice, Name: "<number>", Who: Everyone,
		Form:     "<number> (1-99), the answer to a numbered choice",
		Summary:  "A bare number answers the numbered choices of the last reply.",
		Examples: []string{"2", "1", "３"},
		Reply:    "(the reply of the command the choice completes)",
		HelpEN:   "When a reply lists numbered choices, answer with the number alone, e.g. 2",
		HelpZH:   "回复列出编号选项时，只回数字即可，例如 2",
	},
	{
		Verb: VerbExtend, Name: "EXTEND", Short: []string{"EXT"}, Chinese: []string{"延期", "延长"}, Who: Managers,
		Form:     "EXTEND <#id> <days>d | <date>",
		Summary:  "Managers: answer an escalation by giving the activity more time.",
		Parts:    []string{"`<#id>`: the activity.", "`<days>d` (`3d`, `3 days`, `3天`) or a new due date (`fri`)."},
		Examples: []string{"EXTEND #17 3d", "ext A17 fri", "延期 #17 3天"},
		Reply:    "OK #17 due Sat 28/11, Wang told. UNDO to undo",
		HelpEN:   "EXTEND <#id> <days>d or <date>. E.g. EXTEND #17 3d, EXTEND #17 fri",
		HelpZH:   "延期 #编号 天数或日期。例：延期 #17 3天",
	},
	{
		Verb: VerbAck, Name: "ACK", Short: []string{"ACKNOWLEDGE", "NOTED"}, Chinese: []string{"收到", "已阅", "知道了"}, Who: Managers,
		Form:     "ACK <#id> [<note>]",
		Summary:  "Managers: acknowledge an escalation without changing it.",
		Parts:    []string{"`<#id>`: the activity.", "`<note>`: optional."},
		Examples: []string{"ACK #17", "ack A17 will call him", "收到 #17"},
		Reply:    "OK #17 acknowledged",
		HelpEN:   "ACK <#id> [<note>] acknowledges an escalation. E.g. ACK #17",
		HelpZH:   "收到 #编号：确认已知晓升级提醒",
	},
}

// Verbs returns the verb table. The slice is shared: do not modify it.
func Verbs() []VerbSpec { return verbSpecs }

// verbForm is the verb table indexed by lower-case form.
type verbForm struct {
	spec *VerbSpec
	zh   bool
}

var (
	formIndex  = map[string]verbForm{}
	specByVerb = map[Verb]*VerbSpec{}
	zhMaxLen   = 0 // longest Chinese form, in bytes
)

func init() {
	for i := range verbSpecs {
		s := &verbSpecs[i]
		specByVerb[s.Verb] = s
		if s.Verb != VerbChoice {
			formIndex[lower(s.Name)] = verbForm{spec: s}
			formIndex[string(s.Verb)] = verbForm{spec: s}
		}
		for _, f := range s.Short {
			formIndex[lower(f)] = verbForm{spec: s}
		}
		for _, f := range s.Chinese {
			formIndex[f] = verbForm{spec: s, zh: true}
			if len(f) > zhMaxLen {
				zhMaxLen = len(f)
			}
		}
	}
	// Chinese words that must stand alone when typed without spaces.
	addZhLex("拜访", "电话", "会议", "回访", "任务", "邮件", "短信", "传真", "见了", "见到", "会见", "约见", "谈了",
		"紧急", "加急", "急件", "序列号", "工时", "小时数", "位置", "地点", "工况", "状况", "购于", "购买于", "购买", "购买日期",
		"阶段", "金额", "下次", "下一步", "跟进", "来源", "推荐人", "介绍人", "联系人", "手机", "职位", "备注", "原因", "角色",
		"竞争对手", "对手", "品牌", "型号", "地址", "行业", "赢单", "丢单", "输单", "无交易", "产品", "成交日期", "预计成交")
	for w := range brands {
		if w[0] >= 0x80 {
			addZhLex(w)
		}
	}
}

// lookupVerb finds a verb by any of its forms (case-insensitive).
func lookupVerb(w string) (verbForm, bool) {
	f, ok := formIndex[lower(w)]
	return f, ok
}

// Help returns the SMS help text for topic (any form of a verb, or "" for
// the list of commands) in locale "zh" (Chinese) or anything else (English).
func Help(topic, locale string) string {
	zh := strings.HasPrefix(lower(locale), "zh")
	topic = strings.TrimSpace(topic)
	if topic == "" {
		if zh {
			return "命令：拜访 电话 会议 计划 完成 拒绝 线索 联系人 商机 设备 备注 今天 查客户 查找 漏斗 撤销。帮助 命令 查看说明"
		}
		return "Commands: VISIT CALL MEET PLAN DONE REJECT LEAD CONTACT ACCOUNT OPP EQ NOTE DOC TODAY OPPS ACCT FIND FUNNEL UNDO. HELP <command> for one"
	}
	f, ok := lookupVerb(topic)
	if !ok {
		if ms, _ := suggestVerbs(lower(topic)); len(ms) == 1 {
			f = ms[0].f
		} else if form, v, ok := suggestZhVerb(topic); ok && form != "" {
			f = verbForm{spec: specByVerb[v], zh: true}
		} else {
			if zh {
				return "没有这个命令：" + topic + "。发送 帮助 查看命令列表"
			}
			return "No command " + topic + ". Send HELP for the list"
		}
	}
	if zh {
		return f.spec.HelpZH
	}
	return f.spec.HelpEN
}

// gsm7Len counts the length of s in GSM-7 septets, or -1 when s needs UCS-2.
func gsm7Len(s string) int {
	const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	const ext = "^{}\\[~]|€\f"
	n := 0
	for _, r := range s {
		switch {
		case strings.ContainsRune(basic, r):
			n++
		case strings.ContainsRune(ext, r):
			n += 2
		default:
			return -1
		}
	}
	return n
}

// RenderDoc renders docs/commands.md from the verb table.
func RenderDoc() string {
	var b strings.Builder
	b.WriteString(docIntro)
	b.WriteString("\n## Verbs at a glance\n\n| verb | forms | Chinese | who |\n|---|---|---|---|\n")
	for _, s := range verbSpecs {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", s.Name, s.Verb, codeList(s.Short), strings.Join(s.Chinese, " "), s.Who)
	}
	for _, s := range verbSpecs {
		fmt.Fprintf(&b, "\n## %s\n<a id=\"%s\"></a>\n\n%s\n\n", s.Name, s.Verb, s.Summary)
		fmt.Fprintf(&b, "- Canonical verb: `%s`; forms: `%s`%s", s.Verb, s.Name, prefixList(s.Short))
		if len(s.Chinese) > 0 {
			fmt.Fprintf(&b, "; Chinese: %s", strings.Join(s.Chinese, ", "))
		}
		fmt.Fprintf(&b, "\n- Who: %s\n- Form: `%s`\n", s.Who, s.Form)
		if len(s.Parts) > 0 {
			b.WriteString("\nParts:\n\n")
			for _, p := range s.Parts {
				fmt.Fprintf(&b, "- %s\n", p)
			}
		}
		b.WriteString("\nExamples:\n\n```\n")
		for _, e := range s.Examples {
			b.WriteString(e)
			b.WriteByte('\n')
		}
		b.WriteString("```\n\n")
		fmt.Fprintf(&b, "Reply: `%s`\n\n", s.Reply)
		fmt.Fprintf(&b, "HELP %s (SMS, %d chars): `%s`  \n", s.Name, utf8.RuneCountInString(s.HelpEN), s.HelpEN)
		fmt.Fprintf(&b, "帮助 (SMS, %d chars): `%s`\n", utf8.RuneCountInString(s.HelpZH), s.HelpZH)
	}
	b.WriteString(docKeys())
	b.WriteString(docErrors)
	return b.String()
}

func codeList(fs []string) string {
	if len(fs) == 0 {
		return ""
	}
	return "`" + strings.Join(fs, "` `") + "`"
}

func prefixList(fs []string) string {
	if len(fs) == 0 {
		return ""
	}
	return ", `" + strings.Join(fs, "`, `") + "`"
}

func docKeys() string {
	var b strings.Builder
	b.WriteString("\n## Keys\n\nA part `key: value` (or `key：value`) names a field, in any order. The keys and their other spellings:\n\n| key | also |\n|---|---|\n")
	for _, k := range keyDocOrder {
		fmt.Fprintf(&b, "| `%s` | %s |\n", k, strings.Join(keyAliasesOf(k), " "))
	}
	b.WriteString("\nWithout a colon, a key is recognised only by the verbs that expect it: `sn smu loc cond bought` (EQ), `stage amt close comp src` (OPP), `src ref` (LEAD), `budget cost` (CAMPAIGN; after a campaign's `#id` also `objective segment products start end task`), `next` (VISIT, CALL, MEET, DONE, NOTE) — and `next` not when followed by a weekday, `week` or `month` (`next mon` is a date). An unknown `word: value` part is kept in `fields`.\n")
	return b.String()
}

const docIntroSrc = `# fieldcrm commands

<!-- Generated from parser/verbs.go by RenderDoc: edit the table there, then
     go test ./parser -run TestCommandsDoc -update -->

One message is one command. The first word is the verb, in English or Chinese, in any case,
with short forms for thumbs on a keypad. Parts are separated by ^;^ ^；^ ^/^ ^,^ ^、^ ^。^ or a new line;
^key: value^ parts name fields, in any order. Records are named by ^#id^ or by a fuzzy name
(^acme^ finds "ACME Mining Co."); when a name is ambiguous the reply lists numbered choices and the
next message may be just the number. ^fieldcrm parse "text"^ shows how a message is read.

## How a message is read

- **Normalisation.** Full-width letters, digits and punctuation (^，；：！？０-９^) become their ASCII forms,
  the ideographic space a space, ^、^ a comma and ^。^ a semicolon; zero-width characters and the BOM are
  dropped. A trailing signature is ignored: a line starting with ^--^, ^Sent from^, ^发自^, ^来自我的^, quoted
  mail (^>^, ^On … wrote:^), a short closing line (^Regards^, ^Thanks^, ^谢谢^), a ^Sent from my phone^ tail and
  a short ^ -- Wang^ tail on the same line.
- **Separators.** ^/^ between digits (^28/11^), in ^s/n^ and in one-letter abbreviations (^w/o^, ^w/ zhang^) does
  not separate; nor does ^,^ before three digits (^350,000^). A dash between spaces separates (^wang - not now^).
  ^【】^ and ^「」^ around a name are spaces (^拜访【宏达砂石】^).
- **Verb.** The first word, case-insensitive; a Chinese verb may be written without a space
  (^拜访华鑫矿业^, ^拜访了华鑫^). Chinese verb words people use count too: ^搞定^/^弄好了^/^办好了^ (DONE),
  ^不去^/^去不了^/^做不了^ (REJECT), ^不批^ (refuse), ^名片^/^加联系人^ (CONTACT), ^搜^/^查一下^ (FIND),
  ^撤消^ (UNDO); ^选2^, ^第2个^, ^选第三个^ answer a numbered choice.
- **Misspelt verbs.** When one verb is clearly meant — one edit away (two for words of six letters or
  more; a doubled letter, a swapped pair), or the word is the verb's keypad short form (its letters in
  order, the first the same, at least half of them: ^vst^, ^cll^, ^rjct^, ^mtng^, ^cntct^, ^pln^) — and the rest
  reads as that verb, it is carried out and the reply starts ^Read "VSIT" as VISIT.^ (^把"VSIT"当作拜访。^);
  UNDO works as for any change. When two verbs are equally near (^dic^: DONE or DOC), or the rest does not
  read as that verb, the reply asks (*did you mean DONE or DOC?*) and nothing is recorded; a word that
  leaves letters out of one of them wins (^tody^ is TODAY, not TODO). STOP and START are never guessed.
  A misspelt Chinese verb (^拜方^, ^电化^) gets a suggestion (^拜访^) and nothing is recorded, unless a customer the
  sender knows follows it (^拜方 华鑫矿业 见了李总^): then it is carried out and the reply says how it was read.
  A customer may come first and the verb after it (^zhuanghe seafood park visit, fang ning^, ^tieling cement
  visited, …^); a meeting with only a time to come is one being arranged (^MEETING acme; zhang wei; thu 10am^
  plans it).
- **Ids.** After a verb that acts on a record (DONE, REJECT, APPROVE/REFUSE, ACK, EXTEND, ASSIGN, UNDO,
  OPP, LEAD, EQ, CONTACT) a bare number is its id: ^done 23^, ^Done#23^, ^DONE # 23^,
  ^done no.23^, ^done nr 23^, ^REJ57^, ^opp33 won^, ^完成23^, ^完成 第23号^, ^opp 40 won^, ^approve 91^ — unless it
  begins a name: an account the sender knows (^OPP 3 brothers quarry; 2x 320D^) or, after LEAD, words that are no
  lead action (^LEAD 3 Brothers Quarry; …^, ^新线索 3号矿山 …^; ^lead 9 qualify^ is lead 9). The id may
  also come first: ^23 done^, ^no.37 done^, ^57完成^, ^61去不了^; ^#14 被小松抢了^ is opportunity 14 lost. A lead or opportunity token followed by its action needs no
  verb (^L5 qualify^, ^O42 stage proposal^); ^LOST^ with an id is that opportunity lost (^O42 lost sany^,
  ^lost 42 komatsu; price^), without one the lost-sales report. A number followed by a unit (^2台^, ^3x^, ^28/11^) is not an id. A reminder's token first (^A17 done …^, ^L5 assign li^, ^O42 won^) names the
  record: A = activity, L = lead, O = opportunity. First in the message such a token counts only when a
  verb follows it; after the verb (^DONE A17^) only when no Capitalised word follows (^V A1 Mining^ is an
  account), so account names and models (^320D^) are not mistaken for it. ^#17^ first, then a verb, works too.
  ^WON #42^, ^NODEAL #42^, ^LOST #42^, ^丢单 #42^ are opportunity actions.
- **Targets.** ^#17^ gives an id (its kind follows from the verb); ^A17^/^L5^/^O42^ give id and kind; anything
  else is a name, looked up fuzzily by the service. When the account is not followed by a separator
  (^V acme met zhang^), the account is the words before ^met^/^见了^, or the first word (extended over
  following Capitalised words, ^V ACME Mining^). A colon after the account ends it (^VISIT acme: met zhang^).
- **Known names.** The service gives the parser the names the sender may mean: the accounts he can see
  (name, aliases, and the short forms people use: ^ACME Mining^ and ^acme^ for ACME Mining Co., ^华鑫矿业^ and
  ^华鑫^ for 华鑫矿业有限公司, ^营口港^ for 营口港建设集团), their contacts and his colleagues. Text without
  separators is split on the longest known names: ^V fushun coal gao peng wants a quote^,
  ^call gao peng at fushun coal^ (a person ^at^/^from^/^of^ an account), ^拜访营口港王总 下周四报价^,
  ^PLAN zhao lei call benxi fri^ (a colleague before the activity type is the assignee);
  ^fieldcrm parse --names FILE^ reads with the names of FILE (^account: …^, ^contact: …^, ^user: …^ a line). Without a known
  name the rules above apply. A surname with a title is a person: ^李总^, ^王工^, ^张经理^, ^刘主任^, ^老陈^,
  ^小王^, ^Mr Sun^, ^Ms Li^; ^sun^ after ^Mr^/^met^/^call^, or in a known name (^Sun Li^), is a person, not Sunday.
- **Misspelt names.** The service's lookup also finds a name one or two letters off (^acmee^,
  ^acme minning^, ^liaoyng steel^) or typed in two words (^tie ling^), ranked below exact matches; when
  unsure it asks with numbered choices.
- **Reports without a verb** are read as the command they report: ^saw mr liu at tieling cement, wants 2
  loaders^, ^went to^/^was at^/^dropped by <account>^, ^去了铁岭水泥 见了刘总^, ^到鞍钢了^, ^跑了一趟营口港^,
  ^见了宏达砂石的周经理^ (VISIT); ^rang^/^phoned <account>^, ^spoke to <person> at <account> on the phone^,
  ^给抚顺煤矿高总打了电话^, ^跟鞍钢王工通了电话^, ^华鑫来电^ (CALL; ^高总^ after the account is the person);
  ^remind me call acme thu^, ^to do:^, ^need to visit acme fri^, ^next: call acme fri^ at the start, ^提醒我 周四
  给华鑫打电话^, ^明天去抚顺煤矿^, ^下周一给X打电话^, ^待办：…^ (PLAN for oneself; ^约了鞍钢王工 下周四见^ a
  meeting); ^new lead: …^, ^got a lead from wang jun: …^ (referrer), ^lead from the expo: …^ (source),
  ^有个线索：…^ (LEAD); ^add contact: …^, ^new contact …^, ^名片 …^ (CONTACT).
- **Questions without a verb**: ^anything for me today?^, ^what's on tomorrow^, ^my day^, ^今天要干嘛^,
  ^明天有啥安排^, ^周五的安排^ (TODAY, with the day); ^show my deals^, ^my pipeline^, ^我的单子^ (OPPS);
  ^benxi phone?^, ^acme number^, ^details benxi^, ^info on acme^, ^address of huaxin^, ^鞍钢的座机^,
  ^铁岭水泥 地址在哪^, ^营口港电话多少^ (ACCT); ^who is zhou bin^, ^孙强是谁^ (FIND); ^how many deals this
  month^, ^这个月业绩怎么样^ (FUNNEL). The rest of a question is never taken as a person's name: ^TODAY wang^
  asks about Wang, ^today pls^ and ^今天要干嘛^ about oneself.
- **Accounts.** ^ACCOUNT benxi^ (a name alone, no contact) shows the account like ^ACCT benxi^; it never
  creates one. ^ACCT benxi phone 024-…^, ^ACCOUNT huaxin tel 0411-…^, ^客户 营口港 电话 0417-…^ change its phone
  (verb ^account^, action ^update^).
- **Logged activities** (VISIT, CALL, MEET, DONE): after the account, a part starting with ^met^,
  ^spoke to^, ^见了^ names the contact (^met Zhang Wei and Li^); so does a part right after the account made
  of one to three Capitalised words (^/ Zhang /^), a Chinese name with a title (^李总^, ^王经理^, ^老王^) or two or
  three characters starting with a common surname (^王强^), and a name part right after a contact adds to it
  (^met Zhang Wei, Li Gang^). CALL and MEET take the people like VISIT. An honorific makes a person: ^Mr Sun^,
  ^Ms Sun^, ^Sun Li^ and ^Mr Sun and Zhang^ are people, not Sunday. A part that starts with a date (^下周二报价^),
  or has at most four words and ends with one (^quote fri^), is the follow-up when the date is today or later
  **and it names something the salesman will do** (call, quote, send, visit, demo, follow up, 报价, 回访, 发,
  送, 去, 跟进, 联系 …); reported speech and the customer's own plans stay notes (^guard says reopening 20/12^,
  ^they decide mon^, ^boss back fri^, ^客户说下个月再说^, ^他下周出差^, ^下单^). A past date says when the activity
  happened (^yesterday^). In Chinese text without separators a date in the middle starts the follow-up
  (^要两台320D 下周五报价^); in English it does not (^wants delivery in 3 weeks^ stays a note). ^next: …^ is
  always the follow-up. ^2x 320D^ in a note is also read as a product.
  The person who says something (^李总说下周定^, ^Mr Sun said …^) is the contact and the note keeps his
  words whole; a person said to be away (^王工不在^, ^李总下周出差^) is a note, not the contact.
- **Reasons** (REJECT, REFUSE) are the rest of the message as typed, commas included (^not in town, back mon^,
  ^客户搬走了，新地址不知道^).
- **Nothing typed is lost.** Text where a value was expected but that cannot be read as one (^EQ … smu 5120
  oil leak^, ^LEAD L5 qualify budget confirmed^, ^ASSIGN #17 wang he knows them^, ^ACCT benxi phone 024-… ask
  for the front desk^) is kept in the notes, and the reply ends ^Kept as note: "oil leak".^ (JSON ^kept_as_note^).
  A value that matters and cannot be read (an id, a date, a phone, an amount) is asked for instead.
- **Values with commas**: a comma inside an ^addr:^, ^loc:^, ^note:^, ^reason:^ or unknown key's value does not
  separate (^addr: Ganjingzi, Dalian^).
- **Dates** are resolved against the time the message arrived, in the sender's zone:
  - ^today^, ^tomorrow^/^tmr^, ^yesterday^, ^明天^, ^后天^, ^大后天^, ^昨天^.
  - A weekday (^fri^, ^周五^, ^星期五^) is the nearest such day, **today included**. ^next fri^, ^下周五^ is
    the Friday of next week (weeks start on Monday); ^this fri^, ^本周五^, ^这周五^ the Friday of this week
    even if past; ^下下周五^ the week after. ^next week^/^下周^ is next Monday; ^next month^/^下个月^ the 1st.
  - ^in 3 days^, ^in 2 weeks^, ^3天后^, ^两周后^, ^一个月后^; ^eod^ (today 18:00), ^下班前^ (18:00),
    ^tonight^/^今晚^ (20:00), ^eow^ (Friday), ^eom^/^月底^ (last day of the month).
  - ^28/11^ is day/month, ^11-28^ is month-day (each falls back to the other order when only that is a
    valid date: ^12/15^ is 15 Dec); ^2026-11-28^, ^2026/11/28^, ^28/11/2026^, ^28 nov^, ^nov 28^, ^11月28日^,
    ^28号^ (this month, or next month when the day has passed), ^2019-05^, ^5/2020^, ^mar 2018^, ^2019年5月^ (the 1st).
    ^月底前^, ^周五之前^: "by" that date.
  - A date without a year is this year's, unless that is more than 60 days ago: then next year's
    (^close 15/1^ sent in November is next January). For ^bought^ a date without a year is never in the
    future.
  - Times: ^3pm^, ^3 pm^, ^3:30pm^, ^15:00^, ^noon^, ^下午3点^, ^3点半^, ^上午10点^; ^上午^/^下午^/^晚上^ alone are
    09:00/14:00/19:00. A time without a date is today's, or tomorrow's when it has passed.
  - A day of a month: ^下个月15号^, ^本月30号^, ^下下个月5号^, ^15th next month^, ^next month 15th^,
    ^on the 15th of next month^; a date glued to what follows is read too (^12月8号送样本^, ^下周四报价^).
  - Purchase dates (^bought^, ^purchased^, ^买的^, ^购买^, ^购入^, before or after the date): ^2018年买的^,
    ^2018年3月^, ^bought in 2017^, ^去年买的^, ^前年买的^, ^bought last year^, ^bought 3 years ago^ (a year
    alone is its 1 January).
  - A date alone is 00:00 in the sender's zone with ^has_time^ false.
- **Amounts** are kept in cents (hundredths of the unit): ^1.2m^ = 1,200,000; ^350k^; ^350,000^; ^35万^ =
  350,000; ^35w^; ^1.5亿^ = 150,000,000; ^¥350000^, ^RMB 350000^, ^350000元^ (CNY); ^$1,200^, ^USD 1.2m^
  (USD). Without a currency sign the currency is left empty (the dealer's default). A bare number is an
  amount only where an amount is expected (^amt:^, ^won^) or, in OPP, when it is 1000 or more.
  Chinese numerals of any size: ^三十五万^, ^两百四十万^, ^一千二百万^, ^1亿2千万^, ^十五万元^; a multiplier
  as its own word: ^1.6 million^, ^RMB 1.6 mil^, ^USD 2 million^, ^1.6百万^.
- **Phones** become E.164: an 11-digit mobile starting with 1 → ^+86…^ (kind mobile), a number with an
  area code (^010-85868466^, ^0411 88886666^) → ^+86…^ without the 0 (kind landline), a company hotline
  (^400-820-8820^, ^800 820 8820^) → ^+86400…^ (kind hotline), ^+1 415 555 0100^ kept (kind empty). Spaces and dashes inside are allowed.
- **Quantities**: ^2x 320D^, ^2 x 320D^, ^2x320D^, ^320D*2^, ^320D x2^, ^2台320D^, ^2 320D^.
- **Priority**: ^urgent^, ^asap^, ^!!^, ^紧急^, ^加急^ make an activity urgent.
- **Hours and serials** (EQ): service hours glued to their unit or label: ^3310hrs^, ^3,310 hours^,
  ^3310小时^, ^SMU3310^, ^smu 12000h^; a serial glued to its label: ^编号CAT0336EABC^, ^序列号：CAT…^, ^sn:CAT…^.
- **Lost deals** (OPP #id, or just ^#id^ before them): ^lost to sany on price^, ^丢单给三一^, ^被小松抢了^, ^输给了柳工 价格^, ^输给徐工 付款条件^
  give the competitor and the reason. **Referrals** (LEAD): ^referred by zhao lei^, ^ref by wang jun^,
  ^介绍人 老陈^, ^老陈介绍的^ set the source to referral and the referrer.
`

const docErrorsSrc = `
## Errors

A message that cannot be read changes nothing. The reply says which part was not understood and
shows the right form, e.g.

^^^
dic 5                 → Unknown command "dic". Did you mean DONE or DOC? …
拜方 华鑫             → 没看懂“拜方”，是不是拜访？…
OPP #42 stage maybe   → Stage "maybe" not understood. Stages: 1 identification … 7 nodeal
EQ acme CAT 320D      → CAT equipment needs its serial: EQ <account> CAT <model> sn <serial> …
^^^

^fieldcrm parse^ prints ^{"error": …, "hint": …, "pos": …, "part": …, "suggest": …}^ (pos counts characters
from 0) and exits with status 1. ^suggest^ is one verb (^VISIT^), two equally near ones (^DONE or DOC^), or
a Chinese form (^拜访^).

A command read from a misspelt verb carries ^"read_as"^: the word as typed (^{"verb":"visit","read_as":"VSIT",…}^);
text kept as a note because it was not understood is in ^"kept_as_note"^ (and in ^notes^). A competitor
written in other words than its canonical name carries them in ^"competitor_typed"^ (^丢单给三一^:
^"competitor":"Sany","competitor_typed":"三一"^); the lost deal keeps what was typed.
`

var (
	docIntro  = strings.ReplaceAll(docIntroSrc, "^", "`")
	docErrors = strings.ReplaceAll(docErrorsSrc, "^", "`")
)
