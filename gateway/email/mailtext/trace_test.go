package mailtext

import (
	"slices"
	"strings"
	"testing"
)

const traceMX = "mx.dealer.example"

// traceMsg reads a message whose header starts with lines.
func traceMsg(t testing.TB, from string, lines ...string) *Message {
	t.Helper()
	raw := strings.Join(append(lines, "From: "+from, "Subject: TODAY", "", "TODAY", ""), "\r\n")
	m, err := Read([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var (
	ourBorder = "Received: from mail.qq.com (mail.qq.com [203.0.113.7]) by mx.dealer.example (Postfix) with ESMTPS id 4Xk2; Wed, 25 Nov 2026 10:00:02 +0800"
	ourLMTP   = "Received: from mx.dealer.example by imap.dealer.example (Dovecot) with LMTP id 9; Wed, 25 Nov 2026 10:00:03 +0800"
	theirs    = "Received: from [10.0.0.2] (pc [10.0.0.2]) by smtp.qq.com with ESMTPSA id 77; Wed, 25 Nov 2026 10:00:00 +0800"
	forged    = "Authentication-Results: mx.dealer.example; dkim=pass header.d=qq.com; dmarc=pass header.from=qq.com"
)

// Which Authentication-Results and submitter fields are the trusted
// server's own: those above the first Received it did not write.
func TestCheckTrace(t *testing.T) {
	tests := []struct {
		name       string
		from       string
		lines      []string
		header     string // the submitter header ("" none)
		method     string
		failed     string
		submitters []string
	}{
		{name: "ours above our Received", from: "wang@qq.com",
			lines: []string{"Authentication-Results: mx.dealer.example; dmarc=pass header.from=qq.com", ourBorder, theirs}, method: "dmarc"},
		{name: "ours below our Received (milter, Gmail layout)", from: "wang@qq.com",
			lines: []string{ourBorder, "Authentication-Results: mx.dealer.example; dkim=pass header.d=qq.com", theirs}, method: "dkim"},
		{name: "below our own delivery hop", from: "wang@qq.com",
			lines: []string{"Return-Path: <wang@qq.com>", ourLMTP, "Authentication-Results: mx.dealer.example; spf=pass smtp.mailfrom=wang@qq.com", ourBorder, theirs}, method: "spf"},
		{name: "forged below the sender's server", from: "wang@qq.com",
			lines: []string{ourBorder, "Authentication-Results: mx.dealer.example; dkim=none; dmarc=none", theirs, forged}},
		{name: "forged below two foreign hops", from: "wang@qq.com",
			lines: []string{ourBorder, theirs, "Received: from a by b.example; x", forged}},
		{name: "forged above a forged Received of ours, below theirs", from: "wang@qq.com",
			lines: []string{ourBorder, theirs, "Received: from x by mx.dealer.example; x", forged}},
		{name: "our Received written with a trailing dot and upper case", from: "wang@qq.com",
			lines: []string{"Received: from a (b) by MX.Dealer.Example. with ESMTP; x", forged, theirs}, method: "dmarc"},
		{name: "a Received without by is not ours", from: "wang@qq.com",
			lines: []string{"Received: from localhost; x", forged}},
		{name: "a lookalike host is not ours", from: "wang@qq.com",
			lines: []string{"Received: from a by mx.dealer.example.evil.example; x", forged}},
		{name: "a host in a public suffix is not ours", from: "wang@qq.com",
			lines: []string{"Received: from a by evil.com.cn; x", "Authentication-Results: mx.com.cn; dmarc=pass header.from=qq.com"}},
		{name: "no Received at all: every field is read", from: "wang@qq.com", lines: []string{forged}, method: "dmarc"},
		{name: "a forged pass beside our fail: the fail wins", from: "wang@qq.com",
			lines: []string{ourBorder, "Authentication-Results: mx.dealer.example; dmarc=fail header.from=qq.com", forged}, method: "dmarc", failed: "dmarc=fail"},
		{name: "dmarc fail naming no domain", from: "wang@qq.com",
			lines: []string{"Authentication-Results: mx.dealer.example; dkim=pass header.d=qq.com; dmarc=fail", ourBorder}, method: "dkim", failed: "dmarc=fail"},
		{name: "dmarc fail for another domain is not ours to judge", from: "wang@qq.com",
			lines: []string{"Authentication-Results: mx.dealer.example; dkim=pass header.d=qq.com; dmarc=fail header.from=evil.example", ourBorder}, method: "dkim"},
		{name: "dmarc pass without header.from", from: "wang@qq.com",
			lines: []string{"Authentication-Results: mx.dealer.example; dmarc=pass", ourBorder}},
		{name: "aligned dkim fail, nothing passes", from: "wang@qq.com",
			lines: []string{"Authentication-Results: mx.dealer.example; dkim=fail header.d=qq.com; spf=softfail smtp.mailfrom=qq.com", ourBorder}, failed: "dkim=fail"},
		{name: "aligned spf fail, nothing passes", from: "wang@qq.com",
			lines: []string{"Authentication-Results: mx.dealer.example; spf=fail smtp.mailfrom=wang@qq.com", ourBorder}, failed: "spf=fail"},
		{name: "spf fail with aligned dkim pass (forwarded)", from: "wang@qq.com",
			lines: []string{"Authentication-Results: mx.dealer.example; spf=fail smtp.mailfrom=wang@qq.com; dkim=pass header.d=qq.com", ourBorder}, method: "dkim"},
		{name: "two From addresses", from: "wang@qq.com, boss@qq.com",
			lines: []string{"Authentication-Results: mx.dealer.example; dmarc=pass header.from=qq.com", ourBorder}, method: "dmarc", failed: "from"},
		{name: "smtp.auth of ours", from: "boss@dealer.example",
			lines:  []string{"Authentication-Results: mx.dealer.example; auth=pass (PLAIN) smtp.auth=wang@dealer.example; dmarc=pass header.from=dealer.example", ourBorder},
			method: "dmarc", submitters: []string{"wang@dealer.example"}},
		{name: "smtp.auth below the sender's server is not read", from: "boss@dealer.example",
			lines: []string{ourBorder, theirs, "Authentication-Results: mx.dealer.example; auth=pass smtp.auth=boss@dealer.example"}},
		{name: "auth=fail names no submitter", from: "boss@dealer.example",
			lines: []string{"Authentication-Results: mx.dealer.example; auth=fail smtp.auth=wang", ourBorder}},
		{name: "submitter header of ours, and one the sender wrote", from: "boss@dealer.example", header: "x-authenticated-sender",
			lines:      []string{"X-Authenticated-Sender: mx.dealer.example: <wang@dealer.example>", ourBorder, theirs, "X-Authenticated-Sender: boss@dealer.example"},
			submitters: []string{"wang@dealer.example"}},
		{name: "Postfix names the login in its Received", from: "boss@dealer.example",
			lines: []string{"Authentication-Results: mx.dealer.example; dmarc=pass header.from=dealer.example",
				"Received: from pc7 (pc7 [10.0.0.7]) (Authenticated sender: wang.jun) by mx.dealer.example (Postfix) with ESMTPSA id 4X; x"},
			method: "dmarc", submitters: []string{"wang.jun"}},
		{name: "a login in a foreign Received is not read", from: "boss@dealer.example",
			lines: []string{ourBorder, "Received: from pc7 (Authenticated sender: boss) by smtp.qq.com; x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Check(traceMsg(t, tt.from, tt.lines...), traceMX, tt.header)
			if v.Method != tt.method || v.Failed != tt.failed || !slices.Equal(v.Submitters, tt.submitters) {
				t.Errorf("Check = %+v, want method %q failed %q submitters %q", v, tt.method, tt.failed, tt.submitters)
			}
			if v.OK() != (tt.method != "" && tt.failed == "") {
				t.Errorf("OK = %v", v.OK())
			}
		})
	}
}

// FuzzCheck: whatever a sender writes below a Received field that our
// server did not write (the tail) can never make Check vouch for more than
// the fields above it: not another method, not fewer failures, not other
// submitters. And Check never panics on any trace.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(ourBorder+"\r\nAuthentication-Results: mx.dealer.example; dkim=none; dmarc=none"), []byte(forged))
	f.Add([]byte("Authentication-Results: mx.dealer.example; auth=pass smtp.auth=wang; dmarc=pass header.from=dealer.example\r\n"+ourBorder),
		[]byte("X-Authenticated-Sender: boss@dealer.example\r\nAuthentication-Results: mx.dealer.example; dmarc=fail"))
	f.Add([]byte(ourLMTP+"\r\n"+ourBorder), []byte("Received: from x by mx.dealer.example; y\r\n"+forged))
	f.Add([]byte("Authentication-Results: mx.dealer.example (c (nested) \"q;\"); dkim=pass header.d=\"dealer.example\""), []byte("From: other@x.example"))
	f.Add([]byte(""), []byte("\r\n\r\n"+forged))
	f.Fuzz(func(t *testing.T, top, tail []byte) {
		const from = "From: Wang <wang@dealer.example>\r\n"
		const foreign = "Received: from pc by smtp.evil.example; Wed, 25 Nov 2026 10:00:00 +0800\r\n"
		build := func(tail []byte) *Message {
			raw := from + string(top) + "\r\n" + foreign + string(tail) + "\r\nSubject: hi\r\n\r\nbody\r\n"
			m, err := Read([]byte(raw), Limits{MaxText: 1024})
			if err != nil {
				t.Fatalf("a message starting with From is unreadable: %v", err)
			}
			return m
		}
		for _, hdr := range []string{"", "X-Authenticated-Sender"} {
			base := Check(build(nil), traceMX, hdr)
			got := Check(build(tail), traceMX, hdr)
			if got.OK() && (!base.OK() || got.Method != base.Method) {
				t.Fatalf("the tail made Check vouch: %+v, without it %+v", got, base)
			}
			if base.Failed != "" && got.Failed == "" {
				t.Fatalf("the tail removed a failure: %+v, without it %+v", got, base)
			}
			if !slices.Equal(got.Submitters, base.Submitters) {
				t.Fatalf("the tail changed the submitters: %q, without it %q", got.Submitters, base.Submitters)
			}
			if got.OK() && (got.Method == "" || got.Failed != "") {
				t.Fatalf("OK with %+v", got)
			}
		}
	})
}
