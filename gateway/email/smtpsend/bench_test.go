package smtpsend

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fieldcrm/fieldcrm/gateway/email/emailtest"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// BenchmarkSend measures messages per second through go-mail (a Sender,
// one connection per message, no TLS, no AUTH) into the go-smtp server of
// emailtest on loopback, and in the same run the baseline: go-smtp's own
// client (smtp.Dial + SendMail + Quit, also one connection per message)
// sending the same message prepared once. ns/op is the Sender's alone.
//
//	gomail-msgs/s  the Sender
//	gosmtp-msgs/s  the raw go-smtp client
//	ratio          gomail-msgs/s ÷ gosmtp-msgs/s
func BenchmarkSend(b *testing.B) {
	srv := newServer(b, emailtest.SMTPOptions{})
	s := newSender(b, testConfig(srv.Addr()))
	e := testEntry(1)
	e.HTML = "<p>Visit <b>Beijing Heavy Machinery</b> tomorrow at 10:00.</p>"
	raw := prepared(b, s, e)
	ctx := context.Background()

	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, _, err := s.Send(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	viaSender := time.Since(start)
	start = time.Now()
	for range b.N {
		rawSend(b, srv.Addr(), raw)
	}
	viaRaw := time.Since(start)
	b.StopTimer()

	n := float64(b.N)
	b.ReportMetric(float64(viaSender.Nanoseconds())/n, "ns/op")
	b.ReportMetric(n/viaSender.Seconds(), "gomail-msgs/s")
	b.ReportMetric(n/viaRaw.Seconds(), "gosmtp-msgs/s")
	b.ReportMetric(viaRaw.Seconds()/viaSender.Seconds(), "ratio")
	if got := len(srv.Messages()); got < 2*b.N {
		b.Fatalf("server got %d messages, want %d", got, 2*b.N)
	}
}

// prepared renders e as the Sender would send it.
func prepared(b *testing.B, s *Sender, e *outbox.Entry) []byte {
	m, _, err := s.build(e)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// rawSend sends raw with go-smtp's client over a new connection.
func rawSend(b *testing.B, addr string, raw []byte) {
	c, err := smtp.Dial(addr)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.SendMail("crm@dealer.example", []string{testTo}, bytes.NewReader(raw)); err != nil {
		b.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		b.Fatal(err)
	}
}
