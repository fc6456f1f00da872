package main

// fieldcrm webhook: post an inbound SMS to a running serve exactly as Twilio
// does (the form of its messaging webhook, signed with the auth token) and
// print the TwiML answer. With FIELDCRM_SMS=console it is the whole SMS
// round trip without a Twilio account.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/templates"
)

const webhookAbout = `
Posts one inbound SMS to serve's Twilio webhook (URL/twilio/sms) as Twilio
does: the same form fields (MessageSid, AccountSid, From, To, Body, NumMedia,
NumSegments, …) and the X-Twilio-Signature computed with the auth token over
the URL. Prints the TwiML answer: the reply in a <Message>, or an empty
<Response/> when the reply goes out through the outbox.

--url must be serve's FIELDCRM_PUBLIC_URL (with FIELDCRM_SMS=console and no
public URL: http://FIELDCRM_ADDR), --token its TWILIO_AUTH_TOKEN (console
mode without one: "console"). Give the same --sid twice to see how a retried
webhook is answered.`

func runWebhook(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("webhook", flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: fieldcrm webhook [--url URL] --from NUMBER [--token TOKEN] [--to NUMBER] [--sid SID] \"text\"\n\n%s\n\nflags:\n",
			strings.TrimSpace(webhookAbout))
		fs.PrintDefaults()
	}
	defURL := envDefault("FIELDCRM_PUBLIC_URL", "http://"+envDefault("FIELDCRM_ADDR", "127.0.0.1:8080"))
	base := fs.String("url", defURL, "serve's public base `URL`: $FIELDCRM_PUBLIC_URL, else http://$FIELDCRM_ADDR")
	from := fs.String("from", "", "the sender's phone `NUMBER` (E.164, e.g. +8613800000002)")
	tok, err := envSecret(os.Getenv, "TWILIO_AUTH_TOKEN")
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm webhook:", err)
		return 2
	}
	var token string // never printed: -h shows where it comes from, not the value
	fs.Var(secretFlag{&token}, "token", "the auth `TOKEN` to sign with (default $TWILIO_AUTH_TOKEN or its _FILE, else \"console\")")
	to := fs.String("to", defaultStr(first(splitList(os.Getenv("FIELDCRM_TWILIO_FROM"))), "+15005550006"),
		"our `NUMBER` the SMS was sent to: the first of $FIELDCRM_TWILIO_FROM, else Twilio's test number")
	sid := fs.String("sid", "", "the MessageSid (default a new one, SM + 32 hex digits)")
	account := fs.String("account", defaultStr(os.Getenv("TWILIO_ACCOUNT_SID"), "AC00000000000000000000000000000000"), "the AccountSid")
	timeout := fs.Duration("timeout", 20*time.Second, "give up on an answer after this long (serve answers within 15 s)")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if token == "" {
		token = defaultStr(tok, ConsoleToken)
	}
	text := strings.Join(pos, " ")
	switch {
	case *from == "":
		return usageError(fs, stderr, "--from is missing: the sender's phone number, e.g. --from +8613800000002")
	case strings.TrimSpace(text) == "":
		return usageError(fs, stderr, "the text of the SMS is missing, e.g. \"TODAY\"")
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError(fs, stderr, "--url %q is not an http(s) URL like http://127.0.0.1:8080", *base)
	}
	target := strings.TrimRight(*base, "/")
	if !strings.HasSuffix(target, twilio.SMSPath) {
		target += twilio.SMSPath
	}
	if *sid == "" {
		*sid = newMessageSid()
	}
	form := webhookForm(*sid, *account, *from, *to, text)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm webhook:", err)
		return 2
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1 (fieldcrm webhook)")
	req.Header.Set(twilio.SignatureHeader, twilio.Signature(token, target, form))
	resp, err := (&http.Client{Timeout: *timeout}).Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			fmt.Fprintf(stderr, "fieldcrm webhook: nothing answers at %s: is serve running there? (FIELDCRM_SMS=console fieldcrm serve)\n", u.Host)
		} else {
			fmt.Fprintf(stderr, "fieldcrm webhook: POST %s: %v\n", target, err)
		}
		return 1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm webhook: reading the answer: %v\n", err)
		return 1
	}
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "fieldcrm webhook: %s: %s\n", resp.Status, strings.TrimSpace(string(body)))
		switch resp.StatusCode {
		case http.StatusForbidden:
			fmt.Fprintf(stderr, "The signature was refused: serve checks it with its TWILIO_AUTH_TOKEN over its FIELDCRM_PUBLIC_URL%s; "+
				"give the same with --token and --url (signed here over %s).\n", twilio.SMSPath, target)
		case http.StatusNotFound:
			fmt.Fprintf(stderr, "No Twilio webhook at %s: --url is serve's base URL, e.g. http://127.0.0.1:8080\n", target)
		}
		return 1
	}
	stdout.Write(body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		fmt.Fprintln(stdout)
	}
	if !strings.Contains(string(body), "<Message") {
		fmt.Fprintln(stderr, "(an empty answer: the reply, if any, goes out through the outbox; see serve's log)")
	}
	return 0
}

// webhookForm is the form Twilio posts for an inbound SMS without media.
func webhookForm(sid, account, from, to, body string) url.Values {
	segs, _ := templates.Segments(body)
	return url.Values{
		"MessageSid":    {sid},
		"SmsMessageSid": {sid},
		"SmsSid":        {sid},
		"AccountSid":    {account},
		"From":          {from},
		"To":            {to},
		"Body":          {body},
		"NumMedia":      {"0"},
		"NumSegments":   {strconv.Itoa(max(segs, 1))},
		"SmsStatus":     {"received"},
		"ApiVersion":    {"2010-04-01"},
	}
}

func newMessageSid() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "SM" + hex.EncodeToString(b)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
