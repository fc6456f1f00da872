package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MailConfig is the email channel's part of Config. With none of the
// FIELDCRM_IMAP_*, FIELDCRM_SMTP_* and FIELDCRM_MAIL_FROM variables set the
// channel is off; with any of them set, all it needs must be there.
type MailConfig struct {
	IMAPAddr, IMAPUser, IMAPPassword string // FIELDCRM_IMAP_ADDR, _USER, _PASSWORD
	IMAPTLS                          string // FIELDCRM_IMAP_TLS: tls, starttls or none
	IMAPFolder                       string // FIELDCRM_IMAP_FOLDER
	SMTPAddr, SMTPUser, SMTPPassword string // FIELDCRM_SMTP_ADDR, _USER, _PASSWORD
	SMTPTLS                          string // FIELDCRM_SMTP_TLS: tls, starttls or none
	From                             string // FIELDCRM_MAIL_FROM: "fieldcrm <crm@dealer.example>"
	// TrustedHost is the authserv-id of the mail server that receives for
	// the mailbox; its Authentication-Results vouch for senders
	// (FIELDCRM_MAIL_TRUSTED_HOST; empty: only replies carrying the
	// sender's token are applied).
	TrustedHost string
	// AuthHeader names where the trusted server reports the login of an
	// authenticated submitter: a header field (X-Authenticated-Sender) or
	// "smtp.auth" in its Authentication-Results (FIELDCRM_MAIL_AUTH_HEADER;
	// empty: checked only where present, and serve warns at start).
	AuthHeader string
	MaxReplies string // FIELDCRM_MAIL_MAX_REPLIES: answers per address per hour

	// not from the environment: tests and the demo
	IMAPTLSConfig, SMTPTLSConfig *tls.Config
	Poll                         time.Duration // IMAP poll / IDLE re-check (0: the watcher's default)
	fromAddr                     string
	maxReplies                   int
}

var headerNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

func (m *MailConfig) vars() []envVar {
	return []envVar{
		{"FIELDCRM_IMAP_ADDR", "IMAP server host:port of fieldcrm's mailbox (empty: no email channel)", &m.IMAPAddr, ""},
		{"FIELDCRM_IMAP_USER", "IMAP user name", &m.IMAPUser, ""},
		{"FIELDCRM_IMAP_PASSWORD", "IMAP password", &m.IMAPPassword, ""},
		{"FIELDCRM_IMAP_TLS", "IMAP transport security: tls, starttls or none", &m.IMAPTLS, "tls"},
		{"FIELDCRM_IMAP_FOLDER", "the folder new mail arrives in", &m.IMAPFolder, "INBOX"},
		{"FIELDCRM_SMTP_ADDR", "SMTP server host:port for outgoing mail", &m.SMTPAddr, ""},
		{"FIELDCRM_SMTP_USER", "SMTP user name", &m.SMTPUser, ""},
		{"FIELDCRM_SMTP_PASSWORD", "SMTP password", &m.SMTPPassword, ""},
		{"FIELDCRM_SMTP_TLS", "SMTP transport security: tls, starttls or none", &m.SMTPTLS, "starttls"},
		{"FIELDCRM_MAIL_FROM", `fieldcrm's address, e.g. "fieldcrm <crm@dealer.example>" (the mailbox above receives it)`, &m.From, ""},
		{"FIELDCRM_MAIL_TRUSTED_HOST", "authserv-id of your receiving mail server: its Authentication-Results vouch for senders", &m.TrustedHost, ""},
		{"FIELDCRM_MAIL_AUTH_HEADER", "where your receiving server names the login a mail was submitted under: a header (X-Authenticated-Sender), smtp.auth (in its Authentication-Results) or Received (Postfix's Authenticated sender); it must own the From address", &m.AuthHeader, ""},
		{"FIELDCRM_MAIL_MAX_REPLIES", "most answers to one address per hour (mail loop guard)", &m.MaxReplies, "20"},
	}
}

// Enabled reports whether the email channel is configured.
func (m *MailConfig) Enabled() bool {
	return m.IMAPAddr != "" || m.SMTPAddr != "" || m.From != "" || m.IMAPUser != "" || m.SMTPUser != ""
}

// Address is fieldcrm's own address, from FIELDCRM_MAIL_FROM.
func (m *MailConfig) Address() string {
	if m.fromAddr == "" {
		if a, err := mail.ParseAddress(m.From); err == nil {
			m.fromAddr = a.Address
		}
	}
	return m.fromAddr
}

func (m *MailConfig) validate() []string {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if m.MaxReplies == "" {
		m.maxReplies = 20
	} else if n, err := strconv.Atoi(m.MaxReplies); err != nil || n < 1 {
		add("FIELDCRM_MAIL_MAX_REPLIES must be a whole number above 0, not %q", m.MaxReplies)
	} else {
		m.maxReplies = n
	}
	if h := m.AuthHeader; h != "" && !strings.EqualFold(h, "smtp.auth") && !headerNameRe.MatchString(h) {
		add("FIELDCRM_MAIL_AUTH_HEADER %q is not a header name (e.g. X-Authenticated-Sender) nor smtp.auth", h)
	}
	if !m.Enabled() {
		return probs
	}
	for _, v := range []struct{ name, val, example string }{{"FIELDCRM_IMAP_ADDR", m.IMAPAddr, "imap.dealer.example:993"},
		{"FIELDCRM_SMTP_ADDR", m.SMTPAddr, "smtp.dealer.example:587"}} {
		if v.val == "" {
			add("%s is missing: the email channel needs it (e.g. %s), or unset every FIELDCRM_IMAP_*, FIELDCRM_SMTP_* and FIELDCRM_MAIL_FROM to run without email", v.name, v.example)
		} else if _, _, err := net.SplitHostPort(v.val); err != nil {
			add("%s %q is not host:port (e.g. %s)", v.name, v.val, v.example)
		}
	}
	if m.IMAPUser == "" {
		add("FIELDCRM_IMAP_USER is missing: the mailbox's login")
	}
	for _, v := range []struct{ name, val string }{{"FIELDCRM_IMAP_TLS", m.IMAPTLS}, {"FIELDCRM_SMTP_TLS", m.SMTPTLS}} {
		switch v.val {
		case "tls", "starttls", "none", "":
		default:
			add("%s must be tls, starttls or none, not %q", v.name, v.val)
		}
	}
	if m.From == "" {
		add(`FIELDCRM_MAIL_FROM is missing: fieldcrm's address, e.g. "fieldcrm <crm@dealer.example>"`)
	} else if a, err := mail.ParseAddress(m.From); err != nil {
		add("FIELDCRM_MAIL_FROM %q is not an address: %v", m.From, err)
	} else {
		m.fromAddr = a.Address
	}
	return probs
}
