package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"net/url"
	"sort"
)

// SignatureHeader is the header carrying Twilio's request signature.
const SignatureHeader = "X-Twilio-Signature"

// Signature computes Twilio's signature of a POST webhook: base64 of
// HMAC-SHA1, keyed with the auth token, over the full URL followed by every
// form key in sorted order, each followed by its value — once for every
// value of a repeated key, in the order received.
func Signature(authToken, rawURL string, form url.Values) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(rawURL))
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range form[k] {
			mac.Write([]byte(k))
			mac.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Validate reports whether signature (the X-Twilio-Signature header) is
// Twilio's signature of a POST to rawURL with form, which must be the
// configured public URL of the webhook as Twilio calls it (with its query
// string), not what the request says behind a proxy. As Twilio is not
// consistent about the port, the URL is also tried with the scheme's default
// port added and with any port removed. Comparison is in constant time.
func Validate(authToken, rawURL string, form url.Values, signature string) bool {
	if signature == "" || authToken == "" {
		return false
	}
	want := []byte(signature)
	ok := false
	for _, u := range urlVariants(rawURL) {
		// no early exit: the time taken does not tell which variant matched
		if hmac.Equal([]byte(Signature(authToken, u, form)), want) {
			ok = true
		}
	}
	return ok
}

// urlVariants returns rawURL as given, without its port, and with the
// scheme's default port.
func urlVariants(rawURL string) []string {
	out := []string{rawURL}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return out
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil && net.ParseIP(host).To4() == nil {
		host = "[" + host + "]"
	}
	add := func(h string) {
		v := *u
		v.Host = h
		s := v.String()
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(host)
	switch u.Scheme {
	case "https":
		add(host + ":443")
	case "http":
		add(host + ":80")
	}
	return out
}
