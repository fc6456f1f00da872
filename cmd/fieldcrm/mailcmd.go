package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	gomail "github.com/wneessen/go-mail"

	"github.com/fieldcrm/fieldcrm/gateway/email/mailtext"
)

// runMailCmd sends one e-mail to fieldcrm the way a mail client does (SMTP
// with a login) and prints fieldcrm's answer, read from the sender's
// mailbox over IMAP. It is made for the demo's mail servers.
func runMailCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the sender: a registered user's e-mail address")
	to := fs.String("to", demoMailAddress, "fieldcrm's address")
	subject := fs.String("subject", "", "the subject (it may carry a command too)")
	attach := fs.String("attach", "", "a `file` to attach (DOC acme; title files it)")
	smtpAddr := fs.String("smtp", demoSMTPDefault, "SMTP server host:port (no TLS)")
	imapAddr := fs.String("imap", demoIMAPDefault, "IMAP server host:port of the sender's mailbox, to read the answer (\"off\": do not wait)")
	password := fs.String("password", demoMailPassword, "the sender's password on both servers")
	wait := fs.Duration("wait", 20*time.Second, "how long to wait for the answer")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: fieldcrm mail --from ADDRESS [--subject S] [--attach FILE] "line 1" ["line 2" …]`)
		fmt.Fprintln(stderr, "Sends an e-mail to fieldcrm (each argument is one line: one command) through the demo's SMTP server,")
		fmt.Fprintln(stderr, "then prints the answer from the sender's mailbox. Start `fieldcrm demo` first.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	body := strings.Join(fs.Args(), "\n")
	if *from == "" || strings.TrimSpace(body+*subject) == "" {
		fs.Usage()
		return 2
	}
	id, err := sendMail(ctx, *smtpAddr, *from, *password, *to, *subject, body, *attach)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm mail:", err)
		fmt.Fprintf(stderr, "Is `fieldcrm demo` running with its SMTP server on %s? It prints the address it uses.\n", *smtpAddr)
		return 1
	}
	fmt.Fprintf(stdout, "sent <%s> to %s\n", id, *to)
	if *imapAddr == "off" {
		return 0
	}
	wctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	ans, err := awaitAnswer(wctx, *imapAddr, *from, *password, id)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm mail: no answer:", err)
		return 1
	}
	fmt.Fprintf(stdout, "answer: %s\n%s\n", ans.Subject, strings.TrimSpace(ans.Text))
	return 0
}

// sendMail sends a plain-text e-mail with a login and returns its Message-ID.
func sendMail(ctx context.Context, addr, from, password, to, subject, body, attach string) (string, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--smtp %q: %w", addr, err)
	}
	port, _ := strconv.Atoi(portStr)
	m := gomail.NewMsg()
	if err := m.From(from); err != nil {
		return "", err
	}
	if err := m.To(to); err != nil {
		return "", err
	}
	m.Subject(subject)
	m.SetDate()
	_, domain, _ := strings.Cut(from, "@")
	id := fmt.Sprintf("cli.%s@%s", strconv.FormatInt(time.Now().UnixNano(), 36), domain)
	m.SetMessageIDWithValue(id)
	m.SetBodyString(gomail.TypeTextPlain, body+"\n")
	if attach != "" {
		m.AttachFile(attach)
	}
	c, err := gomail.NewClient(host, gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithSMTPAuth(gomail.SMTPAuthPlainNoEnc), gomail.WithUsername(from), gomail.WithPassword(password),
		gomail.WithTimeout(10*time.Second))
	if err != nil {
		return "", err
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return "", err
	}
	return id, nil
}

// awaitAnswer polls the mailbox of user until a message answering id
// arrives.
func awaitAnswer(ctx context.Context, addr, user, password, id string) (*mailtext.Message, error) {
	for {
		m, err := findAnswer(addr, user, password, id)
		if err != nil || m != nil {
			return m, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func findAnswer(addr, user, password, id string) (*mailtext.Message, error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		return nil, err
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		return nil, err
	}
	crit := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "In-Reply-To", Value: id}}}
	found, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, err
	}
	uids := found.AllUIDs()
	if len(uids) == 0 {
		return nil, nil
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids[len(uids)-1]), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(msgs) == 0 {
		return nil, err
	}
	return mailtext.Read(msgs[0].FindBodySection(section), mailtext.Limits{})
}
