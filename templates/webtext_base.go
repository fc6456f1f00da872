package templates

// The phrases of the web console's shell, sign-in and My day.
func init() {
	addWebText(map[string][2]string{
		"nav.day":            {"My day", "我的一天"},
		"nav.pipeline":       {"Pipeline", "商机"},
		"nav.team":           {"Team", "团队"},
		"nav.reports":        {"Reports", "报表"},
		"nav.admin":          {"Administration", "管理"},
		"nav.search":         {"Search", "搜索"},
		"nav.search_hint":    {"Account, contact or phone", "客户、联系人或电话"},
		"nav.signout":        {"Sign out", "退出"},
		"nav.other_language": {"中文", "English"},

		"signin.title":  {"Sign in", "登录"},
		"signin.intro":  {"Enter your mobile number or e-mail address. We send you a code to sign in with: no password.", "请输入您的手机号或电子邮箱，我们会发送登录验证码，无需密码。"},
		"signin.who":    {"Mobile number or e-mail", "手机号或电子邮箱"},
		"signin.send":   {"Send me a code", "发送验证码"},
		"code.title":    {"Enter your code", "输入验证码"},
		"code.sent":     {"If this number or address is registered with fieldcrm, a 6-digit code is on its way by SMS or e-mail. It works once, for 10 minutes.", "如果该号码或邮箱已在fieldcrm登记，6位验证码已通过短信或邮件发出，10分钟内有效，仅可使用一次。"},
		"code.label":    {"Code", "验证码"},
		"code.signin":   {"Sign in", "登录"},
		"code.again":    {"Send a new code", "重新发送验证码"},
		"code.wrong":    {"That code is not right. Check the last message and try again.", "验证码不正确，请核对最近收到的短信或邮件后重试。"},
		"code.expired":  {"This code has expired or was used too many times. Ask for a new one.", "验证码已过期或尝试次数过多，请重新获取。"},
		"signin.limit":  {"Too many codes were asked for. Wait an hour, or ask your administrator.", "获取验证码次数过多，请一小时后再试，或联系管理员。"},
		"signin.needed": {"Please sign in.", "请先登录。"},
		"signin.bye":    {"You are signed out.", "您已退出。"},
		"signin.empty":  {"Enter a mobile number or an e-mail address.", "请输入手机号或电子邮箱。"},

		"err.title":     {"Not possible", "无法完成"},
		"err.notfound":  {"There is no such page, or you may not see it.", "页面不存在，或您无权查看。"},
		"err.csrf":      {"This form has expired. Go back, reload the page and try again.", "表单已过期，请返回并刷新页面后重试。"},
		"err.internal":  {"Something went wrong on our side; nothing was changed. Try again in a minute.", "系统出错，未做任何更改，请稍后再试。"},
		"err.forbidden": {"Your role may not do this.", "您的角色无权执行此操作。"},

		"day.title":        {"My day", "我的一天"},
		"day.overdue":      {"Overdue", "已逾期"},
		"day.today":        {"Today", "今天"},
		"day.later":        {"%d more open later", "之后还有%d项待办"},
		"day.nothing":      {"Nothing due today. Well done.", "今天没有待办事项。"},
		"day.done":         {"Done", "完成"},
		"day.reject":       {"Reject", "拒绝"},
		"day.reason":       {"Reason", "原因"},
		"day.extend":       {"Extend", "延期"},
		"day.extend_to":    {"New date", "新日期"},
		"day.outcome":      {"Outcome (optional)", "结果（可选）"},
		"day.urgent":       {"urgent", "紧急"},
		"day.assigned_by":  {"assigned by %s", "由%s分配"},
		"day.undo":         {"Undo", "撤销"},
		"day.command":      {"Text a command", "输入指令"},
		"day.command_hint": {"V acme; met Zhang Wei; next: quote fri", "拜访 华鑫；见了李刚；下次：周五报价"},
		"day.command_help": {"Anything you would text fieldcrm works here too, and answers the same way. UNDO undoes the last change.", "短信里能发的指令在这里都可以用，回复也相同。发“撤销”可撤回上一次更改。"},
		"day.send":         {"Send", "发送"},
		"day.pending":      {"Waiting for a manager", "等待经理处理"},
		"common.account":   {"Account", "客户"},
		"common.due":       {"Due", "到期"},
		"common.none":      {"none", "无"},
	})
}

func init() {
	addWebText(map[string][2]string{
		"sessions.title":   {"Signed-in browsers", "已登录的浏览器"},
		"sessions.intro":   {"Everyone signed in to the web console. Revoking signs that browser out at once.", "所有登录网页控制台的会话。撤销后该浏览器立即退出。"},
		"sessions.user":    {"User", "用户"},
		"sessions.since":   {"Signed in", "登录时间"},
		"sessions.seen":    {"Last seen", "最近使用"},
		"sessions.device":  {"Address and browser", "地址和浏览器"},
		"sessions.this":    {"this browser", "当前浏览器"},
		"sessions.revoke":  {"Sign out", "撤销"},
		"sessions.revoked": {"That browser is signed out.", "该浏览器已退出。"},
		"sessions.gone":    {"That session had already ended.", "该会话已结束。"},
		"sessions.none":    {"Nobody is signed in.", "没有已登录的会话。"},
	})
}
