package parser

import ()

// did you mean

// suggestVerb finds the verb form nearest to w by edit distance (with
// transpositions): within 1 edit for words of up to 4 letters, 2 beyond.
func suggestVerb(w string) (Verb, bool) {
	if len(w) < 3 || len(w) > 16 {
		return "", false
	}
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			return "", false
		}
	}
	best, bestD := Verb(""), 99
	for form, f := range formIndex {
		if len(form) < 3 || form[0] >= 0x80 {
			continue
		}
		d := editDistance(w, form)
		if d < bestD || d == bestD && form == lower(f.spec.Name) {
			best, bestD = f.spec.Verb, d
		}
	}
	limit := 1
	if len(w) >= 5 {
		limit = 2
	}
	if bestD <= limit {
		return best, true
	}
	return "", false
}

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
