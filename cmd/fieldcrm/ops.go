package main

// Operations: GET /readyz, GET /metrics (Prometheus) and GET /admin/backup
// (hot backup for `fieldcrm backup` while serve holds the file). /healthz
// stays in serve.go: it only says the process answers.

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email"
	"github.com/fieldcrm/fieldcrm/gateway/email/imapwatch"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/scheduler"
)

// AdminTokenEnv names the environment variable holding the bearer token of
// the /admin/ endpoints (unset: they answer 404).
const AdminTokenEnv = "FIELDCRM_ADMIN_TOKEN"

// BackupPath is the hot-backup endpoint.
const BackupPath = "/admin/backup"

// ops holds the service's metrics and liveness flags. Each Main has its own
// registry, so that tests can run several Mains in one process.
type ops struct {
	reg        *prometheus.Registry
	adminToken string

	outboxUp, schedUp atomic.Bool
	imapStatus        func() imapwatch.Status // nil: the email channel is off
	mailIn            *prometheus.CounterVec

	msgIn       *prometheus.CounterVec
	msgOut      *prometheus.CounterVec
	parseErrs   *prometheus.CounterVec
	handleSecs  *prometheus.HistogramVec
	delivery    *prometheus.CounterVec
	reqSecs     *prometheus.HistogramVec
	backups     *prometheus.CounterVec
	jobRuns     *prometheus.CounterVec
	limitHolds  *prometheus.CounterVec
	jobSecs     *prometheus.HistogramVec
	scrapeStore func() *crm.Store
	now         func() time.Time

	disk        *diskWatch             // free space next to the database (disk.go)
	writeHealth func() crm.WriteHealth // the store's commits
}

func newOps(st func() *crm.Store, now func() time.Time, adminToken string) *ops {
	o := &ops{reg: prometheus.NewRegistry(), adminToken: adminToken, scrapeStore: st, now: now}
	o.mailIn = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldcrm_email_in_total",
		Help: "E-mails taken from the mailbox, by outcome (applied, dup, auto, unknown, unverified, unreadable, too_big, empty)."},
		[]string{"outcome"})
	o.msgIn = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldcrm_messages_in_total",
		Help: "Inbound messages handled, by channel and outcome (ok, refused, parse_error, duplicate, unknown_sender, error)."},
		[]string{"channel", "outcome"})
	o.msgOut = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldcrm_messages_out_total",
		Help: "Outbound messages by channel and outcome: inline (reply in the webhook answer), and the outbox's sent, failed, dead, retry."},
		[]string{"channel", "outcome"})
	o.parseErrs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldcrm_parse_errors_total",
		Help: "Messages not understood, by the verb recognised (\"none\" when the verb itself was not)."}, []string{"verb"})
	o.handleSecs = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fieldcrm_message_handle_seconds",
		Help: "Time to handle one inbound message (parse, apply, commit).", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12)},
		[]string{"channel"})
	o.delivery = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldcrm_delivery_status_total",
		Help: "Delivery statuses reported by the provider (status callbacks that changed an entry)."}, []string{"status"})
	o.reqSecs = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fieldcrm_http_request_seconds",
		Help: "HTTP request latency by route and status code.", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14)},
		[]string{"route", "code"})
	o.backups = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldcrm_backups_total",
		Help: "Hot backups served by /admin/backup, by result."}, []string{"result"})
	o.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldcrm_job_runs_total",
		Help: "Scheduled job runs by job and result (ok, error)."}, []string{"job", "result"})
	o.jobSecs = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fieldcrm_job_run_seconds",
		Help: "How long each scheduled job run took.", Buckets: prometheus.ExponentialBuckets(0.001, 3, 12)}, []string{"job"})
	o.limitHolds = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldcrm_outbox_limit_holds_total",
		Help: "Times an outgoing message was held for a per-number frequency limit: ours (recipient_limit) or the provider's limit error (provider_limit)."}, []string{"channel", "reason"})
	for _, r := range []string{"recipient_limit", "provider_limit"} {
		o.limitHolds.WithLabelValues("sms", r) // present from the start
	}
	o.reg.MustRegister(o.mailIn, o.msgIn, o.msgOut, o.parseErrs, o.handleSecs, o.delivery, o.reqSecs, o.backups, o.jobRuns, o.jobSecs, o.limitHolds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{o: o}, buildInfoGauge(readBuildStamp()))
	o.initSeries() // opsseries.go
	return o
}

// jobRun is the scheduler's OnRun hook.
func (o *ops) jobRun(job string, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	o.jobRuns.WithLabelValues(job, result).Inc()
	o.jobSecs.WithLabelValues(job).Observe(took.Seconds())
}

// handled is the pipeline's OnHandled hook.
// mailHandled counts an e-mail taken from the mailbox.
func (o *ops) mailHandled(res *email.Result) {
	o.mailIn.WithLabelValues(res.Outcome).Inc()
	o.handleSecs.WithLabelValues("email_message").Observe(res.Elapsed.Seconds())
}

func (o *ops) handled(in gateway.Inbound, res *gateway.Result, err error) {
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "error"
	case res.Dup:
		outcome = "duplicate"
	case res.Code == "unknown" || (res.User == nil && res.Code == ""):
		outcome = "unknown_sender"
	case res.Code == "parse":
		outcome = "parse_error"
		v := strings.ToLower(res.ParseVerb)
		if v == "" {
			v = "none"
		}
		o.parseErrs.WithLabelValues(v).Inc()
	case res.Code != "":
		outcome = "refused"
	}
	o.msgIn.WithLabelValues(in.Channel, outcome).Inc()
	if res != nil {
		o.handleSecs.WithLabelValues(in.Channel).Observe(res.Elapsed.Seconds())
		if res.Reply != "" && !res.Queued && !res.Dup {
			o.msgOut.WithLabelValues(in.Channel, "inline").Inc()
		}
	}
}

// outboxHold is the outbox worker's OnHold hook.
func (o *ops) outboxHold(channel, reason string) { o.limitHolds.WithLabelValues(channel, reason).Inc() }

// outboxRecord is the outbox worker's OnRecord hook.
func (o *ops) outboxRecord(channel, outcome string) { o.msgOut.WithLabelValues(channel, outcome).Inc() }

// status is the Twilio handler's OnStatus hook.
func (o *ops) status(_, status string, _ int) { o.delivery.WithLabelValues(status).Inc() }

// storeCollector reads the outbox and the jobs' last runs at scrape time.
type storeCollector struct{ o *ops }

var (
	descDepth     = prometheus.NewDesc("fieldcrm_outbox_entries", "Outbox entries by state.", []string{"state"}, nil)
	descHeld      = prometheus.NewDesc("fieldcrm_outbox_held_entries", "Queued outbox entries held back until a later time (quiet hours): waiting as asked, not late.", nil, nil)
	descOldHeld   = prometheus.NewDesc("fieldcrm_outbox_oldest_held_seconds", "Age (since queued) of the oldest entry held for quiet hours (0: none).", nil, nil)
	descDue       = prometheus.NewDesc("fieldcrm_outbox_due_entries", "Outbox entries due and not sent yet: queued and not held (due now or waiting for a retry), and sending.", nil, nil)
	descOldest    = prometheus.NewDesc("fieldcrm_outbox_oldest_pending_seconds", "How long the oldest due entry has been due and not sent (held entries count from the end of their hold; 0: none).", nil, nil)
	descLimited   = prometheus.NewDesc("fieldcrm_outbox_limit_held_entries", "Queued outbox entries held for a per-number frequency limit (not quiet hours).", nil, nil)
	descJobAt     = prometheus.NewDesc("fieldcrm_job_last_run_timestamp_seconds", "When each scheduled job last ran (wall clock).", []string{"job"}, nil)
	descJobDur    = prometheus.NewDesc("fieldcrm_job_last_run_duration_seconds", "How long each job's last run took.", []string{"job"}, nil)
	descJobErr    = prometheus.NewDesc("fieldcrm_job_last_run_failed", "1 when the job's last run failed.", []string{"job"}, nil)
	descJobSent   = prometheus.NewDesc("fieldcrm_job_last_run_messages", "Messages queued by the job's last run, by channel.", []string{"job", "channel"}, nil)
	descWriteFail = prometheus.NewDesc("fieldcrm_store_write_failures_total", "Commits of the store that failed (a full disk, an I/O error): the messages in them were answered 500.", nil, nil)
	descWriteBad  = prometheus.NewDesc("fieldcrm_store_writes_failing", "1 while the store's last commit failed.", nil, nil)
	descScrape    = prometheus.NewDesc("fieldcrm_store_scrape_error", "1 when the store could not be read for this scrape.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWriteFail, descWriteBad, descDepth, descHeld, descLimited, descOldHeld, descDue, descOldest, descJobAt, descJobDur, descJobErr, descJobSent, descScrape} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	if c.o.writeHealth != nil {
		h := c.o.writeHealth()
		bad := 0.0
		if h.Failing() {
			bad = 1
		}
		ch <- prometheus.MustNewConstMetric(descWriteFail, prometheus.CounterValue, float64(h.Failures))
		ch <- prometheus.MustNewConstMetric(descWriteBad, prometheus.GaugeValue, bad)
	}
	store := c.o.scrapeStore()
	failed := 0.0
	if store == nil {
		failed = 1
	} else if st, err := outbox.Pending(store.DB(), c.o.now()); err != nil {
		failed = 1
	} else {
		for _, s := range outbox.States {
			ch <- prometheus.MustNewConstMetric(descDepth, prometheus.GaugeValue, float64(st.Depth[s]), s)
		}
		ch <- prometheus.MustNewConstMetric(descDue, prometheus.GaugeValue, float64(st.Due))
		ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, st.OldestDue.Seconds())
		ch <- prometheus.MustNewConstMetric(descHeld, prometheus.GaugeValue, float64(st.Held))
		ch <- prometheus.MustNewConstMetric(descOldHeld, prometheus.GaugeValue, st.OldestHeld.Seconds())
		ch <- prometheus.MustNewConstMetric(descLimited, prometheus.GaugeValue, float64(st.Limited))
		runs, err := scheduler.LastRuns(store.Engine())
		if err != nil {
			failed = 1
		}
		for job, r := range runs {
			ch <- prometheus.MustNewConstMetric(descJobAt, prometheus.GaugeValue, float64(r.Started.UnixNano())/1e9, job)
			ch <- prometheus.MustNewConstMetric(descJobDur, prometheus.GaugeValue, r.Duration.Seconds(), job)
			bad := 0.0
			if r.Error != "" {
				bad = 1
			}
			ch <- prometheus.MustNewConstMetric(descJobErr, prometheus.GaugeValue, bad, job)
			for _, chn := range []string{"sms", "email"} {
				ch <- prometheus.MustNewConstMetric(descJobSent, prometheus.GaugeValue, float64(r.Counts[chn]), job, chn)
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(descScrape, prometheus.GaugeValue, failed)
}

// statusWriter remembers the status code for the latency histogram.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument wraps the mux: request latency by route pattern (not by raw
// path, which an attacker chooses) and status.
func (o *ops) instrument(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			route := r.Pattern // set by the mux on r
			if route == "" {
				route = "unmatched"
			}
			if sw.code == 0 {
				sw.code = http.StatusOK
			}
			o.reqSecs.WithLabelValues(route, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
		}()
		mux.ServeHTTP(sw, r)
	})
}

// registerOps adds /readyz, /metrics and /admin/backup to mux.
func (m *Main) registerOps(mux *http.ServeMux) {
	o := m.ops
	if m.twilio != nil && m.twilio.OnStatus == nil {
		m.twilio.OnStatus = o.status
	}
	mux.HandleFunc("GET /readyz", m.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}))
	mux.HandleFunc("GET "+BackupPath, m.adminBackup)
}

// readyz says whether the service can take traffic: the store answers, the
// outbox worker and the scheduler run. Email is reported, not required.
func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	ok := true
	var b strings.Builder
	line := func(part string, good bool, detail string) {
		state := "ok"
		if !good {
			state, ok = "FAIL", false
		}
		fmt.Fprintf(&b, "%s: %s", part, state)
		if detail != "" {
			fmt.Fprintf(&b, " (%s)", detail)
		}
		b.WriteByte('\n')
	}
	storeErr := errors.New("not open")
	if m.Store != nil {
		storeErr = m.Store.Engine().View(r.Context(), func(tx crm.ETx) error {
			tx.LastID(crm.KindUser) // a read: its failure is the transaction's (Err)
			return nil
		})
		// reading works on a full disk: what fails is writing, so the
		// writer's last commit says whether messages can be stored
		if h := m.Store.WriteHealth(); storeErr == nil && h.Failing() {
			storeErr = fmt.Errorf("writes failing since %s (%d failed commits): %v", h.FailedAt.UTC().Format(time.RFC3339),
				h.Failures, h.LastError)
		}
	}
	disk := ""
	if d := m.ops.disk; d != nil {
		disk = d.describe()
	}
	if storeErr != nil {
		line("store", false, strings.TrimPrefix(storeErr.Error()+"; "+disk, "; "))
	} else {
		line("store", true, disk)
	}
	line("outbox", m.ops.outboxUp.Load(), "worker")
	line("scheduler", m.ops.schedUp.Load(), "")
	if st := m.ops.imapStatus; st == nil {
		b.WriteString("email: off (no mail configuration)\n")
	} else {
		s := st()
		state := "connected"
		if !s.Connected {
			state = "not connected: " + s.LastError
		}
		contact := "never"
		if !s.LastContact.IsZero() {
			contact = m.ops.now().Sub(s.LastContact).Round(time.Second).String() + " ago"
		}
		fmt.Fprintf(&b, "email: %s (last IMAP contact %s; reported, not required)\n", state, contact)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	fmt.Fprint(w, b.String())
}

// adminAuth checks the bearer token in constant time. With no token
// configured the admin endpoints do not exist (404).
func (m *Main) adminAuth(w http.ResponseWriter, r *http.Request) bool {
	tok := m.ops.adminToken
	if tok == "" {
		http.NotFound(w, r)
		return false
	}
	got, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
		m.Log.Warn("admin request refused", slog.String("path", r.URL.Path), slog.String("remote", r.RemoteAddr))
		w.Header().Set("WWW-Authenticate", `Bearer realm="fieldcrm admin"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return false
	}
	return true
}

// adminBackup streams a consistent copy of the database (Store.Backup: one
// read transaction, writers go on meanwhile). The body is chunked, so a
// client sees a truncated transfer (no final chunk).
func (m *Main) adminBackup(w http.ResponseWriter, r *http.Request) {
	if !m.adminAuth(w, r) {
		return
	}
	// the server's WriteTimeout (30 s) is for webhooks, not for a large file
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(time.Hour))
	start := time.Now()
	var n int64
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="fieldcrm.db"`)
	h.Set("Cache-Control", "no-store")
	n, err := m.Store.Backup(w)
	if err != nil {
		m.ops.backups.WithLabelValues("error").Inc()
		m.Log.Error("backup failed", slog.Int64("bytes", n), slog.Any("error", err))
		return // headers are gone: the short body tells the client
	}
	m.ops.backups.WithLabelValues("ok").Inc()
	m.Log.Info("backup served", slog.Int64("bytes", n), slog.Duration("took", time.Since(start)), slog.String("remote", r.RemoteAddr))
}
