package emailtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// IMAPOptions change how the test IMAP server behaves.
type IMAPOptions struct {
	// Addr is the address to listen on ("": 127.0.0.1 on any free port);
	// when it is taken, any free port on 127.0.0.1 is used instead.
	Addr string
	// NoIdle hides the IDLE capability and refuses the IDLE command, like a
	// server that can only be polled.
	NoIdle bool
	// NoMove hides the MOVE capability and refuses the MOVE command, so
	// clients have to fall back to COPY + STORE \Deleted + EXPUNGE.
	NoMove bool
	// TLS, when set, makes the server speak implicit TLS (as on port 993).
	TLS *tls.Config
	// StartTLS, with TLS set, offers STARTTLS on a plain connection instead
	// of implicit TLS. It cannot be combined with NoIdle.
	StartTLS bool
}

// StoredMessage is a message as the server holds it.
type StoredMessage struct {
	UID   uint32
	Flags []string
	Raw   []byte
}

// IMAPServer is a real IMAP server on 127.0.0.1 backed by memory.
//
// Users are added with AddUser and mail is delivered with Append; both work
// while clients are connected, and delivery notifies clients that are idling
// on the folder with an unilateral EXISTS response.
type IMAPServer struct {
	opt    IMAPOptions
	mem    *imapmemserver.Server
	srv    *imapserver.Server
	tcp    net.Listener
	pipe   *pipeListener
	served sync.WaitGroup
	logins atomic.Int64

	mu      sync.Mutex
	users   map[string]*memUser
	conns   map[*trackedConn]struct{}
	stalled bool
	resume  chan struct{} // closed when a stall ends
	closed  bool
}

type memUser struct {
	user     *imapmemserver.User
	password string
}

// NewIMAP starts an IMAP server listening on 127.0.0.1 on a free port.
//
// It advertises IMAP4rev1 and IMAP4rev2 with NAMESPACE, UIDPLUS, ESEARCH,
// SEARCHRES, LIST-EXTENDED, LIST-STATUS, MOVE, STATUS=SIZE, LITERAL+ (and,
// from the server library, IDLE, UNSELECT, ENABLE, SASL-IR, LITERAL-,
// AUTH=PLAIN). NoIdle and NoMove drop IMAP4rev2 (which implies both) and the
// capability in question. Authentication is allowed without TLS, so a local
// mail client can log in with a plain password.
//
// While a client idles, the server looks for new mail every 10 ms, so a
// delivery reaches it at once (see imapSession.Idle).
func NewIMAP(opt IMAPOptions) (*IMAPServer, error) {
	if opt.StartTLS && (opt.TLS == nil || opt.NoIdle) {
		return nil, errors.New("emailtest: StartTLS needs TLS and cannot be combined with NoIdle")
	}
	tcp, err := listenLoopback(opt.Addr)
	if err != nil {
		return nil, fmt.Errorf("emailtest: listen: %w", err)
	}
	s := &IMAPServer{
		opt:    opt,
		mem:    imapmemserver.New(),
		tcp:    tcp,
		pipe:   newPipeListener(),
		users:  make(map[string]*memUser),
		conns:  make(map[*trackedConn]struct{}),
		resume: make(chan struct{}),
	}
	srvOpts := &imapserver.Options{
		NewSession:   s.newSession,
		Caps:         s.caps(),
		Logger:       imapLogger{},
		InsecureAuth: true,
	}
	if opt.StartTLS {
		srvOpts.TLSConfig = opt.TLS
	}
	s.srv = imapserver.New(srvOpts)

	var ln net.Listener = &trackingListener{Listener: tcp, srv: s}
	if opt.TLS != nil && !opt.StartTLS {
		ln = tls.NewListener(ln, opt.TLS)
	}
	if opt.NoIdle {
		ln = &noIdleListener{Listener: ln}
	}
	s.serve(ln)
	s.serve(s.pipe)
	return s, nil
}

func (s *IMAPServer) serve(ln net.Listener) {
	s.served.Add(1)
	go func() {
		defer s.served.Done()
		_ = s.srv.Serve(ln)
	}()
}

// caps lists what the memory backend supports, minus what the options remove.
func (s *IMAPServer) caps() imap.CapSet {
	caps := imap.CapSet{
		imap.CapIMAP4rev1:    {},
		imap.CapNamespace:    {},
		imap.CapUIDPlus:      {},
		imap.CapESearch:      {},
		imap.CapSearchRes:    {},
		imap.CapListExtended: {},
		imap.CapListStatus:   {},
		imap.CapMove:         {},
		imap.CapStatusSize:   {},
		imap.CapLiteralPlus:  {},
	}
	if !s.opt.NoIdle && !s.opt.NoMove {
		caps[imap.CapIMAP4rev2] = struct{}{}
	}
	if s.opt.NoMove {
		delete(caps, imap.CapMove)
	}
	return caps
}

func (s *IMAPServer) newSession(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
	sess := &imapSession{
		SessionIMAP4rev2: s.mem.NewSession().(imapserver.SessionIMAP4rev2),
		logins:           &s.logins,
	}
	if s.opt.NoMove {
		return noMoveSession{sess}, nil, nil
	}
	return sess, nil, nil
}

// Addr is the server's address, host:port.
func (s *IMAPServer) Addr() string { return s.tcp.Addr().String() }

// LoginAttempts counts LOGIN and AUTHENTICATE attempts, failed ones included.
func (s *IMAPServer) LoginAttempts() int64 { return s.logins.Load() }

// AddUser creates a user with an empty, subscribed INBOX.
//
// Every user's UIDVALIDITY sequence starts at a random offset, as on a real
// server: a client that keeps its state across server restarts (the demo
// keeps its database) must not take a new, empty INBOX for the old one.
func (s *IMAPServer) AddUser(name, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; ok {
		return fmt.Errorf("emailtest: user %q exists", name)
	}
	u := imapmemserver.NewUser(name, password)
	for range rand.IntN(1 << 12) {
		_ = u.Create("uidvalidity", nil)
		_ = u.Delete("uidvalidity")
	}
	if err := u.Create("INBOX", nil); err != nil {
		return fmt.Errorf("emailtest: create INBOX: %w", err)
	}
	_ = u.Subscribe("INBOX")
	s.mem.AddUser(u)
	s.users[name] = &memUser{user: u, password: password}
	return nil
}

func (s *IMAPServer) user(name string) (*memUser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return nil, fmt.Errorf("emailtest: no user %q", name)
	}
	return u, nil
}

// Append delivers raw as a new message to a user's folder and returns its
// UID. Clients idling on the folder are told at once (unilateral EXISTS).
func (s *IMAPServer) Append(user, folder string, raw []byte) (uint32, error) {
	u, err := s.user(user)
	if err != nil {
		return 0, err
	}
	data, err := u.user.Append(folder, bytes.NewReader(raw), &imap.AppendOptions{})
	if err != nil {
		return 0, fmt.Errorf("emailtest: append to %s/%s: %w", user, folder, err)
	}
	return uint32(data.UID), nil
}

// CreateFolder creates a folder for a user.
func (s *IMAPServer) CreateFolder(user, folder string) error {
	u, err := s.user(user)
	if err != nil {
		return err
	}
	return u.user.Create(folder, nil)
}

// ResetFolder deletes a user's folder with its messages and creates it
// again. The new folder has a new UIDVALIDITY and UIDs start again at 1.
func (s *IMAPServer) ResetFolder(user, folder string) error {
	u, err := s.user(user)
	if err != nil {
		return err
	}
	if err := u.user.Delete(folder); err != nil {
		return fmt.Errorf("emailtest: delete %s/%s: %w", user, folder, err)
	}
	return u.user.Create(folder, nil)
}

// Messages returns the messages in a user's folder in UID order, with their
// flags and raw bytes. It reads them over IMAP on an internal connection
// that DropConnections and Stall leave alone, and does not change \Seen.
func (s *IMAPServer) Messages(user, folder string) ([]StoredMessage, error) {
	u, err := s.user(user)
	if err != nil {
		return nil, err
	}
	conn, err := s.pipe.Dial()
	if err != nil {
		return nil, err
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login(user, u.password).Wait(); err != nil {
		return nil, fmt.Errorf("emailtest: login: %w", err)
	}
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("emailtest: examine %s: %w", folder, err)
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	body := &imap.FetchItemBodySection{Peek: true}
	var all imap.SeqSet
	all.AddRange(1, 0) // 1:*
	bufs, err := c.Fetch(all, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{body},
	}).Collect()
	if err != nil {
		return nil, fmt.Errorf("emailtest: fetch %s: %w", folder, err)
	}
	msgs := make([]StoredMessage, 0, len(bufs))
	for _, b := range bufs {
		m := StoredMessage{UID: uint32(b.UID), Raw: b.FindBodySection(body)}
		for _, f := range b.Flags {
			m.Flags = append(m.Flags, string(f))
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// DropConnections closes every client connection at once, as a network
// failure would. The server keeps listening.
func (s *IMAPServer) DropConnections() {
	s.mu.Lock()
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// Stall, when on, makes every client connection — open ones and new ones —
// stop answering: the server neither reads commands nor writes responses,
// while the TCP connections stay open. This is what a client sees when a
// link is black-holed or an IDLE dies silently. Stall(false) resumes them.
func (s *IMAPServer) Stall(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on == s.stalled {
		return
	}
	s.stalled = on
	if !on {
		close(s.resume)
		s.resume = make(chan struct{})
	}
}

// waitUnstalled blocks while the server is stalled; it returns an error if
// the connection is closed meanwhile.
func (s *IMAPServer) waitUnstalled(closed <-chan struct{}) error {
	s.mu.Lock()
	stalled, resume := s.stalled, s.resume
	s.mu.Unlock()
	if !stalled {
		return nil
	}
	select {
	case <-resume:
		return nil
	case <-closed:
		return net.ErrClosed
	}
}

// Close stops the server and closes every connection.
func (s *IMAPServer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.Stall(false)
	// Stop the listeners and wait for Serve to return before closing the
	// library's server: its Close must not overlap a Serve that is starting.
	err := s.tcp.Close()
	_ = s.pipe.Close()
	s.served.Wait()
	_ = s.srv.Close()
	s.DropConnections()
	return err
}

func (s *IMAPServer) track(c *trackedConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *IMAPServer) untrack(c *trackedConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// idlePoll is how often an idling session looks for mailbox updates.
const idlePoll = 10 * time.Millisecond

// imapSession is the memory backend's session with login attempts counted and
// a reliable IDLE.
type imapSession struct {
	imapserver.SessionIMAP4rev2
	logins *atomic.Int64
}

// Login counts the attempt and checks the password.
func (s *imapSession) Login(username, password string) error {
	s.logins.Add(1)
	return s.SessionIMAP4rev2.Login(username, password)
}

// Idle writes mailbox updates until stop is closed. The memory backend's
// own IDLE waits for a notification and misses an update that arrives
// between the client's IDLE and the start of that wait (the update stays
// queued until the next one); looking at the queue every idlePoll cannot
// miss it.
func (s *imapSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	t := time.NewTicker(idlePoll)
	defer t.Stop()
	for {
		if err := s.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-t.C:
		}
	}
}

// noMoveSession hides the Move method, so the server answers MOVE with BAD.
type noMoveSession struct {
	imapserver.SessionNamespace
}

// trackingListener registers accepted connections with the server.
type trackingListener struct {
	net.Listener
	srv *IMAPServer
}

// Accept waits for a connection and wraps it so it can be stalled or dropped.
func (l *trackingListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &trackedConn{Conn: conn, srv: l.srv, closed: make(chan struct{})}
		if l.srv.track(c) {
			return c, nil
		}
		_ = conn.Close()
	}
}

// trackedConn is a server-side connection that Stall can hold and
// DropConnections can close.
type trackedConn struct {
	net.Conn
	srv       *IMAPServer
	closeOnce sync.Once
	closed    chan struct{}
}

// Read reads from the client; data read during a stall is held back.
func (c *trackedConn) Read(b []byte) (int, error) {
	if err := c.srv.waitUnstalled(c.closed); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if werr := c.srv.waitUnstalled(c.closed); werr != nil {
		return 0, werr
	}
	return n, err
}

// Write writes to the client once no stall holds it.
func (c *trackedConn) Write(b []byte) (int, error) {
	if err := c.srv.waitUnstalled(c.closed); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// Close closes the connection and releases a held Read or Write.
func (c *trackedConn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		close(c.closed)
		c.srv.untrack(c)
		err = c.Conn.Close()
	})
	return err
}

// noIdleListener wraps connections so that IDLE is neither advertised nor
// accepted. The server library always offers IDLE to IMAP4rev1 clients, so
// the capability lines are rewritten on the way out.
type noIdleListener struct {
	net.Listener
}

// Accept wraps the next connection.
func (l *noIdleListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &noIdleConn{Conn: conn}, nil
}

var (
	// capLine matches a response that carries the capability list: the
	// untagged CAPABILITY response and status responses with a CAPABILITY
	// code. The server flushes every response line on its own.
	capLine = regexp.MustCompile(`^(\* |[A-Za-z0-9.]+ OK \[|\* OK \[)CAPABILITY `)
	// idleCmd matches a client's IDLE command on a line of its own; the
	// submatch is the last letter.
	idleCmd = regexp.MustCompile(`(?im)^[A-Za-z0-9.]+ IDL(E)\r$`)
)

// noIdleConn removes IDLE from capability lists and turns the IDLE command
// into an unknown one, which the server answers with BAD.
type noIdleConn struct {
	net.Conn
}

// Read renames an IDLE command to IDLX (same length; the server rejects it).
func (c *noIdleConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	for _, m := range idleCmd.FindAllSubmatchIndex(b[:n], -1) {
		b[m[2]] = 'X'
	}
	return n, err
}

// Write drops the IDLE token from a capability list.
func (c *noIdleConn) Write(b []byte) (int, error) {
	if !capLine.Match(b) {
		return c.Conn.Write(b)
	}
	end := bytes.IndexByte(b, '\n') + 1
	line := bytes.Replace(b[:end], []byte(" IDLE"), nil, 1)
	out := append(line, b[end:]...)
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// pipeListener serves in-process connections that tests' helpers use; they
// are not tracked, so Stall and DropConnections leave them alone.
type pipeListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Dial opens a connection to the server.
func (l *pipeListener) Dial() (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, errors.New("emailtest: server closed")
	}
}

// Accept returns the next dialled connection.
func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting connections.
func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

// Addr is a placeholder address.
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "emailtest" }

// imapLogger sends the server library's messages to slog at debug level:
// dropped connections are expected here and not worth more.
type imapLogger struct{}

// Printf logs one message.
func (imapLogger) Printf(format string, args ...any) {
	slog.Debug("emailtest imap: " + fmt.Sprintf(format, args...))
}

// listenLoopback listens on addr, or on any free loopback port when addr is
// empty or taken.
func listenLoopback(addr string) (net.Listener, error) {
	if addr != "" {
		if ln, err := net.Listen("tcp", addr); err == nil {
			return ln, nil
		}
	}
	return net.Listen("tcp", "127.0.0.1:0")
}
