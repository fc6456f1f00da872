package crm_test

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
)

// testdata/schema1.db is a database in the layout of schema 1 (before the
// index of open activities by owner). It was written with
//
//	go test ./crm -run TestWriteSchema1 -write-schema1
//
// which writes it with this crm, then deletes the idx_open_owner bucket and
// sets meta/schema to 1, as schema 1 left its files.
var writeSchema1 = flag.Bool("write-schema1", false, "rewrite testdata/schema1.db")

var upgradeNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// what schema1.db holds
const (
	upgradeWangPhone = "+8613800000002"
	upgradeLiPhone   = "+8613800000003"
)

func TestWriteSchema1(t *testing.T) {
	if !*writeSchema1 {
		t.Skip("run with -write-schema1 to rewrite testdata/schema1.db")
	}
	path := filepath.Join("testdata", "schema1.db")
	os.MkdirAll("testdata", 0o755)
	os.Remove(path)
	s, err := crm.Open(path, crm.Options{Now: func() time.Time { return upgradeNow }})
	if err != nil {
		t.Fatal(err)
	}
	lkUpdate(t, s, crm.System, func(tx *crm.Tx) error {
		team := crm.Base{Branch: "shenyang", Dept: "machines"}
		wang := &crm.User{Base: team, Name: "Wang Jun", Phones: []string{upgradeWangPhone}, Role: crm.RoleSalesman, Locale: "en"}
		li := &crm.User{Base: team, Name: "Li Na", Phones: []string{upgradeLiPhone}, Role: crm.RoleSalesman, Locale: "zh"}
		for _, u := range []*crm.User{wang, li} {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		acme := &crm.Account{Base: crm.Base{Owner: wang.ID}, Name: "ACME Mining Co."}
		if err := tx.CreateAccount(acme, &crm.Contact{Base: crm.Base{Owner: wang.ID}, Name: "Zhang Wei", Mobile: "13901395136"}); err != nil {
			return err
		}
		hx := &crm.Account{Base: crm.Base{Owner: li.ID}, Name: "华鑫矿业有限公司"}
		if err := tx.CreateAccount(hx, &crm.Contact{Base: crm.Base{Owner: li.ID}, Name: "李刚", Mobile: "13912345001"}); err != nil {
			return err
		}
		if err := tx.SaveEquipment(&crm.Equipment{Base: crm.Base{Owner: wang.ID}, Account: acme.ID, Brand: "CAT", Model: "320D",
			Serial: "CAT0320DXYZ", SMU: 4520}); err != nil {
			return err
		}
		for i := range 3 {
			if err := tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: wang.ID}, Type: crm.ActVisit, Account: acme.ID,
				Subject: "visit", Due: upgradeNow.Add(time.Duration(i+1) * time.Hour)}); err != nil {
				return err
			}
		}
		return tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: li.ID}, Type: crm.ActCall, Account: hx.ID,
			Subject: "call", Due: upgradeNow.Add(24 * time.Hour)})
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
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
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// A file written by the previous version opens: the migration runs, the
// records are all there, every index checks, and the new index answers.
func TestUpgradeFromSchema1File(t *testing.T) {
	if *writeSchema1 {
		t.Skip("rewriting the fixture")
	}
	path := filepath.Join(t.TempDir(), "schema1.db")
	src, err := os.Open(filepath.Join("testdata", "schema1.db"))
	if err != nil {
		t.Fatal(err)
	}
	dst, _ := os.Create(path)
	io.Copy(dst, src)
	src.Close()
	dst.Close()

	// it really is schema 1
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema")); binary.BigEndian.Uint64(v) != 1 {
			t.Fatalf("fixture schema %d, want 1", binary.BigEndian.Uint64(v))
		}
		if tx.Bucket([]byte("idx_open_owner")) != nil {
			t.Fatalf("fixture already has idx_open_owner")
		}
		return nil
	})
	db.Close()

	s, err := crm.Open(path, crm.Options{Now: func() time.Time { return upgradeNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Check(false)
	if err != nil || !rep.OK() {
		t.Fatalf("after the upgrade: %+v %v", rep, err)
	}
	want := map[crm.Kind]int{crm.KindAccount: 2, crm.KindContact: 2, crm.KindActivity: 4, crm.KindEquipment: 1}
	for k, n := range want {
		if rep.Records[k] != n {
			t.Errorf("%s records: %d, want %d", k, rep.Records[k], n)
		}
	}
	err = s.View(crm.System, func(tx *crm.Tx) error {
		wang, err := tx.UserByPhone(upgradeWangPhone)
		if err != nil {
			t.Fatalf("Wang by phone: %v", err)
		}
		li, err := tx.UserByPhone(upgradeLiPhone)
		if err != nil {
			t.Fatalf("Li by phone: %v", err)
		}
		for _, c := range []struct {
			u *crm.User
			n int
		}{{wang, 3}, {li, 1}} {
			n := 0
			tx.OpenOf(c.u.ID, func(*crm.Activity) bool { n++; return true })
			if n != c.n {
				t.Errorf("open activities of %s: %d, want %d", c.u.Name, n, c.n)
			}
		}
		cands, err := tx.Lookup(crm.KindAccount, "acme", 5)
		if err != nil || len(cands) != 1 {
			t.Errorf("lookup acme: %v %v", cands, err)
		}
		cands, err = tx.Lookup(crm.KindAccount, "华鑫", 5)
		if err != nil || len(cands) != 1 {
			t.Errorf("lookup 华鑫: %v %v", cands, err)
		}
		if eq, err := tx.FindEquipment(0, "CAT", "320D", "CAT0320DXYZ", time.Time{}); err != nil || eq == nil || eq.SMU != 4520 {
			t.Errorf("equipment by serial: %+v %v", eq, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.BoltDB().View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema")); binary.BigEndian.Uint64(v) != crm.SchemaVersion {
			t.Errorf("schema after the upgrade: %d, want %d", binary.BigEndian.Uint64(v), crm.SchemaVersion)
		}
		// schema 4: rec_last and user_cs are gone, the fixture's change set
		// is among the system's recent ones
		for _, b := range []string{"rec_last", "user_cs"} {
			if tx.Bucket([]byte(b)) != nil {
				t.Errorf("bucket %s still there after the upgrade", b)
			}
		}
		var cv struct {
			Recent []byte `json:"recent"`
		}
		if v := tx.Bucket([]byte("conv")).Get(make([]byte, 8)); v == nil || json.Unmarshal(v, &cv) != nil || len(cv.Recent) == 0 {
			t.Errorf("the system's recent change sets after the upgrade: %q", v)
		} else if last := cv.Recent[len(cv.Recent)-8:]; tx.Bucket([]byte("changesets")).Get(last) == nil {
			t.Errorf("recent change set #%d is not stored", binary.BigEndian.Uint64(last))
		}
		return nil
	})
	// and it opens again without migrating
	s.Close()
	s2, err := crm.Open(path, crm.Options{Now: func() time.Time { return upgradeNow }})
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}
