package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// The administrator lists what was not carried out, by cause, and runs one
// again as its sender: first to see what it would do (nothing changes), then
// with --apply.
func TestUnresolvedCommand(t *testing.T) {
	t.Setenv("FIELDCRM_TZ", "Asia/Shanghai")
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, shenyang)
	db := demoDBAt(t, at)
	sms := func(from, now, text string) string {
		t.Helper()
		out, _, _ := runCmd(t, "sms", "--db", db, "--from", from, "--now", now, text)
		return out
	}
	wang, li := "+8613800000002", "+8613800000003"
	sms(wang, "2026-11-23T09:30", "VXT acme mining; met zhang wei")
	sms(wang, "2026-11-23T09:31", "visit shenbei quarry; met dong; wants a 950H")
	sms(wang, "2026-11-23T09:32", "V acme; met zhang") // a question
	sms(wang, "2026-11-23T09:33", "OPPS")              // not answered
	sms(li, "2026-11-23T09:40", "完成 #999")
	if out := sms(li, "2026-11-23T09:41", "拜访 华鑫矿业；见了李刚"); !strings.Contains(out, "#") {
		t.Fatalf("a carried-out visit: %q", out)
	}
	list := func(t *testing.T, args ...string) string {
		t.Helper()
		return mustRun(t, append([]string{"unresolved", "--db", db, "--now", "2026-11-23T10:00"}, args...)...)
	}

	t.Run("List", func(t *testing.T) {
		out := list(t)
		for _, want := range []string{
			"4 messages not carried out (all users)",
			"refused: not found (2)",
			`Wang Jun (sms)  "visit shenbei quarry; met dong; wants a 950H"`,
			`answered: "Not found: No account matches "shenbei quarry".`,
			`Li Na (sms)  "完成 #999"`,
			"not understood (1)",
			`2026-11-23 09:30  Wang Jun (sms)  "VXT acme mining; met zhang wei"`,
			"choice never made: something else sent instead (1)",
			`"V acme; met zhang"`,
			`then sent: "OPPS"`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("list lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "华鑫") {
			t.Errorf("a message carried out is listed:\n%s", out)
		}
		// the biggest group first
		if strings.Index(out, "refused: not found") > strings.Index(out, "not understood") {
			t.Errorf("groups not by count:\n%s", out)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		out := list(t, "--user", "li")
		if !strings.Contains(out, "1 message not carried out (Li Na)") || strings.Contains(out, "Wang Jun") {
			t.Errorf("--user li:\n%s", out)
		}
		if out := list(t, "--user", "+8613800000002", "--since", "2026-11-23T09:31"); !strings.HasPrefix(out, "2 messages not carried out since 2026-11-23 09:31 (Wang Jun)") {
			t.Errorf("--user phone --since:\n%s", out)
		}
		if out := list(t, "--since", "0d"); !strings.HasPrefix(out, "0 messages") {
			t.Errorf("--since 0d:\n%s", out)
		}
		if _, errOut, code := runCmd(t, "unresolved", "--db", db, "--user", "nobody"); code != 1 || !strings.Contains(errOut, `No user "nobody"`) {
			t.Errorf("unknown user: exit %d %q", code, errOut)
		}
		if _, errOut, code := runCmd(t, "unresolved", "--db", db, "--since", "last week"); code != 2 || !strings.Contains(errOut, "bad --since") {
			t.Errorf("bad --since: exit %d %q", code, errOut)
		}
	})

	t.Run("JSON", func(t *testing.T) {
		lines := strings.Split(strings.TrimSpace(list(t, "--json")), "\n")
		if len(lines) != 4 {
			t.Fatalf("%d lines", len(lines))
		}
		var e struct {
			ID       int64     `json:"id"`
			Text     string    `json:"text"`
			Cause    string    `json:"cause"`
			UserName string    `json:"user_name"`
			At       time.Time `json:"at"`
			Group    string    `json:"group"`
		}
		if err := json.Unmarshal([]byte(lines[0]), &e); err != nil {
			t.Fatal(err)
		}
		if e.Text != "VXT acme mining; met zhang wei" || e.Cause != crm.CauseNotUnderstood || e.UserName != "Wang Jun" ||
			!e.At.Equal(time.Date(2026, 11, 23, 9, 30, 0, 0, shenyang)) || e.Group != "not understood" {
			t.Errorf("first: %s", lines[0])
		}
	})

	// the id of the message whose text is text
	idOf := func(t *testing.T, text string) string {
		t.Helper()
		m := regexp.MustCompile(`#(\d+) +[0-9-]+ [0-9:]+  [^\n]*"` + regexp.QuoteMeta(text) + `"`).FindStringSubmatch(list(t, "--all"))
		if m == nil {
			t.Fatalf("%q not listed", text)
		}
		return m[1]
	}

	t.Run("RerunStillNot", func(t *testing.T) {
		id := idOf(t, "完成 #999")
		out, _, code := runCmd(t, "unresolved", "rerun", id, "--db", db, "--now", "2026-11-23T10:00", "--apply")
		if code != 1 || !strings.Contains(out, "now it would still not be carried out") {
			t.Errorf("exit %d:\n%s", code, out)
		}
		out, _, code = runCmd(t, "unresolved", "rerun", idOf(t, "V acme; met zhang"), "--db", db, "--now", "2026-11-23T10:00", "--apply")
		if code != 1 || !strings.Contains(out, `now it would ask: ""acme" is: 1) ACME Mining`) || !strings.Contains(out, "Not run again") {
			t.Errorf("a question: exit %d:\n%s", code, out)
		}
	})

	t.Run("Rerun", func(t *testing.T) {
		id := idOf(t, "visit shenbei quarry; met dong; wants a 950H")
		// the language cannot learn an account nobody entered; the manager adds it
		sms("+8613800000001", "2026-11-23T09:50", "ACCOUNT Shenbei Quarry; Dong Bo 13912345777")
		before := e2eDBCounts(t, db)
		out := mustRun(t, "unresolved", "rerun", id, "--db", db, "--now", "2026-11-23T10:00")
		for _, want := range []string{
			`#` + id + ` from Wang Jun (sms), Mon 2026-11-23 09:31: "visit shenbei quarry; met dong; wants a 950H"`,
			`answered then: "Not found: No account matches "shenbei quarry".`,
			`now it would be answered: "OK visit #`,
			"Nothing changed. fieldcrm unresolved rerun " + id + " --apply carries it out as Wang Jun.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("dry run lacks %q:\n%s", want, out)
			}
		}
		if after := e2eDBCounts(t, db); !e2eMapsEqual(before, after) {
			t.Errorf("the dry run changed the database:\nbefore %v\nafter %v", before, after)
		}

		out = mustRun(t, "unresolved", "rerun", id, "--db", db, "--now", "2026-11-23T10:00", "--apply")
		m := regexp.MustCompile(`carried out as Wang Jun: "OK visit #(\d+) Shenbei Quarry`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("apply:\n%s", out)
		}
		actID, _ := strconv.ParseInt(m[1], 10, 64)
		view(t, db, func(tx *crm.Tx) error {
			a, err := tx.Activity(actID)
			if err != nil {
				return err
			}
			acct, _ := tx.Account(a.Account)
			if a.Type != crm.ActVisit || acct == nil || acct.Name != "Shenbei Quarry" || a.Owner != 2 {
				t.Errorf("visit %+v at %+v", a, acct)
			}
			h, err := tx.History(crm.KindActivity, actID)
			if err != nil || len(h) != 1 || h[0].MessageID != "rerun/"+id || h[0].User != 2 || h[0].Summary != "visit shenbei quarry; met dong; wants a 950H" {
				t.Errorf("history %+v (%v)", h, err)
			}
			return nil
		})
		// a second --apply does nothing
		before = e2eDBCounts(t, db)
		out = mustRun(t, "unresolved", "rerun", id, "--db", db, "--now", "2026-11-23T10:01", "--apply")
		if !strings.Contains(out, "already run again 2026-11-23 10:00") {
			t.Errorf("second apply:\n%s", out)
		}
		if after := e2eDBCounts(t, db); !e2eMapsEqual(before, after) {
			t.Errorf("a second --apply changed the database:\nbefore %v\nafter %v", before, after)
		}
		if out := list(t); strings.Contains(out, "shenbei") || !strings.HasPrefix(out, "3 messages") {
			t.Errorf("still listed:\n%s", out)
		}
		if out := list(t, "--all"); !strings.Contains(out, "4 messages not carried out (all users), 1 of them run again since") ||
			!strings.Contains(out, "run again 2026-11-23 10:00: \"OK visit #"+m[1]) {
			t.Errorf("--all:\n%s", out)
		}
	})

	t.Run("RerunBadID", func(t *testing.T) {
		if _, errOut, code := runCmd(t, "unresolved", "rerun", "999", "--db", db); code != 1 || !strings.Contains(errOut, "No unresolved message #999") {
			t.Errorf("exit %d %q", code, errOut)
		}
		if _, errOut, code := runCmd(t, "unresolved", "rerun", "--db", db); code != 2 || !strings.Contains(errOut, "give one message id") {
			t.Errorf("exit %d %q", code, errOut)
		}
	})
}

// The nightly prune job deletes unresolved messages older than
// crm.UnresolvedRetention and keeps the newer ones.
func TestPruneJobUnresolved(t *testing.T) {
	t.Setenv("FIELDCRM_TZ", "Asia/Shanghai")
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, shenyang)
	db := demoDBAt(t, at)
	runCmd(t, "sms", "--db", db, "--from", "+8613800000002", "--now", "2026-05-01T09:00", "XYZZY old")
	runCmd(t, "sms", "--db", db, "--from", "+8613800000002", "--now", "2026-11-20T09:00", "XYZZY new")
	s, err := openDB(db, crm.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Store: s}
	c, err := m.prune(t.Context(), at)
	if err != nil || c["unresolved"] != 1 {
		t.Errorf("pruned %v (%v), want 1 unresolved", c, err)
	}
	s.Close()
	out := mustRun(t, "unresolved", "--db", db, "--now", "2026-11-23T09:00")
	if !strings.Contains(out, `"XYZZY new"`) || strings.Contains(out, "XYZZY old") {
		t.Errorf("after pruning:\n%s", out)
	}
}

// A line of an e-mail that was not understood is kept like an SMS: with the
// e-mail channel, the sender's address, the line and its answer — through
// the real Main, IMAP in and SMTP out.
func TestUnresolvedFromEmail(t *testing.T) {
	me := mailStart(t, nil)
	id := me.deliver(mailMsg{From: "Wang Jun <" + mailWang + ">", Subject: "OPPS", Auth: true, Body: "FLURB the quarry\n"})
	ans := me.waitAnswers(mailWang, 1)[0]
	me.processed(1)
	var list []*crm.Unresolved
	if err := me.m.Store.View(crm.System, func(tx *crm.Tx) error {
		var err error
		list, err = tx.UnresolvedList(crm.UnresolvedFilter{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("kept %d, want the one line not understood: %+v", len(list), list)
	}
	e := list[0]
	if e.Channel != "email" || e.From != mailWang || e.Text != "FLURB the quarry" || e.Cause != crm.CauseNotUnderstood ||
		e.User != me.team.Wang || !strings.HasPrefix(e.MessageID, id) {
		t.Errorf("kept %+v", e)
	}
	if e.Reply == "" || !strings.Contains(ans.Text, strings.Split(e.Reply, "\n")[0]) {
		t.Errorf("kept reply %q is not the answer's line:\n%s", e.Reply, ans.Text)
	}
}
