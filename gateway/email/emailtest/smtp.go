package emailtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the SMTPServer accepted.
type Received struct {
	From string   // MAIL FROM
	To   []string // RCPT TO
	Raw  []byte   // the message as received, with the server's stamp prepended
	At   time.Time
}

// SMTPOptions configures an SMTPServer.
type SMTPOptions struct {
	// Addr is the address to listen on ("": 127.0.0.1 on any free port);
	// when it is taken, any free port on 127.0.0.1 is used instead.
	Addr string
	// Users maps user names to passwords. When it is not empty, AUTH PLAIN
	// is offered and required before MAIL.
	Users map[string]string
	// TLS, when set, makes the server offer STARTTLS with this config.
	TLS *tls.Config
	// Deliver, when set, is called for each accepted message (the demo
	// delivers to the IMAP server); an error answers 451 and the message
	// is not recorded.
	Deliver func(from string, to []string, raw []byte) error
	// Stamp, when set, is the authserv-id of the Authentication-Results
	// header the server prepends: "auth=pass smtp.auth=<login> dmarc=pass …
	// spf=pass …" for authenticated sessions, "spf=none" for others; a Received header
	// comes with it.
	Stamp string
	// MaxSize is the largest message accepted (SIZE); 0: no limit.
	MaxSize int64
}

// SMTPServer is an SMTP submission server on 127.0.0.1 for tests and the
// demo, built on go-smtp. It records what it accepts.
type SMTPServer struct {
	opt  SMTPOptions
	srv  *smtp.Server
	ln   net.Listener
	done chan struct{} // closed when Serve returned

	mu      sync.Mutex
	msgs    []Received
	changed chan struct{} // closed and replaced when a message arrives
	fail    smtpFailure
}

// smtpFailure is what FailNext asked for.
type smtpFailure struct {
	code  int
	msg   string
	times int
}

// NewSMTP starts an SMTPServer on 127.0.0.1 on a free port. AUTH is
// allowed without TLS (AllowInsecureAuth): loopback only.
func NewSMTP(opt SMTPOptions) (*SMTPServer, error) {
	ln, err := listenLoopback(opt.Addr)
	if err != nil {
		return nil, err
	}
	s := &SMTPServer{opt: opt, ln: ln, done: make(chan struct{}), changed: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.TLSConfig = opt.TLS
	srv.MaxMessageBytes = opt.MaxSize
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv = srv
	go func() {
		defer close(s.done)
		_ = srv.Serve(ln)
	}()
	return s, nil
}

// Addr is the server's host:port.
func (s *SMTPServer) Addr() string { return s.ln.Addr().String() }

// Messages returns the messages accepted so far, oldest first.
func (s *SMTPServer) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Wait waits until at least n messages have arrived and returns them all,
// or returns ctx's error with those that did.
func (s *SMTPServer) Wait(ctx context.Context, n int) ([]Received, error) {
	for {
		s.mu.Lock()
		msgs, changed := append([]Received(nil), s.msgs...), s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return msgs, fmt.Errorf("emailtest: %d of %d messages: %w", len(msgs), n, ctx.Err())
		}
	}
}

// FailNext makes the next times DATA commands answer code with msg (451,
// 550, 552 …) instead of accepting the message.
func (s *SMTPServer) FailNext(code int, msg string, times int) {
	s.mu.Lock()
	s.fail = smtpFailure{code: code, msg: msg, times: times}
	s.mu.Unlock()
}

// Close stops the server and closes its connections.
func (s *SMTPServer) Close() error {
	err := s.srv.Close()
	s.ln.Close() // in case Serve had not registered it yet
	<-s.done
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// nextFailure consumes one FailNext failure, if any is left.
func (s *SMTPServer) nextFailure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail.times <= 0 {
		return nil
	}
	s.fail.times--
	return smtpReply(s.fail.code, s.fail.msg)
}

// record stores an accepted message and wakes the waiters.
func (s *SMTPServer) record(r Received) {
	s.mu.Lock()
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// smtpReply is an SMTP error reply with an enhanced code of the same class.
func smtpReply(code int, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
}

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{srv: s, conn: c}, nil
}

// smtpSession is one SMTP connection's state.
type smtpSession struct {
	srv    *SMTPServer
	conn   *smtp.Conn
	authed bool
	login  string // the user of a successful AUTH
	from   string
	to     []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

// AuthMechanisms offers PLAIN when the server has users.
func (ss *smtpSession) AuthMechanisms() []string {
	if len(ss.srv.opt.Users) == 0 {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks PLAIN credentials against SMTPOptions.Users.
func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || len(ss.srv.opt.Users) == 0 {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		want, ok := ss.srv.opt.Users[user]
		if !ok || want != pass || (identity != "" && identity != user) {
			return smtp.ErrAuthFailed
		}
		ss.authed, ss.login = true, user
		return nil
	}), nil
}

// Mail starts a transaction; it requires AUTH when the server has users.
func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if len(ss.srv.opt.Users) > 0 && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from, ss.to = from, nil
	return nil
}

// Rcpt adds a recipient.
func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

// Data reads the message, applies FailNext, stamps, delivers and records it.
func (ss *smtpSession) Data(r io.Reader) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.srv.nextFailure(); err != nil {
		return err
	}
	raw := append(ss.stamp(), body...)
	to := append([]string(nil), ss.to...)
	if d := ss.srv.opt.Deliver; d != nil {
		if err := d(ss.from, to, raw); err != nil {
			return smtpReply(451, "delivery failed: "+err.Error())
		}
	}
	ss.srv.record(Received{From: ss.from, To: to, Raw: raw, At: time.Now()})
	return nil
}

// stamp returns the trace headers prepended to a message (none without
// SMTPOptions.Stamp).
func (ss *smtpSession) stamp() []byte {
	id := ss.srv.opt.Stamp
	if id == "" {
		return nil
	}
	var b bytes.Buffer
	if ss.authed {
		fmt.Fprintf(&b, "Authentication-Results: %s; auth=pass smtp.auth=%s; dmarc=pass header.from=%s; spf=pass smtp.mailfrom=%s\r\n",
			id, ss.login, smtpDomain(ss.from), ss.from)
	} else {
		fmt.Fprintf(&b, "Authentication-Results: %s; spf=none\r\n", id)
	}
	fmt.Fprintf(&b, "Received: from %s ([%s])\r\n\tby %s with %s;\r\n\t%s\r\n",
		ss.conn.Hostname(), smtpRemoteIP(ss.conn), id, ss.protocol(), time.Now().Format(time.RFC1123Z))
	return b.Bytes()
}

// smtpRemoteIP is the client's IP address.
func smtpRemoteIP(c *smtp.Conn) string {
	addr := c.Conn().RemoteAddr().String()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// protocol is the "with" of the Received header (RFC 3848).
func (ss *smtpSession) protocol() string {
	p := "ESMTP"
	if _, ok := ss.conn.TLSConnectionState(); ok {
		p += "S"
	}
	if ss.authed {
		p += "A"
	}
	return p
}

// Reset ends the transaction.
func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

// Logout ends the session.
func (ss *smtpSession) Logout() error { return nil }

// smtpDomain is the domain of an address.
func smtpDomain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return addr
}

// SelfSignedTLS makes a self-signed certificate for hosts (names or IP
// addresses; "localhost" and 127.0.0.1 when none) and returns a server
// config with it and a pool that trusts it (the client's RootCAs).
func SelfSignedTLS(hosts ...string) (*tls.Config, *x509.CertPool, error) {
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1"}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := smtpCertTemplate(hosts)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	conf := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}
	return conf, pool, nil
}

// smtpCertTemplate is a CA-capable leaf certificate for hosts, valid for a
// day.
func smtpCertTemplate(hosts []string) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	t := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"fieldcrm emailtest"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			t.DNSNames = append(t.DNSNames, h)
		}
	}
	return t
}
