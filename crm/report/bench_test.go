package report_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
)

// The benchmark data set: 100,000 accounts (one contact each), 200,000
// opportunities (one in 20 from a campaign), 1,000,000 activities, 20,000
// leads (40% qualified, 10% converted to an opportunity) and 20 campaigns
// with 50 responses each (times REPORT_BENCH_SCALE, default 1) over 50
// managers with 10 salesmen each in 5 branches, built once with NoSync into
// $TMPDIR/fieldcrm-report-bench-v2-<scale>.db and reused by later
// runs (delete the file to rebuild). Only with -bench:
//
//	go test ./crm/report -run '^$' -bench . -benchtime 1x -timeout 60m
var benchNow = time.Date(2026, 11, 23, 7, 0, 0, 0, cst)

type benchWorld struct {
	s        *crm.Store
	managers []*crm.User
	teams    map[int64][]int64
}

var (
	benchOnce sync.Once
	bench     *benchWorld
	benchErr  error
)

func benchScale() float64 {
	if v, err := strconv.ParseFloat(os.Getenv("REPORT_BENCH_SCALE"), 64); err == nil && v > 0 {
		return v
	}
	return 1
}

func openBench(b *testing.B) *benchWorld {
	benchOnce.Do(func() { bench, benchErr = buildBench(b) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

func buildBench(b *testing.B) (*benchWorld, error) {
	scale := benchScale()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("fieldcrm-report-bench-v2-%g.db", scale))
	_, statErr := os.Stat(path)
	clk := &clock{t: benchNow.AddDate(-1, 0, 0)}
	s, err := crm.Open(path, crm.Options{Now: clk.Now, NoSync: true, Location: cst})
	if err != nil {
		return nil, err
	}
	w := &benchWorld{s: s, teams: map[int64][]int64{}}
	if statErr == nil { // built by an earlier run
		err := s.View(crm.System, func(tx *crm.Tx) error {
			return tx.Each(crm.KindUser, func(r crm.Record) bool {
				u := r.(*crm.User)
				if u.Role == crm.RoleSalesManager {
					w.managers = append(w.managers, u)
				} else if u.Manager != 0 {
					w.teams[u.Manager] = append(w.teams[u.Manager], u.ID)
				}
				return true
			})
		})
		return w, err
	}
	start := time.Now()
	do := func(fn func(tx *crm.Tx) error) error {
		_, err := s.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "import", Summary: "bench"}, fn)
		return err
	}
	var sales []*crm.User
	err = do(func(tx *crm.Tx) error {
		for m := 0; m < 50; m++ {
			br := fmt.Sprintf("B%d", m%5)
			mgr := &crm.User{Base: crm.Base{Branch: br, Dept: fmt.Sprintf("D%d", m)}, Name: fmt.Sprintf("Manager %02d", m), Role: crm.RoleSalesManager,
				Phones: []string{fmt.Sprintf("+86139%08d", m)}, Email: fmt.Sprintf("m%d@dealer.example", m), Locale: []string{"en", "zh"}[m%2]}
			if err := tx.SaveUser(mgr); err != nil {
				return err
			}
			w.managers = append(w.managers, mgr)
			for i := 0; i < 10; i++ {
				u := &crm.User{Base: crm.Base{Branch: br, Dept: mgr.Dept}, Name: fmt.Sprintf("Sales %02d-%d", m, i), Role: crm.RoleSalesman,
					Manager: mgr.ID, Phones: []string{fmt.Sprintf("+86138%08d", m*10+i)}, Locale: "en"}
				if err := tx.SaveUser(u); err != nil {
					return err
				}
				sales = append(sales, u)
				w.teams[mgr.ID] = append(w.teams[mgr.ID], u.ID)
			}
		}
		return tx.Save(&crm.Competitor{Name: "Komatsu", Brands: []string{"KOMATSU"}})
	})
	if err != nil {
		return nil, err
	}
	nAcct := int(100_000 * scale)
	rng := rand.New(rand.NewPCG(1, 2))
	industries := []string{"mining", "construction", "quarry", "steel", "logistics"}
	const chunk = 2000
	accts := make([]int64, 0, nAcct)
	owners := make([]int64, 0, nAcct)
	for lo := 0; lo < nAcct; lo += chunk {
		err := do(func(tx *crm.Tx) error {
			for i := lo; i < min(lo+chunk, nAcct); i++ {
				u := sales[i%len(sales)]
				a := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: fmt.Sprintf("Account %d", i), Industry: industries[i%5], City: "Shenyang"}
				if err := tx.CreateAccount(a, &crm.Contact{Name: fmt.Sprintf("Contact %d", i), Mobile: fmt.Sprintf("137%08d", i)}); err != nil {
					return err
				}
				accts = append(accts, a.ID)
				owners = append(owners, u.ID)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var camps []int64
	err = do(func(tx *crm.Tx) error {
		for i := range 20 {
			c := &crm.Campaign{Base: crm.Base{Owner: w.managers[i%len(w.managers)].ID}, Name: fmt.Sprintf("Campaign %d", i),
				Cost: crm.Money(50_000+i*10_000) * 100, Start: benchNow.AddDate(0, -6, 0), End: benchNow.AddDate(0, 1, 0)}
			for n := range 50 {
				c.Responses = append(c.Responses, crm.Response{N: n + 1, At: benchNow.AddDate(0, 0, -n), Account: accts[(i*50+n)%nAcct], Person: "Buyer"})
			}
			if err := tx.Save(c); err != nil {
				return err
			}
			camps = append(camps, c.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	clk.Set(benchNow.Add(-time.Hour))
	nOpp := 2 * nAcct
	for lo := 0; lo < nOpp; lo += chunk {
		err := do(func(tx *crm.Tx) error {
			for i := lo; i < min(lo+chunk, nOpp); i++ {
				k := i % nAcct
				st := crm.Stage(1 + rng.IntN(7))
				o := &crm.Opportunity{Base: crm.Base{Owner: owners[k]}, Name: fmt.Sprintf("Opp %d", i), Account: accts[k],
					Amount: crm.Money(rng.IntN(3_000_000)) * 100, Stage: st, Close: benchNow.AddDate(0, rng.IntN(8), rng.IntN(28))}
				if st.Closed() {
					o.ClosedAt = benchNow.AddDate(0, 0, -rng.IntN(365))
					o.Close = time.Time{}
				}
				if st == crm.StageLost {
					o.LostTo, o.LostReason = "Komatsu", "price"
				}
				if i%20 == 0 {
					o.Campaign = camps[(i/20)%len(camps)]
				}
				for s := crm.StageIdentification; s < st && s < crm.StageWon; s++ {
					o.StageHistory = append(o.StageHistory, crm.StageChange{From: s, To: s + 1, At: o.ClosedAt})
				}
				if err := tx.CreateOpp(o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	types := []string{crm.ActVisit, crm.ActCall, crm.ActMeeting, crm.ActTask, crm.ActRevisit}
	nAct := 10 * nAcct
	for lo := 0; lo < nAct; lo += chunk {
		err := do(func(tx *crm.Tx) error {
			for i := lo; i < min(lo+chunk, nAct); i++ {
				k := i % nAcct
				a := &crm.Activity{Base: crm.Base{Owner: owners[k]}, Type: types[i%len(types)], Subject: "bench", Account: accts[k]}
				if i%10 == 0 {
					a.Due = benchNow.AddDate(0, 0, rng.IntN(60)-30)
				} else {
					a.Status, a.DoneAt = crm.StatusDone, benchNow.AddDate(0, 0, -rng.IntN(365))
				}
				if err := tx.CreateActivity(a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sources := []string{crm.SrcAdvertising, crm.SrcReferral, crm.SrcWebsite, crm.SrcWordOfMouth, crm.SrcPR, crm.SrcCampaign}
	nLead := nAcct / 5
	for lo := 0; lo < nLead; lo += chunk {
		err := do(func(tx *crm.Tx) error {
			for i := lo; i < min(lo+chunk, nLead); i++ {
				k := i % nAcct
				l := &crm.Lead{Base: crm.Base{Owner: owners[k], Created: benchNow.AddDate(0, 0, -rng.IntN(365))},
					Company: fmt.Sprintf("Prospect %d", i), Person: "Buyer", Source: sources[i%len(sources)]}
				switch l.Source {
				case crm.SrcReferral:
					l.Referrer = "Operator"
				case crm.SrcCampaign:
					l.Campaign = camps[i%len(camps)]
				}
				switch i % 10 {
				case 0, 1, 2:
					l.Status = crm.LeadQualified
				case 3:
					// converted: the opportunity it became (opportunity ids are 1..nOpp here)
					l.Status, l.ConvOpp, l.ConvertedAt = crm.LeadConverted, int64(1+(i*7)%nOpp), benchNow.AddDate(0, 0, -rng.IntN(300))
				}
				if err := tx.CreateLead(l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	b.Logf("built %s: %d accounts, %d opportunities, %d activities, %d leads, %d campaigns in %s", path, nAcct, nOpp, nAct, nLead, len(camps), time.Since(start).Round(time.Second))
	return w, nil
}

// peakHeap samples the live heap every 2 ms while fn runs and returns the
// largest value above the heap before fn, in bytes.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				metrics.Read(s)
				if v := s[0].Value.Uint64(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	fn()
	close(done)
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

func measure(b *testing.B, fn func() error) {
	b.Helper()
	var heap uint64
	b.ResetTimer()
	for b.Loop() {
		heap = max(heap, peakHeap(func() {
			if err := fn(); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
}

// BenchmarkReports times each report over the whole data set as the
// administrator, next to the baseline: a bare scan of the activity,
// opportunity and account buckets through tx.Each (JSON decoding and
// access check of every record, nothing else).
func BenchmarkReports(b *testing.B) {
	w := openBench(b)
	f := report.Filter{From: benchNow.AddDate(0, -1, 0), To: benchNow, Loc: cst, Now: benchNow}
	b.Run("baseline-scan", func(b *testing.B) {
		measure(b, func() error {
			return w.s.View(crm.System, func(tx *crm.Tx) error {
				n := 0
				for _, k := range []crm.Kind{crm.KindActivity, crm.KindOpp, crm.KindAccount} {
					if err := tx.Each(k, func(crm.Record) bool { n++; return true }); err != nil {
						return err
					}
				}
				return nil
			})
		})
	})
	for _, name := range report.Names {
		b.Run(name, func(b *testing.B) {
			rows := 0
			measure(b, func() error {
				return w.s.View(crm.System, func(tx *crm.Tx) error {
					t, err := report.Run(tx, name, f)
					if err == nil {
						rows = len(t.Rows)
					}
					return err
				})
			})
			if rows == 0 {
				b.Fatalf("report %s found nothing in the data set: its time would say nothing", name)
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
	// a manager of one branch (D level): same reports, fewer records
	b.Run("funnel-as-manager", func(b *testing.B) {
		measure(b, func() error {
			return w.s.View(w.managers[0], func(tx *crm.Tx) error { _, err := report.Run(tx, "funnel", f); return err })
		})
	})
}

// BenchmarkWeeklyEmail50 builds the weekly report email data and chart of
// each of the 50 managers (his team of 10 salesmen), as the scheduler does.
func BenchmarkWeeklyEmail50(b *testing.B) {
	w := openBench(b)
	from := time.Date(2026, 11, 16, 0, 0, 0, 0, cst)
	measure(b, func() error {
		return w.s.View(crm.System, func(tx *crm.Tx) error {
			for _, m := range w.managers {
				f := report.Filter{From: from, To: from.AddDate(0, 0, 7), Loc: cst, Owners: w.teams[m.ID], Now: benchNow}
				if _, _, err := report.BuildEmail(tx, f, m.Name, m.Locale, false); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
