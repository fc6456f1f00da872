package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// opsValue is the value of one series (name with its labels, as exposed).
func opsValue(t *testing.T, body, series string) (float64, bool) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v, true
}

// The series alerts are written on exist at 0 from the first scrape, so an
// increase() sees the first event after a restart; and a message held for
// quiet hours is counted as held, not as late.
func TestOpsMetricsAtStart(t *testing.T) {
	e := e2eStart(t, "", nil)
	_, body := opsGet(t, e, "/metrics", "")
	for _, series := range []string{
		`fieldcrm_messages_out_total{channel="sms",outcome="dead"}`,
		`fieldcrm_messages_out_total{channel="sms",outcome="failed"}`,
		`fieldcrm_messages_out_total{channel="email",outcome="dead"}`,
		`fieldcrm_messages_out_total{channel="sms",outcome="sent"}`,
		`fieldcrm_messages_in_total{channel="sms",outcome="error"}`,
		`fieldcrm_messages_in_total{channel="email",outcome="unknown_sender"}`,
		`fieldcrm_email_in_total{outcome="unverified"}`,
		`fieldcrm_parse_errors_total{verb="none"}`,
		`fieldcrm_parse_errors_total{verb="visit"}`,
		`fieldcrm_delivery_status_total{status="undelivered"}`,
		`fieldcrm_backups_total{result="error"}`,
		`fieldcrm_job_runs_total{job="summary",result="error"}`,
		`fieldcrm_job_runs_total{job="prune",result="error"}`,
		`fieldcrm_message_handle_seconds_count{channel="sms"}`,
		`fieldcrm_outbox_due_entries`,
		`fieldcrm_outbox_oldest_pending_seconds`,
		`fieldcrm_outbox_held_entries`,
		`fieldcrm_outbox_oldest_held_seconds`,
		`fieldcrm_store_write_failures_total`,
	} {
		if v, ok := opsValue(t, body, series); !ok || v != 0 {
			t.Errorf("right after start %s = %v (present %v), want 0", series, v, ok)
		}
	}

	// every series the README's alerts select exists from the start
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	alerts := string(readme)[strings.Index(string(readme), "Worth alerting on"):]
	table := strings.Index(alerts, "| alert |")
	alerts = alerts[:table+strings.Index(alerts[table:], "\n\n")]
	sel := regexp.MustCompile(`(fieldcrm_[a-z_]+)(?:\{([^}]*)\})?`)
	n := 0
	for _, m := range sel.FindAllStringSubmatch(alerts, -1) {
		name, labels := m[1], m[2]
		if name == "fieldcrm_job_last_run_failed" {
			continue // a job's last run exists once it ran
		}
		n++
		found := false
		for _, l := range strings.Split(body, "\n") {
			if !strings.HasPrefix(l, name+" ") && !strings.HasPrefix(l, name+"{") {
				continue
			}
			found = true
			for _, lv := range strings.Split(labels, ",") {
				if lv != "" && !strings.Contains(l, lv) {
					found = false
				}
			}
			if found {
				break
			}
		}
		if !found && !(onPostgres() && strings.Contains(m[0], "_free_")) { // PostgreSQL's disk is the server's
			t.Errorf("README alert selects %s: no such series at start", m[0])
		}
	}
	if n < 6 {
		t.Errorf("found %d alert selectors in the README, want the table's", n)
	}

	// a summary queued an hour ago, held for quiet hours for 9 more hours
	now := e.clock.Now()
	held := &outbox.Entry{Channel: outbox.ChannelSMS, To: e2eWangPhone, UserID: e.team.Wang, Body: "Good morning!",
		Key: "test|held", NotBefore: now.Add(9 * time.Hour)}
	if _, _, err := outbox.EnqueueDB(e.m.Store.Engine(), held, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, body = opsGet(t, e, "/metrics", "")
	for series, want := range map[string]float64{
		"fieldcrm_outbox_held_entries":            1,
		"fieldcrm_outbox_due_entries":             0,
		"fieldcrm_outbox_oldest_pending_seconds":  0,
		`fieldcrm_outbox_entries{state="queued"}`: 1,
	} {
		if v, _ := opsValue(t, body, series); v != want {
			t.Errorf("with a held message %s = %v, want %v", series, v, want)
		}
	}
	if v, _ := opsValue(t, body, "fieldcrm_outbox_oldest_held_seconds"); v < 3600 || v > 3600+60 {
		t.Errorf("fieldcrm_outbox_oldest_held_seconds = %v, want the hour since it was queued", v)
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", opsGrep(body, "fieldcrm_outbox_"))
	}
}
