package crm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// oldNormalize is the hand-written normaliser ParsePhone replaced (digits
// and prefixes only, no numbering plans): the baseline of BenchmarkParsePhone.
func oldNormalize(s string) (string, bool) {
	s = strings.TrimSpace(s)
	plus := strings.HasPrefix(s, "+")
	var d strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '+' && d.Len() == 0:
		default:
			return "", false
		}
	}
	n := d.String()
	if !plus && strings.HasPrefix(n, "0086") {
		n, plus = n[2:], true
	}
	if plus {
		if strings.HasPrefix(n, "86") {
			n = n[2:]
		} else {
			return "+" + n, len(n) >= 8 && len(n) <= 15 && n[0] != '0'
		}
	}
	switch {
	case len(n) == 11 && n[0] == '1' && n[1] >= '3':
		return "+86" + n, true
	case len(n) >= 10 && len(n) <= 12 && n[0] == '0' && n[1] != '0':
		return "+86" + n[1:], true
	}
	return "", false
}

var benchNumbers = []string{"13901395136", "+8613901395136", "010-85868466", "400-820-8820", "+1 415 555 0100", "024-2281 5566"}

// go test ./crm -run XXX -bench ParsePhone: phonenumbers against the old
// normaliser, per number (a sender's lookup parses one).
func BenchmarkParsePhone(b *testing.B) {
	b.Run("old", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			oldNormalize(benchNumbers[i%len(benchNumbers)])
		}
	})
	b.Run("phonenumbers-seen", func(b *testing.B) { // numbers seen before: cached
		for i := 0; b.Loop(); i++ {
			crm.ParsePhone(benchNumbers[i%len(benchNumbers)])
		}
	})
	var fresh []string
	for i := range 200000 {
		fresh = append(fresh, fmt.Sprintf("139%08d", i), fmt.Sprintf("010-8%07d", i))
	}
	b.Run("phonenumbers-new", func(b *testing.B) { // numbers never seen
		for i := 0; b.Loop(); i++ {
			crm.ParsePhone(fresh[i%len(fresh)])
		}
	})
}
