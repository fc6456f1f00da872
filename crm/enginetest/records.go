package enginetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// t0 is the suite's clock (whole seconds: PostgreSQL keeps microseconds).
var t0 = time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)

func hours(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

// world is the records the suite writes, as crm would hold them.
type world struct {
	users     []*crm.User
	accounts  []*crm.Account
	contacts  []*crm.Contact
	opps      []*crm.Opportunity
	acts      []*crm.Activity
	equipment []*crm.Equipment
	requests  []*crm.Request
	docs      []*crm.Document
}

func base(id, owner int64) crm.Base {
	return crm.Base{ID: id, Owner: owner, Branch: "Shenyang", Created: t0, Updated: t0}
}

func newWorld() *world {
	w := &world{}
	w.users = []*crm.User{
		{Base: base(1, 0), Name: "Wang Lei", Phones: []string{"+8613800000001", "+8613800000002"}, Email: "wang@dealer.cn", Role: "manager", Locale: "zh"},
		{Base: base(2, 0), Name: "Li Na", Phones: []string{"+8613800000003"}, Role: "sales", Manager: 1, Locale: "zh"},
		{Base: base(3, 0), Name: "Zhao Min", Role: "sales", Manager: 1, Locale: "en"},
	}
	w.accounts = []*crm.Account{
		{Base: base(1, 2), Name: "Liaoyang Steel"}, {Base: base(2, 2), Name: "Anshan Mining Group"},
		{Base: base(3, 3), Name: "ACME Transport"}, {Base: base(4, 0), Name: "Huludao Port"},
	}
	w.contacts = []*crm.Contact{
		{Base: base(1, 2), Account: 1, Name: "Zhang Wei"}, {Base: base(2, 2), Account: 1, Name: "Chen Jing"},
		{Base: base(3, 2), Account: 2, Name: "Liu Yang"}, {Base: base(4, 3), Account: 3, Name: "Sun Li"},
		{Base: base(5, 0), Account: 0, Name: "Nobody Yet"},
	}
	w.opps = []*crm.Opportunity{
		{Base: base(1, 2), Account: 1, Name: "2x 320D", Stage: crm.StageQualification},
		{Base: base(2, 2), Account: 2, Name: "loader", Stage: crm.StageQualification},
		{Base: base(3, 3), Account: 3, Name: "excavator", Stage: crm.StageWon},
		{Base: base(4, 2), Account: 1, Name: "service", Stage: crm.StageQualification},
	}
	open := crm.StatusOpen
	w.acts = []*crm.Activity{
		{Base: base(1, 2), Type: "visit", Subject: "visit Liaoyang", Account: 1, Due: hours(2), Status: open, Priority: "normal"},
		{Base: base(2, 2), Type: "call", Subject: "call Anshan", Account: 2, Status: open, Priority: "normal"},
		{Base: base(3, 2), Type: "visit", Subject: "done one", Account: 1, Due: hours(1), Status: crm.StatusDone, Priority: "normal"},
		{Base: base(4, 3), Type: "visit", Subject: "assigned", Account: 3, Due: hours(1), Status: open, Priority: crm.PriorityUrgent,
			AssignedBy: 1, AssignedAt: hours(-1)},
		{Base: base(5, 2), Type: "task", Subject: "self assigned", Due: hours(1), Status: open, Priority: "normal", AssignedBy: 2, AssignedAt: hours(-1)},
		{Base: base(6, 3), Type: "call", Subject: "escalated", Account: 2, Due: hours(30), Status: open, Priority: "normal",
			AssignedBy: 1, AssignedAt: t0, Escalated: hours(0.5)},
		{Base: base(7, 2), Type: "call", Subject: "overdue", Due: hours(-2), Status: open, Priority: "normal"},
		{Base: base(8, 0), Type: "task", Subject: "nobody's", Due: t0, Status: open, Priority: "normal"},
		{Base: base(9, 2), Type: "task", Subject: "assigned, no due", Status: open, Priority: "normal", AssignedBy: 3, AssignedAt: hours(-3), Acked: t0},
	}
	w.equipment = []*crm.Equipment{
		{Base: base(1, 2), Account: 1, Brand: "CAT", Model: "320D", Serial: "CAT0320DKGF01234"},
		{Base: base(2, 2), Account: 1, Brand: "KOMATSU", Model: "PC200", Bought: time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)},
	}
	w.requests = []*crm.Request{
		{Base: base(1, 2), Type: "delete", Status: crm.ReqPending, RequestedBy: 2},
		{Base: base(2, 2), Type: "delete", Status: "approved", RequestedBy: 2},
		{Base: base(3, 3), Type: "transfer", Status: crm.ReqPending, RequestedBy: 3},
	}
	w.docs = []*crm.Document{{Base: base(1, 2), Account: 2, Name: "quote.pdf"}}
	return w
}

func (w *world) all() []crm.Record {
	var out []crm.Record
	for _, r := range w.users {
		out = append(out, r)
	}
	for _, r := range w.accounts {
		out = append(out, r)
	}
	for _, r := range w.contacts {
		out = append(out, r)
	}
	for _, r := range w.opps {
		out = append(out, r)
	}
	for _, r := range w.acts {
		out = append(out, r)
	}
	for _, r := range w.equipment {
		out = append(out, r)
	}
	for _, r := range w.requests {
		out = append(out, r)
	}
	for _, r := range w.docs {
		out = append(out, r)
	}
	return out
}

// clone copies a record through its JSON (the old version of a change).
func clone[T any](r *T) *T {
	b, _ := json.Marshal(r)
	c := new(T)
	json.Unmarshal(b, c)
	return c
}

func update(ctx context.Context, e crm.Engine, fn func(crm.ETx) error) error {
	return e.Update(ctx, fn)
}

// testRecords writes the world, changes some of it, and checks every read
// and query of the interface against the world.
func testRecords(t *testing.T, e crm.Engine) {
	ctx := context.Background()
	w := newWorld()
	err := update(ctx, e, func(etx crm.ETx) error {
		for _, r := range w.all() {
			id, err := etx.NextID(r.RecordKind())
			if err != nil {
				return err
			}
			if id != r.RecordID() {
				return fmt.Errorf("%s: NextID %d, want %d", r.RecordKind(), id, r.RecordID())
			}
			if err := put(etx, r, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// changes: a visit done, a contact moved, a request decided, a phone
	// and an e-mail changed, a contact and an activity deleted
	err = update(ctx, e, func(etx crm.ETx) error {
		old := clone(w.acts[0])
		w.acts[0].Status, w.acts[0].DoneAt = crm.StatusDone, t0
		if err := put(etx, w.acts[0], old); err != nil {
			return err
		}
		oldC := clone(w.contacts[1])
		w.contacts[1].Account, w.contacts[1].Name = 2, "Chen Jingjing"
		if err := put(etx, w.contacts[1], oldC); err != nil {
			return err
		}
		oldR := clone(w.requests[0])
		w.requests[0].Status = "approved"
		if err := put(etx, w.requests[0], oldR); err != nil {
			return err
		}
		oldU := clone(w.users[0])
		w.users[0].Phones, w.users[0].Email = []string{"+8613800000009", "+8613800000002"}, "wang.lei@dealer.cn"
		if err := put(etx, w.users[0], oldU); err != nil {
			return err
		}
		if err := etx.Delete(crm.KindContact, 3, entries(w.contacts[2])); err != nil {
			return err
		}
		if err := etx.Delete(crm.KindActivity, 2, entries(w.acts[1])); err != nil {
			return err
		}
		// read back in the same transaction: its own writes
		if got := etx.Get(crm.KindContact, 3); got != nil {
			return fmt.Errorf("a deleted contact reads back: %s", got)
		}
		if err := sameJSON(etx.Get(crm.KindActivity, 1), w.acts[0]); err != nil {
			return fmt.Errorf("in its transaction: %w", err)
		}
		if id := etx.Unique(crm.IxUserEmail, []byte("wang.lei@dealer.cn")); id != 1 {
			return fmt.Errorf("in its transaction: Unique(new e-mail) = %d, want 1", id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.contacts = slices.Delete(w.contacts, 2, 3)
	w.acts = slices.Delete(w.acts, 1, 2)

	err = e.View(ctx, func(etx crm.ETx) error {
		checkWorld(t, etx, w)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sameJSON(got []byte, want crm.Record) error {
	if got == nil {
		return fmt.Errorf("%s #%d: missing", want.RecordKind(), want.RecordID())
	}
	wb, _ := json.Marshal(want)
	var g, wv any
	if err := json.Unmarshal(got, &g); err != nil {
		return fmt.Errorf("%s #%d: %v: %s", want.RecordKind(), want.RecordID(), err, got)
	}
	json.Unmarshal(wb, &wv)
	if !reflect.DeepEqual(g, wv) {
		return fmt.Errorf("%s #%d:\n got %s\nwant %s", want.RecordKind(), want.RecordID(), got, wb)
	}
	// the very bytes crm wrote: crm reads some of its JSON by its bytes
	if !bytes.Equal(got, wb) {
		return fmt.Errorf("%s #%d: the same JSON, other bytes:\n got %s\nwant %s", want.RecordKind(), want.RecordID(), got, wb)
	}
	return nil
}

func ids[T crm.Record](rs []T, keep func(T) bool) []int64 {
	out := []int64{}
	for _, r := range rs {
		if keep(r) {
			out = append(out, r.RecordID())
		}
	}
	slices.Sort(out)
	return out
}

func collect(t *testing.T, what string, q func(fn func(id int64) bool) error) []int64 {
	t.Helper()
	out := []int64{}
	if err := q(func(id int64) bool { out = append(out, id); return true }); err != nil {
		t.Errorf("%s: %v", what, err)
	}
	return out
}

func eqIDs(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func checkWorld(t *testing.T, etx crm.ETx, w *world) {
	t.Helper()
	for _, r := range w.all() {
		if err := sameJSON(etx.Get(r.RecordKind(), r.RecordID()), r); err != nil {
			t.Error(err)
		}
	}
	for _, k := range []crm.Kind{crm.KindContact, crm.KindActivity} {
		if v := etx.Get(k, map[crm.Kind]int64{crm.KindContact: 3, crm.KindActivity: 2}[k]); v != nil {
			t.Errorf("deleted %s reads %s", k, v)
		}
	}
	if v := etx.Get(crm.KindAccount, 99); v != nil {
		t.Errorf("account #99 reads %s", v)
	}
	// Scan: every record of a kind in id order
	for _, k := range []crm.Kind{crm.KindContact, crm.KindActivity, crm.KindUser} {
		var got []int64
		want := []int64{}
		for _, r := range w.all() {
			if r.RecordKind() == k {
				want = append(want, r.RecordID())
			}
		}
		err := etx.Scan(k, func(id int64, data []byte) bool {
			got = append(got, id)
			for _, r := range w.all() {
				if r.RecordKind() == k && r.RecordID() == id {
					if err := sameJSON(data, r); err != nil {
						t.Errorf("Scan: %v", err)
					}
				}
			}
			return true
		})
		if err != nil {
			t.Errorf("Scan(%s): %v", k, err)
		}
		eqIDs(t, "Scan("+string(k)+")", got, want)
	}
	// Scan stops when fn says so
	n := 0
	etx.Scan(crm.KindActivity, func(int64, []byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Errorf("Scan went on after false: %d calls", n)
	}
	for owner := int64(0); owner <= 3; owner++ {
		eqIDs(t, fmt.Sprintf("OwnedBy(account, %d)", owner), collect(t, "OwnedBy", func(fn func(int64) bool) error { return etx.OwnedBy(crm.KindAccount, owner, fn) }),
			ids(w.accounts, func(a *crm.Account) bool { return owner != 0 && a.Owner == owner }))
		eqIDs(t, fmt.Sprintf("OwnedBy(activity, %d)", owner), collect(t, "OwnedBy", func(fn func(int64) bool) error { return etx.OwnedBy(crm.KindActivity, owner, fn) }),
			ids(w.acts, func(a *crm.Activity) bool { return owner != 0 && a.Owner == owner }))
		eqIDs(t, fmt.Sprintf("OwnedBy(user, %d)", owner), collect(t, "OwnedBy", func(fn func(int64) bool) error { return etx.OwnedBy(crm.KindUser, owner, fn) }), []int64{})
		var got []int64
		var dues []time.Time
		err := etx.OpenOwned(owner, func(id int64, due time.Time) bool { got, dues = append(got, id), append(dues, due); return true })
		if err != nil {
			t.Error(err)
		}
		want := ids(w.acts, func(a *crm.Activity) bool { return owner != 0 && a.Owner == owner && a.Status == crm.StatusOpen })
		eqIDs(t, fmt.Sprintf("OpenOwned(%d)", owner), got, want)
		for i, id := range got {
			for _, a := range w.acts {
				if a.ID == id && !a.Due.Equal(dues[i]) {
					t.Errorf("OpenOwned(%d): #%d due %v, want %v", owner, id, dues[i], a.Due)
				}
			}
		}
	}
	for acc := int64(0); acc <= 4; acc++ {
		eqIDs(t, fmt.Sprintf("Linked(%d, contact)", acc), collect(t, "Linked", func(fn func(int64) bool) error { return etx.Linked(acc, crm.KindContact, fn) }),
			ids(w.contacts, func(c *crm.Contact) bool { return acc != 0 && c.Account == acc }))
		eqIDs(t, fmt.Sprintf("Linked(%d, activity)", acc), collect(t, "Linked", func(fn func(int64) bool) error { return etx.Linked(acc, crm.KindActivity, fn) }),
			ids(w.acts, func(a *crm.Activity) bool { return acc != 0 && a.Account == acc }))
		eqIDs(t, fmt.Sprintf("Linked(%d, opp)", acc), collect(t, "Linked", func(fn func(int64) bool) error { return etx.Linked(acc, crm.KindOpp, fn) }),
			ids(w.opps, func(o *crm.Opportunity) bool { return acc != 0 && o.Account == acc }))
		eqIDs(t, fmt.Sprintf("Linked(%d, equipment)", acc), collect(t, "Linked", func(fn func(int64) bool) error { return etx.Linked(acc, crm.KindEquipment, fn) }),
			ids(w.equipment, func(e *crm.Equipment) bool { return acc != 0 && e.Account == acc }))
		eqIDs(t, fmt.Sprintf("Linked(%d, document)", acc), collect(t, "Linked", func(fn func(int64) bool) error { return etx.Linked(acc, crm.KindDocument, fn) }),
			ids(w.docs, func(d *crm.Document) bool { return d.Account == acc }))
	}
	for _, before := range []time.Time{hours(-5), t0, hours(1), hours(1.5), hours(100)} {
		var open []*crm.Activity
		for _, a := range w.acts {
			if a.Status == crm.StatusOpen && !a.Due.IsZero() && a.Due.Before(before) {
				open = append(open, a)
			}
		}
		sort.SliceStable(open, func(i, j int) bool {
			if !open[i].Due.Equal(open[j].Due) {
				return open[i].Due.Before(open[j].Due)
			}
			return open[i].ID < open[j].ID
		})
		want := []int64{}
		for _, a := range open {
			want = append(want, a.ID)
		}
		eqIDs(t, fmt.Sprintf("OpenDue(%v)", before.Sub(t0)), collect(t, "OpenDue", func(fn func(int64) bool) error { return etx.OpenDue(before, fn) }), want)
	}
	for _, s := range []crm.Stage{crm.StageQualification, crm.StageWon, crm.StageLost} {
		eqIDs(t, fmt.Sprintf("ByStage(%d)", s), collect(t, "ByStage", func(fn func(int64) bool) error { return etx.ByStage(s, fn) }),
			ids(w.opps, func(o *crm.Opportunity) bool { return o.Stage == s }))
	}
	eqIDs(t, "Pending", collect(t, "Pending", etx.Pending), ids(w.requests, func(r *crm.Request) bool { return r.Status == crm.ReqPending }))
	// stopping early
	eqIDs(t, "ByStage, first only", collect(t, "ByStage", func(fn func(int64) bool) error {
		return etx.ByStage(crm.StageQualification, func(id int64) bool { fn(id); return false })
	}), []int64{1})

	// Assigned, with what crm keeps of each
	type as struct {
		id int64
		a  crm.Assigned
	}
	var got []as
	if err := etx.Assigned(func(id int64, a crm.Assigned) error { got = append(got, as{id, a}); return nil }); err != nil {
		t.Error(err)
	}
	var want []as
	for _, a := range w.acts {
		if a.Status == crm.StatusOpen && a.AssignedBy != 0 && a.AssignedBy != a.Owner && !a.AssignedAt.IsZero() {
			want = append(want, as{a.ID, crm.Assigned{At: a.AssignedAt, Due: a.Due, Owner: a.Owner,
				Urgent: a.Priority == crm.PriorityUrgent, Escalated: !a.Escalated.IsZero(), Acked: !a.Acked.IsZero()}})
		}
	}
	if len(got) != len(want) {
		t.Errorf("Assigned: %d activities, want %d (%v)", len(got), len(want), got)
	} else {
		for i := range got {
			g, x := got[i], want[i]
			if g.id != x.id || !g.a.At.Equal(x.a.At) || !g.a.Due.Equal(x.a.Due) || g.a.Owner != x.a.Owner ||
				g.a.Urgent != x.a.Urgent || g.a.Escalated != x.a.Escalated || g.a.Acked != x.a.Acked {
				t.Errorf("Assigned[%d] = #%d %+v, want #%d %+v", i, g.id, g.a, x.id, x.a)
			}
		}
	}
	errStop := errors.New("stop")
	n = 0
	if err := etx.Assigned(func(int64, crm.Assigned) error { n++; return errStop }); err != errStop || n != 1 {
		t.Errorf("Assigned with fn failing: %v after %d calls, want stop after 1", err, n)
	}

	// the name index: every key from a point on, in byte order
	var keys [][]byte
	hints := map[string][]byte{}
	for _, r := range w.all() {
		for _, e := range entries(r) {
			if e.Index == crm.IxName {
				keys = append(keys, e.Key)
				hints[string(e.Key)] = e.Val
			}
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	for _, from := range [][]byte{nil, []byte("account\x00"), []byte("contact\x00chen"), []byte("contact\x00z"), []byte("zzz")} {
		var gk [][]byte
		err := etx.Names(from, func(k, h []byte) bool {
			gk = append(gk, append([]byte(nil), k...))
			if !bytes.Equal(h, hints[string(k)]) {
				t.Errorf("Names: %q hints %v, want %v", k, h, hints[string(k)])
			}
			return true
		})
		if err != nil {
			t.Error(err)
		}
		i, _ := slices.BinarySearchFunc(keys, from, bytes.Compare)
		if !slices.EqualFunc(gk, keys[i:], bytes.Equal) {
			t.Errorf("Names(%q) = %q, want %q", from, gk, keys[i:])
		}
	}
	// unique keys, as crm asks
	for _, c := range []struct {
		ix, key string
		id      int64
	}{
		{crm.IxUserPhone, "+8613800000001", 0}, {crm.IxUserPhone, "+8613800000009", 1}, {crm.IxUserPhone, "+8613800000002", 1},
		{crm.IxUserPhone, "+8613800000003", 2}, {crm.IxUserEmail, "wang@dealer.cn", 0}, {crm.IxUserEmail, "wang.lei@dealer.cn", 1},
		{crm.IxEqSerial, "CAT0320DKGF01234", 1}, {crm.IxEqSerial, "CAT0320DKGF09999", 0},
		{crm.IxEqIdent, string(itob(1)) + "KOMATSU\x00PC200\x002019-05-01", 2}, {crm.IxEqIdent, string(itob(2)) + "KOMATSU\x00PC200\x002019-05-01", 0},
	} {
		if id := etx.Unique(c.ix, []byte(c.key)); id != c.id {
			t.Errorf("Unique(%s, %q) = %d, want %d", c.ix, c.key, id, c.id)
		}
	}
	for _, k := range []crm.Kind{crm.KindActivity, crm.KindContact, crm.KindLead} {
		want := map[crm.Kind]int64{crm.KindActivity: 9, crm.KindContact: 5, crm.KindLead: 0}[k]
		if got := etx.LastID(k); got != want {
			t.Errorf("LastID(%s) = %d, want %d", k, got, want)
		}
	}
	if err := etx.Err(); err != nil {
		t.Errorf("Err() = %v", err)
	}
}
