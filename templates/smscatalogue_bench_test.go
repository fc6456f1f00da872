package templates_test

// BenchmarkFitSMS puts every SMS fieldcrm words (both languages, every
// variant and page of the golden data) through FitSMS in turn, and reports,
// next to it, templates.Segments on the same bodies measured in the same run
// (only the ratio is meaningful on these shared machines):
//
//	go test ./templates -run '^$' -bench BenchmarkFitSMS
//
// ns/op, B/op and allocs/op are FitSMS's per message; segments-ns/op the
// baseline's; ratio-to-segments is FitSMS time over Segments time.

import (
	"runtime"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/templates"
)

func BenchmarkFitSMS(b *testing.B) {
	msgs := allSMS(b)
	templates.SMSCatalogue("aliyun") // built once, outside the timing
	const block = 512
	var baseTime time.Duration
	var baseMallocs uint64
	var m0, m1 runtime.MemStats
	n, split := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		m := msgs[n%len(msgs)]
		parts, err := templates.FitSMS("aliyun", m.kind, m.body)
		if err != nil {
			b.Fatal(err)
		}
		if len(parts) > 1 {
			split++
		}
		if n++; n%block == 0 {
			b.StopTimer()
			runtime.ReadMemStats(&m0)
			t0 := time.Now()
			for i := n - block; i < n; i++ {
				segSink, _ = templates.Segments(msgs[i%len(msgs)].body)
			}
			baseTime += time.Since(t0)
			runtime.ReadMemStats(&m1)
			baseMallocs += m1.Mallocs - m0.Mallocs
			b.StartTimer()
		}
	}
	if n >= block {
		runs := float64(n / block * block)
		fit := float64(b.Elapsed().Nanoseconds()) / float64(n)
		base := float64(baseTime.Nanoseconds()) / runs
		b.ReportMetric(base, "segments-ns/op")
		b.ReportMetric(fit/base, "ratio-to-segments")
		b.ReportMetric(float64(split)/float64(n), "split-fraction")
	}
}

var segSink int
