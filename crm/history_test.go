package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// undo runs Undo(id) as actor.
func undo(s *crm.Store, actor *crm.User, id int64) (*crm.ChangeSet, error) {
	return update(s, actor, func(tx *crm.Tx) error { _, err := tx.Undo(id); return err })
}

func rename(t *testing.T, w *world, actor *crm.User, acct int64, name string) *crm.ChangeSet {
	t.Helper()
	return mustUpdate(t, w.s, actor, func(tx *crm.Tx) error {
		_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Name = name; return nil })
		return err
	})
}

func TestChangeSetRecordsWhoWhenHow(t *testing.T) {
	w := newWorld(t)
	acct, _ := w.account(t, w.s1, "ACME Mining Co.", "13901395136")
	w.clk.Advance(90 * time.Minute)

	meta := crm.Meta{Actor: w.s1, Channel: "sms", MessageID: "SM0123456789", Summary: "ACCT acme name ACME Heavy"}
	cs, err := w.s.Update(context.Background(), meta, func(tx *crm.Tx) error {
		_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Name = "ACME Heavy"; return nil })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	check := func(t *testing.T, cs *crm.ChangeSet) {
		t.Helper()
		if cs.ID == 0 || cs.User != w.s1.ID || !cs.At.Equal(w.clk.Now()) || cs.Channel != "sms" ||
			cs.MessageID != "SM0123456789" || cs.Summary != meta.Summary {
			t.Errorf("change set = #%d by %d at %v via %q msg %q %q", cs.ID, cs.User, cs.At, cs.Channel, cs.MessageID, cs.Summary)
		}
		if len(cs.Changes) != 1 {
			t.Fatalf("changes = %+v, want one", cs.Changes)
		}
		c := cs.Changes[0]
		if c.Kind != crm.KindAccount || c.ID != acct || c.Op != crm.OpUpdate {
			t.Errorf("change = %s #%d %s", c.Kind, c.ID, c.Op)
		}
		var before, after crm.Account
		if err := json.Unmarshal(c.Before, &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(c.After, &after); err != nil {
			t.Fatal(err)
		}
		if before.Name != "ACME Mining Co." || after.Name != "ACME Heavy" {
			t.Errorf("before %q after %q", before.Name, after.Name)
		}
		if !after.Updated.Equal(w.clk.Now()) || !before.Updated.Equal(t0) || !after.Created.Equal(t0) {
			t.Errorf("times: before updated %v, after updated %v created %v", before.Updated, after.Updated, after.Created)
		}
	}
	t.Run("OKReturned", func(t *testing.T) { check(t, cs) })
	t.Run("OKStored", func(t *testing.T) {
		mustView(t, w.s, w.s1, func(tx *crm.Tx) error {
			got, err := tx.ChangeSetByID(cs.ID)
			if err != nil {
				return err
			}
			check(t, got)
			return nil
		})
	})
	t.Run("OKCreate", func(t *testing.T) {
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateActivity(&crm.Activity{Type: "visit", Account: acct})
		})
		if len(cs.Changes) != 1 || cs.Changes[0].Op != crm.OpCreate || cs.Changes[0].Before != nil || cs.Changes[0].After == nil {
			t.Errorf("create change = %+v", cs.Changes)
		}
	})
	t.Run("OKNothingChanged", func(t *testing.T) {
		cs, err := update(w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.Account(acct); return err })
		if err != nil || (cs != nil && len(cs.Changes) > 0) {
			t.Errorf("a read-only request recorded %+v, %v", cs, err)
		}
	})
	t.Run("ErrOtherBranchCannotRead", func(t *testing.T) {
		mustView(t, w.s, w.d1, func(tx *crm.Tx) error {
			_, err := tx.ChangeSetByID(cs.ID)
			wantErr(t, err, crm.ENOTFOUND)
			return nil
		})
	})
}

func TestUndo(t *testing.T) {
	w := newWorld(t)

	t.Run("OKCreate", func(t *testing.T) {
		var id int64
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			a := &crm.Activity{Type: "visit", Subject: "undo me", Due: tx.Now().Add(time.Hour)}
			err := tx.CreateActivity(a)
			id = a.ID
			return err
		})
		ucs, err := undo(w.s, w.s1, cs.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ucs.UndoOf != cs.ID || ucs.User != w.s1.ID {
			t.Errorf("undo change set = %+v", ucs)
		}
		mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
			if _, err := tx.Get(crm.KindActivity, id); crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Errorf("activity #%d after undo: %v", id, err)
			}
			orig, err := tx.ChangeSetByID(cs.ID)
			if err != nil {
				return err
			}
			if orig.UndoneBy != ucs.ID {
				t.Errorf("original undone by %d, want %d", orig.UndoneBy, ucs.ID)
			}
			n := 0
			err = tx.OpenDue(tx.Now().Add(48*time.Hour), func(*crm.Activity) bool { n++; return true })
			if n != 0 {
				t.Errorf("the due index still lists %d activities", n)
			}
			return err
		})
	})

	t.Run("OKUpdateRestoresIndexes", func(t *testing.T) {
		acct, _ := w.account(t, w.s1, "Anshan Steel Works", "024-88889999")
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error {
				a.Name, a.Phones = "Benxi Iron Co", []string{"13977776666"}
				return nil
			})
			return err
		})
		if ids := lookupIDs(t, w.s, w.s1, crm.KindAccount, "benxi"); !containsID(ids, acct) {
			t.Fatalf("renamed account not found by its new name: %v", ids)
		}
		if _, err := undo(w.s, w.s1, cs.ID); err != nil {
			t.Fatal(err)
		}
		a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct)
		if a.Name != "Anshan Steel Works" || len(a.Phones) != 1 || a.Phones[0] != "+862488889999" || len(a.PhoneHistory) != 0 {
			t.Errorf("after undo: %q %v history %v", a.Name, a.Phones, a.PhoneHistory)
		}
		for q, want := range map[string]bool{"anshan": true, "8888 9999": true, "benxi": false, "7777 6666": false} {
			if got := containsID(lookupIDs(t, w.s, w.s1, crm.KindAccount, q), acct); got != want {
				t.Errorf("after undo, lookup %q finds the account: %v, want %v", q, got, want)
			}
		}
	})

	t.Run("OKMultiRecord", func(t *testing.T) {
		before := countAll(t, w.s)
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateAccount(&crm.Account{Name: "Dandong Port"},
				&crm.Contact{Name: "Xu Ming", Mobile: "13955554444"}, &crm.Contact{Name: "He Ping"})
		})
		if len(cs.Changes) != 3 {
			t.Fatalf("changes = %d, want account + 2 contacts", len(cs.Changes))
		}
		if _, err := undo(w.s, w.s1, cs.ID); err != nil {
			t.Fatal(err)
		}
		unchanged(t, w.s, before)
		for _, q := range []string{"dandong", "xu ming", "he ping", "5555 4444"} {
			for _, k := range []crm.Kind{crm.KindAccount, crm.KindContact} {
				if ids := lookupIDs(t, w.s, w.s1, k, q); len(ids) != 0 {
					t.Errorf("after undo, %s lookup %q finds %v", k, q, ids)
				}
			}
		}
	})

	t.Run("ErrChangedSince", func(t *testing.T) {
		acct, _ := w.account(t, w.s1, "Jinzhou Cement", "")
		cs := rename(t, w, w.s1, acct, "Jinzhou Cement Group")
		rename(t, w, w.mgrS, acct, "Jinzhou Cement Group Ltd") // a later change by someone else
		_, err := undo(w.s, w.s1, cs.ID)
		wantErr(t, err, crm.ECONFLICT, "changed again")
		if a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct); a.Name != "Jinzhou Cement Group Ltd" {
			t.Errorf("name = %q after refused undo", a.Name)
		}
	})

	t.Run("ErrChangedSinceOneOfMany", func(t *testing.T) {
		var acct, c2 int64
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			a := &crm.Account{Name: "Yingkou Logistics"}
			cs := []*crm.Contact{{Name: "Tang Yi"}, {Name: "Tang Er"}}
			err := tx.CreateAccount(a, cs...)
			acct, c2 = a.ID, cs[1].ID
			return err
		})
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateContact(c2, func(c *crm.Contact) error { c.Title = "boss"; return nil })
			return err
		})
		before := countAll(t, w.s)
		_, err := undo(w.s, w.s1, cs.ID)
		wantErr(t, err, crm.ECONFLICT, fmt.Sprintf("contact #%d was changed again", c2))
		unchanged(t, w.s, before)
		if ids := lookupIDs(t, w.s, w.s1, crm.KindAccount, "yingkou"); !containsID(ids, acct) {
			t.Error("refused undo removed the account")
		}
	})

	t.Run("ErrTwice", func(t *testing.T) {
		acct, _ := w.account(t, w.s1, "Panjin Oil", "")
		cs := rename(t, w, w.s1, acct, "Panjin Oilfield")
		ucs, err := undo(w.s, w.s1, cs.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = undo(w.s, w.s1, cs.ID)
		wantErr(t, err, crm.ECONFLICT, "already undone")
		_, err = undo(w.s, w.s1, ucs.ID)
		wantErr(t, err, crm.ECONFLICT, "itself an undo")
		_, err = undo(w.s, w.s1, 100000)
		wantErr(t, err, crm.ENOTFOUND)
	})

	t.Run("ErrOtherSalesman", func(t *testing.T) {
		acct, _ := w.account(t, w.s1, "Fuxin Mining", "")
		cs := rename(t, w, w.s1, acct, "Fuxin Mining Group")
		for _, u := range []*crm.User{w.s2, w.d1, w.mgrD} {
			_, err := undo(w.s, u, cs.ID)
			wantErr(t, err, crm.EFORBIDDEN, "not yours to undo")
		}
		if a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct); a.Name != "Fuxin Mining Group" {
			t.Errorf("name = %q after refused undos", a.Name)
		}
		t.Run("OKManager", func(t *testing.T) {
			ucs, err := undo(w.s, w.mgrS, cs.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ucs.User != w.mgrS.ID {
				t.Errorf("undo recorded as by %d", ucs.User)
			}
			if a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct); a.Name != "Fuxin Mining" {
				t.Errorf("name = %q after the manager's undo", a.Name)
			}
		})
	})
}

func TestLastChangeSet(t *testing.T) {
	w := newWorld(t)
	last := func(u *crm.User) *crm.ChangeSet {
		var cs *crm.ChangeSet
		mustView(t, w.s, u, func(tx *crm.Tx) error { var err error; cs, err = tx.LastChangeSet(); return err })
		return cs
	}
	t.Run("OKNone", func(t *testing.T) {
		if cs := last(w.s1); cs != nil {
			t.Errorf("last change of a new user = %+v", cs)
		}
	})
	acct, _ := w.account(t, w.s1, "Liaoyang Petro", "")
	a := rename(t, w, w.s1, acct, "Liaoyang Petrochemical")
	b := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { return tx.CreateActivity(&crm.Activity{Type: "call", Account: acct}) })
	rename(t, w, w.mgrS, acct, "Liaoyang Petrochemical Co") // someone else's change
	mustUpdate(t, w.s, w.s2, func(tx *crm.Tx) error { return tx.CreateActivity(&crm.Activity{Type: "call"}) })

	t.Run("OKLatest", func(t *testing.T) {
		if cs := last(w.s1); cs == nil || cs.ID != b.ID {
			t.Errorf("last = %+v, want #%d", cs, b.ID)
		}
	})
	t.Run("OKSkipsUndone", func(t *testing.T) {
		if _, err := undo(w.s, w.s1, b.ID); err != nil {
			t.Fatal(err)
		}
		if cs := last(w.s1); cs == nil || cs.ID != a.ID {
			t.Errorf("after undoing #%d, last = %+v, want #%d", b.ID, cs, a.ID)
		}
	})
}

func TestHistoryOfRecord(t *testing.T) {
	w := newWorld(t)
	acct, _ := w.account(t, w.s1, "Tieling Machinery", "")
	var want []int64
	mustView(t, w.s, w.s1, func(tx *crm.Tx) error {
		h, err := tx.History(crm.KindAccount, acct)
		for _, cs := range h {
			want = append(want, cs.ID)
		}
		return err
	})
	for i, name := range []string{"Tieling Machinery Co", "Tieling Heavy Machinery"} {
		w.clk.Advance(time.Duration(i+1) * time.Hour)
		want = append(want, rename(t, w, w.s1, acct, name).ID)
		w.account(t, w.s1, fmt.Sprintf("Unrelated %d", i), "") // other records' changes are not its history
	}
	w.clk.Advance(time.Hour)
	want = append(want, rename(t, w, w.mgrS, acct, "Tieling HM").ID)

	t.Run("OKOldestFirst", func(t *testing.T) {
		mustView(t, w.s, w.s2, func(tx *crm.Tx) error { // a colleague may read the account: and its history
			h, err := tx.History(crm.KindAccount, acct)
			if err != nil {
				return err
			}
			if len(h) != 4 || len(want) != 4 {
				t.Fatalf("history has %d change sets, want 4 (%v)", len(h), want)
			}
			for i, cs := range h {
				if cs.ID != want[i] {
					t.Errorf("history[%d] = #%d, want #%d", i, cs.ID, want[i])
				}
				if i > 0 && !cs.At.After(h[i-1].At) {
					t.Errorf("history[%d] at %v is not after %v", i, cs.At, h[i-1].At)
				}
			}
			if h[0].Changes[0].Op != crm.OpCreate || h[3].User != w.mgrS.ID {
				t.Errorf("first op %s, last by %d", h[0].Changes[0].Op, h[3].User)
			}
			return nil
		})
	})
	t.Run("ErrOtherBranch", func(t *testing.T) {
		mustView(t, w.s, w.d1, func(tx *crm.Tx) error {
			_, err := tx.History(crm.KindAccount, acct)
			wantErr(t, err, crm.ENOTFOUND)
			return nil
		})
	})
	t.Run("OKDeletedForAdmins", func(t *testing.T) {
		var id int64
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			a := &crm.Activity{Type: "call"}
			err := tx.CreateActivity(a)
			id = a.ID
			return err
		})
		if _, err := undo(w.s, w.s1, cs.ID); err != nil {
			t.Fatal(err)
		}
		mustView(t, w.s, w.dir, func(tx *crm.Tx) error {
			h, err := tx.History(crm.KindActivity, id)
			if len(h) != 2 || h[1].UndoOf != cs.ID {
				t.Errorf("history of an undone create = %+v", h)
			}
			return err
		})
		mustView(t, w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.History(crm.KindActivity, id)
			wantErr(t, err, crm.ENOTFOUND)
			return nil
		})
	})
}

func TestGroupCommit(t *testing.T) {
	t.Run("OKConcurrent", func(t *testing.T) {
		w := newWorld(t)
		const n = 64
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				u := []*crm.User{w.s1, w.s2, w.d1, w.mgrS}[i%4]
				_, errs[i] = update(w.s, u, func(tx *crm.Tx) error {
					a := &crm.Activity{Type: "call", Subject: fmt.Sprintf("call %d", i)}
					if err := tx.CreateActivity(a); err != nil {
						return err
					}
					ids[i] = a.ID
					return nil
				})
			}()
		}
		close(start)
		wg.Wait()
		seen := map[int64]int{}
		for i := range n {
			if errs[i] != nil {
				t.Errorf("request %d: %v", i, errs[i])
			}
			if j, dup := seen[ids[i]]; dup {
				t.Errorf("requests %d and %d both got activity #%d", j, i, ids[i])
			}
			seen[ids[i]] = i
		}
		if got := countKind(t, w.s, crm.KindActivity); got != n {
			t.Errorf("%d activities stored, want %d", got, n)
		}
		mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
			for i := range n {
				r, err := tx.Get(crm.KindActivity, ids[i])
				if err != nil {
					return err
				}
				if s := r.(*crm.Activity).Subject; s != fmt.Sprintf("call %d", i) {
					t.Errorf("activity #%d is %q, want request %d's", ids[i], s, i)
				}
			}
			return nil
		})
	})

	t.Run("OKFailureInBatch", func(t *testing.T) {
		w := newWorld(t)
		errBoom := errors.New("boom after writing")
		// the first request holds the writer until the others have queued, so
		// that they are committed as one batch
		release := make(chan struct{})
		blocked := make(chan struct{})
		var once sync.Once
		var wg sync.WaitGroup
		var gateErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, gateErr = update(w.s, w.s1, func(tx *crm.Tx) error {
				once.Do(func() { close(blocked) })
				<-release
				return tx.CreateActivity(&crm.Activity{Type: "call", Subject: "gate"})
			})
		}()
		<-blocked

		const n = 24
		runs := make([]atomic.Int32, n)
		errs := make([]error, n)
		fail := func(i int) bool { return i%6 == 3 } // 4 failures
		var started sync.WaitGroup
		started.Add(n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				started.Done()
				_, errs[i] = update(w.s, w.s2, func(tx *crm.Tx) error {
					runs[i].Add(1)
					a := &crm.Activity{Type: "call", Subject: fmt.Sprintf("batch %d", i)}
					if err := tx.CreateActivity(a); err != nil {
						return err
					}
					if fail(i) {
						return errBoom
					}
					if i == 5 {
						panic("fn panics after writing")
					}
					return nil
				})
			}()
		}
		started.Wait()
		time.Sleep(100 * time.Millisecond) // let them queue behind the gate
		close(release)
		wg.Wait()
		if gateErr != nil {
			t.Fatalf("gate request: %v", gateErr)
		}

		good, reruns := 0, 0
		for i := range n {
			switch {
			case fail(i):
				if !errors.Is(errs[i], errBoom) {
					t.Errorf("request %d: %v, want its own error", i, errs[i])
				}
			case i == 5:
				if crm.ErrorCode(errs[i]) != crm.EINTERNAL {
					t.Errorf("panicking request: %v, want internal error", errs[i])
				}
			default:
				good++
				if errs[i] != nil {
					t.Errorf("request %d failed with its batch: %v", i, errs[i])
				}
			}
			if runs[i].Load() > 1 {
				reruns++
			}
		}
		if reruns == 0 {
			t.Error("no fn ran twice: the requests were not batched with the failing ones")
		}
		var subjects []string
		mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
			return tx.Each(crm.KindActivity, func(r crm.Record) bool {
				subjects = append(subjects, r.(*crm.Activity).Subject)
				return true
			})
		})
		if len(subjects) != good+1 {
			t.Errorf("%d activities stored, want %d good ones and the gate: %v", len(subjects), good, subjects)
		}
		for i := range n {
			want := !fail(i) && i != 5
			found := false
			for _, s := range subjects {
				found = found || s == fmt.Sprintf("batch %d", i)
			}
			if found != want {
				t.Errorf("request %d's activity stored: %v, want %v", i, found, want)
			}
		}
	})

	t.Run("OKRefusalBeforeWriting", func(t *testing.T) {
		w := newWorld(t)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error { return tx.CreateActivity(&crm.Activity{Type: "dance"}) })
		wantErr(t, err, crm.EINVALID)
		if n := countKind(t, w.s, crm.KindActivity); n != 0 {
			t.Errorf("%d activities after a refusal", n)
		}
	})

	t.Run("ErrCancelledBeforeQueued", func(t *testing.T) {
		w := newWorld(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := w.s.Update(ctx, crm.Meta{Actor: w.s1}, func(tx *crm.Tx) error {
			return tx.CreateActivity(&crm.Activity{Type: "call"})
		})
		if err == nil {
			// the request may have been queued before the context was seen: then it must have committed
			if n := countKind(t, w.s, crm.KindActivity); n != 1 {
				t.Errorf("Update returned nil but %d activities are stored", n)
			}
		} else if n := countKind(t, w.s, crm.KindActivity); n != 0 {
			t.Errorf("Update returned %v but %d activities are stored", err, n)
		}
	})
}
