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
)

// shenyang is the demo's zone (FIELDCRM_TZ's default).
var shenyang = func() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }()

// demoDBAt makes a demo database seeded as of at (the seed's dates are
// relative to its clock).
func demoDBAt(t testing.TB, at time.Time) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "crm.db")
	s, err := openDB(db, crm.Options{Now: func() time.Time { return at }, NoSync: true})
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

// `sms --now` reads the message as of that time and stores that time: the
// same conversation replayed on the same database gives the same answers
// and records, whenever the test runs.
func TestSMSNow(t *testing.T) {
	t.Setenv("FIELDCRM_TZ", "Asia/Shanghai")
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, shenyang) // a Monday
	visit := "V acme mining; met zhang; next: quote fri"

	t.Run("RelativeDates", func(t *testing.T) {
		db := demoDBAt(t, at)
		out, errOut, code := runCmd(t, "sms", "--db", db, "--from", "+8613800000002", "--now", "2026-11-23T09:30", visit)
		if code != 0 || !strings.Contains(out, "OK visit") || !strings.Contains(out, "Fri 27/11") {
			t.Fatalf("exit %d: %q %s", code, out, errOut)
		}
		m := regexp.MustCompile(`Next: .*#(\d+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no next step in %q", out)
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		view(t, db, func(tx *crm.Tx) error {
			a, err := tx.Activity(id)
			if err != nil {
				return err
			}
			if y, mo, d := a.Due.In(shenyang).Date(); y != 2026 || mo != 11 || d != 27 || a.Status != crm.StatusOpen {
				t.Errorf("next step %+v, want open, due Fri 27/11", a)
			}
			h, err := tx.History(crm.KindActivity, id)
			if err != nil || len(h) != 1 || !h[0].At.Equal(at) {
				t.Errorf("history %+v (%v), want one change at %v", h, err, at)
			}
			return nil
		})
	})

	t.Run("Replay", func(t *testing.T) {
		var first string
		for i := 0; i < 2; i++ {
			db := demoDBAt(t, at)
			var o, e strings.Builder
			code := runSMSIn(context.Background(), []string{"--db", db, "--from", "+8613800000002", "--now", "2026-11-23T09:30:00+08:00", "-"},
				strings.NewReader("V acme; met zhang\n1\nTODAY\n"), &o, &e)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, e.String())
			}
			if i == 0 {
				first = o.String()
				continue
			}
			if o.String() != first {
				t.Errorf("replay differs:\n%s\n---\n%s", first, o.String())
			}
		}
		for _, want := range []string{"> V acme; met zhang\n", "1) ACME Mining", "> 1\nOK visit #", "> TODAY\n"} {
			if !strings.Contains(first, want) {
				t.Errorf("conversation lacks %q:\n%s", want, first)
			}
		}
	})

	t.Run("BadNow", func(t *testing.T) {
		db := demoDBAt(t, at)
		if _, errOut, code := runCmd(t, "sms", "--db", db, "--from", "+8613800000002", "--now", "monday", "TODAY"); code != 2 || !strings.Contains(errOut, "bad --now") {
			t.Errorf("exit %d: %q", code, errOut)
		}
	})
}
