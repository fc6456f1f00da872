package main

// Inbound throughput of the two SMS front doors in the same run, on the same
// disk, through the same Main: Twilio's signed webhook (answered in TwiML)
// and Alibaba Cloud's HTTP batch push (answer queued in the outbox in the
// change's transaction), one message per push and ten per push. Each message
// is a VISIT that stores an activity. The outbox sends nothing during the
// run (FIELDCRM_SMS_RATE is set near zero), so only the inbound path is
// measured. fsync is on.
//
//	go test ./cmd/fieldcrm -run '^$' -bench BenchmarkInboundAliyun -benchtime 3000x

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/aliyun/aliyuntest"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

const benchAliSenders = 64

func BenchmarkInboundAliyun(b *testing.B) {
	a := aliStart(b, nil)
	// no sending during the run: one SMS per ~1000 s
	a.restartWith(func(c *Config) { c.SMSRate = 0.001 })
	type user struct {
		phone string
		acct  int64
	}
	users := make([]user, benchAliSenders)
	e2eSeed(b, a.m.Store, func(tx *crm.Tx) error {
		for i := range users {
			u := &crm.User{Base: crm.Base{Branch: "shenyang", Dept: "machines"}, Name: fmt.Sprintf("Bench Sales %02d", i),
				Phones: []string{fmt.Sprintf("+86139000010%02d", i)}, Role: crm.RoleSalesman, Manager: a.team.Liu, Locale: "en"}
			if err := tx.SaveUser(u); err != nil {
				return err
			}
			acct := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: fmt.Sprintf("Bench Quarry %02d", i)}
			if err := tx.CreateAccount(acct, &crm.Contact{Base: crm.Base{Owner: u.ID}, Name: "Zhang Wei", Mobile: fmt.Sprintf("139010000%02d", i)}); err != nil {
				return err
			}
			users[i] = user{u.Phones[0], acct.ID}
		}
		return nil
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchAliSenders, MaxConnsPerHost: benchAliSenders}, Timeout: 30 * time.Second}
	var seq atomic.Int64
	text := func(u user) string { return fmt.Sprintf("VISIT #%d; met Zhang Wei; demo %d", u.acct, seq.Add(1)) }
	post := func(url, ctype string, body []byte, sig string) error {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if sig != "" {
			req.Header.Set(twilio.SignatureHeader, sig)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		rb, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%d %s", resp.StatusCode, rb)
		}
		return nil
	}
	// run sends n messages from benchAliSenders senders, per messages per
	// request, and returns messages per second.
	run := func(b *testing.B, per int, send func(u user, n int) error) float64 {
		n := b.N
		var next atomic.Int64
		var wg sync.WaitGroup
		var errs atomic.Int64
		start := time.Now()
		for i := range benchAliSenders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					k := int(next.Add(int64(per))) - per
					if k >= n {
						return
					}
					if err := send(users[i], min(per, n-k)); err != nil {
						if errs.Add(1) == 1 {
							b.Errorf("request failed: %v", err)
						}
					}
				}
			}()
		}
		wg.Wait()
		rate := float64(n) / time.Since(start).Seconds()
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(rate, "msg/s")
		return rate
	}
	twilioURL := "http://" + a.m.Addr() + twilio.SMSPath
	var twRate, aliRate, ali10Rate float64
	b.Run("twilio-webhook", func(b *testing.B) {
		twRate = run(b, 1, func(u user, _ int) error {
			form := twiliotest.InboundForm(fmt.Sprintf("SM%032d", seq.Add(1)), u.phone, e2eOurNumber, text(u))
			return post(twilioURL, "application/x-www-form-urlencoded", []byte(form.Encode()), a.sign(twilio.SMSPath, form))
		})
	})
	pushOf := func(u user, n int) error {
		items := make([]aliyuntest.Up, n)
		for i := range items {
			items[i] = aliyuntest.Reply(u.phone, text(u), seq.Add(1))
		}
		body, _ := json.Marshal(items)
		return post(a.upURL(), "application/json", body, "")
	}
	b.Run("aliyun-push-1", func(b *testing.B) { aliRate = run(b, 1, pushOf) })
	b.Run("aliyun-push-10", func(b *testing.B) { ali10Rate = run(b, 10, pushOf) })
	b.Run("ratio-to-twilio", func(b *testing.B) {
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(aliRate/twRate, "push-1/webhook")
		b.ReportMetric(ali10Rate/twRate, "push-10/webhook")
	})
}
