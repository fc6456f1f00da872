package scheduler_test

import (
	"context"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/scheduler"
)

func TestScheduleNext(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		spec string
		loc  *time.Location
		from time.Time
		want time.Time
	}{
		{scheduler.DefaultSchedules["summary"], sh, at(0, 6, 0), at(0, 7, 30)},
		{scheduler.DefaultSchedules["summary"], sh, at(0, 7, 30), at(1, 7, 30)},
		{scheduler.DefaultSchedules["digest"], sh, at(0, 8, 0), at(1, 7, 45)},
		{scheduler.DefaultSchedules["overdue"], sh, at(0, 18, 15), at(1, 9, 15)},
		{scheduler.DefaultSchedules["overdue"], sh, at(0, 9, 20), at(0, 10, 15)},
		{scheduler.DefaultSchedules["escalate"], sh, at(0, 0, 5), at(0, 3, 5)}, // not 01:05, 02:05
		{scheduler.DefaultSchedules["takeback"], sh, at(0, 8, 0), at(1, 8, 0)},
		{scheduler.DefaultSchedules["weekly"], sh, at(0, 7, 0), at(7, 7, 0)},  // Monday to Monday
		{scheduler.DefaultSchedules["monthly"], sh, at(0, 0, 0), at(7, 7, 0)}, // 1 December
		// the schedule's zone, whatever the zone of the time given
		{scheduler.DefaultSchedules["summary"], sh, at(0, 6, 0).UTC(), at(0, 7, 30)},
		// daylight saving: 06:30 local on the days around the change in New York
		{"30 6 * * *", ny, time.Date(2026, 3, 7, 12, 0, 0, 0, ny), time.Date(2026, 3, 8, 6, 30, 0, 0, ny)},
		{"30 6 * * *", ny, time.Date(2026, 10, 31, 12, 0, 0, 0, ny), time.Date(2026, 11, 1, 6, 30, 0, 0, ny)},
		// CRON_TZ= names the zone of one schedule, whatever the dealer's zone
		{"CRON_TZ=America/New_York 30 6 * * *", sh, time.Date(2026, 3, 7, 12, 0, 0, 0, ny), time.Date(2026, 3, 8, 6, 30, 0, 0, ny)},
		{"TZ=UTC 0 7 * * *", sh, at(0, 6, 0), time.Date(2025, 11, 24, 7, 0, 0, 0, time.UTC)}, // 06:00 Shanghai is 22:00 UTC the day before
	}
	for _, c := range cases {
		sch, err := scheduler.ParseSchedule(c.spec, c.loc)
		if err != nil {
			t.Fatalf("%q: %v", c.spec, err)
		}
		if got := sch.Next(c.from); !got.Equal(c.want) {
			t.Errorf("%q after %v: %v, want %v", c.spec, c.from, got.In(c.loc), c.want.In(c.loc))
		}
	}
}

func TestParseSchedule(t *testing.T) {
	for _, spec := range []string{"0 1 * * *", "30 2 * * *", "0 * * * *", "0 0-3 * * *", "@every 1h", "nonsense", "0 25 * * *",
		"CRON_TZ=Nowhere/Land 0 7 * * *", "CRON_TZ=Asia/Shanghai", "CRON_TZ=Europe/Berlin 30 2 * * *"} {
		if _, err := scheduler.ParseSchedule(spec, sh); err == nil {
			t.Errorf("%q accepted", spec)
		}
	}
	for _, spec := range []string{"0 0 * * *", "0 3 * * *", "@daily", "15 9-18 * * 1-5", "CRON_TZ=Europe/Berlin 0 7 * * 1-5"} {
		if _, err := scheduler.ParseSchedule(spec, sh); err != nil {
			t.Errorf("%q: %v", spec, err)
		}
	}
	w := newWorld(t)
	for _, sch := range []map[string]string{{"summary": "0 2 * * *"}, {"nosuchjob": "0 6 * * *"}} {
		if _, err := scheduler.New(scheduler.Config{Store: w.st, Templates: w.tpl, Schedules: sch}); err == nil {
			t.Errorf("%v accepted", sch)
		}
	}
	s := w.scheduler(t, func(c *scheduler.Config) { c.Schedules = map[string]string{"weekly": "off", "summary": "0 7 * * *"} })
	if s.Job("weekly").Schedule != nil || s.Job("summary").Spec != "0 7 * * *" {
		t.Errorf("overrides not applied")
	}
}

// TestCron runs the real cron in a synctest bubble: the fake clock starts at
// 2000-01-01 08:00 in Shanghai. On start, the summary missed at 07:30 is made
// up (still before 10:00); then each job runs when its schedule says.
func TestCron(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{NoSync: true, Location: sh})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		w := &world{st: st, tpl: newWorld(t).tpl}
		s := w.scheduler(t, func(c *scheduler.Config) { c.Now = time.Now })
		start := time.Now().In(sh)
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		runs, _ := scheduler.LastRuns(st.Engine())
		if r, ok := runs["summary"]; !ok || !r.At.Equal(start) {
			t.Errorf("summary not made up on start: %+v", runs)
		}
		if _, ok := runs["digest"]; !ok {
			t.Errorf("digest not made up on start")
		}
		time.Sleep(24*time.Hour + time.Minute)
		synctest.Wait()
		runs, _ = scheduler.LastRuns(st.Engine())
		day2 := time.Date(2000, 1, 2, 0, 0, 0, 0, sh)
		for job, want := range map[string]time.Time{
			"summary":  day2.Add(7*time.Hour + 30*time.Minute),
			"digest":   day2.Add(7*time.Hour + 45*time.Minute),
			"takeback": day2.Add(8 * time.Hour),
			"overdue":  time.Date(2000, 1, 1, 18, 15, 0, 0, sh),
			"escalate": day2.Add(7*time.Hour + 5*time.Minute),
			"monthly":  time.Time{}, // 1 February
		} {
			if got := runs[job].At; !got.Equal(want) {
				t.Errorf("%s last ran as of %v, want %v", job, got.In(sh), want)
			}
		}
		s.Stop()
	})
}

// TestMissedMorning: a summary missed during downtime is sent on start
// before 10:00, and skipped after.
func TestMissedMorning(t *testing.T) {
	w := newWorld(t)
	w.clk.Set(at(0, 8, 0))
	w.plan(t, w.wang, w.wang, "visit ACME", crm.PriorityNormal, at(1, 11, 0))
	ctx := context.Background()
	// 10:30: too late, nothing is sent
	c, err := w.scheduler(t, nil).Run(ctx, "summary", at(1, 10, 30))
	if err != nil || c["sms"] != 0 || c["late"] == 0 {
		t.Errorf("summary at 10:30: %v %v", c, err)
	}
	// 09:00: sent, SMS at once (after quiet hours), email too
	c, err = w.scheduler(t, nil).Run(ctx, "summary", at(1, 9, 0))
	if err != nil || c["sms"] != 1 || c["email"] != 1 || c["held"] != 0 {
		t.Errorf("summary at 09:00: %v %v", c, err)
	}
	c, _ = w.scheduler(t, nil).Run(ctx, "summary", at(1, 9, 30))
	if c["sms"] != 0 || c["dup"] != 2 {
		t.Errorf("summary again: %v", c)
	}
}

func TestQuietUntil(t *testing.T) {
	s := newWorld(t).scheduler(t, nil)
	for _, c := range []struct{ now, want time.Time }{
		{at(0, 20, 59), time.Time{}},
		{at(0, 21, 0), at(1, 7, 30)},
		{at(0, 23, 59), at(1, 7, 30)},
		{at(1, 0, 0), at(1, 7, 30)},
		{at(1, 7, 29), at(1, 7, 30)},
		{at(1, 7, 30), time.Time{}},
		{at(1, 12, 0), time.Time{}},
	} {
		if got := s.QuietUntil(c.now, sh); !got.Equal(c.want) {
			t.Errorf("QuietUntil(%v) = %v, want %v", c.now, got, c.want)
		}
	}
	// in the user's zone: 06:00 in Shanghai is 23:00 the day before in Paris
	paris, _ := time.LoadLocation("Europe/Paris")
	if got := s.QuietUntil(at(1, 6, 0), paris); !got.Equal(time.Date(2025, 11, 25, 7, 30, 0, 0, paris)) {
		t.Errorf("Paris: %v", got)
	}
}

// Issue 14 point 16: the morning summary and digest run when they can be
// read: their default times are outside quiet hours, so their SMS go out at
// once instead of being held.
func TestDefaultMorningNotHeld(t *testing.T) {
	w := newWorld(t)
	s := w.scheduler(t, nil)
	for _, job := range []string{"summary", "digest"} {
		sch, err := scheduler.ParseSchedule(scheduler.DefaultSchedules[job], sh)
		if err != nil {
			t.Fatal(err)
		}
		if next := sch.Next(at(0, 0, 0)); !s.QuietUntil(next, sh).IsZero() || next.After(at(0, 9, 0)) {
			t.Errorf("%s runs at %v: in quiet hours or too late for the morning", job, next)
		}
	}
	w.clk.Set(at(0, 8, 0))
	w.plan(t, w.wang, w.wang, "visit ACME", crm.PriorityNormal, at(1, 11, 0))
	sch, _ := scheduler.ParseSchedule(scheduler.DefaultSchedules["summary"], sh)
	c, err := s.Run(context.Background(), "summary", sch.Next(at(0, 12, 0)))
	if err != nil || c["sms"] != 1 || c["held"] != 0 {
		t.Errorf("summary at its default time: %v %v", c, err)
	}
}
