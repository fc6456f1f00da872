package emailtest

import (
	"bufio"
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

const imapTestMsg = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\nMessage-ID: <1@example.com>\r\n\r\nhello\r\n"

// mustIMAP starts a server with user "u" (password "p") and closes it
// with the test.
func mustIMAP(t *testing.T, opt IMAPOptions) *IMAPServer {
	t.Helper()
	s, err := NewIMAP(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.AddUser("u", "p"); err != nil {
		t.Fatal(err)
	}
	return s
}

// mustIMAPLogin connects a client as "u" over plain TCP.
func mustIMAPLogin(t *testing.T, s *IMAPServer, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login("u", "p").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIMAPAppendAndMessages(t *testing.T) {
	s := mustIMAP(t, IMAPOptions{})
	uid, err := s.Append("u", "INBOX", []byte(imapTestMsg))
	if err != nil || uid != 1 {
		t.Fatalf("Append = %d, %v; want 1, nil", uid, err)
	}
	if _, err := s.Append("u", "Nope", []byte(imapTestMsg)); err == nil {
		t.Error("Append to a missing folder succeeded")
	}
	if _, err := s.Append("nobody", "INBOX", []byte(imapTestMsg)); err == nil {
		t.Error("Append for a missing user succeeded")
	}
	if err := s.AddUser("u", "x"); err == nil {
		t.Error("AddUser accepted a duplicate")
	}

	c := mustIMAPLogin(t, s, nil)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged}}, nil).Close(); err != nil {
		t.Fatal(err)
	}

	msgs, err := s.Messages("u", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].UID != 1 || string(msgs[0].Raw) != imapTestMsg {
		t.Fatalf("Messages = %+v", msgs)
	}
	if !slices.Contains(msgs[0].Flags, `\Flagged`) || slices.Contains(msgs[0].Flags, `\Seen`) {
		t.Errorf("flags = %v; want \\Flagged and not \\Seen (Messages must not mark it read)", msgs[0].Flags)
	}
	if msgs, err := s.Messages("u", "INBOX"); err != nil || slices.Contains(msgs[0].Flags, `\Seen`) {
		t.Errorf("second Messages: %v, %v", msgs, err)
	}
}

func TestIMAPCapabilities(t *testing.T) {
	for _, tc := range []struct {
		name             string
		opt              IMAPOptions
		wantIdle, wantMv bool
	}{
		{"Full", IMAPOptions{}, true, true},
		{"NoIdle", IMAPOptions{NoIdle: true}, false, true},
		{"NoMove", IMAPOptions{NoMove: true}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustIMAP(t, tc.opt)
			c := mustIMAPLogin(t, s, nil)
			caps := c.Caps()
			for _, want := range []imap.Cap{imap.CapIMAP4rev1, imap.CapUIDPlus, imap.CapLiteralPlus, imap.CapNamespace} {
				if !caps.Has(want) {
					t.Errorf("missing %s in %v", want, caps)
				}
			}
			if caps.Has(imap.CapIdle) != tc.wantIdle || caps.Has(imap.CapMove) != tc.wantMv {
				t.Errorf("IDLE %v, MOVE %v; want %v, %v", caps.Has(imap.CapIdle), caps.Has(imap.CapMove), tc.wantIdle, tc.wantMv)
			}
			if _, err := s.Append("u", "INBOX", []byte(imapTestMsg)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			if err := c.Create("Done", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			// The client falls back to COPY+STORE+EXPUNGE without MOVE.
			if _, err := c.Move(imap.UIDSetNum(1), "Done").Wait(); err != nil {
				t.Fatalf("move: %v", err)
			}
			if msgs, _ := s.Messages("u", "Done"); len(msgs) != 1 {
				t.Errorf("Done has %d messages, want 1", len(msgs))
			}
			if msgs, _ := s.Messages("u", "INBOX"); len(msgs) != 0 {
				t.Errorf("INBOX has %d messages, want 0", len(msgs))
			}
		})
	}
}

// imapRawCommand logs in on a fresh connection, selects INBOX, sends cmd and
// returns the tagged status line that answers it.
func imapRawCommand(t *testing.T, s *IMAPServer, cmd string) string {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	until := func(prefix string) string {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %q: %v", prefix, err)
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
	}
	until("* OK")
	for _, c := range []string{"a LOGIN u p", "b SELECT INBOX", "c " + cmd} {
		if _, err := conn.Write([]byte(c + "\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	until("a ")
	until("b ")
	return until("c ")
}

func TestIMAPRefusesHiddenCommands(t *testing.T) {
	s := mustIMAP(t, IMAPOptions{NoIdle: true, NoMove: true})
	if _, err := s.Append("u", "INBOX", []byte(imapTestMsg)); err != nil {
		t.Fatal(err)
	}
	if got := imapRawCommand(t, s, "IDLE"); !strings.HasPrefix(got, "c BAD") {
		t.Errorf("IDLE answered %q, want BAD", got)
	}
	if got := imapRawCommand(t, s, "UID MOVE 1 INBOX"); !strings.HasPrefix(got, "c BAD") {
		t.Errorf("MOVE answered %q, want BAD", got)
	}
}

func TestIMAPAppendReachesIdler(t *testing.T) {
	s := mustIMAP(t, IMAPOptions{})
	exists := make(chan uint32, 10)
	c := mustIMAPLogin(t, s, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		},
	}})
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if _, err := s.Append("u", "INBOX", []byte(imapTestMsg)); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("EXISTS %d, want 1", n)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no EXISTS while idling")
	}
}

func TestIMAPDropConnections(t *testing.T) {
	s := mustIMAP(t, IMAPOptions{})
	c := mustIMAPLogin(t, s, nil)
	s.DropConnections()
	select {
	case <-c.Closed():
	case <-time.After(2 * time.Second):
		t.Fatal("client not disconnected")
	}
	// The server still accepts new connections.
	c2 := mustIMAPLogin(t, s, nil)
	if err := c2.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestIMAPStall(t *testing.T) {
	s := mustIMAP(t, IMAPOptions{})
	c := mustIMAPLogin(t, s, nil)
	s.Stall(true)
	noop := make(chan error, 1)
	go func() { noop <- c.Noop().Wait() }()
	select {
	case err := <-noop:
		t.Fatalf("NOOP answered during a stall: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	// Messages uses an internal connection that is not stalled.
	if _, err := s.Messages("u", "INBOX"); err != nil {
		t.Fatal(err)
	}
	s.Stall(false)
	select {
	case err := <-noop:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("NOOP not answered after the stall")
	}
}

func TestIMAPResetFolder(t *testing.T) {
	s := mustIMAP(t, IMAPOptions{})
	c := mustIMAPLogin(t, s, nil)
	before, err := c.Status("INBOX", &imap.StatusOptions{UIDValidity: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append("u", "INBOX", []byte(imapTestMsg)); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetFolder("u", "INBOX"); err != nil {
		t.Fatal(err)
	}
	after, err := c.Status("INBOX", &imap.StatusOptions{UIDValidity: true, NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if after.UIDValidity == before.UIDValidity || *after.NumMessages != 0 {
		t.Errorf("after reset: UIDVALIDITY %d (was %d), %d messages", after.UIDValidity, before.UIDValidity, *after.NumMessages)
	}
}

func TestIMAPTLS(t *testing.T) {
	srvTLS, pool, err := SelfSignedTLS("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s := mustIMAP(t, IMAPOptions{TLS: srvTLS})
	c, err := imapclient.DialTLS(s.Addr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("u", "p").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestIMAPClose(t *testing.T) {
	s, err := NewIMAP(IMAPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser("u", "p"); err != nil {
		t.Fatal(err)
	}
	c := mustIMAPLogin(t, s, nil)
	s.Stall(true)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Closed():
	case <-time.After(2 * time.Second):
		t.Fatal("client still connected after Close")
	}
	if _, err := s.Messages("u", "INBOX"); err == nil {
		t.Error("Messages works after Close")
	}
	if err := s.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

func TestIMAPStartTLS(t *testing.T) {
	srvTLS, pool, err := SelfSignedTLS("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s := mustIMAP(t, IMAPOptions{TLS: srvTLS, StartTLS: true})
	c, err := imapclient.DialStartTLS(s.Addr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("u", "p").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewIMAP(IMAPOptions{StartTLS: true}); err == nil {
		t.Error("StartTLS without TLS accepted")
	}
}
