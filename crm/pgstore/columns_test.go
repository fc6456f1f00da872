package pgstore_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// derived are the typed columns that are not a field of the record's JSON
// under the same name: what each is made from.
var derived = map[string]string{
	"opp.close_at":        "close",
	"campaign.start_at":   "start",
	"campaign.end_at":     "end",
	"equipment.own_brand": "brand", // crm.IsOwnBrand(brand)
}

// Every typed column is a copy of a field of the record as crm marshals it,
// so that the seam fills it from the record and a migration can fill a new
// one from data: a renamed JSON field, or a column for a field that does not
// exist, fails here.
func TestColumnsAreRecordFields(t *testing.T) {
	t.Parallel()
	types := map[string]any{
		"user": crm.User{}, "account": crm.Account{}, "contact": crm.Contact{}, "lead": crm.Lead{},
		"opp": crm.Opportunity{}, "activity": crm.Activity{}, "equipment": crm.Equipment{},
		"competitor": crm.Competitor{}, "campaign": crm.Campaign{}, "document": crm.Document{}, "request": crm.Request{},
	}
	for kind, tb := range pgstore.Tables {
		v, ok := types[kind]
		if !ok {
			t.Errorf("kind %s: no record type in this test", kind)
			continue
		}
		fields := jsonFields(reflect.TypeOf(v))
		for _, c := range append([]string{"id", "owner", "branch", "dept", "created", "updated"}, tb.Cols...) {
			name := c
			if d, ok := derived[kind+"."+c]; ok {
				name = d
			}
			if !fields[name] {
				t.Errorf("%s.%s: %T has no JSON field %q", tb.Name, c, v, name)
			}
		}
	}
}

func jsonFields(rt reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range rt.NumField() {
		f := rt.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k := range jsonFields(f.Type) {
				out[k] = true
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}
