package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/scheduler"
)

// Every run is reported to the OnRun hook (serve counts them for /metrics).
func TestOnRun(t *testing.T) {
	w := newWorld(t)
	type run struct {
		job string
		ok  bool
	}
	var runs []run
	s := w.scheduler(t, func(c *scheduler.Config) {
		c.OnRun = func(job string, took time.Duration, err error) {
			if took < 0 {
				t.Errorf("%s took %v", job, took)
			}
			runs = append(runs, run{job, err == nil})
		}
	})
	for _, job := range []string{scheduler.JobOverdue, scheduler.JobSummary} {
		if _, err := s.Run(context.Background(), job, at(1, 9, 15)); err != nil {
			t.Fatal(err)
		}
	}
	if len(runs) != 2 || runs[0] != (run{scheduler.JobOverdue, true}) || runs[1] != (run{scheduler.JobSummary, true}) {
		t.Fatalf("OnRun saw %v", runs)
	}
}
