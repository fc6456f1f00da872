package crm_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	bolt "go.etcd.io/bbolt"
)

// The benchmarks of issue 2. Each reports its figure next to a baseline
// measured in the same run, because these machines are noisy:
//
//	go test ./crm -run '^$' -bench BenchmarkInsertActivities -benchtime 1000000x
//	go test ./crm -run '^$' -bench BenchmarkOpenDue
//	go test ./crm -run '^$' -bench BenchmarkLookup

var benchNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

type benchWorld struct {
	s        *crm.Store
	users    []*crm.User
	accounts []int64
}

// benchOpen opens a store with a few users in two branches and n accounts
// (each with a contact, as the rule wants).
func benchOpen(tb testing.TB, dir string, noSync bool, nAccounts int, names func(i int) (string, string)) *benchWorld {
	tb.Helper()
	s, err := crm.Open(filepath.Join(dir, "bench.db"), crm.Options{Now: func() time.Time { return benchNow }, NoSync: noSync})
	if err != nil {
		tb.Fatal(err)
	}
	w := &benchWorld{s: s}
	ctx := context.Background()
	meta := crm.Meta{Actor: crm.System, Channel: "import"}
	_, err = s.Update(ctx, meta, func(tx *crm.Tx) error {
		w.users = w.users[:0]
		for i := range 20 {
			branch := []string{"shenyang", "dalian"}[i%2]
			u := &crm.User{Name: fmt.Sprintf("Sales %d", i), Phones: []string{fmt.Sprintf("1380000%04d", i)},
				Role: crm.RoleSalesman, Base: crm.Base{Branch: branch, Dept: "machines"}}
			if err := tx.SaveUser(u); err != nil {
				return err
			}
			w.users = append(w.users, u)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	for start := 0; start < nAccounts; start += 5000 {
		_, err := s.Update(ctx, meta, func(tx *crm.Tx) error {
			ids := make([]int64, 0, 5000)
			for i := start; i < min(start+5000, nAccounts); i++ {
				name, phone := names(i)
				a := &crm.Account{Base: crm.Base{Owner: w.users[(i/2)%len(w.users)].ID}, Name: name}
				if phone != "" {
					a.Phones = []string{phone}
				}
				if err := tx.CreateAccount(a, &crm.Contact{Name: "Contact " + name}); err != nil {
					return err
				}
				ids = append(ids, a.ID)
			}
			w.accounts = append(w.accounts, ids...)
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return w
}

func plainNames(i int) (string, string) { return fmt.Sprintf("Account %d", i), "" }

// insertActivities adds n activities in requests of batch, due over the next
// days; due(i) says whether activity i is open and due before benchNow+1h.
func (w *benchWorld) insertActivities(tb testing.TB, n, batch int, due func(i int) bool) {
	tb.Helper()
	meta := crm.Meta{Actor: crm.System, Channel: "import"}
	for start := 0; start < n; start += batch {
		_, err := w.s.Update(context.Background(), meta, func(tx *crm.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				a := benchActivity(w, i)
				if due != nil {
					if due(i) {
						a.Due = benchNow.Add(-time.Duration(i%1000) * time.Minute)
					} else {
						a.Due = benchNow.Add(time.Hour + time.Duration(i)*time.Second)
					}
				}
				if err := tx.CreateActivity(a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

func benchActivity(w *benchWorld, i int) *crm.Activity {
	a := &crm.Activity{Base: crm.Base{Owner: w.users[i%len(w.users)].ID}, Type: crm.ActVisit,
		Subject: "visit about 2x 320D quote", Notes: "met purchasing; wants a demo next week",
		Account: w.accounts[i%len(w.accounts)], Due: benchNow.Add(time.Duration(i%5000) * time.Hour)}
	if i%2 == 0 {
		a.Status, a.Outcome = crm.StatusDone, "quote sent"
	}
	return a
}

func fileSize(tb testing.TB, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkInsertActivities inserts b.N activities through crm in requests of
// 10,000 (records, indexes, history, one fsync per request), next to the
// baseline: the same JSON written to a bare bbolt bucket in the same batches.
// Run with -benchtime 1000000x for the million.
func BenchmarkInsertActivities(b *testing.B) {
	const batch = 10000
	dir := b.TempDir()
	w := benchOpen(b, dir, false, 1000, plainNames)
	defer w.s.Close()
	sample, _ := json.Marshal(benchActivity(w, 1))

	// baseline: raw bbolt, same payload size, same batches, fsync per batch
	raw, err := bolt.Open(filepath.Join(dir, "raw.db"), 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	b.ResetTimer()
	t0 := time.Now()
	for start := 0; start < b.N; start += batch {
		err := raw.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("a"))
			if err != nil {
				return err
			}
			for i := start; i < min(start+batch, b.N); i++ {
				id, _ := bk.NextSequence()
				k := make([]byte, 8)
				binary.BigEndian.PutUint64(k, id)
				if err := bk.Put(k, sample); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	rawDur := time.Since(t0)
	before := fileSize(b, w.s.Path())
	t0 = time.Now()
	w.insertActivities(b, b.N, batch, nil)
	crmDur := time.Since(t0)
	b.StopTimer()
	after := fileSize(b, w.s.Path())
	rawRate := float64(b.N) / rawDur.Seconds()
	crmRate := float64(b.N) / crmDur.Seconds()
	b.ReportMetric(crmRate, "inserts/s")
	b.ReportMetric(rawRate, "raw-bbolt-inserts/s")
	b.ReportMetric(crmRate/rawRate, "ratio-to-raw")
	b.ReportMetric(float64(after-before)/float64(b.N), "file-bytes/record")
	b.ReportMetric(float64(fileSize(b, filepath.Join(dir, "raw.db")))/float64(b.N), "raw-file-bytes/record")
}

// BenchmarkOpenDue asks for the open activities due before now in stores of
// 100,000 and 1,000,000 activities of which 1,000 are due: the time must
// follow the 1,000, not the store's size. The baseline (same run) is a full
// scan of the 100,000 store's activities.
func BenchmarkOpenDue(b *testing.B) {
	sizes := []int{100_000, 1_000_000}
	if testing.Short() {
		sizes = []int{10_000, 100_000}
	}
	stores := map[int]*benchWorld{}
	for _, n := range sizes {
		w := benchOpen(b, b.TempDir(), true, 1000, plainNames)
		defer w.s.Close()
		every := n / 1000
		w.insertActivities(b, n, 20000, func(i int) bool { return i%every == 1 })
		stores[n] = w
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("activities=%d", n), func(b *testing.B) {
			w := stores[n]
			for b.Loop() {
				count := 0
				err := w.s.View(crm.System, func(tx *crm.Tx) error {
					return tx.OpenDue(benchNow, func(*crm.Activity) bool { count++; return true })
				})
				if err != nil || count != 1000 {
					b.Fatalf("due: %d, %v", count, err)
				}
			}
		})
	}
	b.Run(fmt.Sprintf("baseline-full-scan=%d", sizes[0]), func(b *testing.B) {
		w := stores[sizes[0]]
		for b.Loop() {
			count := 0
			w.s.View(crm.System, func(tx *crm.Tx) error {
				return tx.Each(crm.KindActivity, func(r crm.Record) bool {
					a := r.(*crm.Activity)
					if a.Status == crm.StatusOpen && a.Due.Before(benchNow) {
						count++
					}
					return true
				})
			})
			if count != 1000 {
				b.Fatalf("scan found %d", count)
			}
		}
	})
}

var (
	syllables = strings.Fields("ka ro vi den tal mor shi an lu zer pol ni ga ber sto lin qua fen dor mas te ri co vel hu ban sel to pra gun")
	industry  = strings.Fields("Mining Construction Quarry Transport Logistics Engineering Cement Steel Energy Port Forestry Infrastructure")
	suffix    = strings.Fields("Co. Ltd Group Corp")
	hanPool   = []rune("华鑫恒泰宏达金龙盛源鼎丰隆昌兴旺瑞祥永安天成富康凯利嘉禾中联东方远大新世纪海山石松铁鞍营口抚顺辽宁沈阳大连锦州丹东本溪阜新盘锦铁岭朝阳葫芦岛")
	hanInd    = []string{"矿业", "建设", "物流", "工程", "水泥", "钢铁", "能源", "港务", "林业", "机械"}
)

func lookupNames(i int) (string, string) {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	phone := fmt.Sprintf("139%08d", r.IntN(100_000_000))
	if i%2 == 0 {
		var w strings.Builder
		for range 2 + r.IntN(2) {
			w.WriteString(syllables[r.IntN(len(syllables))])
		}
		word := strings.ToUpper(w.String()[:1]) + w.String()[1:]
		return word + " " + industry[r.IntN(len(industry))] + " " + suffix[r.IntN(len(suffix))], phone
	}
	var h []rune
	for range 2 + r.IntN(2) {
		h = append(h, hanPool[r.IntN(len(hanPool))])
	}
	return string(h) + hanInd[r.IntN(len(hanInd))] + "有限公司", phone
}

// BenchmarkLookup looks accounts up by name fragments, Chinese prefixes,
// phone fragments and two-word queries in a store of 100,000 accounts, as a
// salesman (access checks included). It reports p50 and p99 per lookup, next
// to the baseline of one bare bbolt read transaction with one Get.
func BenchmarkLookup(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	w := benchOpen(b, b.TempDir(), true, n, lookupNames)
	defer w.s.Close()
	r := rand.New(rand.NewPCG(1, 2))
	queries := make([]string, 4096)
	for i := range queries {
		name, phone := lookupNames(r.IntN(n))
		fields := strings.Fields(name)
		switch k := r.IntN(10); {
		case k < 4:
			queries[i] = fields[0]
		case k < 6 && len(fields) > 1:
			queries[i] = fields[0][:min(4, len(fields[0]))]
		case k < 6:
			queries[i] = string([]rune(name)[:2])
		case k < 8 && len(fields) > 1:
			queries[i] = strings.ToLower(fields[0] + " " + fields[1])
		case k < 8:
			queries[i] = string([]rune(name)[:4])
		default:
			queries[i] = phone[3:9]
		}
	}
	actor := w.users[0]
	measure := func(b *testing.B, fn func(q string)) []time.Duration {
		durs := make([]time.Duration, 0, b.N)
		i := 0
		for b.Loop() {
			t0 := time.Now()
			fn(queries[i%len(queries)])
			durs = append(durs, time.Since(t0))
			i++
		}
		slices.Sort(durs)
		return durs
	}
	pct := func(d []time.Duration, p float64) float64 {
		return float64(d[min(len(d)-1, int(float64(len(d))*p))].Nanoseconds()) / 1000
	}
	var baseP50, baseP99 float64
	b.Run("baseline-bbolt-get", func(b *testing.B) {
		key := make([]byte, 8)
		d := measure(b, func(string) {
			w.s.BoltDB().View(func(tx *bolt.Tx) error {
				binary.BigEndian.PutUint64(key, uint64(1+r.IntN(n)))
				_ = tx.Bucket([]byte("rec/account")).Get(key)
				return nil
			})
		})
		baseP50, baseP99 = pct(d, 0.5), pct(d, 0.99)
		b.ReportMetric(baseP50, "p50-µs")
		b.ReportMetric(baseP99, "p99-µs")
	})
	b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
		found := 0
		d := measure(b, func(q string) {
			w.s.View(actor, func(tx *crm.Tx) error {
				c, err := tx.Lookup(crm.KindAccount, q, 5)
				if err != nil {
					b.Fatal(err)
				}
				if len(c) > 0 {
					found++
				}
				return nil
			})
		})
		b.ReportMetric(pct(d, 0.5), "p50-µs")
		b.ReportMetric(pct(d, 0.99), "p99-µs")
		if baseP50 > 0 {
			b.ReportMetric(pct(d, 0.5)/baseP50, "p50-ratio-to-get")
			b.ReportMetric(pct(d, 0.99)/baseP99, "p99-ratio-to-get")
		}
		b.ReportMetric(float64(found)/float64(len(d)), "found-share")
	})
}
