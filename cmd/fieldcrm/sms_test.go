package main

import (
	"context"
	"github.com/fieldcrm/fieldcrm/internal/demodata"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

// e2eDemoDB makes a database with the demo's users and accounts.
func e2eDemoDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "crm.db")
	s, err := openDB(db, crm.Options{Now: e2eNewClock().Now}) // the hour of the test run never matters
	if err != nil {
		t.Fatal(err)
	}
	if err := demodata.Seed(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

// e2eDBCounts opens db and counts its records (see e2eCounts).
func e2eDBCounts(t *testing.T, db string) map[string]int {
	t.Helper()
	s, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return e2eCounts(t, s)
}

// the confirmation, after the day's reminder when it is the first message of the day
// (the demo's visit planned at ACME Mining for today is the one it closes)
var e2eVisitRe = regexp.MustCompile(`^(?:\d+ items? assigned to you(?: \(\d+ overdue\))?: [^\n]+\n)?OK visit #(\d+) ACME Mining, Zhang Wei\.( Your planned visit, now done\.| Closes planned #\d+\.)? UNDO to undo\n$`)

func TestSMSCommand(t *testing.T) {
	t.Setenv(ClockEnv, e2eNewClock().Now().Format(time.RFC3339Nano)) // the sms command's clock: e2eNewClock's
	db := e2eDemoDB(t)

	t.Run("Visit", func(t *testing.T) {
		before := e2eDBCounts(t, db)
		out, errOut, code := runCmd(t, "sms", "--db", db, "--from", "+8613800000002", "V acme mining; met zhang")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		m := e2eVisitRe.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("stdout %q", out)
		}
		// ACME Mining has no machine on file: the reminder is queued for serve
		e2eContains(t, "stderr", errOut, "1 notice queued")
		after := e2eDBCounts(t, db)
		added := 1
		if m[2] != "" { // the planned visit became the report
			added = 0
		}
		if after["activity"] != before["activity"]+added || after["outbox/entries"] != before["outbox/entries"]+1 {
			t.Errorf("before %v\nafter %v", before, after)
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		view(t, db, func(tx *crm.Tx) error {
			a, err := tx.Activity(id)
			if err != nil {
				return err
			}
			c, err := tx.Contact(a.Contact)
			if err != nil {
				return err
			}
			if a.Type != crm.ActVisit || a.Status != crm.StatusDone || c.Name != "Zhang Wei" {
				t.Errorf("visit %+v with %s", a, c.Name)
			}
			return nil
		})
	})

	t.Run("SameIDTwice", func(t *testing.T) {
		before := e2eDBCounts(t, db)
		args := []string{"sms", "--db", db, "--from", "+8613800000002", "--id", "SMtest0001", "V acme mining; met zhang; next: call mon"}
		out1, _, code1 := runCmd(t, args...)
		out2, errOut2, code2 := runCmd(t, args...)
		if code1 != 0 || code2 != 0 || out1 != out2 || !strings.HasPrefix(out1, "OK visit") {
			t.Errorf("first %d %q, second %d %q", code1, out1, code2, out2)
		}
		e2eContains(t, "second stderr", errOut2, "a repeat of message SMtest0001")
		after := e2eDBCounts(t, db)
		if after["activity"] != before["activity"]+2 || after["changesets"] != before["changesets"]+1 {
			t.Errorf("applied more than once:\nbefore %v\nafter %v", before, after)
		}
	})

	t.Run("UnknownSender", func(t *testing.T) {
		before := e2eDBCounts(t, db)
		out, _, code := runCmd(t, "sms", "--db", db, "--from", "+8613900000077", "V acme mining; met zhang")
		if code != 0 {
			t.Errorf("exit %d", code)
		}
		e2eContains(t, "stdout", out, "not registered")
		if after := e2eDBCounts(t, db); !e2eMapsEqual(before, after) {
			t.Errorf("an unknown sender stored something:\nbefore %v\nafter %v", before, after)
		}
	})

	t.Run("NotUnderstood", func(t *testing.T) {
		out, _, code := runCmd(t, "sms", "--db", db, "--from", "+8613800000002", "XYZZY plugh")
		if code != 1 || !strings.HasPrefix(out, "Not understood") {
			t.Errorf("exit %d: %q", code, out)
		}
	})

	t.Run("Usage", func(t *testing.T) {
		if _, errOut, code := runCmd(t, "sms", "--db", db, "TODAY"); code != 2 || !strings.Contains(errOut, "usage: fieldcrm sms") {
			t.Errorf("without --from: exit %d %q", code, errOut)
		}
	})

	// what `fieldcrm sms` queued, serve sends
	t.Run("ServeSendsQueued", func(t *testing.T) {
		e := &e2eEnv{t: t, db: db, api: twiliotest.NewServer(t), clock: e2eNewClock()}
		e.run()
		queued, err := outbox.List(e.m.Store.Engine(), outbox.Filter{To: "+8613800000002"})
		if err != nil || len(queued) == 0 {
			t.Fatalf("outbox: %v %v", queued, err)
		}
		msgs := e.api.WaitFor(len(queued), 3*time.Second)
		e2eContains(t, "sent", msgs[0].Body, "Please record the machines at ACME Mining")
	})
}
