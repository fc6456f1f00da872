package scheduler_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/scheduler"
	"github.com/fieldcrm/fieldcrm/templates"
)

// syncBuffer is a log both nodes write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestTwoNodes runs two Schedulers on one Store (two nodes on one database)
// with the real cron in a synctest bubble, from 2000-01-01 08:00 in
// Shanghai for a day: both make up the morning's summary and digest on
// start and both fire every slot, yet each job runs once per slot (its slot
// claimed in sched/slots), each summary is queued once, and the run records
// name the slot and the node that ran it.
func TestTwoNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{NoSync: true, Location: sh})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		w := &world{st: st, tpl: templates.MustNew()}
		w.liu = w.user(t, &crm.User{Name: "Liu Jianguo", Phones: []string{"+8613900000001"}, Role: crm.RoleSalesManager, Base: crm.Base{Branch: "Shenyang", Dept: "machines"}})
		w.wang = w.user(t, &crm.User{Name: "Wang Jun", Phones: []string{"+8613900000002"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "Shenyang", Dept: "machines"}, Manager: w.liu.ID})
		w.li = w.user(t, &crm.User{Name: "李娜", Phones: []string{"+8613900000003"}, Locale: "zh", Role: crm.RoleSalesman, Base: crm.Base{Branch: "Shenyang", Dept: "machines"}, Manager: w.liu.ID})
		day1 := time.Now().In(sh) // 2000-01-01 08:00
		day2 := time.Date(2000, 1, 2, 0, 0, 0, 0, sh)
		w.plan(t, w.wang, w.wang, "visit ACME Mining", crm.PriorityNormal, day1.Add(3*time.Hour))
		w.plan(t, w.li, w.li, "拜访鞍钢", crm.PriorityNormal, day2.Add(10*time.Hour))

		logs := &syncBuffer{}
		var mu sync.Mutex
		runs := map[string]int{} // job → runs on either node
		byNode := map[string]int{}
		node := func(name string) *scheduler.Scheduler {
			return w.scheduler(t, func(c *scheduler.Config) {
				c.Now, c.Node, c.Email = time.Now, name, false
				c.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c.OnRun = func(job string, _ time.Duration, err error) {
					if err != nil {
						t.Errorf("%s on %s: %v", job, name, err)
					}
					mu.Lock()
					runs[job]++
					byNode[name]++
					mu.Unlock()
				}
			})
		}
		a, b := node("A"), node("B")
		for _, s := range []*scheduler.Scheduler{a, b} {
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		time.Sleep(24*time.Hour + time.Minute) // to 2000-01-02 08:01
		synctest.Wait()
		a.Stop()
		b.Stop()

		// once per slot: the summary and digest made up on start and at
		// 07:30 / 07:45, overdue 09:15-18:15, escalate at :05 but 01-02 h,
		// take-back 08:00, prune 04:30
		want := map[string]int{"summary": 2, "digest": 2, "overdue": 10, "escalate": 22, "takeback": 1, "prune": 1}
		for _, job := range scheduler.Jobs {
			if runs[job] != want[job] {
				t.Errorf("%s ran %d times on the two nodes, want %d (once per slot)", job, runs[job], want[job])
			}
		}
		// the cron slots fired on both nodes: the loser of each skipped it
		if n := strings.Count(logs.String(), `msg="job slot run by another node" part=scheduler job=overdue`); n != want["overdue"] {
			t.Errorf("overdue slots skipped %d times, want %d", n, want["overdue"])
		}

		// each summary queued once, its text as the user reads it
		summaries := map[string][]string{}
		for _, e := range w.entries(t) {
			if job, _, _, _ := sent(e); job == scheduler.JobSummary {
				summaries[e.To] = append(summaries[e.To], e.Body)
			}
		}
		if len(summaries) != 2 {
			t.Errorf("summaries went to %d numbers, want Wang's and Li Na's: %q", len(summaries), summaries)
		}
		if s := summaries["+8613900000002"]; len(s) != 2 || !strings.HasPrefix(s[0], "Good morning! 1/1: 1 today: #1 11:00 visit") ||
			!strings.HasPrefix(s[1], "Good morning! 2/1: 1 overdue: #1 11:00 visit") {
			t.Errorf("Wang's summaries (one a day): %q", s)
		}
		if s := summaries["+8613900000003"]; len(s) != 1 || !strings.HasPrefix(s[0], "早上好！1月2日：今天1项：#2 拜访") {
			t.Errorf("Li Na's summaries (one, on the 2nd): %q", s)
		}

		// the run records: the last slot of each job, by the node that won it
		last, err := scheduler.LastRuns(st.Engine())
		if err != nil {
			t.Fatal(err)
		}
		for job, slot := range map[string]time.Time{
			"summary": day2.Add(7*time.Hour + 30*time.Minute), "digest": day2.Add(7*time.Hour + 45*time.Minute),
			"takeback": day2.Add(8 * time.Hour), "overdue": day1.Add(10*time.Hour + 15*time.Minute),
			"escalate": day2.Add(7*time.Hour + 5*time.Minute), "prune": day2.Add(4*time.Hour + 30*time.Minute),
		} {
			r := last[job]
			if !r.Slot.Equal(slot) || !r.At.Equal(slot) || (r.Node != "A" && r.Node != "B") || r.Error != "" {
				t.Errorf("%s's last run: slot %v as of %v on %q, counts %v %q; want slot %v", job, r.Slot.In(sh), r.At.In(sh), r.Node, r.Counts, r.Error, slot)
			}
		}
		if r := last["summary"]; r.Counts["sms"] != 2 || r.Counts["dup"] != 0 {
			t.Errorf("the second summary: %v, want sms=2 and no dup (run once)", r.Counts)
		}
		// every slot claimed is marked done
		st.Engine().View(context.Background(), func(tx crm.ETx) error {
			n := 0
			tx.State("sched/slots").Scan(nil, nil, false, func(k, v []byte) bool {
				var c struct {
					Node string    `json:"node"`
					Done time.Time `json:"done"`
				}
				if json.Unmarshal(v, &c) != nil || c.Done.IsZero() || (c.Node != "A" && c.Node != "B") {
					t.Errorf("slot %q: claim %s", k, v)
				}
				n++
				return true
			})
			if n != 38 {
				t.Errorf("%d slots claimed, want 38", n)
			}
			return nil
		})
	})
}

// TestSlotTakeover: a slot claimed by a node that died before finishing
// the run is taken over once the claim is older than SlotStale, not before;
// a finished slot is never run again.
func TestSlotTakeover(t *testing.T) {
	w := newWorld(t)
	w.plan(t, w.wang, w.wang, "visit ACME Mining", crm.PriorityNormal, at(1, 11, 0))
	slot := at(1, 7, 30)
	claim := func(v string) {
		key := binary.BigEndian.AppendUint64([]byte("summary\x00"), uint64(slot.Unix()))
		err := w.st.Engine().Update(context.Background(), func(tx crm.ETx) error { return tx.State("sched/slots").Put(key, []byte(v)) })
		if err != nil {
			t.Fatal(err)
		}
	}
	claim(`{"node":"dead","at":"` + at(1, 7, 30).Format(time.RFC3339) + `"}`)
	s := w.scheduler(t, func(c *scheduler.Config) { c.Node = "B" })
	ctx := context.Background()
	if ran, _, err := s.RunSlot(ctx, "summary", slot, at(1, 7, 50)); ran || err != nil {
		t.Fatalf("a fresh claim of another node was taken over: %v %v", ran, err)
	}
	if len(w.entries(t)) != 0 {
		t.Fatalf("queued while the slot was another node's")
	}
	ran, c, err := s.RunSlot(ctx, "summary", slot, at(1, 8, 5))
	if !ran || err != nil || c["sms"] != 1 {
		t.Fatalf("a stale claim was not taken over: %v %v %v", ran, c, err)
	}
	if ran, _, _ := s.RunSlot(ctx, "summary", slot, at(1, 9, 0)); ran {
		t.Fatalf("a finished slot ran again")
	}
	runs, _ := scheduler.LastRuns(w.st.Engine())
	if r := runs["summary"]; r.Node != "B" || !r.Slot.Equal(slot) || !r.At.Equal(at(1, 8, 5)) {
		t.Errorf("run record: %+v", r)
	}
}
