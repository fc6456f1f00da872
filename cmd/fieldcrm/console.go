package main

// FIELDCRM_SMS=console: serve without a Twilio account. Outgoing SMS are
// written to the log (gateway/console); `fieldcrm webhook` (webhookcmd.go)
// posts inbound SMS signed as Twilio signs them.

import (
	"log/slog"
	"net"
	"strings"

	"github.com/fieldcrm/fieldcrm/gateway/console"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// Values of FIELDCRM_SMS.
const (
	SMSTwilio  = "twilio"
	SMSConsole = "console"
)

// ConsoleToken is the auth token webhooks are signed with in console mode
// when TWILIO_AUTH_TOKEN is not set (fieldcrm webhook uses it too). It is
// public, so serve then listens on loopback only.
const ConsoleToken = "console"

// consoleDefaults checks FIELDCRM_SMS and, in console mode, gives the token
// its default. It reports whether console mode is on; Validate then needs no
// Twilio account, number or public URL.
func (c *Config) consoleDefaults(add func(format string, args ...any)) bool {
	switch c.SMS {
	case "", SMSTwilio:
		return false
	case SMSConsole:
	default:
		add("FIELDCRM_SMS must be %s or %s (printed to the log, nothing sent), not %q", SMSTwilio, SMSConsole, c.SMS)
		return false
	}
	if c.TwilioToken == "" {
		c.TwilioToken = ConsoleToken
		if host, _, err := net.SplitHostPort(c.Addr); err == nil && !isLoopback(host) {
			add("FIELDCRM_SMS=console without TWILIO_AUTH_TOKEN takes webhooks signed with the public token %q: "+
				"listen on loopback (FIELDCRM_ADDR=127.0.0.1:8080) or set TWILIO_AUTH_TOKEN", ConsoleToken)
		}
	}
	return true
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// consoleSenders are serve's senders in console mode.
func consoleSenders(log *slog.Logger) map[string]outbox.Sender {
	return map[string]outbox.Sender{outbox.ChannelSMS: &console.Sender{Log: log.With(slog.String("part", "sms-console"))}}
}

// consoleListening completes console mode once serve listens: without
// FIELDCRM_PUBLIC_URL, webhooks are checked against http://<its address>
// (127.0.0.1 for an address on every interface), and it says how to try it.
func (m *Main) consoleListening() {
	cfg := m.Config
	if cfg.SMS != SMSConsole {
		return
	}
	if cfg.PublicURL == "" {
		host, port, _ := net.SplitHostPort(m.ln.Addr().String())
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		cfg.PublicURL = "http://" + net.JoinHostPort(host, port)
		m.twilio.PublicURL = cfg.PublicURL
	}
	try := "fieldcrm webhook --url " + cfg.PublicURL
	if cfg.TwilioToken != ConsoleToken {
		try += " --token $TWILIO_AUTH_TOKEN"
	}
	m.Log.Warn("FIELDCRM_SMS=console: SMS are printed to this log, not sent; try: "+try+" --from <a user's phone> \"TODAY\"",
		slog.String("public_url", strings.TrimRight(cfg.PublicURL, "/")))
}
