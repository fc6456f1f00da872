package mailtext

import (
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Verdict is what the trusted receiving server said about a message, read
// from the header fields it added itself.
type Verdict struct {
	// Method is how the From domain was vouched for: "dmarc", "dkim" or
	// "spf" ("" when none passed for it).
	Method string
	// Failed names an explicit failure for the From address ("dmarc=fail",
	// "dkim=fail", "spf=fail", "from" for a message with several From
	// addresses): it refuses the message whatever else it carries.
	Failed string
	// Submitters are the logins the trusted server says the message was
	// submitted under (smtp.auth of an "auth=pass" result, the values of
	// the configured submitter header, and Postfix's "(Authenticated sender:
	// …)" in a Received field of its own), as written.
	Submitters []string
	// Results counts the trusted Authentication-Results fields read.
	Results int
}

// OK reports whether the server vouched for the From domain without any
// explicit failure.
func (v Verdict) OK() bool { return v.Method != "" && v.Failed == "" }

// Check reads what the trusted host (our own MX, named as authserv-id in
// Authentication-Results) said about m: which method vouched for the From
// domain, any explicit failure, and the authenticated submitter.
// submitterHeader, when not "", names a header field in which the trusted
// server writes the login of an authenticated submitter (e.g.
// "X-Authenticated-Sender").
//
// Only the fields the trusted server added itself are read: those above the
// first Received field that it did not write (see trustedFields). Anybody
// can write "Authentication-Results: mx.dealer.example; dmarc=pass" in the
// message he sends; RFC 8601 §5 makes it the receiving server's duty to
// remove such fields: "any MTA conforming to this specification MUST delete
// any discovered instance of this header field that claims, by virtue of
// its authentication service identifier, to have been added within its
// trust boundary but that did not come directly from another trusted MTA."
// Reading only the top of the trace is the part of that fieldcrm can do on
// its own; the README asks the operator to make his MTA do the rest.
//
// Results with any other authserv-id are ignored. "dmarc=pass" counts only
// with header.from equal to the From domain; "dkim=pass" with the signing
// domain (header.d, or the domain of header.i) equal to or a parent of the
// From domain; "spf=pass" with the smtp.mailfrom domain equal to it. A
// failure for the From domain wins over any pass: "dmarc=fail" always,
// "dkim=fail" and "spf=fail" (aligned) when nothing aligned passed, as
// DMARC itself would judge.
func Check(m *Message, trustedHost, submitterHeader string) Verdict {
	var v Verdict
	trustedHost = normHost(trustedHost)
	if m == nil || trustedHost == "" {
		return v
	}
	from := domainOf(m.From)
	if from == "" {
		return v
	}
	submitterHeader = canonicalKey(strings.TrimSpace(submitterHeader))
	var results []authResult
	for _, f := range trustedFields(m.Fields, trustedHost) {
		switch f.Name {
		case "Received":
			// Postfix with smtpd_sasl_authenticated_header = yes
			if sm := authSenderRe.FindStringSubmatch(f.Value); sm != nil {
				v.Submitters = append(v.Submitters, sm[1])
			}
		case "Authentication-Results":
			id, rs := parseAuthResults(f.Value)
			if normHost(id) != trustedHost {
				continue
			}
			v.Results++
			results = append(results, rs...)
		case submitterHeader:
			if s := submitterValue(f.Value); s != "" {
				v.Submitters = append(v.Submitters, s)
			}
		}
	}
	has := func(method, result string) bool {
		for _, r := range results {
			if r.method == method && r.result == result && r.aligned(from) {
				return true
			}
		}
		return false
	}
	for _, r := range results {
		if r.method == "auth" && r.result == "pass" {
			if s := strings.TrimSpace(r.props["smtp.auth"]); s != "" {
				v.Submitters = append(v.Submitters, s)
			}
		}
	}
	switch {
	case fromCount(m) > 1:
		v.Failed = "from"
	case has("dmarc", "fail") || dmarcFailUnnamed(results):
		v.Failed = "dmarc=fail"
	case has("dmarc", "pass") || has("dkim", "pass") || has("spf", "pass"):
	case has("dkim", "fail"):
		v.Failed = "dkim=fail"
	case has("spf", "fail"):
		v.Failed = "spf=fail"
	}
	for _, want := range []string{"dmarc", "dkim", "spf"} {
		if has(want, "pass") {
			v.Method = want
			break
		}
	}
	return v
}

// dmarcFailUnnamed reports a "dmarc=fail" that does not name the domain it
// was evaluated for: the message has one From, so it is that one.
func dmarcFailUnnamed(results []authResult) bool {
	for _, r := range results {
		if _, named := r.props["header.from"]; r.method == "dmarc" && r.result == "fail" && !named {
			return true
		}
	}
	return false
}

// authSenderRe is the login Postfix writes in its Received field for an
// authenticated client ("(Authenticated sender: wang.jun)").
var authSenderRe = regexp.MustCompile(`(?i)\(authenticated sender:\s*<?([^()<>\s]+?)>?\s*\)`)

// Authenticated reports whether the trusted host vouched for the From
// domain of m without any explicit failure, and by which method (see
// Check).
func Authenticated(m *Message, trustedHost string) (method string, ok bool) {
	v := Check(m, trustedHost, "")
	return v.Method, v.OK()
}

// trustedFields returns the header fields the trusted host (or a server of
// its own domain, below it on the way to the mailbox) added: every field
// above the first Received field written by any other server. A Received
// field records the server that wrote it in its "by" clause; the server
// that took the message from outside writes one naming itself, and what
// the sender or his servers wrote comes below it, after their own Received
// fields. A sender who hands his message straight to our server can still
// put fields right below ours: only the server can remove those (RFC 8601
// §5), which the README asks of the operator.
func trustedFields(fields []Field, trustedHost string) []Field {
	for i, f := range fields {
		if f.Name == "Received" && !ownHost(receivedBy(f.Value), trustedHost) {
			return fields[:i]
		}
	}
	return fields
}

// receivedBy returns the host of the "by" clause of a Received value ("" when
// there is none).
func receivedBy(v string) string {
	v = stripComments(v)
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	f := strings.Fields(v)
	for i := 0; i+1 < len(f); i++ {
		if strings.EqualFold(f[i], "by") {
			return normHost(f[i+1])
		}
	}
	return ""
}

// ownHost reports whether host is the trusted host, a host under it, or a
// host of the domain the trusted host is in (mx.dealer.example: also
// imap.dealer.example), unless that domain is a public suffix.
func ownHost(host, trusted string) bool {
	if host == "" {
		return false
	}
	if host == trusted || strings.HasSuffix(host, "."+trusted) {
		return true
	}
	_, parent, ok := strings.Cut(trusted, ".")
	if !ok || !strings.HasSuffix(host, "."+parent) {
		return false
	}
	_, err := publicsuffix.EffectiveTLDPlusOne(parent)
	return err == nil
}

// normHost lower-cases a host name and drops a trailing dot and brackets.
func normHost(h string) string {
	h = strings.Trim(strings.TrimSpace(h), "[]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// submitterValue is the login in a submitter header value: comments and
// angle brackets dropped, the last word ("mx.dealer.example: wang" → "wang").
func submitterValue(v string) string {
	f := strings.Fields(stripComments(v))
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[len(f)-1], "<>")
}

// fromCount is the number of addresses in the From fields of m.
func fromCount(m *Message) int {
	n := 0
	for _, f := range m.Fields {
		if f.Name == "From" {
			if k := len(parseAddressList(f.Value)); k > 1 {
				n += k
			} else {
				n++
			}
		}
	}
	return n
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
		// only a result that names the From domain speaks for it
		return domainOf(r.props["header.from"]) == from
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
