package mailtext

import (
	"strings"
	"testing"
)

// msg builds a minimal message from header lines and reads it.
func msg(t *testing.T, headers ...string) *Message {
	t.Helper()
	raw := strings.Join(headers, "\r\n") + "\r\nSubject: hi\r\n\r\nbody\r\n"
	m, err := Read([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAuto(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    string // "" = not automatic
	}{
		{"human", []string{"From: Wang Jun <wang.jun@nhe-machinery.com>", "Return-Path: <wang.jun@nhe-machinery.com>"}, ""},
		{"auto-submitted no", []string{"From: a@b.com", "Auto-Submitted: no"}, ""},
		{"auto-submitted auto-replied", []string{"From: a@b.com", "Auto-Submitted: auto-replied (vacation)"}, "auto-submitted"},
		{"precedence bulk", []string{"From: a@b.com", "Precedence: bulk"}, "bulk"},
		{"precedence junk", []string{"From: a@b.com", "Precedence: junk"}, "bulk"},
		{"precedence list", []string{"From: a@b.com", "Precedence: list"}, "list"},
		{"x-autoreply", []string{"From: a@b.com", "X-Autoreply: yes"}, "auto-reply"},
		{"x-autorespond", []string{"From: a@b.com", "X-Autorespond: Out of office"}, "auto-reply"},
		{"x-auto-response-suppress all", []string{"From: a@b.com", "X-Auto-Response-Suppress: All"}, "auto-reply"},
		{"x-auto-response-suppress oof", []string{"From: a@b.com", "X-Auto-Response-Suppress: DR, OOF, AutoReply"}, "auto-reply"},
		{"x-auto-response-suppress other", []string{"From: a@b.com", "X-Auto-Response-Suppress: DR, RN"}, ""},
		{"list-id", []string{"From: a@b.com", "List-Id: Sales <sales.lists.example.com>"}, "list"},
		{"list-unsubscribe", []string{"From: a@b.com", "List-Unsubscribe: <mailto:u@example.com>"}, "list"},
		{"mailer-daemon", []string{"From: MAILER-DAEMON@mx.example.com (Mail Delivery System)"}, "bounce"},
		{"postmaster", []string{"From: Postmaster <postmaster@example.com>"}, "bounce"},
		{"empty return-path", []string{"From: someone@example.com", "Return-Path: <>"}, "bounce"},
		{"multipart report", []string{"From: x@example.com", "Content-Type: multipart/report; report-type=delivery-status; boundary=b"}, "bounce"},
		{"noreply", []string{"From: Shop <NoReply@shop.example.com>"}, "noreply"},
		{"no-reply", []string{"From: no-reply@example.com"}, "noreply"},
		{"do-not-reply in return-path", []string{"From: a@b.com", "Return-Path: <do-not-reply@b.com>"}, "noreply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auto, why := Auto(msg(t, tt.headers...))
			if auto != (tt.want != "") || why != tt.want {
				t.Errorf("Auto = %v %q, want %q", auto, why, tt.want)
			}
		})
	}
	if auto, _ := Auto(nil); auto {
		t.Error("Auto(nil) = true")
	}
	m := msg(t, "From: a@b.com")
	m.Subject = "Automatic reply: ACME visit"
	if auto, why := Auto(m); !auto || why != "auto-reply" {
		t.Errorf("subject auto-reply: %v %q", auto, why)
	}
}

func TestAuthenticated(t *testing.T) {
	const mx = "mx.nhe-machinery.com"
	tests := []struct {
		name       string
		from       string
		results    []string
		wantMethod string
	}{
		{"dmarc pass", "wang@gmail.com", []string{"mx.nhe-machinery.com; dkim=pass header.i=@gmail.com; dmarc=pass (p=NONE) header.from=gmail.com"}, "dmarc"},
		{"authserv-id case-insensitive", "wang@gmail.com", []string{"MX.NHE-Machinery.com; dmarc=pass header.from=gmail.com"}, "dmarc"},
		{"untrusted authserv-id ignored", "wang@gmail.com", []string{"mx.evil.example; dmarc=pass header.from=gmail.com; dkim=pass header.d=gmail.com"}, ""},
		{"authserv-id must be the first token", "wang@gmail.com", []string{"mx.evil.example mx.nhe-machinery.com; dmarc=pass"}, ""},
		{"dmarc other domain", "wang@gmail.com", []string{"mx.nhe-machinery.com; dmarc=pass header.from=evil.com"}, ""},
		{"dmarc fail", "wang@gmail.com", []string{"mx.nhe-machinery.com; dmarc=fail header.from=gmail.com"}, ""},
		{"dkim same domain", "wang@nhe-machinery.com", []string{"mx.nhe-machinery.com; dkim=pass header.d=nhe-machinery.com"}, "dkim"},
		{"dkim parent domain", "wang@mail.nhe-machinery.com", []string{"mx.nhe-machinery.com; dkim=pass header.d=nhe-machinery.com"}, "dkim"},
		{"dkim child domain is not enough", "wang@nhe-machinery.com", []string{"mx.nhe-machinery.com; dkim=pass header.d=mail.nhe-machinery.com"}, ""},
		{"dkim public suffix", "wang@nhe-machinery.com", []string{"mx.nhe-machinery.com; dkim=pass header.d=com"}, ""},
		{"dkim header.i", "wang@qq.com", []string{"mx.nhe-machinery.com; dkim=pass header.i=@qq.com"}, "dkim"},
		{"dkim lookalike suffix", "wang@nhe-machinery.com", []string{"mx.nhe-machinery.com; dkim=pass header.d=e-machinery.com"}, ""},
		{"spf pass", "wang@dongfang.cn", []string{"mx.nhe-machinery.com; spf=pass smtp.mailfrom=wang@dongfang.cn"}, "spf"},
		{"spf mismatch", "wang@dongfang.cn", []string{"mx.nhe-machinery.com; spf=pass smtp.mailfrom=bounce@mailer.example"}, ""},
		{"spf softfail", "wang@dongfang.cn", []string{"mx.nhe-machinery.com; spf=softfail smtp.mailfrom=wang@dongfang.cn"}, ""},
		{"comments ignored", "wang@dongfang.cn", []string{"mx.nhe-machinery.com (Postfix; dmarc=pass); spf=fail (dmarc=pass header.from=dongfang.cn) smtp.mailfrom=wang@dongfang.cn"}, ""},
		{"comment between tokens", "wang@dongfang.cn", []string{"mx.nhe-machinery.com 1; spf=pass (sender SPF authorized (nested)) smtp.mailfrom=wang@dongfang.cn"}, "spf"},
		{"quoted values", "wang@dongfang.cn", []string{`mx.nhe-machinery.com; dkim=pass header.d="dongfang.cn" header.b="a;b"`}, "dkim"},
		{"trusted among many", "wang@dongfang.cn", []string{"mx.evil.example; dkim=pass header.d=dongfang.cn", "mx.nhe-machinery.com; dkim=fail header.d=dongfang.cn; spf=pass smtp.mailfrom=dongfang.cn"}, "spf"},
		{"none", "wang@dongfang.cn", []string{"mx.nhe-machinery.com; none"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := []string{"From: " + tt.from}
			for _, r := range tt.results {
				hs = append(hs, "Authentication-Results: "+r)
			}
			method, ok := Authenticated(msg(t, hs...), mx)
			if ok != (tt.wantMethod != "") || method != tt.wantMethod {
				t.Errorf("Authenticated = %q %v, want %q", method, ok, tt.wantMethod)
			}
		})
	}
	m := msg(t, "From: wang@gmail.com", "Authentication-Results: mx.nhe-machinery.com; dmarc=pass header.from=gmail.com")
	if _, ok := Authenticated(m, ""); ok {
		t.Error("empty trusted host accepted")
	}
}
