package pgstore_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// A visit through the seam, as crm and the gateway will make it: the
// account, its contacts, the sender's open activities (those due today
// read), a new activity with its index entries, its change set and history,
// the message's claim and the reply's outbox entry (its id from the
// outbox's sequence).

const (
	benchUsers    = 16
	benchAccounts = 200
	benchOpen     = 30 // open activities per user
)

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func benchBase(id, owner int64) crm.Base {
	return crm.Base{ID: id, Owner: owner, Branch: "Shenyang", Created: t0, Updated: t0}
}

func putRecord(etx crm.ETx, r crm.Record, ix []crm.IndexEntry) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return etx.Put(&crm.RecordWrite{Kind: r.RecordKind(), ID: r.RecordID(), Data: data, Record: r, Create: true, Index: ix})
}

func ownerEntry(k crm.Kind, owner, id int64) crm.IndexEntry {
	key := append(append([]byte(k), 0), be64(uint64(owner))...)
	return crm.IndexEntry{Index: crm.IxOwner, Key: append(key, be64(uint64(id))...)}
}

func linkEntry(account int64, k crm.Kind, id int64) crm.IndexEntry {
	key := append(append(be64(uint64(account)), k...), 0)
	return crm.IndexEntry{Index: crm.IxAccount, Key: append(key, be64(uint64(id))...)}
}

func nameEntry(k crm.Kind, tok string, id int64) crm.IndexEntry {
	key := append(append(append([]byte(k), 0), tok...), 0)
	return crm.IndexEntry{Index: crm.IxName, Key: append(key, be64(uint64(id))...), Val: []byte{0, 0, 1}}
}

func dueKey(due time.Time) []byte { return be64(uint64(due.UnixNano()) + 1<<63) }

func activityEntries(a *crm.Activity) []crm.IndexEntry {
	ix := []crm.IndexEntry{ownerEntry(crm.KindActivity, a.Owner, a.ID)}
	if a.Status == crm.StatusOpen {
		ix = append(ix, crm.IndexEntry{Index: crm.IxDue, Key: append(dueKey(a.Due), be64(uint64(a.ID))...)},
			crm.IndexEntry{Index: crm.IxOpenOwner, Key: append(be64(uint64(a.Owner)), be64(uint64(a.ID))...), Val: dueKey(a.Due)})
	}
	if a.Account != 0 {
		ix = append(ix, linkEntry(a.Account, crm.KindActivity, a.ID))
	}
	return ix
}

func seedVisits(b testing.TB, e crm.Engine) {
	ctx := context.Background()
	err := e.Update(ctx, func(etx crm.ETx) error {
		for u := int64(1); u <= benchUsers; u++ {
			id, _ := etx.NextID(crm.KindUser)
			if err := putRecord(etx, &crm.User{Base: benchBase(id, 0), Name: fmt.Sprint("user", u), Role: "sales"}, nil); err != nil {
				return err
			}
		}
		for a := int64(1); a <= benchAccounts; a++ {
			id, _ := etx.NextID(crm.KindAccount)
			owner := (a-1)%benchUsers + 1
			if err := putRecord(etx, &crm.Account{Base: benchBase(id, owner), Name: fmt.Sprint("account ", a)},
				[]crm.IndexEntry{nameEntry(crm.KindAccount, fmt.Sprint("account", a), id), ownerEntry(crm.KindAccount, owner, id)}); err != nil {
				return err
			}
			for c := 0; c < 3; c++ {
				cid, _ := etx.NextID(crm.KindContact)
				if err := putRecord(etx, &crm.Contact{Base: benchBase(cid, owner), Account: id, Name: fmt.Sprint("contact ", cid)},
					[]crm.IndexEntry{nameEntry(crm.KindContact, fmt.Sprint("contact", cid), cid), linkEntry(id, crm.KindContact, cid), ownerEntry(crm.KindContact, owner, cid)}); err != nil {
					return err
				}
			}
		}
		for u := int64(1); u <= benchUsers; u++ {
			for i := 0; i < benchOpen; i++ {
				id, _ := etx.NextID(crm.KindActivity)
				a := &crm.Activity{Base: benchBase(id, u), Type: "visit", Subject: "planned", Status: crm.StatusOpen, Priority: "normal",
					Account: (u-1)%benchAccounts + 1 + int64(i%10)*benchUsers, Due: t0.Add(time.Duration(i-10) * 12 * time.Hour)}
				if err := putRecord(etx, a, activityEntries(a)); err != nil {
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

// visit is one visit by user owner at account acct, message sid.
func visit(ctx context.Context, e crm.Engine, owner, acct int64, sid string) error {
	return e.Update(ctx, func(etx crm.ETx) error {
		if etx.State("gw/claims").Get([]byte("sms\x00"+sid)) != nil {
			return fmt.Errorf("claimed already")
		}
		if etx.Get(crm.KindAccount, acct) == nil {
			return fmt.Errorf("no account %d", acct)
		}
		var contacts int
		etx.Linked(acct, crm.KindContact, func(id int64) bool {
			if etx.Get(crm.KindContact, id) != nil {
				contacts++
			}
			return true
		})
		if contacts != 3 {
			return fmt.Errorf("account %d: %d contacts", acct, contacts)
		}
		endOfDay := t0.Add(14 * time.Hour)
		etx.OpenOwned(owner, func(id int64, due time.Time) bool {
			if !due.IsZero() && due.Before(endOfDay) {
				etx.Get(crm.KindActivity, id)
			}
			return true
		})
		id, err := etx.NextID(crm.KindActivity)
		if err != nil {
			return err
		}
		a := &crm.Activity{Base: benchBase(id, owner), Type: "visit", Subject: "visit", Status: crm.StatusDone, Priority: "normal",
			Account: acct, Contact: 1, DoneAt: t0, Notes: "met Zhang Wei; next: quote fri"}
		if err := putRecord(etx, a, activityEntries(a)); err != nil {
			return err
		}
		csID, err := etx.NextChangeSet()
		if err != nil {
			return err
		}
		cs := &crm.ChangeSet{ID: csID, At: t0, User: owner, Channel: "sms", MessageID: sid, Summary: "visit"}
		data, _ := json.Marshal(cs)
		if err := etx.PutChangeSet(cs, data); err != nil {
			return err
		}
		if err := etx.AddHistory(crm.KindActivity, id, csID); err != nil {
			return err
		}
		if err := etx.State("gw/claims").Put([]byte("sms\x00"+sid), []byte(`{"user":1,"reply":"OK visit"}`)); err != nil {
			return err
		}
		ob := etx.State("outbox/entries")
		n, err := ob.NextSequence()
		if err != nil {
			return err
		}
		if err := ob.Put(be64(n), []byte(`{"channel":"sms","to":"+8613800000002","body":"OK visit #`+fmt.Sprint(id)+`"}`)); err != nil {
			return err
		}
		return etx.Err()
	})
}

// TestEngineVisitRoundTrips counts what a visit costs on PostgreSQL: the
// claim's read (with BEGIN), the account, its contacts (their records come
// with the ids), the open activities (the same), the activity's id (with a
// change-set id), and every write with the COMMIT; the outbox's sequence
// (outside the transaction) only once per block of seqBlockSize numbers.
func TestEngineVisitRoundTrips(t *testing.T) {
	t.Parallel()
	var trips, writes atomic.Int64
	d := &net.Dialer{Timeout: 10 * time.Second}
	e := openEngine(t, pgstore.EngineOptions{RoundTrips: &trips, MaxConns: 1, PoolConfig: func(c *pgxpool.Config) {
		c.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: conn, writes: &writes}, nil
		}
	}})
	seedVisits(t, e)
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		trips.Store(0)
		writes.Store(0)
		if err := visit(ctx, e, 3, 3, fmt.Sprint("SMrt", i)); err != nil {
			t.Fatal(err)
		}
		want := int64(6)
		if i == 0 {
			want = 7 // the outbox's first block of numbers
		}
		if n := trips.Load(); n != want {
			t.Errorf("visit %d took %d round trips, want %d", i, n, want)
		}
		// the first visit prepares its statements on the connection
		if w := writes.Load(); i > 0 && w != trips.Load() {
			t.Errorf("visit %d: %d writes to the server's sockets, %d round trips counted", i, w, trips.Load())
		}
	}
	e.View(ctx, func(etx crm.ETx) error {
		n := 0
		etx.Linked(3, crm.KindActivity, func(int64) bool { n++; return true })
		if n < 3 {
			t.Errorf("%d activities at account 3 after three visits", n)
		}
		if v := etx.State("gw/claims").Get([]byte("sms\x00SMrt2")); v == nil {
			t.Error("the claim was not stored")
		}
		return nil
	})
}

type benchEngine struct {
	name string
	open func(b *testing.B) (crm.Engine, *atomic.Int64)
}

func benchEngines() []benchEngine {
	return []benchEngine{
		{"bbolt", func(b *testing.B) (crm.Engine, *atomic.Int64) {
			e, err := crm.OpenBoltEngine(filepath.Join(b.TempDir(), "crm.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { e.Close() })
			return e, nil
		}},
		{"pg", func(b *testing.B) (crm.Engine, *atomic.Int64) {
			var n atomic.Int64
			return openEngine(b, pgstore.EngineOptions{RoundTrips: &n, MaxConns: 20}), &n
		}},
		{"pg-ids-outside", func(b *testing.B) (crm.Engine, *atomic.Int64) {
			var n atomic.Int64
			return openEngine(b, pgstore.EngineOptions{RoundTrips: &n, MaxConns: 20, IDsOutside: true}), &n
		}},
		{"pg-rr-ids-outside", func(b *testing.B) (crm.Engine, *atomic.Int64) {
			var n atomic.Int64
			return openEngine(b, pgstore.EngineOptions{RoundTrips: &n, MaxConns: 20, IDsOutside: true, Isolation: pgstore.RepeatableRead}), &n
		}},
	}
}

// BenchmarkEngineVisit: one writer, visits one after another.
//
//	FIELDCRM_TEST_PG=… go test ./crm/pgstore -run '^$' -bench EngineVisit -benchtime 300x -count 3
func BenchmarkEngineVisit(b *testing.B) {
	for _, be := range benchEngines() {
		b.Run(be.name, func(b *testing.B) {
			e, trips := be.open(b)
			seedVisits(b, e)
			ctx := context.Background()
			if trips != nil {
				trips.Store(0)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				owner := int64(i%benchUsers + 1)
				if err := visit(ctx, e, owner, owner, fmt.Sprint("SM", i)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if trips != nil {
				b.ReportMetric(float64(trips.Load())/float64(b.N), "trips/visit")
			}
		})
	}
}

// BenchmarkEngineVisitParallel: 16 writers at once, each a salesman of his
// own (the conflicts are the engine's: the id counter row, index pages).
func BenchmarkEngineVisitParallel(b *testing.B) {
	for _, be := range benchEngines() {
		b.Run(be.name, func(b *testing.B) {
			e, trips := be.open(b)
			seedVisits(b, e)
			ctx := context.Background()
			var next, runs atomic.Int64
			if trips != nil {
				trips.Store(0)
			}
			b.ResetTimer()
			runParallel(b, 16, func(w int) error {
				i := next.Add(1)
				runs.Add(1)
				owner := int64(w + 1)
				return visit(ctx, e, owner, owner+int64(i%10)*benchUsers, fmt.Sprint("SMp", i))
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "visits/s")
			if trips != nil {
				b.ReportMetric(float64(trips.Load())/float64(b.N), "trips/visit")
			}
		})
	}
}

// runParallel runs b.N calls of fn spread over n goroutines (worker w).
func runParallel(b *testing.B, n int, fn func(w int) error) {
	var left atomic.Int64
	left.Store(int64(b.N))
	errs := make(chan error, n)
	for w := 0; w < n; w++ {
		go func() {
			for left.Add(-1) >= 0 {
				if err := fn(w); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for w := 0; w < n; w++ {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
}
