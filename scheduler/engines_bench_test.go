package scheduler_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
	"github.com/fieldcrm/fieldcrm/crm/pgstore/pgstoretest"
)

// BenchmarkSummaryEngines: the morning summaries of FIELDCRM_BENCH_USERS
// (10,000) salesmen, each with 10 open activities (two due today, one
// overdue), on bbolt and on PostgreSQL, fsync on for both (the .ci/pg
// cluster has it on): the first run, which renders and queues a summary by
// SMS and one by e-mail for every user, and a rerun, which finds them all
// queued. Its figure is the time; x_bbolt is PostgreSQL's time over
// bbolt's in the same run.
//
//	FIELDCRM_TEST_PG=… go test ./scheduler -run '^$' -bench SummaryEngines -benchtime 1x
func BenchmarkSummaryEngines(b *testing.B) {
	users := benchSize("FIELDCRM_BENCH_USERS", 10_000)
	engines := []struct {
		name string
		open func(b *testing.B) func(crm.Options) (*crm.Store, error)
	}{
		{"bbolt", func(b *testing.B) func(crm.Options) (*crm.Store, error) {
			return func(o crm.Options) (*crm.Store, error) { return crm.Open(filepath.Join(b.TempDir(), "crm.db"), o) }
		}},
		{"postgres", func(b *testing.B) func(crm.Options) (*crm.Store, error) {
			db := pgstoretest.DB(b)
			return func(o crm.Options) (*crm.Store, error) {
				eng, err := pgstore.OpenEngine(context.Background(), db, pgstore.EngineOptions{})
				if err != nil {
					return nil, err
				}
				return crm.OpenEngine(eng, o)
			}
		}},
	}
	took := map[string][2]time.Duration{}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			w := newWorldOn(b, e.open(b))
			w.clk.Set(at(0, 9, 0))
			seedSalesmen(b, w, users, 10, 500)
			s := w.scheduler(b, nil)
			now := at(1, 6, 30)
			w.clk.Set(now)
			t0 := time.Now()
			first, err := s.Run(context.Background(), "summary", now)
			d1 := time.Since(t0)
			if err != nil || first["sms"] != users || first["email"] != users {
				b.Fatalf("first run: %v %v", first, err)
			}
			t0 = time.Now()
			again, err := s.Run(context.Background(), "summary", now)
			d2 := time.Since(t0)
			if err != nil || again["sms"] != 0 {
				b.Fatalf("rerun: %v %v", again, err)
			}
			took[e.name] = [2]time.Duration{d1, d2}
			for b.Loop() {
			}
			b.ReportMetric(d1.Seconds(), "first_s")
			b.ReportMetric(d2.Seconds(), "rerun_s")
			if bb, ok := took["bbolt"]; ok && e.name != "bbolt" {
				b.ReportMetric(d1.Seconds()/bb[0].Seconds(), "first_x_bbolt")
				b.ReportMetric(d2.Seconds()/bb[1].Seconds(), "rerun_x_bbolt")
			}
		})
	}
}
