package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Credentials of the fake Twilio (twilio-go wants alphanumeric ones).
const (
	fakeSID   = "AC00000000000000000000000000000001"
	fakeToken = "0123456789abcdef0123456789abcdef"
)

// sent is one message the fake Twilio API accepted.
type sent struct {
	SID, To, From, Body string
}

// fakeAPI is a Twilio REST API over loopback that accepts every
// POST /2010-04-01/Accounts/{sid}/Messages.json with the right Basic auth and
// records it. It lives in the harness, so it survives the kills of serve.
type fakeAPI struct {
	URL   string
	Delay time.Duration // answer after Delay: widens the send window

	srv *http.Server
	mu  sync.Mutex
	all []sent
	seq int
}

func startFakeAPI(delay time.Duration) (*fakeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &fakeAPI{URL: "http://" + ln.Addr().String(), Delay: delay}
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 5 * time.Second}
	go f.srv.Serve(ln)
	return f, nil
}

func (f *fakeAPI) Close() error { return f.srv.Close() }

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodPost || len(parts) != 4 || parts[0] != "2010-04-01" || parts[1] != "Accounts" || parts[3] != "Messages.json" {
		apiError(w, http.StatusNotFound, 20404, "not found: "+r.URL.Path)
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != fakeSID || pass != fakeToken || parts[2] != fakeSID {
		apiError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, 20001, "bad form")
		return
	}
	m := sent{To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), Body: r.PostForm.Get("Body")}
	if m.To == "" || m.Body == "" {
		apiError(w, http.StatusBadRequest, 21602, "To and Body are required")
		return
	}
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	// recorded before the answer: a sender killed while waiting for it has
	// still sent the message, as with the real Twilio
	f.mu.Lock()
	f.seq++
	m.SID = fmt.Sprintf("SM%032x", f.seq)
	f.all = append(f.all, m)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"sid": m.SID, "account_sid": fakeSID, "to": m.To, "from": m.From,
		"body": m.Body, "status": "queued", "num_segments": "1", "num_media": "0", "direction": "outbound-api",
		"api_version": "2010-04-01", "date_created": time.Now().UTC().Format(time.RFC1123Z)})
}

// Sent returns the accepted messages in the order received.
func (f *fakeAPI) Sent() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.all...)
}

func (f *fakeAPI) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.all)
}

func apiError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "status": status})
}
