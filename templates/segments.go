package templates

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Encoding is the character set an SMS is sent in.
type Encoding int

const (
	// GSM7 is the GSM 03.38 7-bit default alphabet with its extension table:
	// 160 septets in a single message, 153 per part of a concatenated one.
	GSM7 Encoding = iota
	// UCS2 is used as soon as one character is outside GSM-7: 70 UTF-16
	// code units in a single message, 67 per part.
	UCS2
)

func (e Encoding) String() string {
	if e == UCS2 {
		return "UCS-2"
	}
	return "GSM-7"
}

// Segment sizes (GSM 03.40: a concatenated part loses 6 or 7 septets, 3
// UTF-16 code units, to the user data header).
const (
	GSMSingle  = 160
	GSMPart    = 153
	UCS2Single = 70
	UCS2Part   = 67
)

// gsmBasic is the GSM 03.38 default alphabet, in code order.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExt is the extension table: each costs two septets (escape + char).
const gsmExt = "\f^{}\\[~]|€"

var gsmCost = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsmBasic {
		if r != 0x1b { // the escape is not a character of its own
			m[r] = 1
		}
	}
	for _, r := range gsmExt {
		m[r] = 2
	}
	return m
}()

// gsmSeptets returns the septets of r in GSM-7, or 0 when r has none.
func gsmSeptets(r rune) int {
	if r >= 0x20 && r < 0x7f { // printable ASCII
		switch r {
		case '`':
			return 0
		case '^', '{', '}', '\\', '[', ']', '|', '~':
			return 2
		}
		return 1
	}
	return gsmCost[r]
}

// IsGSM reports whether every character of text is in GSM-7 (basic set or
// extension table).
func IsGSM(text string) bool {
	for _, r := range text {
		if gsmSeptets(r) == 0 {
			return false
		}
	}
	return true
}

// Segments returns how many SMS segments text takes and in which encoding.
// GSM-7 counts septets (extension characters ^{}\[~]|€ count two); UCS-2
// counts UTF-16 code units (a character outside the BMP, e.g. an emoji, is
// two). A concatenated message is split as phones do: an escape pair or a
// surrogate pair is never split between two parts, so a part may hold one
// unit less than its size. The empty text takes 0 segments.
func Segments(text string) (n int, enc Encoding) {
	if text == "" {
		return 0, GSM7
	}
	units := 0
	gsm := true
	for _, r := range text {
		c := gsmSeptets(r)
		if c == 0 {
			gsm = false
			break
		}
		units += c
	}
	if gsm {
		if units <= GSMSingle {
			return 1, GSM7
		}
		return countParts(text, GSMPart, gsmSeptets), GSM7
	}
	units = 0
	for _, r := range text {
		units += utf16Len(r)
	}
	if units <= UCS2Single {
		return 1, UCS2
	}
	return countParts(text, UCS2Part, utf16Len), UCS2
}

func utf16Len(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

// countParts splits text greedily into parts of size units, never splitting
// one character's units.
func countParts(text string, size int, cost func(rune) int) int {
	parts, used := 1, 0
	for _, r := range text {
		c := cost(r)
		if used+c > size {
			parts++
			used = 0
		}
		used += c
	}
	return parts
}

// Fits reports whether text fits in maxSegments segments.
func Fits(text string, maxSegments int) bool {
	n, _ := Segments(text)
	return n <= maxSegments
}

// HasCJK reports whether text holds Chinese, Japanese or Korean letters
// (not counting CJK punctuation or full-width forms).
func HasCJK(text string) bool {
	for _, r := range text {
		if r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
			unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Bopomofo, r)) {
			return true
		}
	}
	return false
}

// Fit prepares text for sending: a text with CJK letters (or known to be
// Chinese) goes out as UCS-2 anyway and is left as it is, so its Chinese
// punctuation stays; any other text is transliterated to GSM-7 where it can
// be, which often turns a 70-character UCS-2 message back into a
// 160-character GSM-7 one.
func Fit(text string, isChinese bool) string {
	if isChinese || HasCJK(text) {
		return text
	}
	return Transliterate(text)
}

// Transliterate replaces the characters that are not in GSM-7 but have a
// plain equivalent: curly quotes, dashes, the ellipsis, unusual spaces,
// full-width ASCII, Chinese punctuation and accented Latin letters (only
// those not in GSM-7: é, è, ü, ñ, ä, ö, å, ø, à, ù, ì, ò, Ç, É, ß, æ are kept).
// Characters without an equivalent are kept; zero-width characters are
// dropped.
func Transliterate(text string) string {
	if IsGSM(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		if gsmSeptets(r) != 0 {
			b.WriteRune(r)
			continue
		}
		if s, ok := translit[r]; ok {
			b.WriteString(s)
			continue
		}
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r2 := r - 0xFEE0
			if s, ok := translit[r2]; ok { // ｀ → '
				b.WriteString(s)
			} else {
				b.WriteRune(r2)
			}
		case r >= 0x2000 && r <= 0x200A, r == 0x00A0, r == 0x202F, r == 0x205F, r == 0x3000:
			b.WriteByte(' ')
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF || r == 0x00AD:
			// zero-width and soft hyphen: nothing
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var translit = func() map[rune]string {
	m := map[rune]string{
		'‘': "'", '’': "'", '‚': "'", '‛': "'", '′': "'", '`': "'", '´': "'", 'ʼ': "'",
		'“': `"`, '”': `"`, '„': `"`, '‟': `"`, '″': `"`, '«': `"`, '»': `"`, '‹': "'", '›': "'",
		'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-",
		'…': "...", '•': "*", '·': ".", '×': "x", '÷': "/", '©': "(c)", '®': "(R)", '™': "TM",
		'¢': "c", '°': "o", '¹': "1", '²': "2", '³': "3", '½': "1/2", '¼': "1/4", '¾': "3/4",
		'\t': " ", '\u2028': "\n", '\u2029': "\n",
		// Chinese punctuation in an otherwise Latin text.
		'，': ",", '。': ".", '、': ",", '；': ";", '：': ":", '？': "?", '！': "!",
		'（': "(", '）': ")", '【': "(", '】': ")", '《': `"`, '》': `"`, '「': `"`, '」': `"`,
		'『': `"`, '』': `"`, '～': "-", '￥': "¥", '¦': "|",
		// Latin letters whose base letter is in GSM-7 (the ones in GSM-7 are never looked up).
		'Ð': "D", 'ð': "d", 'Þ': "Th", 'þ': "th", 'Ĳ': "IJ", 'ĳ': "ij", 'Œ': "OE", 'œ': "oe",
		'Ł': "L", 'ł': "l", 'Đ': "D", 'đ': "d", 'Ħ': "H", 'ħ': "h", 'ı': "i", 'ĸ': "k",
		'Ŧ': "T", 'ŧ': "t", 'Ŋ': "N", 'ŋ': "n", 'ŉ': "'n", 'ſ': "s", 'ç': "c",
	}
	add := func(base string, rs string) {
		for _, r := range rs {
			if gsmSeptets(r) == 0 {
				m[r] = base
			}
		}
	}
	add("A", "ÀÁÂÃĀĂĄǍ")
	add("a", "áâãāăąǎ")
	add("C", "ĆĈĊČ")
	add("c", "ćĉċč")
	add("D", "Ď")
	add("d", "ď")
	add("E", "ÈÊËĒĔĖĘĚ")
	add("e", "êëēĕėęě")
	add("G", "ĜĞĠĢ")
	add("g", "ĝğġģ")
	add("H", "Ĥ")
	add("h", "ĥ")
	add("I", "ÌÍÎÏĨĪĬĮİǏ")
	add("i", "íîïĩīĭįǐ")
	add("J", "Ĵ")
	add("j", "ĵ")
	add("K", "Ķ")
	add("k", "ķ")
	add("L", "ĹĻĽĿ")
	add("l", "ĺļľŀ")
	add("N", "ŃŅŇ")
	add("n", "ńņň")
	add("O", "ÒÓÔÕŌŎŐǑ")
	add("o", "óôõōŏőǒ")
	add("R", "ŔŖŘ")
	add("r", "ŕŗř")
	add("S", "ŚŜŞŠ")
	add("s", "śŝşš")
	add("T", "ŢŤ")
	add("t", "ţť")
	add("U", "ÙÚÛŨŪŬŮŰŲǓ")
	add("u", "úûũūŭůűųǔ")
	add("Ü", "ǕǗǙǛ") // pinyin: Lǚ → Lü
	add("ü", "ǖǘǚǜ")
	add("W", "Ŵ")
	add("w", "ŵ")
	add("Y", "ÝŶŸ")
	add("y", "ýÿŷ")
	add("Z", "ŹŻŽ")
	add("z", "źżž")
	add("Ø", "Ǿ")
	add("ø", "ǿ")
	add("Æ", "Ǽ")
	add("æ", "ǽ")
	return m
}()
