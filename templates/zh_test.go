package templates_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/templates"
)

// latinWord is a run of Latin letters (with the digits, dots and dashes
// that belong to it: 320D, CAT0320DXYZ, e.g.).
var latinWord = regexp.MustCompile(`[A-Za-z][A-Za-z0-9_'.\-]*`)

// zhKeywords are the Latin words a Chinese reader may be shown: what she
// types herself (ids, models, units the parser reads).
var zhKeywords = map[string]bool{"MB": true, "CAT": true, "GPS": true, "SMS": true, "fieldcrm": true, "CSV": true, "Excel": true,
	// the command line of a report: fieldcrm report … --format xlsx -o …
	"report": true, "format": true, "xlsx": true, "o": true,
	// the checks a mail server names
	"DKIM": true, "SPF": true, "DMARC": true}

// token is how an e-mail names an item (A17, L5, O42): an id.
var token = regexp.MustCompile(`^[AOL]\d+$`)

// dataWords are the Latin words of the data a template is given: names,
// models, serials, which stay as they are in every language.
func dataWords(v reflect.Value, into map[string]bool) {
	switch v.Kind() {
	case reflect.String:
		for _, w := range latinWord.FindAllString(v.String(), -1) {
			into[strings.Trim(w, ".-")] = true
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			dataWords(v.Elem(), into)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).Name == "Kind" || v.Type().Field(i).Name == "Stage" || v.Type().Field(i).Name == "Source" ||
				v.Type().Field(i).Name == "Action" || v.Type().Field(i).Name == "Why" || v.Type().Field(i).Name == "Suggest" {
				continue // worded by the template: never shown as given
			}
			dataWords(v.Field(i), into)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			dataWords(v.Index(i), into)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			dataWords(v.MapIndex(k), into)
		}
	}
}

// foreign returns the Latin words of text that are neither data nor
// keywords.
func foreign(text string, data any) []string {
	ok := map[string]bool{}
	dataWords(reflect.ValueOf(data), ok)
	var out []string
	for _, w := range latinWord.FindAllString(text, -1) {
		w = strings.Trim(w, ".-")
		if w == "" || ok[w] || zhKeywords[w] || token.MatchString(w) {
			continue
		}
		cut := false // a datum shortened to fit ("opportuni…")
		for d := range ok {
			cut = cut || len(w) >= 3 && strings.HasPrefix(d, w)
		}
		if !cut {
			out = append(out, w)
		}
	}
	return out
}

// Issue 14 point 11: every SMS and e-mail a Chinese user reads is Chinese
// but for names, models, ids and the keywords she types herself.
func TestChineseReadsChinese(t *testing.T) {
	set := templates.MustNew()
	for name, vs := range smsCases(true) {
		for _, v := range vs {
			out, err := set.SMS("zh", name, v.data)
			if err != nil {
				t.Errorf("sms %s %s: %v", name, v.label, err)
				continue
			}
			if f := foreign(out, v.data); len(f) > 0 {
				t.Errorf("sms %s %s: English %q in %q", name, v.label, f, out)
			}
		}
	}
	for name, vs := range emailCases(true) {
		for _, v := range vs {
			subj, text, _, err := set.Email("zh", name, v.data)
			if err != nil {
				t.Errorf("email %s %s: %v", name, v.label, err)
				continue
			}
			if f := foreign(subj+"\n"+text, v.data); len(f) > 0 {
				t.Errorf("email %s %s: English %q in:\n%s\n%s", name, v.label, f, subj, text)
			}
		}
	}
}
