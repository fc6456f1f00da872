package crm_test

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/parser"
)

// testdata/schema6.db is a database of the current schema (6) written by
// crm as it was before it reached bbolt through crm.ETx (commit fd4760f),
// running goldenScenario:
//
//	go test ./crm -run TestGoldenSchema6 -write-golden6
//
// TestGoldenSchema6 runs the same scenario with this crm, with the single
// writer and on the direct path, and compares every bucket's keys, values
// and sequence with the file: the seam writes the same bytes. Then it reads
// the file through this crm.
var writeGolden6 = flag.Bool("write-golden6", false, "rewrite testdata/schema6.db")

// goldenOpeners open a store for the scenario: Open, and OpenDirect
// (via_engine_test.go) where it exists.
var goldenOpeners = map[string]func(string, crm.Options) (*crm.Store, error){"writer": crm.Open}

var goldenT0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

type goldenIDs struct {
	wang, li, liu      *crm.User
	acme, transport    int64
	zhangWei, document int64
}

// goldenScenario writes a little of everything crm keeps: users, accounts,
// contacts, activities done, planned and assigned, equipment by serial and
// by identity, an opportunity, a lead, a pending request, a numbered choice
// and its answer, an undo, a document's content, unresolved messages.
func goldenScenario(tb testing.TB, s *crm.Store, clk *testClock) goldenIDs {
	tb.Helper()
	var g goldenIDs
	loc := goldenT0.Location()
	n := 0
	upd := func(actor *crm.User, fn func(tx *crm.Tx) error) {
		tb.Helper()
		n++
		clk.Advance(time.Minute)
		if _, err := s.Update(context.Background(), crm.Meta{Actor: actor, Channel: "sms", MessageID: fmt.Sprintf("SM%d", n), Summary: "golden"}, fn); err != nil {
			tb.Fatalf("step %d as %s: %v", n, actor.Name, err)
		}
	}
	send := func(actor *crm.User, text, want string) *crm.Outcome {
		tb.Helper()
		cmd, err := parser.Parse(text, parser.Context{Now: clk.Now(), Loc: loc})
		if err != nil {
			tb.Fatalf("parse %q: %v", text, err)
		}
		var out *crm.Outcome
		upd(actor, func(tx *crm.Tx) error {
			var err error
			if out, err = tx.Apply(cmd, loc); err != nil {
				return err
			}
			// as the gateway does with every message
			return tx.NoteHandled(crm.Handled{Channel: "sms", From: actor.Phones[0], MessageID: fmt.Sprintf("SM%d", n),
				At: clk.Now(), Text: text, Reply: out.Template, Verb: string(cmd.Verb)})
		})
		if out.Template != want {
			tb.Fatalf("%q: %s, want %s", text, out.Template, want)
		}
		return out
	}
	mk := func(name, phone string, role crm.Role, locale string) *crm.User {
		return &crm.User{Name: name, Phones: []string{phone}, Email: strings.ReplaceAll(strings.ToLower(name), " ", ".") + "@dealer.cn",
			Role: role, Locale: locale, Base: crm.Base{Branch: "shenyang", Dept: "machines"}}
	}
	g.liu = mk("Liu Yang", "13800000003", crm.RoleSalesManager, "en")
	g.wang = mk("Wang Jun", "13800000004", crm.RoleSalesman, "en")
	g.li = mk("Li Ming", "13800000005", crm.RoleSalesman, "zh")
	upd(crm.System, func(tx *crm.Tx) error {
		if err := tx.SaveUser(g.liu); err != nil {
			return err
		}
		for _, u := range []*crm.User{g.wang, g.li} {
			u.Manager = g.liu.ID
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		acme := &crm.Account{Base: crm.Base{Owner: g.wang.ID}, Name: "ACME Mining Co.", Phones: []string{"024-88886666"}, City: "Shenyang"}
		zw := &crm.Contact{Name: "Zhang Wei", Mobile: "13901234567"}
		if err := tx.CreateAccount(acme, zw); err != nil {
			return err
		}
		tr := &crm.Account{Base: crm.Base{Owner: g.wang.ID}, Name: "ACME Transport Ltd"}
		if err := tx.CreateAccount(tr, &crm.Contact{Name: "Chen Bo", Mobile: "13902223333"}); err != nil {
			return err
		}
		hx := &crm.Account{Base: crm.Base{Owner: g.li.ID}, Name: "华鑫矿业有限公司"}
		if err := tx.CreateAccount(hx, &crm.Contact{Name: "李强", Mobile: "13903334444"}); err != nil {
			return err
		}
		g.acme, g.transport, g.zhangWei = acme.ID, tr.ID, zw.ID
		return nil
	})
	send(g.wang, "VISIT acme mining; met Zhang Wei; wants 2 x 320D; demo went well; next: quote fri", "ok_activity")
	send(g.wang, "EQ acme mining CAT 320D sn CAT0320DXYZ smu 4520", "ok_equipment")
	send(g.wang, "EQ acme mining Komatsu PC200 bought 2019-05", "ok_equipment")
	send(g.wang, "OPP acme mining; 2x 320D; 2.4m; close 15/12", "ok_opp")
	send(g.liu, "PLAN wang visit acme mining fri urgent", "ok_planned")
	send(g.wang, "V acme; met zhang", "choose")
	send(g.wang, "1", "ok_activity")
	send(g.wang, "LEAD Dongfang Quarry; Mr Zhao 13912345678; src: web", "ok_lead")
	send(g.li, "拜访 华鑫矿业；见了李强；下周二报价", "ok_activity")
	send(g.wang, "CONTACT acme mining; Li Wei; 13911112222; purchasing manager", "ok_contact")
	send(g.wang, fmt.Sprintf("CONTACT #%d retired", g.zhangWei), "ok_pending")
	send(g.wang, "NOTE acme mining; new GM from January", "ok_note")
	send(g.wang, "UNDO", "ok_undo")
	send(g.liu, "PLAN wang call acme transport thu", "ok_planned")
	upd(g.wang, func(tx *crm.Tx) error {
		d := &crm.Document{Base: crm.Base{Owner: g.wang.ID}, Account: g.acme, Name: "quote-320D.pdf"}
		if err := tx.AttachDocument(d, []byte("%PDF-1.4 quote for 2 x 320D")); err != nil {
			return err
		}
		g.document = d.ID
		return tx.NoteHandled(crm.Handled{Channel: "sms", From: "+8613800000004", MessageID: "SMX", At: clk.Now(),
			Text: "XYZZY plugh", Reply: "Sorry, I did not understand.", Code: "parse"})
	})
	clk.Advance(24 * time.Hour)
	send(g.wang, "TODAY", "today")
	send(g.wang, "V acme; met zhang", "choose") // left unanswered
	return g
}

// goldenDump lists every bucket of a bbolt file (nested ones too): name,
// sequence, then each key and value in hex.
func goldenDump(tb testing.TB, path string) string {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var lines []string
	var walk func(prefix string, b *bolt.Bucket)
	walk = func(prefix string, b *bolt.Bucket) {
		lines = append(lines, fmt.Sprintf("bucket %s seq %d", prefix, b.Sequence()))
		b.ForEach(func(k, v []byte) error {
			if v == nil {
				walk(prefix+"/"+string(k), b.Bucket(k))
				return nil
			}
			lines = append(lines, fmt.Sprintf("%s %s = %s", prefix, hex.EncodeToString(k), hex.EncodeToString(v)))
			return nil
		})
	}
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { walk(string(name), b); return nil })
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestGoldenSchema6(t *testing.T) {
	golden := filepath.Join("testdata", "schema6.db")
	if *writeGolden6 {
		os.Remove(golden)
		clk := &testClock{t: goldenT0}
		s, err := crm.Open(golden, crm.Options{Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		goldenScenario(t, s, clk)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	want := goldenDump(t, golden)
	for name, open := range goldenOpeners {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crm.db")
			clk := &testClock{t: goldenT0}
			s, err := open(path, crm.Options{Now: clk.Now, NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			goldenScenario(t, s, clk)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := goldenDump(t, path); got != want {
				g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
				for i := 0; i < max(len(g), len(w)); i++ {
					if i >= len(g) || i >= len(w) || g[i] != w[i] {
						t.Fatalf("the scenario wrote other bytes than crm before the seam (%d lines, want %d); first difference at line %d:\n got %s\nwant %s",
							len(g), len(w), i, at(g, i), at(w, i))
					}
				}
			}
		})
		t.Run(name+"/reads", func(t *testing.T) { goldenReads(t, golden, open) })
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(none)"
}

// goldenReads opens a copy of the golden file with this crm and reads it.
func goldenReads(t *testing.T, golden string, open func(string, crm.Options) (*crm.Store, error)) {
	path := filepath.Join(t.TempDir(), "crm.db")
	src, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	now := goldenT0.Add(24*time.Hour + 18*time.Minute) // the unanswered choice is still open
	s, err := open(path, crm.Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if rep, err := s.Check(false); err != nil || !rep.OK() {
		t.Fatalf("check: %+v %v", rep, err)
	}
	err = s.View(crm.System, func(tx *crm.Tx) error {
		wang, err := tx.UserByPhone("13800000004")
		if err != nil || wang.Name != "Wang Jun" {
			t.Fatalf("Wang by phone: %v %v", wang, err)
		}
		if u, err := tx.UserByEmail("LI.MING@dealer.cn"); err != nil || u.Name != "Li Ming" {
			t.Errorf("Li by e-mail: %v %v", u, err)
		}
		c, err := tx.Lookup(crm.KindAccount, "acme", 5)
		if err != nil || len(c) != 2 || c[0].Name != "ACME Mining Co." || c[1].Name != "ACME Transport Ltd" {
			t.Errorf("lookup acme: %+v %v", c, err)
		}
		if c, _ := tx.Lookup(crm.KindAccount, "华鑫", 5); len(c) != 1 {
			t.Errorf("lookup 华鑫: %+v", c)
		}
		if c, _ := tx.Lookup(crm.KindAccount, "acmee minning", 5); len(c) != 1 || c[0].Name != "ACME Mining Co." {
			t.Errorf("lookup with typos: %+v", c)
		}
		var open []string
		tx.OpenOf(wang.ID, func(a *crm.Activity) bool {
			open = append(open, fmt.Sprintf("#%d %s %s", a.ID, a.Type, a.Due.In(goldenT0.Location()).Format("Mon 15:04")))
			return true
		})
		if got := strings.Join(open, ", "); got != "#2 task Fri 18:00, #7 call Thu 18:00" {
			t.Errorf("Wang's open activities: %s", got)
		}
		assigned := 0
		tx.EachAssigned(func(id int64, a crm.Assigned) error {
			if id != 7 || a.Urgent || a.Owner != wang.ID {
				t.Errorf("assigned #%d: %+v", id, a)
			}
			assigned++
			return nil
		})
		if assigned != 1 {
			t.Errorf("assigned activities: %d, want 1", assigned)
		}
		if eq, err := tx.FindEquipment(0, "CAT", "320D", "cat0320dxyz", time.Time{}); err != nil || eq == nil || eq.SMU != 4520 {
			t.Errorf("CAT by serial: %+v %v", eq, err)
		}
		if eq, err := tx.FindEquipment(1, "Komatsu", "PC200", "", time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)); err != nil || eq == nil {
			t.Errorf("Komatsu by identity: %+v %v", eq, err)
		}
		if reqs, err := tx.PendingRequests(); err != nil || len(reqs) != 1 {
			t.Errorf("pending requests: %+v %v", reqs, err)
		}
		opps := 0
		for st := crm.StageIdentification; st <= crm.StageLost; st++ {
			tx.OppsByStage(st, func(*crm.Opportunity) bool { opps++; return true })
		}
		if opps != 1 {
			t.Errorf("opportunities by stage: %d, want 1", opps)
		}
		if d, data, err := tx.DocumentData(1); err != nil || d.Name != "quote-320D.pdf" || string(data) != "%PDF-1.4 quote for 2 x 320D" {
			t.Errorf("document: %+v %q %v", d, data, err)
		}
		// the note, undone: created, then deleted by the undo
		if h, err := tx.History(crm.KindActivity, 6); err != nil || len(h) != 2 || h[1].UndoOf != h[0].ID || h[1].Changes[0].Op != crm.OpDelete {
			t.Errorf("history of the undone note: %+v %v", h, err)
		}
		if cs, err := tx.LastChangeSet(); err != nil || cs == nil || cs.Summary != "golden" {
			t.Errorf("System's last change set: %+v %v", cs, err)
		}
		un, err := tx.UnresolvedList(crm.UnresolvedFilter{})
		if err != nil || len(un) != 1 || un[0].Text != "XYZZY plugh" {
			t.Errorf("unresolved: %+v %v", un, err)
		}
		if q := tx.OpenQuestion(wang.ID); q == nil || q.Text != "V acme; met zhang" || q.Cause != crm.CauseNoChoice {
			t.Errorf("open question: %+v", q)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	s.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindActivity, func(crm.Record) bool { n++; return true })
	})
	if n != 6 {
		t.Errorf("activities: %d, want 6", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if goldenDump(t, path) != goldenDump(t, golden) {
		t.Errorf("opening and reading the file changed it")
	}
}
