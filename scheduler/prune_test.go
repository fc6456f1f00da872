package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/scheduler"
)

// The prune job deletes outbox entries in a final state past the retention,
// keeps queued ones whatever their age, and runs the channels' own pruning.
func TestPruneJob(t *testing.T) {
	w := newWorld(t)
	now := w.clk.Now()
	db := w.st.Engine()
	sent, _, err := outbox.EnqueueDB(db, &outbox.Entry{Channel: outbox.ChannelSMS, To: "+8613800000002", Body: "old", Key: "t|1"}, now.Add(-100*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	queued, _, err := outbox.EnqueueDB(db, &outbox.Entry{Channel: outbox.ChannelSMS, To: "+8613800000002", Body: "waiting", Key: "t|2",
		NotBefore: now.Add(24 * time.Hour)}, now.Add(-100*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// a worker whose clock is 95 days back sends the first
	ctx, cancel := context.WithCancel(context.Background())
	worker := outbox.New(db, outbox.Config{Rate: -1}, map[string]outbox.Sender{outbox.ChannelSMS: okSender{}}, nil,
		func() time.Time { return now.Add(-95 * 24 * time.Hour) })
	done := make(chan struct{})
	go func() { worker.Run(ctx); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if e, _ := outbox.Get(db, sent); e != nil && e.State == outbox.StateSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the entry was not sent")
		}
	}
	cancel()
	<-done
	var hookAt time.Time
	s := w.scheduler(t, func(c *scheduler.Config) {
		c.Prune = func(_ context.Context, at time.Time) (scheduler.Counts, error) {
			hookAt = at
			return scheduler.Counts{"claims": 7}, nil
		}
	})
	c, err := s.Run(context.Background(), scheduler.JobPrune, now)
	if err != nil {
		t.Fatal(err)
	}
	if c["outbox"] != 1 || c["claims"] != 7 || !hookAt.Equal(now) {
		t.Fatalf("counts %v, hook called at %v", c, hookAt)
	}
	if _, err := outbox.Get(db, sent); err != outbox.ErrNotFound {
		t.Errorf("the old sent entry is still there: %v", err)
	}
	if e, err := outbox.Get(db, queued); err != nil || e.State != outbox.StateQueued {
		t.Errorf("the queued entry was pruned: %v %v", e, err)
	}
}

type okSender struct{}

func (okSender) Send(context.Context, *outbox.Entry) (string, int, error) { return "SM1", 1, nil }
