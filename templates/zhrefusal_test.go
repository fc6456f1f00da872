package templates

import (
	"regexp"
	"strings"
	"testing"
)

// Issue 14 point 11: crm's refusals and hints read by a Chinese user are
// Chinese but for the words she types herself (and the sender's own words,
// which come in through %q).
func TestChineseRefusalsAndHints(t *testing.T) {
	set := MustNew()
	latin := regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9_'.\-]*`)
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	// what a command form may keep: what she types as it is (models, units,
	// brands, examples of names, amounts and dates), and format verbs
	typed := map[string]bool{"2x": true, "320D": true, "2.4m": true, "CAT": true, "Komatsu": true, "PC200": true,
		"Asia": true, "Shanghai": true, "e.g": true, "acme": true, "h": true, "d": true, "s": true, "q": true, "v": true,
		"meter": true, "replaced": true, "MB": true, "xlsx": true, "csv": true, "id": true, "email": true, "en": true, "zh": true, "sn": true, "2019-05": true,
		// what an import file holds as typed: a role key, a date-and-time, the JSON an export writes
		"economic_buyer": true, "2006-01-02T15": true, "JSON": true}
	check := func(what, zh string) {
		t.Helper()
		var bad []string
		for _, w := range latin.FindAllString(verb.ReplaceAllString(zh, ""), -1) {
			w = strings.Trim(w, ".-")
			if w != "" && !typed[w] && regexp.MustCompile(`[A-Za-z]`).MatchString(w) && !regexp.MustCompile(`^[AOL]\d+$`).MatchString(w) {
				bad = append(bad, w)
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s: English %q in %q", what, bad, zh)
		}
	}
	for en, zh := range set.refusals["zh"] {
		check(en, zh)
	}
	_, literals := crmRefusals(t)
	for lit := range literals {
		// hints are command forms: they start with a verb
		first, _, _ := strings.Cut(lit, " ")
		if zhVerbs[first] == "" || set.refusals["zh"][lit] != "" {
			continue
		}
		check("hint "+lit, set.Hint("zh", lit))
	}
}
