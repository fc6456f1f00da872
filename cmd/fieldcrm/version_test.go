package main

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	old, oldCommit := version, commit
	t.Cleanup(func() { version, commit = old, oldCommit })
	version, commit = "v1.2.3", "0123456789abcdef0123456789abcdef01234567"

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// Go's own VCS stamp wins over -X main.commit when the build has one
	// (not under `go test`), so the commit is either the stamped one or Go's.
	re := regexp.MustCompile(`^fieldcrm v1\.2\.3 \(commit ([0-9a-f]{12}(\+dirty)?|unknown)(, [0-9T:Z-]+)?, ` + regexp.QuoteMeta(runtime.Version()) + `\)\n$`)
	if !re.MatchString(out.String()) {
		t.Fatalf("version printed %q", out.String())
	}
	if !strings.Contains(out.String(), "0123456789ab") {
		t.Errorf("the stamped commit is not shown: %q", out.String())
	}
}

// The metric and `fieldcrm health` against the real service.
func TestBuildInfoAndHealth(t *testing.T) {
	e := e2eStart(t, "", nil)
	e2eWaitUntil(t, "ready", func() bool { code, _ := opsGet(t, e, "/readyz", ""); return code == 200 })

	_, metrics := opsGet(t, e, "/metrics", "")
	re := regexp.MustCompile(`(?m)^fieldcrm_build_info\{commit="[^"]+",goversion="` + regexp.QuoteMeta(runtime.Version()) + `",version="[^"]+"\} 1$`)
	if !re.MatchString(metrics) {
		t.Fatalf("no fieldcrm_build_info in /metrics:\n%s", grepLines(metrics, "build_info"))
	}
	if !strings.Contains(e.log.String(), "version=\"fieldcrm ") {
		t.Errorf("serve does not log its version at start:\n%s", e.log.String())
	}

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"health", "--url", "http://" + e.m.Addr()}, &out, &errb); code != 0 {
		t.Fatalf("health on a ready serve: exit %d, %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "store: ok") {
		t.Errorf("health prints %q", out.String())
	}

	// nothing listening: exit 1 with the reason
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"health", "--url", "http://" + dead, "--timeout", "1s"}, &out, &errb); code != 1 {
		t.Fatalf("health on nothing: exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "no answer") {
		t.Errorf("health on nothing says %q", errb.String())
	}
}

func TestDefaultURLReachesAWildcardListener(t *testing.T) {
	for addr, want := range map[string]string{
		"":             "http://127.0.0.1:8080",
		":9000":        "http://127.0.0.1:9000",
		"0.0.0.0:8080": "http://127.0.0.1:8080",
		"[::]:8080":    "http://127.0.0.1:8080",
		"10.0.0.5:80":  "http://10.0.0.5:80",
	} {
		t.Setenv("FIELDCRM_ADDR", addr)
		if got := defaultURL(); got != want {
			t.Errorf("FIELDCRM_ADDR=%q: %s, want %s", addr, got, want)
		}
	}
}

func grepLines(s, sub string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
