package crm

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// retryEngine is the bbolt engine with a conflict on the first try of every
// Update, as PostgreSQL has on a serialization failure: the first run's
// writes are rolled back and fn runs again.
type retryEngine struct {
	*boltEngine
	tries int
}

var errSerialization = errors.New("40001: could not serialize access")

func (e *retryEngine) Update(ctx context.Context, fn func(ETx) error) error {
	e.tries++
	err := e.boltEngine.Update(ctx, func(etx ETx) error {
		if err := fn(etx); err != nil {
			return err
		}
		return errSerialization // rolled back
	})
	if !errors.Is(err, errSerialization) {
		return err
	}
	e.tries++
	return e.boltEngine.Update(ctx, fn)
}

func openRetryStore(t *testing.T) (*Store, *retryEngine) {
	t.Helper()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "crm.db")
	b, err := Open(path, Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	b.stopWriter()
	e := &retryEngine{boltEngine: b.eng.(*boltEngine)}
	s, err := OpenEngine(e, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, e
}

// An Update the engine runs twice (a conflict, then a commit) is carried
// out once: a fresh Tx each time, so the change set, the ids and the
// lexicon's notes are the second run's alone.
func TestOpenEngineRetriedUpdate(t *testing.T) {
	s, e := openRetryStore(t)
	ctx := context.Background()
	runs := 0
	cs, err := s.Update(ctx, Meta{Actor: System, Channel: "test"}, func(tx *Tx) error {
		runs++
		if tx.ChangeSet() != nil || len(tx.lexNotes) != 0 {
			t.Errorf("run %d starts on a used Tx", runs)
		}
		wang := &User{Name: "Wang Jun", Phones: []string{"+8613800000002"}, Role: RoleSalesman, Base: Base{Branch: "sy", Dept: "m"}}
		if err := tx.SaveUser(wang); err != nil {
			return err
		}
		return tx.CreateAccount(&Account{Base: Base{Owner: wang.ID}, Name: "ACME Mining"}, &Contact{Name: "Zhang Wei"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 || e.tries != 2 {
		t.Fatalf("fn ran %d times in %d engine tries, want 2 and 2", runs, e.tries)
	}
	var got []string
	for _, c := range cs.Changes {
		got = append(got, string(c.Kind)+"#"+FormatID(c.ID)+" "+c.Op)
	}
	if want := "user#1 create, account#1 create, contact#1 create"; strings.Join(got, ", ") != want {
		t.Errorf("change set %d: %s, want %s (ids of the rolled-back run given again)", cs.ID, strings.Join(got, ", "), want)
	}
	if cs.ID != 1 {
		t.Errorf("change set id %d, want 1", cs.ID)
	}
	st := s.WriterStats()
	if st.Commits != 1 || st.Requests != 1 || st.Reruns != 1 {
		t.Errorf("stats %+v: want 1 commit, 1 request, 1 rerun", st)
	}
	if err := s.View(System, func(tx *Tx) error {
		if c, err := tx.Lookup(KindAccount, "acme", 5); err != nil || len(c) != 1 || c[0].ID != 1 {
			t.Errorf("lookup acme: %v %v", c, err)
		}
		if u, err := tx.UserByPhone("+8613800000002"); err != nil || u.ID != 1 {
			t.Errorf("user by phone: %v %v", u, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// the lexicon learnt the account's name once, after the commit
	s.lex.mu.Lock()
	n := len(s.lex.log)
	s.lex.mu.Unlock()
	if n != 3 { // the user, the account and its contact, once
		t.Errorf("lexicon notes: %d, want 3", n)
	}

	// a refusal is the rule's answer, and nothing of it is written
	_, err = s.Update(ctx, Meta{Actor: System, Channel: "test"}, func(tx *Tx) error {
		if err := tx.CreateAccount(&Account{Base: Base{Owner: 1}, Name: "Liaoyang Steel"}, &Contact{Name: "Li Hua"}); err != nil {
			return err
		}
		return tx.SaveUser(&User{Name: "Zhao Lei", Phones: []string{"+8613800000002"}, Role: RoleSalesman, Base: Base{Branch: "sy", Dept: "m"}})
	})
	if ErrorCode(err) != ECONFLICT || !strings.Contains(err.Error(), "Phone +8613800000002 is already used by user #1") {
		t.Fatalf("same phone twice: %v", err)
	}
	s.View(System, func(tx *Tx) error {
		if c, _ := tx.Lookup(KindAccount, "liaoyang", 5); len(c) != 0 {
			t.Errorf("the refused request's account was written: %v", c)
		}
		if tx.etx.LastID(KindAccount) != 1 {
			t.Errorf("last account id %d, want 1", tx.etx.LastID(KindAccount))
		}
		return nil
	})
	if h := s.WriteHealth(); h.Failures != 0 {
		t.Errorf("a refusal counted as a failed commit: %+v", h)
	}
}

// What only the bbolt file has fails clearly on another engine.
func TestOpenEngineNotBolt(t *testing.T) {
	s, _ := openRetryStore(t)
	if _, err := s.Check(false); !errors.Is(err, ErrNotBolt) || !strings.Contains(err.Error(), "fieldcrm check --db") {
		t.Errorf("check: %v", err)
	}
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); !errors.Is(err, ErrNotBolt) || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup: %v", err)
	}
	if _, err := s.BackupFile(filepath.Join(t.TempDir(), "b.db")); !errors.Is(err, ErrNotBolt) {
		t.Errorf("backup file: %v", err)
	}
	if s.Path() != "" || s.DB() != nil {
		t.Errorf("path %q, db %v on another engine", s.Path(), s.DB())
	}
}
