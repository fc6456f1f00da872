package main

// The benchmark of issue 5, point 10: e-mails per second from the IMAP fetch
// to the stored change (and the queued answer), through the whole path on
// loopback, next to the SMS path's figure for the same commands measured in
// the same run on the same Main:
//
//	go test ./cmd/fieldcrm -run '^$' -bench BenchmarkMailPath -benchtime 2000x
//
// Sub-benchmarks:
//
//	email       b.N messages put in the inbox, then the watcher takes them
//	            (IDLE, fetch, parse, verify, apply, answer, \Seen, move)
//	sms-1       b.N signed webhooks, one sender back to back: the SMS path
//	            of the same commands, as sequential as the mailbox is
//	ratio       email msgs/s ÷ sms-1 msgs/s of this run
//
// The mailbox is read by one watcher, one message after the other: the
// fair SMS figure beside it is one sender, not 64.

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func BenchmarkMailPath(b *testing.B) {
	var mailRate, smsRate float64
	b.Run("email", func(b *testing.B) {
		me := mailStart(b, nil)
		raws := make([][]byte, b.N)
		for i := range raws {
			raws[i] = me.raw(mailMsg{From: mailWang, Subject: "VISIT acme; met Zhang Wei; wants 2x 320D; call " + fmt.Sprint(i), Auth: true,
				Body: "\n-- \nWang Jun\n"})
		}
		base := me.m.imap.Status().Handled
		b.ResetTimer()
		start := time.Now()
		for _, r := range raws {
			if _, err := me.imap.Append(mailCRM, "INBOX", r); err != nil {
				b.Fatal(err)
			}
		}
		for me.m.imap.Status().Handled-base < int64(b.N) {
			time.Sleep(200 * time.Microsecond)
		}
		el := time.Since(start)
		b.StopTimer()
		if n := len(me.visits(me.team.Acme)); n != b.N {
			b.Fatalf("%d visits stored, want %d", n, b.N)
		}
		mailRate = float64(b.N) / el.Seconds()
		b.ReportMetric(mailRate, "msgs/s")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("sms-1", func(b *testing.B) {
		e := e2eStart(b, "", nil)
		b.ResetTimer()
		start := time.Now()
		for i := range b.N {
			_, form := e.form(e2eWangPhone, "VISIT acme; met Zhang Wei; wants 2x 320D; call "+fmt.Sprint(i))
			if status, resp := e.post("/twilio/sms", form, e.sign("/twilio/sms", form)); status != http.StatusOK {
				b.Fatalf("%d %s", status, resp)
			}
		}
		el := time.Since(start)
		b.StopTimer()
		smsRate = float64(b.N) / el.Seconds()
		b.ReportMetric(smsRate, "msgs/s")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("ratio", func(b *testing.B) {
		if smsRate > 0 {
			b.ReportMetric(mailRate/smsRate, "email/sms")
		}
		b.ReportMetric(0, "ns/op")
	})
}
