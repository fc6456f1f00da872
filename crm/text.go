package crm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldWidth turns full-width ASCII forms and the ideographic space into their
// ASCII forms and drops zero-width characters.
func foldWidth(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteRune(r - 0xFEE0)
		case r == 0x3000:
			b.WriteByte(' ')
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0xFEFF || r == 0x2060:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normText folds width and case: the form names are compared in.
func normText(s string) string { return strings.ToLower(foldWidth(s)) }

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// maxHanKey bounds the length (in runes) of a CJK suffix key.
const maxHanKey = 8

// token is one piece of a name for the lookup index.
type token struct {
	text string
	pos  int  // index of the word in the name
	han  bool // a suffix of a CJK run (matched by prefix only)
}

// tokenize splits a name into words for indexing: latin/digit words as they
// are, and every suffix of each CJK run (so that 华鑫 and 矿业 both find
// 华鑫矿业有限公司 by prefix search).
func tokenize(name string, suffixes bool) []token {
	s := normText(name)
	var out []token
	pos := 0
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case isHan(r):
			j := i
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !isHan(r2) {
					break
				}
				j += n2
			}
			run := s[i:j]
			if !suffixes {
				out = append(out, token{text: run, pos: pos, han: true})
			} else {
				for k := 0; k < len(run); {
					_, n2 := utf8.DecodeRuneInString(run[k:])
					out = append(out, token{text: truncRunes(run[k:], maxHanKey), pos: pos, han: true})
					k += n2
				}
			}
			pos++
			i = j
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if isHan(r2) || !(unicode.IsLetter(r2) || unicode.IsDigit(r2) || r2 == '\'' || r2 == '&') {
					break
				}
				j += n2
			}
			w := strings.Trim(s[i:j], "'&")
			if w != "" {
				out = append(out, token{text: w, pos: pos})
				pos++
			}
			i = j
		default:
			i += n
		}
	}
	return out
}

func truncRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// Fields of a name index entry: which part of the record the token came from.
const (
	fieldName  byte = 0
	fieldAlias byte = 1
	fieldPhone byte = 2
)

// nameKey is kind 0 token 0 id.
func nameKey(k Kind, tok string, id int64) []byte {
	b := make([]byte, 0, len(k)+len(tok)+10)
	b = append(b, k...)
	b = append(b, 0)
	b = append(b, tok...)
	b = append(b, 0)
	return append(b, itob(id)...)
}

// nameEntries are the lookup index entries of a record: its name's tokens,
// its aliases' tokens and its phone numbers (whole and by trailing digits,
// from the last 4 up).
func nameEntries(k Kind, id int64, name string, aliases, phones []string) []IndexEntry {
	var out []IndexEntry
	seen := map[string]bool{}
	add := func(text string, field byte, pos, ntok int) {
		if text == "" || seen[text] {
			return
		}
		seen[text] = true
		out = append(out, IndexEntry{Index: IxName, Key: nameKey(k, text, id),
			Val: []byte{field, byte(min(pos, 255)), byte(min(ntok, 255))}})
	}
	words := func(s string, field byte) {
		toks := tokenize(s, true)
		n := 0
		for _, t := range toks {
			n = max(n, t.pos+1)
		}
		for _, t := range toks {
			add(t.text, field, t.pos, n)
		}
	}
	words(name, fieldName)
	for _, a := range aliases {
		words(a, fieldAlias)
	}
	for _, p := range phones {
		d := phoneDigits(p)
		for j := 0; j+4 <= len(d); j++ {
			add(d[j:], fieldPhone, 0, 1)
		}
	}
	return out
}
