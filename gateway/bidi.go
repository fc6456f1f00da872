package gateway

import "strings"

// StripBidi removes the bidirectional control characters from text:
// embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), the
// marks U+200E, U+200F and the Arabic letter mark U+061C. Stored and echoed,
// they reorder what a reader sees ("OK account #32 ‮evil‬" shows text
// backwards, a spoofed id or amount); no command needs them — Chinese and
// English are written left to right. Every inbound message passes here
// before it is parsed (Pipeline.Handle).
func StripBidi(text string) string {
	if !strings.ContainsFunc(text, isBidiControl) {
		return text // the usual case: no copy
	}
	return strings.Map(func(r rune) rune {
		if isBidiControl(r) {
			return -1
		}
		return r
	}, text)
}

func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') || r == '\u200E' || r == '\u200F' || r == '\u061C'
}
