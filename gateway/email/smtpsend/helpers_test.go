package smtpsend

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/fieldcrm/fieldcrm/gateway/email/emailtest"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

const (
	testFrom   = "fieldcrm <crm@dealer.example>"
	testTo     = "wang.wei@dealer.example"
	testDomain = "dealer.example"
)

// newServer starts an emailtest SMTP server closed with the test.
func newServer(t testing.TB, opt emailtest.SMTPOptions) *emailtest.SMTPServer {
	t.Helper()
	srv, err := emailtest.NewSMTP(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// testConfig is a Config for addr without TLS or AUTH.
func testConfig(addr string) Config {
	return Config{Addr: addr, TLS: TLSNone, From: testFrom, Timeout: 5 * time.Second}
}

// newSender returns a Sender for cfg.
func newSender(t testing.TB, cfg Config) *Sender {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testEntry is an email entry as the outbox hands it to a Sender.
func testEntry(id int64) *outbox.Entry {
	return &outbox.Entry{
		ID:      id,
		Channel: outbox.ChannelEmail,
		To:      testTo,
		Subject: "Visit reminder",
		Text:    "Visit Beijing Heavy Machinery tomorrow at 10:00.",
		Created: time.Date(2025, 3, 4, 5, 6, 7, 891011121, time.UTC),
		Headers: map[string]string{},
	}
}

// send sends e and fails the test on error.
func send(t testing.TB, s *Sender, e *outbox.Entry) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, segs, err := s.Send(ctx, e)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if segs != 0 {
		t.Errorf("segments = %d, want 0", segs)
	}
	return id
}

// sendErr sends e, expects a *outbox.SendError and returns it.
func sendErr(t testing.TB, s *Sender, e *outbox.Entry) *outbox.SendError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := s.Send(ctx, e)
	if err == nil {
		t.Fatal("Send succeeded, want an error")
	}
	var se *outbox.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v is not a *outbox.SendError", err, err)
	}
	return se
}

// waitOne waits for the n-th message on srv and returns it.
func waitOne(t testing.TB, srv *emailtest.SMTPServer, n int) emailtest.Received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := srv.Wait(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return msgs[n-1]
}

// part is one leaf of a parsed message.
type part struct {
	path   []int
	typ    string // media type
	params map[string]string
	header message.Header
	body   string // transfer-decoded
}

// parsed is a received message parsed with go-message.
type parsed struct {
	header *mail.Header
	typ    string // top-level media type
	parts  []part // leaves, in order
	types  []string
}

// parse parses raw and collects its leaves and the media types of all
// entities (depth first).
func parse(t testing.TB, raw []byte) parsed {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	p := parsed{header: &mail.Header{Header: e.Header}}
	p.typ, _, _ = e.Header.ContentType()
	err = e.Walk(func(path []int, ent *message.Entity, err error) error {
		if err != nil {
			return err
		}
		typ, params, _ := ent.Header.ContentType()
		p.types = append(p.types, typ)
		if strings.HasPrefix(typ, "multipart/") {
			return nil
		}
		b, err := io.ReadAll(ent.Body)
		if err != nil {
			return err
		}
		p.parts = append(p.parts, part{path: append([]int(nil), path...), typ: typ, params: params, header: ent.Header, body: string(b)})
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return p
}

// find returns the first leaf of media type typ.
func (p parsed) find(t testing.TB, typ string) part {
	t.Helper()
	for _, pt := range p.parts {
		if pt.typ == typ {
			return pt
		}
	}
	t.Fatalf("no %s part in %v", typ, p.types)
	return part{}
}

// rawHeader returns the header section of raw (up to the blank line).
func rawHeader(raw []byte) string {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return string(raw[:i+2])
	}
	return string(raw)
}

// testPNG is a small PNG image.
func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for x := range 8 {
		img.Set(x, x%4, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// tcpServer runs handle for every connection on a loopback listener.
func tcpServer(t testing.TB, ln net.Listener, handle func(net.Conn)) string {
	t.Helper()
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln.Addr().String()
}

// implicitTLSProxy listens with TLS (conf) on loopback and forwards the
// plain bytes to backend: an implicit-TLS front for an emailtest server.
func implicitTLSProxy(t testing.TB, conf *tls.Config, backend string) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	return tcpServer(t, ln, func(c net.Conn) {
		defer c.Close()
		b, err := net.Dial("tcp", backend)
		if err != nil {
			return
		}
		defer b.Close()
		go func() { io.Copy(b, c); b.Close() }()
		io.Copy(c, b)
	})
}
