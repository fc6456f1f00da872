package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

// consoleSender "sends" by printing: the demo's stand-in for Twilio, behind
// the same outbox as serve.
type consoleSender struct {
	mu    sync.Mutex
	w     io.Writer
	names func(phone string) string
	n     atomic.Int64
}

func (c *consoleSender) Send(ctx context.Context, e *outbox.Entry) (string, int, error) {
	segs, _ := templates.Segments(e.Body)
	c.mu.Lock()
	fmt.Fprintf(c.w, "   ↳ SMS to %s: %s\n", c.names(e.To), strings.ReplaceAll(e.Body, "\n", "\n     "))
	c.mu.Unlock()
	return fmt.Sprintf("DEMO%06d", c.n.Add(1)), segs, nil
}

// session is a store with its pipeline, for demo and sms.
type session struct {
	store *crm.Store
	pipe  *gateway.Pipeline
	tpl   *templates.Set
	log   *slog.Logger
}

func openSession(db string, now func() time.Time, kick func(), logw io.Writer) (*session, error) {
	loc, _ := time.LoadLocation(envDefault("FIELDCRM_TZ", "Asia/Shanghai"))
	store, err := crm.Open(db, crm.Options{Now: now, Location: loc})
	if err != nil {
		return nil, err
	}
	tpl, err := templates.New()
	if err != nil {
		store.Close()
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	pipe, err := gateway.New(gateway.Config{Store: store, Templates: tpl, Log: log, Now: now, Kick: kick})
	if err != nil {
		store.Close()
		return nil, err
	}
	return &session{store: store, pipe: pipe, tpl: tpl, log: log}, nil
}

func envDefault(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runDemoIn(ctx, args, os.Stdin, stdout, stderr)
}

func runDemoIn(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "database file to use and keep (default: a fresh one in a temporary folder)")
	as := fs.String("as", "wang", "start as this user")
	imapAddr := fs.String("imap", demoIMAPDefault, "address of the demo's IMAP server (\"off\": no e-mail; a busy port: any free one)")
	smtpAddr := fs.String("smtp", demoSMTPDefault, "address of the demo's SMTP server (a busy port: any free one)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *db == "" {
		dir, err := os.MkdirTemp("", "fieldcrm-demo-")
		if err != nil {
			fmt.Fprintln(stderr, "fieldcrm demo:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		*db = filepath.Join(dir, "demo.db")
	}
	var worker *outbox.Worker
	kick := func() {
		if worker != nil {
			worker.Kick()
		}
	}
	s, err := openSession(*db, time.Now, kick, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm demo:", err)
		return 1
	}
	defer s.store.Close()
	if err := seedDemo(ctx, s.store); err != nil {
		fmt.Fprintln(stderr, "fieldcrm demo: seeding:", err)
		return 1
	}
	users := demoUsers(s.store)
	out := &syncWriter{w: stdout}
	console := &consoleSender{w: out, names: func(phone string) string {
		for _, u := range users {
			for _, p := range u.Phones {
				if p == phone {
					return u.Name
				}
			}
		}
		return phone
	}}
	senders := map[string]outbox.Sender{outbox.ChannelSMS: console}
	var mail *demoMail
	if *imapAddr != "off" {
		mail, err = startDemoMail(s, s.tpl, users, out, *imapAddr, *smtpAddr, kick)
		if err != nil {
			fmt.Fprintln(out, "fieldcrm demo: e-mail is off:", err)
		} else {
			defer mail.close()
			senders[outbox.ChannelEmail] = mail.sender
			// notices go by e-mail too, as serve sends them with a mail configuration
			if s.pipe, err = gateway.New(gateway.Config{Store: s.store, Templates: s.tpl, Log: s.log, Kick: kick, Email: true}); err != nil {
				fmt.Fprintln(stderr, "fieldcrm demo:", err)
				return 1
			}
		}
	}
	worker = outbox.New(s.store.DB(), outbox.Config{Rate: -1, Poll: time.Second}, senders, s.log, time.Now)
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); worker.Run(wctx) }()
	if mail != nil {
		wg.Add(1)
		go func() { defer wg.Done(); mail.run(wctx) }()
	}
	defer func() { cancel(); wg.Wait() }()

	me := findDemoUser(users, *as)
	if me == nil {
		me = users[1]
	}
	fmt.Fprintf(out, "fieldcrm demo: %s\n", *db)
	fmt.Fprintln(out, "Type messages as a salesman would text them; notices to others are shown under the reply.")
	fmt.Fprintln(out, "  /as NAME  send as someone else   /who  the users   /quit  leave   HELP  the commands")
	fmt.Fprintln(out, "Try: TODAY · V acme; met Zhang Wei; wants 2x 320D; next: quote fri · OPPS · UNDO")
	if mail != nil {
		mail.howTo(out, users, me)
	}
	prompt := func() { fmt.Fprintf(out, "%s> ", strings.ToLower(strings.Fields(me.Name)[0])) }
	prompt()
	sc := bufio.NewScanner(stdin)
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case line == "/quit" || line == "/exit":
			return 0
		case line == "/who":
			for _, u := range users {
				fmt.Fprintf(out, "  %-14s %-15s %s  %s\n", u.Name, u.Role, u.Phones[0], u.Email)
			}
		case strings.HasPrefix(line, "/as"):
			if u := findDemoUser(users, strings.TrimSpace(strings.TrimPrefix(line, "/as"))); u != nil {
				me = u
				fmt.Fprintf(out, "  now texting as %s (%s)\n", u.Name, u.Role)
			} else {
				fmt.Fprintln(out, "  no such user; /who lists them")
			}
		default:
			n++
			res, err := s.pipe.Handle(ctx, gateway.Inbound{Channel: gateway.ChannelSMS, ID: fmt.Sprintf("DEMO-%d-%d", time.Now().UnixNano(), n),
				From: me.Phones[0], Body: line}, gateway.Options{})
			if err != nil {
				fmt.Fprintln(out, "  error:", err)
				break
			}
			fmt.Fprintf(out, "  %s\n", strings.ReplaceAll(res.Reply, "\n", "\n  "))
			fmt.Fprintf(out, "  (%d SMS segment%s)\n", res.Segments, pluralS(res.Segments))
			drain(s.store, 2*time.Second)
		}
		prompt()
	}
	fmt.Fprintln(out)
	return 0
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// drain waits until the outbox has sent what is due (or d passed).
func drain(store *crm.Store, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		st, err := outbox.Stats(store.DB(), time.Now())
		if err != nil || st.Depth[outbox.StateQueued]+st.Depth[outbox.StateSending] == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func demoUsers(store *crm.Store) []*crm.User {
	var users []*crm.User
	store.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(r crm.Record) bool { users = append(users, r.(*crm.User)); return true })
	})
	return users
}

func findDemoUser(users []*crm.User, name string) *crm.User {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return nil
	}
	// a whole word first (li → Li Na, not Liu Yang), then the start of a word
	for _, exact := range []bool{true, false} {
		for _, u := range users {
			for _, w := range strings.Fields(strings.ToLower(u.Name)) {
				if exact && w == name || !exact && strings.HasPrefix(w, name) {
					return u
				}
			}
		}
	}
	return nil
}

func runSMS(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sms", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envDefault("FIELDCRM_DB", "fieldcrm.db"), "database file (env FIELDCRM_DB)")
	from := fs.String("from", "", "the sender's phone number (a registered user's)")
	id := fs.String("id", "", "message id, to test duplicate delivery (default: a new one)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fieldcrm sms --from NUMBER [--db FILE] \"text\"")
		fmt.Fprintln(stderr, "Handles one SMS exactly as serve would and prints the reply; notices stay queued for serve to send.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	text := strings.Join(fs.Args(), " ")
	if *from == "" || strings.TrimSpace(text) == "" {
		fs.Usage()
		return 2
	}
	if *id == "" {
		*id = fmt.Sprintf("CLI%d", time.Now().UnixNano())
	}
	now, err := clockOrNow(nil) // $FIELDCRM_CLOCK: tests run at a fixed hour
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm sms:", err)
		return 2
	}
	s, err := openSession(*db, now, nil, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm sms:", err)
		return 1
	}
	defer s.store.Close()
	res, err := s.pipe.Handle(ctx, gateway.Inbound{Channel: gateway.ChannelSMS, ID: *id, From: *from, Body: text}, gateway.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm sms:", err)
		return 1
	}
	fmt.Fprintln(stdout, res.Reply)
	if res.Notices > 0 {
		fmt.Fprintf(stderr, "(%d notice%s queued: serve sends them)\n", res.Notices, pluralS(res.Notices))
	}
	if res.Dup {
		fmt.Fprintln(stderr, "(a repeat of message "+*id+": nothing applied again)")
	}
	if res.Code != "" && res.Code != "unknown" {
		return 1
	}
	return 0
}
