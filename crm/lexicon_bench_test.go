package crm_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkLexicon measures a salesman's lexicon on a store of 100,000
// accounts (a real bbolt file; 50,000 accounts and their contacts in his
// branch): the first build, a cached call, and a call right after a write
// that adds an account to his branch (the refresh), next to the baseline of
// one bbolt Get in the same run; and the first call of every other
// salesman (a new scope, served from the store's name table that the first
// build read), as a ratio to that first build:
//
//	go test ./crm -run '^$' -bench BenchmarkLexicon -benchtime 2000x
func BenchmarkLexicon(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	w := benchOpen(b, b.TempDir(), true, n, lookupNames)
	defer w.s.Close()
	actor := w.users[0]
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(float64(len(d))*p))].Nanoseconds()) / 1000
	}
	var baseP50, baseP99 float64
	b.Run("baseline-bbolt-get", func(b *testing.B) {
		key := make([]byte, 8)
		var d []time.Duration
		i := 0
		for b.Loop() {
			t0 := time.Now()
			w.s.BoltDB().View(func(tx *bolt.Tx) error {
				binary.BigEndian.PutUint64(key, uint64(1+i%n))
				_ = tx.Bucket([]byte("rec/account")).Get(key)
				return nil
			})
			d = append(d, time.Since(t0))
			i++
		}
		baseP50, baseP99 = pct(d, 0.5), pct(d, 0.99)
		b.ReportMetric(baseP50, "p50-µs")
		b.ReportMetric(baseP99, "p99-µs")
	})
	// the first call starts the build in the background (the store is big)
	// and answers at once with no lexicon; later calls get it when ready
	t0 := time.Now()
	lex, err := w.s.Lexicon(actor)
	if err != nil {
		b.Fatal(err)
	}
	firstCall := time.Since(t0)
	for lex == nil {
		time.Sleep(time.Millisecond)
		if lex, err = w.s.Lexicon(actor); err != nil {
			b.Fatal(err)
		}
	}
	first := time.Since(t0)
	b.Run(fmt.Sprintf("first-build-accounts=%d", n), func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(float64(first.Milliseconds()), "build-ms")
		b.ReportMetric(float64(firstCall.Microseconds()), "first-call-µs")
		b.ReportMetric(float64(lex.Len()), "names")
	})
	// every other salesman's first call: a scope of its own (or his
	// branch's) whose base is a view of the table the first build read.
	// Before the shared table, each of them read the store as the first
	// build did: new-scope-ratio-to-first-build is the gain
	var scopeFirst []time.Duration
	for _, u := range w.users[1:] {
		t0 := time.Now()
		l, err := w.s.Lexicon(u)
		if err != nil {
			b.Fatal(err)
		}
		scopeFirst = append(scopeFirst, time.Since(t0))
		if l == nil || l.Len() == 0 {
			b.Fatalf("%s: no lexicon on his first call once the table is read", u.Name)
		}
	}
	b.Run("first-build-new-scope", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(pct(scopeFirst, 1), "max-µs") // the other branch's scope; the rest share one
		b.ReportMetric(pct(scopeFirst, 1)/float64(first.Microseconds()), "new-scope-ratio-to-first-build")
	})
	report := func(b *testing.B, d []time.Duration) {
		b.ReportMetric(pct(d, 0.5), "p50-µs")
		b.ReportMetric(pct(d, 0.99), "p99-µs")
		b.ReportMetric(pct(d, 1), "max-µs")
		if baseP50 > 0 {
			b.ReportMetric(pct(d, 0.5)/baseP50, "p50-ratio-to-get")
			b.ReportMetric(pct(d, 0.99)/baseP99, "p99-ratio-to-get")
		}
	}
	b.Run("cached", func(b *testing.B) {
		var d []time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := w.s.Lexicon(actor); err != nil {
				b.Fatal(err)
			}
			d = append(d, time.Since(t0))
		}
		report(b, d)
	})
	b.Run("after-write", func(b *testing.B) {
		var d []time.Duration
		i := 0
		meta := crm.Meta{Actor: actor, Channel: "bench"}
		for b.Loop() {
			b.StopTimer()
			_, err := w.s.Update(context.Background(), meta, func(tx *crm.Tx) error {
				return tx.CreateAccount(&crm.Account{Name: fmt.Sprintf("Fresh Quarry %d", i)}, &crm.Contact{Name: fmt.Sprintf("Fresh Person %d", i)})
			})
			if err != nil {
				b.Fatal(err)
			}
			i++
			b.StartTimer()
			t0 := time.Now()
			l, err := w.s.Lexicon(actor)
			if err != nil {
				b.Fatal(err)
			}
			d = append(d, time.Since(t0))
			if l.Len() < lex.Len() {
				b.Fatal("names lost")
			}
		}
		report(b, d)
	})
}
