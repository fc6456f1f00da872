package main

// End-to-end tests of the email channel: the same Main as serve, reading a
// mailbox on go-imap's IMAP server and sending through go-smtp's SMTP
// server, both on loopback over real TCP.

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/email/emailtest"
	"github.com/fieldcrm/fieldcrm/gateway/email/mailtext"
	"github.com/fieldcrm/fieldcrm/scheduler"
	"github.com/fieldcrm/fieldcrm/templates"
)

const (
	mailCRM     = "crm@dealer.example"
	mailPass    = "s3cret"
	mailTrusted = "mx.dealer.example"
	mailWang    = "wang.jun@dealer.example"
	mailLiu     = "liu.yang@dealer.example"
	mailLi      = "li.na@dealer.example"
)

type mailEnv struct {
	*e2eEnv
	imap *emailtest.IMAPServer
	smtp *emailtest.SMTPServer
	seq  atomic.Int64
}

// mailStart starts a Main with the email channel on fresh IMAP and SMTP
// servers; the team's users get e-mail addresses.
func mailStart(t testing.TB, tweak func(*MailConfig)) *mailEnv {
	t.Helper()
	imap, err := emailtest.NewIMAP(emailtest.IMAPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imap.Close() })
	if err := imap.AddUser(mailCRM, mailPass); err != nil {
		t.Fatal(err)
	}
	smtp, err := emailtest.NewSMTP(emailtest.SMTPOptions{Users: map[string]string{mailCRM: mailPass}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtp.Close() })
	me := &mailEnv{imap: imap, smtp: smtp}
	me.e2eEnv = e2eStart(t, "", func(cfg *Config, m *Main) {
		cfg.Mail = MailConfig{IMAPAddr: imap.Addr(), IMAPUser: mailCRM, IMAPPassword: mailPass, IMAPTLS: "none",
			SMTPAddr: smtp.Addr(), SMTPUser: mailCRM, SMTPPassword: mailPass, SMTPTLS: "none",
			From: "fieldcrm <" + mailCRM + ">", TrustedHost: mailTrusted, Poll: 200 * time.Millisecond}
		if tweak != nil {
			tweak(&cfg.Mail)
		}
		if probs := cfg.Mail.validate(); len(probs) > 0 {
			t.Fatalf("mail configuration: %v", probs)
		}
	})
	e2eSeed(t, me.m.Store, func(tx *crm.Tx) error {
		for id, addr := range map[int64]string{me.team.Wang: mailWang, me.team.Liu: mailLiu, me.team.Li: mailLi} {
			u, err := tx.Recipient(id)
			if err != nil {
				return err
			}
			u.Email = addr
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	return me
}

// mailWaitUntil polls cond for up to 20 s: the mail path has more round
// trips than the webhook, and CI runs it under -race beside other packages.
func mailWaitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// mailMsg is a message as a mail client writes it.
type mailMsg struct {
	From, To, Subject, ID string
	Body                  string
	Headers               []string // extra "Name: value" lines
	Auth                  bool     // the trusted receiving server vouches for the sender
	// Trace, when set, are the first header lines instead of the usual
	// Received and Authentication-Results (Auth is then ignored).
	Trace []string
}

func (me *mailEnv) raw(m mailMsg) []byte {
	if m.To == "" {
		m.To = mailCRM
	}
	if m.ID == "" {
		m.ID = fmt.Sprintf("t%d.%d@dealer.example", time.Now().UnixNano(), me.seq.Add(1))
	}
	var b strings.Builder
	for _, l := range m.Trace {
		b.WriteString(l + "\r\n")
	}
	if m.Trace == nil {
		b.WriteString("Received: from pc.dealer.example by mx.dealer.example; Wed, 25 Nov 2026 10:00:00 +0800\r\n")
	}
	if m.Auth && m.Trace == nil {
		_, dom, _ := strings.Cut(m.From, "@")
		fmt.Fprintf(&b, "Authentication-Results: %s; dkim=pass header.d=%s; spf=pass smtp.mailfrom=%s; dmarc=pass header.from=%s\r\n",
			mailTrusted, dom, m.From, dom)
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0800\r\n", m.From, m.To, m.Subject, m.ID)
	for _, h := range m.Headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	return []byte(b.String())
}

// deliver puts a message in fieldcrm's inbox and returns its Message-ID.
func (me *mailEnv) deliver(m mailMsg) string {
	me.t.Helper()
	raw := me.raw(m)
	if _, err := me.imap.Append(mailCRM, "INBOX", raw); err != nil {
		me.t.Fatal(err)
	}
	msg, err := mailtext.Read(raw, mailtext.Limits{})
	if err != nil {
		me.t.Fatal(err)
	}
	return msg.MessageID
}

// answers returns what fieldcrm sent to addr, parsed.
func (me *mailEnv) answers(addr string) []*mailtext.Message {
	me.t.Helper()
	var out []*mailtext.Message
	for _, r := range me.smtp.Messages() {
		for _, to := range r.To {
			if strings.EqualFold(to, addr) {
				m, err := mailtext.Read(r.Raw, mailtext.Limits{})
				if err != nil {
					me.t.Fatalf("fieldcrm sent an unreadable message: %v\n%s", err, r.Raw)
				}
				out = append(out, m)
			}
		}
	}
	return out
}

// waitAnswers waits until addr got n messages.
func (me *mailEnv) waitAnswers(addr string, n int) []*mailtext.Message {
	me.t.Helper()
	mailWaitUntil(me.t, fmt.Sprintf("%d e-mails to %s", n, addr), func() bool { return len(me.answers(addr)) >= n })
	return me.answers(addr)
}

// processed waits until n messages are in Processed and INBOX is empty.
func (me *mailEnv) processed(n int) {
	me.t.Helper()
	mailWaitUntil(me.t, fmt.Sprintf("%d messages handled", n), func() bool {
		in, _ := me.imap.Messages(mailCRM, "INBOX")
		done, _ := me.imap.Messages(mailCRM, "Processed")
		return len(in) == 0 && len(done) == n
	})
}

func (me *mailEnv) visits(account int64) []*crm.Activity {
	var out []*crm.Activity
	for _, a := range e2eActivities(me.t, me.m.Store) {
		if a.Account == account && a.Type == "visit" && a.Status == crm.StatusDone {
			out = append(out, a)
		}
	}
	return out
}

func header(m *mailtext.Message, name string) string {
	if v := m.Header[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// A command by email is applied and answered in the same thread: subject
// and body lines are commands, the signature is not.
func TestMailCommandAnswered(t *testing.T) {
	me := mailStart(t, nil)
	id := me.deliver(mailMsg{From: "Wang Jun <" + mailWang + ">", Subject: "VISIT acme; met Zhang Wei; wants 2x 320D", Auth: true,
		Body: "OPPS\n\n-- \nWang Jun\nSales, Shenyang\n"})
	ans := me.waitAnswers(mailWang, 1)[0]
	me.processed(1)
	if got := header(ans, "In-Reply-To"); got != "<"+id+">" {
		t.Errorf("In-Reply-To = %q, want <%s>", got, id)
	}
	if refs := strings.Join(ans.References, " "); !strings.Contains(refs, id) {
		t.Errorf("References %q lack %s", refs, id)
	}
	if ans.Subject != "Re: VISIT acme; met Zhang Wei; wants 2x 320D" {
		t.Errorf("subject %q", ans.Subject)
	}
	if got := header(ans, "Auto-Submitted"); got != "auto-replied" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	if rt := header(ans, "Reply-To"); !strings.Contains(rt, "crm+") || !strings.Contains(rt, "@dealer.example") {
		t.Errorf("Reply-To %q is not fieldcrm's plus address", rt)
	}
	if !strings.HasSuffix(ans.MessageID, "@dealer.example") {
		t.Errorf("Message-ID %q not from fieldcrm's domain", ans.MessageID)
	}
	vs := me.visits(me.team.Acme)
	if len(vs) != 1 {
		t.Fatalf("%d visits at ACME, want 1", len(vs))
	}
	e2eContains(t, "answer", ans.Text, "> VISIT acme; met Zhang Wei; wants 2x 320D", fmt.Sprintf("#%d", vs[0].ID), "> OPPS")
	if strings.Contains(ans.Text, "> Wang Jun") || strings.Contains(ans.Text, "Sales, Shenyang") {
		t.Errorf("the signature was read as commands:\n%s", ans.Text)
	}
	if n := strings.Count(ans.Text, "\n> "); n != 2 {
		t.Errorf("%d lines answered, want 2:\n%s", n, ans.Text)
	}
	done, _ := me.imap.Messages(mailCRM, "Processed")
	if !strings.Contains(strings.Join(done[0].Flags, " "), `\Seen`) {
		t.Errorf("processed message flags %v lack \\Seen", done[0].Flags)
	}
}

// A reply to the morning summary acts on two of its items by their tokens,
// as the user it was sent to; his mail server's word is not needed: the
// token in the reply address and References vouches for him.
func TestMailDigestReply(t *testing.T) {
	me := mailStart(t, nil)
	now := me.clock.Now()
	var a1, a2 int64
	e2eSeed(t, me.m.Store, func(tx *crm.Tx) error {
		for i, subj := range []string{"demo 320D", "quote 950H"} {
			a := &crm.Activity{Base: crm.Base{Owner: me.team.Wang}, Type: "visit", Subject: subj, Account: me.team.Acme,
				Due: now.Add(time.Duration(2+i) * time.Hour), Priority: "normal", Status: crm.StatusOpen,
				AssignedBy: me.team.Liu, AssignedAt: now.Add(-time.Hour)}
			if err := tx.CreateActivity(a); err != nil {
				return err
			}
			if i == 0 {
				a1 = a.ID
			} else {
				a2 = a.ID
			}
		}
		return nil
	})
	s, err := scheduler.New(scheduler.Config{Store: me.m.Store, Templates: templates.MustNew(), Email: true, Kick: me.m.Outbox.Kick,
		Now: me.clock.Now, Location: e2eShanghai, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	morning := time.Date(now.Year(), now.Month(), now.Day(), 6, 30, 0, 0, e2eShanghai) // when the summary goes out
	if c, err := s.Run(context.Background(), "summary", morning); err != nil || c["email"] != 1 {
		t.Fatalf("summary: %v %v", c, err)
	}
	digest := me.waitAnswers(mailWang, 1)[0]
	tok1, tok2 := fmt.Sprintf("[A%d]", a1), fmt.Sprintf("[A%d]", a2)
	e2eContains(t, "summary e-mail", digest.Text, tok1, tok2)
	replyTo := strings.Trim(header(digest, "Reply-To"), "<> ")
	if !strings.HasPrefix(replyTo, "crm+") {
		t.Fatalf("summary Reply-To %q", replyTo)
	}
	quoted := "> " + strings.ReplaceAll(strings.TrimSpace(digest.Text), "\n", "\n> ")
	replyID := me.deliver(mailMsg{From: mailWang, To: replyTo, Subject: "Re: " + digest.Subject,
		Headers: []string{"In-Reply-To: <" + digest.MessageID + ">", "References: <" + digest.MessageID + ">"},
		Body:    fmt.Sprintf("A%d done met purchasing, wants a quote\nA%d reject customer away until december\n\nOn Wed, 25 Nov 2026 at 06:30, fieldcrm <crm@dealer.example> wrote:\n%s\n", a1, a2, quoted)})
	ans := me.waitAnswers(mailWang, 2)[1]
	me.processed(1)
	if got := e2eActivity(t, me.m.Store, a1); got.Status != crm.StatusDone || !strings.Contains(got.Outcome, "met purchasing") {
		t.Errorf("A%d: status %s outcome %q, want done with the outcome", a1, got.Status, got.Outcome)
	}
	if got := e2eActivity(t, me.m.Store, a2); got.Status != crm.StatusRejected || !strings.Contains(got.Outcome, "customer away") {
		t.Errorf("A%d: status %s outcome %q, want rejected with the reason", a2, got.Status, got.Outcome)
	}
	if n := strings.Count(ans.Text, "\n> "); n != 2 {
		t.Errorf("%d lines answered, want 2 (the quoted summary is not commands):\n%s", n, ans.Text)
	}
	if got := header(ans, "In-Reply-To"); got != "<"+replyID+">" || !strings.HasPrefix(ans.Subject, "Re: ") {
		t.Errorf("answer not threaded: In-Reply-To %q subject %q", got, ans.Subject)
	}
}

// A message whose From is a user's but that nobody vouches for is not
// applied, and the user hears of it once a day, not once per message. A
// token of another user does not help.
func TestMailSpoofedFromRefused(t *testing.T) {
	me := mailStart(t, nil)
	before := e2eCounts(t, me.m.Store)
	// no Authentication-Results at all
	me.deliver(mailMsg{From: mailWang, Subject: "VISIT acme; met Zhang Wei", Body: "OPP acme; 2x 320D; 2.4m\n"})
	// a pass claimed by a host that is not ours
	me.deliver(mailMsg{From: mailWang, Subject: "NOTE acme hello", Headers: []string{
		"Authentication-Results: evil.example; dkim=pass header.d=dealer.example; dmarc=pass header.from=dealer.example"}})
	// a reply address with Liu's token
	liuTok := me.m.Mail.Tokens().For(me.team.Liu, 1, me.clock.Now())
	me.deliver(mailMsg{From: mailWang, To: "crm+" + liuTok + "@dealer.example", Subject: "Re: your day", Body: "OPPS\n"})
	// and DKIM failing at our own server
	me.deliver(mailMsg{From: mailWang, Subject: "TODAY", Headers: []string{
		"Authentication-Results: " + mailTrusted + "; dkim=fail header.d=dealer.example; spf=softfail smtp.mailfrom=dealer.example; dmarc=fail header.from=dealer.example"}})
	me.processed(4)
	ans := me.waitAnswers(mailWang, 1)
	time.Sleep(300 * time.Millisecond) // a second explanation would be queued by now
	if ans = me.answers(mailWang); len(ans) != 1 {
		t.Fatalf("%d explanations, want 1 per day", len(ans))
	}
	e2eContains(t, "explanation", ans[0].Text, "was not applied", "could not verify")
	after := e2eCounts(t, me.m.Store)
	for k, v := range before {
		if !strings.HasPrefix(k, "outbox") && after[k] != v {
			t.Errorf("%s: %d before, %d after: a spoofed e-mail changed something", k, v, after[k])
		}
	}
	// the next day he is told again
	me.clock.Advance(25 * time.Hour)
	me.deliver(mailMsg{From: mailWang, Subject: "VISIT acme; met Zhang Wei"})
	me.waitAnswers(mailWang, 2)
	if len(me.visits(me.team.Acme)) != 0 {
		t.Error("a spoofed visit was stored")
	}
}

// Auto-replies and bounces are never answered and change nothing.
func TestMailAutoReplyIgnored(t *testing.T) {
	me := mailStart(t, nil)
	before := e2eCounts(t, me.m.Store)
	me.deliver(mailMsg{From: mailWang, Subject: "Automatic reply: fieldcrm: your day", Auth: true,
		Headers: []string{"Auto-Submitted: auto-replied", "X-Autoreply: yes"}, Body: "I am out of the office until Monday.\nVISIT acme\n"})
	me.deliver(mailMsg{From: "MAILER-DAEMON@dealer.example", Subject: "Undelivered Mail Returned to Sender", Auth: true,
		Body: "This is the mail system at host mx.dealer.example.\n"})
	me.deliver(mailMsg{From: mailLiu, Subject: "weekly newsletter", Auth: true, Headers: []string{"Precedence: bulk"}, Body: "TODAY\n"})
	me.processed(3)
	after := e2eCounts(t, me.m.Store)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %d before, %d after", k, v, after[k])
		}
	}
	// a command after them is answered: the channel works and the three were really ignored
	me.deliver(mailMsg{From: mailWang, Subject: "TODAY", Auth: true})
	ans := me.waitAnswers(mailWang, 1)
	me.processed(4)
	if len(ans) != 1 || !strings.Contains(ans[0].Subject, "TODAY") {
		t.Fatalf("answers to Wang: %d (want only the one to TODAY)", len(ans))
	}
	if n := len(me.answers(mailLiu)) + len(me.answers("MAILER-DAEMON@dealer.example")); n != 0 {
		t.Errorf("%d answers to an auto-reply or bounce", n)
	}
}

// The IMAP connection dropped while mail arrives: the watcher reconnects and
// every message is applied once, none lost, none repeated.
func TestMailDroppedConnectionRecovered(t *testing.T) {
	me := mailStart(t, nil)
	me.deliver(mailMsg{From: mailWang, Subject: "VISIT acme; first", Auth: true})
	me.processed(1)
	me.imap.DropConnections()
	me.deliver(mailMsg{From: mailWang, Subject: "VISIT acme; second", Auth: true})
	me.deliver(mailMsg{From: mailWang, Subject: "VISIT acme; third", Auth: true})
	me.imap.DropConnections()
	me.deliver(mailMsg{From: mailWang, Subject: "VISIT acme; fourth", Auth: true})
	me.processed(4)
	me.waitAnswers(mailWang, 4)
	mailWaitUntil(t, "a reconnect", func() bool { return me.m.imap.Status().Reconnects >= 1 && me.m.imap.Status().Connected })
	me.deliver(mailMsg{From: mailWang, Subject: "VISIT acme; fifth", Auth: true})
	me.processed(5)
	me.waitAnswers(mailWang, 5)
	vs := me.visits(me.team.Acme)
	if len(vs) != 5 {
		t.Fatalf("%d visits, want 5 (one per message)", len(vs))
	}
	seen := map[string]int{}
	for _, v := range vs {
		seen[v.Notes]++
	}
	for _, w := range []string{"first", "second", "third", "fourth", "fifth"} {
		if seen[w] != 1 {
			t.Errorf("visit %q stored %d times (all: %v)", w, seen[w], seen)
		}
	}
	if n := len(me.answers(mailWang)); n != 5 {
		t.Errorf("%d answers, want 5", n)
	}
}

// The same message delivered twice (same Message-ID) is applied and
// answered once; the copy still leaves the inbox.
func TestMailDuplicateDelivery(t *testing.T) {
	me := mailStart(t, nil)
	m := mailMsg{From: mailWang, Subject: "VISIT acme; met Zhang Wei", Auth: true, ID: "dup.1@dealer.example", Body: "NOTE acme asked for a brochure\n"}
	me.deliver(m)
	me.processed(1)
	me.waitAnswers(mailWang, 1)
	me.deliver(m)
	me.processed(2)
	// and once more after a restart, with the watcher's state reloaded
	me.restart()
	me.deliver(m)
	me.processed(3)
	time.Sleep(300 * time.Millisecond)
	if n := len(me.answers(mailWang)); n != 1 {
		t.Errorf("%d answers, want 1", n)
	}
	if n := len(me.visits(me.team.Acme)); n != 1 {
		t.Errorf("%d visits, want 1", n)
	}
}

// Attachments to DOC are filed as documents of the account; one too big is
// refused by name.
func TestMailDocumentsFiled(t *testing.T) {
	me := mailStart(t, nil)
	pdf := "%PDF-1.4\n" + strings.Repeat("contract text ", 200)
	big := strings.Repeat("v", 11<<20)
	enc := func(s string) string {
		var b strings.Builder
		w := newBase64Lines(&b)
		io.WriteString(w, s)
		w.Close()
		return b.String()
	}
	body := "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDOC acme; signed contract 320D\r\n\r\n" +
		"--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"contract.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + enc(pdf) + "\r\n" +
		"--b1\r\nContent-Type: video/mp4\r\nContent-Disposition: attachment; filename=\"site.mp4\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + enc(big) + "\r\n--b1--\r\n"
	raw := "Authentication-Results: " + mailTrusted + "; dmarc=pass header.from=dealer.example\r\nFrom: " + mailWang + "\r\nTo: " + mailCRM +
		"\r\nSubject: contract\r\nMessage-ID: <doc.1@dealer.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" + body
	if _, err := me.imap.Append(mailCRM, "INBOX", []byte(raw)); err != nil {
		t.Fatal(err)
	}
	ans := me.waitAnswers(mailWang, 1)[0]
	e2eContains(t, "answer", ans.Text, fmt.Sprintf("OK 1 document filed under ACME Mining #%d: contract.pdf.", me.team.Acme), "site.mp4 not filed: 11 MB")
	var docs []*crm.Document
	e2eView(t, me.m.Store, func(tx *crm.Tx) error {
		return tx.Each(crm.KindDocument, func(r crm.Record) bool { docs = append(docs, r.(*crm.Document)); return true })
	})
	if len(docs) != 1 || docs[0].Name != "contract.pdf" || docs[0].Account != me.team.Acme || docs[0].Size != int64(len(pdf)) ||
		docs[0].Note != "signed contract 320D" {
		t.Fatalf("documents: %+v", docs)
	}
	e2eView(t, me.m.Store, func(tx *crm.Tx) error {
		_, data, err := tx.DocumentData(docs[0].ID)
		if string(data) != pdf {
			t.Errorf("stored content differs (%d bytes)", len(data))
		}
		return err
	})
}

// newBase64Lines encodes to w in lines of 76 characters, as MIME wants.
func newBase64Lines(w io.Writer) io.WriteCloser {
	return base64.NewEncoder(base64.StdEncoding, &lineWrapper{w: w})
}

type lineWrapper struct {
	w io.Writer
	n int
}

func (l *lineWrapper) Write(p []byte) (int, error) {
	for _, c := range p {
		if l.n == 76 {
			io.WriteString(l.w, "\r\n")
			l.n = 0
		}
		l.w.Write([]byte{c})
		l.n++
	}
	return len(p), nil
}

// A manager assigns by SMS; the assignee, who stopped SMS, gets the notice by
// e-mail with the activity's token and closes it by replying from his inbox.
func TestMailNoticeReply(t *testing.T) {
	me := mailStart(t, nil)
	e2eSeed(t, me.m.Store, func(tx *crm.Tx) error {
		u, err := tx.Recipient(me.team.Wang)
		if err != nil {
			return err
		}
		u.OptedOut = true
		return tx.SaveUser(u)
	})
	reply, _ := me.sms(e2eLiuPhone, "PLAN wang visit acme fri urgent")
	ids := e2eIDs(reply)
	if len(ids) == 0 {
		t.Fatalf("no plan confirmation: %q", reply)
	}
	id := ids[0]
	notice := me.waitAnswers(mailWang, 1)[0]
	tok := fmt.Sprintf("A%d", id)
	e2eContains(t, "assignment e-mail", notice.Text, "["+tok+"]", "Liu Yang assigned you")
	replyTo := strings.Trim(header(notice, "Reply-To"), "<> ")
	me.deliver(mailMsg{From: mailWang, To: replyTo, Subject: "Re: " + notice.Subject,
		Headers: []string{"In-Reply-To: <" + notice.MessageID + ">", "References: <" + notice.MessageID + ">"},
		Body:    tok + " done met purchasing\n\nOn Wed, 25 Nov 2026, fieldcrm wrote:\n> [" + tok + "] " + strings.TrimSpace(notice.Text) + "\n"})
	ans := me.waitAnswers(mailWang, 2)[1]
	if a := e2eActivity(t, me.m.Store, id); a.Status != crm.StatusDone {
		t.Errorf("%s is %s after the e-mail reply, want done", tok, a.Status)
	}
	e2eContains(t, "answer to an opted-out SMS user", ans.Text, "> "+tok+" done met purchasing", fmt.Sprintf("#%d", id))
	if n := len(e2eMessagesTo(me.api, e2eWangPhone)); n != 0 {
		t.Errorf("%d SMS to a user who sent STOP", n)
	}
}

// The sender's name and a closing above "Sent from my phone" sign the mail
// off: they are not commands (they were answered `Unknown command "Wang"`).
func TestMailSignOffNotACommand(t *testing.T) {
	me := mailStart(t, nil)
	me.deliver(mailMsg{From: "Wang Jun <" + mailWang + ">", Subject: "Re: your day", Auth: true,
		Body: "NOTE acme asked for a brochure\nThanks,\nWang\n\nSent from my Huawei phone\n"})
	ans := me.waitAnswers(mailWang, 1)[0]
	me.processed(1)
	if n := strings.Count(ans.Text, "\n> "); n != 1 || strings.Contains(ans.Text, "Unknown command") || strings.Contains(ans.Text, "> Wang") {
		t.Errorf("the sign-off was read as commands:\n%s", ans.Text)
	}
	e2eContains(t, "answer", ans.Text, "> NOTE acme asked for a brochure", "OK note")
}

// Issue 15, point 6, by e-mail: the subject and body lines lose their bidi
// controls before they are read; the visit is stored without them.
func TestMailBidiStripped(t *testing.T) {
	me := mailStart(t, nil)
	me.deliver(mailMsg{From: "Wang Jun <" + mailWang + ">", Subject: "VISIT acme; met Zhang Wei; \u202Eevil\u202C", Auth: true,
		Body: "\u2067OPPS\u2069\n"})
	ans := me.waitAnswers(mailWang, 1)[0]
	me.processed(1)
	vs := me.visits(me.team.Acme)
	if len(vs) != 1 || hostileHasBidi(vs[0].Subject+vs[0].Notes+vs[0].Outcome) {
		t.Fatalf("visits %+v", vs)
	}
	if hostileHasBidi(ans.Text) || !strings.Contains(ans.Text, "> OPPS") || !strings.Contains(ans.Text, "evil") {
		t.Errorf("answer:\n%q", ans.Text)
	}
}
