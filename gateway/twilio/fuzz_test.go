package twilio_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/gateway/twilio"
)

// FuzzParseInbound feeds arbitrary bodies (and content types) to the webhook
// decoder and the signature check. Whatever comes in: no panic, an error is
// an *HTTPError with a 4xx status, and a decoded message is clean (valid
// UTF-8, no control characters but TAB and LF in the body, none at all in the
// ids), signs and validates as Twilio would, and stops validating when one of
// its values changes. .ci/run runs it for 30 s.
func FuzzParseInbound(f *testing.F) {
	const token = "fuzzToken123"
	const public = "https://crm.example.com/twilio/sms"
	seeds := []string{
		"MessageSid=SM123&From=%2B8613800000002&To=%2B8613800009999&Body=V+acme%3B+met+Zhang",
		"SmsSid=SM1&From=%2B1&Body=%E6%8B%9C%E8%AE%BF+%E5%8D%8E%E9%91%AB",
		"MessageSid=SM2&From=x&Body=%00%01%FF%FE%0D%0A%C2%85",
		"MessageSid=SM3&From=x&Body=a&Body=b&NumMedia=2&MediaUrl0=http%3A%2F%2Fa&MediaContentType0=image%2Fjpeg",
		"MessageSid=SM4&From=x&NumMedia=-1",
		"MessageSid=SM5&From=x&NumMedia=99999999999999999999",
		"%zz=1",
		"MessageSid=SM6&From=x&Body=" + strings.Repeat("%23", 500),
		";;;&&&===",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s), "application/x-www-form-urlencoded")
	}
	f.Add([]byte(`{"MessageSid":"SM1"}`), "application/json")
	f.Add([]byte("MessageSid=SM1&From=x"), "application/x-www-form-urlencoded; charset=\"utf-8\"")
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		r := httptest.NewRequest(http.MethodPost, "/twilio/sms", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		in, err := twilio.ParseInbound(r, 4096)
		if err != nil {
			if st := twilio.StatusOf(err); st < 400 || st > 499 {
				t.Fatalf("error status %d: %v", st, err)
			}
			if len(body) > 4096 && twilio.StatusOf(err) != http.StatusRequestEntityTooLarge &&
				twilio.StatusOf(err) != http.StatusUnsupportedMediaType {
				t.Fatalf("%d-byte body: %v, want 413", len(body), err)
			}
			return
		}
		if len(body) > 4096 {
			t.Fatalf("a %d-byte body was accepted over a 4096-byte limit", len(body))
		}
		if in.MessageSid == "" || in.From == "" {
			t.Fatalf("accepted without MessageSid or From: %+v", in)
		}
		for name, s := range map[string]string{"MessageSid": in.MessageSid, "From": in.From, "To": in.To, "AccountSid": in.AccountSid} {
			if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 || s != strings.TrimSpace(s) {
				t.Fatalf("%s not clean: %q", name, s)
			}
		}
		if !utf8.ValidString(in.Body) || strings.ContainsRune(in.Body, '\uFEFF') || strings.ContainsRune(in.Body, '\r') {
			t.Fatalf("body not clean: %q", in.Body)
		}
		for _, c := range in.Body {
			if unicode.IsControl(c) && c != '\n' && c != '\t' {
				t.Fatalf("control character %U in the body %q", c, in.Body)
			}
		}
		if in.NumMedia < 0 || len(in.MediaURLs) > 10 || len(in.MediaURLs) != len(in.MediaTypes) {
			t.Fatalf("media: %d %v %v", in.NumMedia, in.MediaURLs, in.MediaTypes)
		}
		sig := twilio.Signature(token, public, in.Form)
		if !twilio.Validate(token, public, in.Form, sig) {
			t.Fatalf("own signature does not validate for %q", body)
		}
		if twilio.Validate("otherToken9", public, in.Form, sig) {
			t.Fatalf("signature validates under another token")
		}
		// a changed value (replay with a new body) must not validate
		changed := url.Values{}
		for k, vs := range in.Form {
			changed[k] = append([]string(nil), vs...)
		}
		changed.Set("Body", in.Form.Get("Body")+"x")
		if twilio.Validate(token, public, changed, sig) {
			t.Fatalf("signature validates a changed body")
		}
		if twilio.Validate(token, public, in.Form, "") {
			t.Fatalf("empty signature validates")
		}
	})
}
