package imapwatch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// errWatchdog reports a server that stayed silent for Config.Watchdog.
var errWatchdog = errors.New("imapwatch: no response from server")

// watchConn is the TCP connection under the IMAP client (and under TLS). It
// records when the server last sent anything and bounds every write with
// the watchdog deadline; reads are bounded by guard, which closes the
// connection when a command gets no answer in time.
type watchConn struct {
	net.Conn
	watchdog time.Duration
	lastRead *atomic.Int64 // unix nanoseconds, shared with the Watcher
	mu       sync.Mutex    // serialises Write's deadline with the write
}

// Read reads from the server and notes the time of contact.
func (c *watchConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.lastRead.Store(time.Now().UnixNano())
	}
	return n, err
}

// Write writes to the server; it fails if the server does not take the data
// within the watchdog duration.
func (c *watchConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.watchdog)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// lastContact is when the server last sent data.
func (c *watchConn) lastContact() time.Time {
	return time.Unix(0, c.lastRead.Load())
}

// guard runs f, which waits for the server, and closes the connection if
// the server sends nothing for the watchdog duration while f runs — so f
// cannot block longer than that on a dead or black-holed link. A slow but
// steady transfer (a large FETCH) is not interrupted.
func (c *watchConn) guard(f func() error) error {
	start := time.Now()
	var (
		mu    sync.Mutex
		done  bool
		fired bool
		timer *time.Timer
	)
	check := func() {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return
		}
		last := c.lastContact()
		if last.Before(start) {
			last = start
		}
		if rest := c.watchdog - time.Since(last); rest > 0 {
			timer.Reset(rest)
			return
		}
		fired = true
		_ = c.Conn.Close()
	}
	mu.Lock()
	timer = time.AfterFunc(c.watchdog, check)
	mu.Unlock()

	err := f()

	mu.Lock()
	done = true
	timer.Stop()
	mu.Unlock()
	if fired {
		return fmt.Errorf("%w within %v: %v", errWatchdog, c.watchdog, err)
	}
	return err
}

// dial connects to the server and returns an IMAP client that has read the
// greeting (and completed TLS or STARTTLS), not yet logged in.
func (w *Watcher) dial(ctx context.Context, opts *imapclient.Options) (*imapclient.Client, *watchConn, error) {
	d := net.Dialer{Timeout: w.cfg.Watchdog, KeepAlive: w.cfg.Watchdog}
	raw, err := d.DialContext(ctx, "tcp", w.cfg.Addr)
	if err != nil {
		return nil, nil, err
	}
	wc := &watchConn{Conn: raw, watchdog: w.cfg.Watchdog, lastRead: &w.lastContact}
	c, err := w.handshake(ctx, wc, opts)
	if err != nil {
		_ = raw.Close()
		return nil, nil, err
	}
	return c, wc, nil
}

// handshake sets up TLS as configured and waits for the server's greeting.
func (w *Watcher) handshake(ctx context.Context, wc *watchConn, opts *imapclient.Options) (*imapclient.Client, error) {
	var c *imapclient.Client
	err := wc.guard(func() error {
		var err error
		switch w.cfg.TLS {
		case "tls":
			tc := tls.Client(wc, w.tlsConfig())
			if err := tc.HandshakeContext(ctx); err != nil {
				return fmt.Errorf("tls handshake: %w", err)
			}
			c = imapclient.New(tc, opts)
		case "starttls":
			o := *opts
			o.TLSConfig = w.tlsConfig()
			if c, err = imapclient.NewStartTLS(wc, &o); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		default:
			c = imapclient.New(wc, opts)
		}
		if err := c.WaitGreeting(); err != nil {
			return fmt.Errorf("greeting: %w", err)
		}
		return nil
	})
	if err != nil && c != nil {
		_ = c.Close()
	}
	return c, err
}

// tlsConfig is Config.TLSConfig, or system roots, with ServerName from Addr
// when unset.
func (w *Watcher) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if w.cfg.TLSConfig != nil {
		cfg = w.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(w.cfg.Addr); err == nil {
			cfg.ServerName = host
		}
	}
	return cfg
}
