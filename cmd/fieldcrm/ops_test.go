package main

// Operations end to end: /readyz, /metrics, the hot backup over
// /admin/backup, `fieldcrm backup` while serve runs and `fieldcrm restore`.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

const opsToken = "s3cretAdminToken"

func opsGet(t *testing.T, e *e2eEnv, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+e.m.Addr()+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOpsReadyz(t *testing.T) {
	e := e2eStart(t, "", nil)
	e2eWaitUntil(t, "ready", func() bool { code, _ := opsGet(t, e, "/readyz", ""); return code == 200 })
	code, body := opsGet(t, e, "/readyz", "")
	e2eContains(t, "readyz", body, "store: ok", "outbox: ok", "scheduler: ok", "email: off")
	if code != 200 {
		t.Fatalf("readyz %d: %s", code, body)
	}
	// the outbox worker stops: not ready
	e.m.ops.outboxUp.Store(false)
	if code, body := opsGet(t, e, "/readyz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "outbox: FAIL") {
		t.Errorf("readyz with the outbox down: %d %s", code, body)
	}
	e.m.ops.outboxUp.Store(true)
}

func TestOpsMetrics(t *testing.T) {
	e := e2eStart(t, "", nil)
	e.sms(e2eWangPhone, "V acme; met Zhang Wei; demo went well")
	e.sms(e2eWangPhone, "VISTI acme")             // misspelt verb
	e.sms(e2eWangPhone, "OPP acme; stage banana") // verb known, parts not
	e.sms(e2eStranger, "hello")
	_, form := e.form(e2eWangPhone, "TODAY")
	e.smsForm(form)
	e.smsForm(form) // Twilio retries
	e.plan("PLAN wang visit acme fri urgent")
	// the outbox counts a send once it has recorded it, after the API took it
	e2eWaitUntil(t, "the notice counted as sent", func() bool {
		_, body := opsGet(t, e, "/metrics", "")
		return strings.Contains(body, `fieldcrm_messages_out_total{channel="sms",outcome="sent"}`)
	})
	e.m.ops.jobRun("overdue", 12*time.Millisecond, nil) // as the scheduler's OnRun hook reports a run
	code, body := opsGet(t, e, "/metrics", "")
	if code != 200 {
		t.Fatalf("metrics %d", code)
	}
	for _, want := range []string{
		`fieldcrm_messages_in_total{channel="sms",outcome="ok"}`,
		`fieldcrm_messages_in_total{channel="sms",outcome="duplicate"} 1`,
		`fieldcrm_messages_in_total{channel="sms",outcome="unknown_sender"} 1`,
		`fieldcrm_messages_in_total{channel="sms",outcome="parse_error"}`,
		`fieldcrm_parse_errors_total{verb="none"}`,
		`fieldcrm_messages_out_total{channel="sms",outcome="inline"}`,
		`fieldcrm_messages_out_total{channel="sms",outcome="sent"}`,
		`fieldcrm_outbox_entries{state="queued"}`,
		`fieldcrm_outbox_entries{state="sent"}`,
		`fieldcrm_outbox_oldest_pending_seconds`,
		`fieldcrm_message_handle_seconds_bucket{channel="sms"`,
		`fieldcrm_http_request_seconds_bucket{code="200",route="POST /twilio/sms"`,
		`fieldcrm_store_scrape_error 0`,
		`fieldcrm_job_runs_total{job="overdue",result="ok"} 1`,
		`fieldcrm_job_run_seconds_bucket{job="overdue"`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}

// Every log line of a message's path carries its id, and the user's once known.
func TestOpsLogIDs(t *testing.T) {
	e := e2eStart(t, "", nil)
	_, sid := e.sms(e2eWangPhone, "V acme; met Zhang Wei; demo went well")
	for _, line := range strings.Split(e.log.String(), "\n") {
		if strings.Contains(line, sid) && !strings.Contains(line, "user_id=") && !strings.Contains(line, "webhook") {
			t.Errorf("log line of %s without user_id: %s", sid, line)
		}
		if strings.Contains(line, "message handled") && !strings.Contains(line, "msg_id="+sid) {
			t.Errorf("message line without msg_id: %s", line)
		}
	}
}

func TestOpsBackupEndpoint(t *testing.T) {
	t.Setenv(AdminTokenEnv, opsToken)
	e := e2eStart(t, "", nil)
	if code, _ := opsGet(t, e, BackupPath, ""); code != http.StatusUnauthorized {
		t.Errorf("backup without a token: %d", code)
	}
	if code, _ := opsGet(t, e, BackupPath, "wrong"); code != http.StatusUnauthorized {
		t.Errorf("backup with a wrong token: %d", code)
	}
	// `fieldcrm backup` while serve holds the file: taken over HTTP
	dir := t.TempDir()
	out := filepath.Join(dir, "copy.db")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"backup", "--db", e.db, "--url", "http://" + e.m.Addr(), out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("backup: %d %s %s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "running service") {
		t.Errorf("backup did not go through serve: %s", stdout.String())
	}
	want := e2eCounts(t, e.m.Store)
	s, err := crm.Open(out, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := e2eCounts(t, s)
	rep, err := s.Check(false)
	s.Close()
	if err != nil || !rep.OK() {
		t.Errorf("backup check: %+v %v", rep, err)
	}
	if !e2eMapsEqual(got, want) {
		t.Errorf("backup holds %v, the service %v", got, want)
	}
	if _, err := os.Stat(out + ".tmp"); err == nil {
		t.Errorf("backup left its temporary file")
	}
}

func TestOpsBackupDisabledWithoutToken(t *testing.T) {
	t.Setenv(AdminTokenEnv, "")
	e := e2eStart(t, "", nil)
	if code, _ := opsGet(t, e, BackupPath, "anything"); code != http.StatusNotFound {
		t.Errorf("backup with no token configured: %d, want 404", code)
	}
}

func TestOpsRestore(t *testing.T) {
	e := e2eStart(t, "", nil)
	backup := filepath.Join(t.TempDir(), "b.db")
	if _, err := e.m.Store.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	before := e2eCounts(t, e.m.Store)
	e.sms(e2eWangPhone, "V acme; met Zhang Wei; after the backup")

	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"restore", "--db", e.db, backup}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), "in use") {
		t.Fatalf("restore over a running serve: %d %s", code, stderr.String())
	}
	// a damaged backup is refused and changes nothing
	bad := filepath.Join(t.TempDir(), "bad.db")
	os.WriteFile(bad, bytes.Repeat([]byte("x"), 8192), 0o600)

	if err := e.m.Close(); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"restore", "--db", e.db, bad}, &stdout, &stderr); code == 0 {
		t.Fatalf("restore of a damaged file succeeded")
	}
	if _, err := os.Stat(e.db + ".bak"); err == nil {
		t.Fatalf("a refused restore moved the database")
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"restore", "--db", e.db, backup}, &stdout, &stderr); code != 0 {
		t.Fatalf("restore: %d %s", code, stderr.String())
	}
	if _, err := os.Stat(e.db + ".bak"); err != nil {
		t.Errorf("the old database was not kept: %v", err)
	}
	e.run()
	if got := e2eCounts(t, e.m.Store); !e2eMapsEqual(got, before) {
		t.Errorf("after restore %v, want %v", got, before)
	}
}

// Issue 15, point 13: $FIELDCRM_CLOCK sets serve's clock (the crash test runs
// serve at a fixed hour); it moves on with real time; a bad value is refused.
func TestClockEnv(t *testing.T) {
	at := "2026-12-08T06:45:00+08:00"
	env := map[string]string{ClockEnv: at}
	cfg, _, err := ParseConfig("serve", nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want, _ := time.Parse(time.RFC3339, at)
	if cfg.Now == nil {
		t.Fatal("FIELDCRM_CLOCK ignored")
	}
	if got := cfg.Now(); got.Before(want) || got.Sub(want) > 5*time.Second {
		t.Errorf("clock reads %v, want %v", got, want)
	}
	env[ClockEnv] = "06:45"
	if _, _, err := ParseConfig("serve", nil, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("bad FIELDCRM_CLOCK: %v", err)
	}
	delete(env, ClockEnv)
	if cfg, _, _ := ParseConfig("serve", nil, func(k string) string { return env[k] }); cfg.Now != nil {
		t.Error("a clock without FIELDCRM_CLOCK")
	}
}

// Issue 15, point 4: secrets are never printed by --help, and each may come
// from a file (NAME_FILE), as container and systemd deployments give them.
func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	secrets := map[string]string{"TWILIO_AUTH_TOKEN": "tok3nSecretTwilio", AdminTokenEnv: "adminS3cretToken",
		"FIELDCRM_IMAP_PASSWORD": "imapS3cretPass", "FIELDCRM_SMTP_PASSWORD": "smtpS3cretPass"}
	if len(secrets) != len(secretVars) {
		t.Fatalf("the test knows %d secrets, config.go %d", len(secrets), len(secretVars))
	}
	help := func(env map[string]string) (string, *Config, error) {
		c, fs, err := ParseConfig("serve", nil, func(k string) string { return env[k] })
		if err != nil {
			return "", nil, err
		}
		var b bytes.Buffer
		fs.SetOutput(&b)
		fs.PrintDefaults()
		return b.String(), c, nil
	}
	t.Run("FromEnvironment", func(t *testing.T) {
		out, c, err := help(secrets)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range secrets {
			if strings.Contains(out, v) {
				t.Errorf("--help prints %s", name)
			}
		}
		if n := strings.Count(out, "(default <set>)"); n != len(secrets) {
			t.Errorf("%d secrets shown as <set>, want %d:\n%s", n, len(secrets), out)
		}
		if c.TwilioToken != secrets["TWILIO_AUTH_TOKEN"] || c.AdminToken != secrets[AdminTokenEnv] ||
			c.Mail.IMAPPassword != secrets["FIELDCRM_IMAP_PASSWORD"] || c.Mail.SMTPPassword != secrets["FIELDCRM_SMTP_PASSWORD"] {
			t.Errorf("config %+v", c)
		}
	})
	t.Run("FromFiles", func(t *testing.T) {
		env := map[string]string{}
		for name, v := range secrets {
			f := filepath.Join(dir, name)
			os.WriteFile(f, []byte(v+"\n"), 0o600) // as `echo token > file` writes it
			env[name+"_FILE"] = f
		}
		out, c, err := help(env)
		if err != nil {
			t.Fatal(err)
		}
		if c.TwilioToken != secrets["TWILIO_AUTH_TOKEN"] || c.AdminToken != secrets[AdminTokenEnv] ||
			c.Mail.IMAPPassword != secrets["FIELDCRM_IMAP_PASSWORD"] || c.Mail.SMTPPassword != secrets["FIELDCRM_SMTP_PASSWORD"] {
			t.Errorf("config %+v", c)
		}
		for name, v := range secrets {
			if strings.Contains(out, v) {
				t.Errorf("--help prints %s", name)
			}
		}
	})
	t.Run("ErrBoth", func(t *testing.T) {
		f := filepath.Join(dir, "tok")
		os.WriteFile(f, []byte("abc"), 0o600)
		_, _, err := help(map[string]string{"TWILIO_AUTH_TOKEN": "abc", "TWILIO_AUTH_TOKEN_FILE": f})
		if err == nil || !strings.Contains(err.Error(), "both TWILIO_AUTH_TOKEN and TWILIO_AUTH_TOKEN_FILE") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("ErrMissingFile", func(t *testing.T) {
		_, _, err := help(map[string]string{"FIELDCRM_SMTP_PASSWORD_FILE": filepath.Join(dir, "nope")})
		if err == nil || !strings.Contains(err.Error(), "FIELDCRM_SMTP_PASSWORD_FILE") || !strings.Contains(err.Error(), "no such file") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("ErrEmptyFile", func(t *testing.T) {
		f := filepath.Join(dir, "empty")
		os.WriteFile(f, []byte("\n"), 0o600)
		_, _, err := help(map[string]string{"TWILIO_AUTH_TOKEN_FILE": f})
		if err == nil || !strings.Contains(err.Error(), "is empty") {
			t.Errorf("got %v", err)
		}
	})
	// the admin token from a file opens /admin/backup of the real Main, and
	// `fieldcrm backup` reads the same file
	t.Run("AdminTokenFile", func(t *testing.T) {
		f := filepath.Join(dir, "admin")
		os.WriteFile(f, []byte(opsToken+"\n"), 0o600)
		t.Setenv(AdminTokenEnv, "")
		t.Setenv(AdminTokenEnv+"_FILE", f)
		e := e2eStart(t, "", nil)
		if code, _ := opsGet(t, e, BackupPath, opsToken); code != http.StatusOK {
			t.Errorf("backup with the token from the file: %d", code)
		}
		out := filepath.Join(t.TempDir(), "copy.db")
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"backup", "--db", e.db, "--url", "http://" + e.m.Addr(), out}, &stdout, &stderr); code != 0 ||
			!strings.Contains(stdout.String(), "running service") {
			t.Errorf("backup: %d %s %s", code, stdout.String(), stderr.String())
		}
	})
}
