package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email"
	"github.com/fieldcrm/fieldcrm/gateway/email/emailtest"
	"github.com/fieldcrm/fieldcrm/gateway/email/imapwatch"
	"github.com/fieldcrm/fieldcrm/gateway/email/mailtext"
	"github.com/fieldcrm/fieldcrm/gateway/email/smtpsend"
	"github.com/fieldcrm/fieldcrm/templates"
)

// The demo's mail system: an IMAP and an SMTP server on loopback. The SMTP
// server is the mail host of dealer.example: what is sent to fieldcrm's
// address lands in fieldcrm's mailbox (which fieldcrm watches over IMAP),
// what is sent to a user lands in his mailbox, where any mail client can
// read it. Every user logs in with his e-mail address and demoMailPassword.
const (
	demoMailAddress  = "crm@dealer.example"
	demoMailFrom     = "fieldcrm <" + demoMailAddress + ">"
	demoMailPassword = "demo"
	// demoMailHost stamps Authentication-Results on mail sent by a logged-in
	// user, and is the host fieldcrm trusts: as a real receiving server does.
	demoMailHost    = "mail.dealer.example"
	demoIMAPDefault = "127.0.0.1:1143"
	demoSMTPDefault = "127.0.0.1:2525"
)

type demoMail struct {
	imap    *emailtest.IMAPServer
	smtp    *emailtest.SMTPServer
	handler *email.Handler
	watcher *imapwatch.Watcher
	sender  *email.Sender
}

// startDemoMail starts the demo's mail servers and fieldcrm's email channel
// on them. Mail to a user is shown on out as it is delivered.
func startDemoMail(s *session, tpl *templates.Set, users []*crm.User, out io.Writer, imapAddr, smtpAddr string, kick func()) (*demoMail, error) {
	d := &demoMail{}
	var err error
	if d.imap, err = emailtest.NewIMAP(emailtest.IMAPOptions{Addr: imapAddr}); err != nil {
		return nil, fmt.Errorf("demo IMAP server: %w", err)
	}
	accounts := map[string]string{demoMailAddress: "fieldcrm"}
	for _, u := range users {
		if u.Email != "" {
			accounts[strings.ToLower(u.Email)] = u.Name
		}
	}
	logins := map[string]string{}
	for addr := range accounts {
		logins[addr] = demoMailPassword
		if err := d.imap.AddUser(addr, demoMailPassword); err != nil {
			d.close()
			return nil, err
		}
	}
	deliver := func(from string, to []string, raw []byte) error {
		for _, rcpt := range to {
			rcpt = strings.ToLower(rcpt)
			box := rcpt
			if l, dom, ok := strings.Cut(rcpt, "@"); ok {
				if base, _, plus := strings.Cut(l, "+"); plus {
					box = base + "@" + dom
				}
			}
			name, ok := accounts[box]
			if !ok {
				fmt.Fprintf(out, "   ↳ e-mail to %s: no such mailbox here, dropped\n", rcpt)
				continue
			}
			if _, err := d.imap.Append(box, "INBOX", raw); err != nil {
				return err
			}
			if box == demoMailAddress {
				if d.watcher != nil {
					d.watcher.Kick()
				}
				continue
			}
			showMail(out, name, raw)
		}
		return nil
	}
	if d.smtp, err = emailtest.NewSMTP(emailtest.SMTPOptions{Addr: smtpAddr, Users: logins, Deliver: deliver, Stamp: demoMailHost}); err != nil {
		d.close()
		return nil, fmt.Errorf("demo SMTP server: %w", err)
	}
	pipe, err := gateway.New(gateway.Config{Store: s.store, Templates: tpl, Log: s.log, Email: true, MaxSegments: emailSegments, Kick: kick})
	if err != nil {
		d.close()
		return nil, err
	}
	d.handler, err = email.New(email.Config{Store: s.store, Pipeline: pipe, Templates: tpl, Log: s.log, Kick: kick,
		Address: demoMailAddress, TrustedHost: demoMailHost, SubmitterHeader: "smtp.auth"})
	if err != nil {
		d.close()
		return nil, err
	}
	smtp, err := smtpsend.New(smtpsend.Config{Addr: d.smtp.Addr(), User: demoMailAddress, Password: demoMailPassword, TLS: "none",
		From: demoMailFrom})
	if err != nil {
		d.close()
		return nil, err
	}
	d.sender = &email.Sender{Next: smtp, Tokens: d.handler.Tokens(), Address: demoMailAddress}
	d.watcher, err = imapwatch.New(imapwatch.Config{Addr: d.imap.Addr(), User: demoMailAddress, Password: demoMailPassword, TLS: "none",
		Poll: 2 * time.Second, DB: s.store.Engine(), Log: s.log},
		func(ctx context.Context, m imapwatch.Message) error {
			_, err := d.handler.Handle(ctx, m.Raw, m.Truncated)
			return err
		})
	if err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// showMail prints a delivered e-mail on the demo's console: who, the
// subject and the first lines.
func showMail(out io.Writer, name string, raw []byte) {
	m, err := mailtext.Read(raw, mailtext.Limits{})
	if err != nil {
		fmt.Fprintf(out, "   ↳ e-mail to %s (unreadable: %v)\n", name, err)
		return
	}
	lines := strings.Split(strings.TrimSpace(m.Text), "\n")
	if len(lines) > 12 {
		lines = append(lines[:12], "…")
	}
	fmt.Fprintf(out, "   ↳ e-mail to %s: %s\n     %s\n", name, m.Subject, strings.Join(lines, "\n     "))
}

func (d *demoMail) run(ctx context.Context) {
	if err := d.watcher.Run(ctx); err != nil && ctx.Err() == nil {
		slog.Default().Error("demo imap watcher", slog.Any("error", err))
	}
}

func (d *demoMail) close() {
	if d.smtp != nil {
		d.smtp.Close()
	}
	if d.imap != nil {
		d.imap.Close()
	}
}

// howTo is what the demo prints about its mail servers.
func (d *demoMail) howTo(w io.Writer, users []*crm.User, me *crm.User) {
	var addrs []string
	for _, u := range users {
		if u.Email != "" {
			addrs = append(addrs, u.Email)
		}
	}
	fmt.Fprintf(w, "E-mail: fieldcrm reads %s. Mail servers on this machine, no TLS, password %q for everyone:\n", demoMailAddress, demoMailPassword)
	fmt.Fprintf(w, "  IMAP %s   SMTP %s   users: %s\n", d.imap.Addr(), d.smtp.Addr(), strings.Join(addrs, ", "))
	from := me.Email
	if from == "" {
		from = addrs[0]
	}
	fmt.Fprintf(w, "  In another terminal: go run ./cmd/fieldcrm mail --smtp %s --imap %s --from %s \"TODAY\"\n", d.smtp.Addr(), d.imap.Addr(), from)
}
