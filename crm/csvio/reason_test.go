package csvio_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

// A bad row's reason keeps what it was made of beside its English words:
// each part's column, format and arguments (crm's for a phone crm refuses,
// csvio's own for the rest), so an edge can word it in Chinese; its parts'
// words joined are the reason `fieldcrm import` prints.
func TestImportReasonParts(t *testing.T) {
	s := openStore(t)
	res, err := importCSV(t, s, "accounts", "name,phones,owner,contact_name,contact_mobile\n"+
		"Bad Both Ltd,1390,nobody@dealer.cn,Qian Bo,13901230002\n"+
		"No Contact Ltd,,,,\n"+
		"Too Wide Ltd,,,Gu Fei,13901230005,extra\n", csvio.Options{DryRun: true, Meta: importMeta})
	if err != nil {
		t.Fatal(err)
	}
	type part struct {
		Column, ColumnZh, Format string
		Args                     []any
	}
	want := map[int][]part{
		2: {{"phones", "电话", "%q is not a phone number: too few digits.", []any{"1390"}},
			{"owner", "负责人", "%q is not a user (give a name, e-mail, phone or id)", []any{"nobody@dealer.cn"}}},
		3: {{"", "", "a new account needs its first contact: fill contact_name 联系人 (and contact_mobile 手机 or contact_landline 座机)", nil}},
		4: {{"", "", "has %d cells but the header names %d columns", []any{6, 5}}},
	}
	if len(res.Bad) != len(want) {
		t.Fatalf("bad rows: %+v", res.Bad)
	}
	for _, b := range res.Bad {
		var got []part
		var words []string
		for _, p := range b.Parts {
			got = append(got, part{p.Column, p.ColumnZh, p.Format, p.Args})
			words = append(words, p.Text)
		}
		if !reflect.DeepEqual(got, want[b.Line]) {
			t.Errorf("line %d: parts %#v, want %#v", b.Line, got, want[b.Line])
		}
		if j := strings.Join(words, "; "); j != b.Reason {
			t.Errorf("line %d: parts say %q, the reason %q", b.Line, j, b.Reason)
		}
		for _, p := range b.Parts {
			if p.Column != "" && !strings.HasPrefix(p.Text, p.Column+" ") {
				t.Errorf("line %d: %q does not start with its column %s", b.Line, p.Text, p.Column)
			}
		}
	}
	if r := res.Bad[0].Reason; !strings.HasPrefix(r, `phones "1390" is not a phone number: too few digits (13901395136 or 010-85868466); owner "nobody@dealer.cn" is not a user`) {
		t.Errorf("line 2: %q", r)
	}
}
