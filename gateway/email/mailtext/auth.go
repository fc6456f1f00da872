package mailtext

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Authenticated reports whether the trusted host (our own MX, named as
// authserv-id in Authentication-Results) vouched for the From address of
// m, and by which method: "dmarc" (pass, header.from equal to the From
// domain when given), "dkim" (pass, signing domain header.d or the domain
// of header.i equal to or a parent of the From domain) or "spf" (pass,
// smtp.mailfrom domain equal to the From domain). Authentication-Results
// headers with any other authserv-id are ignored: anybody can add them
// upstream.
func Authenticated(m *Message, trustedHost string) (method string, ok bool) {
	trustedHost = strings.TrimSpace(trustedHost)
	if m == nil || trustedHost == "" {
		return "", false
	}
	from := domainOf(m.From)
	if from == "" {
		return "", false
	}
	var results []authResult
	for _, v := range m.Header["Authentication-Results"] {
		id, rs := parseAuthResults(v)
		if strings.EqualFold(id, trustedHost) {
			results = append(results, rs...)
		}
	}
	for _, want := range []string{"dmarc", "dkim", "spf"} {
		for _, r := range results {
			if r.method == want && r.result == "pass" && r.aligned(from) {
				return want, true
			}
		}
	}
	return "", false
}

// authResult is one "method=result ptype.property=value …" entry.
type authResult struct {
	method, result string
	props          map[string]string // "header.d" → "example.com"
}

// aligned reports whether the result speaks for the From domain.
func (r authResult) aligned(from string) bool {
	switch r.method {
	case "dmarc":
		hf, ok := r.props["header.from"]
		return !ok || strings.EqualFold(domainOf(hf), from)
	case "dkim":
		d := r.props["header.d"]
		if d == "" {
			d = domainOf(r.props["header.i"])
		}
		return isParentDomain(strings.ToLower(d), from)
	case "spf":
		return strings.EqualFold(domainOf(r.props["smtp.mailfrom"]), from)
	}
	return false
}

// domainOf returns the lower-cased domain of an address ("x@a.com",
// "@a.com") or the value itself when it is a bare domain.
func domainOf(v string) string {
	v = strings.Trim(strings.TrimSpace(v), "<>")
	if i := strings.LastIndexByte(v, '@'); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSuffix(strings.ToLower(v), ".")
}

// isParentDomain reports whether d equals from or is a parent domain of
// it, and is not a public suffix (a "com" signature proves nothing).
func isParentDomain(d, from string) bool {
	if d == "" || (d != from && !strings.HasSuffix(from, "."+d)) {
		return false
	}
	_, err := publicsuffix.EffectiveTLDPlusOne(d)
	return err == nil
}

// parseAuthResults parses an Authentication-Results value (RFC 8601):
// the authserv-id, then ';'-separated results. Comments in parentheses are
// dropped and quoted values unquoted.
func parseAuthResults(v string) (authservID string, rs []authResult) {
	segs := splitQuoted(stripComments(v), ';')
	if f := strings.Fields(segs[0]); len(f) > 0 {
		authservID = f[0]
	}
	for _, seg := range segs[1:] {
		toks := fieldsQuoted(seg)
		if len(toks) == 0 {
			continue
		}
		k, val, ok := strings.Cut(toks[0], "=")
		if !ok {
			continue
		}
		r := authResult{
			method: strings.ToLower(strings.TrimSpace(strings.SplitN(k, "/", 2)[0])),
			result: strings.ToLower(unquote(strings.TrimSpace(val))),
			props:  map[string]string{},
		}
		for _, t := range toks[1:] {
			if pk, pv, ok := strings.Cut(t, "="); ok {
				r.props[strings.ToLower(strings.TrimSpace(pk))] = unquote(strings.TrimSpace(pv))
			}
		}
		rs = append(rs, r)
	}
	return authservID, rs
}

// stripComments removes (nested) parenthesised comments outside quoted
// strings, honouring backslash escapes.
func stripComments(v string) string {
	var b strings.Builder
	depth, inQ := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (inQ || depth > 0) && i+1 < len(v):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(v[i+1])
			}
			i++
		case inQ:
			b.WriteByte(c)
			if c == '"' {
				inQ = false
			}
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth > 0:
		case c == '"':
			inQ = true
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// fieldsQuoted splits s at white space outside double quotes, also
// joining "key = value" written with spaces around '='.
func fieldsQuoted(s string) []string {
	var toks []string
	var cur strings.Builder
	inQ := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && inQ && i+1 < len(s):
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
		case c == '"':
			inQ = !inQ
			cur.WriteByte(c)
		case !inQ && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			if cur.Len() > 0 {
				toks = append(toks, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		toks = append(toks, cur.String())
	}
	return joinEquals(toks)
}

// joinEquals merges ["a", "=", "b"], ["a=", "b"] and ["a", "=b"] into "a=b".
func joinEquals(toks []string) []string {
	var out []string
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		for i+1 < len(toks) && (strings.HasSuffix(t, "=") || strings.HasPrefix(toks[i+1], "=")) {
			t += toks[i+1]
			i++
		}
		out = append(out, t)
	}
	return out
}
