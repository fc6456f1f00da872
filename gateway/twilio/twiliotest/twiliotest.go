// Package twiliotest is a fake Twilio for tests of every package: a REST API
// that records the messages it is asked to send and can be told to fail, and
// helpers that post correctly signed webhooks and status callbacks to our
// server as Twilio does.
//
// It computes Twilio's signature with its own code, independent of package
// gateway/twilio, so each checks the other.
package twiliotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Test credentials (twilio-go insists on alphanumeric ones).
const (
	AccountSID = "AC00000000000000000000000000000001"
	AuthToken  = "0123456789abcdef0123456789abcdef"
)

// Message is one message the fake API accepted (or refused).
type Message struct {
	SID                 string // SM…; empty when the request was failed on purpose
	AccountSID          string
	To                  string
	From                string
	MessagingServiceSid string
	Body                string
	StatusCallback      string
	Segments            int
	Form                url.Values
	Failed              int // the HTTP status answered, when failed on purpose
}

type failure struct{ status, code int }

// Server is a fake Twilio REST API over real loopback HTTP.
type Server struct {
	*httptest.Server
	AccountSID, AuthToken string

	t       testing.TB
	mu      sync.Mutex
	msgs    []Message // accepted ones
	all     []Message // every request, failed ones too
	next    []failure
	failTo  map[string]failure
	delay   time.Duration
	seq     int
	changed chan struct{}
}

// NewServer starts a fake Twilio, closed when the test ends. Point the
// sender's API URL at s.URL and use s.AccountSID and s.AuthToken.
func NewServer(t testing.TB) *Server {
	s := New()
	s.t = t
	t.Cleanup(s.Close)
	return s
}

// New starts a fake Twilio for a program that is not a test (the load
// harness); the caller closes it. WaitFor needs NewServer.
func New() *Server {
	s := &Server{AccountSID: AccountSID, AuthToken: AuthToken, failTo: map[string]failure{}, changed: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// FailNext makes the next n message requests fail with HTTP status and
// Twilio error code (e.g. 429/20429, 500/20500, 400/21610).
func (s *Server) FailNext(n int, status, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.next = append(s.next, failure{status, code})
	}
}

// FailTo makes every message to number fail with status and code (status 0
// clears it).
func (s *Server) FailTo(number string, status, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		delete(s.failTo, number)
		return
	}
	s.failTo[number] = failure{status, code}
}

// SetDelay makes the API answer after d (to test client timeouts).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Messages returns the accepted messages in the order received.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Requests returns every message request, refused ones too.
func (s *Server) Requests() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.all...)
}

// WaitFor waits until at least n messages were accepted and returns them;
// the test fails when that takes longer than timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) []Message {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, ch := len(s.msgs), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.t.Fatalf("twiliotest: %d messages after %v, want %d", got, timeout, n)
			return nil
		}
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// POST /2010-04-01/Accounts/{sid}/Messages.json
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodPost || len(parts) != 4 || parts[0] != "2010-04-01" || parts[1] != "Accounts" || parts[3] != "Messages.json" {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.AccountSID || pass != s.AuthToken || parts[2] != s.AccountSID {
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "bad form")
		return
	}
	f := r.PostForm
	m := Message{AccountSID: parts[2], To: f.Get("To"), From: f.Get("From"),
		MessagingServiceSid: f.Get("MessagingServiceSid"), Body: f.Get("Body"),
		StatusCallback: f.Get("StatusCallback"), Form: f, Segments: segments(f.Get("Body"))}

	s.mu.Lock()
	delay := s.delay
	fail, failing := s.failTo[m.To]
	if !failing && len(s.next) > 0 {
		fail, failing = s.next[0], true
		s.next = s.next[1:]
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case m.To == "":
		fail, failing = failure{http.StatusBadRequest, 21604}, true
	case m.From == "" && m.MessagingServiceSid == "":
		fail, failing = failure{http.StatusBadRequest, 21603}, true
	case m.Body == "":
		fail, failing = failure{http.StatusBadRequest, 21602}, true
	}
	if failing {
		m.Failed = fail.status
		s.record(m, false)
		writeError(w, fail.status, fail.code, fmt.Sprintf("failed on purpose: %d", fail.code))
		return
	}
	s.mu.Lock()
	s.seq++
	m.SID = fmt.Sprintf("SM%032x", s.seq)
	s.mu.Unlock()
	s.record(m, true)
	status := "queued"
	if m.MessagingServiceSid != "" {
		status = "accepted"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{
		"sid": m.SID, "account_sid": m.AccountSID, "to": m.To, "from": nilIfEmpty(m.From),
		"messaging_service_sid": nilIfEmpty(m.MessagingServiceSid), "body": m.Body, "status": status,
		"num_segments": fmt.Sprint(m.Segments), "num_media": "0", "direction": "outbound-api",
		"api_version": "2010-04-01", "date_created": time.Now().UTC().Format(time.RFC1123Z),
		"uri": "/2010-04-01/Accounts/" + m.AccountSID + "/Messages/" + m.SID + ".json",
	})
}

func (s *Server) record(m Message, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, m)
	if ok {
		s.msgs = append(s.msgs, m)
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
	})
}

// segments counts SMS segments roughly as Twilio does: GSM-7 text 160 per
// single segment (153 when split), anything else UCS-2 70 (67).
func segments(body string) int {
	n := utf8.RuneCountInString(body)
	gsm := true
	for _, r := range body {
		if r > 0x7E || (r < 0x20 && r != '\n' && r != '\r') {
			gsm = false
			break
		}
	}
	single, part := 160, 153
	if !gsm {
		single, part = 70, 67
	}
	if n <= single {
		return 1
	}
	return (n + part - 1) / part
}

// Sign computes Twilio's X-Twilio-Signature for a POST of form to fullURL
// (an implementation independent of gateway/twilio's).
func Sign(authToken, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k + v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedPost posts form to url as Twilio does, with a valid
// X-Twilio-Signature for authToken (an inbound-message webhook, say).
func SignedPost(url, authToken string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", Sign(authToken, url, form))
	return http.DefaultClient.Do(req)
}

// InboundForm is the form of an inbound SMS webhook.
func InboundForm(messageSid, from, to, body string) url.Values {
	return url.Values{
		"MessageSid": {messageSid}, "SmsMessageSid": {messageSid}, "SmsSid": {messageSid},
		"AccountSid": {AccountSID}, "MessagingServiceSid": {""}, "From": {from}, "To": {to},
		"Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"},
		"ApiVersion": {"2010-04-01"}, "FromCountry": {"CN"}, "ToCountry": {"US"},
	}
}

// SendStatus posts a correctly signed status callback for message sid to
// callbackURL, as Twilio does; an error for a transport failure or a status
// other than 2xx.
func (s *Server) SendStatus(callbackURL, authToken, sid, status string) error {
	return s.SendStatusCode(callbackURL, authToken, sid, status, 0)
}

// SendStatusCode is SendStatus with an ErrorCode (for failed/undelivered).
func (s *Server) SendStatusCode(callbackURL, authToken, sid, status string, errCode int) error {
	form := url.Values{"MessageSid": {sid}, "SmsSid": {sid}, "MessageStatus": {status}, "SmsStatus": {status},
		"AccountSid": {s.AccountSID}, "ApiVersion": {"2010-04-01"}}
	s.mu.Lock()
	for _, m := range s.msgs {
		if m.SID == sid {
			form.Set("To", m.To)
			if m.From != "" {
				form.Set("From", m.From)
			}
			if m.MessagingServiceSid != "" {
				form.Set("MessagingServiceSid", m.MessagingServiceSid)
			}
		}
	}
	s.mu.Unlock()
	if errCode != 0 {
		form.Set("ErrorCode", fmt.Sprint(errCode))
	}
	resp, err := SignedPost(callbackURL, authToken, form)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("twiliotest: status callback answered %s", resp.Status)
	}
	return nil
}
