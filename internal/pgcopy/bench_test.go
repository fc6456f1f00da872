package pgcopy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/internal/demodata"
	"github.com/fieldcrm/fieldcrm/internal/pgcopy"
	"github.com/fieldcrm/fieldcrm/internal/pgtest"
)

// benchAccounts is how far the demo grows: each new account with a
// contact and a visit, every third with an opportunity (each created by
// crm, so with change sets and history as in real use).
const benchAccounts = 10_000

var bigOnce struct {
	sync.Once
	path    string
	records int
	err     error
}

// bigDB builds the grown demo once per process, in a directory kept until
// the process ends.
func bigDB(b *testing.B) (string, int) {
	bigOnce.Do(func() {
		dir, err := tempDir()
		if err != nil {
			bigOnce.err = err
			return
		}
		bigOnce.path = filepath.Join(dir, "big.db")
		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		s, err := crm.Open(bigOnce.path, crm.Options{NoSync: true, Now: func() time.Time { return now }})
		if err != nil {
			bigOnce.err = err
			return
		}
		defer s.Close()
		ctx := context.Background()
		if bigOnce.err = demodata.Seed(ctx, s); bigOnce.err != nil {
			return
		}
		var owners []int64
		s.View(crm.System, func(tx *crm.Tx) error {
			tx.Each(crm.KindUser, func(r crm.Record) bool {
				if u := r.(*crm.User); u.Role == crm.RoleSalesman {
					owners = append(owners, u.ID)
				}
				return true
			})
			return nil
		})
		const chunk = 250
		for i := 0; i < benchAccounts; i += chunk {
			_, err := s.Update(ctx, crm.Meta{Actor: crm.System, Channel: "import"}, func(tx *crm.Tx) error {
				for j := i; j < i+chunk && j < benchAccounts; j++ {
					o := owners[j%len(owners)]
					a := &crm.Account{Base: crm.Base{Owner: o}, Name: fmt.Sprintf("Bench Quarry %05d", j), City: "Shenyang", Industry: "mining"}
					c := &crm.Contact{Base: crm.Base{Owner: o}, Name: fmt.Sprintf("Zhang %05d", j), Mobile: fmt.Sprintf("139%08d", j)}
					if err := tx.CreateAccount(a, c); err != nil {
						return err
					}
					if err := tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: o}, Type: crm.ActVisit, Subject: "visit",
						Account: a.ID, Contact: c.ID, Status: crm.StatusDone, Priority: "normal", DoneAt: now}); err != nil {
						return err
					}
					if j%3 == 0 {
						if err := tx.CreateOpp(&crm.Opportunity{Base: crm.Base{Owner: o}, Name: "320D", Account: a.ID, Amount: 1_200_000, Probability: 20}); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				bigOnce.err = err
				return
			}
		}
		s.View(crm.System, func(tx *crm.Tx) error {
			for _, k := range crm.Kinds {
				tx.Each(k, func(crm.Record) bool { bigOnce.records++; return true })
			}
			return nil
		})
	})
	if bigOnce.err != nil {
		b.Fatal(bigOnce.err)
	}
	return bigOnce.path, bigOnce.records
}

// BenchmarkMigrate copies the demo grown to 10,000 accounts into an empty
// PostgreSQL database (Replace after the first round), beside reading every
// key of the same bbolt file in one transaction (the baseline, same run):
// ratio = migrate time / read time.
func BenchmarkMigrate(b *testing.B) {
	path, records := bigDB(b)
	dsn := pgtest.DB(b)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	read := func() (int, time.Duration) {
		t0 := time.Now()
		n := 0
		db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(_ []byte, bk *bolt.Bucket) error {
				return bk.ForEach(func(k, v []byte) error { n += len(k) + len(v); return nil })
			})
		})
		return n, time.Since(t0)
	}
	read() // the file in the page cache for both
	var copyT, readT time.Duration
	var rows int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		sum, err := pgcopy.Copy(ctx, db, pool, pgcopy.Options{Replace: true, Progress: benchProgress})
		if err != nil {
			b.Fatal(err)
		}
		copyT += time.Since(t0)
		rows = 0
		for _, t := range sum.Tables {
			rows += t.Rows
		}
		_, d := read()
		readT += d
	}
	b.StopTimer()
	b.ReportMetric(float64(records)*float64(b.N)/copyT.Seconds(), "records/s")
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(records)*float64(b.N)/readT.Seconds(), "read-records/s")
	b.ReportMetric(copyT.Seconds()/readT.Seconds(), "ratio")
	rep, err := pgcopy.Check(ctx, pool)
	if err != nil || len(rep.Problems) > 0 {
		b.Fatalf("check after the copy: %v %v", err, rep.Problems)
	}
}

func tempDir() (string, error) { return os.MkdirTemp("", "pgcopy-bench-") }

func TestMain(m *testing.M) {
	code := m.Run()
	if bigOnce.path != "" {
		os.RemoveAll(filepath.Dir(bigOnce.path))
	}
	os.Exit(code)
}

var benchProgress = func(table string, rows int64, took time.Duration) {
	if os.Getenv("PGCOPY_PROGRESS") != "" {
		fmt.Fprintf(os.Stderr, "%-24s %8d %s\n", table, rows, took)
	}
}
