package crm

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/parser"
)

// Candidate is one record found by a fuzzy lookup, with its rank score.
type Candidate struct {
	Kind  Kind    `json:"kind"`
	ID    int64   `json:"id"`
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

// Ambiguous reports whether the best two candidates are too close to pick one
// without asking "1 or 2?".
func Ambiguous(c []Candidate) bool {
	return len(c) > 1 && c[1].Score >= c[0].Score*0.92
}

// maxScan bounds how many index keys one query word may scan: a one-letter
// query over 100,000 accounts must not read them all.
const maxScan = 4000

type match struct {
	score float64
	ntok  int
	hits  int
}

// Lookup finds records of kind k by name, alias, phone fragment or "#id",
// ranked best first, at most limit of them, only those the actor may read.
// Case, width and spacing do not matter; Chinese names match on any part
// (华鑫 finds 华鑫矿业有限公司).
func (tx *Tx) Lookup(k Kind, query string, limit int) ([]Candidate, error) {
	q := strings.TrimSpace(normText(query))
	if limit <= 0 {
		limit = 5
	}
	if id, ok := parseRef(q); ok {
		r, err := tx.load(k, id)
		if err != nil || !tx.canRead(r) || inactiveForLookup(r) {
			return nil, nil
		}
		return []Candidate{{Kind: k, ID: id, Name: r.label(), Score: 10}}, nil
	}
	var words []string
	if d, ok := phoneQuery(q); ok {
		words = []string{d}
	} else {
		for _, t := range tokenize(q, false) {
			words = append(words, truncRunes(t.text, maxHanKey))
		}
	}
	if len(words) == 0 {
		return nil, nil
	}
	var acc map[int64]*match
	c := tx.etx
	for wi := 0; wi < len(words); wi++ {
		w := words[wi]
		var seen map[int64]float64
		if wi+1 < len(words) && isLatinWord(w) && isLatinWord(words[wi+1]) {
			// "tie ling" for Tieling: two typed words, one in the name
			if j := prefixHits(c, k, w+words[wi+1]); len(j) > 0 {
				seen = j
				wi++
			}
		}
		if seen == nil {
			seen = prefixHits(c, k, w)
		}
		if len(seen) == 0 {
			seen = fuzzyHits(c, k, w) // "acmee", "minning", "liaoyng"
		}
		if acc == nil {
			acc = make(map[int64]*match, len(seen))
			for id, s := range seen {
				acc[id] = &match{score: s, hits: 1}
			}
			continue
		}
		for id, m := range acc {
			if s, ok := seen[id]; ok {
				m.score += s
				m.hits++
			} else {
				delete(acc, id)
			}
		}
	}
	ranked := make([]Candidate, 0, len(acc))
	for id, m := range acc {
		ranked = append(ranked, Candidate{Kind: k, ID: id, Score: m.score / float64(len(words))})
	}
	sort.Slice(ranked, func(i, j int) bool {
		if ranked[i].Score != ranked[j].Score {
			return ranked[i].Score > ranked[j].Score
		}
		return ranked[i].ID < ranked[j].ID
	})
	out := make([]Candidate, 0, limit)
	qflat := flatName(q)
	for _, cand := range ranked {
		if len(out) == limit+1 { // one more than asked, to judge ambiguity after the exact-name bonus
			break
		}
		r, err := tx.load(k, cand.ID)
		if err != nil {
			continue // index ahead of a deleted record: check repairs it
		}
		if !tx.canRead(r) || inactiveForLookup(r) {
			continue
		}
		cand.Name = r.label()
		if flatName(cand.Name) == qflat {
			cand.Score += 1 // the whole name typed: it wins
		} else {
			// shorter names are closer to what was typed
			cand.Score -= 0.01 * float64(len([]rune(cand.Name))) / 100
		}
		out = append(out, cand)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// prefixHits scores the records with an index token that starts with w.
func prefixHits(c ETx, k Kind, w string) map[int64]float64 {
	prefix := nameKey(k, w, 0)
	prefix = prefix[:len(prefix)-9] // kind 0 word
	seen := map[int64]float64{}
	n := 0
	c.Names(prefix, func(key, val []byte) bool {
		if !bytes.HasPrefix(key, prefix) || n >= maxScan {
			return false
		}
		n++
		full := key[len(k)+1 : len(key)-9]
		id := int64(btou(key[len(key)-8:]))
		if s := tokenScore(w, full, val); s > seen[id] {
			seen[id] = s
		}
		return true
	})
	return seen
}

// fuzzyWeight ranks a misspelt match below any exact one.
const fuzzyWeight = 0.6

// fuzzyHits scores the records with an index token a typo away from w: one
// edit for words of up to 5 letters, two for longer ones, also against the
// start of a longer token ("minn" for mining). Only latin words of 4 letters
// or more are tried, and only tokens that share their first letters (two,
// then one), so a lookup stays bounded on a big store.
func fuzzyHits(c ETx, k Kind, w string) map[int64]float64 {
	seen := map[int64]float64{}
	if len(w) < 4 || !isLatinWord(w) {
		return seen
	}
	maxD := 1
	if len(w) >= 6 {
		maxD = 2
	}
	for _, pl := range []int{2, 1} {
		prefix := nameKey(k, w[:pl], 0)
		prefix = prefix[:len(prefix)-9]
		n := 0
		c.Names(prefix, func(key, val []byte) bool {
			if !bytes.HasPrefix(key, prefix) || n >= maxScan {
				return false
			}
			n++
			full := string(key[len(k)+1 : len(key)-9])
			if !isLatinWord(full) || len(full) < len(w)-maxD {
				return true
			}
			d := parser.EditDistance(w, full)
			if len(full) > len(w) {
				d = min(d, parser.EditDistance(w, full[:len(w)])+1) // typed the start of it, with a typo
			}
			if d == 0 || d > maxD {
				return true
			}
			id := int64(btou(key[len(key)-8:]))
			s := tokenScore(full, []byte(full), val) * fuzzyWeight * (1 - 0.1*float64(d-1))
			if strings.HasPrefix(w, full) {
				s += 0.02 // a letter too many ("acmee") is the likeliest typo
			}
			if s > seen[id] {
				seen[id] = s
			}
			return true
		})
		if len(seen) > 0 {
			break
		}
	}
	return seen
}

func isLatinWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if !(w[i] >= 'a' && w[i] <= 'z') {
			return false
		}
	}
	return w != ""
}

// tokenScore scores an index token full against the typed word w.
func tokenScore(w string, full, val []byte) float64 {
	var s float64
	if len(full) == len(w) {
		s = 1
	} else {
		s = 0.55 + 0.35*float64(len(w))/float64(len(full))
	}
	if len(val) >= 3 {
		switch val[0] {
		case fieldAlias:
			s *= 0.95
		case fieldPhone:
			// a phone fragment matches as well as a name
		}
		if val[1] == 0 {
			s += 0.1 // the first word of the name
		}
	}
	return s
}

func inactiveForLookup(r Record) bool {
	switch v := r.(type) {
	case *Contact:
		return v.Removed
	case *User:
		return v.Disabled
	}
	return false
}

// flatName is a name without case, width, spaces or punctuation.
func flatName(s string) string {
	var b strings.Builder
	for _, t := range tokenize(s, false) {
		b.WriteString(t.text)
	}
	return b.String()
}

// parseRef reads "#17".
func parseRef(s string) (int64, bool) {
	s, ok := strings.CutPrefix(s, "#")
	if !ok || s == "" || len(s) > 12 {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// phoneQuery reads a query that is a phone fragment (4 or more digits, with
// spaces, dashes or a leading +86 allowed) and returns the digits to search.
func phoneQuery(q string) (string, bool) {
	var d strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '-' || r == '+' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	s := d.String()
	if strings.HasPrefix(q, "+86") || strings.HasPrefix(s, "0086") {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "00"), "86")
		if !(len(s) == 11 && s[0] == '1') {
			s = "0" + s
		}
	}
	return s, len(s) >= 4
}
