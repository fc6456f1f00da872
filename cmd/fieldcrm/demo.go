package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/fieldcrm/fieldcrm/internal/demodata"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
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
	// aliyun (the demo's /aliyun) shows under each SMS the Alibaba Cloud
	// templates it would go out as in China
	aliyun atomic.Bool
}

func (c *consoleSender) Send(ctx context.Context, e *outbox.Entry) (string, int, error) {
	segs, _ := templates.Segments(e.Body)
	c.mu.Lock()
	fmt.Fprintf(c.w, "   ↳ SMS to %s: %s\n", c.names(e.To), strings.ReplaceAll(e.Body, "\n", "\n     "))
	if c.aliyun.Load() {
		fmt.Fprint(c.w, asAliyun(templates.SMSKindOfKey(e.Key), e.Body, "     "))
	}
	c.mu.Unlock()
	return fmt.Sprintf("DEMO%06d", c.n.Add(1)), segs, nil
}

// demoSignName is the signature the demo shows Alibaba Cloud SMS with.
const demoSignName = "鞍山重机"

// asAliyun says how an SMS of kind would go out through Alibaba Cloud: the
// catalogue template of each part (fieldcrm sms-templates --provider aliyun)
// and its variables, and the segments with the signature.
func asAliyun(kind, body, indent string) string {
	parts, err := templates.FitSMS("aliyun", kind, body)
	if err != nil {
		return fmt.Sprintf("%s(Alibaba Cloud: no template carries it: %v)\n", indent, err)
	}
	var b strings.Builder
	for i, p := range parts {
		names := make([]string, 0, len(p.Params))
		for k := range p.Params {
			names = append(names, k)
		}
		sort.Strings(names)
		var vars []string
		for _, k := range names {
			vars = append(vars, fmt.Sprintf("${%s}=%q", k, p.Params[k]))
		}
		segs, _ := templates.Segments("【" + demoSignName + "】" + p.Text)
		fmt.Fprintf(&b, "%s(Alibaba Cloud %d/%d: template %s, %s; %d segment%s with 【%s】)\n",
			indent, i+1, len(parts), p.Template, strings.Join(vars, " "), segs, pluralS(segs), demoSignName)
	}
	return b.String()
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
	store, err := openDB(db, crm.Options{Now: now, Location: loc})
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
	webAddr := fs.String("web", demoWebDefault, "address of the web console (\"off\": none; a busy port: any free one)")
	nowFlag := fs.String("now", "", "a time the clock stands at (RFC 3339 or 2006-01-02T15:04 in $FIELDCRM_TZ), so that a replay answers the same")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	clock := time.Now
	if *nowFlag != "" {
		loc, _ := time.LoadLocation(envDefault("FIELDCRM_TZ", "Asia/Shanghai"))
		t, err := parseNow(*nowFlag, loc)
		if err != nil {
			fmt.Fprintf(stderr, "fieldcrm demo: bad --now %q: want RFC 3339 or 2006-01-02T15:04\n", *nowFlag)
			return 2
		}
		clock = func() time.Time { return t }
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
	s, err := openSession(*db, clock, kick, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm demo:", err)
		return 1
	}
	defer s.store.Close()
	if err := demodata.Seed(ctx, s.store); err != nil {
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
	worker = outbox.New(s.store.Engine(), outbox.Config{Rate: -1, Poll: time.Second}, senders, s.log, clock)
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); worker.Run(wctx) }()
	if mail != nil {
		wg.Add(1)
		go func() { defer wg.Done(); mail.run(wctx) }()
	}
	defer func() { cancel(); wg.Wait() }()

	webLine := ""
	if *webAddr != "off" {
		url, stop, err := startDemoWeb(s, *webAddr, clock, kick, mail != nil)
		if err != nil {
			fmt.Fprintln(out, "fieldcrm demo: the web console is off:", err)
		} else {
			defer stop()
			webLine = fmt.Sprintf("Web console: %s (sign in with a number from /who, e.g. %s for Wang; the code arrives here as an SMS)",
				url, users[1].Phones[0])
		}
	}
	me := findDemoUser(users, *as)
	if me == nil {
		me = users[1]
	}
	fmt.Fprintf(out, "fieldcrm demo: %s\n", *db)
	fmt.Fprintln(out, "Type messages as a salesman would text them; notices to others are shown under the reply.")
	fmt.Fprintln(out, "  /as NAME  send as someone else   /who  the users   /quit  leave   HELP  the commands")
	fmt.Fprintln(out, "  /aliyun   show the Alibaba Cloud SMS template each SMS would go out as in China (again: off)")
	fmt.Fprintln(out, "Try: TODAY · V acme; met Zhang Wei; wants 2x 320D; next: quote fri · OPPS · UNDO")
	if mail != nil {
		mail.howTo(out, users, me)
	}
	if webLine != "" {
		fmt.Fprintln(out, webLine)
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
		case line == "/aliyun":
			on := !console.aliyun.Load()
			console.aliyun.Store(on)
			if on {
				fmt.Fprintln(out, "  each SMS now shows the Alibaba Cloud template it would go out as (fieldcrm sms-templates --provider aliyun lists them)")
			} else {
				fmt.Fprintln(out, "  Alibaba Cloud templates no longer shown")
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
			if console.aliyun.Load() && res.Reply != "" {
				fmt.Fprint(out, asAliyun(templates.SMSKindOfKey("reply|"), res.Reply, "  "))
			}
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
		st, err := outbox.Stats(store.Engine(), time.Now())
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
