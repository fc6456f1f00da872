package mailtext

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	gmcharset "github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// charsetAliases maps the labels seen in Chinese and European mail to the
// decoder used. GB2312 and GBK are decoded as GB18030 (a superset), so a
// message labelled gb2312 that uses GBK or GB18030-only characters still
// decodes. ISO-8859-1 is decoded as windows-1252 (a superset for the
// printable range, and what mislabelled Windows mail really is).
var charsetAliases = map[string]encoding.Encoding{
	"gb2312": simplifiedchinese.GB18030, "gbk": simplifiedchinese.GB18030,
	"gb18030": simplifiedchinese.GB18030, "cp936": simplifiedchinese.GB18030,
	"ms936": simplifiedchinese.GB18030, "windows-936": simplifiedchinese.GB18030,
	"x-gbk": simplifiedchinese.GB18030, "euc-cn": simplifiedchinese.GB18030,
	"x-euc-cn": simplifiedchinese.GB18030, "csgb2312": simplifiedchinese.GB18030,
	"gb_2312-80": simplifiedchinese.GB18030, "chinese": simplifiedchinese.GB18030,
	"hz-gb-2312": simplifiedchinese.HZGB2312,
	"big5":       traditionalchinese.Big5, "big5-hkscs": traditionalchinese.Big5,
	"x-big5": traditionalchinese.Big5, "cp950": traditionalchinese.Big5,
	"cn-big5": traditionalchinese.Big5, "csbig5": traditionalchinese.Big5,
	"iso-8859-1": charmap.Windows1252, "iso8859-1": charmap.Windows1252,
	"iso_8859-1": charmap.Windows1252, "latin1": charmap.Windows1252,
	"l1": charmap.Windows1252, "windows-1252": charmap.Windows1252,
	"cp1252": charmap.Windows1252,
}

// asciiLabels are labels that promise 7-bit text; 8-bit content under them
// is guessed.
var asciiLabels = map[string]bool{
	"": true, "us-ascii": true, "ascii": true, "ansi_x3.4-1968": true, "us": true,
	"utf-8": true, "utf8": true, "x-unknown": true, "unknown-8bit": true,
	"default": true,
}

// decodeText converts b, labelled with charset label, to UTF-8. It never
// fails: valid UTF-8 is taken as UTF-8 whatever the (ASCII-compatible)
// label says, a known label is used, and otherwise the encoding is guessed
// (GB18030 for text that looks like double-byte Chinese, else windows-1252).
func decodeText(b []byte, label string) string {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	sevenBitEnc := strings.HasPrefix(label, "utf-16") || strings.HasPrefix(label, "utf-32") ||
		strings.HasPrefix(label, "utf-7") || label == "hz-gb-2312"
	if !sevenBitEnc {
		if isASCII(b) || utf8.Valid(b) {
			return toValidUTF8(string(b))
		}
		if asciiLabels[label] {
			return decodeGuess(b)
		}
	}
	if s, ok := decodeLabel(b, label); ok {
		return s
	}
	return decodeGuess(b)
}

// decodeLabel decodes b with the charset named label, using the alias
// table first and go-message's charset table second.
func decodeLabel(b []byte, label string) (string, bool) {
	if enc, ok := charsetAliases[label]; ok {
		s, err := enc.NewDecoder().Bytes(b)
		return toValidUTF8(string(s)), err == nil
	}
	r, err := gmcharset.Reader(label, bytes.NewReader(b))
	if err != nil || r == nil {
		return "", false
	}
	s, err := io.ReadAll(r)
	return toValidUTF8(string(s)), err == nil
}

// decodeGuess decodes 8-bit text of unknown encoding. Mostly valid UTF-8
// (a few broken bytes) stays UTF-8; runs of high bytes (double-byte
// Chinese) mean GB18030; isolated high bytes (accented Latin) mean
// windows-1252.
func decodeGuess(b []byte) string {
	if mostlyUTF8(b) {
		return toValidUTF8(string(b))
	}
	var enc encoding.Encoding = charmap.Windows1252
	if looksDoubleByte(b) {
		enc = simplifiedchinese.GB18030
	}
	s, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return toValidUTF8(string(b))
	}
	return toValidUTF8(string(s))
}

// mostlyUTF8 reports whether at least 90% of the non-ASCII bytes of b
// form valid UTF-8 sequences.
func mostlyUTF8(b []byte) bool {
	good, bad := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			bad++
			i++
			continue
		}
		good += n
		i += n
	}
	return good > 0 && good >= 9*bad
}

// looksDoubleByte reports whether the high bytes of b come mostly in runs
// of two or more, as in GBK/GB18030 text, rather than alone as in Latin-1.
func looksDoubleByte(b []byte) bool {
	multi, single := 0, 0
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] >= 0x80 {
			j++
		}
		switch n := j - i; {
		case n == 1:
			single += 2
		case n > 1:
			multi += n
		}
		if j == i {
			j++
		}
		i = j
	}
	return multi > single
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// toValidUTF8 replaces invalid UTF-8 and drops NUL characters.
func toValidUTF8(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}
