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
