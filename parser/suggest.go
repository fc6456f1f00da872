package parser

import (
	"strings"
	"unicode/utf8"
)

// did you mean

// verbMatch is a verb form near a misspelt word.
type verbMatch struct {
	form string
	f    verbForm
	d    int // the true edit distance
}

// meaning tells verb forms apart that share a Verb but not what they do
// (APPROVE and REFUSE, OPP and WON).
func (m verbMatch) meaning() string {
	switch m.form {
	case "refuse", "deny", "decline", "won", "nodeal", "lost", "驳回", "不同意", "不批准", "不批":
		return m.form
	}
	return string(m.f.spec.Verb)
}

// noAuto are verbs never carried out from a misspelt word: a typo must not
// stop a user's messages.
var noAuto = map[Verb]bool{VerbStop: true, VerbStart: true}

// suggestVerbs finds the verbs a misspelt English word w (lower case) may
// mean. One match is sure when it is one edit away (two for words of six
// letters or more), or when w is its keypad short form: its letters in
// order, first letter the same, at least half of the form's ("vst", "cntct",
// "mtng"). Runs of three or more of one letter count as two ("calll").
// Several matches of different meaning are returned when they are equally
// near; the caller asks which.
func suggestVerbs(w string) ([]verbMatch, bool) {
	if len(w) < 3 || len(w) > 16 {
		return nil, false
	}
	for i := 0; i < len(w); i++ {
		if !isLetter(w[i]) {
			return nil, false
		}
	}
	w = squeeze(w)
	if f, ok := formIndex[w]; ok { // "calll" is "call"
		return []verbMatch{{w, f, 0}}, !noAuto[f.spec.Verb]
	}
	var best []verbMatch
	bestD := 99
	add := func(m verbMatch, d int) {
		switch {
		case d < bestD:
			best, bestD = append(best[:0], m), d
		case d == bestD:
			for k, b := range best {
				if b.meaning() == m.meaning() {
					if m.d < b.d || m.d == b.d && m.form == lower(m.f.spec.Name) {
						best[k] = m // the nearest form, the verb's own name first
					}
					return
				}
			}
			best = append(best, m)
		}
	}
	for form, f := range formIndex {
		if len(form) < 3 || form[0] >= 0x80 || f.spec.Verb == VerbChoice {
			continue
		}
		d0 := editDistance(w, form)
		d := d0
		if d > 1 && form[0] == w[0] && 2*len(w) >= len(form) && isSubsequence(w, form) {
			d = 1 // keypad short form ("vst", "cntct"): as near as one edit
		}
		if d <= 2 {
			add(verbMatch{form, f, d0}, d)
		}
	}
	limit := 1
	if len(w) >= 5 {
		limit = 2
	}
	if bestD > limit || len(best) == 0 {
		return nil, false
	}
	// equally near: a form the word leaves letters out of wins ("tody" is
	// TODAY, not TODO; "doe" is DONE, not DOC)
	if len(best) > 1 {
		var sub []verbMatch
		for _, m := range best {
			if isSubsequence(w, m.form) {
				sub = append(sub, m)
			}
		}
		if len(sub) == 1 {
			best = sub
		}
	}
	// still equally near: the fewest real edits ("nte" is NOTE, not NOTED)
	if len(best) > 1 {
		least := 99
		for _, m := range best {
			least = min(least, m.d)
		}
		var near []verbMatch
		for _, m := range best {
			if m.d == least {
				near = append(near, m)
			}
		}
		best = near
	}
	// stable order: the verb table's
	if len(best) > 1 {
		order := map[Verb]int{}
		for k, sp := range verbSpecs {
			order[sp.Verb] = k
		}
		for a := 1; a < len(best); a++ {
			for b := a; b > 0 && order[best[b].f.spec.Verb] < order[best[b-1].f.spec.Verb]; b-- {
				best[b], best[b-1] = best[b-1], best[b]
			}
		}
		return best, false
	}
	sure := bestD == 1 || len(w) >= 6
	return best, sure && !noAuto[best[0].f.spec.Verb]
}

// squeeze shortens runs of three or more of one letter to two.
func squeeze(w string) string {
	for i := 2; i < len(w); i++ {
		if w[i] == w[i-1] && w[i] == w[i-2] {
			b := []byte(w)
			out := b[:i]
			for j := i; j < len(b); j++ {
				if !(b[j] == out[len(out)-1] && b[j] == out[len(out)-2]) {
					out = append(out, b[j])
				}
			}
			return string(out)
		}
	}
	return w
}

// isSubsequence says whether the letters of a appear in b in order.
func isSubsequence(a, b string) bool {
	j := 0
	for i := 0; i < len(b) && j < len(a); i++ {
		if a[j] == b[i] {
			j++
		}
	}
	return j == len(a)
}

// suggestZhVerb finds the Chinese verb form a misspelt word starts with: a
// form of two or three characters with one of them different (拜方 → 拜访,
// 电化 → 电话). It is only suggested, never carried out.
func suggestZhVerb(w string) (string, Verb, bool) {
	if w == "" || w[0] < 0x80 {
		return "", "", false
	}
	found, fv, n := "", Verb(""), 0
	for form, f := range formIndex {
		if form[0] < 0x80 {
			continue
		}
		rc := utf8.RuneCountInString(form)
		if rc < 2 || rc > 3 || !strings.HasPrefix(w, "") {
			continue
		}
		// the first rc runes of w
		k, cnt := 0, 0
		for k < len(w) && cnt < rc {
			_, size := utf8.DecodeRuneInString(w[k:])
			k += size
			cnt++
		}
		if cnt < rc {
			continue
		}
		head := w[:k]
		diff := 0
		for a, b := head, form; a != ""; {
			ra, sa := utf8.DecodeRuneInString(a)
			rb, sb := utf8.DecodeRuneInString(b)
			if ra != rb {
				diff++
			}
			a, b = a[sa:], b[sb:]
		}
		if diff == 1 && (found == "" || f.spec.Verb != fv) {
			if found != "" && f.spec.Verb != fv {
				n++
			}
			if found == "" || rc > utf8.RuneCountInString(found) {
				found, fv = form, f.spec.Verb
			}
		}
	}
	if found == "" || n > 0 {
		return "", "", false
	}
	return found, fv, true
}

// EditDistance is the optimal string alignment distance of two short ASCII
// words (an adjacent swap costs one): the crm's name lookup uses it too.
func EditDistance(a, b string) int { return editDistance(a, b) }

// editDistance is the optimal string alignment distance of a and b (ASCII).
func editDistance(a, b string) int {
	if len(a) > 32 || len(b) > 32 {
		return 99
	}
	var d [34][34]int
	for i := 0; i <= len(a); i++ {
		d[i][0] = i
	}
	for j := 0; j <= len(b); j++ {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, d[i-2][j-2]+1)
			}
			d[i][j] = v
		}
	}
	return d[len(a)][len(b)]
}

// String renders a Ref for messages.
