package templates_test

// BenchmarkRenderSMS renders ok_activity through the template set and
// reports, next to it, a fmt.Sprintf of the same sentence measured in the
// same run (these machines are noisy, so only the ratio is meaningful):
//
//	go test ./templates -run '^$' -bench BenchmarkRenderSMS
//
// ns/op, B/op and allocs/op are the template's; sprintf-ns/op and
// sprintf-allocs/op the baseline's; ratio-to-sprintf is template time over
// Sprintf time.

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/templates"
)

func BenchmarkRenderSMS(b *testing.B) {
	set := templates.MustNew()
	due := time.Date(2025, 11, 28, 0, 0, 0, 0, time.UTC)
	data := OkActivity{Kind: "visit", ID: 231, Account: "ACME Mining", Contact: "Zhang Wei",
		Next: &Next{ID: 232, What: "quote", Due: due, HasDue: true}}
	want := "OK visit #231 ACME Mining, Zhang Wei. Next: quote Fri 28/11 #232. UNDO to undo"
	sprintf := func() string {
		return fmt.Sprintf("OK %s #%d %s, %s. Next: %s %s #%d. UNDO to undo",
			data.Kind, data.ID, data.Account, data.Contact, data.Next.What, data.Next.Due.Format("Mon 2/1"), data.Next.ID)
	}
	if got, err := set.SMS("en", "ok_activity", data); err != nil || got != want || sprintf() != want {
		b.Fatalf("got %q, %v; sprintf %q", got, err, sprintf())
	}

	// The baseline runs interleaved with the template, in blocks of 512, so
	// both see the same machine load; its time is measured by hand with the
	// benchmark timer stopped, and its allocations by runtime.MemStats.
	const block = 512
	var baseTime time.Duration
	var baseMallocs uint64
	var m0, m1 runtime.MemStats
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.SMS("en", "ok_activity", data); err != nil {
			b.Fatal(err)
		}
		if n++; n%block == 0 {
			b.StopTimer()
			runtime.ReadMemStats(&m0)
			t0 := time.Now()
			for range block {
				sink = sprintf()
			}
			baseTime += time.Since(t0)
			runtime.ReadMemStats(&m1)
			baseMallocs += m1.Mallocs - m0.Mallocs
			b.StartTimer()
		}
	}
	if n >= block {
		runs := float64(n / block * block)
		tpl := float64(b.Elapsed().Nanoseconds()) / float64(n)
		base := float64(baseTime.Nanoseconds()) / runs
		b.ReportMetric(base, "sprintf-ns/op")
		b.ReportMetric(float64(baseMallocs)/runs, "sprintf-allocs/op")
		b.ReportMetric(tpl/base, "ratio-to-sprintf")
	}
}

var sink string
