package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email"
	"github.com/fieldcrm/fieldcrm/gateway/email/imapwatch"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/templates"
	"github.com/fieldcrm/fieldcrm/web"
)

// Main is the running service: store, pipeline, outbox worker and HTTP
// server. Tests start the same Main on 127.0.0.1:0 with a temporary database.
type Main struct {
	Config   *Config
	Log      *slog.Logger
	Store    *crm.Store
	Pipeline *gateway.Pipeline
	Web      *web.Server // the web console (nil when FIELDCRM_WEB=off)
	Outbox   *outbox.Worker
	Senders  map[string]outbox.Sender // by channel; set before Run to replace Twilio (demo)
	Mail     *email.Handler           // the email channel (nil when it is off)

	imap   *imapwatch.Watcher
	srv    *http.Server
	twilio *twilio.Handler
	ops    *ops // metrics, readiness, admin backup (ops.go)
	ln     net.Listener
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// NewMain returns a Main for cfg, logging to w.
func NewMain(cfg *Config, w io.Writer) *Main {
	level := slog.LevelInfo
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return &Main{Config: cfg, Log: slog.New(h)}
}

// Run opens the store and starts the outbox worker and the HTTP server. It
// returns once they run; Close stops them.
func (m *Main) Run(ctx context.Context) (err error) {
	cfg := m.Config
	if cfg.location == nil {
		if cfg.location, err = time.LoadLocation(cfg.TZ); err != nil {
			return err
		}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	m.Store, err = openDB(cfg.DB, crm.Options{Now: now, Location: cfg.location}) // db.go: a file, or postgres://
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			m.Store.Close()
		}
	}()
	tpl, err := templates.New()
	if err != nil {
		return err
	}
	if m.Senders == nil && cfg.SMS == SMSConsole {
		m.Senders = consoleSenders(m.Log) // console.go
	}
	if m.Senders == nil {
		if m.Senders, err = m.smsSenders(cfg, now); err != nil { // Twilio, Alibaba Cloud or both (aliyun.go)
			return err
		}
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	tok := cfg.AdminToken
	if tok == "" { // a Config made in code (tests) still takes the environment's
		if tok, err = envSecret(os.Getenv, AdminTokenEnv); err != nil {
			cancel()
			return err
		}
	}
	m.ops = newOps(func() *crm.Store { return m.Store }, now, tok)
	m.ops.writeHealth = m.Store.WriteHealth
	if !isPostgres(cfg.DB) { // PostgreSQL's disk is the server's, watched by whoever runs it
		m.ops.disk = newDiskWatch(cfg.DB, cfg.MinFree, m.Log.With(slog.String("part", "disk")))
		m.ops.reg.MustRegister(m.ops.disk)
		m.ops.disk.check(now())
	}
	mailOn := cfg.Mail.Enabled()
	if mailOn {
		if err := m.setupMail(tpl, now); err != nil {
			cancel()
			return err
		}
		m.ops.imapStatus = m.imap.Status
	}
	ocfg := outbox.Config{From: cfg.TwilioFrom, Rate: cfg.SMSRate, OnOptOut: m.optOut,
		BaseBackoff: cfg.OutboxBaseBackoff, OnRecord: m.ops.outboxRecord, OnHold: m.ops.outboxHold,
		RecipientLimits: recipientLimits(cfg.SMSLimits, cfg.SMSReplyReserve, cfg.location)}
	cfg.Aliyun.outboxPools(&ocfg) // Alibaba Cloud's numbers do not queue behind Twilio's long codes (aliyun.go)
	m.Outbox = outbox.New(m.Store.DB(), ocfg, m.Senders, m.Log.With(slog.String("part", "outbox")), now)
	m.Pipeline, err = gateway.New(gateway.Config{Store: m.Store, Templates: tpl, Log: m.Log, Now: now, Kick: m.Outbox.Kick,
		OnHandled: m.ops.handled, Email: mailOn, SMSCountries: cfg.SMSCountries, UnknownPerHour: cfg.UnknownPerHour,
		DomesticSMS: func(n string) bool { return hasPrefix(n, cfg.SMSDomestic) }})
	if err != nil {
		cancel()
		return err
	}
	mux := http.NewServeMux()
	m.twilio = &twilio.Handler{Pipeline: m.Pipeline, DB: m.Store.DB(), AuthToken: cfg.TwilioToken, PublicURL: cfg.PublicURL,
		Log: m.Log, Now: now}
	if cfg.Aliyun.TwilioOn() || cfg.SMS == SMSConsole { // console mode: fieldcrm webhook posts here
		m.twilio.Register(mux)
	}
	m.registerAliyun(mux, now)
	if !cfg.NoWeb {
		m.Web, err = web.New(web.Config{Store: m.Store, Pipeline: m.Pipeline, Templates: tpl, Log: m.Log.With(slog.String("part", "web")),
			Now: now, Kick: m.Outbox.Kick, Secure: strings.HasPrefix(cfg.PublicURL, "https://"), Email: mailOn})
		if err != nil {
			cancel()
			return err
		}
		m.Web.Register(mux)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	m.registerOps(mux)
	m.srv = &http.Server{Handler: m.ops.instrument(mux), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
	m.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		cancel()
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	m.consoleListening()
	m.wg.Add(4)
	go func() {
		defer m.wg.Done()
		if m.ops.disk != nil {
			m.ops.disk.run(wctx, time.Minute, now)
		}
	}()
	m.ops.schedUp.Store(true)
	go func() { defer m.wg.Done(); defer m.ops.schedUp.Store(false); m.runScheduler(wctx, tpl) }() // stopped by Close (cancel, then wait)
	m.ops.outboxUp.Store(true)
	go func() {
		defer m.wg.Done()
		defer m.ops.outboxUp.Store(false)
		if err := m.Outbox.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
			m.Log.Error("outbox stopped", slog.Any("error", err))
		}
	}()
	go func() {
		defer m.wg.Done()
		if err := m.srv.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server stopped", slog.Any("error", err))
		}
	}()
	emailState := "off: no mail configuration (set FIELDCRM_IMAP_ADDR, FIELDCRM_SMTP_ADDR and FIELDCRM_MAIL_FROM to turn it on)"
	if mailOn {
		emailState = fmt.Sprintf("on: imap %s folder %s, smtp %s, from %s", cfg.Mail.IMAPAddr, defaultStr(cfg.Mail.IMAPFolder, "INBOX"),
			cfg.Mail.SMTPAddr, cfg.Mail.Address())
		m.wg.Add(1)
		go func() { defer m.wg.Done(); m.runMail(wctx) }()
	}
	m.Log.Info("fieldcrm serving", slog.String("addr", m.ln.Addr().String()), slog.String("db", redactURL(cfg.DB)),
		slog.String("public_url", cfg.PublicURL), slog.String("email", emailState),
		slog.String("version", readBuildStamp().String()))
	return nil
}

// Addr is the address the HTTP server listens on.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Close drains in-flight requests (10 s at most), stops the outbox worker
// and closes the store.
func (m *Main) Close() error {
	var err error
	m.closed.Do(func() {
		if m.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if e := m.srv.Shutdown(ctx); e != nil {
				m.Log.Warn("http shutdown", slog.Any("error", e))
			}
			cancel()
		}
		if m.twilio != nil {
			m.twilio.Drain() // messages whose webhook gave up waiting are still finished and stored
		}
		if m.cancel != nil {
			m.cancel()
		}
		m.wg.Wait()
		if m.Store != nil {
			err = m.Store.Close()
		}
		m.Log.Info("fieldcrm stopped")
	})
	return err
}

// optOut marks the user with phone number to as opted out (Twilio 21610).
func (m *Main) optOut(to string) {
	_, err := m.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "sms", Summary: "twilio 21610 opt-out " + to},
		func(tx *crm.Tx) error {
			u, err := tx.UserByPhone(to)
			if err != nil || u.OptedOut {
				return nil
			}
			u.OptedOut = true
			return tx.SaveUser(u)
		})
	if err != nil {
		m.Log.Error("opt-out not recorded", slog.String("to", to), slog.Any("error", err))
	} else {
		m.Log.Warn("recipient opted out at Twilio (21610): no more SMS to him until START", slog.String("to", to))
	}
}

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, fs, err := ParseConfig("serve", args, os.Getenv)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "fieldcrm serve:", err)
		return 2
	}
	_ = fs
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "fieldcrm serve:", err)
		return 2
	}
	m := NewMain(cfg, stderr)
	if cfg.Now != nil {
		m.Log.Warn("the clock is set by "+ClockEnv+" (for tests and rehearsals, not for real use)",
			slog.Time("now", cfg.Now()))
	}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "fieldcrm serve:", err)
		return 1
	}
	<-ctx.Done()
	m.Log.Info("shutting down")
	if err := m.Close(); err != nil {
		fmt.Fprintln(stderr, "fieldcrm serve:", err)
		return 1
	}
	return 0
}
