package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

// recipeCommands returns the commands of the README's fenced block that
// follows the marker "<!-- recipe: NAME", one line each.
func recipeCommands(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "<!-- recipe: "+name)
	if i < 0 {
		t.Fatalf("README.md has no recipe %q", name)
	}
	s = s[i:]
	start := strings.Index(s, "```sh\n")
	if start < 0 {
		t.Fatalf("recipe %q: no ```sh block after the marker", name)
	}
	s = s[start+len("```sh\n"):]
	end := strings.Index(s, "```")
	var cmds []string
	for _, l := range strings.Split(s[:end], "\n") {
		if l = strings.TrimSpace(l); l != "" {
			cmds = append(cmds, l)
		}
	}
	return cmds
}

// shellCmd is one line of a recipe as sh reads it (only what recipes use:
// VAR=value prefixes, quotes, "< file", a trailing "&", "# comments").
type shellCmd struct {
	env        []string
	args       []string
	stdin      string
	background bool
}

func parseShell(t *testing.T, line string) shellCmd {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		case r == '#' && !inWord:
			goto done
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
done:
	if quote != 0 {
		t.Fatalf("unclosed quote in %q", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	var c shellCmd
	for len(words) > 0 && regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`).MatchString(words[0]) {
		c.env, words = append(c.env, words[0]), words[1:]
	}
	if n := len(words); n > 0 && words[n-1] == "&" {
		c.background, words = true, words[:n-1]
	}
	for i := 0; i < len(words); i++ {
		if words[i] == "<" && i+1 < len(words) {
			c.stdin = words[i+1]
			words = append(words[:i], words[i+2:]...)
			i--
		}
	}
	c.args = words
	return c
}

// TestConsoleRecipe runs the README's "serve without a Twilio account"
// commands as written: the built binary, serve with FIELDCRM_SMS=console on
// loopback, and `fieldcrm webhook` signing as Twilio does. The manager's
// PLAN is answered in TwiML, and serve's log shows the notice to Wang.
// Only the port (a free one for 8080) and the clock (a Tuesday, 10:30 in
// Shanghai, out of quiet hours) are the test's.
func TestConsoleRecipe(t *testing.T) {
	bin := opsBinary(t)
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FIELDCRM_") && !strings.HasPrefix(kv, "TWILIO_") {
			env = append(env, kv)
		}
	}
	env = append(env, ClockEnv+"=2026-12-08T10:30:00+08:00", "FIELDCRM_ADDR="+addr)

	cmds := recipeCommands(t, "console")
	if len(cmds) < 3 || len(cmds) > 5 {
		t.Fatalf("the recipe has %d commands, want 3 to 5: %q", len(cmds), cmds)
	}
	var serveLog e2eLog
	var serve *exec.Cmd
	var reply string
	for _, line := range cmds {
		c := parseShell(t, line)
		if strings.Join(c.args, " ") == "go build ./cmd/fieldcrm" {
			if err := os.Symlink(bin, filepath.Join(dir, "fieldcrm")); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if len(c.args) == 0 || c.args[0] != "./fieldcrm" {
			t.Fatalf("recipe line %q: not a ./fieldcrm command", line)
		}
		args := c.args[1:]
		for i, a := range args {
			args[i] = strings.ReplaceAll(a, "127.0.0.1:8080", addr)
		}
		cmd := exec.Command(filepath.Join(dir, "fieldcrm"), args...)
		cmd.Dir = dir
		cmd.Env = append(append([]string(nil), env...), c.env...)
		if c.stdin != "" {
			f, err := os.Open(c.stdin)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cmd.Stdin = f
		}
		if c.background {
			if args[0] != "serve" {
				t.Fatalf("recipe line %q: only serve runs in the background", line)
			}
			cmd.Stdout, cmd.Stderr = &serveLog, &serveLog
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			serve = cmd
			var waitErr error
			exited := make(chan struct{})
			go func() { waitErr = cmd.Wait(); close(exited) }()
			t.Cleanup(func() {
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
					if waitErr != nil {
						t.Errorf("serve ended with %v", waitErr)
					}
				case <-time.After(15 * time.Second):
					cmd.Process.Kill()
					t.Errorf("serve did not stop on SIGTERM")
				}
				if t.Failed() {
					t.Logf("serve's log:\n%s", serveLog.String())
				}
			})
			deadline := time.Now().Add(15 * time.Second)
			for {
				resp, err := http.Get("http://" + addr + "/healthz")
				if err == nil {
					resp.Body.Close()
					break
				}
				select {
				case <-exited:
					t.Fatalf("serve ended at start: %v\n%s", waitErr, serveLog.String())
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("serve does not answer on %s: %v\n%s", addr, err, serveLog.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			continue
		}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", line, err, out.String(), errb.String())
		}
		if args[0] == "webhook" {
			reply = e2eTwiML(t, out.String())
		}
	}
	if serve == nil {
		t.Fatal("the recipe starts no serve")
	}
	if !regexp.MustCompile(`^OK planned #\d+ visit ACME Mining Fri 11/12, urgent, for Wang Jun \(told\): bring brochure\. UNDO to undo$`).MatchString(reply) {
		t.Errorf("TwiML reply to Liu: %q", reply)
	}
	notice := regexp.MustCompile(`level=INFO msg="SMS \(console: printed, not sent\)" part=sms-console to=\+8613800000002 user_id=2 segments=1 ` +
		`encoding=GSM-7 provider_id=CONSOLE\d{6} body="Liu Yang assigned you #\d+ visit ACME Mining Fri 11/12, urgent: bring brochure\. DONE #\d+ or REJECT #\d+ <reason>"`)
	e2eWaitUntil(t, "serve logs the notice to Wang", func() bool { return notice.MatchString(serveLog.String()) })
	e2eContains(t, "serve's log", serveLog.String(), "FIELDCRM_SMS=console: SMS are printed to this log, not sent; try: fieldcrm webhook --url http://"+addr)
}

// Console mode needs no Twilio account, but with the public default token
// it listens on loopback only; FIELDCRM_SMS takes two values.
func TestConsoleConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // "" valid
	}{
		{"console, loopback", map[string]string{"FIELDCRM_SMS": "console"}, ""},
		{"console, every interface", map[string]string{"FIELDCRM_SMS": "console", "FIELDCRM_ADDR": "0.0.0.0:8080"},
			`without TWILIO_AUTH_TOKEN takes webhooks signed with the public token "console": listen on loopback`},
		{"console with a token, every interface", map[string]string{"FIELDCRM_SMS": "console", "FIELDCRM_ADDR": "0.0.0.0:8080",
			"TWILIO_AUTH_TOKEN": "s3cret"}, ""},
		{"twilio needs its account", map[string]string{}, "TWILIO_ACCOUNT_SID is missing"},
		{"unknown", map[string]string{"FIELDCRM_SMS": "aliyn"}, `FIELDCRM_SMS must be twilio or console (printed to the log, nothing sent), not "aliyn"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := ParseConfig("serve", nil, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want a refusal saying %q", err, tc.want)
			}
			if tc.want == "" && cfg.TwilioToken == "" {
				t.Errorf("no token to check webhooks with")
			}
		})
	}
}

// fieldcrm webhook against a serve configured for Twilio: signed with the
// right token it is answered; with another, the 403 is explained and the
// message changes nothing; -h never shows the token.
func TestWebhookCommand(t *testing.T) {
	e := e2eStart(t, "", nil)
	before := e2eCounts(t, e.m.Store)
	out, errs, code := jobRun(t, "webhook", "--url", e.public(), "--token", "wrong0token", "--from", e2eWangPhone, "V acme; met Zhang Wei")
	if code != 1 || out != "" {
		t.Errorf("wrong token: exit %d, stdout %q", code, out)
	}
	e2eContains(t, "wrong token", errs, "fieldcrm webhook: 403 Forbidden: bad signature",
		"The signature was refused: serve checks it with its TWILIO_AUTH_TOKEN over its FIELDCRM_PUBLIC_URL/twilio/sms")
	if after := e2eCounts(t, e.m.Store); !e2eMapsEqual(before, after) {
		t.Errorf("a refused webhook changed the store: %v → %v", before, after)
	}
	out, errs, code = jobRun(t, "webhook", "--url", e.public()+"/", "--token", twiliotest.AuthToken, "--to", e2eOurNumber,
		"--sid", "SM0000000000000000000000000000cli1", "--from", e2eWangPhone, "V acme; met Zhang Wei")
	if code != 0 {
		t.Fatalf("webhook: exit %d: %s", code, errs)
	}
	reply := e2eTwiML(t, out)
	if !strings.HasPrefix(reply, "OK visit #") || !strings.Contains(reply, "ACME Mining, Zhang Wei") {
		t.Errorf("reply: %q", reply)
	}
	// the same MessageSid again: Twilio's retry, answered the same, applied once
	out2, _, _ := jobRun(t, "webhook", "--url", e.public(), "--token", twiliotest.AuthToken,
		"--sid", "SM0000000000000000000000000000cli1", "--from", e2eWangPhone, "V acme; met Zhang Wei")
	if e2eTwiML(t, out2) != reply {
		t.Errorf("retried webhook answered %q, first %q", out2, reply)
	}
	if _, errs, code := jobRun(t, "webhook", "--url", "http://127.0.0.1:1", "--from", e2eWangPhone, "TODAY"); code != 1 ||
		!strings.Contains(errs, "nothing answers at 127.0.0.1:1: is serve running there?") {
		t.Errorf("no serve: exit %d %q", code, errs)
	}
	t.Setenv("TWILIO_AUTH_TOKEN", "s3cretTok3n")
	out, errs, code = jobRun(t, "webhook", "-h")
	if code != 0 || strings.Contains(out+errs, "s3cretTok3n") || !strings.Contains(out+errs, "-token TOKEN") {
		t.Errorf("webhook -h: exit %d, shows the token or lacks the flag:\n%s%s", code, out, errs)
	}
}
