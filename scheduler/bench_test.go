package scheduler_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/scheduler"
)

// Sizes: FIELDCRM_BENCH_ACTIVITIES (1,000,000) activities of which 1,000 are
// due and assigned; FIELDCRM_BENCH_USERS (10,000) salesmen with 100 open
// activities each for the summaries.
func benchSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchWorld stores n activities: 1,000 open, due yesterday and assigned by
// the manager; the rest done (not in the due index, not assigned).
func benchWorld(b *testing.B, n int) *world {
	w := newWorld(b)
	w.clk.Set(at(0, 9, 0))
	const chunk = 20000
	for done := 0; done < n-1000; done += chunk {
		k := min(chunk, n-1000-done)
		w.update(b, crm.System, func(tx *crm.Tx) error {
			for i := range k {
				if err := tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: w.wang.ID}, Type: crm.ActCall, Subject: "call " + strconv.Itoa(done+i),
					Status: crm.StatusDone, DoneAt: at(0, 8, 0)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	w.update(b, w.liu, func(tx *crm.Tx) error {
		for i := range 1000 {
			owner := w.wang
			if i%2 == 1 {
				owner = w.li
			}
			if err := tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: owner.ID}, Type: crm.ActVisit, Subject: "visit " + strconv.Itoa(i),
				Due: at(1, 10, 0)}); err != nil {
				return err
			}
		}
		return nil
	})
	return w
}

// baseline: reading the 1,000 due activities through the due index.
func benchBaseline(b *testing.B, w *world, now time.Time) float64 {
	start := time.Now()
	const reps = 20
	for range reps {
		n := 0
		w.st.View(crm.System, func(tx *crm.Tx) error {
			return tx.OpenDue(now, func(*crm.Activity) bool { n++; return true })
		})
		if n != 1000 {
			b.Fatalf("due: %d", n)
		}
	}
	return float64(time.Since(start).Nanoseconds()) / reps
}

// BenchmarkOverdueEscalate: the overdue job (every reminder already queued:
// each run reads, renders and finds the key) and the escalation job's
// candidate scan, against reading the 1,000 due activities.
func BenchmarkOverdueEscalate(b *testing.B) {
	n := benchSize("FIELDCRM_BENCH_ACTIVITIES", 1_000_000)
	w := benchWorld(b, n)
	s := w.scheduler(b, nil)
	ctx := context.Background()
	now := at(2, 12, 0) // 1,000 overdue; assigned 2 days ago: urgent ones none, normal not yet due
	w.clk.Set(now)
	t0 := time.Now()
	if _, err := s.Run(ctx, "escalate", at(0, 9, 30)); err != nil { // first sync of the assigned index: all change sets
		b.Fatal(err)
	}
	firstSync := time.Since(t0)
	if c, err := s.Run(ctx, "overdue", now); err != nil || c["sms"] != 1000 {
		b.Fatalf("overdue: %v %v", c, err)
	}
	base := benchBaseline(b, w, now)
	b.Run("overdue", func(b *testing.B) {
		for b.Loop() {
			if c, _ := s.Run(ctx, "overdue", now); c["dup"] != 1000 {
				b.Fatalf("%v", c)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_baseline")
	})
	b.Run("escalate-scan", func(b *testing.B) {
		for b.Loop() {
			if c, _ := s.Run(ctx, "escalate", now); c["assigned"] != 1000 {
				b.Fatalf("%v", c)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_baseline")
	})
	b.Run("escalate-1000", func(b *testing.B) { // one run that escalates all 1,000 (once: it changes them)
		for b.Loop() {
			c, _ := s.Run(ctx, "escalate", at(5, 12, 0))
			if b.N == 1 && c["escalated"] != 1000 {
				b.Fatalf("%v", c)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_baseline")
	})
	b.Logf("activities %d; baseline (1,000 due through the index) %v; first sync of the assigned index %v",
		n, time.Duration(base), firstSync)
}

// BenchmarkSummary: morning summaries for FIELDCRM_BENCH_USERS salesmen with
// 100 open activities each (2 due today, 1 overdue), first run (queues) and
// re-run (all duplicates); time and peak heap.
func BenchmarkSummary(b *testing.B) {
	users := benchSize("FIELDCRM_BENCH_USERS", 10_000)
	w := newWorld(b)
	w.clk.Set(at(0, 9, 0))
	seedSalesmen(b, w, users, 100, 100)
	s := w.scheduler(b, nil)
	ctx := context.Background()
	now := at(1, 6, 30)
	w.clk.Set(now)
	// baseline: the agendas alone (no rendering, no writes)
	t0 := time.Now()
	w.st.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(r crm.Record) bool { tx.AgendaAt(r.RecordID(), now, sh); return true })
	})
	base := float64(time.Since(t0).Nanoseconds())
	peak := func(run func()) uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		floor := ms.HeapAlloc
		var max atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > max.Load() {
					max.Store(m.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		run()
		close(stop)
		wg.Wait()
		if max.Load() < floor {
			return 0
		}
		return max.Load() - floor
	}
	// The first run queues every summary; it can happen only once, so the
	// harness's repeated calls report the same measurement. (Metrics of a
	// benchmark with sub-benchmarks are not printed: each figure is a sub.)
	var first scheduler.Counts
	var firstTook time.Duration
	var firstPeak uint64
	var once sync.Once
	b.Run("first", func(b *testing.B) {
		once.Do(func() {
			firstPeak = peak(func() {
				t := time.Now()
				first, _ = s.Run(ctx, "summary", now)
				firstTook = time.Since(t)
			})
		})
		for b.Loop() {
		}
		if first["sms"] != users || first["email"] != users {
			b.Fatalf("first run: %v", first)
		}
		b.ReportMetric(firstTook.Seconds(), "s")
		b.ReportMetric(base/1e9, "baseline_s")
		b.ReportMetric(float64(firstTook.Nanoseconds())/base, "x_baseline")
		b.ReportMetric(float64(firstPeak)/(1<<20), "peak_MiB")
	})
	var rerunPeak uint64
	b.Run("rerun", func(b *testing.B) {
		for b.Loop() {
			rerunPeak = max(rerunPeak, peak(func() { s.Run(ctx, "summary", now) }))
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_baseline")
		b.ReportMetric(float64(rerunPeak)/(1<<20), "peak_MiB")
	})
	b.Logf("users %d x 100 activities; baseline (agendas only) %v; first run %v (%v), peak heap +%d MiB",
		users, time.Duration(base), firstTook, first, firstPeak>>20)
}

// seedSalesmen stores users salesmen of Liu's, perUser open visits each (the
// second today at 15:00, the third overdue, the first today at 10:00, the
// rest a day apart after it), chunk salesmen a transaction.
func seedSalesmen(b *testing.B, w *world, users, perUser, chunk int) {
	for start := 0; start < users; start += chunk {
		w.update(b, crm.System, func(tx *crm.Tx) error {
			for i := start; i < min(users, start+chunk); i++ {
				u := &crm.User{Name: "Salesman " + strconv.Itoa(i), Phones: []string{"+86139" + strconv.Itoa(10000000+i)}, Email: "s" + strconv.Itoa(i) + "@example.com",
					Role: crm.RoleSalesman, Base: crm.Base{Branch: "SY", Dept: "m"}, Manager: w.liu.ID}
				if err := tx.SaveUser(u); err != nil {
					return err
				}
				for j := range perUser {
					due := at(1, 10, 0).Add(time.Duration(j) * 24 * time.Hour) // today, then later
					switch j {
					case 1:
						due = at(1, 15, 0)
					case 2:
						due = at(0, 11, 0) // overdue
					}
					if err := tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: u.ID}, Type: crm.ActVisit, Subject: "visit " + strconv.Itoa(j), Due: due}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
}
