package main

// fieldcrm version and fieldcrm health, and the build stamp behind them.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// version is stamped at build time:
//
//	go build -ldflags "-X main.version=v1.4.0" ./cmd/fieldcrm
//
// (deploy/Dockerfile and the README's build line do). Unstamped builds say
// "dev"; the commit comes from the VCS data Go embeds in every build made in
// a git checkout.
var version = "dev"

// commit is stamped the same way (-X main.commit=$(git rev-parse HEAD)) where
// Go cannot read the VCS itself: a Docker build context without .git, or
// GOFLAGS=-buildvcs=false.
var commit = ""

// buildStamp is what `fieldcrm version`, the log line at start and the
// fieldcrm_build_info metric report.
type buildStamp struct {
	Version   string // main.version, or the module version of `go install …@vX`
	Commit    string // vcs.revision (12 hex), "+dirty" when built from a modified tree; "unknown"
	Time      string // vcs.time (the commit's time, RFC 3339); "" when unknown
	GoVersion string
}

func readBuildStamp() buildStamp {
	b := buildStamp{Version: version, Commit: "unknown", GoVersion: runtime.Version()}
	if commit != "" {
		b.Commit = shortCommit(commit)
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if b.Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = shortCommit(s.Value)
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && b.Commit != "unknown" {
		b.Commit += "+dirty"
	}
	return b
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func (b buildStamp) String() string {
	s := fmt.Sprintf("fieldcrm %s (commit %s", b.Version, b.Commit)
	if b.Time != "" {
		s += ", " + b.Time
	}
	return s + ", " + b.GoVersion + ")"
}

// buildInfoGauge is fieldcrm_build_info: always 1, its labels say what runs
// (the Prometheus convention for version information).
func buildInfoGauge(b buildStamp) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fieldcrm_build_info",
		Help: "The running fieldcrm: version, commit and Go version (always 1)."}, []string{"version", "commit", "goversion"})
	g.WithLabelValues(b.Version, b.Commit, b.GoVersion).Set(1)
	return g
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	fmt.Fprintln(stdout, readBuildStamp())
	return 0
}

// runHealth asks a running serve whether it is ready (GET /readyz) and
// exits 0 when it is, 1 when it is not or does not answer within --timeout.
// The distroless image has no shell or curl: its HEALTHCHECK runs this.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	base := fs.String("url", defaultURL(), "base URL of the running serve (default from $FIELDCRM_ADDR)")
	path := fs.String("path", "/readyz", "what to ask: /readyz (ready for traffic) or /healthz (alive)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after")
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	url := strings.TrimRight(*base, "/") + *path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm health: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm health: %s: no answer: %v\n", url, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "fieldcrm health: %s: %s %s\n", url, resp.Status, text)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s\n", url, text)
	return 0
}
