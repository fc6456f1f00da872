package templates_test

import (
	"io/fs"
	"os"
	"regexp"
	"testing"

	"github.com/fieldcrm/fieldcrm/templates"
)

// Every phrase of the web console is in English and Chinese, and every
// phrase a page names exists: a page never shows a key.
func TestWebTextComplete(t *testing.T) {
	for _, k := range templates.WebTextKeys() {
		en, zh := templates.WebText("en", k), templates.WebText("zh", k)
		if en == "" || zh == "" || en == k {
			t.Errorf("%s: en %q zh %q", k, en, zh)
		}
		if k != "nav.other_language" && en == zh {
			t.Errorf("%s: the Chinese is the English: %q", k, en)
		}
	}
	if _, err := templates.Web(); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\{\{-?\s*(?:[^{}]*\()?t[f]? "([a-z0-9_.]+)"`)
	files, _ := fs.Glob(os.DirFS("web"), "*.html")
	if len(files) == 0 {
		t.Fatal("no web pages")
	}
	known := map[string]bool{}
	for _, k := range templates.WebTextKeys() {
		known[k] = true
	}
	for _, f := range files {
		b, _ := os.ReadFile("web/" + f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !known[m[1]] {
				t.Errorf("web/%s: phrase %q is not in the dictionary", f, m[1])
			}
		}
	}
}
