package mailtext

import (
	"bytes"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// field is one header field: canonical name and raw (unfolded) value.
type field struct{ key, value string }

// header is a header block in order of appearance.
type header []field

// get returns the first value of key (canonical form), "" if absent.
func (h header) get(key string) string {
	for _, f := range h {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

// values returns all values of key in order.
func (h header) values(key string) []string {
	var vs []string
	for _, f := range h {
		if f.key == key {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// decodedMap returns the header as canonical name → decoded values.
func (h header) decodedMap() map[string][]string {
	m := make(map[string][]string, len(h))
	for _, f := range h {
		m[f.key] = append(m[f.key], decodeHeader(f.value))
	}
	return m
}

// parseHeader splits b into its header block and body. With top set, the
// block must start with a header field (an mbox "From " line is skipped),
// otherwise ok is false. A line that is neither a field nor a continuation
// ends the header: the body starts there (some mailers omit the blank line).
func parseHeader(b []byte, top bool) (h header, body []byte, ok bool) {
	pos := 0
	if top && bytes.HasPrefix(b, []byte("From ")) {
		pos = nextLine(b, 0)
	}
	for pos < len(b) {
		end := nextLine(b, pos)
		line := trimEOL(b[pos:end])
		switch {
		case len(line) == 0:
			return h, b[end:], !top || len(h) > 0
		case line[0] == ' ' || line[0] == '\t':
			if len(h) == 0 {
				if top {
					return nil, nil, false
				}
				return h, b[pos:], true
			}
			h[len(h)-1].value = strings.TrimSpace(h[len(h)-1].value + string(line))
		default:
			k, v, isField := splitField(line)
			if !isField {
				if top && len(h) == 0 {
					return nil, nil, false
				}
				return h, b[pos:], true
			}
			h = append(h, field{k, v})
		}
		pos = end
	}
	return h, nil, !top || len(h) > 0
}

// nextLine returns the index just after the line starting at pos.
func nextLine(b []byte, pos int) int {
	if i := bytes.IndexByte(b[pos:], '\n'); i >= 0 {
		return pos + i + 1
	}
	return len(b)
}

// trimEOL removes a trailing LF and CR.
func trimEOL(l []byte) []byte {
	l = bytes.TrimSuffix(l, []byte("\n"))
	return bytes.TrimSuffix(l, []byte("\r"))
}

// splitField splits "Key: value". The key must be printable ASCII.
func splitField(line []byte) (key, value string, ok bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", "", false
	}
	k := bytes.TrimRight(line[:i], " \t")
	if len(k) == 0 {
		return "", "", false
	}
	for _, c := range k {
		if c < 33 || c > 126 {
			return "", "", false
		}
	}
	return canonicalKey(string(k)), strings.TrimSpace(string(line[i+1:])), true
}

var encodedWord = regexp.MustCompile(`=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=`)

// decodeHeader decodes RFC 2047 encoded words (any supported charset,
// adjacent words of one charset joined before conversion so characters
// split across words survive) and raw 8-bit text in a header value.
func decodeHeader(s string) string {
	if !strings.Contains(s, "=?") {
		return cleanHeaderText(decodeText([]byte(s), ""))
	}
	var out strings.Builder
	var pend []byte // decoded bytes of adjacent words with charset pendCS
	pendCS := ""
	flush := func() {
		if len(pend) > 0 {
			out.WriteString(decodeText(pend, pendCS))
		}
		pend, pendCS = nil, ""
	}
	last := 0
	for _, m := range encodedWord.FindAllStringSubmatchIndex(s, -1) {
		lit := s[last:m[0]]
		cs, enc, data := s[m[2]:m[3]], s[m[4]:m[5]], s[m[6]:m[7]]
		if i := strings.IndexByte(cs, '*'); i >= 0 {
			cs = cs[:i] // RFC 2231 language suffix
		}
		raw, ok := decodeWord(enc, data)
		if !ok {
			continue // leave the word as literal text
		}
		if strings.TrimSpace(lit) != "" || last == 0 {
			flush()
			out.WriteString(decodeText([]byte(lit), ""))
		}
		if !strings.EqualFold(cs, pendCS) {
			flush()
			pendCS = cs
		}
		pend = append(pend, raw...)
		last = m[1]
	}
	flush()
	out.WriteString(decodeText([]byte(s[last:]), ""))
	return cleanHeaderText(out.String())
}

// cleanHeaderText removes line breaks and control characters.
func cleanHeaderText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\r' || r == '\n':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// decodeWord decodes the text of one encoded word ("B" or "Q").
func decodeWord(enc, data string) ([]byte, bool) {
	if enc == "b" || enc == "B" {
		if strings.Trim(data, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != "" {
			return nil, false
		}
		return decodeBase64Strict([]byte(data))
	}
	var b []byte
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '_':
			b = append(b, ' ')
		case c == '=' && i+2 < len(data) && isHex(data[i+1]) && isHex(data[i+2]):
			b = append(b, unhex(data[i+1])<<4|unhex(data[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return b, true
}

// params parses the parameters of a Content-Type or Content-Disposition
// value, after the first ';'. It supports quoted values, RFC 2231
// continuations (name*0, name*1*) and charset'lang'%XX values in any
// supported charset, and encoded words inside quoted values.
func params(v string) (typ string, ps map[string]string) {
	parts := splitQuoted(v, ';')
	typ = strings.ToLower(strings.TrimSpace(parts[0]))
	ps = map[string]string{}
	type cont struct {
		val string
		ext bool
	}
	conts := map[string]map[int]cont{}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = unquote(strings.TrimSpace(val))
		ext := strings.HasSuffix(k, "*")
		k = strings.TrimSuffix(k, "*")
		if base, num, found := strings.Cut(k, "*"); found {
			n := atoi(num)
			if n < 0 || n > 100 {
				continue
			}
			if conts[base] == nil {
				conts[base] = map[int]cont{}
			}
			conts[base][n] = cont{val, ext}
			continue
		}
		if ext {
			ps[k] = decode2231(val, "")
		} else if _, set := ps[k]; !set {
			ps[k] = decodeHeader(val)
		}
	}
	for base, cs := range conts {
		var raw []byte
		charset := ""
		for i := 0; i <= 100; i++ {
			c, ok := cs[i]
			if !ok {
				break
			}
			if !c.ext {
				raw = append(raw, c.val...)
				continue
			}
			if i == 0 {
				var rest string
				charset, rest = split2231(c.val)
				c.val = rest
			}
			raw = append(raw, percentDecode(c.val)...)
		}
		ps[base] = decodeText(raw, charset)
	}
	return typ, ps
}

// decode2231 decodes one RFC 2231 extended value charset'lang'%XX.
func decode2231(v, charset string) string {
	cs, rest := split2231(v)
	if cs == "" {
		cs = charset
	}
	return decodeText(percentDecode(rest), cs)
}

// split2231 splits charset'lang'value; without quotes the charset is "".
func split2231(v string) (charset, rest string) {
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return "", v
	}
	return parts[0], parts[2]
}

// percentDecode decodes %XX escapes, leaving invalid ones as they are.
func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	inQ, start := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQ:
			i++
		case c == '"':
			inQ = !inQ
		case c == sep && !inQ:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote removes surrounding double quotes and backslash escapes.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func atoi(s string) int {
	if s == "" || len(s) > 3 {
		return -1
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

var (
	angleAddr = regexp.MustCompile(`<\s*([^<>\s"]+@[^<>\s"]+)\s*>`)
	bareAddr  = regexp.MustCompile(`[^\s<>()",;:\[\]]+@[^\s<>()",;:\[\]]+\.[^\s<>()",;:\[\]]+`)
)

// parseAddress returns the decoded display name and lower-cased address
// of a single mailbox, falling back to pattern matching for values that
// net/mail rejects.
func parseAddress(v string) (name, addr string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", ""
	}
	if a, err := mail.ParseAddress(v); err == nil && strings.Contains(a.Address, "@") {
		return cleanName(decodeHeader(a.Name)), strings.ToLower(a.Address)
	}
	if m := angleAddr.FindStringSubmatchIndex(v); m != nil {
		name = cleanName(decodeHeader(v[:m[0]]))
		return name, strings.ToLower(strings.Trim(v[m[2]:m[3]], "."))
	}
	if a := bareAddr.FindString(v); a != "" {
		return "", strings.ToLower(a)
	}
	return "", ""
}

// cleanName trims spaces and quotes around a display name.
func cleanName(s string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(s), `"'`))
}

// parseAddressList returns the lower-cased addresses of an address list.
func parseAddressList(v string) []string {
	var out []string
	if as, err := mail.ParseAddressList(v); err == nil {
		for _, a := range as {
			out = append(out, strings.ToLower(a.Address))
		}
		return out
	}
	for _, m := range angleAddr.FindAllStringSubmatch(v, -1) {
		out = append(out, strings.ToLower(m[1]))
	}
	if len(out) == 0 {
		for _, a := range bareAddr.FindAllString(v, -1) {
			out = append(out, strings.ToLower(a))
		}
	}
	return out
}

var msgID = regexp.MustCompile(`<([^<>\s]+)>`)

// firstID returns the first message id of v without < >.
func firstID(v string) string {
	ids := allIDs(v)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// allIDs returns the message ids of v without < >; a value without any
// angle brackets is split on white space.
func allIDs(v string) []string {
	var ids []string
	for _, m := range msgID.FindAllStringSubmatch(v, -1) {
		ids = append(ids, m[1])
	}
	if len(ids) == 0 {
		for _, f := range strings.Fields(v) {
			if strings.Contains(f, "@") {
				ids = append(ids, strings.Trim(f, "<>,"))
			}
		}
	}
	return ids
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"Mon, 2 Jan 2006 15:04:05",
}

// parseDate parses a Date header leniently; zero time when unreadable.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	if i := strings.IndexByte(v, '('); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	v = strings.Join(strings.Fields(v), " ")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t
		}
	}
	return time.Time{}
}
