package templates_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var sh = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2025, month, day, hour, min, 0, 0, sh)
}

// variant is one rendering of a template.
type variant struct {
	label string
	data  any
}

// s picks the English or the Chinese spelling of a datum.
func s(zh bool, en, cn string) string {
	if zh {
		return cn
	}
	return en
}

// Realistic and longest realistic data.
const (
	longAcctEN = "Liaoning Great Wall Heavy Construction Machinery Co. Ltd"
	longAcctZH = "辽宁长城重型工程机械有限公司"
)

func longAcct(zh bool) string { return s(zh, longAcctEN, longAcctZH) }

// smsCases returns, per SMS template, its variants; the first is typical,
// the ones labelled "longest" use the longest realistic data.
func smsCases(zh bool) map[string][]variant {
	acme := s(zh, "ACME Mining", "华鑫矿业")
	zhang := s(zh, "Zhang Wei", "张伟")
	ouyang := s(zh, "Ouyang Zhongming", "欧阳中明")
	liu := s(zh, "Liu Jianguo", "刘建国")
	wang := s(zh, "Wang Jun", "王军")
	items := []Item{
		{ID: 17, Due: at(11, 25, 10, 0), HasTime: true, Kind: "visit", Account: acme, Subject: s(zh, "demo 320D", "试机")},
		{ID: 18, Due: at(11, 25, 0, 0), Kind: "call", Account: s(zh, "Huaxin Quarry", "鑫源建筑")},
	}
	longItems := []Item{
		{ID: 1017, Due: at(11, 25, 9, 30), HasTime: true, Kind: "visit", Account: longAcct(zh), Subject: s(zh, "bring brochure and price list for 336", "带336的宣传册和价格表"), Urgent: true},
		{ID: 1018, Due: at(11, 25, 11, 0), HasTime: true, Kind: "meeting", Account: s(zh, "Shenyang Northern Mining Group", "沈阳北方矿业集团"), Subject: s(zh, "financing terms", "谈融资条件")},
		{ID: 1019, Due: at(11, 25, 14, 0), HasTime: true, Kind: "call", Account: s(zh, "Dalian Port Logistics", "大连港物流有限公司")},
		{ID: 1020, Due: at(11, 25, 0, 0), Kind: "revisit", Account: s(zh, "Anshan Iron & Steel Contracting", "鞍山钢铁工程承包公司"), Subject: s(zh, "check 950H after repair", "维修后检查950H")},
		{ID: 1021, Due: at(11, 25, 16, 30), HasTime: true, Kind: "task", Account: s(zh, "Fushun Coal Works", "抚顺煤矿"), Subject: s(zh, "send quotation 2x 336", "发2台336报价")},
	}
	longOverdue := []Item{
		{ID: 1002, Due: at(11, 21, 0, 0), Kind: "task", Account: s(zh, "Anshan Steel", "鞍山钢铁"), Subject: s(zh, "quote 2x 950H", "2台950H报价")},
		{ID: 1005, Due: at(11, 18, 0, 0), Kind: "visit", Account: longAcct(zh), Urgent: true},
		{ID: 1009, Due: at(11, 24, 0, 0), Kind: "call", Account: s(zh, "Yingkou Harbour Construction", "营口港建设集团")},
	}
	next := &Next{ID: 232, What: s(zh, "quote", "报价"), Due: at(11, 28, 0, 0), HasDue: true}
	longNext := &Next{ID: 100232, What: s(zh, "send quotation for 2x 320D with financing", "发2台320D报价及融资方案"), Due: at(11, 28, 0, 0), HasDue: true}
	longHint := s(zh, "VISIT <account>; met <name>; <notes>; next: <what> <when>. E.g. V acme; met Zhang; wants 2x 320D; next: quote fri",
		"拜访 客户；见了谁；情况；下次：事项 时间。例：拜访 华鑫；见了李总；下周二报价")

	return map[string][]variant{
		"ok_activity": {
			{"typical", OkActivity{Kind: "visit", ID: 231, Account: acme, Contact: zhang, Next: next}},
			{"no follow-up", OkActivity{Kind: "call", ID: 233, Account: acme}},
			{"longest", OkActivity{Kind: "meeting", ID: 100231, Account: longAcct(zh), Contact: ouyang, Next: longNext}},
		},
		"ok_planned": {
			{"typical", OkPlanned{ID: 240, Kind: "visit", Account: acme, Due: at(11, 28, 15, 0), HasTime: true}},
			{"for someone", OkPlanned{ID: 241, Kind: "call", Account: acme, Due: at(11, 28, 0, 0), Owner: wang, Urgent: true}},
			{"longest", OkPlanned{ID: 100240, Kind: "meeting", Subject: s(zh, "bring the 320D brochure and financing offer", "带320D宣传册和融资方案"), Account: longAcct(zh), Due: at(11, 28, 15, 30), HasTime: true, Owner: ouyang, Urgent: true}},
		},
		"ok_done": {
			{"typical", OkDone{ID: 17, Subject: s(zh, "visit ACME Mining", "拜访华鑫矿业"), Next: &Next{ID: 241, What: s(zh, "call", "电话"), Due: at(12, 1, 0, 0), HasDue: true}}},
			{"next with a time", OkDone{ID: 17, Subject: s(zh, "visit ACME Mining", "拜访华鑫矿业"), Next: &Next{ID: 241, What: s(zh, "demo", "试机"), Due: at(12, 2, 10, 0), HasDue: true, HasTime: true}}},
			{"no follow-up", OkDone{ID: 17}},
			{"longest", OkDone{ID: 100017, Subject: s(zh, "visit ", "拜访") + longAcct(zh), Next: longNext}},
		},
		"ok_rejected": {
			{"typical", OkRejected{ID: 17, Subject: s(zh, "visit ACME Mining", "拜访华鑫矿业"), Manager: liu}},
			{"longest", OkRejected{ID: 100017, Subject: s(zh, "visit ", "拜访") + longAcct(zh), Manager: ouyang}},
		},
		"ok_lead": {
			{"typical", OkLead{ID: 51, Company: s(zh, "Huaxin Mining", "华鑫矿业"), Person: s(zh, "Li Gang", "李刚"), Source: "referral"}},
			{"longest", OkLead{ID: 100051, Company: longAcct(zh), Person: ouyang, Source: "word_of_mouth"}},
			{"qualify", OkLead{ID: 51, Company: s(zh, "Huaxin Mining", "华鑫矿业"), Person: s(zh, "Li Gang", "李刚"), Action: "qualify"}},
			{"convert", OkLead{ID: 51, Company: s(zh, "Huaxin Mining", "华鑫矿业"), Person: s(zh, "Li Gang", "李刚"), Action: "convert", Account: 12, Contact: 88, Opp: 42}},
			{"convert longest", OkLead{ID: 100051, Company: longAcct(zh), Person: ouyang, Action: "convert", Account: 100012, Contact: 100088, Opp: 100042}},
		},
		"ok_contact": {
			{"typical", OkContact{ID: 88, Name: s(zh, "Li Wei", "李伟"), Account: acme, Phone: "+8613901234567"}},
			{"longest", OkContact{ID: 100088, Name: ouyang, Account: longAcct(zh), Phone: "+86-24-85868466"}},
		},
		"ok_account": {
			{"typical", OkAccount{ID: 12, Name: s(zh, "Huaxin Mining", "华鑫矿业")}},
			{"with contact", OkAccount{ID: 13, Name: acme, Contact: zhang}},
			{"longest", OkAccount{ID: 100012, Name: longAcct(zh)}},
			{"phone changed", OkAccount{ID: 11, Name: s(zh, "Yingkou Port", "营口港建设集团"), Action: "update", Phones: []string{"4008208820"}}},
			{"phone and address", OkAccount{ID: 1, Name: acme, Action: "update", Phones: []string{"02422815566"}, Address: s(zh, "12 Beiling St", "营口市站前区1号")}},
			{"all", OkAccount{ID: 100012, Name: longAcct(zh), Action: "update", Phones: []string{"02422815566", "4008208820"}, City: s(zh, "Yingkou", "营口"), Industry: s(zh, "ports", "港口"), Alias: s(zh, "YK Port", "营口港"), Noted: true}},
			{"nothing", OkAccount{ID: 1, Name: acme, Action: "update"}},
			{"inactive", OkAccount{ID: 1, Name: acme, Action: "deactivate", Reason: s(zh, "moved to Dalian", "搬到大连了")}},
			{"active", OkAccount{ID: 1, Name: acme, Action: "activate"}},
		},
		"ok_opp": {
			{"create", OkOpp{ID: 42, Name: "2x 320D", Account: acme, Stage: "identification", Amount: 240_000_000, Close: at(12, 15, 0, 0), Action: "create"}},
			{"stage", OkOpp{ID: 42, Name: "2x 320D", Account: acme, Stage: "proposal", Action: "stage"}},
			{"won", OkOpp{ID: 42, Name: "2x 320D", Account: acme, Stage: "won", Amount: 120_000_000, Action: "won"}},
			{"lost", OkOpp{ID: 42, Name: "2x 320D", Account: acme, Stage: "lost", Action: "lost"}},
			{"nodeal", OkOpp{ID: 42, Name: "2x 320D", Account: acme, Stage: "nodeal", Action: "nodeal"}},
			{"amount", OkOpp{ID: 42, Name: "2x 320D", Account: acme, Amount: 35_000_000, Action: "amount"}},
			{"close", OkOpp{ID: 42, Name: "2x 320D", Account: acme, Close: at(12, 15, 0, 0), Action: "close"}},
			{"product", OkOpp{ID: 42, Name: "2x 320D, 1x 950H", Account: acme, Action: "product"}},
			{"competitor", OkOpp{ID: 42, Name: "2x 320D", Account: acme, Action: "competitor"}},
			{"role", OkOpp{ID: 42, Name: "2x 320D", Account: acme, Action: "role"}},
			{"longest", OkOpp{ID: 100042, Name: s(zh, "3x 336 GC, 2x 950H wheel loaders", "3台336GC和2台950H装载机"), Account: longAcct(zh), Stage: "identification", Amount: 987_654_321, Close: at(12, 15, 0, 0), Action: "create"}},
		},
		"ok_equipment": {
			{"typical", OkEquipment{ID: 9, Brand: "CAT", Model: "320D", Serial: "CAT0320DXYZ", Account: acme, SMU: 4520, New: true}},
			{"update", OkEquipment{ID: 9, Brand: "CAT", Model: "320D", Account: acme, SMU: 4800}},
			{"longest", OkEquipment{ID: 100009, Brand: "Komatsu", Model: "PC200-8M0", Serial: "KMTPC200A1234567", Account: longAcct(zh), SMU: 12450, New: true}},
		},
		"ok_note": {
			{"typical", OkNote{ID: 310, On: acme}},
			{"longest", OkNote{ID: 100310, On: longAcct(zh)}},
		},
		"ok_doc": {
			{"filed", OkDoc{Account: acme, AccountID: 12, Files: []DocFile{{s(zh, "contract.pdf", "合同.pdf"), 31}, {"photo.jpg", 32}}, MaxMB: 10}},
			{"one too big", OkDoc{Account: acme, AccountID: 12, Files: []DocFile{{"quote-v2.pdf", 33}}, Skipped: []DocSkip{{"site-video.mp4", 48}}, MaxMB: 10}},
			{"longest", OkDoc{Account: longAcct(zh), AccountID: 100012, Files: []DocFile{{strings.Repeat("x", 60) + ".pdf", 100031}, {strings.Repeat("y", 60) + ".pdf", 100032}, {strings.Repeat("z", 60) + ".pdf", 100033}}, Skipped: []DocSkip{{strings.Repeat("v", 60) + ".mp4", 480}}, MaxMB: 10}},
			{"no account", OkDoc{Why: "no_account"}},
			{"ambiguous", OkDoc{Why: "ambiguous", Query: "acme"}},
			{"not found", OkDoc{Why: "not_found", Query: s(zh, "acmee", "华鑫矿")}},
			{"none", OkDoc{Why: "none", Query: "acme"}},
		},
		"ok_assign": {
			{"typical", OkAssign{ID: 17, Kind: "visit", Subject: acme, Assignee: wang}},
			{"longest", OkAssign{ID: 100017, Kind: "meeting", Subject: longAcct(zh), Assignee: ouyang}},
			{"an activity, as crm names it", OkAssign{ID: 46, Kind: "activity", Subject: s(zh, "visit ACME Mining Co.", "拜访华鑫矿业"), Assignee: wang}},
			{"an opp", OkAssign{ID: 42, Kind: "opportunity", Subject: s(zh, "ACME Mining 2x 320D", "华鑫矿业 2台320D"), Assignee: wang}},
			{"with a date, urgent", OkAssign{ID: 73, Kind: "activity", Subject: s(zh, "visit ACME Mining Co.", "拜访华鑫矿业"), Assignee: wang, Due: at(12, 21, 18, 0), Urgent: true}},
			{"longest with a time", OkAssign{ID: 100073, Kind: "activity", Subject: longAcct(zh), Assignee: ouyang, Due: at(12, 21, 10, 30), HasTime: true, Urgent: true}},
			{"taken from someone", OkAssign{ID: 47, Kind: "activity", Subject: s(zh, "visit ACME Mining Co.", "拜访华鑫矿业"), Assignee: wang, Previous: s(zh, "Li Na", "李娜")}},
			{"longest taken from someone", OkAssign{ID: 100073, Kind: "activity", Subject: longAcct(zh), Assignee: ouyang, Due: at(12, 21, 10, 30), HasTime: true, Urgent: true, Previous: ouyang}},
		},
		"ok_approve": {
			{"typical", OkApprove{ID: 88, Subject: s(zh, "remove contact Li Wei (left)", "删除联系人李伟（离职）"), Approved: true}},
			{"refused", OkApprove{ID: 88, Subject: s(zh, "remove contact Li Wei (left)", "删除联系人李伟（离职）")}},
			{"longest", OkApprove{ID: 100088, Subject: s(zh, "remove contact Ouyang Zhongming of ", "删除联系人欧阳中明，") + longAcct(zh), Approved: true}},
		},
		"ok_resp": {
			{"typical", OkResp{N: 301, Campaign: "Expo 2026", Who: s(zh, "Zhao Gang", "赵刚")}},
			{"longest", OkResp{N: 100301, Campaign: s(zh, "Shenyang Spring Construction Machinery Expo 2026", "2026沈阳春季工程机械展会"), Who: s(zh, "Ouyang Zhongming, Dongfang Quarry", "欧阳中明，东方采石场")}},
		},
		"ok_campaign": {
			{"create", OkCampaign{ID: 7, Name: "Expo 2026", Action: "create", Budget: 50_000_000, Start: at(12, 1, 0, 0), End: at(12, 31, 0, 0)}},
			{"update", OkCampaign{ID: 7, Name: "Expo 2026", Action: "update", Budget: 60_000_000, End: at(1, 15, 0, 0)}},
			{"update, nothing dated", OkCampaign{ID: 7, Name: s(zh, "Quarry Days", "采石场开放日"), Action: "update"}},
			{"lead", OkCampaign{ID: 7, Name: "Expo 2026", Action: "lead", N: 3, Lead: 51}},
			{"lead for someone", OkCampaign{ID: 7, Name: "Expo 2026", Action: "lead", N: 3, Lead: 51, Owner: wang}},
			{"longest", OkCampaign{ID: 100007, Name: s(zh, "Shenyang Spring Construction Machinery Expo 2026", "2026沈阳春季工程机械展会"), Action: "create", Budget: 987_654_321, Start: at(12, 1, 0, 0), End: at(12, 31, 0, 0)}},
			{"longest lead", OkCampaign{ID: 100007, Name: s(zh, "Shenyang Spring Construction Machinery Expo 2026", "2026沈阳春季工程机械展会"), Action: "lead", N: 1234, Lead: 100051, Owner: ouyang}},
		},
		"ok_undo": {
			{"typical", OkUndo{What: s(zh, "visit #231 and follow-up #232", "拜访 #231 和后续 #232")}},
			{"longest", OkUndo{What: s(zh, "meeting #100231 at "+longAcctEN+" and follow-up #100232", "会议 #100231（"+longAcctZH+"）和后续 #100232")}},
			{"as crm lists them", OkUndo{What: "visit #231, task #232, opportunity #3"}},
		},
		"ok_stop":  {{"typical", Empty{}}},
		"ok_start": {{"typical", Empty{}}},
		"ok_pending": {
			{"typical", OkPending{ID: 88, Subject: s(zh, "remove contact Li Wei (left)", "删除联系人李伟（离职）"), Manager: liu}},
			{"longest", OkPending{ID: 100088, Subject: s(zh, "remove contact Ouyang Zhongming of ", "删除联系人欧阳中明，") + longAcct(zh), Manager: ouyang}},
		},
		"opted_out": {{"typical", Empty{}}},
		"err": {
			{"typical", Err{Message: s(zh, `"vist"`, "“拜仿”"), Hint: s(zh, "VISIT <account>; met <name>; <notes>", "拜访 客户；见了谁；情况")}},
			{"longest", Err{Message: s(zh, "the date in \"next: quote after the holiday next month\"", "“下次：节后下个月报价”里的日期"), Hint: longHint}},
		},
		"err_conflict": {
			{"typical", Err{Message: s(zh, "Activity #231 is finished (done) and cannot be changed.", "活动 #231 已结束（已完成），不能再改。")}},
			{"longest", Err{Message: s(zh, "Opportunity #100042 is at qualification: it moves one stage at a time (next: development).", "商机 #100042 在确认阶段：每次只能前进一个阶段（下一步：开发）。"), Hint: s(zh, "OPP #100042 stage development", "商机 #100042 阶段 开发")}},
			{"prose hint", Err{Message: s(zh, "Nothing of yours to undo from the last 15 minutes.", "最近15分钟内没有你可撤销的操作。"), Hint: s(zh, "ask your manager to correct older records", "更早的记录请找经理更正")}},
		},
		"err_did_you_mean": {
			{"typical", ErrDidYouMean{Word: "vist", Suggest: "VISIT", Hint: s(zh, "VISIT <account>; met <name>; <notes>", "拜访 客户；见了谁；情况")}},
			{"longest", ErrDidYouMean{Word: "opportunity", Suggest: "OPP", Hint: s(zh, "OPP <account>; 2x <model>; <amount>; close <date>. OPP #42 stage proposal | won 1.2m | lost <who>; <why>", "商机 客户；2台 型号；金额；成交 日期")}},
		},
		"err_forbidden": {
			{"typical", ErrForbidden{Message: s(zh, "ACME Mining is Wang Jun's account", "华鑫矿业是王军的客户")}},
			{"longest", ErrForbidden{Message: s(zh, longAcctEN+" belongs to Ouyang Zhongming (Dalian branch).", longAcctZH+"属于大连分公司欧阳中明。")}},
		},
		"err_not_found": {
			{"typical", ErrNotFound{What: s(zh, `account "acmee"`, "客户“华新”"), Hint: s(zh, "FIND acmee", "查找 华新")}},
			{"longest", ErrNotFound{What: s(zh, "activity #100231", "活动 #100231"), Hint: s(zh, "TODAY lists your open activities; DONE <#id> <outcome>", "今天 列出你的活动；完成 #编号 结果")}},
		},
		"err_internal": {{"typical", Empty{}}},
		"choose": {
			{"typical", Choose{Word: s(zh, "acme", "华鑫"), Choices: []Choice{{1, s(zh, "ACME Mining", "华鑫矿业"), 12}, {2, s(zh, "ACME Transport", "华鑫运输"), 31}}}},
			{"longest", Choose{Word: s(zh, "liaoning", "辽宁"), Choices: []Choice{
				{1, longAcct(zh), 1012}, {2, s(zh, "Liaoning Northern Heavy Industries Group", "辽宁北方重工集团有限公司"), 1031},
				{3, s(zh, "Liaoning Coastal Port Construction Co.", "辽宁沿海港口建设有限公司"), 1044}}}},
		},
		"not_registered": {{"typical", Empty{}}},
		"signin_code": {{"typical", struct {
			Code    string
			Minutes int
		}{"482913", 10}}},
		"help": {
			{"typical", Help{Text: s(zh, "Commands: VISIT CALL MEET PLAN DONE REJECT LEAD CONTACT ACCOUNT OPP EQ NOTE DOC TODAY OPPS ACCT FIND FUNNEL UNDO. HELP <command> for one",
				"命令：拜访 电话 会议 计划 完成 拒绝 线索 联系人 商机 设备 备注 今天 查客户 查找 漏斗 撤销。帮助 命令 查看说明")}},
		},
		"today": {
			{"typical", Today{IsToday: true, Date: at(11, 25, 7, 0), Today: items, Overdue: []Item{{ID: 12, Due: at(11, 23, 0, 0), Kind: "task", Subject: s(zh, "quote", "报价"), Account: s(zh, "Anshan Steel", "鞍山钢铁")}}}},
			{"empty", Today{IsToday: true, Date: at(11, 25, 7, 0), Later: 3}},
			{"only overdue", Today{IsToday: true, Date: at(11, 25, 7, 0), Overdue: longOverdue[:1]}},
			{"longest", Today{IsToday: true, Date: at(11, 25, 7, 0), Today: longItems, Overdue: longOverdue, Later: 12}},
			{"tomorrow", Today{Date: at(11, 26, 0, 0), Today: items[:1]}},
			{"tomorrow, empty", Today{Date: at(11, 26, 0, 0), Later: 2}},
		},
		"opps": {
			{"typical", Opps{Total: 350_000_000, Opps: []Opp{
				{ID: 42, Name: "2x 320D", Account: acme, Stage: "proposal", Amount: 240_000_000, Close: at(12, 15, 0, 0)},
				{ID: 45, Name: "950H", Account: s(zh, "Huaxin Quarry", "鑫源建筑"), Stage: "qualification", Amount: 110_000_000}}}},
			{"empty", Opps{}},
			{"account", Opps{Account: acme, Total: 240_000_000, Opps: []Opp{{ID: 42, Name: acme + " 2x 320D", Account: acme, Stage: "proposal", Amount: 240_000_000, Close: at(12, 15, 0, 0)}}}},
			{"account, none", Opps{Account: acme}},
			{"salesman's, none", Opps{Whose: wang}},
			{"no match", Opps{Query: "950H"}},
			{"longest", Opps{Total: 3_555_555_500, Opps: []Opp{
				{ID: 1042, Name: s(zh, "3x 336 GC excavators", "3台336GC挖掘机"), Account: longAcct(zh), Stage: "proposal", Amount: 987_654_321, Close: at(12, 15, 0, 0)},
				{ID: 1045, Name: s(zh, "2x 950H wheel loaders", "2台950H装载机"), Account: s(zh, "Shenyang Northern Mining Group", "沈阳北方矿业集团"), Stage: "development", Amount: 456_000_000, Close: at(1, 20, 0, 0)},
				{ID: 1047, Name: "D6R", Account: s(zh, "Dalian Port Logistics", "大连港物流有限公司"), Stage: "qualification", Amount: 189_000_000, Close: at(2, 28, 0, 0)},
				{ID: 1051, Name: s(zh, "parts contract 2026", "2026年配件合同"), Account: s(zh, "Anshan Iron & Steel Contracting", "鞍山钢铁工程承包公司"), Stage: "identification", Amount: 52_500_000},
				{ID: 1053, Name: "6x 740 GC", Account: s(zh, "Fushun Coal Works", "抚顺煤矿"), Stage: "development", Amount: 1_870_000_000, Close: at(3, 31, 0, 0)}}}},
		},
		"acct": {
			{"typical", Acct{ID: 12, Name: acme, Phones: []string{"024-22334455"}, Owner: wang, Contacts: []string{zhang, s(zh, "Li Wei", "李伟")}, OpenOpps: 2, LastVisit: at(11, 20, 10, 0), Equipment: 3}},
			{"new", Acct{ID: 13, Name: s(zh, "Huaxin Quarry", "鑫源建筑"), Owner: wang, OpenOpps: 1}},
			{"longest", Acct{ID: 1012, Name: longAcct(zh), Phones: []string{"024-85868466", "13901395136", "0411-88886666"}, Owner: ouyang,
				Contacts: []string{ouyang + " 13901234567", s(zh, "Zhang Wei (purchasing manager)", "张伟（采购经理）"), s(zh, "Li Xiaoming (site manager)", "李晓明（工地经理）"), s(zh, "Zhao Gang (finance)", "赵刚（财务）")},
				OpenOpps: 4, LastVisit: at(11, 20, 10, 0), Equipment: 17}},
		},
		"find": {
			{"typical", Find{Query: "139012", Acct: 12, Results: []Result{{"contact", 88, zhang + " 13901234567", 12, acme}, {"account", 12, acme, 12, ""}}}},
			{"none", Find{Query: "acmee"}},
			{"longest", Find{Query: s(zh, "liaoning", "辽宁"), Acct: 1012, Results: []Result{
				{"account", 1012, longAcct(zh), 1012, ""}, {"account", 1031, s(zh, "Liaoning Northern Heavy Industries Group", "辽宁北方重工集团有限公司"), 1031, ""},
				{"lead", 1077, s(zh, "Liaoning Coastal Port Construction Co.", "辽宁沿海港口建设有限公司"), 0, ""},
				{"contact", 1088, ouyang, 1012, longAcct(zh)},
				{"opp", 1042, s(zh, "3x 336 GC, Liaoning Great Wall", "3台336GC，辽宁长城"), 0, ""}}}},
		},
		"funnel": {
			{"typical", Funnel{Period: "this quarter", Stages: []FunnelStage{
				{"identification", 5, 310_000_000}, {"qualification", 4, 280_000_000}, {"development", 2, 190_000_000}, {"proposal", 3, 420_000_000}, {"won", 2, 250_000_000}}}},
			{"longest", Funnel{Period: "this week", Stages: []FunnelStage{
				{"identification", 128, 98_765_432_100}, {"qualification", 96, 87_654_321_000}, {"development", 64, 76_543_210_000}, {"proposal", 48, 65_432_100_000},
				{"won", 37, 54_321_000_000}, {"lost", 29, 43_210_000_000}, {"nodeal", 18, 3_210_000_000}}}},
		},
		"nothing_more": {{"typical", struct{}{}}},
		"ok_extend": {
			{"typical", OkExtend{ID: 17, Due: at(11, 28, 18, 0)}},
			{"longest", OkExtend{ID: 100017, Due: at(12, 31, 18, 0)}},
		},
		"ok_ack": {
			{"typical", OkAck{ID: 17, Subject: s(zh, "visit ACME Mining", "拜访华鑫矿业")}},
			{"longest", OkAck{ID: 100017, Subject: s(zh, "visit ", "拜访") + longAcct(zh)}},
		},
		"lost": {
			{"typical", Lost{Period: "this month", Lost: []LostItem{
				{42, s(zh, "ACME 2x 320D", "华鑫 2台320D"), acme, "Komatsu", s(zh, "price", "价格"), 240_000_000},
				{57, s(zh, "Huaxin 950H", "鑫源 950H"), s(zh, "Huaxin Quarry", "鑫源建筑"), "Sany", s(zh, "delivery time", "交货期"), 95_000_000}}}},
			{"none", Lost{Period: "last week"}},
			{"longest", Lost{Period: "this quarter", Lost: []LostItem{
				{100042, s(zh, "2x 336 with breakers", "2台336带破碎锤"), longAcct(zh), "Komatsu", s(zh, "price 8% lower and 0% financing", "价格低8%且零利率融资"), 4_800_000_000},
				{100043, "950H", s(zh, "Shenyang Northern Mining Group", "沈阳北方矿业集团"), "Sany", s(zh, "delivery in 2 weeks", "两周交货"), 1_250_000_000},
				{100044, "320D", s(zh, "Dalian Port Logistics", "大连港物流"), "XCMG", s(zh, "local service", "本地服务"), 120_000_000},
				{100045, "D6", s(zh, "Fushun Coal Works", "抚顺煤矿"), "Shantui", s(zh, "price", "价格"), 310_000_000}}}},
		},
		"team": {
			{"typical", Team{Period: "today", Rows: []TeamRow{{wang, 3, 1, 4, 0}, {s(zh, "Li Na", "李娜"), 1, 2, 6, 2}, {s(zh, "Zhao Lei", "赵磊"), 0, 0, 3, 0}}}},
			{"longest", Team{Period: "this month", Rows: []TeamRow{
				{wang, 43, 61, 14, 3}, {s(zh, "Li Na", "李娜"), 38, 52, 9, 0}, {s(zh, "Zhao Lei", "赵磊"), 12, 30, 22, 11}, {ouyang, 27, 44, 17, 5},
				{s(zh, "Sun Xiaodong", "孙晓东"), 31, 19, 8, 1}, {s(zh, "Zhou Yang", "周洋"), 1, 1, 1, 1}, {s(zh, "Chen Jie", "陈杰"), 22, 40, 12, 0}, {s(zh, "Gao Peng", "高鹏"), 19, 25, 15, 4}}}},
		},
		"notice_assigned": {
			{"typical", NoticeAssigned{ID: 17, Kind: "visit", Account: acme, Due: at(11, 28, 0, 0), HasDue: true, By: liu, Urgent: true}},
			{"longest", NoticeAssigned{ID: 100017, Kind: "meeting", Subject: s(zh, "bring the 320D brochure and financing offer", "带320D宣传册和融资方案"), Account: longAcct(zh), Due: at(11, 28, 15, 0), HasDue: true, HasTime: true, By: ouyang, Urgent: true}},
			{"opp", NoticeAssigned{ID: 42, Kind: "opp", Subject: s(zh, "ACME Mining 2x 320D", "华鑫矿业 2台320D"), Account: acme, Due: at(12, 15, 0, 0), HasDue: true, By: liu, Stage: "development", Amount: 240_000_000}},
			{"opp longest", NoticeAssigned{ID: 100042, Kind: "opp", Subject: longAcct(zh) + " 336", Account: longAcct(zh), Due: at(12, 15, 0, 0), HasDue: true, By: ouyang, Stage: "proposal", Amount: 4_800_000_000}},
			{"lead", NoticeAssigned{ID: 51, Kind: "lead", Subject: s(zh, "Huaxin Mining", "华鑫矿业"), By: liu, Person: s(zh, "Li Gang", "李刚"), Phone: "13901234567"}},
			{"account", NoticeAssigned{ID: 12, Kind: "account", Subject: acme, Account: acme, By: liu}},
		},
		"notice_unassigned": {
			{"typical", NoticeUnassigned{ID: 17, Kind: "visit", Account: acme, Subject: s(zh, "demo 320D", "试机"), By: liu, To: s(zh, "Zhao Lei", "赵磊")}},
			{"longest", NoticeUnassigned{ID: 100017, Kind: "meeting", Subject: s(zh, "bring the 320D brochure and financing offer", "带320D宣传册和融资方案"), Account: longAcct(zh), By: ouyang, To: ouyang}},
			{"opp", NoticeUnassigned{ID: 42, Kind: "opp", Subject: s(zh, "ACME Mining 2x 320D", "华鑫矿业 2台320D"), Account: acme, By: liu, To: s(zh, "Zhao Lei", "赵磊")}},
			{"lead", NoticeUnassigned{ID: 51, Kind: "lead", Subject: s(zh, "Huaxin Mining", "华鑫矿业"), By: liu, To: s(zh, "Zhao Lei", "赵磊")}},
			{"account", NoticeUnassigned{ID: 12, Kind: "account", Subject: acme, Account: acme, By: liu}},
		},
		"notice_rejected": {
			{"typical", NoticeRejected{ID: 17, Subject: s(zh, "visit ACME Mining", "拜访华鑫矿业"), By: wang, Reason: s(zh, "need pricing approval", "需要价格审批")}},
			{"longest", NoticeRejected{ID: 100017, Subject: s(zh, "visit ", "拜访") + longAcct(zh), By: ouyang, Reason: s(zh, "customer is away until December, their site manager asked to come back after the new year.", "客户12月前不在本地，工地经理让我们元旦后再去")}},
		},
		"notice_lead": {
			{"typical", NoticeLead{ID: 51, Company: s(zh, "Huaxin Mining", "华鑫矿业"), Person: s(zh, "Li Gang", "李刚"), Phone: "13901234567", By: liu}},
			{"longest", NoticeLead{ID: 100051, Company: longAcct(zh), Person: ouyang, Phone: "+86-411-88886666", By: s(zh, "Sun Xiaodong", "孙晓东")}},
		},
		"notice_account": {
			{"typical", NoticeAccount{ID: 12, Name: acme, By: liu}},
			{"longest", NoticeAccount{ID: 100012, Name: longAcct(zh), By: ouyang}},
			{"to the manager", NoticeAccount{ID: 12, Name: acme, By: wang, Owner: wang}},
			{"made for someone", NoticeAccount{ID: 100012, Name: longAcct(zh), By: s(zh, "Sun Xiaodong", "孙晓东"), Owner: ouyang}},
		},
		"notice_equipment_missing": {
			{"typical", NoticeEquipmentMissing{Account: acme, AccountID: 12}},
			{"longest", NoticeEquipmentMissing{Account: longAcct(zh), AccountID: 100012}},
		},
		"notice_colleague_activity": {
			{"typical", NoticeColleagueActivity{Kind: "visit", Account: s(zh, "Huaxin Mining", "华鑫矿业"), AccountID: 12, Contact: s(zh, "Li Gang", "李刚"), Notes: s(zh, "wants 2x 320D", "要2台320D"), By: wang}},
			{"no notes", NoticeColleagueActivity{Kind: "call", Account: acme, AccountID: 12, By: wang}},
			{"longest", NoticeColleagueActivity{Kind: "meeting", Account: longAcct(zh), AccountID: 100012, Contact: ouyang, Notes: s(zh, "wants 2x 320D and financing over 3 years; quote next week", "要2台320D，三年分期；下周报价"), By: s(zh, "Sun Xiaodong", "孙晓东")}},
		},
		"notice_contact_removed": {
			{"typical", NoticeContactRemoved{Contact: s(zh, "Li Wei", "李伟"), Account: acme, Reason: s(zh, "left", "离职"), Requester: wang, By: liu}},
			{"longest", NoticeContactRemoved{Contact: ouyang, Account: longAcct(zh), Reason: s(zh, "retired at the end of the year", "年底退休"), Requester: s(zh, "Sun Xiaodong", "孙晓东"), By: ouyang}},
		},
		"notice_approval": {
			{"typical", NoticeApproval{ID: 88, Subject: s(zh, "remove contact Li Wei (left)", "删除联系人李伟（离职）"), By: wang}},
			{"longest", NoticeApproval{ID: 100088, Subject: s(zh, "remove contact Ouyang Zhongming of ", "删除联系人欧阳中明，") + longAcct(zh), By: s(zh, "Sun Xiaodong", "孙晓东")}},
		},
		"notice_decided": {
			{"typical", NoticeDecided{ID: 88, Subject: s(zh, "remove contact Li Wei (left)", "删除联系人李伟（离职）"), Approved: true, By: liu}},
			{"refused", NoticeDecided{ID: 88, Subject: s(zh, "remove contact Li Wei (left)", "删除联系人李伟（离职）"), By: liu}},
			{"longest", NoticeDecided{ID: 100088, Subject: s(zh, "remove contact Ouyang Zhongming of ", "删除联系人欧阳中明，") + longAcct(zh), Approved: false, By: ouyang}},
		},
		"read_as": {
			{"typical", ReadAs{Typed: "VSIT", Verb: "VISIT", VerbZH: "拜访"}},
			{"longest", ReadAs{Typed: "cntct", Verb: "CONTACT", VerbZH: "联系人"}},
		},
		"kept_note": {
			{"typical", ReadAs{Kept: s(zh, "oil leak at boom", "漏油")}},
			{"longest", ReadAs{Kept: s(zh, "he knows the purchasing manager from the expo", "他在展会上认识采购经理")}},
		},
		"day_reminder": {
			{"typical", DayReminder{Count: 2, Date: at(11, 25, 0, 0), First: items}},
			{"one", DayReminder{Count: 1, Date: at(11, 25, 0, 0), First: items[:1]}},
			{"overdue", DayReminder{Count: 3, Overdue: 1, Date: at(11, 25, 0, 0), First: []Item{items[0], {ID: 19, Due: at(11, 27, 15, 0), HasTime: true, Kind: "call", Account: acme}}}},
			{"longest", DayReminder{Count: 12, Overdue: 12, Date: at(11, 25, 0, 0), First: longItems[:2]}},
		},
		"notice_phone_changed": {
			{"typical", NoticePhoneChanged{Account: acme, Old: "024-22334455", New: "024-22335566", By: wang}},
			{"longest", NoticePhoneChanged{Account: longAcct(zh), Old: "+86-411-88886666", New: "+86-411-88887777", By: ouyang}},
		},
		"notice_inactive": {
			{"typical", NoticeInactive{Account: acme, Reason: s(zh, "company closed", "公司已关闭"), By: wang}},
			{"longest", NoticeInactive{Account: longAcct(zh), Reason: s(zh, "merged into Shenyang Northern Mining Group in October.", "10月并入沈阳北方矿业集团"), By: ouyang}},
		},
		"job_overdue": {
			{"typical", JobOverdue{Item: Item{ID: 12, Due: at(11, 23, 0, 0), Kind: "task", Subject: s(zh, "quote", "报价"), Account: s(zh, "Anshan Steel", "鞍山钢铁")}, Date: at(11, 25, 9, 15)}},
			{"today", JobOverdue{Item: items[0], Date: at(11, 25, 11, 15)}},
			{"three", JobOverdue{Item: items[0], More: append(items[1:2:2], longOverdue[0]), Date: at(11, 25, 15, 15)}},
			{"many", JobOverdue{Item: items[0], More: items[1:2], Others: 4, Date: at(11, 25, 15, 15)}},
			{"longest", JobOverdue{Item: Item{ID: 100017, Due: at(11, 18, 9, 30), HasTime: true, Kind: "meeting", Account: longAcct(zh), Subject: s(zh, "bring brochure and price list for 336", "带336的宣传册和价格表"), Urgent: true}, Date: at(11, 25, 9, 15)}},
		},
		"job_escalation": {
			{"typical", JobEscalation{Item: Item{ID: 17, Kind: "visit", Account: acme}, Owner: wang, AssignedAt: at(11, 21, 10, 0), Days: 3}},
			{"urgent", JobEscalation{Item: Item{ID: 18, Kind: "call", Account: acme, Urgent: true}, Owner: wang, AssignedAt: at(11, 24, 10, 0), Days: 1}},
			{"again", JobEscalation{Item: Item{ID: 17, Kind: "visit", Account: acme}, Owner: wang, AssignedAt: at(11, 14, 10, 0), Days: 10, Again: true}},
			{"longest", JobEscalation{Item: Item{ID: 100017, Kind: "meeting", Account: longAcct(zh), Subject: s(zh, "bring the 320D brochure and financing offer", "带320D宣传册和融资方案"), Urgent: true}, Owner: ouyang, AssignedAt: at(11, 14, 10, 0), Days: 11, Again: true}},
		},
		"job_takeback": {
			{"typical", JobTakeBack{Item: Item{ID: 17, Kind: "visit", Account: acme}, NewID: 245, Owner: wang, Manager: liu, Days: 15}},
			{"longest", JobTakeBack{Item: Item{ID: 100017, Kind: "meeting", Account: longAcct(zh)}, NewID: 100245, Owner: ouyang, Manager: ouyang, Days: 15}},
		},
		"job_takeback_manager": {
			{"typical", JobTakeBack{Item: Item{ID: 17, Kind: "visit", Account: acme}, NewID: 245, Owner: wang, Manager: liu, Days: 15}},
			{"longest", JobTakeBack{Item: Item{ID: 100017, Kind: "meeting", Account: longAcct(zh)}, NewID: 100245, Owner: ouyang, Manager: ouyang, Days: 15}},
		},
		"job_summary": {
			{"typical", JobSummary{Name: wang, Date: at(11, 25, 6, 30), Today: items, First: items, Overdue: longOverdue[:1], More: 1}},
			{"only overdue", JobSummary{Name: wang, Date: at(11, 25, 6, 30), Overdue: longOverdue[:1], First: longOverdue[:1]}},
			{"one", JobSummary{Name: wang, Date: at(11, 25, 6, 30), Today: items[:1], First: items[:1], Later: 4}},
			{"longest", JobSummary{Name: ouyang, Date: at(11, 25, 6, 30), Today: longItems, Overdue: longOverdue, First: longItems[:2], More: 6, Later: 12}},
			{"longest ids", JobSummary{Name: ouyang, Date: at(11, 25, 6, 30), Today: longItems, Overdue: longOverdue,
				First: []Item{{ID: 100017, Due: at(11, 25, 9, 30), HasTime: true, Kind: "meeting", Account: longAcct(zh), Urgent: true}, {ID: 100018, Due: at(11, 25, 11, 0), HasTime: true, Kind: "revisit", Account: s(zh, "Shenyang Northern Mining Group", "沈阳北方矿业集团")}},
				More:  123456, Later: 12}},
		},
		"job_digest": {
			{"typical", JobDigest{Name: liu, Date: at(11, 24, 0, 0), Visits: 7, Calls: 12, NewLeads: 2, OverdueN: 3, EscalatedN: 1, Opps: 14, Amount: 1_250_000_000, OppsChange: 2}},
			{"first", JobDigest{Name: liu, Date: at(11, 24, 0, 0), Visits: 1, Calls: 0, NewLeads: 1, Opps: 1, Amount: 35_000_000, First: true}},
			{"longest", JobDigest{Name: ouyang, Date: at(11, 24, 0, 0), Visits: 1234, Calls: 5678, NewLeads: 999, OverdueN: 4321, EscalatedN: 876, Opps: 12345, Amount: 987_654_321_000, OppsChange: -1234}},
		},
	}
}

func emailCases(zh bool) map[string][]variant {
	return map[string][]variant{
		"job_summary": {
			{"typical", JobSummary{Name: s(zh, "Wang Jun", "王军"), Date: at(11, 25, 6, 30),
				Today:   []Item{{ID: 17, Due: at(11, 25, 10, 0), HasTime: true, Kind: "visit", Account: s(zh, "ACME Mining", "华鑫矿业"), Subject: s(zh, "demo 320D", "试机")}, {ID: 18, Due: at(11, 25, 18, 0), Kind: "call", Account: s(zh, "Huaxin Quarry", "鑫源建筑"), Urgent: true}},
				Overdue: []Item{{ID: 12, Due: at(11, 23, 18, 0), Kind: "task", Account: s(zh, "Anshan Steel", "鞍山钢铁"), Subject: s(zh, "quote <2x 950H> & financing", "2台950H报价<含融资>")}}, Later: 4}},
			{"only overdue", JobSummary{Name: s(zh, "Wang Jun", "王军"), Date: at(11, 25, 6, 30),
				Overdue: []Item{{ID: 12, Due: at(11, 24, 18, 0), Kind: "task", Account: s(zh, "Anshan Steel", "鞍山钢铁")}}}},
		},
		"job_digest": {
			{"typical", JobDigest{Name: s(zh, "Liu Jianguo", "刘建国"), Date: at(11, 24, 0, 0),
				Rows:      []JobDigestRow{{s(zh, "Li Na", "李娜"), 3, 5, 1, 6, 1, 0}, {s(zh, "Wang Jun", "王军"), 2, 1, 0, 4, 1, 1}},
				Leads:     []JobLeadItem{{51, s(zh, "Huaxin Mining", "华鑫矿业"), s(zh, "Li Gang", "李刚"), s(zh, "Wang Jun", "王军")}},
				Overdue:   []JobDigestItem{{Item{ID: 12, Due: at(11, 23, 18, 0), Kind: "task", Account: s(zh, "Anshan Steel", "鞍山钢铁"), Subject: s(zh, "quote", "报价")}, s(zh, "Li Na", "李娜"), 2}, {Item{ID: 17, Due: at(11, 24, 10, 0), HasTime: true, Kind: "visit", Account: s(zh, "ACME Mining", "华鑫矿业")}, s(zh, "Wang Jun", "王军"), 1}},
				Escalated: []JobDigestItem{{Item{ID: 17, Due: at(11, 24, 10, 0), HasTime: true, Kind: "visit", Account: s(zh, "ACME Mining", "华鑫矿业")}, s(zh, "Wang Jun", "王军"), 1}},
				Stages:    []JobStageRow{{"identification", 5, 310_000_000, 1}, {"qualification", 4, 280_000_000, 0}, {"development", 2, 190_000_000, -1}, {"proposal", 3, 420_000_000, 2}},
				Visits:    5, Calls: 6, NewLeads: 1, OverdueN: 2, EscalatedN: 1, Opps: 14, Amount: 1_200_000_000, OppsChange: 2}},
			{"first, quiet day", JobDigest{Name: s(zh, "Liu Jianguo", "刘建国"), Date: at(11, 24, 0, 0), First: true,
				Rows:   []JobDigestRow{{Name: s(zh, "Li Na", "李娜")}},
				Stages: []JobStageRow{{"identification", 0, 0, 0}, {"qualification", 0, 0, 0}, {"development", 0, 0, 0}, {"proposal", 0, 0, 0}}}},
		},
		"report_weekly": reportEmailCases(zh),
		"reply": {
			{"typical", Reply{Lines: []ReplyLine{
				{s(zh, "VISIT acme; met Zhang Wei; wants 2 x 320D; next: quote fri", "拜访 华鑫矿业；见了张伟；要2台320D；下周五报价"), s(zh, "OK visit #231 ACME Mining, Zhang Wei. Next: quote Fri 28/11 #232. UNDO to undo", "已记录拜访 #231 华鑫矿业，张伟。下次：报价 11月28日周五 #232。回复撤销可撤回")},
				{s(zh, "OPP #42 won 1.2m", "商机 #42 赢单 120万"), s(zh, "OK opp #42 ACME Mining 2x 320D WON, 1.2m. Well done! UNDO to undo", "商机 #42 华鑫矿业 2x 320D 赢单 120万，恭喜！回复撤销可撤回")},
				{"<script>alert(1)</script> & co", s(zh, `Not understood: "<script>alert(1)</script>". Try: HELP`, "没看懂：“<script>alert(1)</script>”。格式：帮助")},
			}}},
			{"with notes", Reply{Lines: []ReplyLine{{s(zh, "DOC acme; signed contract", "文档 华鑫矿业；合同"), s(zh, "OK 2 documents filed under ACME Mining #12.", "已为华鑫矿业 #12 存档2个文档。")}},
				Notes: []string{s(zh, "contract.pdf (#D31), photo.jpg (#D32)", "合同.pdf（#D31），照片.jpg（#D32）"), s(zh, "big.zip not filed: 14 MB, a document may be at most 10 MB.", "big.zip 未存档：14MB，每个文档最大10MB。")}, Cut: 4, Read: 30}},
		},
		"mail_refused": {
			{"unverified", MailRefused{Why: "unverified", Subject: s(zh, "VISIT acme; met Zhang", "拜访 华鑫矿业"), From: "wang.jun@dealer.example"}},
			{"unknown", MailRefused{Why: "unknown", Subject: "hello", From: "someone@example.com"}},
			{"unreadable", MailRefused{Why: "unreadable", From: "wang.jun@dealer.example"}},
			{"failed", MailRefused{Why: "failed", Subject: s(zh, "today's visits", "今天的拜访"), From: "wang.jun@dealer.example"}},
			{"too big", MailRefused{Why: "too_big", Subject: s(zh, "photos", "照片"), From: "wang.jun@dealer.example", MaxMB: 25, DocMB: 10}},
			{"empty", MailRefused{Why: "empty", Subject: "Re: fieldcrm team digest", From: "wang.jun@dealer.example"}},
		},
		"notice": {
			{"typical", Notice{
				Subject: s(zh, "fieldcrm: today 25/11, 3 activities, 1 overdue", "fieldcrm：11月25日 3项活动，1项逾期"),
				Lines:   []string{s(zh, "Good morning Wang Jun. Your day:", "王军，早上好。今天的安排：")},
				Items: []NoticeItem{
					{"A17", s(zh, "10:00 visit ACME Mining: demo 320D", "10:00 拜访 华鑫矿业：试机")},
					{"A18", s(zh, "call Huaxin Quarry", "电话 鑫源建筑")},
					{"A12", s(zh, "overdue 2 days: quote Anshan Steel", "逾期2天：鞍山钢铁报价")},
				}}},
			{"no items", Notice{Subject: s(zh, "fieldcrm: account #12 inactive", "fieldcrm：客户 #12 已停用"),
				Lines: []string{s(zh, "Wang Jun made ACME Mining #12 inactive: company closed.", "王军已停用客户华鑫矿业 #12：公司已关闭。"), s(zh, "Credit department: please close its credit line.", "信用部：请关闭其信用额度。")}}},
		},
	}
}

// smsLimit is the most segments each SMS template may take with the
// longest realistic data, per locale. The list templates (today, opps, acct,
// find, funnel, team) are passed through Page(text, 2, More(locale)), so each
// page fits 2; for them the limit applies to every page.
var smsLimit = map[string][2]int{ // name → {en, zh}
	"ok_activity": {1, 2}, "ok_planned": {2, 2}, "ok_done": {1, 2}, "ok_rejected": {1, 1},
	"ok_lead": {1, 2}, "ok_contact": {1, 1}, "ok_account": {2, 2}, "ok_opp": {2, 2},
	"ok_equipment": {1, 2}, "ok_note": {1, 1}, "ok_assign": {2, 2}, "ok_approve": {1, 1},
	"ok_resp": {1, 1}, "ok_doc": {3, 4}, "ok_campaign": {1, 1}, "ok_undo": {1, 1}, "ok_stop": {1, 1}, "ok_start": {1, 1}, "ok_pending": {2, 1},
	"opted_out": {1, 1}, "err": {2, 1}, "err_conflict": {1, 1}, "err_did_you_mean": {1, 1}, "err_forbidden": {1, 1},
	"err_not_found": {1, 1}, "err_internal": {1, 1}, "choose": {1, 1}, "not_registered": {1, 1}, "signin_code": {1, 1},
	"help": {1, 1}, "today": {2, 2}, "opps": {2, 2}, "acct": {2, 2}, "find": {2, 2},
	"funnel": {2, 2}, "team": {2, 2}, "notice_assigned": {2, 2}, "notice_rejected": {2, 2}, "notice_unassigned": {2, 1},
	"notice_lead": {1, 1}, "notice_account": {1, 1}, "notice_equipment_missing": {1, 1},
	"notice_approval": {2, 1}, "notice_decided": {1, 1}, "day_reminder": {1, 1}, "read_as": {1, 1}, "kept_note": {1, 1},
	"notice_phone_changed": {1, 1}, "notice_inactive": {1, 1},
	"notice_colleague_activity": {2, 2}, "notice_contact_removed": {2, 2},
	"ok_extend": {1, 1}, "ok_ack": {1, 1}, "lost": {2, 2}, "nothing_more": {1, 1},
	"job_overdue": {1, 1}, "job_escalation": {1, 1}, "job_takeback": {1, 1}, "job_takeback_manager": {1, 1},
	"job_summary": {1, 1}, "job_digest": {1, 1},
}

// paged are the templates whose answers go through Page.
var paged = map[string]bool{"today": true, "opps": true, "acct": true, "find": true, "funnel": true, "team": true, "lost": true}

func describe(text string) string {
	n, enc := templates.Segments(text)
	return fmt.Sprintf("%d segment(s), %s, %d chars", n, enc, len([]rune(text)))
}

func TestGoldenSMS(t *testing.T) {
	set := templates.MustNew()
	for _, loc := range templates.Locales {
		zh := loc == "zh"
		cases := smsCases(zh)
		for _, name := range set.SMSNames(loc) {
			vs, ok := cases[name]
			if !ok {
				t.Errorf("sms/%s/%s: no golden test case", loc, name)
				continue
			}
			limit, ok := smsLimit[name]
			if !ok {
				t.Errorf("sms %s: no segment limit in smsLimit", name)
				continue
			}
			max := limit[0]
			if zh {
				max = limit[1]
			}
			t.Run(loc+"/"+name, func(t *testing.T) {
				var b strings.Builder
				for _, v := range vs {
					out, err := set.SMS(loc, name, v.data)
					if err != nil {
						t.Fatalf("%s: %v", v.label, err)
					}
					if strings.Contains(out, "<no value>") || strings.Contains(out, "%!") {
						t.Errorf("%s: bad output %q", v.label, out)
					}
					pages := []string{out}
					if paged[name] {
						first, rest := templates.Page(out, 2, templates.More(loc))
						pages = append([]string{first}, rest...)
					}
					fmt.Fprintf(&b, "--- %s: %s\n", v.label, describe(out))
					if len(pages) > 1 {
						for i, p := range pages {
							fmt.Fprintf(&b, "--- page %d: %s\n%s\n", i+1, describe(p), p)
						}
					} else {
						b.WriteString(out + "\n")
					}
					for i, p := range pages {
						if n, enc := templates.Segments(p); n > max {
							t.Errorf("%s (page %d): %d %s segments, want at most %d:\n%s", v.label, i+1, n, enc, max, p)
						}
					}
					if !zh {
						if _, enc := templates.Segments(out); enc != templates.GSM7 {
							t.Errorf("%s: English text is %s, want GSM-7:\n%s", v.label, enc, out)
						}
					}
				}
				golden(t, filepath.Join("testdata", "golden", "sms", loc, name+".txt"), b.String())
			})
		}
	}
}

func TestGoldenEmail(t *testing.T) {
	set := templates.MustNew()
	for _, loc := range templates.Locales {
		cases := emailCases(loc == "zh")
		for _, name := range set.EmailNames(loc) {
			vs, ok := cases[name]
			if !ok {
				t.Errorf("email/%s/%s: no golden test case", loc, name)
				continue
			}
			t.Run(loc+"/"+name, func(t *testing.T) {
				var b strings.Builder
				for _, v := range vs {
					subj, text, html, err := set.Email(loc, name, v.data)
					if err != nil {
						t.Fatalf("%s: %v", v.label, err)
					}
					if strings.Contains(html, "<script>") {
						t.Errorf("%s: HTML not escaped", v.label)
					}
					fmt.Fprintf(&b, "=== %s\n--- subject\n%s\n--- text\n%s--- html\n%s\n", v.label, subj, text, html)
				}
				golden(t, filepath.Join("testdata", "golden", "email", loc, name+".txt"), b.String())
			})
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./templates -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./templates -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// reportEmailCases are the variants of report_weekly (crm/report.Email).
func reportEmailCases(zh bool) []variant {
	stages := []ReportStage{{"identification", 5, 310_000_000, 31_000_000}, {"qualification", 4, 280_000_000, 70_000_000},
		{"development", 2, 190_000_000, 95_000_000}, {"proposal", 3, 420_000_000, 315_000_000}, {"won", 1, 120_000_000, 120_000_000},
		{"lost", 1, 95_000_000, 0}, {"nodeal", 0, 0, 0}}
	return []variant{
		{"weekly", ReportEmail{Name: s(zh, "Liu Jianguo", "刘建国"), From: at(11, 17, 0, 0), To: at(11, 23, 0, 0), Week: 47,
			Stages: stages, Open: ReportStage{"open", 14, 1_200_000_000, 511_000_000},
			Rows:   []ReportSalesman{{s(zh, "Li Na", "李娜"), 8, 14, 2, 1, 25, 6, 1}, {s(zh, "Wang Jun", "王军"), 0, 0, 0, 0, 0, 4, 2}},
			Months: []ReportMonth{{"2026-12", 3, 420_000_000, 315_000_000}, {"2027-01", 2, 190_000_000, 95_000_000}, {"none", 9, 590_000_000, 101_000_000}},
			Lost:   []ReportLost{{s(zh, "ACME Mining 2x 320D", "华鑫矿业 2x 320D"), s(zh, "ACME Mining <Group> & Co", "华鑫矿业"), "Komatsu", s(zh, "price", "价格"), 95_000_000}},
			Won:    1, WonAmt: 120_000_000, Closed: 2, CloseRate: 50, Active: 1, Salesmen: 2, Participation: 50, ChartCID: "report-chart",
			Unit: s(zh, "¥ million", "万元"), UnitYuan: map[bool]int64{false: 1_000_000, true: 10_000}[zh], UnitDecimals: map[bool]int{false: 2, true: 1}[zh]}},
		{"monthly, no team, no chart", ReportEmail{Name: s(zh, "Zhao Min", "赵敏"), Monthly: true, From: at(10, 1, 0, 0), To: at(10, 31, 0, 0), Week: 40,
			Stages: stages[:0:0], Open: ReportStage{Stage: "open"}, Unit: s(zh, "¥", "元"), UnitYuan: 1}},
	}
}
