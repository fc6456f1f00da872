package twilio_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

func newSender(t *testing.T, srv *twiliotest.Server, mod func(*twilio.Config)) *twilio.Sender {
	t.Helper()
	cfg := twilio.Config{AccountSID: srv.AccountSID, AuthToken: srv.AuthToken, APIURL: srv.URL,
		PublicURL: "https://crm.example.com/", From: "+15550001"}
	if mod != nil {
		mod(&cfg)
	}
	s, err := twilio.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sendErr(t *testing.T, err error) *outbox.SendError {
	t.Helper()
	var se *outbox.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *outbox.SendError", err, err)
	}
	return se
}

func TestSender(t *testing.T) {
	srv := twiliotest.NewServer(t)
	s := newSender(t, srv, nil)
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		pid, segs, err := s.Send(ctx, &outbox.Entry{Channel: "sms", To: "+8613901395136", Body: "VISIT #12 recorded. UNDO to undo"})
		if err != nil {
			t.Fatal(err)
		}
		m := srv.Messages()[len(srv.Messages())-1]
		if pid != m.SID || !strings.HasPrefix(pid, "SM") || segs != 1 {
			t.Errorf("pid %q segs %d, server %+v", pid, segs, m)
		}
		if m.To != "+8613901395136" || m.From != "+15550001" || m.MessagingServiceSid != "" ||
			m.Body != "VISIT #12 recorded. UNDO to undo" || m.AccountSID != srv.AccountSID {
			t.Errorf("message %+v", m)
		}
		if m.StatusCallback != "https://crm.example.com/twilio/status" {
			t.Errorf("status callback %q", m.StatusCallback)
		}
	})
	t.Run("ExplicitFrom", func(t *testing.T) {
		if _, _, err := s.Send(ctx, &outbox.Entry{To: "+15550100", From: "+15550002", Body: "x"}); err != nil {
			t.Fatal(err)
		}
		if m := srv.WaitFor(2, time.Second)[1]; m.From != "+15550002" {
			t.Errorf("from %q", m.From)
		}
	})
	t.Run("MessagingService", func(t *testing.T) {
		_, segs, err := s.Send(ctx, &outbox.Entry{To: "+15550100", From: "MG0123456789abcdef0123456789abcdef", Body: strings.Repeat("拜访", 40)})
		if err != nil {
			t.Fatal(err)
		}
		m := srv.Messages()[2]
		if m.MessagingServiceSid != "MG0123456789abcdef0123456789abcdef" || m.From != "" || m.Form.Has("From") {
			t.Errorf("message %+v", m)
		}
		if segs != 2 {
			t.Errorf("segments %d, want 2 (80 UCS-2 characters)", segs)
		}
	})
	t.Run("TooManyRequestsRetryable", func(t *testing.T) {
		srv.FailNext(1, 429, 20429)
		_, _, err := s.Send(ctx, &outbox.Entry{To: "+15550100", Body: "x"})
		se := sendErr(t, err)
		if !se.Retryable || se.HTTPStatus != 429 || se.Code != 20429 || !outbox.Retryable(err) {
			t.Errorf("%+v", se)
		}
	})
	t.Run("ServerErrorRetryable", func(t *testing.T) {
		srv.FailNext(1, 500, 20500)
		_, _, err := s.Send(ctx, &outbox.Entry{To: "+15550100", Body: "x"})
		if se := sendErr(t, err); !se.Retryable || se.HTTPStatus != 500 {
			t.Errorf("%+v", se)
		}
	})
	t.Run("OptOut", func(t *testing.T) {
		srv.FailTo("+15550666", 400, 21610)
		defer srv.FailTo("+15550666", 0, 0)
		_, _, err := s.Send(ctx, &outbox.Entry{To: "+15550666", Body: "x"})
		se := sendErr(t, err)
		if !se.OptOut || se.Retryable || se.Code != 21610 || !outbox.OptOut(err) || !outbox.Permanent(err) {
			t.Errorf("%+v", se)
		}
	})
	t.Run("BadRequestPermanent", func(t *testing.T) {
		srv.FailNext(1, 400, 21211)
		_, _, err := s.Send(ctx, &outbox.Entry{To: "+1", Body: "x"})
		se := sendErr(t, err)
		if se.Retryable || se.OptOut || se.HTTPStatus != 400 || se.Code != 21211 || !outbox.Permanent(err) {
			t.Errorf("%+v", se)
		}
	})
	t.Run("WrongCredentialsPermanent", func(t *testing.T) {
		bad := newSender(t, srv, func(c *twilio.Config) { c.AuthToken = "wrongtoken0" })
		_, _, err := bad.Send(ctx, &outbox.Entry{To: "+15550100", Body: "x"})
		if se := sendErr(t, err); se.Retryable || se.HTTPStatus != 401 {
			t.Errorf("%+v", se)
		}
	})
	t.Run("NoRouteRetryable", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		u := dead.URL
		dead.Close()
		s2 := newSender(t, srv, func(c *twilio.Config) { c.APIURL = u })
		_, _, err := s2.Send(ctx, &outbox.Entry{To: "+15550100", Body: "x"})
		if se := sendErr(t, err); !se.Retryable {
			t.Errorf("%+v", se)
		}
	})
	t.Run("NonJSONErrorPage", func(t *testing.T) {
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		}))
		defer proxy.Close()
		s2 := newSender(t, srv, func(c *twilio.Config) { c.APIURL = proxy.URL })
		_, _, err := s2.Send(ctx, &outbox.Entry{To: "+15550100", Body: "x"})
		if se := sendErr(t, err); !se.Retryable || se.HTTPStatus != 502 {
			t.Errorf("%+v", se)
		}
	})
	t.Run("NoStatusCallbackWithoutPublicURL", func(t *testing.T) {
		s2 := newSender(t, srv, func(c *twilio.Config) { c.PublicURL = "" })
		if _, _, err := s2.Send(ctx, &outbox.Entry{To: "+15550100", Body: "x"}); err != nil {
			t.Fatal(err)
		}
		ms := srv.Messages()
		if m := ms[len(ms)-1]; m.Form.Has("StatusCallback") {
			t.Errorf("status callback %q", m.StatusCallback)
		}
	})
}

func TestSenderTimeout(t *testing.T) {
	srv := twiliotest.NewServer(t)
	srv.SetDelay(2 * time.Second)
	s := newSender(t, srv, func(c *twilio.Config) { c.Timeout = 100 * time.Millisecond })
	start := time.Now()
	_, _, err := s.Send(context.Background(), &outbox.Entry{To: "+15550100", Body: "x"})
	if se := sendErr(t, err); !se.Retryable {
		t.Errorf("%+v", se)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	// the caller's context cancels a call too
	s = newSender(t, srv, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, _, err = s.Send(ctx, &outbox.Entry{To: "+15550100", Body: "x"})
	if se := sendErr(t, err); !se.Retryable || time.Since(start) > time.Second {
		t.Errorf("%+v after %v", se, time.Since(start))
	}
}

func TestNewSenderRejectsBadConfig(t *testing.T) {
	for _, c := range []twilio.Config{
		{AccountSID: "", AuthToken: "x"},
		{AccountSID: "AC1", AuthToken: "to-ken"},
		{AccountSID: "AC1", AuthToken: "tok", APIURL: "ftp://x"},
		{AccountSID: "AC1", AuthToken: "tok", PublicURL: "nohost"},
	} {
		if _, err := twilio.NewSender(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// The outbox worker sending through the real Sender to the fake Twilio,
// with the status callback coming back signed.
func TestOutboxThroughTwilio(t *testing.T) {
	srv := twiliotest.NewServer(t)
	db := mustOpenDB(t)
	var mu sync.Mutex
	var optedOut []string
	var app *httptest.Server
	app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sid, status, code, err := twilio.ParseStatus(r)
		if err != nil {
			http.Error(w, err.Error(), twilio.StatusOf(err))
			return
		}
		if !twilio.Validate(srv.AuthToken, app.URL+r.URL.RequestURI(), r.PostForm, r.Header.Get(twilio.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		if _, err := outbox.SetStatus(db, sid, status, code, time.Now()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	}))
	defer app.Close()
	s := newSender(t, srv, func(c *twilio.Config) { c.PublicURL = app.URL })
	w := outbox.New(db, outbox.Config{From: []string{"+15550001", "+15550002"}, Rate: -1, BaseBackoff: 10 * time.Millisecond,
		OnOptOut: func(to string) { mu.Lock(); optedOut = append(optedOut, to); mu.Unlock() }},
		map[string]outbox.Sender{"sms": s}, nil, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	srv.FailNext(1, 503, 20503)
	srv.FailTo("+15550666", 400, 21610)
	id1, _, err := outbox.EnqueueDB(db, &outbox.Entry{Channel: "sms", To: "+15550100", Body: "hello", Key: "reply|SM1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id2, _, _ := outbox.EnqueueDB(db, &outbox.Entry{Channel: "sms", To: "+15550666", Body: "hello"}, time.Now())
	w.Kick()
	ms := srv.WaitFor(1, 5*time.Second)
	e1 := waitState(t, db, id1, outbox.StateSent)
	if e1.ProviderID != ms[0].SID || e1.Attempts != 2 || ms[0].StatusCallback != app.URL+"/twilio/status" {
		t.Errorf("entry %+v, message %+v", e1, ms[0])
	}
	if err := srv.SendStatus(ms[0].StatusCallback, srv.AuthToken, ms[0].SID, "delivered"); err != nil {
		t.Fatal(err)
	}
	if err := srv.SendStatus(ms[0].StatusCallback, srv.AuthToken, ms[0].SID, "sent"); err != nil {
		t.Fatal(err)
	}
	if e := waitState(t, db, id1, outbox.StateDelivered); e.ProviderStatus != "delivered" {
		t.Errorf("%+v", e)
	}
	if err := srv.SendStatus(ms[0].StatusCallback, "wrongtoken", ms[0].SID, "failed"); err == nil {
		t.Error("a wrongly signed callback was accepted")
	}
	waitState(t, db, id2, outbox.StateFailed)
	mu.Lock()
	if len(optedOut) != 1 || optedOut[0] != "+15550666" {
		t.Errorf("opted out %v", optedOut)
	}
	mu.Unlock()
}

func TestSignedPostAndInbound(t *testing.T) {
	var got *twilio.Inbound
	var valid bool
	var app *httptest.Server
	app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := twilio.ParseInbound(r, 0)
		if err != nil {
			http.Error(w, err.Error(), twilio.StatusOf(err))
			return
		}
		got = in
		valid = twilio.Validate(twiliotest.AuthToken, app.URL+r.URL.RequestURI(), in.Form, r.Header.Get(twilio.SignatureHeader))
		w.Header().Set("Content-Type", twilio.TwiMLContentType)
		w.Write(twilio.TwiML("Recorded visit #12 <ACME & Co>"))
	}))
	defer app.Close()
	form := twiliotest.InboundForm("SM123", "+8613901395136", "+15550001", "VISIT acme; met Zhang\r\nnext: quote fri")
	resp, err := twiliotest.SignedPost(app.URL+"/twilio/sms?branch=1", twiliotest.AuthToken, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !valid {
		t.Fatalf("status %d valid %v body %s", resp.StatusCode, valid, body)
	}
	if got.MessageSid != "SM123" || got.From != "+8613901395136" || got.Body != "VISIT acme; met Zhang\nnext: quote fri" || got.AccountSid != twiliotest.AccountSID {
		t.Errorf("%+v", got)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?><Response><Message>Recorded visit #12 &lt;ACME &amp; Co&gt;</Message></Response>`
	if string(body) != want {
		t.Errorf("twiml %s", body)
	}
}
