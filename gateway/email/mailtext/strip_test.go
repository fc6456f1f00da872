package mailtext

import "testing"

func TestStrip(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"nothing quoted is unchanged",
			"A17 done\nA18 assign li\n\nNEW LEAD Hengyuan 13901395136",
			"A17 done\nA18 assign li\n\nNEW LEAD Hengyuan 13901395136"},
		{"double dash inside a line survives",
			"DONE #17 met purchasing -- next: call mon\nA17 done -- wants quote",
			"DONE #17 met purchasing -- next: call mon\nA17 done -- wants quote"},
		{"From Monday line survives",
			"From Monday on I cover the Dalian branch.\nFrom: the plant, 3 units shipped\nA19 done",
			"From Monday on I cover the Dalian branch.\nFrom: the plant, 3 units shipped\nA19 done"},
		{"signature delimiter",
			"A17 done\n-- \nWang Jun\nSales, Shenyang",
			"A17 done"},
		{"bare double dash signature",
			"A17 done\n--\nWang Jun",
			"A17 done"},
		{"gmail one line",
			"ok\n\nOn Mon, Nov 23, 2026 at 9:14 AM Liu Yang <liu@x.com> wrote:\n> hi",
			"ok"},
		{"gmail header wrapped before wrote",
			"ok\n\nOn Mon, Nov 23, 2026 at 9:14 AM Liu Yang <liu.yang@nhe-machinery.com>\nwrote:\n\n> hi\n",
			"ok"},
		{"gmail header wrapped inside the address",
			"ok\n\nOn Mon, Nov 23, 2026 at 9:14 AM Liu Yang <\nliu.yang@nhe-machinery.com> wrote:\n> hi",
			"ok"},
		{"attribution without quote below cuts",
			"ok\n\nOn Mon, Nov 23, 2026 at 9:14 AM Liu Yang <liu@x.com> wrote:\nPlease visit ACME.",
			"ok"},
		{"own text ending in wrote is kept",
			"The buyer wrote:\nwe need 2 loaders",
			"The buyer wrote:\nwe need 2 loaders"},
		{"chinese gmail",
			"好的\n\n2026年11月23日周一 09:14，刘洋 <liu@x.com> 写道：\n\n> 请拜访",
			"好的"},
		{"outlook block",
			"ok\n\nFrom: Liu Yang <liu@x.com>\nSent: Monday, November 23, 2026 9:14 AM\nTo: Wang Jun\nSubject: x\n\nold",
			"ok"},
		{"outlook zh full-width colons",
			"好的\n\n发件人： 刘洋\n发送时间： 2026年11月23日 9:14\n收件人： 王军\n主题： 拜访\n\n旧邮件",
			"好的"},
		{"original message separator",
			"ok\n-----Original Message-----\nFrom: a\nold",
			"ok"},
		{"qq original with nbsp entity",
			"收到\n------------------&nbsp;Original&nbsp;------------------\nFrom: a",
			"收到"},
		{"qq 原始邮件",
			"收到\n\n------------------ 原始邮件 ------------------\n发件人: a",
			"收到"},
		{"underscore line before header block",
			"ok\n________________________________\nFrom: Liu\nSent: Monday\n",
			"ok"},
		{"underscore line in own text is kept",
			"Order list\n____________\nA17 done",
			"Order list\n____________\nA17 done"},
		{"forward keeps note",
			"please assign\n\n---------- Forwarded message ---------\nFrom: x",
			"please assign"},
		{"apple forward",
			"FYI\n\nBegin forwarded message:\n\nFrom: x",
			"FYI"},
		{"mobile footers",
			"a\n\nSent from my iPhone\n\n> On 23 Nov 2026, at 09:14, L <l@x> wrote:\n> q",
			"a"},
		{"chinese footers",
			"好\n发自我的iPhone", "好"},
		{"chinese footer 从我的 iPhone 发送",
			"好\n\n从我的 iPhone 发送", "好"},
		{"get outlook with link",
			"a\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n________________________________\nFrom: x\nSent: y",
			"a"},
		{"bottom posted keeps text below quote",
			"On 11/23/26 9:14 AM, Liu Yang wrote:\n> q1\n> q2\n\nanswer 1\nanswer 2\n-- \nsig",
			"answer 1\nanswer 2"},
		{"interleaved",
			"> q1\na1\n\n> q2\n\na2",
			"a1\n\na2"},
		{"thunderbird",
			"done\n\nOn 11/23/26 9:14 AM, Liu Yang wrote:\n> x",
			"done"},
		{"trailing blank lines trimmed",
			"a\nb\n\n\n", "a\nb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Strip(tt.in); got != tt.want {
				t.Errorf("Strip(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripSignOff(t *testing.T) {
	names := []string{"Zhao Lei", "赵磊", "zhao.lei"}
	tests := []struct{ in, want string }{
		{"TODAY\nZhao", "TODAY"},
		{"TODAY\n\nZhao Lei\n", "TODAY"},
		{"A17 done met purchasing\nThanks,\nZhao", "A17 done met purchasing"},
		{"A17 done\nThanks, Zhao", "A17 done"},
		{"A17 done\n- Zhao L.", "A17 done"},
		{"A17 done\nBest regards\nLei Zhao", "A17 done"},
		{"A17 完成\n谢谢\n赵磊", "A17 完成"},
		{"A17 done\nzhao", "A17 done"},
		{"Zhao", "Zhao"},                                                       // a one-line mail is left to be answered
		{"TODAY\nOPPS", "TODAY\nOPPS"},                                         // a command on the last line stays
		{"TODAY\nZhao Gang visit tomorrow", "TODAY\nZhao Gang visit tomorrow"}, // not only his name
		{"TODAY\nThanks Zhang Wei will call", "TODAY\nThanks Zhang Wei will call"},
		{"TODAY\nWang", "TODAY\nWang"}, // somebody else's name: left for the parser to answer
		{"TODAY\nbrochure", "TODAY\nbrochure"},
		{"TODAY\nBest price asked", "TODAY\nBest price asked"},
	}
	for _, tt := range tests {
		if got := StripSignOff(tt.in, names...); got != tt.want {
			t.Errorf("StripSignOff(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := StripSignOff("TODAY\nZhao"); got != "TODAY\nZhao" {
		t.Errorf("without names: %q", got)
	}
}
