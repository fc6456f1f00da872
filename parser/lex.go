package parser

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tok is one word of a part: as typed (normalised), in lower case, and its
// byte offset in the normalised text.
type tok struct {
	s   string
	l   string
	off int
}

func (t tok) end() int { return t.off + len(t.s) }

func isHan(r rune) bool {
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }

// tokenize splits s (found at byte offset off of the normalised text) into
// words: on white space, with surrounding punctuation trimmed, and Chinese
// runs cut into known words (dates, times, amounts, verbs, keys, brands).
func (p *parser) tokenize(s string, off int, dst []tok) []tok {
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\n') {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\n' {
			j++
		}
		if j > i {
			dst = p.word(s[i:j], off+i, dst)
		}
		i = j
	}
	return dst
}

const trimLeft = "(\"'[<{"
const trimRight = ".!?)\"'],>}"

func (p *parser) word(w string, off int, dst []tok) []tok {
	for len(w) > 0 && strings.IndexByte(trimLeft, w[0]) >= 0 {
		w = w[1:]
		off++
	}
	for len(w) > 0 && strings.IndexByte(trimRight, w[len(w)-1]) >= 0 {
		w = w[:len(w)-1]
	}
	if w == "" {
		return dst
	}
	ascii := true
	for k := 0; k < len(w); k++ {
		if w[k] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return append(dst, tok{w, lower(w), off})
	}
	return p.segment(w, off, dst)
}

// segment cuts a word with Chinese characters into known words and runs.
func (p *parser) segment(w string, off int, dst []tok) []tok {
	start := 0 // start of the pending run
	emit := func(a, b int) {
		if b > a {
			s := w[a:b]
			dst = append(dst, tok{s, lower(s), off + a})
		}
	}
	i := 0
	prevClass := 0 // 0 none, 1 Han, 2 ASCII alnum, 3 other
	for i < len(w) {
		r, size := utf8.DecodeRuneInString(w[i:])
		class := 3
		if isHan(r) {
			class = 1
		} else if r < 0x80 && isAlnum(byte(r)) {
			class = 2
		}
		// Try known words where a word may start: at a Han character, or at
		// a digit that does not continue an ASCII word.
		if class == 1 || (class == 2 && isDigit(w[i]) && prevClass != 2) {
			if n := p.zhKnownLen(w[i:]); n > 0 {
				emit(start, i)
				emit(i, i+n)
				i += n
				start = i
				prevClass = 0
				continue
			}
		}
		if prevClass != 0 && class != prevClass && (class == 1 || prevClass == 1) && (class != 3 && prevClass != 3) {
			emit(start, i)
			start = i
		}
		prevClass = class
		i += size
	}
	emit(start, len(w))
	return dst
}

// zhKnownLen is the byte length of a known word at the start of s: a date or
// time, an amount or quantity with a Chinese unit, or a lexicon word.
func (p *parser) zhKnownLen(s string) int {
	if _, n := zhDate(s); n > 0 {
		// a date may be followed by a time: keep them apart
		return n
	}
	if _, _, n := zhTime(s); n > 0 {
		return n
	}
	if n := zhAmountLen(s); n > 0 {
		return n // 三十五万, 1亿2千万
	}
	if isDigit(s[0]) {
		return zhUnitNumLen(s)
	}
	if v, n := zhNum(s); n > 0 && v > 0 {
		for _, u := range []string{"台", "辆", "部", "套", "天", "周", "个月", "个星期", "年前"} {
			if strings.HasPrefix(s[n:], u) {
				return n + len(u)
			}
		}
	}
	if p.lex != nil {
		if n := p.lex.zhLen(s); n > 0 {
			return n
		}
	}
	if n := zhPersonLen(s); n > 0 {
		return n
	}
	return zhLexLen(s)
}

// zhUnitNumLen matches a number with a Chinese unit: 35万, 1.5亿, 2台, 350000元.
func zhUnitNumLen(s string) int {
	i := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == '.' || s[i] == ',') {
		i++
	}
	for _, u := range []string{"万元", "亿元", "千元", "百万", "千万", "万", "亿", "千", "元", "块", "台", "辆", "部", "套", "天", "周", "个月", "个星期", "星期", "年前"} {
		if strings.HasPrefix(s[i:], u) {
			return i + len(u)
		}
	}
	return 0
}

// zhLex holds Chinese words that must stand alone when typed without spaces.
var zhLex = map[string]bool{}

// zhLexFirst holds the first runes of zhLex words, to skip lookups quickly.
var zhLexFirst = map[rune]bool{}

func addZhLex(words ...string) {
	for _, w := range words {
		if utf8.RuneCountInString(w) < 2 {
			continue
		}
		zhLex[w] = true
		r, _ := utf8.DecodeRuneInString(w)
		zhLexFirst[r] = true
	}
}

func zhLexLen(s string) int {
	r, _ := utf8.DecodeRuneInString(s)
	if !zhLexFirst[r] {
		return 0
	}
	// longest match, up to 6 runes
	ends := [7]int{}
	n := 0
	for i := range s {
		if n > 0 {
			ends[n] = i
		}
		n++
		if n > 6 {
			break
		}
	}
	if n <= 6 {
		ends[n] = len(s)
	}
	for k := min(n, 6); k >= 2; k-- {
		if ends[k] > 0 && zhLex[s[:ends[k]]] {
			return ends[k]
		}
	}
	return 0
}

// part is a piece of the message between separators.
type part struct {
	s   string // trimmed, as typed (normalised)
	off int    // byte offset in the normalised text
	sep byte   // the separator before it (0 for the first)
}

// splitParts cuts s at the separators ; / , and new line. A / between digits
// (28/11) or in s/n, and a , before three digits (350,000) do not separate.
func splitParts(s string, off int, dst []part) []part {
	start := 0
	var sep byte
	add := func(a, b int) {
		for a < b && (s[a] == ' ' || s[a] == '\n') {
			a++
		}
		for b > a && (s[b-1] == ' ' || s[b-1] == '\n') {
			b--
		}
		if b > a {
			dst = append(dst, part{s[a:b], off + a, sep})
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ';', '\n':
		case '/':
			if i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
				continue
			}
			if i > 0 && (s[i-1] == ':' || s[i-1] == '/') {
				continue
			}
			if ws := strings.LastIndexAny(s[:i], " \n"); strings.Contains(s[ws+1:i], "://") {
				continue // inside a URL
			}
			if i > 0 && i+1 < len(s) && s[i-1]|0x20 == 's' && s[i+1]|0x20 == 'n' && (i < 2 || !isLetter(s[i-2])) {
				continue
			}
			if i > 0 && i+1 < len(s) && isLetter(s[i-1]) && isLetter(s[i+1]) && (i+2 >= len(s) || !isLetter(s[i+2])) && (i < 2 || !isLetter(s[i-2])) {
				continue // a/c, w/o, p/n: one-letter abbreviations
			}
		case ',':
			if i > 0 && isDigit(s[i-1]) && i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) && (i+4 >= len(s) || !isDigit(s[i+4])) {
				continue
			}
		default:
			continue
		}
		add(start, i)
		sep = c
		start = i + 1
	}
	add(start, len(s))
	return dst
}
