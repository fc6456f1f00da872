// Package enginetest is the conformance suite of crm's storage seam: one
// set of cases that every crm.Engine (bbolt, PostgreSQL) must pass with the
// same answers. crm's own test runs it on bbolt, crm/pgstore's on
// PostgreSQL.
package enginetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Run runs every case, each on a new, empty engine from open.
func Run(t *testing.T, open func(t *testing.T) crm.Engine) {
	cases := []struct {
		name string
		fn   func(*testing.T, crm.Engine)
	}{
		{"Records", testRecords},
		{"State", testState},
		{"Sequences", testSequences},
		{"History", testHistory},
		{"SnapshotView", testSnapshot},
		{"FailedUpdateWritesNothing", testFailedUpdate},
		{"RetryOnConflict", testRetry},
		{"IDsNeverReused", testIDs},
		{"ClaimNeverTwice", testClaims},
		{"UniqueKeys", testUnique},
		{"WriteSkew", testWriteSkew},
		{"LongQueries", testLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

var ctx = context.Background()

func testState(t *testing.T, e crm.Engine) {
	keys := []string{"a", "a\x00", "ab", "abc", "b", "b\xff", "c", "\xff\xff"}
	err := e.Update(ctx, func(etx crm.ETx) error {
		b := etx.State("test/space")
		for i, k := range keys {
			if err := b.Put([]byte(k), []byte(fmt.Sprint(i))); err != nil {
				return err
			}
		}
		// another space with the same keys is apart
		if err := etx.State("test/other").Put([]byte("ab"), []byte("other")); err != nil {
			return err
		}
		if err := b.Put([]byte("abc"), []byte("changed")); err != nil {
			return err
		}
		if err := b.Delete([]byte("c")); err != nil {
			return err
		}
		if err := b.Delete([]byte("never there")); err != nil {
			return err
		}
		// a key without a value (an index of a package) is there all the same
		if err := etx.State("test/marks").Put([]byte("m"), nil); err != nil {
			return err
		}
		if v := b.Get([]byte("abc")); string(v) != "changed" {
			return fmt.Errorf("in its transaction, abc = %q", v)
		}
		if v := b.Get([]byte("c")); v != nil {
			return fmt.Errorf("in its transaction, deleted c = %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	live := []string{"a", "a\x00", "ab", "abc", "b", "b\xff", "\xff\xff"}
	e.View(ctx, func(etx crm.ETx) error {
		b := etx.State("test/space")
		if v := b.Get([]byte("abc")); string(v) != "changed" {
			t.Errorf("abc = %q", v)
		}
		if v := b.Get([]byte("b")); string(v) != "4" {
			t.Errorf("b = %q", v)
		}
		if v := b.Get([]byte("c")); v != nil {
			t.Errorf("deleted c = %q", v)
		}
		if v := etx.State("test/other").Get([]byte("ab")); string(v) != "other" {
			t.Errorf("other space: ab = %q", v)
		}
		if v := etx.State("test/none").Get([]byte("ab")); v != nil {
			t.Errorf("a space never written: ab = %q", v)
		}
		if v := etx.State("test/marks").Get([]byte("m")); v == nil || len(v) != 0 {
			t.Errorf("a key put without a value reads %v (nil: missing), want an empty value", v)
		}
		etx.State("test/marks").Scan(nil, nil, false, func(k, v []byte) bool {
			if v == nil {
				t.Errorf("Scan: the key without a value has a nil value")
			}
			return true
		})
		if n := b.Count(); n != len(live) {
			t.Errorf("Count = %d, want %d", n, len(live))
		}
		if n := etx.State("test/none").Count(); n != 0 {
			t.Errorf("Count of an empty space = %d", n)
		}
		scan := func(from, to []byte, desc bool, stop int) []string {
			out := []string{}
			err := b.Scan(from, to, desc, func(k, v []byte) bool {
				out = append(out, string(k))
				return stop == 0 || len(out) < stop
			})
			if err != nil {
				t.Error(err)
			}
			return out
		}
		rev := slices.Clone(live)
		slices.Reverse(rev)
		for _, c := range []struct {
			name     string
			from, to []byte
			desc     bool
			stop     int
			want     []string
		}{
			{"all", nil, nil, false, 0, live},
			{"all desc", nil, nil, true, 0, rev},
			{"prefix a", []byte("a"), crm.PrefixEnd([]byte("a")), false, 0, []string{"a", "a\x00", "ab", "abc"}},
			{"prefix a desc", []byte("a"), crm.PrefixEnd([]byte("a")), true, 0, []string{"abc", "ab", "a\x00", "a"}},
			{"prefix ab", []byte("ab"), crm.PrefixEnd([]byte("ab")), false, 0, []string{"ab", "abc"}},
			{"prefix \\xff\\xff", []byte("\xff\xff"), crm.PrefixEnd([]byte("\xff\xff")), false, 0, []string{"\xff\xff"}},
			{"from ab", []byte("ab"), nil, false, 0, []string{"ab", "abc", "b", "b\xff", "\xff\xff"}},
			{"to b", nil, []byte("b"), false, 0, []string{"a", "a\x00", "ab", "abc"}},
			{"to b desc", nil, []byte("b"), true, 0, []string{"abc", "ab", "a\x00", "a"}},
			{"ab..b\\xff desc", []byte("ab"), []byte("b\xff"), true, 0, []string{"b", "abc", "ab"}},
			{"to a key past the last, desc", []byte("b"), []byte("zz"), true, 0, []string{"b\xff", "b"}},
			{"first two", nil, nil, false, 2, []string{"a", "a\x00"}},
			{"last two", nil, nil, true, 2, []string{"\xff\xff", "b\xff"}},
			{"empty range", []byte("abd"), []byte("b"), false, 0, []string{}},
		} {
			if got := scan(c.from, c.to, c.desc, c.stop); !slices.Equal(got, c.want) {
				t.Errorf("Scan %s = %q, want %q", c.name, got, c.want)
			}
		}
		return nil
	})
	// writes in a View are refused
	err = e.View(ctx, func(etx crm.ETx) error { return etx.State("test/space").Put([]byte("x"), []byte("y")) })
	if err == nil {
		t.Error("a Put in a View did not fail")
	}
}

func testSequences(t *testing.T, e crm.Engine) {
	var got []uint64
	for i := 0; i < 3; i++ {
		err := e.Update(ctx, func(etx crm.ETx) error {
			v, err := etx.State("test/seq").NextSequence()
			got = append(got, v)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !slices.IsSorted(got) || got[0] == 0 || got[0] == got[1] || got[1] == got[2] {
		t.Errorf("NextSequence gave %v: not increasing", got)
	}
	e.Update(ctx, func(etx crm.ETx) error {
		b := etx.State("test/seq")
		if s := b.Sequence(); s != got[2] {
			t.Errorf("Sequence = %d after %v", s, got)
		}
		if s := etx.State("test/seq2").Sequence(); s != 0 {
			t.Errorf("Sequence of an unused space = %d", s)
		}
		if err := b.SetSequence(100); err != nil {
			t.Error(err)
		}
		if err := b.SetSequence(50); err != nil { // never lowered
			t.Error(err)
		}
		if v, _ := b.NextSequence(); v != 101 {
			t.Errorf("NextSequence after SetSequence(100), SetSequence(50) = %d, want 101", v)
		}
		return nil
	})
	// sequences of two spaces are apart
	e.Update(ctx, func(etx crm.ETx) error {
		if v, _ := etx.State("test/seq2").NextSequence(); v != 1 {
			t.Errorf("a new space's first number = %d", v)
		}
		return nil
	})
}

func testHistory(t *testing.T, e crm.Engine) {
	var css []int64
	for i := 0; i < 3; i++ {
		err := e.Update(ctx, func(etx crm.ETx) error {
			id, err := etx.NextChangeSet()
			if err != nil {
				return err
			}
			cs := &crm.ChangeSet{ID: id, At: t0.Add(time.Duration(i) * time.Minute), User: 2, Channel: "sms", MessageID: fmt.Sprint("SM", i), Summary: "visit"}
			if err := etx.PutChangeSet(cs, []byte(fmt.Sprintf(`{"id":%d,"summary":"visit %d"}`, id, i))); err != nil {
				return err
			}
			if err := etx.AddHistory(crm.KindAccount, 7, id); err != nil {
				return err
			}
			if i != 1 {
				if err := etx.AddHistory(crm.KindContact, 7, id); err != nil {
					return err
				}
			}
			if string(etx.ChangeSet(id)) == "" {
				return fmt.Errorf("change set %d not read back in its transaction", id)
			}
			css = append(css, id)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !slices.IsSorted(css) || css[0] == css[1] || css[1] == css[2] {
		t.Fatalf("change-set ids %v: not increasing", css)
	}
	// undo marks the first: the change set is written again
	e.Update(ctx, func(etx crm.ETx) error {
		return etx.PutChangeSet(&crm.ChangeSet{ID: css[0], At: t0, User: 2, UndoneBy: css[2]}, []byte(fmt.Sprintf(`{"id":%d,"undone_by":%d}`, css[0], css[2])))
	})
	e.View(ctx, func(etx crm.ETx) error {
		if last := etx.LastChangeSet(); last < css[2] {
			t.Errorf("LastChangeSet = %d, want at least %d", last, css[2])
		}
		if v := string(etx.ChangeSet(css[0])); !bytes.Contains([]byte(v), []byte(`"undone_by"`)) {
			t.Errorf("change set %d = %s, want it undone", css[0], v)
		}
		if v := etx.ChangeSet(css[2] + 1000); v != nil {
			t.Errorf("a change set never written reads %s", v)
		}
		var after []int64
		etx.ChangeSetsAfter(css[0], func(id int64, data []byte) bool {
			after = append(after, id)
			if !bytes.Contains(data, []byte("visit")) {
				t.Errorf("ChangeSetsAfter: %d = %s", id, data)
			}
			return true
		})
		eqIDs(t, "ChangeSetsAfter", after, css[1:])
		hist := func(k crm.Kind, desc bool) []int64 {
			out := []int64{}
			etx.History(k, 7, desc, func(cs int64) bool { out = append(out, cs); return true })
			return out
		}
		eqIDs(t, "History(account 7)", hist(crm.KindAccount, false), css)
		eqIDs(t, "History(account 7, desc)", hist(crm.KindAccount, true), []int64{css[2], css[1], css[0]})
		eqIDs(t, "History(contact 7)", hist(crm.KindContact, false), []int64{css[0], css[2]})
		eqIDs(t, "History(contact 8)", func() []int64 {
			out := []int64{}
			etx.History(crm.KindContact, 8, false, func(cs int64) bool { out = append(out, cs); return true })
			return out
		}(), []int64{})
		var last int64
		etx.History(crm.KindAccount, 7, true, func(cs int64) bool { last = cs; return false })
		if last != css[2] {
			t.Errorf("a record's latest change = %d, want %d", last, css[2])
		}
		return nil
	})
}

// testSnapshot: a View does not see an Update that commits while it runs.
func testSnapshot(t *testing.T, e crm.Engine) {
	if err := e.Update(ctx, func(etx crm.ETx) error {
		if err := etx.State("test/snap").Put([]byte("k"), []byte("before")); err != nil {
			return err
		}
		return put(etx, &crm.Account{Base: base(1, 2), Name: "before"}, nil)
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	err := e.View(ctx, func(etx crm.ETx) error {
		if v := etx.State("test/snap").Get([]byte("other")); v != nil { // the snapshot starts here
			return fmt.Errorf("other = %q", v)
		}
		go func() {
			done <- e.Update(ctx, func(etx crm.ETx) error {
				if err := etx.State("test/snap").Put([]byte("k"), []byte("after")); err != nil {
					return err
				}
				if err := etx.State("test/snap").Put([]byte("new"), []byte("after")); err != nil {
					return err
				}
				return put(etx, &crm.Account{Base: base(1, 2), Name: "after"}, &crm.Account{Base: base(1, 2), Name: "before"})
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				return err
			}
		case <-time.After(10 * time.Second):
			return errors.New("the Update did not commit while a View was open")
		}
		if v := etx.State("test/snap").Get([]byte("k")); string(v) != "before" {
			t.Errorf("the View sees k = %q, written by an Update after it began", v)
		}
		if n := etx.State("test/snap").Count(); n != 1 {
			t.Errorf("the View counts %d keys, want 1", n)
		}
		if err := sameJSON(etx.Get(crm.KindAccount, 1), &crm.Account{Base: base(1, 2), Name: "before"}); err != nil {
			t.Errorf("the View sees the account changed: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.View(ctx, func(etx crm.ETx) error {
		if v := etx.State("test/snap").Get([]byte("k")); string(v) != "after" {
			t.Errorf("a View after the Update sees k = %q", v)
		}
		return nil
	})
}

// testFailedUpdate: an Update whose fn fails commits nothing.
func testFailedUpdate(t *testing.T, e crm.Engine) {
	errNo := errors.New("no")
	err := e.Update(ctx, func(etx crm.ETx) error {
		etx.State("test/fail").Put([]byte("k"), []byte("v"))
		id, err := etx.NextID(crm.KindAccount)
		if err != nil {
			return err
		}
		if err := put(etx, &crm.Account{Base: base(id, 2), Name: "Never Stored"}, nil); err != nil {
			return err
		}
		if !etx.Dirty() {
			t.Error("Dirty() is false after writes")
		}
		return errNo
	})
	if !errors.Is(err, errNo) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	e.View(ctx, func(etx crm.ETx) error {
		if v := etx.State("test/fail").Get([]byte("k")); v != nil {
			t.Errorf("a failed Update's state write stayed: %q", v)
		}
		if v := etx.Get(crm.KindAccount, 1); v != nil {
			t.Errorf("a failed Update's record stayed: %s", v)
		}
		if id := etx.Unique(crm.IxName, nameKey(crm.KindAccount, "never", 1)); id != 0 {
			t.Errorf("a failed Update's name entry stayed")
		}
		n := 0
		etx.Names(nil, func(k, h []byte) bool { n++; return true })
		if n != 0 {
			t.Errorf("a failed Update left %d name entries", n)
		}
		if etx.Dirty() {
			t.Error("a View is Dirty")
		}
		return nil
	})
}

// testRetry: two writers increment one key 200 times each, at once: the
// total is exact (fn may run more than once).
func testRetry(t *testing.T, e crm.Engine) {
	const per = 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	runs := 0
	errs := make(chan error, 2)
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				err := e.Update(ctx, func(etx crm.ETx) error {
					mu.Lock()
					runs++
					mu.Unlock()
					b := etx.State("test/counter")
					var n uint64
					if v := b.Get([]byte("n")); len(v) == 8 {
						n = binary.BigEndian.Uint64(v)
					}
					return b.Put([]byte("n"), binary.BigEndian.AppendUint64(nil, n+1))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	e.View(ctx, func(etx crm.ETx) error {
		v := etx.State("test/counter").Get([]byte("n"))
		if len(v) != 8 || binary.BigEndian.Uint64(v) != 2*per {
			t.Errorf("counter = %x, want %d", v, 2*per)
		}
		return nil
	})
	t.Logf("%d updates ran fn %d times", 2*per, runs)
}

// testIDs: an id given to a committed record is never given again, after a
// rolled-back Update nor after the record's deletion.
func testIDs(t *testing.T, e crm.Engine) {
	create := func(fail bool) int64 {
		var id int64
		err := e.Update(ctx, func(etx crm.ETx) error {
			var err error
			if id, err = etx.NextID(crm.KindContact); err != nil {
				return err
			}
			if err := put(etx, &crm.Contact{Base: base(id, 2), Account: 1, Name: "C"}, nil); err != nil {
				return err
			}
			if fail {
				return errors.New("rolled back")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatal(err)
		}
		return id
	}
	given := map[int64]bool{}
	a := create(false)
	given[a] = true
	create(true)
	b := create(false)
	if given[b] || b <= a {
		t.Errorf("after a rolled-back creation: id %d, after %d", b, a)
	}
	given[b] = true
	if err := e.Update(ctx, func(etx crm.ETx) error {
		return etx.Delete(crm.KindContact, b, entries(&crm.Contact{Base: base(b, 2), Account: 1, Name: "C"}))
	}); err != nil {
		t.Fatal(err)
	}
	c := create(false)
	if given[c] || c <= b {
		t.Errorf("after deleting #%d, the next id is %d", b, c)
	}
	// KeepID raises the counter, never lowers it
	e.Update(ctx, func(etx crm.ETx) error {
		if err := etx.KeepID(crm.KindContact, 40); err != nil {
			return err
		}
		return etx.KeepID(crm.KindContact, 2)
	})
	if d := create(false); d != 41 {
		t.Errorf("after KeepID(40), KeepID(2): next id %d, want 41", d)
	}
	e.View(ctx, func(etx crm.ETx) error {
		if last := etx.LastID(crm.KindContact); last != 41 {
			t.Errorf("LastID = %d, want 41", last)
		}
		return nil
	})
}

// testClaims: workers take the first unclaimed key of a space, each in an
// Update (read, then write): every key is taken exactly once.
func testClaims(t *testing.T, e crm.Engine) {
	const keys, workers = 60, 8
	if err := e.Update(ctx, func(etx crm.ETx) error {
		for i := 0; i < keys; i++ {
			if err := etx.State("test/queue").Put([]byte(fmt.Sprintf("e%03d", i)), []byte("queued")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	taken := make(chan string, keys*2)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				var got string
				err := e.Update(ctx, func(etx crm.ETx) error {
					got = ""
					b := etx.State("test/queue")
					b.Scan(nil, nil, false, func(k, v []byte) bool {
						if string(v) == "queued" {
							got = string(k)
							return false
						}
						return true
					})
					if got == "" {
						return nil
					}
					return b.Put([]byte(got), []byte(fmt.Sprint("sending by ", w)))
				})
				if err != nil {
					t.Error(err)
					return
				}
				if got == "" {
					return
				}
				taken <- got
			}
		}(w)
	}
	wg.Wait()
	close(taken)
	count := map[string]int{}
	for k := range taken {
		count[k]++
	}
	for i := 0; i < keys; i++ {
		if k := fmt.Sprintf("e%03d", i); count[k] != 1 {
			t.Errorf("%s claimed %d times", k, count[k])
		}
	}
}

// testUnique: Unique sees a Put's unique entry; two Updates that put the
// same unique key at once: one wins, the other (retried) sees it.
func testUnique(t *testing.T, e crm.Engine) {
	serial := []byte("CAT0320DKGF07777")
	errTaken := errors.New("taken")
	var mu sync.Mutex
	arrived := 0
	both := make(chan struct{})
	claim := func(id int64) error {
		first := true
		return e.Update(ctx, func(etx crm.ETx) error {
			if holder := etx.Unique(crm.IxEqSerial, serial); holder != 0 {
				if holder == id {
					return errors.New("sees itself")
				}
				return errTaken
			}
			if first { // both check before either writes (where the engine lets them run at once)
				first = false
				mu.Lock()
				arrived++
				if arrived == 2 {
					close(both)
				}
				mu.Unlock()
				select {
				case <-both:
				case <-time.After(300 * time.Millisecond):
				}
			}
			eq := &crm.Equipment{Base: base(id, 2), Account: 1, Brand: "CAT", Model: "320D", Serial: string(serial)}
			if err := put(etx, eq, nil); err != nil {
				return err
			}
			if holder := etx.Unique(crm.IxEqSerial, serial); holder != id {
				return fmt.Errorf("in its own transaction, Unique = %d, want %d", holder, id)
			}
			return nil
		})
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = claim(int64(i + 1)) }()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if won >= 0 {
				t.Errorf("both Updates put the serial")
			}
			won = i
		case !errors.Is(err, errTaken):
			t.Errorf("Update %d: %v", i+1, err)
		}
	}
	if won < 0 {
		t.Fatalf("no Update put the serial: %v", errs)
	}
	e.View(ctx, func(etx crm.ETx) error {
		if holder := etx.Unique(crm.IxEqSerial, serial); holder != int64(won+1) {
			t.Errorf("Unique = %d, want %d", holder, won+1)
		}
		other := int64(2 - won)
		if v := etx.Get(crm.KindEquipment, other); v != nil {
			t.Errorf("the loser's record was stored: %s", v)
		}
		return nil
	})
	// the key moves when the record's changes: the old one is free
	e.Update(ctx, func(etx crm.ETx) error {
		old := &crm.Equipment{Base: base(int64(won+1), 2), Account: 1, Brand: "CAT", Model: "320D", Serial: string(serial)}
		eq := *old
		eq.Serial = "CAT0320DKGF08888"
		return put(etx, &eq, old)
	})
	e.View(ctx, func(etx crm.ETx) error {
		if holder := etx.Unique(crm.IxEqSerial, serial); holder != 0 {
			t.Errorf("the old serial is still held by %d", holder)
		}
		if holder := etx.Unique(crm.IxEqSerial, []byte("CAT0320DKGF08888")); holder != int64(won+1) {
			t.Errorf("the new serial is held by %d", holder)
		}
		return nil
	})
}

// testWriteSkew: a rule that reads rows and writes others holds when two
// Updates run at once (two salesmen on call, each may go off call only
// while the other is on: one stays on). Snapshot isolation alone breaks it.
func testWriteSkew(t *testing.T, e crm.Engine) {
	if err := e.Update(ctx, func(etx crm.ETx) error {
		b := etx.State("test/oncall")
		if err := b.Put([]byte("li"), []byte("on")); err != nil {
			return err
		}
		return b.Put([]byte("wang"), []byte("on"))
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	arrived := 0
	both := make(chan struct{})
	offCall := func(me string) error {
		first := true
		return e.Update(ctx, func(etx crm.ETx) error {
			b := etx.State("test/oncall")
			on := 0
			b.Scan(nil, nil, false, func(k, v []byte) bool {
				if string(v) == "on" {
					on++
				}
				return true
			})
			if first { // both read before either writes, where the engine lets them
				first = false
				mu.Lock()
				if arrived++; arrived == 2 {
					close(both)
				}
				mu.Unlock()
				select {
				case <-both:
				case <-time.After(300 * time.Millisecond):
				}
			}
			if on < 2 {
				return nil // the other is off: stay on
			}
			return b.Put([]byte(me), []byte("off"))
		})
	}
	var wg sync.WaitGroup
	for _, me := range []string{"li", "wang"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := offCall(me); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	e.View(ctx, func(etx crm.ETx) error {
		b := etx.State("test/oncall")
		if string(b.Get([]byte("li"))) != "on" && string(b.Get([]byte("wang"))) != "on" {
			t.Errorf("both went off call: li %q, wang %q", b.Get([]byte("li")), b.Get([]byte("wang")))
		}
		return nil
	})
}

// testLong: queries over more rows than an engine may fetch at once come
// back whole and in order.
func testLong(t *testing.T, e crm.Engine) {
	const n = 1100
	err := e.Update(ctx, func(etx crm.ETx) error {
		b := etx.State("test/long")
		for i := 0; i < n; i++ {
			if err := b.Put([]byte(fmt.Sprintf("k%05d", i)), []byte{byte(i)}); err != nil {
				return err
			}
		}
		for i := 0; i < n; i++ {
			id, err := etx.NextID(crm.KindActivity)
			if err != nil {
				return err
			}
			// dues in an order of their own: a few share one
			a := &crm.Activity{Base: base(id, 2), Type: "call", Subject: fmt.Sprint("call number", id), Account: 1,
				Status: crm.StatusOpen, Priority: "normal", Due: t0.Add(time.Duration((i*7919)%500) * time.Minute)}
			if err := put(etx, a, nil); err != nil {
				return err
			}
			cid, err := etx.NextID(crm.KindContact)
			if err != nil {
				return err
			}
			if err := put(etx, &crm.Contact{Base: base(cid, 2), Account: 2, Name: fmt.Sprint("zhang", (i*7919)%n)}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.View(ctx, func(etx crm.ETx) error {
		var keys []string
		etx.State("test/long").Scan(nil, nil, false, func(k, v []byte) bool { keys = append(keys, string(k)); return true })
		if len(keys) != n || !slices.IsSorted(keys) {
			t.Errorf("Scan: %d keys, sorted %v", len(keys), slices.IsSorted(keys))
		}
		keys = keys[:0]
		etx.State("test/long").Scan([]byte("k00100"), nil, true, func(k, v []byte) bool { keys = append(keys, string(k)); return true })
		if len(keys) != n-100 || keys[0] != fmt.Sprintf("k%05d", n-1) || keys[len(keys)-1] != "k00100" || !slices.IsSortedFunc(keys, func(a, b string) int { return -strings.Compare(a, b) }) {
			t.Errorf("Scan desc from k00100: %d keys, %q … %q", len(keys), keys[0], keys[len(keys)-1])
		}
		var ids []int64
		etx.Scan(crm.KindActivity, func(id int64, _ []byte) bool { ids = append(ids, id); return true })
		if len(ids) != n || !slices.IsSorted(ids) {
			t.Errorf("Scan(activity): %d", len(ids))
		}
		ids = collect(t, "Linked", func(fn func(int64) bool) error { return etx.Linked(1, crm.KindActivity, fn) })
		if len(ids) != n || !slices.IsSorted(ids) {
			t.Errorf("Linked: %d", len(ids))
		}
		ids = collect(t, "OwnedBy", func(fn func(int64) bool) error { return etx.OwnedBy(crm.KindActivity, 2, fn) })
		if len(ids) != n || !slices.IsSorted(ids) {
			t.Errorf("OwnedBy: %d", len(ids))
		}
		var dues []time.Time
		var prev int64
		sorted := true
		etx.OpenDue(t0.Add(1000*time.Minute), func(id int64) bool {
			var a crm.Activity
			json.Unmarshal(etx.Get(crm.KindActivity, id), &a)
			if k := len(dues); k > 0 && (a.Due.Before(dues[k-1]) || a.Due.Equal(dues[k-1]) && id < prev) {
				sorted = false
			}
			dues, prev = append(dues, a.Due), id
			return true
		})
		if len(dues) != n || !sorted {
			t.Errorf("OpenDue: %d activities, in (due, id) order %v", len(dues), sorted)
		}
		nOpen := 0
		etx.OpenOwned(2, func(int64, time.Time) bool { nOpen++; return true })
		if nOpen != n {
			t.Errorf("OpenOwned: %d", nOpen)
		}
		var names [][]byte
		etx.Names([]byte("contact\x00"), func(k, _ []byte) bool { names = append(names, bytes.Clone(k)); return true })
		if len(names) != n || !slices.IsSortedFunc(names, bytes.Compare) {
			t.Errorf("Names: %d entries, sorted %v", len(names), slices.IsSortedFunc(names, bytes.Compare))
		}
		return nil
	})
}
