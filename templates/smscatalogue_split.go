package templates

// Cleaning a message for a provider variable and splitting it to the
// variable's limit (FitSMS).

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// smsSymbols are the characters Alibaba Cloud lists as unsupported in a
// template (special symbols that turn into garbage on some phones, 【】 that
// would pass for a signature), with what a variable carries instead.
var smsSymbols = map[rune]string{
	'【': "（", '】': "）", '『': "“", '』': "”", '「': "“", '」': "”", '〖': "“", '〗': "”",
	'★': "", '☆': "", '※': "", '→': "->", '•': "·", '²': "2", '³': "3",
}

// smsTLDs are the top-level domains that make a word a link.
var smsTLDs = map[string]bool{"com": true, "cn": true, "net": true, "org": true, "io": true, "gov": true, "edu": true,
	"info": true, "biz": true, "co": true, "me": true, "xyz": true, "top": true, "vip": true, "cc": true, "tv": true,
	"site": true, "online": true, "shop": true, "link": true, "ly": true, "hk": true} // not .ai, .app: file names

// smsClean returns s with what the provider refuses in a variable replaced:
// the symbols of smsSymbols (circled numbers become digits) and links
// (http://…, www.…, a word ending in a known domain, an e-mail address),
// which become a note that a link was left out: a link may only be fixed
// text of an approved template. A text without any of them is returned as
// it is (smsScan tells whether there is anything to replace).
func smsClean(s string, zh bool) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	note := "(link left out)"
	if zh {
		note = "（链接已略去）"
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isLinkChar(r) && (i == 0 || !isLinkCharBefore(s, i)) {
			j := i
			for j < len(s) && isLinkChar(rune(s[j])) {
				j++
			}
			word := s[i:j]
			trail := strings.TrimRight(word, ".,;:!?)'\"")
			if isLink(trail) {
				b.WriteString(note)
				b.WriteString(word[len(trail):])
				i = j
				continue
			}
			b.WriteString(word)
			i = j
			continue
		}
		switch {
		case r >= '①' && r <= '⑨':
			b.WriteRune('1' + (r - '①'))
		case r >= '⑩' && r <= '⑳':
			fmt.Fprintf(&b, "%d", 10+int(r-'⑩'))
		default:
			if rep, ok := smsSymbols[r]; ok {
				b.WriteString(rep)
			} else {
				b.WriteString(s[i : i+size])
			}
		}
		i += size
	}
	return b.String()
}

// smsScan reads a message once: whether it holds Chinese (HasCJK), whether
// smsClean has anything to replace in it (a refused symbol, or a dot or '@'
// inside a word that is a link), and its length in characters.
func smsScan(s string) (cjk, dirty bool, runes int) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		runes++
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size - 1
			if r >= 0x4E00 && r <= 0x9FFF {
				cjk = true
				continue
			}
			if isSMSSymbol(r) {
				dirty = true
			} else if !cjk && r >= 0x2E80 && HasCJK(s[i-size+1:i+1]) {
				cjk = true
			}
			continue
		}
		if dirty || (c != '.' && c != '@') || i == 0 || i+1 >= len(s) || !isLinkChar(rune(s[i-1])) || !isLinkChar(rune(s[i+1])) {
			continue
		}
		a, b := i, i+1
		for a > 0 && isLinkChar(rune(s[a-1])) {
			a--
		}
		for b < len(s) && isLinkChar(rune(s[b])) {
			b++
		}
		if isLink(strings.TrimRight(s[a:b], ".,;:!?)'\"")) {
			dirty = true
		}
	}
	return cjk, dirty, runes
}

// isSMSSymbol reports whether smsClean replaces r.
func isSMSSymbol(r rune) bool {
	switch r {
	case '【', '】', '『', '』', '「', '」', '〖', '〗', '★', '☆', '※', '→', '•', '²', '³':
		return true
	}
	return r >= '①' && r <= '⑳'
}

// isLinkChar: the ASCII characters a URL or an address is written with.
func isLinkChar(r rune) bool {
	return r < utf8.RuneSelf && r > ' ' && !strings.ContainsRune("\"'<>()[]{}|\\^`,;", r)
}

func isLinkCharBefore(s string, i int) bool { return i > 0 && isLinkChar(rune(s[i-1])) }

// isLink reports whether an ASCII word is a link or an address.
func isLink(w string) bool {
	lw := strings.ToLower(w)
	if strings.Contains(lw, "://") || strings.HasPrefix(lw, "www.") {
		return true
	}
	if at := strings.LastIndexByte(lw, '@'); at > 0 {
		lw = lw[at+1:]
	}
	host, _, _ := strings.Cut(lw, "/")
	host, _, _ = strings.Cut(host, ":")
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || dot == len(host)-1 {
		return false
	}
	for _, c := range host[:dot] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return smsTLDs[host[dot+1:]]
}

// Break levels, best first: where a long message may be split.
const (
	brLine   = iota + 1 // after a line break
	brSent              // after a sentence: 。！？ or ". " "! " "? "
	brClause            // after a clause: ；，、： or "; " ", " ": "
	brSpace             // at a space
	brHan               // between two Chinese characters
	brAny               // between any two characters
)

// splitContent splits s into pieces of at most firstMax characters (the
// first) and restMax (the others), at the best place within each piece's
// reach, never inside a token (see protect). More than maxParts pieces is
// ErrNoSMSTemplate.
func splitContent(s string, firstMax, restMax, maxParts int) ([]string, error) {
	r := []rune(s)
	n := len(r)
	level := make([]uint8, n+1)
	for i := 0; i < n; i++ {
		c := r[i]
		set := func(p int, l uint8) {
			if p <= n && (level[p] == 0 || l < level[p]) {
				level[p] = l
			}
		}
		next := rune(0)
		if i+1 < n {
			next = r[i+1]
		}
		switch {
		case c == '\n':
			set(i+1, brLine)
		case c == '。' || c == '！' || c == '？':
			set(i+1, brSent)
		case (c == '.' || c == '!' || c == '?') && next == ' ' && !(c == '.' && notSentenceEnd(r, i)):
			set(i+2, brSent)
		case c == '；' || c == '，' || c == '、' || c == '：':
			set(i+1, brClause)
		case (c == ';' || c == ',' || c == ':') && next == ' ':
			set(i+2, brClause)
		case c == ' ':
			set(i+1, brSpace)
		case isHan(c) && isHan(next):
			set(i+1, brHan)
		}
		set(i+1, brAny)
	}
	inside := protect(r, min(firstMax, restMax))

	var out []string
	start := 0
	for {
		for start < n && (r[start] == ' ' || r[start] == '\n') {
			start++
		}
		if start >= n {
			break
		}
		limit := restMax
		if len(out) == 0 {
			limit = firstMax
		}
		end := n
		for end > start && (r[end-1] == ' ' || r[end-1] == '\n') {
			end--
		}
		if end-start <= limit {
			out = append(out, string(r[start:end]))
			break
		}
		p := -1
		if end-start <= limit+restMax { // two pieces do: split where they are even
			p = evenBreak(level, inside, start, end, limit, restMax)
		}
		if p <= start {
			p = bestBreak(level, inside, start, start+limit)
		}
		if p <= start {
			return nil, fmt.Errorf("%w: no place to split within %d characters", ErrNoSMSTemplate, limit)
		}
		piece := strings.TrimRight(string(r[start:p]), " \n")
		out = append(out, piece)
		start = p
		if len(out) > maxParts {
			return nil, fmt.Errorf("%w: more than %d parts", ErrNoSMSTemplate, maxParts)
		}
	}
	if len(out) > maxParts {
		return nil, fmt.Errorf("%w: more than %d parts", ErrNoSMSTemplate, maxParts)
	}
	return out, nil
}

// bestBreak returns the break position in (start, stop] of the best level,
// the furthest of that level; a position in the first third of the reach is
// taken only when there is no other, so that no piece is needlessly short.
func bestBreak(level []uint8, inside []bool, start, stop int) int {
	if stop > len(level)-1 {
		stop = len(level) - 1
	}
	floor := start + (stop-start)/3
	best, bestLevel := -1, uint8(brAny+1)
	for p := stop; p > start; p-- {
		if p < floor && best > 0 {
			break // the far part of the reach had a place
		}
		if l := level[p]; l != 0 && l < bestLevel && !inside[p] {
			best, bestLevel = p, l // the furthest of each better level
		}
	}
	return best
}

// evenBreak returns the break position p in (start, start+limit] that
// leaves at most restMax characters after it, of the best level, nearest
// the middle of [start, end): a message split in two reads best when its
// two halves are alike (a confirmation's follow-up stays with its UNDO).
func evenBreak(level []uint8, inside []bool, start, end, limit, restMax int) int {
	mid := (start + end) / 2
	best, bestLevel, bestDist := -1, uint8(brAny+1), 0
	for p := max(start+1, end-restMax); p <= start+limit && p < end; p++ {
		l := level[p]
		if l == 0 || inside[p] {
			continue
		}
		d := p - mid
		if d < 0 {
			d = -d
		}
		if l < bestLevel || l == bestLevel && d < bestDist {
			best, bestLevel, bestDist = p, l, d
		}
	}
	// not at a worse place than the furthest split would take: a list is
	// split between its lines, not in the middle of one
	if b := bestBreak(level, inside, start, start+limit); b > start && level[b] < bestLevel {
		return -1
	}
	return best
}

// protect marks the positions a message must not be split at: inside a #id,
// a <placeholder>, a number with its unit (an amount, a date, a time, a
// phone number), a numbered choice with its first word, a quoted word, and
// inside the instruction of a sentence (from its first command word or 回复
// to its end) when that fits a part.
func protect(r []rune, max int) []bool {
	n := len(r)
	inside := make([]bool, n+1)
	mark := func(a, b int) { // no break strictly inside [a, b)
		for p := a + 1; p < b && p <= n; p++ {
			inside[p] = true
		}
	}
	for i := 0; i < n; i++ {
		switch c := r[i]; {
		case c == '#' && i+1 < n && isAlnum(r[i+1]):
			j := i + 1
			for j < n && isAlnum(r[j]) {
				j++
			}
			mark(i, j)
		case c == '<':
			j := i + 1
			for j < n && j-i < 40 && r[j] != '>' && r[j] != '\n' {
				j++
			}
			if j < n && r[j] == '>' {
				mark(i, j+1)
			}
		case c == '“' || c == '"':
			closer := '”'
			if c == '"' {
				closer = '"'
			}
			j := i + 1
			for j < n && j-i <= max/2 && r[j] != closer && r[j] != '\n' {
				j++
			}
			if j < n && r[j] == closer {
				mark(i, j+1)
			}
		case isDigit(c) || (c == '+' && i+1 < n && isDigit(r[i+1])):
			if i > 0 && (isDigit(r[i-1]) || r[i-1] == '#') {
				continue
			}
			j := i + 1
			for j < n && (isDigit(r[j]) || strings.ContainsRune(".,:/-", r[j]) && j+1 < n && isDigit(r[j+1])) {
				j++
			}
			for j < n && strings.ContainsRune("mkhdx万亿元台个项条天%", r[j]) {
				j++
			}
			if j < n && r[j] == ')' && j+1 < n && r[j+1] == ' ' { // "2) ACME Transport": the choice with its first word
				j += 2
				for j < n && r[j] != ' ' && r[j] != '\n' {
					j++
				}
			}
			mark(i, j)
			i = j - 1
		}
	}
	// sentences that tell what to reply
	s := 0
	for i := 0; i <= n; i++ {
		end := i == n || r[i] == '\n' || r[i] == '。' || r[i] == '！' || r[i] == '？' ||
			(r[i] == '.' || r[i] == '!' || r[i] == '?') && i+1 < n && r[i+1] == ' ' && !(r[i] == '.' && notSentenceEnd(r, i))
		if !end {
			continue
		}
		e := i
		if i < n {
			e = i + 1
		}
		if k := instructionAt(r[s:e]); k >= 0 && e-(s+k) <= max {
			mark(s+k, e)
		}
		for s = e; s < n && r[s] == ' '; s++ {
		}
	}
	return inside
}

// smsCommands are the command words an English instruction starts with.
var smsCommands = map[string]bool{"UNDO": true, "MORE": true, "DONE": true, "REJECT": true, "ASSIGN": true, "EXTEND": true,
	"ACK": true, "APPROVE": true, "REFUSE": true, "TODAY": true, "OPP": true, "OPPS": true, "ACCT": true, "FIND": true,
	"LEAD": true, "CONTACT": true, "EQ": true, "TEAM": true, "FUNNEL": true, "HELP": true, "STOP": true, "START": true,
	"DOC": true, "VISIT": true, "PLAN": true, "CALL": true, "NOTE": true, "Reply": true}

// instructionAt returns where the instruction of a sentence starts (its
// first command word, or 回复), or -1 when it tells nothing to reply.
func instructionAt(r []rune) int {
	for i := 0; i < len(r); i++ {
		if r[i] == '回' && i+1 < len(r) && r[i+1] == '复' {
			return i
		}
		if (r[i] >= 'A' && r[i] <= 'Z') && (i == 0 || !isAlnum(r[i-1])) {
			j := i
			for j < len(r) && isAlnum(r[j]) {
				j++
			}
			if smsCommands[string(r[i:j])] {
				return i
			}
			i = j
		}
	}
	return -1
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isAlnum(r rune) bool { return isDigit(r) || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// smsAbbrev are the words whose full stop does not end a sentence.
var smsAbbrev = map[string]bool{"e.g": true, "i.e": true, "mr": true, "mrs": true, "ms": true, "dr": true, "vs": true, "jr": true, "sr": true}

// notSentenceEnd reports whether the '.' at r[i] closes an abbreviation
// ("Co.", "E.g.", an initial) or an ellipsis ("Heavy...": a name cut short)
// rather than a sentence.
func notSentenceEnd(r []rune, i int) bool {
	if i > 0 && r[i-1] == '.' {
		return true
	}
	k := i
	for k > 0 && (unicode.IsLetter(r[k-1]) || r[k-1] == '.') {
		k--
	}
	w := strings.ToLower(string(r[k:i]))
	if len(w) == 1 || smsAbbrev[w] {
		return true
	}
	// "Co. Ltd", "Co. ltd.": the company's legal form goes on
	if w == "co" && i+2 < len(r) {
		rest := strings.ToLower(string(r[i+2 : min(i+5, len(r))]))
		return rest == "ltd" || rest == "lim"
	}
	return false
}
