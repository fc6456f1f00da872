package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email"
	"github.com/fieldcrm/fieldcrm/gateway/email/imapwatch"
	"github.com/fieldcrm/fieldcrm/gateway/email/smtpsend"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

// emailSegments bounds an answer by email: large enough that lists are never
// paged with MORE.
const emailSegments = 1000

// A message the handler keeps failing on (an internal error, not a refusal)
// is given up once it failed this often over at least this long: kept raw,
// its sender told. Long enough to ride out a restart or a full disk.
var (
	mailGiveUpAfter = 10
	mailGiveUpSpan  = time.Hour
)

// setupMail makes the email channel's sender (added to m.Senders) and
// handler. It runs before the outbox worker exists: the handler kicks it
// through m.Outbox later.
func (m *Main) setupMail(tpl *templates.Set, now func() time.Time) error {
	mc := &m.Config.Mail
	pipe, err := gateway.New(gateway.Config{Store: m.Store, Templates: tpl, Log: m.Log, Now: now, Email: true,
		MaxSegments: emailSegments, Kick: m.kick, OnHandled: m.ops.handled})
	if err != nil {
		return err
	}
	m.Mail, err = email.New(email.Config{Store: m.Store, Pipeline: pipe, Templates: tpl, Log: m.Log.With(slog.String("part", "email")),
		Now: now, Kick: m.kick, Address: mc.Address(), TrustedHost: mc.TrustedHost, SubmitterHeader: mc.AuthHeader,
		MaxRepliesPerHour: mc.maxReplies, OnHandled: m.ops.mailHandled})
	if err != nil {
		return err
	}
	if mc.TrustedHost != "" && mc.AuthHeader == "" {
		m.Log.Warn("FIELDCRM_MAIL_AUTH_HEADER is not set: fieldcrm checks who logged in to send a mail only where your mail server names the login, "+
			"and DMARC vouches for the domain, not the mailbox. Your mail server must refuse a login that writes another address in From, "+
			"or name the login (smtp.auth in Authentication-Results; Postfix: smtpd_sasl_authenticated_header = yes) and FIELDCRM_MAIL_AUTH_HEADER must say where; "+
			"otherwise anyone with a mailbox can send as the director. See the README, E-mail",
			slog.String("trusted_host", mc.TrustedHost))
	}
	if _, ok := m.Senders[outbox.ChannelEmail]; !ok {
		s, err := smtpsend.New(smtpsend.Config{Addr: mc.SMTPAddr, User: mc.SMTPUser, Password: mc.SMTPPassword,
			TLS: defaultStr(mc.SMTPTLS, "starttls"), TLSConfig: mc.SMTPTLSConfig, From: mc.From})
		if err != nil {
			return fmt.Errorf("email: %w", err)
		}
		m.Senders[outbox.ChannelEmail] = &email.Sender{Next: s, Tokens: m.Mail.Tokens(), Address: mc.Address()}
	}
	m.imap, err = imapwatch.New(imapwatch.Config{Addr: mc.IMAPAddr, User: mc.IMAPUser, Password: mc.IMAPPassword,
		TLS: defaultStr(mc.IMAPTLS, "tls"), TLSConfig: mc.IMAPTLSConfig, Folder: mc.IMAPFolder, Poll: mc.Poll,
		DB: m.Store.Engine(), Log: m.Log.With(slog.String("part", "imap"))},
		func(ctx context.Context, msg imapwatch.Message) error {
			if msg.Failed >= mailGiveUpAfter && time.Since(msg.FirstFailed) >= mailGiveUpSpan {
				_, err := m.Mail.GiveUp(ctx, msg.Raw, fmt.Errorf("failed %d times since %s", msg.Failed, msg.FirstFailed.Format(time.RFC3339)))
				return err
			}
			_, err := m.Mail.Handle(ctx, msg.Raw, msg.Truncated)
			return err
		})
	return err
}

// runMail checks the SMTP server once (a wrong password or certificate is
// said at start, not at the first answer) and takes mail until ctx ends.
func (m *Main) runMail(ctx context.Context) {
	mc := &m.Config.Mail
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err := smtpsend.Check(cctx, smtpsend.Config{Addr: mc.SMTPAddr, User: mc.SMTPUser, Password: mc.SMTPPassword,
		TLS: defaultStr(mc.SMTPTLS, "starttls"), TLSConfig: mc.SMTPTLSConfig, From: mc.From})
	cancel()
	if err != nil {
		m.Log.Warn("smtp check failed: e-mail answers stay queued in the outbox until it works", slog.String("smtp", mc.SMTPAddr), slog.Any("error", err))
	} else {
		m.Log.Info("smtp check passed", slog.String("smtp", mc.SMTPAddr))
	}
	if err := m.imap.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		m.Log.Error("imap watcher stopped", slog.Any("error", err))
	}
}

func (m *Main) kick() {
	if m.Outbox != nil {
		m.Outbox.Kick()
	}
}

func defaultStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
