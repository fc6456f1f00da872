package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

// server is `fieldcrm serve` as a child process on a fixed loopback address
// and database file, so that it can be SIGKILLed and started again on the
// same file.
type server struct {
	bin, db, addr, apiURL string
	logPath               string
	now                   func() time.Time // the run's clock: $FIELDCRM_CLOCK at each start
	extraEnv              []string         // more of serve's settings (Main.Env)

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
	log  *os.File
}

// buildBinary builds ./cmd/fieldcrm from the module root into dir.
func buildBinary(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "fieldcrm")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/fieldcrm")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/fieldcrm: %w", err)
	}
	return bin, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the fieldcrm module (go env GOMOD is empty)")
	}
	return filepath.Dir(mod), nil
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (s *server) env() []string {
	return append(append(os.Environ(),
		"FIELDCRM_DB="+s.db,
		"FIELDCRM_ADDR="+s.addr,
		"FIELDCRM_PUBLIC_URL="+publicURL,
		"FIELDCRM_LOG_LEVEL=warn",
		"TWILIO_ACCOUNT_SID="+twiliotest.AccountSID,
		"TWILIO_AUTH_TOKEN="+twiliotest.AuthToken,
		"FIELDCRM_TWILIO_FROM="+ourNumber,
		"FIELDCRM_TWILIO_API_URL="+s.apiURL,
		"FIELDCRM_SMS_RATE=10000",
		"FIELDCRM_CLOCK="+s.now().Format(time.RFC3339Nano),
	), s.extraEnv...)
}

// start runs serve and waits until /healthz answers.
func (s *server) start() error {
	if s.log == nil {
		f, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		s.log = f
	}
	fmt.Fprintf(s.log, "==== harness: start serve at %s\n", time.Now().Format(time.RFC3339Nano))
	s.cmd = exec.Command(s.bin, "serve")
	s.cmd.Env = s.env()
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("serve exited at start (%v); see %s", s.cmd.ProcessState, s.logPath)
		default:
		}
		if resp, err := c.Get("http://" + s.addr + "/healthz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.kill()
	return fmt.Errorf("serve not healthy after 30 s; see %s", s.logPath)
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// kill is kill -9, and waits for the process to be gone.
func (s *server) kill() {
	fmt.Fprintf(s.log, "==== harness: kill -9 at %s\n", time.Now().Format(time.RFC3339Nano))
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop is SIGTERM (graceful shutdown), then SIGKILL after 30 s.
func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.kill()
		return errors.New("serve did not stop within 30 s of SIGTERM")
	}
	if !s.cmd.ProcessState.Success() {
		return fmt.Errorf("serve: %v; see %s", s.cmd.ProcessState, s.logPath)
	}
	return nil
}

func (s *server) close() {
	if s.cmd != nil && s.cmd.ProcessState == nil {
		s.kill()
	}
	if s.log != nil {
		s.log.Close()
	}
}

// rss reads VmRSS and VmHWM (kB) of pid from /proc.
func rss(pid int) (vmRSS, vmHWM int) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		switch k {
		case "VmRSS":
			vmRSS = n
		case "VmHWM":
			vmHWM = n
		}
	}
	return vmRSS, vmHWM
}

var (
	reOutboxGauge = regexp.MustCompile(`(?m)^fieldcrm_outbox_entries\{state="(queued|sending)"\} (\S+)$`)
	reHeldGauge   = regexp.MustCompile(`(?m)^fieldcrm_outbox_held_entries (\S+)$`)
)

// pending reads from /metrics how many outbox entries are queued or sending,
// leaving out those held for later (quiet hours): they are not due.
func (s *server) pending() (int, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + s.addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range reOutboxGauge.FindAllStringSubmatch(string(b), -1) {
		f, _ := strconv.ParseFloat(m[2], 64)
		n += int(f)
	}
	if m := reHeldGauge.FindStringSubmatch(string(b)); m != nil {
		f, _ := strconv.ParseFloat(m[1], 64)
		n -= int(f)
	}
	return n, nil
}

// startAll starts the nodes one after the other.
func startAll(srvs []*server) error {
	for _, s := range srvs {
		if err := s.start(); err != nil {
			return err
		}
	}
	return nil
}

// stopAll stops every node at once (SIGTERM) and waits for all of them.
func stopAll(srvs []*server) error {
	errs := make([]error, len(srvs))
	var wg sync.WaitGroup
	for i, s := range srvs {
		wg.Go(func() { errs[i] = s.stop() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pendingAll is the largest count of due outbox entries any node reports:
// zero only when every node answers zero.
func pendingAll(srvs []*server) (int, error) {
	most := 0
	for _, s := range srvs {
		n, err := s.pending()
		if err != nil {
			return -1, fmt.Errorf("%s: %w", s.addr, err)
		}
		most = max(most, n)
	}
	return most, nil
}
