package email_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

const (
	crmAddr = "crm@dealer.example"
	trusted = "mx.dealer.example"
	wang    = "wang.jun@dealer.example"
)

type fixture struct {
	t     *testing.T
	h     *email.Handler
	store *crm.Store
	mu    sync.Mutex
	now   time.Time
	wang  int64
	acme  int64
}

func (f *fixture) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func newFixture(t *testing.T, cfg func(*email.Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	s, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.store = s
	_, err = s.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		u := &crm.User{Name: "Wang Jun", Email: wang, Phones: []string{"+8613800000002"}, Role: crm.RoleSalesman,
			Base: crm.Base{Branch: "sy", Dept: "m"}, Locale: "en"}
		if err := tx.SaveUser(u); err != nil {
			return err
		}
		f.wang = u.ID
		a := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: "ACME Mining"}
		if err := tx.CreateAccount(a, &crm.Contact{Name: "Zhang Wei"}); err != nil {
			return err
		}
		f.acme = a.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tpl := templates.MustNew()
	pipe, err := gateway.New(gateway.Config{Store: s, Templates: tpl, Log: log, Email: true, MaxSegments: 1000})
	if err != nil {
		t.Fatal(err)
	}
	c := email.Config{Store: s, Pipeline: pipe, Templates: tpl, Log: log, Address: crmAddr, TrustedHost: trusted}
	if cfg != nil {
		cfg(&c)
	}
	if f.h, err = email.New(c); err != nil {
		t.Fatal(err)
	}
	return f
}

var seq int

func raw(from, subject, body string, headers ...string) []byte {
	seq++
	var b strings.Builder
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <u%d.%d@dealer.example>\r\n", from, crmAddr, subject, seq, time.Now().UnixNano())
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
	return []byte(b.String())
}

func authOK(from string) string {
	_, dom, _ := strings.Cut(from, "@")
	return "Authentication-Results: " + trusted + "; dmarc=pass header.from=" + dom
}

func (f *fixture) handle(rawMsg []byte) *email.Result {
	f.t.Helper()
	res, err := f.h.Handle(context.Background(), rawMsg, false)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func (f *fixture) mails(to string) []*outbox.Entry {
	f.t.Helper()
	es, err := outbox.List(f.store.Engine(), outbox.Filter{To: to})
	if err != nil {
		f.t.Fatal(err)
	}
	return es
}

// rawKept counts the unreadable messages kept.
func (f *fixture) rawKept() int {
	n := 0
	f.store.Engine().View(context.Background(), func(tx crm.ETx) error {
		n = tx.State("mail/raw").Count()
		return nil
	})
	return n
}

func TestTokens(t *testing.T) {
	tk, err := email.NewTokens([]byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 10, 17, 0, 0, time.UTC)
	for _, c := range []struct{ user, entry int64 }{{1, 1}, {17, 0}, {123456789, 987654321}} {
		tok := tk.For(c.user, c.entry, at)
		want := email.Token{User: c.user, Entry: c.entry, Issued: at.Truncate(time.Hour)}
		if got, ok := tk.Check(tok); !ok || got.User != want.User || got.Entry != want.Entry || !got.Issued.Equal(want.Issued) {
			t.Errorf("Check(For(%d, %d)) = %+v, %v; want %+v", c.user, c.entry, got, ok, want)
		}
		if got, ok := tk.Check(strings.ToUpper(tok)); !ok || got.User != c.user {
			t.Errorf("upper-case token of %d not accepted", c.user)
		}
		// one character changed: refused
		for i := range tok {
			b := []byte(tok)
			b[i] = "ab"[b[i]%2]
			if string(b) == tok {
				continue
			}
			if _, ok := tk.Check(string(b)); ok {
				t.Errorf("a changed token of %d was accepted (%s)", c.user, b)
			}
		}
	}
	other, _ := email.NewTokens([]byte("another key, 16+ bytes"))
	if _, ok := other.Check(tk.For(17, 3, at)); ok {
		t.Error("a token made with another key was accepted")
	}
	for _, bad := range []string{"", "abc", "!!!!", strings.Repeat("a", 40), strings.Repeat("7", 80)} {
		if _, ok := tk.Check(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The loop guard: no address gets more than MaxRepliesPerHour answers in an
// hour, whatever it sends; the commands are still applied.
func TestLoopGuard(t *testing.T) {
	f := newFixture(t, func(c *email.Config) { c.MaxRepliesPerHour = 3 })
	for i := range 5 {
		res := f.handle(raw(wang, "NOTE acme call "+fmt.Sprint(i), "", authOK(wang)))
		if res.Outcome != email.OutcomeApplied || res.Replied != (i < 3) || res.Limited != (i >= 3) {
			t.Errorf("message %d: outcome %s replied %v limited %v", i, res.Outcome, res.Replied, res.Limited)
		}
	}
	if n := len(f.mails(wang)); n != 3 {
		t.Errorf("%d answers, want 3", n)
	}
	f.advance(61 * time.Minute)
	if res := f.handle(raw(wang, "TODAY", "", authOK(wang))); !res.Replied {
		t.Error("not answered an hour later")
	}
}

// What cannot be read is kept, and a registered sender is told once a day;
// a message larger than the reader takes is refused by its size.
func TestUnreadableAndTooBig(t *testing.T) {
	f := newFixture(t, nil)
	garbage := []byte("\x00\x01 garbled by a relay\r\nFrom: " + wang + "\r\nSubject: TODAY\r\n\r\nTODAY\r\n")
	for i, want := range []string{email.OutcomeUnreadable, email.OutcomeDup} {
		if res := f.handle(garbage); res.Outcome != want {
			t.Fatalf("delivery %d: outcome %s, want %s", i+1, res.Outcome, want)
		}
	}
	res := f.handle(append([]byte("\x00 another one\r\n"), garbage...))
	if res.Outcome != email.OutcomeUnreadable || res.Replied {
		t.Fatalf("second unreadable message the same day: %+v", res)
	}
	es := f.mails(wang)
	if len(es) != 1 || !strings.Contains(es[0].Text, "could not be read") {
		t.Fatalf("%d explanations to the sender of an unreadable message, want 1", len(es))
	}
	if n := f.rawKept(); n != 2 {
		t.Errorf("%d unreadable messages kept, want 2", n)
	}
	big := raw(wang, "VISIT acme; video", "", authOK(wang))
	res, err := f.h.Handle(context.Background(), big, true)
	if err != nil || res.Outcome != email.OutcomeTooBig || !res.Replied {
		t.Fatalf("truncated message: %+v %v", res, err)
	}
	var found bool
	for _, e := range f.mails(wang) {
		if strings.Contains(e.Text, "larger than 25 MB") {
			found = true
		}
	}
	if !found {
		t.Error("no too-big explanation")
	}
}

// A message that keeps failing inside fieldcrm is given up: kept raw, done
// (a later offer is a duplicate), its sender told once that it was not
// carried out. What was applied of it before stays applied.
func TestGiveUp(t *testing.T) {
	f := newFixture(t, nil)
	m := raw(wang, "today's visits", "VISIT acme; met Zhang Wei\n", authOK(wang))
	res, err := f.h.GiveUp(context.Background(), m, errors.New("disk on fire"))
	if err != nil || res.Outcome != email.OutcomeFailed || !res.Replied {
		t.Fatalf("give up: %+v %v", res, err)
	}
	if res, err := f.h.GiveUp(context.Background(), m, errors.New("disk on fire")); err != nil || res.Outcome != email.OutcomeDup {
		t.Fatalf("given up twice: %+v %v", res, err)
	}
	if res := f.handle(m); res.Outcome != email.OutcomeDup {
		t.Errorf("offered again after the give-up: %+v", res)
	}
	es := f.mails(wang)
	if len(es) != 1 || !strings.Contains(es[0].Text, "could not be carried out because of an error at fieldcrm") || !strings.Contains(es[0].Text, "today's visits") {
		t.Fatalf("explanations %+v", es)
	}
	if n := f.rawKept(); n != 1 {
		t.Errorf("%d messages kept raw, want 1", n)
	}
	n := 0
	f.store.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindActivity, func(crm.Record) bool { n++; return true })
	})
	if n != 0 {
		t.Errorf("%d activities stored by a message given up", n)
	}
}

// The subject is a command only when it reads as one and the message is no
// reply; at most MaxLines lines are read, and the answer says so.
func TestSubjectAndLines(t *testing.T) {
	f := newFixture(t, func(c *email.Config) { c.MaxLines = 3 })
	res := f.handle(raw(wang, "Hello from the site", "TODAY\nOPPS\n", authOK(wang)))
	if len(res.Lines) != 2 || res.Lines[0].Command != "TODAY" {
		t.Errorf("lines %+v: a subject that is no command was read", res.Lines)
	}
	res = f.handle(raw(wang, "Re: TODAY", "OPPS\n", authOK(wang)))
	if len(res.Lines) != 1 {
		t.Errorf("lines %+v: a reply's subject was read", res.Lines)
	}
	res = f.handle(raw(wang, "NOTE acme one", "NOTE acme two\nNOTE acme three\nNOTE acme four\nNOTE acme five\n", authOK(wang)))
	if len(res.Lines) != 3 {
		t.Fatalf("%d lines read, want 3", len(res.Lines))
	}
	es := f.mails(wang)
	if !strings.Contains(es[0].Text, "Only the first 3 lines were read; 2 more were not") {
		t.Errorf("the answer does not say lines were not read:\n%s", es[0].Text)
	}
	res = f.handle(raw(wang, "", "\n\n-- \nWang Jun\n", authOK(wang)))
	if res.Outcome != email.OutcomeEmpty || !res.Replied {
		t.Errorf("empty message: %+v", res)
	}
}

// A sender nobody knows is told only when the receiving server vouches for
// his address (no backscatter to forged senders), once a day.
func TestUnknownSender(t *testing.T) {
	f := newFixture(t, nil)
	stranger := "buyer@customer.example"
	res := f.handle(raw(stranger, "TODAY", ""))
	if res.Outcome != email.OutcomeUnknown || res.Replied {
		t.Errorf("unvouched stranger: %+v", res)
	}
	res = f.handle(raw(stranger, "TODAY", "", authOK(stranger)))
	if res.Outcome != email.OutcomeUnknown || !res.Replied {
		t.Errorf("vouched stranger: %+v", res)
	}
	res = f.handle(raw(stranger, "OPPS", "", authOK(stranger)))
	if res.Replied {
		t.Error("told twice in a day")
	}
	es := f.mails(stranger)
	if len(es) != 1 || !strings.Contains(es[0].Text, "not registered") {
		t.Fatalf("explanations: %d", len(es))
	}
}

// A photo attached to a visit report is filed under the visit's account; a
// logo inline in the signature is not; without any command naming an
// account, the sender is told how to file them.
func TestAttachmentsFollowTheAccount(t *testing.T) {
	f := newFixture(t, nil)
	multipart := func(subject, text string) []byte {
		seq++
		return []byte(authOK(wang) + "\r\nFrom: " + wang + "\r\nTo: " + crmAddr + "\r\nSubject: " + subject +
			fmt.Sprintf("\r\nMessage-ID: <att%d@dealer.example>\r\n", seq) +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
			"--XX\r\nContent-Type: multipart/related; boundary=YY\r\n\r\n" +
			"--YY\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + text + "</p><img src=\"cid:logo\">\r\n" +
			"--YY\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\nContent-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--YY--\r\n" +
			"--XX\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"site.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRgABAQ==\r\n--XX--\r\n")
	}
	res := f.handle(multipart("VISIT acme; met Zhang Wei; checked the 320D", "photo of the machine attached"))
	if res.Outcome != email.OutcomeApplied || res.Documents != 1 {
		t.Fatalf("visit with a photo: outcome %s, %d documents (want 1: the inline logo is no document)", res.Outcome, res.Documents)
	}
	var docs []*crm.Document
	f.store.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindDocument, func(r crm.Record) bool { docs = append(docs, r.(*crm.Document)); return true })
	})
	if len(docs) != 1 || docs[0].Name != "site.jpg" || docs[0].Account != f.acme || docs[0].ContentType != "image/jpeg" {
		t.Fatalf("documents: %+v", docs)
	}
	if !strings.Contains(res.Lines[0].Result, "OK 1 document filed under ACME Mining") {
		t.Errorf("the visit's answer does not name the document:\n%s", res.Lines[0].Result)
	}
	res = f.handle(multipart("TODAY", "see attached"))
	if res.Documents != 0 {
		t.Errorf("%d documents filed without an account", res.Documents)
	}
	es := f.mails(wang)
	if !strings.Contains(es[0].Text, "Attachments not filed: name the account, e.g. DOC acme; contract") {
		t.Errorf("the answer does not say how to file them:\n%s", es[0].Text)
	}
}

// Prune forgets handled Message-IDs after DoneRetention, and nothing before.
func TestPrune(t *testing.T) {
	f := newFixture(t, nil)
	m := raw(wang, "TODAY", "", authOK(wang))
	f.handle(m)
	if n, err := email.Prune(f.store.Engine(), f.clock()); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v) at once", n, err)
	}
	if res := f.handle(m); res.Outcome != email.OutcomeDup {
		t.Fatalf("outcome %s, want dup", res.Outcome)
	}
	f.advance(email.DoneRetention + 24*time.Hour)
	n, err := email.Prune(f.store.Engine(), f.clock())
	if err != nil || n < 2 { // the done mark and the answer count
		t.Fatalf("pruned %d (%v) after the retention", n, err)
	}
	if res := f.handle(m); res.Outcome != email.OutcomeApplied {
		t.Errorf("outcome %s after the mark was pruned", res.Outcome)
	}
}
