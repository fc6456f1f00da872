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
//	go run ./cmd/fieldcrm-load -senders 64,256 -duration 10s
//	go run ./cmd/fieldcrm-load -senders 8 -duration 20s -kills 3 -api-delay 20ms
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
	Out   io.Writer

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
	if err := fs.Parse(args); err != nil {
		return err
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
	return nil
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
	for i, n := range m.Senders {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		r, err := m.run(filepath.Join(dir, fmt.Sprintf("run%d-%d", i+1, n)), bin, n, i+1)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	m.print(results)
	return results, nil
}

func (m *Main) run(dir, bin string, senders, run int) (*Result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	r := &Result{Senders: senders, Seed: m.Seed}
	fmt.Fprintf(m.Out, "run %d: %d senders, %v, %d kills, seed %d, serve's clock %s, work dir %s\n", run, senders, m.Duration, m.Kills, m.Seed,
		m.now().In(m.Clock.Location()).Format(time.RFC3339), dir)
	api := twiliotest.New()  // in the harness: it outlives every kill of serve
	api.SetDelay(m.APIDelay) // widens the send window
	defer api.Close()
	users := newSalesmen(senders)
	db := filepath.Join(dir, "fieldcrm.db")
	if err := seed(db, users, m.now); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	srv := &server{bin: bin, db: db, addr: addr, apiURL: api.URL, logPath: filepath.Join(dir, "serve.log"), now: m.now}
	defer srv.close()
	if err := srv.start(); err != nil {
		return nil, err
	}
	time.Sleep(500 * time.Millisecond)
	idle, _ := rss(srv.pid())
	r.RSSIdle = int64(idle)

	stopRSS := make(chan struct{})
	var peak interface{ Load() int64 }
	var kills int
	killErr := make(chan error, 1)
	if m.Kills == 0 {
		peak = sampleRSS(srv.pid, stopRSS)
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
			for _, d := range at {
				time.Sleep(time.Until(start.Add(d)))
				srv.kill()
				kills++
				if err := srv.start(); err != nil {
					killErr <- err
					return
				}
			}
		}()
	}
	lr := runLoad(addr, users, run, m.Duration, 2*time.Minute)
	if err := <-killErr; err != nil {
		return nil, err
	}
	close(stopRSS)
	if peak != nil {
		r.RSSLoadPeak = peak.Load()
	}
	r.Stats = lr.stats()

	// let the outbox finish, then stop serve cleanly
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := srv.pending()
		if err == nil && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(m.Out, "outbox still has %d entries queued or sending after 60 s\n", n)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := srv.stop(); err != nil {
		return nil, err
	}
	r.Counts, err = verify(db, lr, api.Messages(), kills, m.now())
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if m.Baseline > 0 {
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
	fmt.Fprintln(tw, "senders\trequests\treq/s\tp50 ms\tp99 ms\tp999 ms\treplies\terrors\tretried\tbbolt Batch puts/s\tBatch commits/s\tRSS idle\tRSS load (peak)\t")
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
		fmt.Fprintf(tw, "%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t\n", r.Senders, s.requests, s.rps,
			s.p50, s.p99, s.p999, s.replies, s.errors, s.retried, puts, commits, fmtKB(r.RSSIdle), rssLoad)
	}
	tw.Flush()
	for _, r := range results {
		c := r.Counts
		fmt.Fprintf(&out, "\n%d senders: %s\n", r.Senders, c)
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
