package crm

import (
	"reflect"
	"testing"
)

// TestCloneRecordCoversFields fails when a cached kind gains a field that a
// shallow copy would share (a slice, map, pointer or interface) and that
// cloneRecord does not copy.
func TestCloneRecordCoversFields(t *testing.T) {
	copied := map[string]bool{ // slices of plain values, copied with slices.Clone
		"User.Phones": true, "Account.Aliases": true, "Account.Phones": true, "Account.Team": true, "Account.PhoneHistory": true,
	}
	var plain func(t reflect.Type) bool // holds no reference
	plain = func(t reflect.Type) bool {
		switch t.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func:
			return false
		case reflect.Struct:
			if t.PkgPath() == "time" {
				return true // time.Time's *Location is never changed in place
			}
			for i := range t.NumField() {
				if !plain(t.Field(i).Type) {
					return false
				}
			}
		}
		return true
	}
	for _, r := range []Record{&Activity{}, &Contact{}, &User{}, &Account{}} {
		typ := reflect.TypeOf(r).Elem()
		if !cachedKind(r.RecordKind()) {
			t.Errorf("%s is not cached", typ.Name())
		}
		for _, f := range reflect.VisibleFields(typ) {
			if f.Anonymous || plain(f.Type) {
				continue
			}
			name := typ.Name() + "." + f.Name
			if f.Type.Kind() != reflect.Slice || !plain(f.Type.Elem()) || !copied[name] {
				t.Errorf("%s (%s) would be shared by the cached record and its copies: copy it in cloneRecord", name, f.Type)
			}
		}
	}
}

// A record from the cache is a copy: changing it changes neither the cache
// nor the next reader's record; a changed value is decoded again.
func TestDecodedCacheCopies(t *testing.T) {
	var d decoded
	raw := []byte(`{"id":7,"name":"Acme","phones":["+8613800000001"]}`)
	if d.get(KindAccount, 7, raw) != nil {
		t.Fatal("hit in an empty cache")
	}
	a := &Account{Base: Base{ID: 7}, Name: "Acme", Phones: []string{"+8613800000001"}}
	d.put(KindAccount, 7, raw, a)
	got := d.get(KindAccount, 7, raw).(*Account)
	got.Name, got.Phones[0] = "changed", "changed"
	again := d.get(KindAccount, 7, raw).(*Account)
	if again.Name != "Acme" || again.Phones[0] != "+8613800000001" {
		t.Fatalf("the cached record was changed through a copy: %+v", again)
	}
	if d.get(KindAccount, 7, []byte(`{"id":7,"name":"Other"}`)) != nil {
		t.Fatal("hit for other bytes")
	}
	if d.get(KindContact, 7, raw) != nil {
		t.Fatal("hit for another kind")
	}
}
