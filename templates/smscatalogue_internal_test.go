package templates

import (
	"strings"
	"testing"
)

// TestSplitContentProtects: where the furthest place to split within the
// limit is inside a token, the split comes before the token instead.
func TestSplitContentProtects(t *testing.T) {
	for _, c := range []struct {
		s     string
		max   int
		whole string
	}{
		{"done Reply 1 or 2 to pick it", 24, "Reply 1 or 2 to pick it"},
		{"已记录 回复撤销可撤回", 8, "回复撤销可撤回"},
		{"xxxxxxxxxx#100017yyyyyyyyy", 20, "#100017"},
		{"xxxxxxxxxx1,250万yyyyyyyyyy", 20, "1,250万"},
		{"xxxxxxxxxx<reason>yyyyyyyy", 20, "<reason>"},
		{"aaaa bbbb 2) ACME Transport", 20, "2) ACME"},
		{"aaaa bbbb “cc dd ee” ff gg hh", 20, "“cc dd ee”"},
	} {
		pieces, err := splitContent(c.s, c.max, c.max, 99)
		if err != nil {
			t.Errorf("%q: %v", c.s, err)
			continue
		}
		found := false
		for _, p := range pieces {
			if len([]rune(p)) > c.max {
				t.Errorf("%q: piece %q over %d", c.s, p, c.max)
			}
			found = found || strings.Contains(p, c.whole)
		}
		if !found || strings.Join(strings.Fields(strings.Join(pieces, "")), "") != strings.Join(strings.Fields(c.s), "") {
			t.Errorf("%q split %q: %q not whole in one piece, or text lost", c.s, pieces, c.whole)
		}
	}
}
