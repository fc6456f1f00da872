package emailtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const smtpTestMsg = "From: crm@dealer.example\r\nTo: wang@dealer.example\r\nSubject: hi\r\n\r\nhello\r\n"

// startSMTP starts a server closed with the test.
func startSMTP(t *testing.T, opt SMTPOptions) *SMTPServer {
	t.Helper()
	s, err := NewSMTP(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// smtpSend sends smtpTestMsg over c (authenticating first when user is
// set) and returns the server's error, if any.
func smtpSend(t *testing.T, c *smtp.Client, user, pass string) error {
	t.Helper()
	defer c.Close()
	if user != "" {
		if err := c.Auth(sasl.NewPlainClient("", user, pass)); err != nil {
			return err
		}
	}
	return c.SendMail("crm@dealer.example", []string{"wang@dealer.example", "li@dealer.example"}, strings.NewReader(smtpTestMsg))
}

// dialSMTP connects to s without TLS.
func dialSMTP(t *testing.T, s *SMTPServer) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// smtpCode is the reply code of err, or 0.
func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestSMTPAcceptsAndRecords(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	before := time.Now()
	if err := smtpSend(t, dialSMTP(t, s), "", ""); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Wait(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.From != "crm@dealer.example" || len(m.To) != 2 || m.To[1] != "li@dealer.example" {
		t.Errorf("envelope %q %v", m.From, m.To)
	}
	if string(m.Raw) != smtpTestMsg {
		t.Errorf("raw %q", m.Raw)
	}
	if m.At.Before(before) {
		t.Errorf("At %v", m.At)
	}
	if got := s.Messages(); len(got) != 1 {
		t.Errorf("Messages: %d", len(got))
	}
}

func TestSMTPWait(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if msgs, err := s.Wait(ctx, 1); err == nil || len(msgs) != 0 {
		t.Errorf("Wait on nothing: %v %v", msgs, err)
	}

	done := make(chan []Received)
	go func() {
		msgs, _ := s.Wait(context.Background(), 3)
		done <- msgs
	}()
	for range 3 {
		if err := smtpSend(t, dialSMTP(t, s), "", ""); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case msgs := <-done:
		if len(msgs) != 3 {
			t.Errorf("Wait returned %d", len(msgs))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return")
	}
}

func TestSMTPAuth(t *testing.T) {
	s := startSMTP(t, SMTPOptions{Users: map[string]string{"crm": "pw"}})
	if err := smtpSend(t, dialSMTP(t, s), "", ""); smtpCode(err)/100 != 5 {
		t.Errorf("without AUTH: %v, want a 5xx", err)
	}
	if err := smtpSend(t, dialSMTP(t, s), "crm", "bad"); smtpCode(err) != 535 {
		t.Errorf("bad password: %v, want 535", err)
	}
	if err := smtpSend(t, dialSMTP(t, s), "nobody", "pw"); smtpCode(err) != 535 {
		t.Errorf("unknown user: %v, want 535", err)
	}
	if err := smtpSend(t, dialSMTP(t, s), "crm", "pw"); err != nil {
		t.Errorf("good password: %v", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestSMTPStartTLS(t *testing.T) {
	conf, roots, err := SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	s := startSMTP(t, SMTPOptions{TLS: conf, Users: map[string]string{"crm": "pw"}, Stamp: "mx.test"})
	c, err := smtp.DialStartTLS(s.Addr(), &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if err := smtpSend(t, c, "crm", "pw"); err != nil {
		t.Fatal(err)
	}
	if raw := s.Messages()[0].Raw; !bytes.Contains(raw, []byte("with ESMTPSA")) {
		t.Errorf("not stamped as TLS+AUTH: %q", raw)
	}
	// An untrusting client fails the handshake.
	// (go-smtp's client shakes hands lazily, at the next command.)
	if c, err := smtp.DialStartTLS(s.Addr(), &tls.Config{ServerName: "localhost"}); err == nil {
		if err := smtpSend(t, c, "crm", "pw"); err == nil {
			t.Error("STARTTLS with an unknown root succeeded")
		}
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	// No STARTTLS without SMTPOptions.TLS.
	plain := startSMTP(t, SMTPOptions{})
	c = dialSMTP(t, plain)
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered without TLS")
	}
}

func TestSMTPFailNext(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	s.FailNext(451, "try again later", 2)
	for range 2 {
		if err := smtpSend(t, dialSMTP(t, s), "", ""); smtpCode(err) != 451 || !strings.Contains(err.Error(), "try again later") {
			t.Errorf("got %v, want 451", err)
		}
	}
	s.FailNext(550, "no such user", 1)
	if err := smtpSend(t, dialSMTP(t, s), "", ""); smtpCode(err) != 550 {
		t.Errorf("got %v, want 550", err)
	}
	if err := smtpSend(t, dialSMTP(t, s), "", ""); err != nil {
		t.Errorf("after the failures: %v", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestSMTPDeliver(t *testing.T) {
	var mu sync.Mutex // the server calls Deliver on its own goroutine
	var got []string
	fail := false
	s := startSMTP(t, SMTPOptions{Deliver: func(from string, to []string, raw []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return errors.New("mailbox locked")
		}
		got = append(got, from+" "+strings.Join(to, ",")+" "+string(raw))
		return nil
	}})
	if err := smtpSend(t, dialSMTP(t, s), "", ""); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	fail = true
	mu.Unlock()
	if err := smtpSend(t, dialSMTP(t, s), "", ""); smtpCode(err) != 451 {
		t.Errorf("Deliver error: %v, want 451", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.HasPrefix(got[0], "crm@dealer.example wang@dealer.example,li@dealer.example From:") {
		t.Errorf("delivered %q", got)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages recorded, want 1", n)
	}
}

func TestSMTPStamp(t *testing.T) {
	s := startSMTP(t, SMTPOptions{Stamp: "mx.fieldcrm.test", Users: map[string]string{"crm": "pw"}})
	if err := smtpSend(t, dialSMTP(t, s), "crm", "pw"); err != nil {
		t.Fatal(err)
	}
	raw := string(s.Messages()[0].Raw)
	want := "Authentication-Results: mx.fieldcrm.test; auth=pass smtp.auth=crm; dmarc=pass header.from=dealer.example; spf=pass smtp.mailfrom=crm@dealer.example\r\n"
	if !strings.HasPrefix(raw, want) || !strings.Contains(raw, "\r\nReceived: from ") || !strings.HasSuffix(raw, smtpTestMsg) {
		t.Errorf("stamped message:\n%s", raw)
	}

	open := startSMTP(t, SMTPOptions{Stamp: "mx.fieldcrm.test"})
	if err := smtpSend(t, dialSMTP(t, open), "", ""); err != nil {
		t.Fatal(err)
	}
	if raw := string(open.Messages()[0].Raw); !strings.HasPrefix(raw, "Authentication-Results: mx.fieldcrm.test; spf=none\r\nReceived: ") {
		t.Errorf("unauthenticated stamp:\n%s", raw)
	}
}

func TestSMTPMaxSize(t *testing.T) {
	s := startSMTP(t, SMTPOptions{MaxSize: 1024})
	c := dialSMTP(t, s)
	defer c.Close()
	big := smtpTestMsg + strings.Repeat(strings.Repeat("x", 70)+"\r\n", 30)
	err := c.SendMail("crm@dealer.example", []string{"wang@dealer.example"}, strings.NewReader(big))
	if smtpCode(err) != 552 {
		t.Errorf("too large: %v, want 552", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages", n)
	}
}

func TestSMTPCloseTwice(t *testing.T) {
	s, err := NewSMTP(SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := smtp.Dial(s.Addr()); err == nil {
		t.Error("server still accepts after Close")
	}
}
