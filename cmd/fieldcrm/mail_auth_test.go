package main

// Hostile e-mail against the real Main, on the IMAP and SMTP servers of
// mail_test.go: forged Authentication-Results, a token against an explicit
// failure, copied and old tokens, and a colleague writing the director's
// address. Each is refused: nothing changes in the store, and the only mail
// is the one explanation to the From address, which shows nothing of what
// the command asked for.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/email/mailtext"
)

const (
	mailZhou      = "zhou.min@dealer.example" // the director
	dalianContact = "Sun Li"                  // a contact of the Dalian branch, which only the director sees
	dalianMobile  = "13900001111"
	// the trusted server's Received, when it takes a message from outside
	borderReceived = "Received: from mail.evil.example (mail.evil.example [203.0.113.9]) by mx.dealer.example (Postfix) with ESMTPS id 4Xk2; Wed, 25 Nov 2026 10:00:02 +0800"
	// the attacker's own server's Received, below ours
	evilReceived = "Received: from [10.0.0.2] (pc.evil.example [10.0.0.2]) by smtp.evil.example with ESMTPSA id 77; Wed, 25 Nov 2026 10:00:00 +0800"
	// what the attacker writes in his own message
	forgedAR = "Authentication-Results: mx.dealer.example; dkim=pass header.d=dealer.example; spf=pass smtp.mailfrom=zhou.min@dealer.example; dmarc=pass header.from=dealer.example"
	// what the director asks: another branch's contacts, and a change
	directorAsks = "ACCT dalian port\nNOTE dalian port price agreed at 2.1m"
)

// mailAuthScene is what a hostile case works with.
type mailAuthScene struct {
	zhou, dalian int64
	act          int64             // Wang's open activity, assigned by Liu
	notice       *mailtext.Message // the assignment e-mail Wang got for it
	replyTo      string            // its Reply-To (crm+<token>@…)
	thread       []string          // In-Reply-To and References naming it
	sent         map[string]int    // mails to an address before the case
	counts       map[string]int    // the store before the case
	acts         map[int64]crm.Activity
}

// mailAuthStart starts Main with a director and another branch, and Wang's
// assignment notice by e-mail.
func mailAuthStart(t *testing.T, tweak func(*MailConfig)) (*mailEnv, *mailAuthScene) {
	me := mailStart(t, tweak)
	sc := &mailAuthScene{}
	e2eSeed(t, me.m.Store, func(tx *crm.Tx) error {
		zhou := &crm.User{Base: crm.Base{Branch: "beijing", Dept: "machines"}, Name: "Zhou Min", Email: mailZhou,
			Phones: []string{"+8613800000099"}, Role: crm.RoleDirector, Locale: "en"}
		zhao := &crm.User{Base: crm.Base{Branch: "dalian", Dept: "machines"}, Name: "Zhao Lei", Email: "zhao.lei@dealer.example",
			Phones: []string{"+8613800000098"}, Role: crm.RoleSalesman, Locale: "en"}
		for _, u := range []*crm.User{zhou, zhao} {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		a := &crm.Account{Base: crm.Base{Owner: zhao.ID}, Name: "Dalian Port Co."}
		if err := tx.CreateAccount(a, &crm.Contact{Base: crm.Base{Owner: zhao.ID}, Name: dalianContact, Mobile: dalianMobile}); err != nil {
			return err
		}
		sc.zhou, sc.dalian = zhou.ID, a.ID
		u, err := tx.Recipient(me.team.Wang)
		if err != nil {
			return err
		}
		u.OptedOut = true // his notices come by e-mail
		return tx.SaveUser(u)
	})
	reply, _ := me.sms(e2eLiuPhone, "PLAN wang visit acme fri urgent")
	ids := e2eIDs(reply)
	if len(ids) == 0 {
		t.Fatalf("no plan confirmation: %q", reply)
	}
	sc.act = ids[0]
	sc.notice = me.waitAnswers(mailWang, 1)[0]
	sc.replyTo = strings.Trim(header(sc.notice, "Reply-To"), "<> ")
	if !strings.HasPrefix(sc.replyTo, "crm+") {
		t.Fatalf("notice Reply-To %q", sc.replyTo)
	}
	sc.thread = []string{"In-Reply-To: <" + sc.notice.MessageID + ">", "References: <" + sc.notice.MessageID + ">"}
	return me, sc
}

// snapshot records the store and the mail sent so far.
func (sc *mailAuthScene) snapshot(me *mailEnv) {
	sc.counts = e2eCounts(me.t, me.m.Store)
	sc.acts = map[int64]crm.Activity{}
	for id, a := range e2eActivities(me.t, me.m.Store) {
		sc.acts[id] = *a
	}
	sc.sent = map[string]int{}
	for _, addr := range []string{mailZhou, mailWang, mailLiu, mailLi} {
		sc.sent[addr] = len(me.answers(addr))
	}
}

// The director's own mail, vouched for by the server and submitted under his
// own login, is applied and shows the Dalian contact: what the hostile cases
// below must not get.
func TestMailAuthDirectorControl(t *testing.T) {
	me, sc := mailAuthStart(t, nil)
	sc.snapshot(me)
	me.deliver(mailMsg{From: "Zhou Min <" + mailZhou + ">", Subject: "dalian", Body: directorAsks, Trace: []string{
		"Authentication-Results: mx.dealer.example; auth=pass smtp.auth=zhou.min@dealer.example; dkim=pass header.d=dealer.example; dmarc=pass header.from=dealer.example",
		"Received: from pc.dealer.example by mx.dealer.example with ESMTPSA; Wed, 25 Nov 2026 10:00:00 +0800"}})
	ans := me.waitAnswers(mailZhou, 1)[0]
	e2eContains(t, "director's answer", ans.Text, dalianContact, "> NOTE dalian port")
	if after := e2eCounts(t, me.m.Store); after["changesets"] == sc.counts["changesets"] {
		t.Error("the director's note was not stored")
	}
	// and Wang's reply in the thread of his notice acts on it by its token
	me.deliver(mailMsg{From: mailWang, To: sc.replyTo, Subject: "Re: " + sc.notice.Subject, Headers: sc.thread,
		Trace: []string{borderReceived}, Body: fmt.Sprintf("A%d done met purchasing", sc.act)})
	me.waitAnswers(mailWang, 2)
	if a := e2eActivity(t, me.m.Store, sc.act); a.Status != crm.StatusDone {
		t.Errorf("A%d is %s after Wang's reply, want done", sc.act, a.Status)
	}
}

func TestMailAuthHostile(t *testing.T) {
	cases := []struct {
		name  string
		tweak func(*MailConfig)
		// before runs after the scene is set up (e.g. a month passes)
		before func(me *mailEnv, sc *mailAuthScene)
		msg    func(sc *mailAuthScene) mailMsg
	}{
		{name: "forged Authentication-Results below the sender's own server",
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailZhou, Subject: "dalian", Body: directorAsks, Trace: []string{borderReceived,
					"Authentication-Results: mx.dealer.example; spf=pass smtp.mailfrom=bounce@evil.example; dkim=none; dmarc=none",
					evilReceived, forgedAR}}
			}},
		{name: "forged pass handed straight to our server, which says dmarc=fail",
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailZhou, Subject: "dalian", Body: directorAsks, Trace: []string{borderReceived,
					"Authentication-Results: mx.dealer.example; spf=softfail smtp.mailfrom=zhou.min@dealer.example; dkim=none; dmarc=fail header.from=dealer.example",
					forgedAR}}
			}},
		{name: "dmarc=pass that does not name the From domain",
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailZhou, Subject: "dalian", Body: directorAsks, Trace: []string{
					"Authentication-Results: mx.dealer.example; dmarc=pass", borderReceived}}
			}},
		{name: "two From addresses",
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailZhou + ", attacker@evil.example", Subject: "dalian", Body: directorAsks, Trace: []string{
					"Authentication-Results: mx.dealer.example; dkim=pass header.d=dealer.example; dmarc=pass header.from=dealer.example",
					borderReceived}}
			}},
		{name: "a salesman logged in to our server writes the director's address",
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: "Zhou Min <" + mailZhou + ">", Subject: "dalian", Body: directorAsks, Trace: []string{
					"Authentication-Results: mx.dealer.example; auth=pass smtp.auth=wang.jun@dealer.example; dkim=pass header.d=dealer.example; dmarc=pass header.from=dealer.example",
					"Received: from pc7.dealer.example by mx.dealer.example with ESMTPSA; Wed, 25 Nov 2026 10:00:00 +0800"}}
			}},
		{name: "the same with a login without domain",
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailZhou, Subject: "dalian", Body: directorAsks, Trace: []string{
					"Authentication-Results: mx.dealer.example; auth=pass (PLAIN) smtp.auth=wang.jun; dmarc=pass header.from=dealer.example",
					"Received: from pc7.dealer.example by mx.dealer.example with ESMTPSA; Wed, 25 Nov 2026 10:00:00 +0800"}}
			}},
		{name: "the submitter in the configured header is not the From address",
			tweak: func(c *MailConfig) { c.AuthHeader = "X-Authenticated-Sender" },
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailZhou, Subject: "dalian", Body: directorAsks, Trace: []string{
					"X-Authenticated-Sender: mx.dealer.example: wang.jun@dealer.example",
					"Authentication-Results: mx.dealer.example; dkim=pass header.d=dealer.example; dmarc=pass header.from=dealer.example",
					"Received: from pc7.dealer.example by mx.dealer.example with ESMTPSA; Wed, 25 Nov 2026 10:00:00 +0800"}}
			}},
		{name: "the configured submitter header is missing, or only written by the sender",
			tweak: func(c *MailConfig) { c.AuthHeader = "X-Authenticated-Sender" },
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailZhou, Subject: "dalian", Body: directorAsks, Trace: []string{
					"Authentication-Results: mx.dealer.example; dkim=pass header.d=dealer.example; dmarc=pass header.from=dealer.example",
					borderReceived, evilReceived, "X-Authenticated-Sender: zhou.min@dealer.example"}}
			}},
		{name: "a reply token against an explicit dmarc=fail",
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailWang, To: sc.replyTo, Subject: "Re: " + sc.notice.Subject, Headers: sc.thread,
					Body: fmt.Sprintf("A%d done met purchasing", sc.act), Trace: []string{borderReceived,
						"Authentication-Results: mx.dealer.example; spf=fail smtp.mailfrom=wang.jun@dealer.example; dkim=none; dmarc=fail header.from=dealer.example"}}
			}},
		{name: "a reply address copied into a new mail",
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailWang, To: sc.replyTo, Subject: "hello", Trace: []string{borderReceived},
					Body: fmt.Sprintf("A%d done met purchasing", sc.act)}
			}},
		{name: "a reply to a notice older than 30 days",
			before: func(me *mailEnv, sc *mailAuthScene) { me.clock.Advance(31 * 24 * time.Hour) },
			msg: func(sc *mailAuthScene) mailMsg {
				return mailMsg{From: mailWang, To: sc.replyTo, Subject: "Re: " + sc.notice.Subject, Headers: sc.thread,
					Trace: []string{borderReceived}, Body: fmt.Sprintf("A%d done met purchasing", sc.act)}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			me, sc := mailAuthStart(t, tc.tweak)
			if tc.before != nil {
				tc.before(me, sc)
			}
			sc.snapshot(me)
			m := tc.msg(sc)
			me.deliver(m)
			me.processed(1)
			from := mailZhou
			if m.From == mailWang {
				from = mailWang
			}
			// the one explanation to the From address, and nothing else to anyone
			ans := me.waitAnswers(from, sc.sent[from]+1)
			time.Sleep(300 * time.Millisecond) // anything more would be queued by now
			for addr, n := range sc.sent {
				want := n
				if addr == from {
					want++
				}
				if got := len(me.answers(addr)); got != want {
					t.Errorf("%d mails to %s, want %d", got, addr, want)
				}
			}
			expl := ans[len(ans)-1]
			e2eContains(t, "explanation", expl.Text, "was not applied", "could not verify", "of the last 30 days")
			for _, leak := range []string{dalianContact, dalianMobile, "Dalian Port", "done met purchasing"} {
				if strings.Contains(expl.Text, leak) {
					t.Errorf("the explanation shows %q:\n%s", leak, expl.Text)
				}
			}
			after := e2eCounts(t, me.m.Store)
			for k, v := range sc.counts {
				if !strings.HasPrefix(k, "outbox") && after[k] != v {
					t.Errorf("%s: %d before, %d after: a hostile e-mail changed something", k, v, after[k])
				}
			}
			for id, a := range e2eActivities(t, me.m.Store) {
				if b, ok := sc.acts[id]; !ok || a.Status != b.Status || a.Outcome != b.Outcome {
					t.Errorf("activity #%d changed: %s %q, was %s %q", id, a.Status, a.Outcome, b.Status, b.Outcome)
				}
			}
		})
	}
}

// serve warns at start when nothing tells it who logged in to send a mail,
// and not once FIELDCRM_MAIL_AUTH_HEADER says where to look.
func TestMailAuthHeaderWarning(t *testing.T) {
	const warning = "FIELDCRM_MAIL_AUTH_HEADER is not set"
	me := mailStart(t, nil)
	e2eContains(t, "start log", me.log.String(), warning, "send as the director", "smtpd_sasl_authenticated_header")
	me = mailStart(t, func(c *MailConfig) { c.AuthHeader = "smtp.auth" })
	if strings.Contains(me.log.String(), warning) {
		t.Errorf("warned with FIELDCRM_MAIL_AUTH_HEADER set:\n%s", me.log.String())
	}
	var probs []string
	for _, h := range []string{"X-Authenticated-Sender", "smtp.auth", "Received"} {
		c := MailConfig{AuthHeader: h}
		probs = append(probs, c.validate()...)
	}
	if len(probs) != 0 {
		t.Errorf("good values refused: %v", probs)
	}
	c := MailConfig{AuthHeader: "X-Auth: wang"}
	if probs := c.validate(); len(probs) != 1 || !strings.Contains(probs[0], "FIELDCRM_MAIL_AUTH_HEADER") {
		t.Errorf("a bad header name: %v", probs)
	}
}
