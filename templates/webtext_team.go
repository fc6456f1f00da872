package templates

// The phrases of the Team pages (managers): the team's figures and one
// salesman's open work with re-assign, acknowledge and extend.
func init() {
	addWebText(map[string][2]string{
		"team.title":         {"Team", "团队"},
		"team.intro":         {"Work done today and this week (since %s), as TEAM answers by SMS; open, overdue and escalated items as of now.", "今天和本周（%s起）完成的工作，与短信“团队”的数字一致；未完成、逾期和升级事项为当前数字。"},
		"team.none":          {"Nobody reports to you yet.", "目前没有下属销售员。"},
		"team.salesman":      {"Salesman", "销售员"},
		"team.today":         {"Today", "今天"},
		"team.week":          {"This week", "本周"},
		"team.visits":        {"Visits", "拜访"},
		"team.calls":         {"Calls", "电话"},
		"team.other":         {"Other", "其他"},
		"team.open":          {"Open", "未完成"},
		"team.overdue":       {"Overdue", "逾期"},
		"team.escalated":     {"Escalations waiting", "待处理升级"},
		"team.escalated_col": {"Escalated", "升级"},
		"team.last":          {"Last activity", "最近活动"},
		"team.never":         {"never", "从未"},
		"team.total":         {"Total", "合计"},
		"team.back":          {"Back to the team", "返回团队"},

		"team.member.done":           {"%v · %v · %v other", "拜访%v · 电话%v · 其他%v"},
		"team.member.now":            {"%v open · %v overdue · %v waiting", "未完成%v · 逾期%v · 待处理升级%v"},
		"team.member.now_title":      {"Now", "当前"},
		"team.member.nothing":        {"Nothing open.", "没有未完成的事项。"},
		"team.member.later":          {"Later", "以后到期"},
		"team.member.later_more":     {"and %d more due later", "另有%d项以后到期"},
		"team.member.undated":        {"no date", "无日期"},
		"team.member.escalated":      {"escalated %s", "%s已升级"},
		"team.member.acked":          {"acknowledged %s", "%s已阅"},
		"team.member.assign_to":      {"Re-assign to…", "转派给…"},
		"team.member.assign_due":     {"New due date (optional)", "新的到期日（可选）"},
		"team.member.assign":         {"Re-assign", "转派"},
		"team.member.ack":            {"Acknowledge", "收到"},
		"team.member.ack_hint":       {"Leave it with him; no more escalations", "仍由他跟进，不再升级"},
		"team.member.extend":         {"Extend", "延期"},
		"team.member.extend_to":      {"New due date", "新的到期日"},
		"team.member.escalated_hint": {"Not done in time, so they came to you: re-assign, acknowledge (he keeps it, no more escalations) or give more time.", "未按时完成，已升级给您：可转派、点“收到”（仍由他跟进，不再升级）或延期。"},
		"team.member.alone":          {"Nobody else in your team to give it to.", "团队中没有其他人可以转派。"},
		"team.choose":                {"Choose whom to give it to, from your team. Nothing was changed.", "请从您的团队中选择转派对象，未做任何更改。"},
		"team.extend_date":           {"Choose the new due date. Nothing was changed.", "请选择新的到期日，未做任何更改。"},
	})
}
