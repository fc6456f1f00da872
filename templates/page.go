package templates

import (
	"strconv"
	"strings"
)

// Page splits a long SMS answer (TODAY, OPPS, ACCT, FIND, TEAM …) into pages
// of at most maxSegments segments each. Every page but the last ends with the
// more prompt (" MORE for next %d", "\n回复更多看下%d条"); "%d" in it is
// replaced by the number of items on the next page: its lines that start
// with a #id, or all its lines when the text has no such line. Pages break between
// lines; a line too long for a page breaks after a "; " or, failing that,
// between words, never inside a word or a #id. When text fits, first is text
// and rest is nil. The rest pages are what MORE sends, in order.
func Page(text string, maxSegments int, more string) (first string, rest []string) {
	if maxSegments < 1 {
		maxSegments = 1
	}
	if Fits(text, maxSegments) {
		return text, nil
	}
	units := splitUnits(text, maxSegments, more)
	bound := strconv.Itoa(len(units)) // at least as many digits as any count
	promptFor := func(n string) string { return strings.ReplaceAll(more, "%d", n) }

	ids := false // do lines start with a #id? Then only those are counted.
	for _, u := range units {
		ids = ids || isIDLine(u)
	}

	var pages [][]unit
	for i := 0; i < len(units); {
		if Fits(joinUnits(units[i:]), maxSegments) {
			pages = append(pages, units[i:])
			break
		}
		j := i + 1 // a page holds at least one unit
		for j < len(units) && Fits(joinUnits(units[i:j+1])+promptFor(bound), maxSegments) {
			j++
		}
		// a heading ("Overdue:", "逾期：") goes with the items it heads,
		// never alone at the foot of a page
		for j-1 > i && j < len(units) && isHeading(units[j-1]) {
			j--
		}
		// MORE must lead to an item: when the rest holds none (only a
		// closing line), the last item goes over with it
		if ids && j < len(units) && lineCount(units[j:], true) == 0 {
			k := j - 1
			for k > i && !isIDLine(units[k]) {
				k--
			}
			if k > i {
				j = k
			}
			for j-1 > i && isHeading(units[j-1]) {
				j--
			}
		}
		pages = append(pages, units[i:j])
		i = j
	}
	out := make([]string, len(pages))
	for k, p := range pages {
		out[k] = joinUnits(p)
		if k+1 < len(pages) {
			out[k] += promptFor(strconv.Itoa(lineCount(pages[k+1], ids)))
		}
	}
	return out[0], out[1:]
}

// unit is a piece of text that is never split, with the separator that goes
// before it when it does not start a page.
type unit struct {
	text, sep string
}

func joinUnits(us []unit) string {
	var b strings.Builder
	for i, u := range us {
		if i > 0 {
			b.WriteString(u.sep)
		}
		b.WriteString(u.text)
	}
	return b.String()
}

// lineCount counts the items of a page: the lines it starts or holds, or
// when ids is set only those that start with a #id (headers and the closing
// hint are not items).
func lineCount(us []unit, ids bool) int {
	n := 0
	for i, u := range us {
		if (i == 0 || u.sep == "\n") && (!ids || isIDLine(u)) {
			n++
		}
	}
	return n
}

// isIDLine reports whether u starts a line with a #id.
func isIDLine(u unit) bool {
	return u.sep == "\n" && len(u.text) > 1 && u.text[0] == '#' && u.text[1] >= '0' && u.text[1] <= '9'
}

// splitUnits cuts text into lines, and a line that cannot make a page of
// its own (with the prompt) into "; " items, and those into words.
func splitUnits(text string, maxSegments int, more string) []unit {
	prompt := strings.ReplaceAll(more, "%d", "999")
	fits := func(s string) bool { return Fits(s+prompt, maxSegments) }
	var units []unit
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			continue
		}
		sep := "\n"
		if fits(line) {
			units = append(units, unit{line, sep})
			continue
		}
		for _, item := range splitKeep(line, "; ") {
			if fits(item) {
				units = append(units, unit{item, sep})
				sep = " "
				continue
			}
			for _, w := range strings.Fields(item) {
				for !fits(w) && len([]rune(w)) > 1 { // a word longer than a page: last resort
					r := []rune(w)
					k := len(r) / 2
					for k > 1 && !fits(string(r[:k])) {
						k /= 2
					}
					units = append(units, unit{string(r[:k]), sep})
					sep = ""
					w = string(r[k:])
				}
				units = append(units, unit{w, sep})
				sep = " "
			}
		}
	}
	return units
}

// splitKeep splits s after each sep, keeping the separator's punctuation
// (trailing space dropped) on the left piece: "a; b" → "a;", "b".
func splitKeep(s, sep string) []string {
	parts := strings.Split(s, sep)
	keep := strings.TrimRight(sep, " ")
	for i := range parts[:len(parts)-1] {
		parts[i] += keep
	}
	return parts
}

// More returns the prompt Page appends to every page but the last, for
// locale: "\nMORE for next %d" or "\n回复更多看下%d条".
func More(locale string) string {
	if Locale(locale) == "zh" {
		return "\n回复更多看下%d条"
	}
	return "\nMORE for next %d"
}

// isHeading says u is a line of its own that heads the lines after it.
func isHeading(u unit) bool {
	t := strings.TrimSpace(u.text)
	return u.sep == "\n" && !strings.Contains(t, "\n") && (strings.HasSuffix(t, ":") || strings.HasSuffix(t, "："))
}
