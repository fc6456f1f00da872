// Package aliyuntest is a fake Alibaba Cloud SMS for tests: a dysmsapi
// endpoint that checks the ACS3-HMAC-SHA256 signature of the official SDK's
// requests with the test AccessKey secret, renders SendSms through the
// templates it was told are approved, records the messages and can be told
// to fail with a code; and helpers that push upstream replies (SmsUp) and
// delivery reports (SmsReport) to our server as Alibaba Cloud does.
//
// The signature check is written from Alibaba Cloud's description of the V3
// signature, independently of the SDK, so each checks the other.
package aliyuntest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test credentials.
const (
	AccessKeyID     = "LTAI5tFieldcrmTest0001"
	AccessKeySecret = "fieldcrmTestSecret0123456789abcd"
	SignName        = "鞍山重机"
)

// Send is one SendSms the fake answered.
type Send struct {
	BizID        string // empty when refused
	Phone        string // PhoneNumbers as sent (13800000002)
	SignName     string
	TemplateCode string
	Params       map[string]string // TemplateParam
	OutID        string
	Text         string // what the phone shows: 【SignName】 and the template filled
	Code         string // the answer's Code ("OK" or the error)
}

type failure struct{ code, msg string }

// Server is a fake dysmsapi over real loopback HTTP.
type Server struct {
	*httptest.Server
	AccessKeyID, AccessKeySecret, SignName string

	t         testing.TB
	mu        sync.Mutex
	templates map[string]string // code → text with ${var}
	sends     []Send            // accepted
	all       []Send            // every SendSms, refused ones too
	next      []failure
	failTo    map[string]failure
	seq       int
	changed   chan struct{}
	badSig    int
	hold      chan struct{} // while set, SendSms waits for it to close (Hold)
	waiting   []Send        // SendSms that arrived while held
}

// Waiting returns the SendSms that arrived while the server was held.
func (s *Server) Waiting() []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Send(nil), s.waiting...)
}

// Hold makes every SendSms wait, after it was recorded in Waiting, until
// release is called (or the server closes): the provider has the message
// and has not answered, the window in which a crash leaves the outbox in
// doubt.
func (s *Server) Hold() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.hold == ch {
				s.hold = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// NewServer starts a fake Alibaba Cloud SMS, closed when the test ends.
// Point the sender's endpoint at s.URL.
func NewServer(t testing.TB) *Server {
	s := New()
	s.t = t
	t.Cleanup(s.Close)
	return s
}

// New starts a fake for a program that is not a test; the caller closes it.
func New() *Server {
	s := &Server{AccessKeyID: AccessKeyID, AccessKeySecret: AccessKeySecret, SignName: SignName,
		templates: map[string]string{}, failTo: map[string]failure{}, changed: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Approve makes template code approved with text ("${content}，回复TD退订").
func (s *Server) Approve(code, text string) {
	s.mu.Lock()
	s.templates[code] = text
	s.mu.Unlock()
}

// FailNext makes the next n SendSms answer code with msg
// ("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5").
func (s *Server) FailNext(n int, code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.next = append(s.next, failure{code, msg})
	}
}

// FailTo makes every SendSms to phone (as sent: 13800000002) answer code
// ("" clears it).
func (s *Server) FailTo(phone, code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.failTo, phone)
		return
	}
	s.failTo[phone] = failure{code, msg}
}

// Sends returns the accepted messages in the order received.
func (s *Server) Sends() []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Send(nil), s.sends...)
}

// Requests returns every SendSms, refused ones too.
func (s *Server) Requests() []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Send(nil), s.all...)
}

// BadSignatures counts requests refused for their signature.
func (s *Server) BadSignatures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.badSig
}

// WaitFor waits until at least n messages were accepted and returns them;
// the test fails when that takes longer than timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) []Send {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, ch := len(s.sends), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Sends()
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.t.Fatalf("aliyuntest: %d messages after %v, want %d", got, timeout, n)
			return nil
		}
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := s.verify(r, body); err != nil {
		s.mu.Lock()
		s.badSig++
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, map[string]any{"Code": "SignatureDoesNotMatch", "Message": err.Error(), "RequestId": "bad-sig"})
		return
	}
	q := r.URL.Query()
	if len(body) > 0 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if f, err := parseQuery(string(body)); err == nil {
			for k, v := range f {
				q[k] = v
			}
		}
	}
	action := r.Header.Get("x-acs-action")
	if action == "" {
		action = q.Get("Action")
	}
	if r.Method != http.MethodPost || action != "SendSms" || r.Header.Get("x-acs-version") != "2017-05-25" {
		writeJSON(w, http.StatusNotFound, map[string]any{"Code": "InvalidAction.NotFound", "Message": "fake: only SendSms 2017-05-25", "RequestId": "x"})
		return
	}
	m := Send{Phone: q.Get("PhoneNumbers"), SignName: q.Get("SignName"), TemplateCode: q.Get("TemplateCode"), OutID: q.Get("OutId")}
	s.mu.Lock()
	if hold := s.hold; hold != nil {
		s.waiting = append(s.waiting, m)
		s.mu.Unlock()
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
		s.mu.Lock()
	}
	tpl, approved := s.templates[m.TemplateCode]
	fail, failing := s.failTo[m.Phone]
	if !failing && len(s.next) > 0 {
		fail, failing = s.next[0], true
		s.next = s.next[1:]
	}
	s.mu.Unlock()
	if raw := q.Get("TemplateParam"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &m.Params); err != nil {
			fail, failing = failure{"isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"}, true
		}
	}
	switch {
	case failing:
	case !regexp.MustCompile(`^1[3-9][0-9]{9}$`).MatchString(m.Phone) && !regexp.MustCompile(`^[1-9][0-9]{7,14}$`).MatchString(m.Phone):
		fail, failing = failure{"isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"}, true
	case m.SignName != s.SignName:
		fail, failing = failure{"isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"}, true
	case !approved:
		fail, failing = failure{"isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"}, true
	default:
		text, missing := render(tpl, m.Params)
		if missing != "" {
			fail, failing = failure{"isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值: " + missing}, true
		}
		m.Text = "【" + m.SignName + "】" + text
	}
	if failing {
		m.Code = fail.code
		s.record(m, false)
		status := http.StatusOK // business refusals come with 200 and their Code
		switch {
		case strings.HasPrefix(fail.code, "Throttling"):
			status = http.StatusBadRequest
		case fail.code == "ServiceUnavailable" || strings.HasPrefix(fail.code, "isp."):
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, map[string]any{"Code": fail.code, "Message": fail.msg, "RequestId": fmt.Sprintf("req-%d", time.Now().UnixNano())})
		return
	}
	s.mu.Lock()
	s.seq++
	m.BizID = fmt.Sprintf("%d^0", 900619746936498400+s.seq)
	s.mu.Unlock()
	m.Code = "OK"
	s.record(m, true)
	writeJSON(w, http.StatusOK, map[string]any{"Code": "OK", "Message": "OK", "BizId": m.BizID, "RequestId": fmt.Sprintf("req-%d", time.Now().UnixNano())})
}

var varRe = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

func render(tpl string, params map[string]string) (text, missing string) {
	text = varRe.ReplaceAllStringFunc(tpl, func(v string) string {
		name := v[2 : len(v)-1]
		val, ok := params[name]
		if !ok && missing == "" {
			missing = name
		}
		return val
	})
	return text, missing
}

func (s *Server) record(m Send, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, m)
	if ok {
		s.sends = append(s.sends, m)
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// verify checks the ACS3-HMAC-SHA256 Authorization of r:
//
//	CanonicalRequest = Method \n URI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexSHA256(body)
//	StringToSign     = "ACS3-HMAC-SHA256" \n HexSHA256(CanonicalRequest)
//	Signature        = Hex(HMAC-SHA256(secret, StringToSign))
func (s *Server) verify(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "ACS3-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("not an ACS3-HMAC-SHA256 Authorization: %q", auth)
	}
	fields := map[string]string{}
	for _, f := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	if fields["Credential"] != s.AccessKeyID {
		return fmt.Errorf("unknown AccessKey %q", fields["Credential"])
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if h := r.Header.Get("x-acs-content-sha256"); h != payload {
		return fmt.Errorf("x-acs-content-sha256 %q does not match the body", h)
	}
	date, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("x-acs-date"))
	if err != nil || time.Since(date).Abs() > 15*time.Minute {
		return fmt.Errorf("x-acs-date %q missing or more than 15 minutes off", r.Header.Get("x-acs-date"))
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) {
		return fmt.Errorf("SignedHeaders not sorted")
	}
	need := map[string]bool{"host": false, "x-acs-action": false, "x-acs-date": false, "x-acs-signature-nonce": false, "x-acs-version": false, "x-acs-content-sha256": false}
	var ch strings.Builder
	for _, h := range signed {
		if _, ok := need[h]; ok {
			need[h] = true
		}
		v := r.Header.Values(h)
		if h == "host" {
			v = []string{r.Host}
		}
		sort.Strings(v)
		for i := range v {
			v[i] = strings.TrimSpace(v[i])
		}
		ch.WriteString(h + ":" + strings.Join(v, ",") + "\n")
	}
	for h, seen := range need {
		if !seen {
			return fmt.Errorf("%s is not signed", h)
		}
	}
	canon := strings.Join([]string{r.Method, canonicalURI(r.URL.EscapedPath()), canonicalQuery(r.URL.RawQuery),
		ch.String(), strings.Join(signed, ";"), payload}, "\n")
	hc := sha256.Sum256([]byte(canon))
	mac := hmac.New(sha256.New, []byte(s.AccessKeySecret))
	mac.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(hc[:])))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return fmt.Errorf("signature does not match")
	}
	return nil
}

func canonicalURI(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// canonicalQuery sorts the parameters by name and encodes names and values
// as RFC 3986 says (unreserved characters kept, everything else %XX).
func canonicalQuery(raw string) string {
	q, err := parseQuery(raw)
	if err != nil {
		return "\x00bad query"
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, encode(k)+"="+encode(v))
		}
	}
	return strings.Join(parts, "&")
}

func parseQuery(raw string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		dk, err := decode(k)
		if err != nil {
			return nil, err
		}
		dv, err := decode(v)
		if err != nil {
			return nil, err
		}
		out[dk] = append(out[dk], dv)
	}
	return out, nil
}

func decode(s string) (string, error) {
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s):
			v, err := hex.DecodeString(s[i+1 : i+3])
			if err != nil {
				return "", err
			}
			b.Write(v)
			i += 2
		case c == '%':
			return "", fmt.Errorf("bad escape")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
