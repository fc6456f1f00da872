package crm_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

func ptr[T any](v T) *T { return &v }

// AddUser and ChangeUser: the administrator's changes to users, as `fieldcrm
// user` and the web console make them.
func TestUserChanges(t *testing.T) {
	s := MustOpenStore(t)
	var mgr, wang *crm.User
	mustUpdate(t, s, crm.System, func(tx *crm.Tx) error {
		var err error
		mgr, err = tx.AddUser(crm.UserChange{Name: ptr("Liu Yang"), Phones: ptr("13800000001"), Role: ptr("sales manager"),
			Branch: ptr("shenyang"), Dept: ptr("machines")})
		if err != nil {
			return err
		}
		wang, err = tx.AddUser(crm.UserChange{Name: ptr("Wang Jun"), Phones: ptr("138 0000 0002；13800000003"), Email: ptr("Wang@Dealer.example"),
			Role: ptr("salesman"), Branch: ptr("shenyang"), Dept: ptr("machines"), Manager: ptr("#" + itoa64(mgr.ID)), Locale: ptr("ZH")})
		return err
	})
	if !slices.Equal(wang.Phones, []string{"+8613800000002", "+8613800000003"}) || wang.Email != "wang@dealer.example" ||
		wang.Manager != mgr.ID || wang.Locale != "zh" || wang.Role != crm.RoleSalesman {
		t.Fatalf("added: %+v", wang)
	}
	n := countKind(t, s, crm.KindUser)
	for _, bad := range []struct {
		c    crm.UserChange
		code string
		want string
	}{
		{crm.UserChange{Name: ptr("Zhao"), Phones: ptr("024-22815566"), Role: ptr("salesman"), Branch: ptr("s"), Dept: ptr("m")}, crm.EINVALID, "landline"},
		{crm.UserChange{Name: ptr("Zhao"), Phones: ptr("13800000002"), Role: ptr("salesman"), Branch: ptr("s"), Dept: ptr("m")}, crm.ECONFLICT, "already used by user #"},
		{crm.UserChange{Name: ptr("Zhao"), Phones: ptr("13800000009"), Role: ptr("salesman"), Branch: ptr("s"), Dept: ptr("m"), Manager: ptr("nobody@x.cn")}, crm.EINVALID, "is not a user"},
		{crm.UserChange{Name: ptr("Zhao"), Phones: ptr("13800000009"), Role: ptr("boss"), Branch: ptr("s"), Dept: ptr("m")}, crm.EINVALID, "Unknown role"},
	} {
		_, err := update(s, crm.System, func(tx *crm.Tx) error { _, err := tx.AddUser(bad.c); return err })
		wantErr(t, err, bad.code, bad.want)
	}
	if countKind(t, s, crm.KindUser) != n {
		t.Fatal("a refused user was stored")
	}
	// a change sets only the fields given; a move to another team is refused
	mustUpdate(t, s, crm.System, func(tx *crm.Tx) error {
		u, err := tx.ChangeUser(wang.ID, crm.UserChange{Disabled: ptr(true), Manager: ptr("none")})
		if err != nil || !u.Disabled || u.Manager != 0 || u.Name != "Wang Jun" || len(u.Phones) != 2 {
			t.Errorf("changed: %+v %v", u, err)
		}
		return nil
	})
	_, err := update(s, crm.System, func(tx *crm.Tx) error {
		_, err := tx.ChangeUser(wang.ID, crm.UserChange{Branch: ptr("dalian")})
		return err
	})
	mustView(t, s, crm.System, func(tx *crm.Tx) error {
		if u, _ := tx.User(wang.ID); err == nil && u.Branch != "dalian" || err != nil && u.Branch != "shenyang" {
			t.Errorf("moved: %v, branch %q", err, u.Branch)
		}
		return nil
	})
	mustView(t, s, crm.System, func(tx *crm.Tx) error {
		for _, ref := range []string{itoa64(wang.ID), "#" + itoa64(wang.ID), "13800000003", "+86 138 0000 0002", "WANG@dealer.example"} {
			if u, err := tx.FindUser(ref); err != nil || u.ID != wang.ID {
				t.Errorf("FindUser(%q): %v %v", ref, u, err)
			}
		}
		return nil
	})
	if got := (crm.UserChange{Name: ptr(""), Disabled: ptr(false)}).Fields(); !slices.Equal(got, []string{"name", "disabled"}) {
		t.Errorf("fields: %v", got)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
