package templates

import "strings"

import "fmt"

// The Alibaba Cloud SMS (阿里云短信服务) catalogue: what `fieldcrm
// sms-templates --provider aliyun` prints for the dealer to submit, and what
// FitSMS fills. The rules it follows are cited in docs/sms-templates.md.

// smsAudience opens every purpose: who sends, to whom, and what it is not.
const smsAudience = "本公司（工程机械经销商）内部销售管理系统（CRM）发给本公司员工的工作短信。" +
	"接收人只有在系统中登记了手机号的本公司销售人员和销售经理，不发给客户，不含营销推广内容，不含链接。"

// smsContentNote explains the content variable and why its limit is lifted.
var smsContentNote = contentNote(SMSDefaultContentMax)

func contentNote(max int) string {
	note := "变量content为系统按固定格式生成的工作内容：记录编号（如#231）、客户名称、日期、金额，" +
		"以及下一步可回复的指令；跟进线索时可含客户联系人的电话。"
	if max > smsDefaultOther {
		note += fmt.Sprintf("因内容长短不一，拆成多条会打乱阅读，申请解除变量长度限制至%d字；", max)
	}
	return note + fmt.Sprintf("超过%d字时系统自动分条，用“短信续”模板发送。", max)
}

func aliyunTemplates(notRegistered, signinCode map[string]string) []SMSTemplate {
	content := func(example string) []SMSVar {
		return []SMSVar{{Name: "content", Type: "other", Max: SMSDefaultContentMax, Example: example, Extended: SMSDefaultContentMax > smsDefaultOther}}
	}
	family := func(name, lang, kind, prefix, purpose, example string) SMSTemplate {
		return SMSTemplate{Name: name, Lang: lang, Kind: kind, Type: "notification", Text: prefix + "${content}",
			Purpose: purpose, Vars: content(example), Example: prefix + example}
	}
	list := []SMSTemplate{
		family("reply_zh", "zh", SMSKindReply, "销售系统已收到您的短信：",
			smsAudience+"用途：销售人员用手机短信向系统发送拜访记录、客户查询等业务指令，系统回复处理结果："+
				"已记录的编号、查询结果、格式提示或待选项，以及可回复的下一步指令（如“回复撤销可撤回”）。"+smsContentNote,
			"已记录拜访 #231 华鑫矿业，张伟。下次：报价 11月28日周五 #232。回复撤销可撤回"),
		family("notice_zh", "zh", SMSKindNotice, "销售系统工作通知：",
			smsAudience+"用途：同事在系统中的操作与接收人有关时通知本人：经理分配了拜访任务、商机、线索或客户，"+
				"下属拒绝了任务，有待审批的申请或审批结果，负责的客户电话或状态有变更。"+smsContentNote,
			"刘建国给你分配了紧急拜访 #17 华鑫矿业 11月28日周五。回复完成 #17 结果，或拒绝 #17 原因"),
		family("reminder_zh", "zh", SMSKindReminder, "销售系统活动提醒：",
			smsAudience+"用途：接收人自己的拜访、电话等销售活动当天到期或已逾期未完成时提醒本人，并说明完成后回复的指令。"+smsContentNote,
			"已逾期2天：#12 任务鞍山钢铁：报价。回复完成 #12 结果"),
		family("escalation_zh", "zh", SMSKindEscalation, "销售系统超期任务通知：",
			smsAudience+"用途：经理分配的销售活动超过规定天数（紧急1天、普通3天）未完成时通知该经理；"+
				"超过15天收回重新分配时通知经理和原负责人。"+smsContentNote,
			"王军3天未完成拜访 #17 华鑫矿业。回复收到 #17、延期 #17 3天或分配 #17 给谁"),
		family("summary_zh", "zh", SMSKindSummary, "销售系统每日汇总：",
			smsAudience+"用途：每天早上向销售人员发送当天的活动和逾期事项，向经理发送前一天团队的拜访、电话、新线索和商机汇总。"+smsContentNote,
			"早上好！11月25日：今天2项，逾期1项：#17 拜访华鑫矿业；#18 电话鑫源建筑等。回复今天查看全部"),
		{Name: "continued_zh", Lang: "zh", Type: "notification", Continues: true,
			Text: "销售系统短信续，第${part}条（共${parts}条）：${content}",
			Purpose: smsAudience + "用途：上述工作短信（回复、通知、提醒、汇总）超过变量长度时分条发送，本模板发送第2条及以后各条，" +
				"标明第几条、共几条，内容接上一条。变量part、parts为条数（1位或2位数字）。" + smsContentNote,
			Vars: []SMSVar{{Name: "part", Type: "other_number", Max: 2, Example: "2"}, {Name: "parts", Type: "other_number", Max: 2, Example: "2"},
				{Name: "content", Type: "other", Max: SMSDefaultContentMax, Example: "商机4个，设备17台。上次拜访11月20日周四。看商机：我的商机 #1012", Extended: SMSDefaultContentMax > smsDefaultOther}},
			Example: "销售系统短信续，第2条（共2条）：商机4个，设备17台。上次拜访11月20日周四。看商机：我的商机 #1012"},

		family("reply_en", "en", SMSKindReply, "Sales CRM got your text: ",
			smsAudience+"英文版，供使用英文的员工。用途：销售人员用短信向系统发送拜访记录、查询等指令，系统回复处理结果、编号和可回复的下一步指令（如UNDO撤销）。"+smsContentNote,
			"OK visit #231 ACME Mining, Zhang Wei. Next: quote Fri 28/11 #232. UNDO to undo"),
		family("notice_en", "en", SMSKindNotice, "Sales CRM work notice: ",
			smsAudience+"英文版，供使用英文的员工。用途：同事的操作与接收人有关时通知本人：分配任务、拒绝任务、审批申请与结果、客户变更。"+smsContentNote,
			"Liu Jianguo assigned you #17 visit ACME Mining Fri 28/11, urgent. DONE #17 or REJECT #17 <reason>"),
		family("reminder_en", "en", SMSKindReminder, "Sales CRM reminder: ",
			smsAudience+"英文版，供使用英文的员工。用途：接收人自己的销售活动到期或逾期未完成时提醒本人。"+smsContentNote,
			"Overdue 2 days: #12 task Anshan Steel: quote\nDONE #12 <outcome> to close it"),
		family("escalation_en", "en", SMSKindEscalation, "Sales CRM, overdue work: ",
			smsAudience+"英文版，供使用英文的员工。用途：分配的销售活动超期未完成时通知经理，收回重新分配时通知经理和原负责人。"+smsContentNote,
			"Wang Jun has not done #17 visit ACME Mining in 3 days. ASSIGN #17 <name>, EXTEND #17 3d or ACK #17"),
		family("summary_en", "en", SMSKindSummary, "Sales CRM daily summary: ",
			smsAudience+"英文版，供使用英文的员工。用途：每天早上的个人活动汇总和经理的团队日报。"+smsContentNote,
			"Good morning! 25/11: 2 today, 1 overdue: #17 10:00 visit ACME Mining; #18 call Huaxin Quarry +1 more. TODAY for all"),
		{Name: "continued_en", Lang: "en", Type: "notification", Continues: true,
			Text:    "Sales CRM text, part ${part} of ${parts} continued: ${content}",
			Purpose: smsAudience + "英文版，供使用英文的员工。用途：工作短信超过变量长度时分条发送，本模板发送第2条及以后各条，标明第几条、共几条。" + smsContentNote,
			Vars: []SMSVar{{Name: "part", Type: "other_number", Max: 2, Example: "2"}, {Name: "parts", Type: "other_number", Max: 2, Example: "2"},
				{Name: "content", Type: "other", Max: SMSDefaultContentMax, Example: "4 open opps, 17 machines. Last visit Thu 20/11.\nOPPS #1012 for its opps", Extended: SMSDefaultContentMax > smsDefaultOther}},
			Example: "Sales CRM text, part 2 of 2 continued: 4 open opps, 17 machines. Last visit Thu 20/11.\nOPPS #1012 for its opps"},
	}
	for _, lang := range []string{"zh", "en"} {
		if text := notRegistered[lang]; text != "" {
			list = append(list, SMSTemplate{Name: "not_registered_" + lang, Lang: lang, Kind: SMSKindReply, Type: "notification", Text: text,
				Purpose: "本公司内部销售管理系统（CRM）只接受本公司已登记员工的短信。未登记的号码发来短信时，系统回复一次（有频率限制），" +
					"告知该号码未登记、未做任何记录，请联系公司销售管理员。全部为固定文字，无变量。",
				Example: text})
		}
	}
	for _, lang := range []string{"zh", "en"} {
		if text := signinCode[lang]; text != "" {
			purpose := "本公司内部销售管理系统（CRM）的网页版登录验证码：已登记员工在登录页输入本人手机号后，系统发送6位数字验证码，10分钟内有效，仅可使用一次。" +
				"变量code为6位数字验证码。"
			if lang == "en" {
				purpose = "英文版，供使用英文的员工。" + purpose
			}
			list = append(list, SMSTemplate{Name: "code_" + lang, Lang: lang, Kind: SMSKindCode, Type: "verification", Text: text,
				Purpose: purpose, Vars: []SMSVar{{Name: "code", Type: "verification_code", Max: 6, Example: "482913"}},
				Example: strings.Replace(text, "${code}", "482913", 1)})
		}
	}
	return list
}
