// Package smtpsend is fieldcrm's email sender: it turns outbox entries of
// the "email" channel into MIME messages and hands them to an SMTP
// submission server (Config.Addr) with go-mail.
//
// # Connections
//
// Every Send opens its own connection (dial, EHLO, STARTTLS or implicit
// TLS, AUTH PLAIN, MAIL, RCPT, DATA, QUIT). fieldcrm sends notices and
// reports, a few messages a minute at most, so the cost of the handshake
// (measured by BenchmarkSend) buys simple and safe behaviour: no idle
// connection to go stale, no state left from a failed transaction, and
// concurrent Sends never share a connection. The context passed to Send
// bounds the whole exchange: when it ends, the connection is closed.
//
// # Errors
//
// Send returns *outbox.SendError. SMTP replies keep their code in Code:
// 4xx replies are retryable, 5xx replies permanent (550 no such user, 552
// too big, 554 rejected, 535 authentication failed). Network failures
// (refused, reset, timeouts) and TLS problems are retryable; an entry that
// cannot be turned into a message (bad address, bad inline image) is
// permanent.
package smtpsend

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// TLS modes of Config.TLS.
const (
	TLSImplicit = "tls"      // TLS from the first byte (submissions, port 465)
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which is required (port 587)
	TLSNone     = "none"     // no TLS at all: loopback and demo servers only
)

// DefaultTimeout bounds one send when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config configures the Sender.
type Config struct {
	// Addr is the submission server, host:port.
	Addr string
	// User and Password enable SMTP AUTH PLAIN when User is set.
	User, Password string
	// TLS is TLSImplicit, TLSStartTLS or TLSNone.
	TLS string
	// TLSConfig verifies the server (RootCAs in tests); nil: the system
	// roots, ServerName the host of Addr.
	TLSConfig *tls.Config
	// From is the default sender (FIELDCRM_MAIL_FROM, e.g.
	// "fieldcrm <crm@dealer.example>"); its domain makes the Message-IDs.
	From string
	// Timeout bounds one send [DefaultTimeout].
	Timeout time.Duration
	// HelloName is the EHLO name [the domain of From].
	HelloName string
}

// Sender sends email entries over SMTP. It implements outbox.Sender and is
// safe for concurrent use.
type Sender struct {
	cfg    Config
	from   *mail.Address
	domain string
	client *gomail.Client
	now    func() time.Time
}

var _ outbox.Sender = (*Sender)(nil)

// New validates cfg and returns a Sender. It does not connect: call Check
// for that.
func New(cfg Config) (*Sender, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtpsend: bad From %q: %w", cfg.From, err)
	}
	domain := addrDomain(from.Address)
	if domain == "" {
		return nil, fmt.Errorf("smtpsend: From %q has no domain", cfg.From)
	}
	if cfg.HelloName == "" {
		cfg.HelloName = domain
	}
	s := &Sender{cfg: cfg, from: from, domain: domain, now: time.Now}
	if s.client, err = s.newClient(); err != nil {
		return nil, err
	}
	return s, nil
}

// Domain is the domain of Config.From: the right-hand side of the
// Message-IDs this Sender makes.
func (s *Sender) Domain() string { return s.domain }

// newClient configures the go-mail client shared by all sends. Sends never
// use its own connection (Client.Send): each dials a connection of its own
// with DialToSMTPClientWithContext, which is safe for concurrent use.
func (s *Sender) newClient() (*gomail.Client, error) {
	host, port, err := splitAddr(s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	tlsPolicy, ssl, err := tlsMode(s.cfg.TLS)
	if err != nil {
		return nil, err
	}
	tc := tlsConfig(s.cfg.TLSConfig, host)
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithHELO(s.cfg.HelloName),
		gomail.WithTLSPolicy(tlsPolicy),
		gomail.WithTLSConfig(tc),
		gomail.WithDialContextFunc(s.dialer(ssl, tc)),
		// A fresh connection needs no NOOP probe, and no RSET after its only
		// message: an RSET failing after the DATA was accepted would report
		// a delivered message as failed.
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
	}
	if ssl {
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(authType(s.cfg.TLS)),
			gomail.WithUsername(s.cfg.User), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtpsend: %w", err)
	}
	return c, nil
}

// splitAddr splits host:port.
func splitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("smtpsend: bad Addr %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 || host == "" {
		return "", 0, fmt.Errorf("smtpsend: bad Addr %q", addr)
	}
	return host, port, nil
}

// tlsMode maps Config.TLS to go-mail's policy and implicit-TLS switch.
func tlsMode(mode string) (policy gomail.TLSPolicy, ssl bool, err error) {
	switch mode {
	case TLSImplicit:
		return gomail.NoTLS, true, nil // no STARTTLS inside the TLS connection
	case TLSStartTLS:
		return gomail.TLSMandatory, false, nil
	case TLSNone:
		return gomail.NoTLS, false, nil
	}
	return 0, false, fmt.Errorf("smtpsend: TLS must be %q, %q or %q, not %q", TLSImplicit, TLSStartTLS, TLSNone, mode)
}

// authType is AUTH PLAIN; go-mail sends PLAIN over a connection without
// TLS only with its NoEnc variant, which TLS "none" (loopback, demo) uses.
func authType(mode string) gomail.SMTPAuthType {
	if mode == TLSNone {
		return gomail.SMTPAuthPlainNoEnc
	}
	return gomail.SMTPAuthPlain
}

// tlsConfig returns a copy of tc (a new one when nil) with ServerName set.
func tlsConfig(tc *tls.Config, host string) *tls.Config {
	if tc == nil {
		return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	tc = tc.Clone()
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	return tc
}

// connKey carries a *connSlot in the dial context.
type connKey struct{}

// connSlot receives the connection a send dialled, so that Send can close
// it when its context ends (even during the greeting, which go-mail does
// not bound by the context) or the SMTP handshake fails.
type connSlot struct {
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// set records conn; it closes conn at once when the slot was closed.
func (c *connSlot) set(conn net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn = conn
	if c.closed {
		conn.Close()
	}
}

// close closes the connection, now or as soon as it is set.
func (c *connSlot) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn != nil {
		c.conn.Close()
	}
}

// dialer dials TCP, or TLS for implicit TLS. It returns the *tls.Conn
// itself (not a wrapper) because go-mail decides from the connection's
// type whether AUTH PLAIN travels encrypted.
func (s *Sender) dialer(ssl bool, tc *tls.Config) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd := &net.Dialer{}
		var conn net.Conn
		var err error
		if ssl {
			conn, err = (&tls.Dialer{NetDialer: nd, Config: tc}).DialContext(ctx, network, addr)
		} else {
			conn, err = nd.DialContext(ctx, network, addr)
		}
		if err == nil {
			if slot, ok := ctx.Value(connKey{}).(*connSlot); ok {
				slot.set(conn)
			}
		}
		return conn, err
	}
}

// Send sends e and returns its Message-ID (without <>) as the provider id;
// segments is always 0. Errors are *outbox.SendError.
func (s *Sender) Send(ctx context.Context, e *outbox.Entry) (string, int, error) {
	m, id, err := s.build(e)
	if err != nil {
		return "", 0, &outbox.SendError{Msg: err.Error()}
	}
	if err := s.transmit(ctx, m); err != nil {
		return "", 0, classify(ctx, err)
	}
	return id, 0, nil
}

// transmit sends m over a connection of its own.
func (s *Sender) transmit(ctx context.Context, m *gomail.Msg) error {
	c, stop, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer stop()
	err = s.client.SendWithSMTPClient(c, m)
	if m.IsDelivered() {
		// The server took the message: whatever happens now (the QUIT)
		// must not make the outbox send it again.
		_ = s.client.CloseWithSMTPClient(c)
		return nil
	}
	if err == nil {
		err = errors.New("message not accepted")
	}
	_ = s.client.CloseWithSMTPClient(c)
	return err
}

// dial connects, greets, secures and authenticates. stop releases the
// connection's watch on ctx and closes the raw connection (after QUIT, or
// instead of it).
func (s *Sender) dial(ctx context.Context) (*gosmtp.Client, func(), error) {
	slot := &connSlot{}
	release := context.AfterFunc(ctx, slot.close)
	stop := func() {
		release()
		slot.close()
	}
	c, err := s.client.DialToSMTPClientWithContext(context.WithValue(ctx, connKey{}, slot))
	if err != nil {
		stop() // go-mail leaves the connection open when EHLO or STARTTLS fails
		return nil, nil, err
	}
	return c, stop, nil
}

// Check connects to the server, greets it, starts TLS, authenticates and
// quits: a start-up and readiness check of cfg. A bad cfg gives New's
// error; a failed exchange wraps an *outbox.SendError (Code holds the SMTP
// reply code, e.g. 535).
func Check(ctx context.Context, cfg Config) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	c, stop, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("smtpsend: check %s: %w", cfg.Addr, classify(ctx, err))
	}
	defer stop()
	if err := s.client.CloseWithSMTPClient(c); err != nil {
		return fmt.Errorf("smtpsend: check %s: %w", cfg.Addr, classify(ctx, err))
	}
	return nil
}

// addrDomain returns the part of addr after the last "@", lower-cased.
func addrDomain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}
