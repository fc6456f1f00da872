package crm_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// testClock is the injected clock of a test store: it stands still until the
// test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

// t0 is the time test stores start at: a Wednesday morning in Shenyang.
var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newTestClock() *testClock { return &testClock{t: t0} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// openStoreWithClock opens a store in a fresh temporary file, closed when the
// test ends.
func openStoreWithClock(tb testing.TB, clk *testClock, policy crm.Policy) *crm.Store {
	tb.Helper()
	s, err := openTestStore(tb, filepath.Join(tb.TempDir(), "crm.db"), crm.Options{Now: clk.Now, Policy: policy, NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return s
}

// viaEngine is the subtest under which TestViaEngine runs tests again:
// their stores are opened on the direct path.
const viaEngine = "via-engine"

// openTestStore opens a store on the bbolt file at path: with its single
// writer (crm.Open), or, within TestViaEngine, on its engine without the
// writer (crm.OpenEngine, as on PostgreSQL).
func openTestStore(tb testing.TB, path string, o crm.Options) (*crm.Store, error) {
	if strings.Contains(tb.Name(), "/"+viaPostgres+"/") {
		return openPostgresStore(tb, o)
	}
	if strings.Contains(tb.Name(), "/"+viaEngine+"/") {
		return crm.OpenDirect(path, o)
	}
	return crm.Open(path, o)
}

// MustOpenStore opens an empty store on a temporary file with a clock that
// stands at t0.
func MustOpenStore(tb testing.TB) *crm.Store {
	tb.Helper()
	return openStoreWithClock(tb, newTestClock(), nil)
}

var msgSeq atomic.Int64

// update runs fn through Store.Update as actor, as if from an SMS with a
// fresh message id.
func update(s *crm.Store, actor *crm.User, fn func(*crm.Tx) error) (*crm.ChangeSet, error) {
	n := msgSeq.Add(1)
	return s.Update(context.Background(), crm.Meta{Actor: actor, Channel: "test",
		MessageID: fmt.Sprintf("msg-%d", n), Summary: "test request"}, fn)
}

// mustUpdate runs fn as actor and fails the test when it is refused.
func mustUpdate(t testing.TB, s *crm.Store, actor *crm.User, fn func(*crm.Tx) error) *crm.ChangeSet {
	t.Helper()
	cs, err := update(s, actor, fn)
	if err != nil {
		t.Fatalf("update as %s: %v", actor.Name, err)
	}
	return cs
}

// mustView runs fn in a read transaction as actor.
func mustView(t testing.TB, s *crm.Store, actor *crm.User, fn func(*crm.Tx) error) {
	t.Helper()
	if err := s.View(actor, fn); err != nil {
		t.Fatalf("view as %s: %v", actor.Name, err)
	}
}

// wantErr checks that err is a crm refusal with code whose message contains
// every one of the fragments (case-insensitive).
func wantErr(t testing.TB, err error, code string, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error, got none", code)
	}
	if got := crm.ErrorCode(err); got != code {
		t.Fatalf("want code %s, got %s (%v)", code, got, err)
	}
	msg := strings.ToLower(crm.ErrorMessage(err))
	for _, f := range fragments {
		if !strings.Contains(msg, strings.ToLower(f)) {
			t.Errorf("message %q does not say %q", crm.ErrorMessage(err), f)
		}
	}
}

// countKind counts the stored records of kind k (as the system, which sees all).
func countKind(t testing.TB, s *crm.Store, k crm.Kind) int {
	t.Helper()
	n := 0
	mustView(t, s, crm.System, func(tx *crm.Tx) error {
		return tx.Each(k, func(crm.Record) bool { n++; return true })
	})
	return n
}

// countAll counts the records of every kind but users.
func countAll(t testing.TB, s *crm.Store) map[crm.Kind]int {
	t.Helper()
	m := map[crm.Kind]int{}
	for _, k := range crm.Kinds {
		m[k] = countKind(t, s, k)
	}
	return m
}

// unchanged checks that the record counts are still those of before.
func unchanged(t testing.TB, s *crm.Store, before map[crm.Kind]int) {
	t.Helper()
	after := countAll(t, s)
	for _, k := range crm.Kinds {
		if before[k] != after[k] {
			t.Errorf("%s records: %d before a refused request, %d after", k, before[k], after[k])
		}
	}
}

// getAsSystem reads a record without access checks.
func getAsSystem[T crm.Record](t testing.TB, s *crm.Store, k crm.Kind, id int64) T {
	t.Helper()
	var out T
	mustView(t, s, crm.System, func(tx *crm.Tx) error {
		r, err := tx.Get(k, id)
		if err != nil {
			return err
		}
		out = r.(T)
		return nil
	})
	return out
}

// world is a store with the users of the dealer's two branches.
type world struct {
	s   *crm.Store
	clk *testClock

	dir    *crm.User // director: sees all, no branch
	credit *crm.User // credit department, shenyang

	mgrS   *crm.User // sales manager, shenyang machines
	s1, s2 *crm.User // salesmen, shenyang machines

	mgrD *crm.User // sales manager, dalian machines
	d1   *crm.User // salesman, dalian machines
}

// users lists the world's users.
func (w *world) users() []*crm.User {
	return []*crm.User{w.dir, w.credit, w.mgrS, w.s1, w.s2, w.mgrD, w.d1}
}

func newWorld(tb testing.TB) *world { return newWorldWithPolicy(tb, nil) }

func newWorldWithPolicy(tb testing.TB, p crm.Policy) *world {
	tb.Helper()
	clk := newTestClock()
	w := &world{s: openStoreWithClock(tb, clk, p), clk: clk}
	mk := func(name, phone string, role crm.Role, branch, dept string) *crm.User {
		return &crm.User{Name: name, Phones: []string{phone}, Email: strings.ReplaceAll(strings.ToLower(name), " ", ".") + "@dealer.cn",
			Role: role, Base: crm.Base{Branch: branch, Dept: dept}}
	}
	w.dir = mk("Zhou Director", "13800000001", crm.RoleDirector, "", "")
	w.credit = mk("Qian Credit", "13800000002", crm.RoleCredit, "shenyang", "credit")
	w.mgrS = mk("Liu Manager", "13800000003", crm.RoleSalesManager, "shenyang", "machines")
	w.s1 = mk("Wang Jun", "13800000004", crm.RoleSalesman, "shenyang", "machines")
	w.s2 = mk("Li Gang", "13800000005", crm.RoleSalesman, "shenyang", "machines")
	w.mgrD = mk("Sun Manager", "13800000006", crm.RoleSalesManager, "dalian", "machines")
	w.d1 = mk("Zhao Lei", "13800000007", crm.RoleSalesman, "dalian", "machines")
	mustUpdate(tb, w.s, crm.System, func(tx *crm.Tx) error {
		for _, u := range []*crm.User{w.dir, w.credit, w.mgrS, w.mgrD} {
			if u != w.dir && u != w.credit {
				u.Manager = w.dir.ID
			}
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		for _, u := range []*crm.User{w.s1, w.s2} {
			u.Manager = w.mgrS.ID
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		w.d1.Manager = w.mgrD.ID
		return tx.SaveUser(w.d1)
	})
	return w
}

// account creates an account owned by owner with one contact, as owner, and
// returns both ids.
func (w *world) account(tb testing.TB, owner *crm.User, name, phone string) (acct, contact int64) {
	tb.Helper()
	mustUpdate(tb, w.s, owner, func(tx *crm.Tx) error {
		a := &crm.Account{Name: name, City: "Shenyang", Industry: "mining"}
		if phone != "" {
			a.Phones = []string{phone}
		}
		c := &crm.Contact{Name: "Contact of " + name, Mobile: "13901234567"}
		if err := tx.CreateAccount(a, c); err != nil {
			return err
		}
		acct, contact = a.ID, c.ID
		return nil
	})
	return acct, contact
}

// opp creates an opportunity at stage 1 on account, as owner.
func (w *world) opp(tb testing.TB, owner *crm.User, account int64, name string) int64 {
	tb.Helper()
	var id int64
	mustUpdate(tb, w.s, owner, func(tx *crm.Tx) error {
		o := &crm.Opportunity{Name: name, Account: account, Amount: 240_000_000}
		if err := tx.CreateOpp(o); err != nil {
			return err
		}
		id = o.ID
		return nil
	})
	return id
}

// activity creates an open activity owned by owner, as actor.
func (w *world) activity(tb testing.TB, actor, owner *crm.User, account int64, subject string) int64 {
	tb.Helper()
	var id int64
	mustUpdate(tb, w.s, actor, func(tx *crm.Tx) error {
		a := &crm.Activity{Base: crm.Base{Owner: owner.ID}, Type: "visit", Subject: subject, Account: account,
			Due: tx.Now().Add(24 * time.Hour)}
		if err := tx.CreateActivity(a); err != nil {
			return err
		}
		id = a.ID
		return nil
	})
	return id
}

// findEvent returns the first event of type typ in cs, or nil.
func findEvent(cs *crm.ChangeSet, typ string) *crm.Event {
	if cs == nil {
		return nil
	}
	for i := range cs.Events {
		if cs.Events[i].Type == typ {
			return &cs.Events[i]
		}
	}
	return nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// lookupIDs runs a lookup as actor and returns the ids found.
func lookupIDs(t testing.TB, s *crm.Store, actor *crm.User, k crm.Kind, q string) []int64 {
	t.Helper()
	var ids []int64
	mustView(t, s, actor, func(tx *crm.Tx) error {
		c, err := tx.Lookup(k, q, 10)
		for _, x := range c {
			ids = append(ids, x.ID)
		}
		return err
	})
	return ids
}
