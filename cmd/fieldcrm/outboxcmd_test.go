package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

const (
	obWang = "+8613900000002"
	obLi   = "+8613900000003"
)

// obTestDB is a database with two salesmen, each with a visit due on
// Tuesday 25 November 2025 (Shanghai), which the morning summary lists.
func obTestDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crm.db")
	sh, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2025, 11, 24, 9, 0, 0, 0, sh)
	st, err := openDB(path, crm.Options{Now: func() time.Time { return now }, Location: sh})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		for _, u := range []*crm.User{
			{Name: "Wang Jun", Phones: []string{obWang}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "SY", Dept: "m"}, Locale: "en"},
			{Name: "Li Na", Phones: []string{obLi}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "SY", Dept: "m"}, Locale: "zh"},
		} {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
			if err := tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: u.ID}, Type: "visit", Subject: "ACME " + u.Name,
				Due: now.Add(24 * time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// obSend runs the real outbox worker with the Twilio sender against the fake
// API until nothing is due, as serve would, with the clock starting at start.
func obSend(t *testing.T, db string, api *twiliotest.Server, start time.Time) {
	t.Helper()
	st, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sender, err := twilio.NewSender(twilio.Config{AccountSID: api.AccountSID, AuthToken: api.AuthToken, APIURL: api.URL, From: "+8613800009999"})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	clock := func() time.Time { return start.Add(time.Since(began)) }
	w := outbox.New(st.Engine(), outbox.Config{MaxAttempts: 2, BaseBackoff: time.Millisecond, Rate: -1},
		map[string]outbox.Sender{outbox.ChannelSMS: sender}, slog.New(slog.DiscardHandler), clock)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	e2eWaitUntil(t, "the outbox has nothing due", func() bool {
		b, err := outbox.Pending(st.Engine(), clock())
		return err == nil && b.Due == 0
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestOutboxCommand queues the morning summaries with `jobs run`, lists them
// held for quiet hours, sends them (one number fails until it is dead),
// lists the dead one and sends it again with `outbox retry`.
func TestOutboxCommand(t *testing.T) {
	t.Setenv("FIELDCRM_TZ", "Asia/Shanghai")
	db := obTestDB(t)
	at := func(clock string) { t.Setenv(ClockEnv, clock) }
	ok := func(args ...string) string {
		t.Helper()
		out, errs, code := jobRun(t, append(args, "--db", db)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	refused := func(want string, args ...string) string {
		t.Helper()
		out, errs, code := jobRun(t, append(args, "--db", db)...)
		if code == 0 || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, want a refusal saying %q\n%s%s", strings.Join(args, " "), code, want, out, errs)
		}
		return errs
	}

	at("2025-11-25T06:30:00+08:00")
	if out := ok("jobs", "run", "summary"); !strings.Contains(out, "held=2 sms=2") {
		t.Fatalf("jobs run summary: %s", out)
	}
	at("2025-11-25T06:40:00+08:00")
	out := ok("outbox")
	e2eContains(t, "outbox", out,
		"2 messages in the outbox (2 held), newest first; times in Asia/Shanghai.",
		"held · sms · to Wang Jun (+8613900000002)",
		"held · sms · to Li Na (+8613900000003)",
		"created 2025-11-25 06:30 · held until 2025-11-25 07:30 (quiet hours) · 0 attempts",
		"  > Good morning! 25/11: 1 today: #1 09:00 visit",
		"  > 早上好！11月25日：今天1项：#2 拜访")
	if out := ok("outbox", "--state", "queued"); out != "No queued messages in the outbox.\n" {
		t.Errorf("--state queued while both are held: %q", out)
	}
	out = ok("outbox", "--state", "held", "--user", "li")
	e2eContains(t, "--user li", out, "1 message to Li Na (#2) (1 held)", "to Li Na")
	if strings.Contains(out, "Wang") {
		t.Errorf("--user li lists Wang's message:\n%s", out)
	}
	var list []struct {
		ID        int64  `json:"id"`
		Listed    string `json:"listed_state"`
		State     string `json:"state"`
		UserName  string `json:"user_name"`
		Body      string `json:"body"`
		NotBefore string `json:"not_before"`
	}
	if err := json.Unmarshal([]byte(ok("outbox", "--json", "--limit", "1")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Listed != "held" || list[0].State != "queued" || list[0].UserName != "Li Na" ||
		!strings.HasPrefix(list[0].Body, "早上好") || list[0].NotBefore != "2025-11-25T07:30:00+08:00" {
		t.Errorf("--json --limit 1: %+v", list)
	}
	refused(`--state "late" is not a state`, "outbox", "--state", "late")
	refused(`No user "nobody"`, "outbox", "--user", "nobody")
	refused("#1 is held until 2025-11-25 07:30 (quiet hours): only a dead, failed or undelivered message can be sent again; nothing changed",
		"outbox", "retry", "1")

	// serve's worker sends them after quiet hours; Twilio keeps failing Wang's
	api := twiliotest.NewServer(t)
	api.FailTo(obWang, 500, 20500)
	obSend(t, db, api, time.Date(2025, 11, 25, 7, 31, 0, 0, e2eShanghai))
	at("2025-11-25T07:40:00+08:00")
	out = ok("outbox", "--state", "dead")
	e2eContains(t, "dead", out, "1 message in the outbox (1 dead)", "#1 dead · sms · to Wang Jun (+8613900000002)",
		"· gave up 2025-11-25 07:31 · 2 attempts", "  last error: send failed: HTTP 500: code 20500")
	e2eContains(t, "sent", ok("outbox", "--state", "sent"), "#2 sent · sms · to Li Na", "· sent 2025-11-25 07:31 · 1 attempt")
	refused("#2 is sent, sent 2025-11-25 07:31: only a dead, failed or undelivered message can be sent again", "outbox", "retry", "#2")
	refused("no entry #9 in the outbox; nothing changed", "outbox", "retry", "9")
	refused(`"x1" is not an entry id`, "outbox", "retry", "x1")

	out = ok("outbox", "retry", "1")
	if want := "#1 to Wang Jun (+8613900000002) queued again (was dead after 2 attempts: send failed: HTTP 500: code 20500: failed on purpose: 20500). serve sends it when it runs.\n"; out != want {
		t.Errorf("retry:\n got %q\nwant %q", out, want)
	}
	out = ok("outbox", "show", "1")
	e2eContains(t, "show", out, "#1 queued · sms · to Wang Jun", "0 attempts", "key:         summary|1|-|2025-11-25",
		"2025-11-25 07:40:00  queued: sent again on the operator's request (fieldcrm outbox retry; was dead after 2 attempts)",
		"  > Good morning!")
	at("2025-11-25T07:41:00+08:00")
	refused("#1 is queued, due since 2025-11-25 07:40", "outbox", "retry", "1")

	// Twilio takes Wang's number again: serve sends it
	api.FailTo(obWang, 0, 0)
	obSend(t, db, api, time.Date(2025, 11, 25, 7, 41, 0, 0, e2eShanghai))
	if msgs := e2eMessagesTo(api, obWang); len(msgs) != 1 || !strings.HasPrefix(msgs[0].Body, "Good morning! 25/11") {
		t.Errorf("Wang's summary after the retry: %+v", msgs)
	}
	at("2025-11-25T07:45:00+08:00")
	e2eContains(t, "after", ok("outbox"), "2 messages in the outbox (2 sent)")

	// serve holds the file: say so, and what to do
	st, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	errs := refused("is in use: fieldcrm serve (or another fieldcrm command) holds it", "outbox")
	e2eContains(t, "in use", errs, "fieldcrm backup copy.db, then fieldcrm outbox --db copy.db")
}
