package smtpsend

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fieldcrm/fieldcrm/gateway/email/emailtest"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

func TestPlainText(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	e := testEntry(1)
	id := send(t, s, e)

	r := waitOne(t, srv, 1)
	if r.From != "crm@dealer.example" || len(r.To) != 1 || r.To[0] != testTo {
		t.Errorf("envelope %q → %v", r.From, r.To)
	}
	p := parse(t, r.Raw)
	if p.typ != "text/plain" || len(p.parts) != 1 {
		t.Fatalf("structure %v, want one text/plain", p.types)
	}
	if got := p.parts[0].params["charset"]; !strings.EqualFold(got, "utf-8") {
		t.Errorf("charset %q", got)
	}
	if got := strings.TrimRight(p.parts[0].body, "\r\n"); got != e.Text {
		t.Errorf("body %q, want %q", got, e.Text)
	}
	from, _ := p.header.AddressList("From")
	to, _ := p.header.AddressList("To")
	if len(from) != 1 || from[0].Address != "crm@dealer.example" || from[0].Name != "fieldcrm" {
		t.Errorf("From %v", from)
	}
	if len(to) != 1 || to[0].Address != testTo {
		t.Errorf("To %v", to)
	}
	if subj, _ := p.header.Subject(); subj != e.Subject {
		t.Errorf("Subject %q", subj)
	}
	if d, err := p.header.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %v %v", d, err)
	}
	if mid, _ := p.header.MessageID(); mid != id || id != MessageID(testDomain, e) {
		t.Errorf("Message-ID %q, provider id %q, want %q", mid, id, MessageID(testDomain, e))
	}
	if got := p.header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted %q", got)
	}
	if got := p.header.Get("X-Auto-Response-Suppress"); got != "All" {
		t.Errorf("X-Auto-Response-Suppress %q", got)
	}
}

func TestEntryFrom(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	e := testEntry(2)
	e.From = "Branch North <north@dealer.example>"
	send(t, s, e)
	r := waitOne(t, srv, 1)
	p := parse(t, r.Raw)
	if from, _ := p.header.AddressList("From"); r.From != "north@dealer.example" || len(from) != 1 || from[0].Name != "Branch North" {
		t.Errorf("envelope %q, From %v", r.From, from)
	}
}

func TestAlternative(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	e := testEntry(3)
	e.HTML = "<p>Visit <b>Beijing Heavy Machinery</b> tomorrow at 10:00.</p>"
	send(t, s, e)

	p := parse(t, waitOne(t, srv, 1).Raw)
	if p.typ != "multipart/alternative" || len(p.parts) != 2 {
		t.Fatalf("structure %v", p.types)
	}
	if p.parts[0].typ != "text/plain" || p.parts[1].typ != "text/html" {
		t.Fatalf("parts %s, %s: want text/plain then text/html", p.parts[0].typ, p.parts[1].typ)
	}
	for _, pt := range p.parts {
		if !strings.EqualFold(pt.params["charset"], "utf-8") {
			t.Errorf("%s charset %q", pt.typ, pt.params["charset"])
		}
	}
	if got := p.parts[0].header.Get("Content-Transfer-Encoding"); got != "quoted-printable" {
		t.Errorf("text/plain transfer encoding %q", got)
	}
	if got := strings.TrimSpace(p.parts[1].body); got != e.HTML {
		t.Errorf("html %q", got)
	}
}

func TestHTMLOnly(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	e := testEntry(30)
	e.Text, e.HTML = "", "<p>only html</p>"
	send(t, s, e)
	if p := parse(t, waitOne(t, srv, 1).Raw); p.typ != "text/html" || len(p.parts) != 1 {
		t.Errorf("structure %v, want one text/html", p.types)
	}

	e = testEntry(31)
	e.Text, e.HTML = "", `<img src="cid:c1">`
	e.Headers = map[string]string{HeaderInlineCID: "c1", HeaderInlinePNG: base64.StdEncoding.EncodeToString(testPNG(t))}
	send(t, s, e)
	p := parse(t, waitOne(t, srv, 2).Raw)
	if p.typ != "multipart/related" || len(p.parts) != 2 || p.parts[0].typ != "text/html" || p.parts[1].typ != "image/png" {
		t.Errorf("structure %v, want related{html, png}", p.types)
	}

	// Without HTML to show it, the image is left out.
	e = testEntry(32)
	e.Headers = map[string]string{HeaderInlineCID: "c1", HeaderInlinePNG: base64.StdEncoding.EncodeToString(testPNG(t))}
	send(t, s, e)
	if p := parse(t, waitOne(t, srv, 3).Raw); p.typ != "text/plain" {
		t.Errorf("structure %v, want text/plain", p.types)
	}
}

func TestChinese(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	e := testEntry(4)
	e.Subject = "拜访提醒：明天上午10点 北京重型机械有限公司（王经理）"
	e.Text = "王伟，您好！\n明天上午10:00拜访北京重型机械有限公司，联系人：李娜 13901395136。\n回复 DONE 标记完成。"
	e.HTML = "<p>王伟，您好！明天拜访<b>北京重型机械</b>。</p>"
	send(t, s, e)

	r := waitOne(t, srv, 1)
	hdr := rawHeader(r.Raw)
	for i := 0; i < len(hdr); i++ {
		if hdr[i] >= 0x80 {
			t.Fatalf("raw header has 8-bit data: %q", hdr)
		}
	}
	if !strings.Contains(hdr, "=?UTF-8?") {
		t.Errorf("subject not an encoded-word: %q", hdr)
	}
	p := parse(t, r.Raw)
	if subj, err := p.header.Subject(); err != nil || subj != e.Subject {
		t.Errorf("Subject %q (%v), want %q", subj, err, e.Subject)
	}
	if got := strings.TrimRight(p.find(t, "text/plain").body, "\r\n"); normalizeNL(got) != e.Text {
		t.Errorf("text %q, want %q", got, e.Text)
	}
	if got := strings.TrimSpace(p.find(t, "text/html").body); got != e.HTML {
		t.Errorf("html %q", got)
	}
}

// normalizeNL turns CRLF into LF.
func normalizeNL(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestThreadingHeaders(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	e := testEntry(5)
	e.Subject = "Re: today"
	e.Headers = map[string]string{
		"In-Reply-To":     "<CAF=abc123@mail.example.com>",
		"References":      "<first@mail.example.com> <CAF=abc123@mail.example.com>",
		"Reply-To":        "fieldcrm <reply+t0k3n@dealer.example>",
		"Auto-Submitted":  "auto-replied",
		"X-Fieldcrm-Kind": "answer",
	}
	send(t, s, e)

	r := waitOne(t, srv, 1)
	p := parse(t, r.Raw)
	if ids, err := p.header.MsgIDList("In-Reply-To"); err != nil || len(ids) != 1 || ids[0] != "CAF=abc123@mail.example.com" {
		t.Errorf("In-Reply-To %v %v", ids, err)
	}
	if ids, err := p.header.MsgIDList("References"); err != nil || len(ids) != 2 || ids[1] != "CAF=abc123@mail.example.com" {
		t.Errorf("References %v %v", ids, err)
	}
	if rt, err := p.header.AddressList("Reply-To"); err != nil || len(rt) != 1 || rt[0].Address != "reply+t0k3n@dealer.example" {
		t.Errorf("Reply-To %v %v", rt, err)
	}
	if got := p.header.Values("Auto-Submitted"); len(got) != 1 || got[0] != "auto-replied" {
		t.Errorf("Auto-Submitted %q, want only auto-replied", got)
	}
	if got := p.header.Get("X-Fieldcrm-Kind"); got != "answer" {
		t.Errorf("X-Fieldcrm-Kind %q", got)
	}
}

func TestMessageIDStable(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	e := testEntry(6)
	id1 := send(t, s, e)
	id2 := send(t, s, e) // a retry
	id3 := send(t, s, testEntry(7))
	msgs, err := srv.Wait(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if id1 != id2 || id1 == id3 {
		t.Errorf("ids %q %q %q: want the first two equal, the third different", id1, id2, id3)
	}
	if !strings.HasSuffix(id1, "@"+testDomain) || !strings.HasPrefix(id1, "fieldcrm.6.") || s.Domain() != testDomain {
		t.Errorf("id %q, domain %q", id1, s.Domain())
	}
	for i, m := range msgs[:2] {
		if mid, _ := parse(t, m.Raw).header.MessageID(); mid != id1 {
			t.Errorf("message %d Message-ID %q, want %q", i, mid, id1)
		}
	}

	// An unusable Message-ID header is replaced by the Sender's.
	e = testEntry(33)
	e.Headers["Message-ID"] = "<no at sign>"
	if id := send(t, s, e); id != MessageID(testDomain, e) {
		t.Errorf("provider id %q", id)
	}
	waitOne(t, srv, 4)

	// The entry's own Message-ID wins (answers keep the id they announced).
	e = testEntry(8)
	e.Headers["Message-ID"] = "<answer.42@dealer.example>"
	if id := send(t, s, e); id != "answer.42@dealer.example" {
		t.Errorf("provider id %q", id)
	}
	if mid, _ := parse(t, waitOne(t, srv, 5).Raw).header.MessageID(); mid != "answer.42@dealer.example" {
		t.Errorf("Message-ID %q", mid)
	}
}

func TestInlinePNG(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	img := testPNG(t)
	e := testEntry(9)
	e.Subject = "Weekly report"
	e.HTML = `<h1>Funnel</h1><img src="cid:report-chart" alt="chart">`
	e.Headers = map[string]string{
		HeaderInlineCID:  "report-chart",
		HeaderInlinePNG:  base64.StdEncoding.EncodeToString(img),
		"X-Fieldcrm-Job": "report_weekly",
	}
	send(t, s, e)

	r := waitOne(t, srv, 1)
	if bytes.Contains(bytes.ToLower(r.Raw), []byte("x-fieldcrm-inline")) {
		t.Errorf("X-Fieldcrm-Inline-* sent:\n%s", rawHeader(r.Raw))
	}
	p := parse(t, r.Raw)
	if p.typ != "multipart/related" {
		t.Fatalf("top type %s (%v), want multipart/related", p.typ, p.types)
	}
	html := p.find(t, "text/html")
	pic := p.find(t, "image/png")
	if pic.header.Get("Content-Id") != "<report-chart>" {
		t.Errorf("Content-ID %q", pic.header.Get("Content-Id"))
	}
	if disp, _, _ := pic.header.ContentDisposition(); disp != "inline" {
		t.Errorf("Content-Disposition %q", disp)
	}
	if pic.body != string(img) {
		t.Errorf("png differs: %d bytes, want %d", len(pic.body), len(img))
	}
	if !strings.Contains(html.body, `src="cid:report-chart"`) {
		t.Errorf("html does not reference the cid: %q", html.body)
	}
	// The HTML and the image are siblings under the same multipart/related.
	if html.path[0] != 0 || pic.path[0] != 1 || len(pic.path) != 1 {
		t.Errorf("html at %v, png at %v", html.path, pic.path)
	}
	if p.header.Get("X-Fieldcrm-Job") != "report_weekly" {
		t.Errorf("other X-Fieldcrm header lost")
	}
}

func TestInlinePNGBad(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	e := testEntry(10)
	e.HTML = `<img src="cid:c">`
	e.Headers = map[string]string{HeaderInlineCID: "c", HeaderInlinePNG: "not base64!"}
	if se := sendErr(t, s, e); se.Retryable || !outbox.Permanent(se) {
		t.Errorf("bad image: %v retryable", se)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

func TestHeaderInjection(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	e := testEntry(11)
	e.Subject = "Hello\r\nBcc: evil@attacker.example\r\n\r\nforged body"
	e.Headers = map[string]string{
		"X-Fieldcrm-Note": "ok\r\nBcc: evil@attacker.example",
		"X-Evil\r\nBcc":   "evil@attacker.example",
		"In-Reply-To":     "<a@b>\nContent-Type: text/html",
		"Bcc":             "evil@attacker.example",
		"Content-Type":    "text/html",
	}
	send(t, s, e)

	r := waitOne(t, srv, 1)
	if len(r.To) != 1 || r.To[0] != testTo {
		t.Errorf("envelope recipients %v", r.To)
	}
	hdr := rawHeader(r.Raw)
	if strings.Contains(strings.ToLower(hdr), "\nbcc:") {
		t.Errorf("Bcc header injected:\n%s", hdr)
	}
	p := parse(t, r.Raw)
	if p.typ != "text/plain" || len(p.parts) != 1 {
		t.Errorf("structure %v", p.types)
	}
	if subj, _ := p.header.Subject(); subj != "Hello  Bcc: evil@attacker.example    forged body" {
		t.Errorf("Subject %q", subj)
	}
	if got := p.header.Get("X-Fieldcrm-Note"); got != "ok  Bcc: evil@attacker.example" {
		t.Errorf("X-Fieldcrm-Note %q", got)
	}
	if p.header.Has("X-Evil") {
		t.Errorf("header with an invalid name sent")
	}
	if strings.Contains(p.parts[0].body, "forged") {
		t.Errorf("body forged: %q", p.parts[0].body)
	}
}

func TestBadAddress(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	for _, to := range []string{"", "not an address", "a@b.example\r\nRCPT TO:<evil@x.example>"} {
		e := testEntry(12)
		e.To = to
		if se := sendErr(t, s, e); se.Retryable {
			t.Errorf("To %q: retryable %v", to, se)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

func TestAuth(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{Users: map[string]string{"crm": "s3cret"}, Stamp: "mx.test"})
	cfg := testConfig(srv.Addr())
	cfg.User, cfg.Password = "crm", "s3cret"
	send(t, newSender(t, cfg), testEntry(13))
	r := waitOne(t, srv, 1)
	if !bytes.Contains(r.Raw, []byte("Authentication-Results: mx.test; auth=pass smtp.auth=crm; dmarc=pass header.from=dealer.example")) {
		t.Errorf("no authenticated stamp:\n%s", rawHeader(r.Raw))
	}

	cfg.Password = "wrong"
	se := sendErr(t, newSender(t, cfg), testEntry(14))
	if se.Code != 535 || se.Retryable {
		t.Errorf("wrong password: %+v, want permanent 535", se)
	}

	cfg.User = "" // AUTH required but not given
	se = sendErr(t, newSender(t, cfg), testEntry(15))
	if se.Code/100 != 5 || se.Retryable {
		t.Errorf("no AUTH: %+v, want permanent 5xx", se)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages accepted, want 1", n)
	}
}

func TestStartTLS(t *testing.T) {
	conf, roots, err := emailtest.SelfSignedTLS("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, emailtest.SMTPOptions{TLS: conf, Users: map[string]string{"crm": "pw"}, Stamp: "mx.test"})
	cfg := testConfig(srv.Addr())
	cfg.TLS, cfg.User, cfg.Password = TLSStartTLS, "crm", "pw"
	cfg.TLSConfig = newClientTLS(roots)
	send(t, newSender(t, cfg), testEntry(16))
	if r := waitOne(t, srv, 1); !bytes.Contains(r.Raw, []byte("with ESMTPSA")) {
		t.Errorf("not received over TLS with AUTH:\n%s", rawHeader(r.Raw))
	}

	// Without the self-signed root, the certificate is refused.
	cfg.TLSConfig = nil
	if se := sendErr(t, newSender(t, cfg), testEntry(17)); se.Code != 0 {
		t.Errorf("untrusted certificate: %+v", se)
	}

	// "starttls" against a server that does not offer it: an error, never
	// a silent fallback to plaintext.
	plain := newServer(t, emailtest.SMTPOptions{Users: map[string]string{"crm": "pw"}})
	cfg.Addr, cfg.TLSConfig = plain.Addr(), newClientTLS(roots)
	se := sendErr(t, newSender(t, cfg), testEntry(18))
	if !strings.Contains(se.Msg, "STARTTLS") {
		t.Errorf("no STARTTLS: %v", se)
	}
	if n := len(plain.Messages()); n != 0 {
		t.Errorf("%d messages sent in plaintext", n)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages accepted, want 1", n)
	}
}

func TestImplicitTLS(t *testing.T) {
	conf, roots, err := emailtest.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, emailtest.SMTPOptions{Users: map[string]string{"crm": "pw"}})
	cfg := testConfig(implicitTLSProxy(t, conf, srv.Addr()))
	cfg.TLS, cfg.User, cfg.Password = TLSImplicit, "crm", "pw"
	cfg.TLSConfig = newClientTLS(roots)
	send(t, newSender(t, cfg), testEntry(19))
	waitOne(t, srv, 1)
}

// newClientTLS trusts roots.
func newClientTLS(roots *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: roots}
}

func TestDataReplies(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	for _, tc := range []struct {
		code      int
		retryable bool
	}{
		{421, true}, {450, true}, {451, true}, {452, true},
		{550, false}, {552, false}, {554, false},
	} {
		srv.FailNext(tc.code, fmt.Sprintf("test failure %d", tc.code), 1)
		se := sendErr(t, s, testEntry(20))
		if se.Code != tc.code || se.Retryable != tc.retryable || outbox.Retryable(se) != tc.retryable {
			t.Errorf("DATA %d: %+v, want code %d retryable %v", tc.code, se, tc.code, tc.retryable)
		}
	}
	// 451 twice, then the retry goes through.
	srv.FailNext(451, "try later", 2)
	for range 2 {
		if se := sendErr(t, s, testEntry(21)); !se.Retryable || se.Code != 451 {
			t.Errorf("451: %+v", se)
		}
	}
	send(t, s, testEntry(21))
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

// rejectBackend is a go-smtp backend that answers code at one stage
// ("mail", "rcpt" for one recipient, "data").
type rejectBackend struct {
	stage string
	code  int
}

func (b rejectBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return rejectSession(b), nil }

type rejectSession rejectBackend

func (s rejectSession) err(stage string) error {
	if s.stage != stage {
		return nil
	}
	return &smtp.SMTPError{Code: s.code, EnhancedCode: smtp.EnhancedCode{s.code / 100, 1, 1}, Message: "rejected"}
}
func (s rejectSession) Mail(string, *smtp.MailOptions) error { return s.err("mail") }
func (s rejectSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	return s.err("rcpt")
}
func (s rejectSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	return s.err("data")
}
func (s rejectSession) Reset()        {}
func (s rejectSession) Logout() error { return nil }

// rejectServer starts a go-smtp server with rejectBackend.
func rejectServer(t *testing.T, stage string, code int) string {
	t.Helper()
	srv := smtp.NewServer(rejectBackend{stage, code})
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func TestEnvelopeReplies(t *testing.T) {
	for _, tc := range []struct {
		stage     string
		code      int
		retryable bool
	}{
		{"mail", 451, true}, {"mail", 553, false},
		{"rcpt", 450, true}, {"rcpt", 452, true}, {"rcpt", 550, false}, {"rcpt", 551, false}, {"rcpt", 553, false},
		{"data", 552, false},
	} {
		t.Run(fmt.Sprintf("%s_%d", tc.stage, tc.code), func(t *testing.T) {
			s := newSender(t, testConfig(rejectServer(t, tc.stage, tc.code)))
			se := sendErr(t, s, testEntry(22))
			if se.Code != tc.code || se.Retryable != tc.retryable {
				t.Errorf("%+v, want code %d retryable %v", se, tc.code, tc.retryable)
			}
		})
	}
}

func TestNetworkFailures(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		se := sendErr(t, newSender(t, testConfig(freeAddr(t))), testEntry(23))
		if !se.Retryable || se.Code != 0 {
			t.Errorf("%+v, want retryable", se)
		}
	})
	t.Run("reset", func(t *testing.T) { // the server hangs up at once
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := tcpServer(t, ln, func(c net.Conn) { c.Close() })
		if se := sendErr(t, newSender(t, testConfig(addr)), testEntry(24)); !se.Retryable {
			t.Errorf("%+v, want retryable", se)
		}
	})
	t.Run("mute server timeout", func(t *testing.T) { // accepts, never greets
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		var mu sync.Mutex
		var conns []net.Conn
		addr := tcpServer(t, ln, func(c net.Conn) { mu.Lock(); conns = append(conns, c); mu.Unlock() })
		t.Cleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
		cfg := testConfig(addr)
		cfg.Timeout = 200 * time.Millisecond
		start := time.Now()
		se := sendErr(t, newSender(t, cfg), testEntry(25))
		if !se.Retryable || time.Since(start) > 5*time.Second {
			t.Errorf("%+v after %v, want retryable soon", se, time.Since(start))
		}
		// The context bounds a send too.
		cfg.Timeout = time.Minute
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start = time.Now()
		_, _, err := newSender(t, cfg).Send(ctx, testEntry(26))
		if !outbox.Retryable(err) || time.Since(start) > 5*time.Second {
			t.Errorf("ctx: %v after %v", err, time.Since(start))
		}
	})
}

func TestLargeHTML(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{MaxSize: 8 << 20})
	s := newSender(t, testConfig(srv.Addr()))
	var b strings.Builder
	b.WriteString("<table>")
	for i := 0; b.Len() < 2<<20; i++ {
		fmt.Fprintf(&b, "<tr><td>%d</td><td>北京重型机械 = visit → done</td></tr>\n", i)
	}
	b.WriteString("</table>")
	e := testEntry(27)
	e.HTML = b.String()
	send(t, s, e)
	p := parse(t, waitOne(t, srv, 1).Raw)
	if got := p.find(t, "text/html").body; normalizeNL(strings.TrimRight(got, "\r\n")) != e.HTML {
		t.Errorf("html: %d bytes back, want %d", len(got), len(e.HTML))
	}

	// Over the server's SIZE: 552, permanent.
	small := newServer(t, emailtest.SMTPOptions{MaxSize: 1 << 20})
	se := sendErr(t, newSender(t, testConfig(small.Addr())), e)
	if se.Retryable || se.Code != 552 {
		t.Errorf("too large: %+v, want permanent 552", se)
	}
}

func TestConcurrentSends(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{Users: map[string]string{"crm": "pw"}})
	cfg := testConfig(srv.Addr())
	cfg.User, cfg.Password = "crm", "pw"
	s := newSender(t, cfg)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := s.Send(context.Background(), testEntry(int64(100+i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, m := range srv.Messages() {
		mid, _ := parse(t, m.Raw).header.MessageID()
		ids[mid] = true
	}
	if len(ids) != 16 {
		t.Errorf("%d distinct messages, want 16", len(ids))
	}
}

func TestCheck(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{Users: map[string]string{"crm": "pw"}})
	cfg := testConfig(srv.Addr())
	cfg.User, cfg.Password = "crm", "pw"
	ctx := context.Background()
	if err := Check(ctx, cfg); err != nil {
		t.Errorf("Check: %v", err)
	}
	cfg.Password = "nope"
	var se *outbox.SendError
	if err := Check(ctx, cfg); !errors.As(err, &se) || se.Code != 535 {
		t.Errorf("Check wrong password: %v", err)
	}
	cfg.Addr = freeAddr(t)
	if err := Check(ctx, cfg); err == nil || !outbox.Retryable(err) {
		t.Errorf("Check refused: %v", err)
	}
	cfg.From = "nobody"
	if err := Check(ctx, cfg); err == nil {
		t.Error("Check with a bad From succeeded")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("Check sent %d messages", n)
	}
}

func TestNewValidates(t *testing.T) {
	good := testConfig("127.0.0.1:2525")
	for name, mod := range map[string]func(*Config){
		"from":      func(c *Config) { c.From = "not an address" },
		"no domain": func(c *Config) { c.From = "crm@" },
		"empty":     func(c *Config) { c.From = "" },
		"tls":       func(c *Config) { c.TLS = "ssl" },
		"no tls":    func(c *Config) { c.TLS = "" },
		"addr":      func(c *Config) { c.Addr = "localhost" },
		"port":      func(c *Config) { c.Addr = "localhost:0" },
	} {
		cfg := good
		mod(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New(%+v) succeeded", name, cfg)
		}
	}
	s, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if s.Domain() != testDomain || s.cfg.HelloName != testDomain || s.cfg.Timeout != 5*time.Second {
		t.Errorf("defaults: %q %+v", s.Domain(), s.cfg)
	}
}

func TestMessageIDFormat(t *testing.T) {
	e := testEntry(42)
	id := MessageID("dealer.example", e)
	if id != MessageID("dealer.example", testEntry(42)) {
		t.Error("not stable")
	}
	if !strings.HasPrefix(id, "fieldcrm.42.") || !strings.HasSuffix(id, "@dealer.example") || !validMessageID(id) {
		t.Errorf("id %q", id)
	}
	e.Created = e.Created.Add(time.Nanosecond)
	if MessageID("dealer.example", e) == id {
		t.Error("Created not part of the id")
	}
}
