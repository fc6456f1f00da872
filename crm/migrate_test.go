package crm_test

import (
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
)

// A database written by schema 1 (no index of open activities by owner) is
// upgraded on open: the index is built from the records and the schema
// recorded, so agendas read from it at once.
func TestOpenUpgradesSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s, err := crm.Open(path, crm.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var wang int64
	lkUpdate(t, s, crm.System, func(tx *crm.Tx) error {
		u := &crm.User{Name: "Wang Jun", Phones: []string{"13800000002"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "shenyang", Dept: "machines"}}
		if err := tx.SaveUser(u); err != nil {
			return err
		}
		wang = u.ID
		a := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: "ACME"}
		if err := tx.CreateAccount(a, &crm.Contact{Name: "Zhang"}); err != nil {
			return err
		}
		for i := range 3 {
			act := &crm.Activity{Base: crm.Base{Owner: u.ID}, Type: crm.ActVisit, Account: a.ID, Due: now.Add(time.Duration(i) * time.Hour)}
			if err := tx.CreateActivity(act); err != nil {
				return err
			}
		}
		return nil
	})
	s.Close()

	// make it look like schema 1 wrote it
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("idx_open_owner")); err != nil {
			return err
		}
		v := make([]byte, 8)
		binary.BigEndian.PutUint64(v, 1)
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = crm.Open(path, crm.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Check(false)
	if err != nil || !rep.OK() {
		t.Fatalf("after upgrade: %+v %v", rep, err)
	}
	err = s.View(crm.System, func(tx *crm.Tx) error {
		n := 0
		tx.OpenOf(wang, func(*crm.Activity) bool { n++; return true })
		if n != 3 {
			t.Errorf("open activities of Wang after upgrade: %d, want 3", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.DB().View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema")); binary.BigEndian.Uint64(v) != crm.SchemaVersion {
			t.Errorf("schema after upgrade: %d", binary.BigEndian.Uint64(v))
		}
		return nil
	})
}
