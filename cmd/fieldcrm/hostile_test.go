package main

// Hostile input against the real Main: every bad request is answered, fast,
// without a crash and without a change to the CRM's records.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
	bolt "go.etcd.io/bbolt"
)

// hostileRecords counts what a hostile request must never change: the
// records of every kind, the change sets (history) and the outbox.
func hostileRecords(t *testing.T, s *crm.Store) map[string]int {
	n := e2eCounts(t, s)
	delete(n, "gw/claims") // a signed message from a registered user is claimed (answered once)
	return n
}

func TestHostileRequests(t *testing.T) {
	e := e2eStart(t, "", nil)
	base := "http://" + e.m.Addr()
	_, good := e.form(e2eWangPhone, "TODAY")
	goodSig := e.sign(twilio.SMSPath, good)

	signed := func(from, body string) (url.Values, string) {
		_, f := e.form(from, body)
		return f, e.sign(twilio.SMSPath, f)
	}
	type tc struct {
		name   string
		method string
		ctype  string
		body   io.Reader
		sig    string
		want   []int // acceptable statuses
		// claims: the message is a signed one from a registered user: it is
		// answered (a parse error) and claimed, nothing else changes
		claims bool
	}
	raw := func(f url.Values) io.Reader { return strings.NewReader(f.Encode()) }
	replay := url.Values{}
	for k, v := range good {
		replay[k] = v
	}
	replay.Set("Body", "PLAN wang visit acme fri") // changed body, old signature
	unsignedField := url.Values{}
	for k, v := range good {
		unsignedField[k] = v
	}
	unsignedField.Set("Evil", "1") // a field added after signing
	big := func(n int) io.Reader {
		f := url.Values{}
		for k, v := range good {
			f[k] = v
		}
		f.Set("Body", strings.Repeat("A", n))
		return raw(f)
	}
	ids := strings.Repeat("#1 ", 10_000)
	invalid := string([]byte{0xff, 0xfe, 'V', 0xc3, 0x28, ' ', 0xed, 0xa0, 0x80})
	ctrl := "V\x00acme\x01\x02\x1b[31m\x7f\u0085;\x00"
	seps := strings.Repeat(";/；\n", 1500) // about 40 KB encoded, under the 64 KB limit
	manyFields := func() (url.Values, string) {
		_, f := e.form(e2eWangPhone, "ZZZ unknown fields")
		for i := range 300 {
			f.Set(fmt.Sprintf("X%d", i), strings.Repeat("v", 50))
		}
		return f, e.sign(twilio.SMSPath, f)
	}
	cases := []tc{
		{name: "no signature", body: raw(good), want: []int{403}},
		{name: "wrong signature", body: raw(good), sig: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", want: []int{403}},
		{name: "signature of another URL", body: raw(good), sig: twilio.Signature("x1", "http://evil.example/twilio/sms", good), want: []int{403}},
		{name: "replayed signature, changed body", body: raw(replay), sig: goodSig, want: []int{403}},
		{name: "replayed signature, added field", body: raw(unsignedField), sig: goodSig, want: []int{403}},
		{name: "1 MB body", body: big(1 << 20), sig: goodSig, want: []int{413}},
		{name: "10 MB body", body: big(10 << 20), sig: goodSig, want: []int{413}},
		{name: "wrong content type", ctype: "application/json", body: strings.NewReader(`{"MessageSid":"SM1","From":"+8613800000002"}`), sig: goodSig, want: []int{415}},
		{name: "multipart", ctype: "multipart/form-data; boundary=x", body: strings.NewReader("--x--"), sig: goodSig, want: []int{415}},
		{name: "no content type", ctype: "-", body: raw(good), sig: goodSig, want: []int{415}},
		{name: "GET on the webhook", method: http.MethodGet, want: []int{405}},
		{name: "bad form encoding", body: strings.NewReader("MessageSid=%zz&From=%"), sig: goodSig, want: []int{400}},
		{name: "missing MessageSid", body: strings.NewReader("From=%2B8613800000002&Body=hi"), sig: goodSig, want: []int{400}},
		{name: "unsigned invalid UTF-8", body: raw(url.Values{"MessageSid": {"SMbad1"}, "From": {e2eWangPhone}, "Body": {invalid}}), want: []int{403}},
		{name: "unsigned 10,000 ids", body: raw(url.Values{"MessageSid": {"SMbad2"}, "From": {e2eWangPhone}, "Body": {ids}}), want: []int{403}},
	}
	// signed by Twilio, from a registered salesman: answered, claimed, and
	// nothing else changes (none of these bodies is a command)
	for _, c := range []struct{ name, body string }{
		{"invalid UTF-8", invalid},
		{"NUL and control characters", ctrl},
		{"10,000 # ids", ids},
		{"repeated separators", seps},
		{"only NULs", strings.Repeat("\x00", 1000)},
		{"deep unicode", strings.Repeat("\u0301", 5000)},
	} {
		f, sig := signed(e2eWangPhone, c.body)
		cases = append(cases, tc{name: "signed " + c.name, body: raw(f), sig: sig, want: []int{200}, claims: true})
	}
	// issue 15, point 11: over-long ids, correctly signed, are refused with
	// 400 (never stored: a 40,000-byte claim key was a 500 on every retry)
	for _, c := range []struct{ name, field string }{{"MessageSid", "MessageSid"}, {"SmsSid", "SmsSid"}, {"From", "From"}, {"To", "To"}} {
		_, f := e.form(e2eWangPhone, "TODAY")
		if c.field == "SmsSid" {
			f.Del("MessageSid")
		}
		f.Set(c.field, "SM"+strings.Repeat("0", 40_000))
		cases = append(cases, tc{name: "signed, 40,000-character " + c.name, body: raw(f), sig: e.sign(twilio.SMSPath, f), want: []int{400}})
	}
	f, sig := manyFields()
	cases = append(cases, tc{name: "signed, 300 unknown form fields", body: raw(f), sig: sig, want: []int{200}, claims: true})
	f, sig = signed(e2eStranger, invalid+ids)
	cases = append(cases, tc{name: "signed from a stranger", body: raw(f), sig: sig, want: []int{200}})

	client := &http.Client{Timeout: 10 * time.Second}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := hostileRecords(t, e.m.Store)
			claimsBefore := e2eCounts(t, e.m.Store)["gw/claims"]
			method := c.method
			if method == "" {
				method = http.MethodPost
			}
			req, _ := http.NewRequest(method, base+twilio.SMSPath, c.body)
			switch c.ctype {
			case "":
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			case "-":
			default:
				req.Header.Set("Content-Type", c.ctype)
			}
			if c.sig != "" {
				req.Header.Set(twilio.SignatureHeader, c.sig)
			}
			start := time.Now()
			resp, err := client.Do(req)
			took := time.Since(start)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ok := false
			for _, w := range c.want {
				ok = ok || resp.StatusCode == w
			}
			if !ok {
				t.Errorf("status %d, want %v: %.200s", resp.StatusCode, c.want, body)
			}
			if took > 3*time.Second {
				t.Errorf("answered in %v", took)
			}
			if resp.StatusCode == 200 && !bytes.Contains(body, []byte("<Response")) {
				t.Errorf("200 without TwiML: %.200s", body)
			}
			if after := hostileRecords(t, e.m.Store); !e2eMapsEqual(before, after) {
				t.Errorf("the store changed: %v → %v", before, after)
			}
			claims := e2eCounts(t, e.m.Store)["gw/claims"] - claimsBefore
			if want := map[bool]int{true: 1, false: 0}[c.claims]; claims != want {
				t.Errorf("%d claims stored, want %d", claims, want)
			}
		})
	}
	// still alive and well
	if code, _ := opsGet(t, e, "/healthz", ""); code != 200 {
		t.Fatalf("healthz after the hostile requests: %d", code)
	}
	if reply, _ := e.sms(e2eWangPhone, "TODAY"); reply == "" {
		t.Errorf("no answer to TODAY after the hostile requests")
	}
	rep, err := e.m.Store.Check(false)
	if err != nil || !rep.OK() {
		t.Errorf("store check after the hostile requests: %+v %v", rep, err)
	}
	e.m.Store.DB().View(func(tx *bolt.Tx) error {
		for range tx.Check() {
			t.Errorf("bbolt check failed")
		}
		return nil
	})
}

// Issue 15, point 11: every status Twilio documents is answered 2xx; the
// outbound ones are recorded on the entry, the inbound ones (receiving,
// received) and unknown ones change nothing, the unknown with a warning;
// an over-long MessageSid is a 400. None is a 500 (which Twilio retries).
func TestHostileStatusCallbacks(t *testing.T) {
	e := e2eStart(t, "", nil)
	e.sms(e2eLiuPhone, "PLAN wang visit acme fri urgent") // the notice to Wang goes through the outbox
	msg := e.api.WaitFor(1, 3*time.Second)[0]
	var id int64
	e2eWaitUntil(t, "the notice is recorded sent", func() bool {
		es := e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone)
		if len(es) == 1 && es[0].State == outbox.StateSent {
			id = es[0].ID
			return true
		}
		return false
	})
	get := func() *outbox.Entry {
		x, err := outbox.Get(e.m.Store.DB(), id)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	cases := []struct {
		status, sid string
		code        int
		// the entry's state and provider status after it ("" : unchanged)
		state, provider string
		warn            bool
	}{
		{status: "receiving", code: 204},
		{status: "received", code: 204},
		{status: "blorped", code: 204, warn: true},
		{status: "SENT_TO_MARS", code: 204, warn: true},
		{status: "sent", sid: "SM" + strings.Repeat("9", 40_000), code: 400},
		{status: strings.Repeat("x", 40_000), code: 400},
		{status: "sending", code: 204, provider: "sending", state: outbox.StateSent},
		{status: "partially_delivered", code: 204, provider: "delivered", state: outbox.StateDelivered},
		{status: "read", code: 204, provider: "read", state: outbox.StateDelivered},
	}
	for _, c := range cases {
		t.Run(c.status[:min(len(c.status), 20)], func(t *testing.T) {
			before := get()
			records := hostileRecords(t, e.m.Store)
			logBefore := len(e.log.String())
			sid := msg.SID
			if c.sid != "" {
				sid = c.sid
			}
			form := url.Values{"MessageSid": {sid}, "MessageStatus": {c.status}, "AccountSid": {twiliotest.AccountSID}}
			code, body := e.post(twilio.StatusPath, form, e.sign(twilio.StatusPath, form))
			if code != c.code {
				t.Errorf("answer %d %q, want %d", code, body, c.code)
			}
			after := get()
			if c.state == "" {
				if after.State != before.State || after.ProviderStatus != before.ProviderStatus || len(after.StatusHistory) != len(before.StatusHistory) {
					t.Errorf("the entry changed: %s/%s → %s/%s", before.State, before.ProviderStatus, after.State, after.ProviderStatus)
				}
			} else if after.State != c.state || after.ProviderStatus != c.provider {
				t.Errorf("entry %s/%s, want %s/%s", after.State, after.ProviderStatus, c.state, c.provider)
			}
			if now := hostileRecords(t, e.m.Store); !e2eMapsEqual(records, now) {
				t.Errorf("the store changed: %v → %v", records, now)
			}
			logged := e.log.String()[logBefore:]
			if warned := strings.Contains(logged, "unknown delivery status ignored"); warned != c.warn {
				t.Errorf("warning logged %v, want %v: %s", warned, c.warn, logged)
			}
			if strings.Contains(logged, "level=ERROR") {
				t.Errorf("an error logged: %s", logged)
			}
		})
	}
}

// A client that sends its request headers one byte at a time is cut off by
// the server's ReadHeaderTimeout (5 s), not held open forever; the server
// keeps answering others meanwhile.
func TestHostileSlowLoris(t *testing.T) {
	if testing.Short() {
		t.Skip("takes the 5 s header timeout")
	}
	t.Parallel()
	e := e2eStart(t, "", nil)
	conn, err := net.Dial("tcp", e.m.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST " + twilio.SMSPath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Padding: " +
		strings.Repeat("a", 400) + "\r\n"
	start := time.Now()
	cut := make(chan time.Duration, 1)
	go func() {
		// the server closes: the read ends (with EOF or a reset)
		buf := bufio.NewReader(conn)
		buf.ReadString('\n')
		io.Copy(io.Discard, buf)
		cut <- time.Since(start)
	}()
	go func() {
		for i := 0; i < len(head); i++ {
			if _, err := conn.Write([]byte{head[i]}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	// meanwhile the service answers
	time.Sleep(500 * time.Millisecond)
	if code, _ := opsGet(t, e, "/healthz", ""); code != 200 {
		t.Errorf("healthz during a slow-loris: %d", code)
	}
	select {
	case d := <-cut:
		if d < 4*time.Second || d > 8*time.Second {
			t.Errorf("slow connection cut after %v, want about 5 s", d)
		}
	case <-time.After(12 * time.Second):
		t.Fatalf("the slow connection is still open after 12 s")
	}
}

// Issue 15, point 5: the "not registered" answers cost an SMS each, so they
// are limited where a restart does not reset them: once a day per sender,
// a cap per hour in all, and only numbers in FIELDCRM_SMS_COUNTRIES. Nothing
// else is stored for an unknown sender, answered or not.
func TestHostileUnknownSenders(t *testing.T) {
	e := e2eStart(t, "", func(c *Config, _ *Main) { c.UnknownPerHour = 5; c.SMSCountries = []string{"+86", "+852"} })
	n := 0
	stranger := func() string { n++; return fmt.Sprintf("+86139%08d", 1000+n) }
	first := stranger()
	steps := []struct {
		name, from string
		advance    time.Duration
		restart    bool
		answered   bool
	}{
		{name: "first message", from: first, answered: true},
		{name: "again at once", from: first},
		{name: "again after a restart", from: first, restart: true}, // the limit was in memory: answered again
		{name: "Hong Kong (configured)", from: "+85291234567", answered: true},
		{name: "Britain (not configured)", from: "+447700900123"},
		{name: "premium-rate abroad", from: "+88213456789"},
		{name: "not a number", from: "+"},
		{name: "third", from: stranger(), answered: true},
		{name: "fourth", from: stranger(), answered: true},
		{name: "fifth", from: stranger(), answered: true},
		{name: "sixth: over the cap of 5 an hour", from: stranger()},
		{name: "seventh, after a restart: still over", from: stranger(), restart: true},
		{name: "the next hour", from: stranger(), advance: time.Hour, answered: true},
		{name: "the first, 23 hours later", from: first, advance: 22 * time.Hour},
		{name: "the first, a day later", from: first, advance: 2 * time.Hour, answered: true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.clock.Advance(s.advance)
			if s.restart {
				e.restart()
			}
			before := hostileRecords(t, e.m.Store)
			reply, sid := e.sms(s.from, "V acme; met Zhang Wei")
			if got := strings.Contains(reply, "not registered"); got != s.answered || (!s.answered && reply != "") {
				t.Errorf("answer %q, want answered %v", reply, s.answered)
			}
			if after := hostileRecords(t, e.m.Store); !e2eMapsEqual(before, after) {
				t.Errorf("the store changed: %v → %v", before, after)
			}
			if c, _ := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid); c != nil {
				t.Errorf("an unknown sender's message was claimed")
			}
		})
	}
	if n := len(e.api.Requests()); n != 0 {
		t.Errorf("%d SMS sent through the API to unknown senders", n)
	}
}

// The countries come from FIELDCRM_SMS_COUNTRIES: ISO codes or calling codes.
func TestConfigSMSCountries(t *testing.T) {
	for v, want := range map[string]string{"": "[+86]", "CN": "[+86]", "cn, hk": "[+86 +852]", "+86,+1": "[+86 +1]", "*": "[*]"} {
		env := map[string]string{"FIELDCRM_SMS_COUNTRIES": v}
		c, _, err := ParseConfig("serve", nil, func(k string) string { return env[k] })
		if err != nil || fmt.Sprint(c.SMSCountries) != want {
			t.Errorf("%q: %v %v, want %s", v, c.SMSCountries, err, want)
		}
	}
	env := map[string]string{"FIELDCRM_SMS_COUNTRIES": "CN,Narnia"}
	if _, _, err := ParseConfig("serve", nil, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), `"NARNIA"`) {
		t.Errorf("an unknown country: %v", err)
	}
}

// hostileBidi are the bidirectional controls that reorder what a reader sees.
var hostileBidi = []rune{'\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'}

func hostileHasBidi(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return slices.Contains(hostileBidi, r) })
}

// Issue 15, point 6: bidi controls in a message are dropped before it is
// parsed: the command means what it shows without them, and neither the
// reply nor anything stored carries one (SMS here, e-mail below).
func TestHostileBidi(t *testing.T) {
	e := e2eStart(t, "", nil)
	cases := []struct{ name, body, want string }{
		{"override in a note", "V acme; met Zhang Wei; \u202Eevil\u202C note", "OK visit"},
		{"every control in the account name", "V ac\u202Am\u202Be\u2066\u2067\u2068\u2069\u200E\u200F\u061C; met Zhang Wei", "OK visit"},
		{"isolate around the verb", "\u2067TODAY\u2069", "today"},
		{"override in an id", "ACCT #\u202E1", "ACME Mining"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reply, sid := e.sms(e2eWangPhone, c.body)
			if hostileHasBidi(reply) || !strings.Contains(strings.ToLower(reply), strings.ToLower(c.want)) {
				t.Errorf("reply %q, want %q and no bidi control", reply, c.want)
			}
			e.m.Store.DB().View(func(tx *bolt.Tx) error {
				return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
					return b.ForEach(func(k, v []byte) error {
						if hostileHasBidi(string(k)) || hostileHasBidi(string(v)) {
							t.Errorf("bucket %s holds a bidi control after %s: %q", name, sid, v)
						}
						return nil
					})
				})
			})
		})
	}
}
