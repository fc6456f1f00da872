package email_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/email"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

var testTokenKey = []byte("0123456789abcdef0123456789abcdef")

// oldToken is a reply token as fieldcrm made them before tokens had an
// entry and a time: the user id and a MAC of it.
func oldToken(userID int64) string {
	m := hmac.New(sha256.New, testTokenKey)
	m.Write([]byte("fieldcrm-reply|"))
	m.Write(binary.AppendUvarint(nil, uint64(userID)))
	raw := append(binary.AppendUvarint(nil, uint64(userID)), m.Sum(nil)[:8]...)
	return base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding).EncodeToString(raw)
}

// A reply token answers for its user only in a reply to the mail it came
// with, for 30 days, and never against a failure at the trusted server.
func TestTokenScope(t *testing.T) {
	f := newFixture(t, func(c *email.Config) { c.TokenKey = testTokenKey })
	sent := f.clock().Add(-time.Hour)
	e := &outbox.Entry{ID: 7, Created: sent}
	tok := f.h.Tokens().For(f.wang, e.ID, e.Created)
	id := email.MessageID(crmAddr, e, tok)
	thread := []string{"In-Reply-To: <" + id + ">", "References: <" + id + ">"}
	note := func(i int) string { return fmt.Sprintf("NOTE acme call %d", i) }
	tests := []struct {
		name    string
		to      string
		headers []string
		advance time.Duration
		want    string
	}{
		{name: "a reply in the thread", headers: thread, want: email.OutcomeApplied},
		{name: "the reply address alone", to: "crm+" + tok + "@dealer.example", want: email.OutcomeUnverified},
		{name: "the token under another mail's id", headers: []string{"In-Reply-To: <fieldcrm.8.x." + tok + "@dealer.example>"}, want: email.OutcomeUnverified},
		{name: "against dmarc=fail", headers: append([]string{"Authentication-Results: " + trusted + "; dmarc=fail header.from=dealer.example"}, thread...), want: email.OutcomeUnverified},
		{name: "against dkim=fail", headers: append([]string{"Authentication-Results: " + trusted + "; dkim=fail header.d=dealer.example"}, thread...), want: email.OutcomeUnverified},
		{name: "a foreign fail is not ours", headers: append([]string{"Authentication-Results: mx.other.example; dmarc=fail header.from=dealer.example"}, thread...), want: email.OutcomeApplied},
		{name: "29 days on", headers: thread, advance: 29 * 24 * time.Hour, want: email.OutcomeApplied},
		{name: "31 days on", headers: thread, advance: 2 * 24 * time.Hour, want: email.OutcomeUnverified},
	}
	for i, tt := range tests {
		f.advance(tt.advance)
		rawMsg := raw(wang, "Re: your day", note(i), tt.headers...)
		if tt.to != "" {
			rawMsg = []byte(replaceTo(string(rawMsg), tt.to))
		}
		res := f.handle(rawMsg)
		if res.Outcome != tt.want {
			t.Errorf("%s: outcome %s (%s), want %s", tt.name, res.Outcome, res.Why, tt.want)
		}
		if tt.want == email.OutcomeApplied && res.Why != "token" && res.Why != "" {
			t.Errorf("%s: verified by %q, want token", tt.name, res.Why)
		}
	}
}

// Tokens of the old kind (the user alone) still work in a reply for 30
// days after the upgrade, never in a copied address, and then no more.
func TestLegacyTokens(t *testing.T) {
	f := newFixture(t, func(c *email.Config) { c.TokenKey = testTokenKey })
	old := oldToken(f.wang)
	thread := []string{"In-Reply-To: <fieldcrm.7.x." + old + "@dealer.example>"}
	tests := []struct {
		name    string
		to      string
		headers []string
		advance time.Duration
		want    string
	}{
		{name: "a reply the day of the upgrade", headers: thread, want: email.OutcomeApplied},
		{name: "the reply address alone", to: "crm+" + old + "@dealer.example", want: email.OutcomeUnverified},
		{name: "another user's old token", headers: []string{"In-Reply-To: <fieldcrm.7.x." + oldToken(f.wang+1) + "@dealer.example>"}, want: email.OutcomeUnverified},
		{name: "29 days after the upgrade", headers: thread, advance: 29 * 24 * time.Hour, want: email.OutcomeApplied},
		{name: "31 days after the upgrade", headers: thread, advance: 2 * 24 * time.Hour, want: email.OutcomeUnverified},
	}
	for i, tt := range tests {
		f.advance(tt.advance)
		rawMsg := raw(wang, "Re: your day", fmt.Sprintf("NOTE acme legacy %d", i), tt.headers...)
		if tt.to != "" {
			rawMsg = []byte(replaceTo(string(rawMsg), tt.to))
		}
		if res := f.handle(rawMsg); res.Outcome != tt.want {
			t.Errorf("%s: outcome %s, want %s", tt.name, res.Outcome, tt.want)
		}
	}
}

func replaceTo(raw, to string) string {
	return strings.Replace(raw, "To: "+crmAddr, "To: "+to, 1)
}

// The login the trusted server names must own the From address; with the
// submitter header configured, mail of our own domain must name one.
func TestSubmitter(t *testing.T) {
	pass := "Authentication-Results: " + trusted + "; dkim=pass header.d=dealer.example; dmarc=pass header.from=dealer.example"
	tests := []struct {
		name, header string
		headers      []string
		want         string
	}{
		{name: "his own login", headers: []string{"Authentication-Results: " + trusted + "; auth=pass smtp.auth=wang.jun@dealer.example; dmarc=pass header.from=dealer.example"}, want: email.OutcomeApplied},
		{name: "his own login without domain", headers: []string{"Authentication-Results: " + trusted + "; auth=pass smtp.auth=WANG.JUN; dmarc=pass header.from=dealer.example"}, want: email.OutcomeApplied},
		{name: "another login", headers: []string{"Authentication-Results: " + trusted + "; auth=pass smtp.auth=li.na@dealer.example; dmarc=pass header.from=dealer.example"}, want: email.OutcomeUnverified},
		{name: "another login in a second field", headers: []string{pass, "Authentication-Results: " + trusted + "; auth=pass smtp.auth=li.na"}, want: email.OutcomeUnverified},
		{name: "no login named, none configured", headers: []string{pass}, want: email.OutcomeApplied},
		{name: "no login named, header configured", header: "X-Authenticated-Sender", headers: []string{pass}, want: email.OutcomeUnverified},
		{name: "smtp.auth configured, named", header: "smtp.auth", headers: []string{"Authentication-Results: " + trusted + "; auth=pass smtp.auth=wang.jun; dmarc=pass header.from=dealer.example"}, want: email.OutcomeApplied},
		{name: "header configured, his login", header: "X-Authenticated-Sender", headers: []string{"X-Authenticated-Sender: wang.jun@dealer.example", pass}, want: email.OutcomeApplied},
		{name: "Postfix's Received, his login", header: "Received", headers: []string{pass, "Received: from pc (pc [10.0.0.7]) (Authenticated sender: wang.jun) by mx.dealer.example (Postfix) with ESMTPSA id 4X; x"}, want: email.OutcomeApplied},
		{name: "Postfix's Received, another login", headers: []string{pass, "Received: from pc (pc [10.0.0.7]) (Authenticated sender: li.na) by mx.dealer.example (Postfix) with ESMTPSA id 4X; x"}, want: email.OutcomeUnverified},
		{name: "Postfix's Received configured, none named", header: "Received", headers: []string{pass, "Received: from pc (pc [10.0.0.7]) by mx.dealer.example (Postfix) with ESMTPSA id 4X; x"}, want: email.OutcomeUnverified},
		{name: "header configured, another login", header: "X-Authenticated-Sender", headers: []string{"X-Authenticated-Sender: li.na@dealer.example", pass}, want: email.OutcomeUnverified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *email.Config) { c.SubmitterHeader = tt.header })
			res := f.handle(raw(wang, "NOTE acme hello", "", tt.headers...))
			if res.Outcome != tt.want {
				t.Errorf("outcome %s, want %s", res.Outcome, tt.want)
			}
		})
	}
}
