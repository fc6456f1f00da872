package mailtext

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureCase holds expectations beyond the .want file for one fixture;
// empty fields are not checked.
type fixtureCase struct {
	subject, from, fromName, messageID string
	htmlOnly                           bool
	atts                               []string // attachment names, in order
	inline                             []bool
	auto                               string // Auto reason; "" = not auto
}

var fixtureCases = map[string]fixtureCase{
	"01-gmail-reply-en":        {subject: "Re: ACME Mining visit", from: "wang.jun.nhe@gmail.com", fromName: "Wang Jun", messageID: "CAK9f2QW=7yR+gm1Lq3oZ0xVbN8s@mail.gmail.com"},
	"02-gmail-reply-zh":        {subject: "Re: 拜访安排", from: "wang.jun.nhe@gmail.com", fromName: "王军"},
	"03-outlook-desktop-en":    {subject: "RE: Hengyuan loader", from: "wang.jun@nhe-machinery.com", fromName: "Wang Jun", messageID: "000c01db3d5f$1a2b3c40$4e81b4c0$@nhe-machinery.com"},
	"04-outlook-web":           {subject: "Re: Dongfang order", from: "wangjun.sales@outlook.com"},
	"05-outlook-zh":            {subject: "答复: 东方机械来访", fromName: "王军"},
	"06-apple-iphone":          {subject: "Re: ACME visit", messageID: "8F2C1D3E-4A5B-4C6D-9E8F-1A2B3C4D5E6F@nhe-machinery.com"},
	"07-thunderbird":           {subject: "Re: Hengyuan quote"},
	"08-qqmail-reply":          {subject: "回复：拜访东方机械", from: "185012345@qq.com", fromName: "王军"},
	"09-foxmail-reply":         {subject: "Re: SY365 parts"},
	"10-163-gbk":               {subject: "Re:东方矿业拜访", from: "wangjun_sy@163.com", fromName: "王军"},
	"11-gb2312-subject":        {subject: "关于 SY215C 挖掘机的询价", fromName: "赵建国", from: "zhao.jianguo@dongfang-mining.cn"},
	"12-gb18030-body":          {subject: "二手装载机咨询", fromName: "刘䶮"},
	"13-big5-taiwan":           {subject: "詢價：二手挖土機", fromName: "陳志明", from: "chen.zm@hsinhua-const.com.tw"},
	"14-latin1-german":         {subject: "Lieferung Ersatzteile für SY365", fromName: "Klaus Müller"},
	"15-utf8-qp":               {subject: "A28 完成", fromName: "王军"},
	"16-utf8-base64":           {subject: "Re: Hengyuan order"},
	"17-html-only-outlook":     {subject: "RE: Dongfang Mining", htmlOnly: true, atts: []string{"image001.png"}, inline: []bool{true}},
	"18-html-blockquote":       {htmlOnly: true},
	"19-alternative-differ":    {subject: "updates"},
	"20-forward-gmail":         {subject: "Fwd: Demo request"},
	"21-top-posted-samsung":    {subject: "RE: Hengyuan"},
	"22-bottom-posted":         {subject: "Re: Dongfang contract"},
	"23-interleaved":           {messageID: "20261124031018.GA4242@laptop.lan"},
	"24-commands-signature":    {subject: "today"},
	"25-attachment-pdf-zh":     {subject: "报价单 SY215C", atts: []string{"报价单_东方矿业.pdf"}, inline: []bool{false}},
	"26-wrong-charset-usascii": {subject: "Re: 订单确认"},
	"27-wrong-charset-gb2312":  {subject: "镕鑫机械 配件地址", fromName: "刘䶮"},
	"28-digest-reply":          {subject: "Re: Your activities for Tue 24 Nov"},
	"29-apple-iphone-zh":       {subject: "回复：东方矿业", fromName: "王军"},
	"30-forward-rfc822":        {subject: "Fwd: 询价"},
	"31-outlook-android":       {from: "wangjun.sales@outlook.com"},
	"32-bounce-dsn":            {subject: "Undelivered Mail Returned to Sender", from: "mailer-daemon@mx.nhe-machinery.com", auto: "bounce", atts: []string{"part1.txt", "part2.txt"}, inline: []bool{false, false}},
}

// loadFixtures returns the names (without extension) of ../testdata/*.eml.
func loadFixtures(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtureDir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".eml"))
	}
	return names
}

func TestFixtures(t *testing.T) {
	names := loadFixtures(t)
	if len(names) < 25 {
		t.Fatalf("only %d fixtures, want at least 25", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(fixtureDir, name+".eml"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw), "\r\n") {
				t.Errorf("fixture has no CRLF line endings")
			}
			want, err := os.ReadFile(filepath.Join(fixtureDir, name+".want"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Read(raw, Limits{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if m.Reply != string(want) {
				t.Errorf("Reply mismatch\n--- got ---\n%s\n--- want ---\n%s\n--- diff ---\n%s", m.Reply, want, lineDiff(m.Reply, string(want)))
			}
			if strings.Contains(m.Text, "\uFFFD") || strings.Contains(m.Text, "\r") {
				t.Errorf("Text has replacement characters or CR: %q", m.Text)
			}
			checkCase(t, m, fixtureCases[name])
		})
	}
}

// checkCase compares m with the non-empty expectations of c.
func checkCase(t *testing.T, m *Message, c fixtureCase) {
	t.Helper()
	check := func(what, got, want string) {
		if want != "" && got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("Subject", m.Subject, c.subject)
	check("From", m.From, c.from)
	check("FromName", m.FromName, c.fromName)
	check("MessageID", m.MessageID, c.messageID)
	if m.From == "" {
		t.Errorf("From is empty")
	}
	if m.HTMLOnly != c.htmlOnly {
		t.Errorf("HTMLOnly = %v, want %v", m.HTMLOnly, c.htmlOnly)
	}
	if len(m.Attachments) != len(c.atts) {
		t.Errorf("%d attachments, want %d", len(m.Attachments), len(c.atts))
	} else {
		for i, a := range m.Attachments {
			if a.Name != c.atts[i] || a.Inline != c.inline[i] || a.Size == 0 || len(a.Data) != int(a.Size) {
				t.Errorf("attachment %d = %q inline=%v size=%d, want %q inline=%v", i, a.Name, a.Inline, a.Size, c.atts[i], c.inline[i])
			}
		}
	}
	auto, reason := Auto(m)
	if auto != (c.auto != "") || reason != c.auto {
		t.Errorf("Auto = %v %q, want %q", auto, reason, c.auto)
	}
	if m.Date.IsZero() {
		t.Errorf("Date not parsed")
	}
}

// lineDiff marks the lines of got and want that differ.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			b.WriteString("line " + itoa(i+1) + ":\n  got:  " + quoteLine(gl, i < len(g)) + "\n  want: " + quoteLine(wl, i < len(w)) + "\n")
		}
	}
	return b.String()
}

func quoteLine(s string, present bool) string {
	if !present {
		return "(none)"
	}
	return "\"" + s + "\""
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// fixtureDir holds the real-shaped messages: the email gateway's fixture set,
// shared with its other tests.
const fixtureDir = "../testdata"
