package main

// Operations end to end: /readyz, /metrics, the hot backup over
// /admin/backup, `fieldcrm backup` while serve runs and `fieldcrm restore`.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
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
	e.sms(e2eWangPhone, "VISTO acme")             // misspelt verb, too far to be sure
	e.sms(e2eWangPhone, "OPP acme; stage banana") // verb known, parts not
	e.sms(e2eStranger, "hello")
	_, form := e.form(e2eWangPhone, "TODAY")
	e.smsForm(form)
	e.smsForm(form) // Twilio retries
	e.plan("PLAN wang visit acme fri urgent")
	// the outbox counts a send once it has recorded it, after the API took it
	e2eWaitUntil(t, "the notice counted as sent", func() bool {
		_, body := opsGet(t, e, "/metrics", "")
		// the series exists at 0 from the start (opsseries.go): wait for 1
		return strings.Contains(body, `fieldcrm_messages_out_total{channel="sms",outcome="sent"} 1`+"\n")
	})
	e.m.ops.jobRun("overdue", 12*time.Millisecond, nil) // as the scheduler's OnRun hook reports a run
	code, body := opsGet(t, e, "/metrics", "")
	if code != 200 {
		t.Fatalf("metrics %d", code)
	}
	for _, want := range []string{
		`fieldcrm_messages_in_total{channel="sms",outcome="ok"} 3`,
		`fieldcrm_messages_in_total{channel="sms",outcome="duplicate"} 1`,
		`fieldcrm_messages_in_total{channel="sms",outcome="unknown_sender"} 1`,
		`fieldcrm_messages_in_total{channel="sms",outcome="parse_error"} 2`,
		`fieldcrm_parse_errors_total{verb="none"} 1`,
		`fieldcrm_parse_errors_total{verb="opp"} 1`,
		`fieldcrm_messages_out_total{channel="sms",outcome="inline"} 6`,
		`fieldcrm_messages_out_total{channel="sms",outcome="sent"} 1`,
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
	boltOnly(t)
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
	s, err := openDB(out, crm.Options{})
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
	boltOnly(t)
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
		"FIELDCRM_IMAP_PASSWORD": "imapS3cretPass", "FIELDCRM_SMTP_PASSWORD": "smtpS3cretPass",
		"FIELDCRM_ALIYUN_ACCESS_KEY_SECRET": "aliS3cretKey", "FIELDCRM_ALIYUN_CALLBACK_SECRET": "aliCallbackS3cret"}
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
			c.Mail.IMAPPassword != secrets["FIELDCRM_IMAP_PASSWORD"] || c.Mail.SMTPPassword != secrets["FIELDCRM_SMTP_PASSWORD"] ||
			c.Aliyun.AccessKeySecret != secrets["FIELDCRM_ALIYUN_ACCESS_KEY_SECRET"] || c.Aliyun.CallbackSecret != secrets["FIELDCRM_ALIYUN_CALLBACK_SECRET"] {
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
			c.Mail.IMAPPassword != secrets["FIELDCRM_IMAP_PASSWORD"] || c.Mail.SMTPPassword != secrets["FIELDCRM_SMTP_PASSWORD"] ||
			c.Aliyun.AccessKeySecret != secrets["FIELDCRM_ALIYUN_ACCESS_KEY_SECRET"] || c.Aliyun.CallbackSecret != secrets["FIELDCRM_ALIYUN_CALLBACK_SECRET"] {
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
		boltOnly(t) // backup is the bbolt file's
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

// ---- issue 15, points 8, 9 and 10: files the commands did not write ----

var opsBin struct {
	once sync.Once
	path string
	err  error
}

// TestMain removes the binary opsBinary built.
func TestMain(m *testing.M) {
	code := m.Run()
	if opsBin.path != "" {
		os.RemoveAll(filepath.Dir(opsBin.path))
	}
	os.Exit(code)
}

// opsBinary builds the fieldcrm binary once: restore and backup are cases
// where the process itself must not die.
func opsBinary(t *testing.T) string {
	t.Helper()
	opsBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "fieldcrm-bin-")
		if err != nil {
			opsBin.err = err
			return
		}
		opsBin.path = filepath.Join(dir, "fieldcrm")
		out, err := exec.Command("go", "build", "-o", opsBin.path, ".").CombinedOutput()
		if err != nil {
			opsBin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if opsBin.err != nil {
		t.Fatal(opsBin.err)
	}
	return opsBin.path
}

// opsExec runs the built binary; env adds to the test's environment.
func opsExec(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(opsBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

func opsSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "missing"
	} else if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func opsDirList(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// Every command that opens a file it did not write refuses a damaged one
// with a sentence: no crash (a fault in bbolt kills the process, which is
// why restore and backup run as the real binary), nothing left behind, the
// file and the target unchanged.
func TestOpsDamagedFiles(t *testing.T) {
	good := e2eDemoDB(t)
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) < 64<<10 {
		t.Fatalf("the demo database is only %d bytes", len(whole))
	}
	midPages := bytes.Clone(whole)
	for i := 3 * 4096; i < 9*4096; i++ { // pages 3 to 8: some of them hold the tree
		midPages[i] = byte(i * 131)
	}
	files := []struct {
		name string
		data []byte
		want string // in the refusal
	}{
		{"CutShort", whole[:24576], "cut short"}, // a download killed after 24 KB, as in the issue
		{"CutMidPage", whole[:len(whole)/2+100], "not a whole number of"},
		{"Garbage", bytes.Repeat([]byte("x"), 8192), "not a fieldcrm database"},
		{"Empty", nil, "empty"},
		{"DamagedPages", midPages, "damaged inside"},
	}
	type command struct {
		name   string
		binary bool
		args   func(file, dir string) []string
	}
	commands := []command{
		{"check", false, func(f, _ string) []string { return []string{"check", "--db", f} }},
		{"checkRepair", false, func(f, _ string) []string { return []string{"check", "--repair", "--db", f} }},
		{"export", false, func(f, dir string) []string {
			return []string{"export", "accounts", "--db", f, "-o", filepath.Join(dir, "out.csv")}
		}},
		{"report", false, func(f, _ string) []string { return []string{"report", "funnel", "--db", f} }},
		{"userList", false, func(f, _ string) []string { return []string{"user", "list", "--db", f} }},
		{"jobsList", false, func(f, _ string) []string { return []string{"jobs", "list", "--db", f} }},
		{"restore", true, func(f, dir string) []string { return []string{"restore", "--db", filepath.Join(dir, "target.db"), f} }},
		{"backup", true, func(f, dir string) []string { return []string{"backup", "--db", f, filepath.Join(dir, "copy.db")} }},
	}
	for _, fc := range files {
		for _, c := range commands {
			t.Run(fc.name+"/"+c.name, func(t *testing.T) {
				dir := t.TempDir()
				file := filepath.Join(dir, "in.db")
				if err := os.WriteFile(file, fc.data, 0o600); err != nil {
					t.Fatal(err)
				}
				target := filepath.Join(dir, "target.db")
				if err := os.WriteFile(target, whole, 0o600); err != nil { // restore's database, which must stay
					t.Fatal(err)
				}
				before := opsDirList(t, dir)
				sumIn, sumTarget := opsSum(t, file), opsSum(t, target)
				var errOut string
				var code int
				if c.binary {
					_, errOut, code = opsExec(t, nil, c.args(file, dir)...)
				} else {
					_, errOut, code = runCmd(t, c.args(file, dir)...)
				}
				if code != 1 {
					t.Errorf("exit %d, want 1: %s", code, errOut)
				}
				if !strings.Contains(errOut, fc.want) || strings.Contains(errOut, "goroutine") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
					t.Errorf("want one line saying %q, got:\n%s", fc.want, errOut)
				}
				if after := opsDirList(t, dir); !slices.Equal(after, before) {
					t.Errorf("files before %v, after %v", before, after)
				}
				if opsSum(t, file) != sumIn || opsSum(t, target) != sumTarget {
					t.Errorf("a refused command changed a file")
				}
			})
		}
	}
	// and the whole file still works with each of them
	t.Run("Whole", func(t *testing.T) {
		dir := t.TempDir()
		if out, errOut, code := opsExec(t, nil, "restore", "--db", filepath.Join(dir, "target.db"), good); code != 0 {
			t.Fatalf("restore of a good backup: %d %s %s", code, out, errOut)
		}
		if out, errOut, code := runCmd(t, "check", "--db", filepath.Join(dir, "target.db")); code != 0 || !strings.HasSuffix(out, "ok\n") {
			t.Errorf("check: %d %s %s", code, out, errOut)
		}
	})
}

// A command that needs a database never creates one: a typo'd --db is
// refused, says so, and leaves no file (issue 14 point 13, issue 15 point 10).
func TestOpsMissingDatabase(t *testing.T) {
	cases := []struct {
		name   string
		binary bool
		args   func(db, dir string) []string
	}{
		{"export", false, func(db, dir string) []string {
			return []string{"export", "accounts", "--db", db, "-o", filepath.Join(dir, "a.csv")}
		}},
		{"check", false, func(db, _ string) []string { return []string{"check", "--db", db} }},
		{"checkRepair", false, func(db, _ string) []string { return []string{"check", "--repair", "--db", db} }},
		{"report", false, func(db, _ string) []string { return []string{"report", "funnel", "--db", db} }},
		{"jobsList", false, func(db, _ string) []string { return []string{"jobs", "list", "--db", db} }},
		{"jobsRun", false, func(db, _ string) []string { return []string{"jobs", "run", "summary", "--db", db} }},
		{"userList", false, func(db, _ string) []string { return []string{"user", "list", "--db", db} }},
		{"userSet", false, func(db, _ string) []string { return []string{"user", "set", "1", "--name", "Wang", "--db", db} }},
		{"campaignList", false, func(db, _ string) []string { return []string{"campaign", "list", "--db", db} }},
		{"backup", true, func(db, dir string) []string { return []string{"backup", "--db", db, filepath.Join(dir, "b.db")} }},
		{"backupEnv", true, func(db, dir string) []string { return []string{"backup", filepath.Join(dir, "b.db")} }}, // $FIELDCRM_DB
		{"restoreFromMissing", true, func(db, dir string) []string { return []string{"restore", "--db", filepath.Join(dir, "t.db"), db} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "fieldcmr.db") // the typo
			var out, errOut string
			var code int
			if c.binary {
				out, errOut, code = opsExec(t, []string{"FIELDCRM_DB=" + db}, c.args(db, dir)...)
			} else {
				out, errOut, code = runCmd(t, c.args(db, dir)...)
			}
			if code != 1 || !strings.Contains(errOut, "does not exist") || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			if files := opsDirList(t, dir); len(files) != 0 {
				t.Errorf("left %v", files)
			}
		})
	}
}

// `fieldcrm backup` from a serve that stalls ends with exit 1 and a
// sentence, within its timeout, and leaves nothing (issue 15, point 9).
func TestOpsBackupStalled(t *testing.T) {
	db := e2eDemoDB(t)
	held, err := openDB(db, crm.Options{}) // "serve" holds the file: backup goes over HTTP
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	release := make(chan struct{})
	defer close(release)
	stall := func(w http.ResponseWriter, r *http.Request, headers, bytes bool) {
		if headers {
			w.Header().Set("Content-Length", "1048576")
			w.WriteHeader(http.StatusOK)
			if bytes {
				w.Write(make([]byte, 4096))
			}
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"NoHeaders", func(w http.ResponseWriter, r *http.Request) { stall(w, r, false, false) }, "no answer within 500ms"},
		{"HeadersThenNothing", func(w http.ResponseWriter, r *http.Request) { stall(w, r, true, false) }, "no data for 500ms"},
		{"StallsMidway", func(w http.ResponseWriter, r *http.Request) { stall(w, r, true, true) }, "after 4096 bytes: no data for 500ms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			dir := t.TempDir()
			out := filepath.Join(dir, "b.db")
			start := time.Now()
			_, errOut, code := opsExec(t, []string{AdminTokenEnv + "=" + opsToken}, "backup", "--db", db, "--url", srv.URL, "--timeout", "500ms", out)
			took := time.Since(start)
			if code != 1 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d: %s", code, errOut)
			}
			if took > 10*time.Second {
				t.Errorf("took %v", took)
			}
			if files := opsDirList(t, dir); len(files) != 0 {
				t.Errorf("left %v", files)
			}
		})
	}
	t.Run("NotListening", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		dir := t.TempDir()
		_, errOut, code := opsExec(t, []string{AdminTokenEnv + "=" + opsToken}, "backup", "--db", db, "--url", "http://"+addr, filepath.Join(dir, "b.db"))
		if code != 1 || !strings.Contains(errOut, "connection refused") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
}

// Issue 15, point 12: a full disk, for real: the database on a 4 MB tmpfs
// that a filler file fills up. Messages that cannot be stored are answered
// 500 (Twilio retries) and change nothing; /readyz says the store is
// failing and why; the metrics count the failed commits and show the low
// free space, which was warned of before; when space comes back, Twilio's
// retry of the same message is stored once. It mounts a tmpfs, so it runs
// only as root with FIELDCRM_DISK_TEST=1.
func TestOpsFullDisk(t *testing.T) {
	if os.Getenv("FIELDCRM_DISK_TEST") == "" || os.Geteuid() != 0 {
		t.Skip("set FIELDCRM_DISK_TEST=1 and run as root (mounts a 4 MB tmpfs)")
	}
	mnt := filepath.Join(t.TempDir(), "disk")
	os.Mkdir(mnt, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })

	e := &e2eEnv{t: t, db: filepath.Join(mnt, "crm.db"), api: twiliotest.NewServer(t), clock: e2eNewClock(),
		tweak: func(c *Config, _ *Main) { c.MinFree = 1 << 20 }}
	e.run()
	e.team = e2eSeedTeam(t, e.m.Store)
	if code, body := opsGet(t, e, "/readyz", ""); code != 200 {
		t.Fatalf("readyz before: %d %s", code, body)
	}

	// fill the disk
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	e.m.ops.disk.check(e.clock.Now()) // the minute's check, now
	if !strings.Contains(e.log.String(), "disk space low") {
		t.Errorf("no warning of low disk space in the log")
	}
	if _, m := opsGet(t, e, "/metrics", ""); !strings.Contains(m, "fieldcrm_store_free_space_low 1") {
		t.Errorf("metrics without the low free space:\n%s", opsGrep(m, "fieldcrm_store_"))
	}

	// messages until one cannot be stored
	note := strings.Repeat("the customer wants a quote for two loaders and a grader; ", 20)
	var failed url.Values
	for i := range 400 {
		_, form := e.form(e2eWangPhone, fmt.Sprintf("V acme; met Zhang Wei; %d %s", i, note))
		before := e2eCounts(t, e.m.Store)
		code, body := e.post(twilio.SMSPath, form, e.sign(twilio.SMSPath, form))
		if code == http.StatusOK {
			continue
		}
		if code != http.StatusInternalServerError {
			t.Fatalf("message %d on a full disk: %d %s", i, code, body)
		}
		if after := e2eCounts(t, e.m.Store); !e2eMapsEqual(before, after) {
			t.Errorf("a message answered 500 changed the store: %v → %v", before, after)
		}
		failed = form
		break
	}
	if failed == nil {
		t.Fatal("400 messages stored on a full 4 MB disk: the disk never filled")
	}
	code, body := opsGet(t, e, "/readyz", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "store: FAIL (writes failing since") ||
		!strings.Contains(body, "no space left on device") || !strings.Contains(body, "disk space low") {
		t.Errorf("readyz on a full disk: %d\n%s", code, body)
	}
	_, m := opsGet(t, e, "/metrics", "")
	if !strings.Contains(m, "fieldcrm_store_writes_failing 1") || strings.Contains(m, "fieldcrm_store_write_failures_total 0\n") {
		t.Errorf("metrics on a full disk:\n%s", opsGrep(m, "fieldcrm_store_"))
	}

	// space again: Twilio's retry of the same message is stored, once
	os.Remove(filler)
	before := e2eCounts(t, e.m.Store)
	if code, body := e.post(twilio.SMSPath, failed, e.sign(twilio.SMSPath, failed)); code != http.StatusOK || !strings.Contains(body, "OK visit") {
		t.Fatalf("the retry after space came back: %d %s", code, body)
	}
	if after := e2eCounts(t, e.m.Store); after["activity"] != before["activity"]+1 {
		t.Errorf("the retry stored %d activities", after["activity"]-before["activity"])
	}
	if code, body := opsGet(t, e, "/readyz", ""); code != 200 {
		t.Errorf("readyz after space came back: %d %s", code, body)
	}
}

// opsGrep keeps the lines of s that contain sub.
func opsGrep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
