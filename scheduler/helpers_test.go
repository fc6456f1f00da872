package scheduler_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/scheduler"
	"github.com/fieldcrm/fieldcrm/templates"
)

var sh = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// day0 is Monday 24 November 2025, 00:00 in Shenyang.
var day0 = time.Date(2025, 11, 24, 0, 0, 0, 0, sh)

func at(day, hour, min int) time.Time {
	return day0.AddDate(0, 0, day).Add(time.Duration(hour)*time.Hour + time.Duration(min)*time.Minute)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type world struct {
	st            *crm.Store
	clk           *clock
	tpl           *templates.Set
	liu, wang, li *crm.User
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	return newWorldOn(tb, func(o crm.Options) (*crm.Store, error) {
		o.NoSync = true
		return crm.Open(filepath.Join(tb.TempDir(), "crm.db"), o)
	})
}

// newWorldOn is newWorld on the store open makes.
func newWorldOn(tb testing.TB, open func(crm.Options) (*crm.Store, error)) *world {
	tb.Helper()
	w := &world{clk: &clock{t: day0}, tpl: templates.MustNew()}
	st, err := open(crm.Options{Now: w.clk.Now, Location: sh})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	w.st = st
	w.liu = w.user(tb, &crm.User{Name: "Liu Jianguo", Phones: []string{"+8613900000001"}, Email: "liu@example.com", Role: crm.RoleSalesManager, Base: crm.Base{Branch: "Shenyang", Dept: "machines"}})
	w.wang = w.user(tb, &crm.User{Name: "Wang Jun", Phones: []string{"+8613900000002"}, Email: "wang@example.com", Role: crm.RoleSalesman, Base: crm.Base{Branch: "Shenyang", Dept: "machines"}, Manager: w.liu.ID})
	w.li = w.user(tb, &crm.User{Name: "李娜", Phones: []string{"+8613900000003"}, Locale: "zh", Role: crm.RoleSalesman, Base: crm.Base{Branch: "Shenyang", Dept: "machines"}, Manager: w.liu.ID})
	return w
}

func (w *world) update(tb testing.TB, actor *crm.User, fn func(tx *crm.Tx) error) {
	tb.Helper()
	if _, err := w.st.Update(context.Background(), crm.Meta{Actor: actor, Channel: "test"}, fn); err != nil {
		tb.Fatal(err)
	}
}

func (w *world) user(tb testing.TB, u *crm.User) *crm.User {
	tb.Helper()
	w.update(tb, crm.System, func(tx *crm.Tx) error { return tx.SaveUser(u) })
	return u
}

// plan creates an activity for owner as actor (an assignment when they differ).
func (w *world) plan(tb testing.TB, actor, owner *crm.User, subject, priority string, due time.Time) int64 {
	tb.Helper()
	a := &crm.Activity{Base: crm.Base{Owner: owner.ID}, Type: crm.ActVisit, Subject: subject, Priority: priority, Due: due}
	w.update(tb, actor, func(tx *crm.Tx) error { return tx.CreateActivity(a) })
	return a.ID
}

func (w *world) scheduler(tb testing.TB, mod func(*scheduler.Config)) *scheduler.Scheduler {
	tb.Helper()
	cfg := scheduler.Config{Store: w.st, Templates: w.tpl, Location: sh, Email: true, Now: w.clk.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&cfg)
	}
	s, err := scheduler.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// entries lists every outbox entry, oldest first.
func (w *world) entries(tb testing.TB) []*outbox.Entry {
	tb.Helper()
	es, err := outbox.List(w.st.Engine(), outbox.Filter{Limit: 1 << 30})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].ID < es[j].ID })
	return es
}

// sent is one outbox entry in a form easy to compare: "channel job user
// item period" plus the local day (from day0) it was queued on.
func sent(e *outbox.Entry) (job, user, item, period string) {
	p := strings.SplitN(e.Key, "|", 4)
	for len(p) < 4 {
		p = append(p, "")
	}
	return p[0], p[1], p[2], p[3]
}

func dayOf(t time.Time) int { return int(t.In(sh).Sub(day0).Hours()) / 24 }
