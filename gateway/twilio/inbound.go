package twilio

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBody is the default limit of a webhook body.
const MaxBody = 64 << 10

// MaxIDLen is the longest MessageSid, AccountSid, From or To accepted.
// Twilio's SIDs are 34 characters and numbers (also "whatsapp:+…") far
// shorter; longer ones are refused with 400, never stored (a claim key of
// 40,000 bytes fails bbolt's key limit: a 500 on every retry).
const MaxIDLen = 64

// maxMedia caps the media URLs taken from one message (Twilio sends at most 10).
const maxMedia = 10

// HTTPError is a request the webhook must refuse, with the status to answer.
type HTTPError struct {
	Status int
	Msg    string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Msg) }

// StatusOf returns the HTTP status for an error of ParseInbound or
// ParseStatus (400 for errors that are not *HTTPError).
func StatusOf(err error) int {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status
	}
	return http.StatusBadRequest
}

// Inbound is an incoming SMS from Twilio's messaging webhook.
type Inbound struct {
	MessageSid string // MessageSid, or SmsSid from older accounts: the key for duplicate detection
	AccountSid string
	From       string // the sender, E.164
	To         string // our number
	Body       string // valid UTF-8, without NUL and control characters (new lines kept as \n)
	NumMedia   int
	MediaURLs  []string
	MediaTypes []string
	// Form is the whole decoded form as received (unsanitised), for the
	// signature check: Validate(token, publicURL, in.Form, header).
	Form url.Values
}

// ParseInbound reads and decodes a messaging webhook. The body may be at most
// maxBody bytes (MaxBody when ≤ 0): larger is 413; a method other than POST
// is 405; a content type other than application/x-www-form-urlencoded is 415;
// a form without MessageSid/SmsSid or From is 400 (errors are *HTTPError,
// see StatusOf). The form is also left in r.PostForm and r.Form.
func ParseInbound(r *http.Request, maxBody int64) (*Inbound, error) {
	form, err := readForm(r, maxBody)
	if err != nil {
		return nil, err
	}
	in := &Inbound{
		MessageSid: clean(first(form, "MessageSid", "SmsSid", "SmsMessageSid")),
		AccountSid: clean(form.Get("AccountSid")),
		From:       clean(form.Get("From")),
		To:         clean(form.Get("To")),
		Body:       SanitizeBody(form.Get("Body")),
		Form:       form,
	}
	if in.MessageSid == "" || in.From == "" {
		return nil, &HTTPError{http.StatusBadRequest, "MessageSid and From are required"}
	}
	for _, f := range []struct{ name, v string }{{"MessageSid", in.MessageSid}, {"AccountSid", in.AccountSid}, {"From", in.From}, {"To", in.To}} {
		if len(f.v) > MaxIDLen {
			return nil, &HTTPError{http.StatusBadRequest, fmt.Sprintf("%s is %d bytes long, more than %d", f.name, len(f.v), MaxIDLen)}
		}
	}
	if v := form.Get("NumMedia"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, &HTTPError{http.StatusBadRequest, "bad NumMedia"}
		}
		in.NumMedia = n
	}
	for i := 0; i < min(in.NumMedia, maxMedia); i++ {
		u := clean(form.Get("MediaUrl" + strconv.Itoa(i)))
		if u == "" {
			continue
		}
		in.MediaURLs = append(in.MediaURLs, u)
		in.MediaTypes = append(in.MediaTypes, clean(form.Get("MediaContentType"+strconv.Itoa(i))))
	}
	return in, nil
}

// ParseStatus decodes a status callback: the message SID, its status
// (queued, sent, delivered, undelivered, failed…, lower case) and the error
// code (0 when none). Limits and errors as ParseInbound; r.PostForm holds the
// form for Validate.
func ParseStatus(r *http.Request) (sid, status string, errCode int, err error) {
	form, err := readForm(r, MaxBody)
	if err != nil {
		return "", "", 0, err
	}
	sid = clean(first(form, "MessageSid", "SmsSid"))
	status = strings.ToLower(clean(first(form, "MessageStatus", "SmsStatus")))
	if sid == "" || status == "" {
		return "", "", 0, &HTTPError{http.StatusBadRequest, "MessageSid and MessageStatus are required"}
	}
	if len(sid) > MaxIDLen || len(status) > MaxIDLen {
		return "", "", 0, &HTTPError{http.StatusBadRequest, fmt.Sprintf("MessageSid or MessageStatus longer than %d bytes", MaxIDLen)}
	}
	if v := strings.TrimSpace(form.Get("ErrorCode")); v != "" {
		if errCode, err = strconv.Atoi(v); err != nil {
			return "", "", 0, &HTTPError{http.StatusBadRequest, "bad ErrorCode"}
		}
	}
	return sid, status, errCode, nil
}

func readForm(r *http.Request, maxBody int64) (url.Values, error) {
	if maxBody <= 0 {
		maxBody = MaxBody
	}
	if r.Method != http.MethodPost {
		return nil, &HTTPError{http.StatusMethodNotAllowed, "POST only"}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, &HTTPError{http.StatusUnsupportedMediaType, "want application/x-www-form-urlencoded"}
	}
	if r.ContentLength > maxBody {
		return nil, &HTTPError{http.StatusRequestEntityTooLarge, "body too large"}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, &HTTPError{http.StatusBadRequest, "reading the body: " + err.Error()}
	}
	if int64(len(body)) > maxBody {
		return nil, &HTTPError{http.StatusRequestEntityTooLarge, "body too large"}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &HTTPError{http.StatusBadRequest, "bad form: " + err.Error()}
	}
	r.PostForm = form
	if r.Form == nil {
		r.Form = form
	}
	return form, nil
}

func first(form url.Values, keys ...string) string {
	for _, k := range keys {
		if v := form.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// clean makes a header-like field safe: valid UTF-8, no control characters,
// trimmed.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// SanitizeBody makes an SMS body safe to parse and store: invalid UTF-8
// becomes U+FFFD, CR LF and CR become LF, NUL and the other control
// characters (C0 except TAB and LF, DEL, C1) and a byte-order mark are
// removed.
func SanitizeBody(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), r == '\uFEFF':
			return -1
		}
		return r
	}, s)
}
