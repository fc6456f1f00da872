// Command fieldcrm-load is the load-and-crash harness of fieldcrm (issue 8,
// points 4 and 5). It builds the fieldcrm binary, seeds a database, runs
// `fieldcrm serve` as a child process against a fake Twilio API that records
// every outbound message, and drives it over loopback with signed webhooks
// from N simulated salesmen (the mix of cmd/fieldcrm/webhook_bench_test.go).
// It prints requests/s, p50/p99/p999 latency, replies and errors, next to raw
// bbolt db.Batch commits per second on the same disk, and the resident
// memory of serve idle and under load.
//
// With -kills K it also kill -9s serve at K random moments (seeded; the seed
// is printed) and restarts it on the same file; senders retry what got no
// answer or a 5xx with the same MessageSid, as Twilio does. At the end serve
// is stopped cleanly and the file is checked: every webhook answered 200 is
// stored exactly once with its change, every outbox entry was sent, and
// duplicates happen only for entries caught in the send window.
//
// The database is a bbolt file by default. With -db postgres://… (or -pg: a
// fresh database per run on the server $FIELDCRM_TEST_PG names, dropped
// after) it is PostgreSQL, and -nodes N runs N serve processes on it, each
// on its own loopback port with the same public URL (as behind a load
// balancer): the senders take the nodes in turn, a retry goes to another
// node, and one message in twenty is posted to two nodes at once. Each kill
// then kill -9s one node (the nodes in turn) and restarts it; the others
// keep serving. An outbox entry a killed node was sending stays under its
// lease (60 s) until another node takes it over; at the end the harness does
// not wait that out but restarts the nodes with their clock 61 s on
// (-wait-leases waits instead). -compare runs bbolt on one node, PostgreSQL on one node and
// PostgreSQL on two nodes with the same senders and duration, and prints
// their figures as ratios to bbolt's.
//
//	go run ./cmd/fieldcrm-load -senders 64,256 -duration 10s
//	go run ./cmd/fieldcrm-load -senders 8 -duration 20s -kills 3 -api-delay 20ms
//	eval "$(.ci/pg start)"
//	go run ./cmd/fieldcrm-load -pg -nodes 2 -senders 8 -duration 20s -kills 3 -api-delay 20ms
//	go run ./cmd/fieldcrm-load -compare -senders 64 -duration 10s
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

// Main is one harness invocation.
type Main struct {
	Senders  []int         // one run per value
	Duration time.Duration // of sending, per run
	Kills    int           // kill -9 per run
	Seed     uint64        // of the kill moments (0: from the clock)
	Dir      string        // work directory ("": a temporary one, removed)
	Bin      string        // a built fieldcrm ("": go build)
	APIDelay time.Duration // the fake API's answer delay (widens the send window)
	Baseline time.Duration // raw bbolt db.Batch measurement per run (0: none)
	// Clock is the time serve (and the seed) believe it is when the harness
	// starts; their clock then moves with real time, across kills and
	// restarts ($FIELDCRM_CLOCK). Zero: DefaultClock. The run never depends
	// on the hour it happens to run at.
	Clock time.Time
	Env   []string // more of serve's settings, NAME=value
	Out   io.Writer

	// DB is a PostgreSQL database (postgres://…) used as it is, for one run
	// ("": a bbolt file per run, or a fresh database with PG).
	DB string
	// PG is a PostgreSQL server's URL: each PostgreSQL run creates a fresh
	// database on it, dropped after.
	PG string
	// Nodes is how many serve processes share the database (0: 1); more
	// than one needs PostgreSQL.
	Nodes int
	// Compare runs, for each sender count, bbolt on one node, PostgreSQL on
	// one node and PostgreSQL on max(Nodes, 2) nodes (PG must be set).
	Compare bool
	// WaitLeases: on PostgreSQL after kills, wait in real time for a killed
	// node's outbox leases to expire (up to 90 s) instead of restarting the
	// nodes with their clock past them.
	WaitLeases bool

	clockOff time.Duration // Clock - the real time at the start
}

// DefaultClock is a Tuesday at 10:20 in Shanghai: after the morning window
// (summaries and digests are not made up at start), outside quiet hours, and
// no job fires within the next 40 minutes.
var DefaultClock = time.Date(2026, 12, 8, 10, 20, 0, 0, time.FixedZone("CST", 8*3600))

// now is the run's clock (see Clock).
func (m *Main) now() time.Time { return time.Now().Add(m.clockOff) }

// Result is one run's figures.
type Result struct {
	Senders              int
	Store                string // bbolt or postgres
	Nodes                int
	Stats                stats
	BatchPuts, BatchTxs  float64
	RSSIdle, RSSLoadPeak int64 // kB
	Counts               *counts
	Seed                 uint64
}

func main() {
	m := &Main{Out: os.Stdout}
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "fieldcrm-load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results, err := m.Run(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fieldcrm-load:", err)
		os.Exit(1)
	}
	for _, r := range results {
		if r.Counts != nil && len(r.Counts.Problems) > 0 {
			os.Exit(1)
		}
	}
}

// ParseFlags reads the command line.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("fieldcrm-load", flag.ContinueOnError)
	senders := fs.String("senders", "64,256", "concurrent senders (salesmen), comma-separated: one run each")
	fs.DurationVar(&m.Duration, "duration", 10*time.Second, "how long each run sends")
	fs.IntVar(&m.Kills, "kills", 0, "kill -9 serve this many times per run, at random moments, restarting it on the same file")
	fs.Uint64Var(&m.Seed, "seed", 0, "seed of the kill moments (0: from the clock; printed)")
	fs.StringVar(&m.Dir, "dir", "", "work directory, kept (default: a temporary directory, removed)")
	fs.StringVar(&m.Bin, "bin", "", "fieldcrm binary (default: go build ./cmd/fieldcrm)")
	fs.DurationVar(&m.APIDelay, "api-delay", 0, "the fake Twilio API answers after this delay")
	fs.DurationVar(&m.Baseline, "baseline", 3*time.Second, "measure raw bbolt db.Batch this long per run (0: skip)")
	clock := fs.String("clock", DefaultClock.Format(time.RFC3339), "the time serve believes it is at the start (RFC 3339)")
	fs.StringVar(&m.DB, "db", "", "a PostgreSQL database (postgres://…) to seed and serve, used as it is: one run (default: a bbolt file per run)")
	pg := fs.Bool("pg", false, "PostgreSQL: a fresh database per run on the server $"+pgServerEnv+" names (eval \"$(.ci/pg start)\"), dropped after")
	fs.IntVar(&m.Nodes, "nodes", 1, "serve processes on the one database, each on its own port (more than one needs PostgreSQL)")
	fs.BoolVar(&m.Compare, "compare", false, "for each sender count run bbolt 1 node, PostgreSQL 1 node and PostgreSQL 2 nodes (or -nodes), and print ratios to bbolt (needs -pg)")
	fs.BoolVar(&m.WaitLeases, "wait-leases", false, "on PostgreSQL after kills, wait up to 90 s for a killed node's outbox leases to expire (default: restart the nodes with their clock 61 s on)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pg {
		srv, err := pgServer()
		if err != nil {
			return err
		}
		m.PG = srv
	}
	t, err := time.Parse(time.RFC3339, *clock)
	if err != nil {
		return fmt.Errorf("-clock: %q is not an RFC 3339 time", *clock)
	}
	m.Clock = t
	for _, f := range strings.Split(*senders, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("-senders: %q is not a number from 1 to 256", f)
		}
		m.Senders = append(m.Senders, n)
	}
	return m.check()
}

// check refuses settings that cannot run.
func (m *Main) check() error {
	if m.Nodes == 0 {
		m.Nodes = 1
	}
	switch {
	case m.Nodes < 1 || m.Nodes > 16:
		return fmt.Errorf("-nodes %d: give 1 to 16", m.Nodes)
	case m.DB != "" && !isPostgres(m.DB):
		return fmt.Errorf("-db %q: give a postgres:// URL (the bbolt file is made by the harness)", m.DB)
	case m.DB != "" && m.PG != "":
		return errors.New("-db and -pg: give one (-db uses a database as it is, -pg makes a fresh one per run)")
	case m.Compare && m.PG == "":
		return errors.New("-compare needs -pg (a fresh PostgreSQL database for each run): eval \"$(.ci/pg start)\" first")
	case m.Nodes > 1 && m.DB == "" && m.PG == "":
		return fmt.Errorf("-nodes %d: a bbolt file is served by one process only (serve holds its lock); several nodes need PostgreSQL: give -db postgres://… or -pg", m.Nodes)
	case m.DB != "" && (len(m.Senders) > 1 || m.Compare):
		return errors.New("-db is one database for one run: give one -senders value (or -pg for a fresh database per run)")
	}
	return nil
}

// runSpec is one run's set-up.
type runSpec struct {
	senders int
	store   string // bbolt or postgres
	nodes   int
}

func (m *Main) specs() []runSpec {
	var out []runSpec
	for _, n := range m.Senders {
		switch {
		case m.Compare:
			out = append(out, runSpec{n, "bbolt", 1}, runSpec{n, "postgres", 1}, runSpec{n, "postgres", max(m.Nodes, 2)})
		case m.DB != "" || m.PG != "":
			out = append(out, runSpec{n, "postgres", m.Nodes})
		default:
			out = append(out, runSpec{n, "bbolt", 1})
		}
	}
	return out
}

// Run does one run per sender count and prints the table (and the crash
// counts) to m.Out.
func (m *Main) Run(ctx context.Context) ([]*Result, error) {
	dir := m.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "fieldcrm-load-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	if m.Seed == 0 {
		m.Seed = uint64(time.Now().UnixNano())
	}
	if m.Clock.IsZero() {
		m.Clock = DefaultClock
	}
	m.clockOff = time.Until(m.Clock)
	bin := m.Bin
	if bin == "" {
		var err error
		if bin, err = buildBinary(ctx, dir); err != nil {
			return nil, err
		}
	}
	var results []*Result
	for i, sp := range m.specs() {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		r, err := m.run(filepath.Join(dir, fmt.Sprintf("run%d-%d-%s-%d", i+1, sp.senders, sp.store, sp.nodes)), bin, sp, i+1)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	m.print(results)
	return results, nil
}

func (m *Main) run(dir, bin string, sp runSpec, run int) (r *Result, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	senders := sp.senders
	r = &Result{Senders: senders, Store: sp.store, Nodes: sp.nodes, Seed: m.Seed}
	db, where := filepath.Join(dir, "fieldcrm.db"), ""
	switch {
	case sp.store == "bbolt":
		where = db
	case m.DB != "":
		db, where = m.DB, redact(m.DB)
	default:
		var drop func() error
		if db, drop, err = freshDB(m.PG); err != nil {
			return nil, err
		}
		where = redact(db) + " (dropped after the run)"
		defer func() {
			if derr := drop(); derr != nil && err == nil {
				err = fmt.Errorf("drop the run's database: %w", derr)
			}
		}()
	}
	fmt.Fprintf(m.Out, "run %d: %d senders, %s on %d node(s), %v, %d kills, seed %d, serve's clock %s, work dir %s, database %s\n", run, senders,
		sp.store, sp.nodes, m.Duration, m.Kills, m.Seed, m.now().In(m.Clock.Location()).Format(time.RFC3339), dir, where)
	api := twiliotest.New()  // in the harness: it outlives every kill of serve
	api.SetDelay(m.APIDelay) // widens the send window
	defer api.Close()
	users := newSalesmen(senders)
	if err := seed(db, users, m.now); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	srvs := make([]*server, sp.nodes)
	addrs := make([]string, sp.nodes)
	for i := range srvs {
		if addrs[i], err = freeAddr(); err != nil {
			return nil, err
		}
		logPath := filepath.Join(dir, "serve.log")
		if sp.nodes > 1 {
			logPath = filepath.Join(dir, fmt.Sprintf("serve-node%d.log", i+1))
		}
		srvs[i] = &server{bin: bin, db: db, addr: addrs[i], apiURL: api.URL, logPath: logPath, now: m.now, extraEnv: m.Env}
		defer srvs[i].close()
	}
	if err := startAll(srvs); err != nil {
		return nil, err
	}
	time.Sleep(500 * time.Millisecond)
	for _, s := range srvs {
		idle, _ := rss(s.pid())
		r.RSSIdle += int64(idle)
	}

	stopRSS := make(chan struct{})
	var peak interface{ Load() int64 }
	var kills int
	killErr := make(chan error, 1)
	if m.Kills == 0 {
		peak = sampleRSS(srvs, stopRSS)
		close(killErr)
	} else {
		go func() { // the killer: at sorted random moments within the run
			defer close(killErr)
			rng := rand.New(rand.NewPCG(m.Seed, uint64(run)))
			at := make([]time.Duration, m.Kills)
			for i := range at {
				at[i] = time.Duration(float64(m.Duration) * (0.05 + 0.85*rng.Float64()))
			}
			slices.Sort(at)
			start := time.Now()
			for i, d := range at {
				time.Sleep(time.Until(start.Add(d)))
				srv := srvs[i%len(srvs)] // one node at a time; the others keep serving
				srv.kill()
				kills++
				if err := srv.start(); err != nil {
					killErr <- err
					return
				}
			}
		}()
	}
	t0 := time.Now()
	lr := runLoad(addrs, users, run, m.Duration, 2*time.Minute)
	tLoad := time.Since(t0)
	if err := <-killErr; err != nil {
		return nil, err
	}
	close(stopRSS)
	if peak != nil {
		r.RSSLoadPeak = peak.Load()
	}
	r.Stats = lr.stats()

	// let the outbox finish (as every node sees it), then stop every node
	// cleanly. On PostgreSQL an entry a killed node was sending is sent
	// again only once its lease expired (2 × serve's 30 s send timeout) and
	// a recovery scan (every half lease) found it: up to 90 s. Unless
	// WaitLeases, the harness does not wait that out: it stops the nodes,
	// moves their clock past the lease and starts them again, and the
	// recovery at start sends those entries again.
	shortcut := sp.store == "postgres" && kills > 0 && !m.WaitLeases
	drain := 60 * time.Second
	switch {
	case shortcut:
		drain = 5 * time.Second
	case sp.store == "postgres":
		drain = 120 * time.Second
	}
	t0 = time.Now()
	n, perr := drainOutbox(srvs, drain)
	if n != 0 && shortcut {
		fmt.Fprintf(m.Out, "run %d: %d outbox entries still sending after %v, under a killed node's lease: stopping the nodes and starting them again %v later on their clock (past the lease)\n",
			run, n, drain, leaseSkip)
		if err := stopAll(srvs); err != nil {
			return nil, err
		}
		m.clockOff += leaseSkip
		if err := startAll(srvs); err != nil {
			return nil, err
		}
		drain = 60 * time.Second
		n, perr = drainOutbox(srvs, drain)
	}
	if n != 0 {
		fmt.Fprintf(m.Out, "outbox still has %d entries queued or sending after %v (%v)\n", n, drain, perr)
	}
	tDrain := time.Since(t0)
	t0 = time.Now()
	if err := stopAll(srvs); err != nil {
		return nil, err
	}
	fmt.Fprintf(m.Out, "run %d: sending took %v, the outbox drained in %v, the nodes stopped in %v\n", run,
		tLoad.Round(time.Millisecond), tDrain.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	r.Counts, err = verify(db, lr, api.Messages(), kills, sp.nodes, m.now())
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if m.Baseline > 0 && sp.store == "bbolt" {
		if r.BatchPuts, r.BatchTxs, err = batchBaseline(dir, senders, m.Baseline); err != nil {
			return nil, fmt.Errorf("bbolt baseline: %w", err)
		}
	}
	return r, nil
}

func (m *Main) print(results []*Result) {
	var out bytes.Buffer // one Write: the test log keeps the lines whole
	defer func() { m.Out.Write(out.Bytes()) }()
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "database\tnodes\tsenders\trequests\treq/s\tp50 ms\tp99 ms\tp999 ms\treplies\terrors\tretried\tto 2 nodes\tbbolt Batch puts/s\tBatch commits/s\tRSS idle\tRSS load (peak)\t")
	for _, r := range results {
		s := r.Stats
		puts, commits := "-", "-"
		if r.BatchPuts > 0 {
			puts, commits = fmt.Sprintf("%.0f", r.BatchPuts), fmt.Sprintf("%.0f", r.BatchTxs)
		}
		rssLoad := "-"
		if r.RSSLoadPeak > 0 {
			rssLoad = fmtKB(r.RSSLoadPeak)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t\n", r.Store, r.Nodes, r.Senders, s.requests, s.rps,
			s.p50, s.p99, s.p999, s.replies, s.errors, s.retried, s.twice, puts, commits, fmtKB(r.RSSIdle), rssLoad)
	}
	tw.Flush()
	if m.Compare {
		m.printCompare(&out, results)
	}
	for _, r := range results {
		c := r.Counts
		fmt.Fprintf(&out, "\n%d senders, %s on %d node(s): %s\n", r.Senders, r.Store, r.Nodes, c)
		keys := make([]string, 0, len(c.Outcomes))
		for k := range c.Outcomes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var ob strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&ob, " %s=%d", k, c.Outcomes[k])
		}
		fmt.Fprintf(&out, "outcomes:%s\n", ob.String())
		if len(c.Problems) == 0 {
			fmt.Fprintln(&out, "checks: OK")
		} else {
			fmt.Fprintf(&out, "checks: %d problems\n  %s\n", len(c.Problems), strings.Join(c.Problems, "\n  "))
		}
	}
}

// printCompare prints each run's throughput and latency beside the bbolt run
// with the same senders from this invocation, as ratios.
func (m *Main) printCompare(out io.Writer, results []*Result) {
	fmt.Fprintf(out, "\nagainst bbolt on one node, same senders and duration (%v), same invocation; ratios are run / bbolt:\n", m.Duration)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "senders\tdatabase\tnodes\treq/s\t× bbolt\tp50 ms\t× bbolt\tp99 ms\t× bbolt\t")
	base := map[int]*Result{}
	for _, r := range results {
		if r.Store == "bbolt" && r.Nodes == 1 {
			base[r.Senders] = r
		}
	}
	ratio := func(a, b float64) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	for _, r := range results {
		b := base[r.Senders]
		if b == nil {
			continue
		}
		s, bs := r.Stats, b.Stats
		fmt.Fprintf(tw, "%d\t%s\t%d\t%.0f\t%s\t%.1f\t%s\t%.1f\t%s\t\n", r.Senders, r.Store, r.Nodes,
			s.rps, ratio(s.rps, bs.rps), s.p50, ratio(s.p50, bs.p50), s.p99, ratio(s.p99, bs.p99))
	}
	tw.Flush()
}

// leaseSkip is how far the nodes' clock moves on when the harness restarts
// them to end a killed node's leases: past serve's outbox lease (2 × its
// 30 s send timeout).
const leaseSkip = 61 * time.Second

// drainOutbox waits up to d until every node reports no due outbox entry;
// what they still report.
func drainOutbox(srvs []*server, d time.Duration) (int, error) {
	deadline := time.Now().Add(d)
	for {
		n, err := pendingAll(srvs)
		if err == nil && n == 0 {
			return 0, nil
		}
		if time.Now().After(deadline) {
			return n, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
