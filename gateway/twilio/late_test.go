package twilio_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
	"github.com/fieldcrm/fieldcrm/templates"
)

const latePublic = "https://crm.example.com"

// lateWorld is a real store, pipeline and webhook handler on loopback.
type lateWorld struct {
	store *crm.Store
	h     *twilio.Handler
	srv   *httptest.Server
}

func lateOpen(t *testing.T, wait, hard time.Duration) *lateWorld {
	t.Helper()
	s, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		u := &crm.User{Name: "Wang Jun", Phones: []string{"+8613800000002"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "sy", Dept: "m"}}
		if err := tx.SaveUser(u); err != nil {
			return err
		}
		return tx.CreateAccount(&crm.Account{Base: crm.Base{Owner: u.ID}, Name: "ACME Mining"}, &crm.Contact{Name: "Zhang Wei"})
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := gateway.New(gateway.Config{Store: s, Templates: templates.MustNew(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	h := &twilio.Handler{Pipeline: p, DB: s.DB(), AuthToken: twiliotest.AuthToken, PublicURL: latePublic, Log: log, Wait: wait, HardWait: hard}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); h.Drain(); s.Close() })
	return &lateWorld{store: s, h: h, srv: srv}
}

// stall holds bbolt's write lock for d, as a long commit or a slow disk
// would: crm's writer cannot commit meanwhile.
func (w *lateWorld) stall(t *testing.T, d time.Duration) <-chan struct{} {
	held := make(chan struct{})
	released := make(chan struct{})
	go func() {
		w.store.DB().Update(func(*bolt.Tx) error { close(held); time.Sleep(d); return nil })
		close(released)
	}()
	<-held
	return released
}

func (w *lateWorld) post(t *testing.T, sid, body string) (*http.Response, string) {
	t.Helper()
	form := twiliotest.InboundForm(sid, "+8613800000002", "+8613900000000", body)
	req, _ := http.NewRequest("POST", w.srv.URL+twilio.SMSPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(twiliotest.AuthToken, latePublic+twilio.SMSPath, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func (w *lateWorld) claimed(t *testing.T, sid string) bool {
	c, err := gateway.Claim(w.store.Engine(), gateway.ChannelSMS, sid)
	if err != nil {
		t.Fatal(err)
	}
	return c != nil
}

func (w *lateWorld) queuedReply(t *testing.T, sid string) *outbox.Entry {
	e, err := outbox.GetByKey(w.store.DB(), outbox.ChannelSMS, "reply|"+sid)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A late answer is acknowledged only once the message is durable: the claim
// is stored before the 200, and the reply waits in the outbox.
func TestLateAnswerAcknowledgedWhenDurable(t *testing.T) {
	w := lateOpen(t, 50*time.Millisecond, 2*time.Second)
	released := w.stall(t, 300*time.Millisecond)
	start := time.Now()
	resp, body := w.post(t, "SM00000000000000000000000000000001", "V acme; met Zhang Wei")
	if resp.StatusCode != 200 || !strings.Contains(body, "<Response/>") {
		t.Fatalf("late answer: %d %q", resp.StatusCode, body)
	}
	if time.Since(start) < 250*time.Millisecond {
		t.Fatalf("answered after %v, before the stalled commit could have happened", time.Since(start))
	}
	<-released
	if !w.claimed(t, "SM00000000000000000000000000000001") {
		t.Fatal("200 answered but the message is not stored")
	}
	e := w.queuedReply(t, "SM00000000000000000000000000000001")
	if e == nil || !strings.Contains(e.Body, "OK visit") || e.To != "+8613800000002" {
		t.Fatalf("late reply not in the outbox: %+v", e)
	}
}

// A message not durable by the hard limit is not acknowledged (503), is
// still applied once the writer can commit, and its reply goes out through
// the outbox; Twilio's retry of it gets the first answer, applied once.
func TestNotDurableInTimeNotAcknowledged(t *testing.T) {
	w := lateOpen(t, 50*time.Millisecond, 150*time.Millisecond)
	released := w.stall(t, 500*time.Millisecond)
	resp, _ := w.post(t, "SM00000000000000000000000000000002", "V acme; met Zhang Wei")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", resp.StatusCode)
	}
	if w.claimed(t, "SM00000000000000000000000000000002") {
		t.Fatal("claimed while the writer was stalled?")
	}
	<-released
	w.h.Drain()
	if !w.claimed(t, "SM00000000000000000000000000000002") {
		t.Fatal("the message was lost after the 503")
	}
	if e := w.queuedReply(t, "SM00000000000000000000000000000002"); e == nil || !strings.Contains(e.Body, "OK visit") {
		t.Fatalf("reply not queued: %+v", e)
	}
	// Twilio delivers it again: same answer, nothing applied twice
	resp, body := w.post(t, "SM00000000000000000000000000000002", "V acme; met Zhang Wei")
	if resp.StatusCode != 200 {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	n := 0
	w.store.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindActivity, func(crm.Record) bool { n++; return true })
	})
	if n != 1 {
		t.Fatalf("%d activities after a retried late message, want 1 (retry answered %q)", n, body)
	}
}
