package web_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
)

// reportBenchAccounts is how many accounts BenchmarkReportPage adds to the demo
// data (REPORTS_BENCH_ACCOUNTS, default 5,000), each with two opportunities
// (one in three closed in the last 60 days: won, lost or no deal) and ten activities (half done
// in the last 60 days), owned in turn by Wang Jun, Li Na, Zhao Lei
// (Shenyang) and Ma Qiang (Dalian).
func reportBenchAccounts() int {
	if n, err := strconv.Atoi(os.Getenv("REPORTS_BENCH_ACCOUNTS")); err == nil && n >= 0 {
		return n
	}
	return 5000
}

func growDemo(b testing.TB, e *env, n int) {
	b.Helper()
	owners := []*crm.User{e.Users["Wang Jun"], e.Users["Li Na"], e.Users["Zhao Lei"], e.Users["Ma Qiang"]}
	now := e.Clock.Now()
	types := []string{crm.ActVisit, crm.ActCall, crm.ActMeeting, crm.ActTask, crm.ActRevisit}
	const chunk = 1000
	for lo := 0; lo < n; lo += chunk {
		_, err := e.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "import", Summary: "bench"}, func(tx *crm.Tx) error {
			for i := lo; i < min(n, lo+chunk); i++ {
				o := owners[i%len(owners)]
				a := &crm.Account{Base: crm.Base{Owner: o.ID}, Name: fmt.Sprintf("Bench Works %06d", i), Industry: []string{"mining", "construction", "port"}[i%3],
					Phones: []string{fmt.Sprintf("024-5%07d", i)}}
				c := &crm.Contact{Base: crm.Base{Owner: o.ID}, Name: fmt.Sprintf("Bench Person %06d", i), Mobile: fmt.Sprintf("139%08d", 50000000+i)}
				if err := tx.CreateAccount(a, c); err != nil {
					return err
				}
				for k := 0; k < 2; k++ {
					op := &crm.Opportunity{Base: crm.Base{Owner: o.ID}, Account: a.ID, Amount: crm.Money(int64(50+i%400) * 1_000_000),
						Close: now.AddDate(0, 0, 5+i%120), Stage: crm.Stage(1 + (i+k)%4)}
					if (i+k)%3 == 0 {
						op.Stage = crm.Stage(5 + (i/3)%3) // won, lost, no deal
						op.ClosedAt = now.AddDate(0, 0, -(i % 60))
						if op.Stage == crm.StageLost {
							op.LostTo, op.LostReason = []string{"Komatsu", "Sany", "XCMG"}[i%3], "price"
						}
					}
					if err := tx.CreateOpp(op); err != nil {
						return err
					}
				}
				for k := 0; k < 10; k++ {
					act := &crm.Activity{Base: crm.Base{Owner: o.ID}, Type: types[(i+k)%len(types)], Subject: "bench", Account: a.ID,
						Due: now.AddDate(0, 0, k-5)}
					if k%2 == 0 {
						act.Status, act.DoneAt = crm.StatusDone, now.AddDate(0, 0, -((i+k)%60)).Add(-time.Hour)
					}
					if err := tx.CreateActivity(act); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReportPage: the report page (HTML, over HTTP on loopback, as the
// manager Liu Yang, last month) and its chart, beside report.Run — what
// `fieldcrm report NAME --as liu` computes — in the same loop: p50 and p99
// of each and their ratio.
//
//	go test ./web -run '^$' -bench BenchmarkReportPage -benchtime 100x
func BenchmarkReportPage(b *testing.B) {
	e := start(b)
	n := reportBenchAccounts()
	t0 := time.Now()
	growDemo(b, e, n)
	b.Logf("demo data + %d accounts, %d opportunities, %d activities built in %v", n, 2*n, 10*n, time.Since(t0).Round(time.Millisecond))
	c := e.signIn("Liu Yang")
	liu := e.Users["Liu Yang"]
	now := e.Clock.Now()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, shanghai)
	f := report.Filter{From: first.AddDate(0, -1, 0), To: first, Loc: shanghai, IdleDays: 30}
	for _, name := range []string{"funnel", "participation", "visits", "lost", "accounts"} {
		var rows int
		e.Store.View(liu, func(tx *crm.Tx) error {
			t, err := report.Run(tx, name, f)
			if err == nil {
				rows = len(t.Rows)
			}
			return err
		})
		b.Logf("%s: %d rows", name, rows)
		b.Run(name, func(b *testing.B) {
			var page, chart, cliD []time.Duration
			for i := 0; i < b.N; i++ {
				t := time.Now()
				if st, body := c.Get("/reports/" + name + "?period=last_month"); st != 200 {
					b.Fatalf("%d %s", st, visible(body))
				}
				page = append(page, time.Since(t))
				t = time.Now()
				if st, _ := c.Get("/reports/" + name + "/chart.png?period=last_month"); st != 200 {
					b.Fatalf("chart %d", st)
				}
				chart = append(chart, time.Since(t))
				t = time.Now()
				err := e.Store.View(liu, func(tx *crm.Tx) error {
					_, err := report.Run(tx, name, f)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				cliD = append(cliD, time.Since(t))
			}
			pp50, pp99 := pct(page, 50), pct(page, 99)
			c50, c99 := pct(cliD, 50), pct(cliD, 99)
			b.ReportMetric(ms(pp50), "page-p50-ms")
			b.ReportMetric(ms(pp99), "page-p99-ms")
			b.ReportMetric(ms(pct(chart, 50)), "chart-p50-ms")
			b.ReportMetric(ms(c50), "cli-p50-ms")
			b.ReportMetric(ms(c99), "cli-p99-ms")
			b.ReportMetric(float64(pp50)/float64(c50), "page/cli-p50")
			b.ReportMetric(float64(pp99)/float64(c99), "page/cli-p99")
		})
	}
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
