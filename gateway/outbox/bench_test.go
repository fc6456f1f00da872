package outbox

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

type nopSender struct{ n atomic.Int64 }

func (s *nopSender) Send(ctx context.Context, e *Entry) (string, int, error) {
	return fmt.Sprintf("SM%d", s.n.Add(1)), 1, nil
}

// benchBacklog enqueues msgs SMS to numbers +86 numbers, in one transaction.
func benchBacklog(b *testing.B, db crm.Engine, msgs, numbers int) {
	b.Helper()
	now := time.Now()
	err := db.Update(bg, func(tx crm.ETx) error {
		for i := range msgs {
			e := &Entry{Channel: ChannelSMS, To: fmt.Sprintf("+86138%08d", i%numbers), Body: "OK visit #12 ACME Mining Co.", Key: fmt.Sprint("job|", i)}
			if _, _, err := Enqueue(tx, e, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// benchDrain runs a worker over a backlog of 2,000 SMS to 500 numbers until
// it has sent `sent` and held `held` of them, and returns how long it took.
func benchDrain(b *testing.B, lims func(string) []Limit, sent, held int64) time.Duration {
	return benchDrainCfg(b, Config{Rate: -1, RecipientLimits: lims}, sent, held)
}

// benchDrainCfg is benchDrain with a worker configured by cfg.
func benchDrainCfg(b *testing.B, cfg Config, sent, held int64) time.Duration {
	b.Helper()
	db := openDB(b, filepath.Join(b.TempDir(), "crm.db"))
	defer db.Close()
	benchBacklog(b, db, 2000, 500)
	var holds atomic.Int64
	s := &nopSender{}
	cfg.OnHold = func(string, string) { holds.Add(1) }
	w := New(db, cfg, map[string]Sender{ChannelSMS: s}, nil, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- w.Run(ctx) }()
	for {
		n, _, _, _ := w.Counters()
		if n >= sent && holds.Load() >= held {
			break
		}
		time.Sleep(200 * time.Microsecond)
	}
	took := time.Since(start)
	cancel()
	<-done
	return took
}

// BenchmarkDispatchLimits: the worker draining a backlog of 2,000 SMS to 500
// +86 numbers (4 each; NoSync bbolt, an instant sender, no rate limit):
// without per-number limits (the baseline), with limits that do not bind
// (50/24h: the cost of counting), and with 1/1m, which sends one per number
// and holds the other 1,500; then with a sender rate that does not bind
// (8 numbers at 1,000,000 a second: the cost of reserving each one's slot).
// Figures are ratios to the baseline of the same iteration.
func BenchmarkDispatchLimits(b *testing.B) {
	loose := func(string) []Limit { return []Limit{{Max: 50, Per: 24 * time.Hour, Reserve: 10}} }
	tight := func(string) []Limit { return []Limit{{Max: 1, Per: time.Minute}} }
	from := []string{"+15550001", "+15550002", "+15550003", "+15550004", "+15550005", "+15550006", "+15550007", "+15550008"}
	var base, counted, holding, rated time.Duration
	for b.Loop() {
		base += benchDrain(b, nil, 2000, 0)
		counted += benchDrain(b, loose, 2000, 0)
		holding += benchDrain(b, tight, 500, 1500)
		rated += benchDrainCfg(b, Config{From: from, Rate: 1e6}, 2000, 0)
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 2000 }
	b.ReportMetric(per(base), "µs/msg-nolimits")
	b.ReportMetric(per(counted)/per(base), "x-limits-loose")
	b.ReportMetric(per(holding)/per(base), "x-limits-holding")
	b.ReportMetric(per(rated)/per(base), "x-rate")
}
