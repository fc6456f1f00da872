package parser

import (
	"strings"
	"unicode/utf8"
)

// normRune maps one rune of the original text to its normalised form. It
// returns -1 for a rune that is dropped. Every rune maps to at most one rune,
// so positions can be mapped back (see rawPos).
func normRune(r rune, next byte) rune {
	switch {
	case r < 0x80:
		switch r {
		case '\r':
			if next == '\n' {
				return -1
			}
			return '\n'
		case '\t', '\v', '\f':
			return ' '
		}
		return r
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII: ，；：！？０-９Ａ-Ｚ
		return r - 0xFEE0
	}
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD: // zero-width, BOM, soft hyphen
		return -1
	case 0x3000, 0x00A0, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x202F, 0x205F:
		return ' '
	case 0x3010, 0x3011, 0x300C, 0x300D: // 【】「」 around a name
		return ' '
	case 0x3001: // 、
		return ','
	case 0x3002: // 。
		return ';'
	case 0xFFE5: // ￥
		return '¥'
	case 0x2014, 0x2013, 0x2012, 0x2015, 0x2212: // dashes, minus
		return '-'
	case 0x2018, 0x2019:
		return '\''
	case 0x201C, 0x201D:
		return '"'
	case 0x00D7: // ×
		return 'x'
	case 0x2028, 0x2029:
		return '\n'
	}
	return r
}

// normalize returns the normalised text: full-width forms folded, zero-width
// characters dropped, line ends unified, and a trailing signature removed.
func normalize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c == '\r' || c == '\t' || c == '\v' || c == '\f' {
			clean = false
			break
		}
	}
	if !clean {
		var b strings.Builder
		b.Grow(len(s))
		for i, r := range s {
			var next byte
			if i+1 < len(s) {
				next = s[i+1]
			}
			if m := normRune(r, next); m >= 0 {
				b.WriteRune(m)
			}
		}
		s = b.String()
	}
	return stripSignature(s)
}

// rawPos maps a byte offset in the normalised text to a rune offset in the
// original. Normalisation maps runes one to one or drops them, and signature
// stripping only cuts the tail, so walking both in step is exact.
func rawPos(raw, norm string, off int) int {
	if off > len(norm) {
		off = len(norm)
	}
	want := utf8.RuneCountInString(norm[:off]) // runes to pass in the normalised text
	got, pos := 0, 0
	for i, r := range raw {
		if got >= want {
			return pos
		}
		var next byte
		if i+1 < len(raw) {
			next = raw[i+1]
		}
		if normRune(r, next) >= 0 {
			got++
		}
		pos++
	}
	return pos
}

// signature line openings (lower case). A line starting with one of these,
// after the first line, ends the message.
var sigPrefixes = []string{
	"--", "__", "sent from", "sent via", "sent with", "get outlook", "发自", "来自我的", "从我的",
	"-----original", "原始邮件", ">", "发送自", "sent using",
}

// short closing lines that end the message when they are at most this long.
var sigClosings = []string{
	"regards", "best regards", "kind regards", "rgds", "br", "best", "cheers", "thanks", "thank you", "thx",
	"谢谢", "此致", "祝好", "谢谢!",
}

// stripSignature drops a trailing signature: a "-- Wang" or "Sent from my
// iPhone" line, quoted mail, a short "Regards" closing and what follows; also
// a "Sent from my phone" tail on the same line.
func stripSignature(s string) string {
	// Tail on the same line (SMS-to-email gateways append it).
	low := s
	for _, tail := range []string{"sent from my", "发自我的", "来自我的", "sent from huawei", "sent from xiaomi"} {
		if i := indexFold(low, tail); i > 0 {
			s = strings.TrimRight(s[:i], "\n")
			low = s
		}
	}
	// " -- Wang" at the end of a single line.
	if i := strings.LastIndex(s, " -- "); i > 0 && !strings.ContainsAny(s[i:], ";\n") && len(s)-i < 40 {
		s = s[:i]
	}
	first := true
	start := 0
	for start <= len(s) {
		end := strings.IndexByte(s[start:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		line := strings.TrimSpace(s[start:end])
		if !first && isSignatureLine(line) {
			return strings.TrimRight(s[:start], " \n")
		}
		if line != "" {
			first = false
		}
		if end == len(s) {
			break
		}
		start = end + 1
	}
	return s
}

func isSignatureLine(line string) bool {
	if line == "" {
		return false
	}
	l := lower(line)
	for _, p := range sigPrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	c := strings.TrimRight(l, " ,.!:")
	for _, p := range sigClosings {
		if c == p {
			return true
		}
	}
	return strings.HasPrefix(l, "on ") && strings.HasSuffix(l, "wrote:")
}

// indexFold is strings.Index ignoring ASCII case of s (sub is lower case).
func indexFold(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if s[i]|0x20 == sub[0]|0x20 && strings.EqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

// lower lowers ASCII letters only, so byte offsets stay the same. It does not
// allocate when s has no upper-case ASCII letter.
func lower(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			break
		}
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if c := b[i]; c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func upper(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			break
		}
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if c := b[i]; c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
