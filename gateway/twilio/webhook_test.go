package twilio_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

// Known vectors from twilio-go's own tests (token "12345").
var (
	vecURL    = "https://mycompany.com/myapp.php?foo=1&bar=2"
	vecParams = url.Values{
		"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
	}
)

func TestValidateKnownVectors(t *testing.T) {
	if got := twilio.Signature("12345", vecURL, vecParams); got != "vOEb5UThFn24KEfnOFLQY2AE5FY=" {
		t.Errorf("signature %s", got)
	}
	cases := []struct {
		name, url, sig string
		ok             bool
	}{
		{"OK", vecURL, "vOEb5UThFn24KEfnOFLQY2AE5FY=", true},
		{"Wrong", vecURL, "WRONG SIGNATURE", false},
		{"Empty", vecURL, "", false},
		{"HTTPSPortGivenSignedWithout", strings.Replace(vecURL, ".com", ".com:1234", 1), "vOEb5UThFn24KEfnOFLQY2AE5FY=", true},
		{"HTTPSDefaultPortGiven", strings.Replace(vecURL, ".com", ".com:443", 1), "vOEb5UThFn24KEfnOFLQY2AE5FY=", true},
		{"HTTPSignedWithout", strings.Replace(vecURL, "https", "http", 1), "n2xBNyzSW7rfYStDtOFiFMv7qNo=", true},
		{"OtherPath", strings.Replace(vecURL, "myapp", "other", 1), "vOEb5UThFn24KEfnOFLQY2AE5FY=", false},
		{"QueryMatters", strings.Replace(vecURL, "foo=1", "foo=2", 1), "vOEb5UThFn24KEfnOFLQY2AE5FY=", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := twilio.Validate("12345", c.url, vecParams, c.sig); got != c.ok {
				t.Errorf("Validate = %v, want %v", got, c.ok)
			}
		})
	}
	if twilio.Validate("54321", vecURL, vecParams, "vOEb5UThFn24KEfnOFLQY2AE5FY=") {
		t.Error("wrong token accepted")
	}
}

func TestValidatePortVariants(t *testing.T) {
	form := url.Values{"Body": {"hi"}, "From": {"+15550100"}}
	const tok = "secret"
	for _, c := range []struct{ signed, checked string }{
		{"https://crm.example.com/twilio/sms", "https://crm.example.com:443/twilio/sms"},
		{"https://crm.example.com:443/twilio/sms", "https://crm.example.com/twilio/sms"},
		{"http://crm.example.com:80/twilio/sms", "http://crm.example.com/twilio/sms"},
		{"https://crm.example.com/twilio/sms", "https://crm.example.com:8443/twilio/sms"},
		{"https://[2001:db8::1]/twilio/sms", "https://[2001:db8::1]:443/twilio/sms"},
	} {
		sig := twiliotest.Sign(tok, c.signed, form)
		if !twilio.Validate(tok, c.checked, form, sig) {
			t.Errorf("signed for %s, not valid for %s", c.signed, c.checked)
		}
	}
	sig := twiliotest.Sign(tok, "https://crm.example.com:8443/twilio/sms", form)
	if twilio.Validate(tok, "https://crm.example.com:9443/twilio/sms", form, sig) {
		t.Error("another non-default port accepted")
	}
}

func TestValidateRepeatedKeys(t *testing.T) {
	const tok, u = "secret", "https://crm.example.com/twilio/sms"
	form := url.Values{"MediaUrl": {"https://a/1", "https://a/2"}, "Body": {"x"}, "AddOns": {"b", "a"}}
	sig := twiliotest.Sign(tok, u, form)
	if twilio.Signature(tok, u, form) != sig {
		t.Fatal("the two implementations disagree")
	}
	if !twilio.Validate(tok, u, form, sig) {
		t.Error("repeated keys: not valid")
	}
	// every value counts, in the order received
	for _, f := range []url.Values{
		{"MediaUrl": {"https://a/1"}, "Body": {"x"}, "AddOns": {"b", "a"}},
		{"MediaUrl": {"https://a/2", "https://a/1"}, "Body": {"x"}, "AddOns": {"b", "a"}},
		{"MediaUrl": {"https://a/1", "https://a/2"}, "Body": {"x"}, "AddOns": {"a", "b"}},
		{"MediaUrl": {"https://a/1", "https://a/2", "https://a/3"}, "Body": {"x"}, "AddOns": {"b", "a"}},
	} {
		if twilio.Validate(tok, u, f, sig) {
			t.Errorf("%v accepted with the signature of %v", f, form)
		}
	}
	// hand-made: url + sorted keys, each value in order
	manual := twiliotest.Sign(tok, u+"AddOnsbAddOnsaBodyxMediaUrlhttps://a/1MediaUrlhttps://a/2", url.Values{})
	if manual != sig {
		t.Error("signature is not over url+AddOnsb AddOnsa Bodyx MediaUrl… in order")
	}
}

func post(body, ctype string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/twilio/sms", strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	return r
}

func TestParseInbound(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := url.Values{"MessageSid": {"SM1"}, "AccountSid": {"AC1"}, "From": {"+8613901395136"}, "To": {"+15550001"},
			"Body": {"拜访 华鑫矿业；见了李总"}, "NumMedia": {"2"}, "MediaUrl0": {"https://api.twilio.com/m/0"},
			"MediaContentType0": {"image/jpeg"}, "MediaUrl1": {"https://api.twilio.com/m/1"}, "MediaContentType1": {"image/png"}}
		r := post(f.Encode(), "application/x-www-form-urlencoded; charset=UTF-8")
		in, err := twilio.ParseInbound(r, 0)
		if err != nil {
			t.Fatal(err)
		}
		if in.MessageSid != "SM1" || in.AccountSid != "AC1" || in.From != "+8613901395136" || in.To != "+15550001" ||
			in.Body != "拜访 华鑫矿业；见了李总" || in.NumMedia != 2 || len(in.MediaURLs) != 2 ||
			in.MediaURLs[1] != "https://api.twilio.com/m/1" || in.MediaTypes[0] != "image/jpeg" {
			t.Errorf("%+v", in)
		}
		if r.PostForm.Get("Body") != in.Body || in.Form.Get("MessageSid") != "SM1" {
			t.Error("form not kept for the signature check")
		}
	})
	t.Run("SmsSid", func(t *testing.T) {
		in, err := twilio.ParseInbound(post("SmsSid=SM2&From=%2B1555&Body=hi", "application/x-www-form-urlencoded"), 0)
		if err != nil || in.MessageSid != "SM2" {
			t.Fatal(in, err)
		}
	})
	t.Run("Sanitise", func(t *testing.T) {
		f := url.Values{"MessageSid": {"SM1"}, "From": {" +1555\x00 "},
			"Body": {"\ufeffDONE #17\x00 met\x01 buyer\r\nnext: call mon\rok\x7f\u0085 \xff\xfe end\ttab"}}
		in, err := twilio.ParseInbound(post(f.Encode(), "application/x-www-form-urlencoded"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := "DONE #17 met buyer\nnext: call mon\nok \uFFFD end\ttab"; in.Body != want {
			t.Errorf("body %q, want %q", in.Body, want)
		}
		if in.From != "+1555" {
			t.Errorf("from %q", in.From)
		}
	})
	for _, c := range []struct {
		name   string
		req    *http.Request
		max    int64
		status int
	}{
		{"TooLarge", post("MessageSid=SM1&From=%2B1&Body="+strings.Repeat("a", 64<<10), "application/x-www-form-urlencoded"), 0, 413},
		{"TooLargeCustom", post("MessageSid=SM1&From=%2B1&Body="+strings.Repeat("a", 200), "application/x-www-form-urlencoded"), 100, 413},
		{"TooLargeChunked", func() *http.Request {
			r := post("MessageSid=SM1&From=%2B1&Body="+strings.Repeat("a", 70<<10), "application/x-www-form-urlencoded")
			r.ContentLength = -1
			return r
		}(), 0, 413},
		{"JSON", post(`{"Body":"x"}`, "application/json"), 0, 415},
		{"NoContentType", post("MessageSid=SM1", ""), 0, 415},
		{"Multipart", post("x", "multipart/form-data; boundary=x"), 0, 415},
		{"GET", httptest.NewRequest(http.MethodGet, "/twilio/sms?MessageSid=SM1", nil), 0, 405},
		{"NoSid", post("From=%2B1&Body=x", "application/x-www-form-urlencoded"), 0, 400},
		{"BadNumMedia", post("MessageSid=SM1&From=%2B1&NumMedia=x", "application/x-www-form-urlencoded"), 0, 400},
		{"BadForm", post("MessageSid=SM1&From=%zz", "application/x-www-form-urlencoded"), 0, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := twilio.ParseInbound(c.req, c.max)
			if err == nil || twilio.StatusOf(err) != c.status {
				t.Errorf("err %v, status %d, want %d", err, twilio.StatusOf(err), c.status)
			}
		})
	}
	t.Run("AtTheLimit", func(t *testing.T) {
		body := "MessageSid=SM1&From=%2B1&Body="
		body += strings.Repeat("a", 64<<10-len(body))
		if _, err := twilio.ParseInbound(post(body, "application/x-www-form-urlencoded"), 0); err != nil {
			t.Error(err)
		}
	})
}

func TestParseStatus(t *testing.T) {
	sid, status, code, err := twilio.ParseStatus(post("MessageSid=SM9&MessageStatus=Undelivered&ErrorCode=30003&SmsSid=SM9", "application/x-www-form-urlencoded"))
	if err != nil || sid != "SM9" || status != "undelivered" || code != 30003 {
		t.Errorf("%q %q %d %v", sid, status, code, err)
	}
	sid, status, code, err = twilio.ParseStatus(post("SmsSid=SM8&SmsStatus=sent", "application/x-www-form-urlencoded"))
	if err != nil || sid != "SM8" || status != "sent" || code != 0 {
		t.Errorf("%q %q %d %v", sid, status, code, err)
	}
	for _, b := range []string{"MessageSid=SM1", "MessageStatus=sent", "MessageSid=SM1&MessageStatus=sent&ErrorCode=x"} {
		if _, _, _, err := twilio.ParseStatus(post(b, "application/x-www-form-urlencoded")); twilio.StatusOf(err) != 400 {
			t.Errorf("%s: %v", b, err)
		}
	}
	if _, _, _, err := twilio.ParseStatus(post("{}", "application/json")); twilio.StatusOf(err) != 415 {
		t.Error(err)
	}
}

func TestTwiML(t *testing.T) {
	const h = `<?xml version="1.0" encoding="UTF-8"?>`
	for _, c := range []struct{ in, want string }{
		{"", h + "<Response/>"},
		{"  \n", h + "<Response/>"},
		{"OK #12", h + "<Response><Message>OK #12</Message></Response>"},
		{`a<b>&"c'`, h + "<Response><Message>a&lt;b&gt;&amp;&#34;c&#39;</Message></Response>"},
		{"</Message><Redirect>http://evil</Redirect>", h + "<Response><Message>&lt;/Message&gt;&lt;Redirect&gt;http://evil&lt;/Redirect&gt;</Message></Response>"},
		{"line1\nline2", h + "<Response><Message>line1&#xA;line2</Message></Response>"},
		{"已记录 #12", h + "<Response><Message>已记录 #12</Message></Response>"},
		{"nul\x00here", h + "<Response><Message>nul\uFFFDhere</Message></Response>"},
	} {
		if got := string(twilio.TwiML(c.in)); got != c.want {
			t.Errorf("TwiML(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
