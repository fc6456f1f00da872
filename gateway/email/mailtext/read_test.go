package mailtext

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestReadGarbage(t *testing.T) {
	for _, raw := range []string{
		"",
		"\r\n\r\nno header at all",
		"this is not a mail\r\nFrom: Wang Jun <Wang.Jun@nhe-machinery.com>\r\n\r\nhello",
		"\x00\xff\xfe garbage\nFrom: <liu@x.com>",
		"  leading space: x\r\n\r\n",
	} {
		_, err := Read([]byte(raw), Limits{})
		if !errors.Is(err, ErrUnreadable) {
			t.Errorf("Read(%q) error = %v, want ErrUnreadable", raw, err)
		}
	}
	raw := []byte("this is not a mail\r\nFrom: Wang Jun <Wang.Jun@nhe-machinery.com>\r\n\r\nhello")
	if got := FromAddress(raw); got != "wang.jun@nhe-machinery.com" {
		t.Errorf("FromAddress = %q", got)
	}
	if got := FromAddress([]byte("\x00\xff\xfe garbage\nfrom: =?GBK?B?zfW+/A==?=\n <liu@x.com>")); got != "liu@x.com" {
		t.Errorf("FromAddress folded = %q", got)
	}
	if got := FromAddress([]byte("nothing here")); got != "" {
		t.Errorf("FromAddress = %q, want empty", got)
	}
}

func TestReadHeaders(t *testing.T) {
	raw := "From nobody Mon Nov 23 09:00:00 2026\r\n" +
		"Return-Path: <Bounce+X@Mail.Example.com>\r\n" +
		"From: \"Liu, Yang\" <Liu.Yang@NHE-Machinery.com>\r\n" +
		"To: a@x.com, \"B\" <B@x.com>\r\n" +
		"Cc: a@x.com\r\n" +
		"Delivered-To: crm@nhe-machinery.com\r\n" +
		"X-Original-To: CRM@nhe-machinery.com\r\n" +
		"Message-ID: <abc@x.com>\r\n" +
		"In-Reply-To: <p1@x.com> <p2@x.com>\r\n" +
		"References: <p0@x.com>\r\n <p1@x.com>\r\n" +
		"Subject: =?GBK?B?" + base64.StdEncoding.EncodeToString(gbkBytes("拜访")) + "?=\r\n" +
		"\t=?UTF-8?Q?_ACME?=\r\n" +
		"Date: Mon, 23 Nov 2026 09:14:05 +0800 (CST)\r\n" +
		"\r\nhello\r\n"
	m, err := Read([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "liu.yang@nhe-machinery.com" || m.FromName != "Liu, Yang" {
		t.Errorf("From = %q %q", m.From, m.FromName)
	}
	if m.ReturnPath != "bounce+x@mail.example.com" {
		t.Errorf("ReturnPath = %q", m.ReturnPath)
	}
	if got := strings.Join(m.To, ","); got != "a@x.com,b@x.com,crm@nhe-machinery.com" {
		t.Errorf("To = %q", got)
	}
	if m.MessageID != "abc@x.com" || m.InReplyTo != "p1@x.com" || strings.Join(m.References, " ") != "p0@x.com p1@x.com" {
		t.Errorf("ids = %q %q %q", m.MessageID, m.InReplyTo, m.References)
	}
	if m.Subject != "拜访 ACME" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if m.Date.IsZero() || m.Date.Day() != 23 {
		t.Errorf("Date = %v", m.Date)
	}
	if m.Text != "hello" {
		t.Errorf("Text = %q", m.Text)
	}
	if got := m.Header["Subject"]; len(got) != 1 || got[0] != "拜访 ACME" {
		t.Errorf("Header[Subject] = %q", got)
	}
}

func gbkBytes(s string) []byte {
	b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	return b
}

func TestDecodeHeader(t *testing.T) {
	whole := gbkBytes("王军")
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"=?utf-8?q?caf=C3=A9?= au lait", "café au lait"},
		{"=?ISO-8859-1?Q?M=FCller?=", "Müller"},
		// a GBK character split across two encoded words
		{"=?GBK?B?" + base64.StdEncoding.EncodeToString(whole[:3]) + "?= =?GBK?B?" + base64.StdEncoding.EncodeToString(whole[3:]) + "?=", "王军"},
		{"=?x-unknown?B?" + base64.StdEncoding.EncodeToString([]byte("王军")) + "?=", "王军"},
		{"=?us-ascii?B?" + base64.StdEncoding.EncodeToString([]byte("Grüße")) + "?=", "Grüße"},
		{"Re: " + string(gbkBytes("订单确认")), "Re: 订单确认"}, // raw 8-bit GBK header
		{"=?utf-8?B?bad!!?=", "=?utf-8?B?bad!!?="},
	}
	for _, tt := range tests {
		if got := decodeHeader(tt.in); got != tt.want {
			t.Errorf("decodeHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	latin := []byte("Gr\xfc\xdfe aus M\xfcnchen, Klaus M\xfcller")
	tests := []struct {
		name  string
		in    []byte
		label string
		want  string
	}{
		{"latin1 labelled", latin, "iso-8859-1", "Grüße aus München, Klaus Müller"},
		{"latin1 unlabelled", latin, "", "Grüße aus München, Klaus Müller"},
		{"latin1 as us-ascii", latin, "us-ascii", "Grüße aus München, Klaus Müller"},
		{"gbk unknown label", gbkBytes("客户要两台挖掘机报价"), "x-foo", "客户要两台挖掘机报价"},
		{"gbk labelled utf-8", gbkBytes("客户要两台挖掘机报价"), "utf-8", "客户要两台挖掘机报价"},
		{"utf-8 labelled gb2312", []byte("客户要两台挖掘机报价"), "gb2312", "客户要两台挖掘机报价"},
		{"windows-1252 quotes", []byte("\x93quoted\x94"), "windows-1252", "“quoted”"},
		{"quoted label", []byte("abc"), `"UTF-8"`, "abc"},
	}
	for _, tt := range tests {
		if got := decodeText(tt.in, tt.label); got != tt.want {
			t.Errorf("%s: decodeText = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParams(t *testing.T) {
	gbkName := "%" + strings.ToUpper(strings.Join(hexBytes(gbkBytes("报价单.pdf")), "%"))
	tests := []struct{ in, want string }{
		{`attachment; filename="a b.pdf"`, "a b.pdf"},
		{`attachment; filename*=UTF-8''%E6%8A%A5%E4%BB%B7.pdf`, "报价.pdf"},
		{`attachment; filename*=GBK''` + gbkName, "报价单.pdf"},
		{`attachment; filename*0="long "; filename*1="name.pdf"`, "long name.pdf"},
		{`attachment; filename*0*=utf-8''%E6%8A%A5; filename*1*=%E4%BB%B7.pdf`, "报价.pdf"},
		{`attachment; filename="=?UTF-8?B?5oql5Lu3LnBkZg==?="`, "报价.pdf"},
		{`attachment; filename="semi;colon.pdf"; size=3`, "semi;colon.pdf"},
	}
	for _, tt := range tests {
		if _, ps := params(tt.in); ps["filename"] != tt.want {
			t.Errorf("params(%q) filename = %q, want %q", tt.in, ps["filename"], tt.want)
		}
	}
}

func hexBytes(b []byte) []string {
	const digits = "0123456789abcdef"
	var out []string
	for _, c := range b {
		out = append(out, string([]byte{digits[c>>4], digits[c&15]}))
	}
	return out
}

func TestLimits(t *testing.T) {
	t.Run("text truncated on a rune boundary", func(t *testing.T) {
		body := strings.Repeat("挖掘机", 30000) // 270000 bytes
		raw := "From: a@b.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
		m, err := Read([]byte(raw), Limits{MaxText: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Truncated || len(m.Text) > 1000 || len(m.Text) < 997 || !utf8.ValidString(m.Text) {
			t.Errorf("Truncated=%v len=%d valid=%v", m.Truncated, len(m.Text), utf8.ValidString(m.Text))
		}
		m, _ = Read([]byte(raw), Limits{})
		if !m.Truncated || len(m.Text) > DefaultMaxText {
			t.Errorf("default limit: Truncated=%v len=%d", m.Truncated, len(m.Text))
		}
	})
	t.Run("big attachment and count", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("From: a@b.com\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee files\r\n")
		for i := 0; i < 5; i++ {
			size := 100
			if i == 0 {
				size = 5000
			}
			b.WriteString("--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=f" + string(rune('0'+i)) + ".bin\r\nContent-Transfer-Encoding: base64\r\n\r\n")
			b.WriteString(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i)}, size)) + "\r\n")
		}
		b.WriteString("--XX--\r\n")
		m, err := Read([]byte(b.String()), Limits{MaxAttachment: 1000, MaxAttachments: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 3 || m.DroppedAttachments != 2 {
			t.Fatalf("%d attachments kept, %d dropped", len(m.Attachments), m.DroppedAttachments)
		}
		a := m.Attachments[0]
		if !a.TooBig || a.Data != nil || a.Size != 5000 || a.Name != "f0.bin" {
			t.Errorf("big attachment = %+v", a)
		}
		if a := m.Attachments[1]; a.TooBig || len(a.Data) != 100 || a.Name != "f1.bin" {
			t.Errorf("small attachment = %q %d %v", a.Name, len(a.Data), a.TooBig)
		}
		if m.Text != "see files" {
			t.Errorf("Text = %q", m.Text)
		}
	})
}

func TestReadStructure(t *testing.T) {
	tests := []struct{ name, raw, text string }{
		{"missing closing boundary",
			"From: a@b.com\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nplain text\n--b\nContent-Type: text/html\n\n<p>html</p>\n",
			"plain text"},
		{"empty plain falls back to html",
			"From: a@b.com\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\n \n--b\nContent-Type: text/html\n\n<p>from html</p>\n--b--\n",
			"from html"},
		{"no boundary parameter",
			"From: a@b.com\nContent-Type: multipart/mixed\n\njust text\n",
			"just text"},
		{"missing blank line after header",
			"From: a@b.com\nSubject: x\nA17 done\nA18 done\n",
			"A17 done\nA18 done"},
		{"nested multipart",
			"From: a@b.com\nContent-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/related; boundary=r\n\n--r\nContent-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nA17 =E5=AE=8C=E6=88=90 long=\n line\n--a--\n--r--\n--o--\n",
			"A17 完成 long line"},
		{"html entities and script",
			"From: a@b.com\nContent-Type: text/html\n\n<html><head><title>t</title><script>x()</script></head><body><p>a &amp; b&nbsp;&lt;c&gt;</p><ul><li>one</li><li>two</li></ul></body></html>",
			"a & b <c>\n- one\n- two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Read([]byte(tt.raw), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != tt.text {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
		})
	}
}

func TestReadDeepNesting(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@b.com\r\n")
	for i := 0; i < 200; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + itoa(i) + "\r\n\r\n--b" + itoa(i) + "\r\n")
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	m, err := Read([]byte(b.String()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "" {
		t.Errorf("text below the depth limit was read: %q", m.Text)
	}
}

// FuzzRead checks that Read never panics and keeps its promises on any
// input. It is seeded with the fixtures.
func FuzzRead(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtureDir, "*.eml"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		lim := Limits{MaxText: 4096, MaxAttachment: 1 << 16, MaxAttachments: 3}
		m, err := Read(raw, lim)
		FromAddress(raw)
		if err != nil {
			return
		}
		if len(m.Text) > lim.MaxText || !utf8.ValidString(m.Text) || !utf8.ValidString(m.Reply) || !utf8.ValidString(m.Subject) {
			t.Fatalf("bad text: len=%d", len(m.Text))
		}
		if len(m.Attachments) > lim.MaxAttachments {
			t.Fatalf("%d attachments", len(m.Attachments))
		}
		Auto(m)
		Authenticated(m, "mx.nhe-machinery.com")
	})
}

// BenchmarkRead reads every fixture once per iteration and reports
// messages per second.
func BenchmarkRead(b *testing.B) {
	paths, _ := filepath.Glob(filepath.Join(fixtureDir, "*.eml"))
	var raws [][]byte
	for _, p := range paths {
		r, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, r)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range raws {
			if _, err := Read(r, Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(raws))/b.Elapsed().Seconds(), "msgs/s")
}
