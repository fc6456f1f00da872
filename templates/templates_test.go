package templates_test

import (
	"errors"
	"testing"

	"github.com/fieldcrm/fieldcrm/templates"
)

// TestParseAll parses every embedded template (New fails on the first
// syntax error) and checks that no Chinese template is missing.
func TestParseAll(t *testing.T) {
	set, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(set.SMSNames("en")); n < 40 {
		t.Errorf("only %d English SMS templates", n)
	}
	if n := len(set.EmailNames("en")); n < 2 {
		t.Errorf("only %d English e-mail templates", n)
	}
	// Templates that exist in English only are rendered in English for
	// Chinese users. There should be none; list any here with the reason.
	var allowed = map[string]string{}
	for _, m := range set.Missing("zh") {
		if _, ok := allowed[m]; !ok {
			t.Errorf("zh: %s is missing (it falls back to English)", m)
		}
	}
	for _, m := range set.Missing("en") {
		t.Errorf("en: %s is missing", m)
	}
	for _, n := range set.SMSNames("zh") {
		if len(set.SMSNames("en")) > 0 && !contains(set.SMSNames("en"), n) {
			t.Errorf("zh template %s has no English original", n)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSMSErrors(t *testing.T) {
	set := templates.MustNew()
	if _, err := set.SMS("en", "no_such_template", nil); !errors.Is(err, templates.ErrNoTemplate) {
		t.Errorf("err = %v, want ErrNoTemplate", err)
	}
	if _, err := set.SMS("en", "_partials", nil); !errors.Is(err, templates.ErrNoTemplate) {
		t.Errorf("partials are not templates: err = %v", err)
	}
	// A data struct without the fields the template uses is an error, not
	// "<no value>" sent to a customer.
	if _, err := set.SMS("en", "ok_activity", struct{ ID int64 }{1}); err == nil {
		t.Error("missing field: no error")
	}
	if _, err := set.SMS("en", "ok_activity", map[string]any{"ID": 1}); err == nil {
		t.Error("missing map key: no error")
	}
}

// TestTransliteratedData: accented or curly-quoted data in an English
// reply still goes out as one GSM-7 segment.
func TestTransliteratedData(t *testing.T) {
	set := templates.MustNew()
	out, err := set.SMS("en", "ok_contact", OkContact{ID: 88, Name: "José Łukasz “Luke” Nováček", Account: "Société Générale – Mining", Phone: "+8613901234567"})
	if err != nil {
		t.Fatal(err)
	}
	want := `OK contact #88 José Lukasz "Luke" Novacek, Société Générale - Mining, +8613901234567. UNDO to undo`
	if out != want {
		t.Errorf("got  %q\nwant %q", out, want)
	}
	if _, enc := templates.Segments(out); enc != templates.GSM7 {
		t.Errorf("encoding %s", enc)
	}
}
