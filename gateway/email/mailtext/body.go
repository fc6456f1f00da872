package mailtext

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"path"
	"strings"
)

// mode says what a walk over a MIME entity collects.
type mode struct{ text, atts bool }

var (
	modeAll      = mode{text: true, atts: true}
	modeTextOnly = mode{text: true}
	modeAttsOnly = mode{atts: true}
)

// piece is one run of body text; html marks text converted from HTML,
// neutral marks text the package made up (forwarded message headers).
type piece struct {
	s             string
	html, neutral bool
}

// walker collects body text and attachments over a MIME tree.
type walker struct {
	lim     Limits
	pieces  []piece
	atts    []Attachment
	dropped int
	parts   *int // entities seen, shared with forks
}

func newWalker(lim Limits) *walker {
	return &walker{lim: lim, parts: new(int)}
}

// fork returns an empty walker sharing the part counter.
func (w *walker) fork() *walker {
	return &walker{lim: w.lim, parts: w.parts}
}

// result joins the collected text and says whether it all came from HTML.
func (w *walker) result() (string, bool) {
	var b strings.Builder
	html, plain, afterNeutral := false, false, false
	for _, p := range w.pieces {
		if strings.TrimSpace(p.s) == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
			if p.neutral || afterNeutral {
				b.WriteString("\n") // blank line around a forwarded message header
			}
		}
		afterNeutral = p.neutral
		b.WriteString(strings.TrimRight(p.s, "\n"))
		switch {
		case p.neutral:
		case p.html:
			html = true
		default:
			plain = true
		}
	}
	return b.String(), html && !plain
}

// hasText reports whether the walker holds any non-blank text.
func (w *walker) hasText() bool {
	for _, p := range w.pieces {
		if strings.TrimSpace(p.s) != "" {
			return true
		}
	}
	return false
}

// part is one MIME entity with its parsed Content-Type and disposition.
type part struct {
	h        header
	body     []byte
	ctype    string
	cparams  map[string]string
	disp     string
	filename string
}

func newPart(h header, body []byte) part {
	p := part{h: h, body: body}
	p.ctype, p.cparams = params(h.get("Content-Type"))
	if p.ctype == "" || !strings.Contains(p.ctype, "/") {
		p.ctype = "text/plain"
	}
	var dparams map[string]string
	p.disp, dparams = params(h.get("Content-Disposition"))
	p.filename = dparams["filename"]
	if p.filename == "" {
		p.filename = p.cparams["name"]
	}
	return p
}

// isAttachment: Content-Disposition attachment, or a leaf that is not
// body text (non-text parts, text parts other than plain/html).
func (p part) isAttachment() bool {
	if p.disp == "attachment" {
		return true
	}
	return p.ctype != "text/plain" && p.ctype != "text/html"
}

// entity walks one MIME entity.
func (w *walker) entity(h header, body []byte, depth int, md mode) {
	*w.parts++
	if depth > maxDepth || *w.parts > maxParts {
		return
	}
	p := newPart(h, body)
	switch {
	case strings.HasPrefix(p.ctype, "multipart/"):
		w.multipart(p, depth, md)
	case (p.ctype == "message/rfc822" || p.ctype == "message/global") && p.disp != "attachment":
		w.forwarded(p, depth, md)
	case p.isAttachment():
		if md.atts && !isSignature(p.ctype) {
			w.attach(p, p.disp == "inline")
		}
	default:
		if md.text {
			w.text(p)
		}
	}
}

// isSignature reports cryptographic signature parts, which are not kept.
func isSignature(ctype string) bool {
	switch ctype {
	case "application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature":
		return true
	}
	return false
}

// text adds the decoded text of a text/plain or text/html part.
func (w *walker) text(p part) {
	s := decodeText(decodeTransfer(p.h.get("Content-Transfer-Encoding"), p.body), p.cparams["charset"])
	if p.ctype == "text/html" {
		w.pieces = append(w.pieces, piece{s: htmlToText(s), html: true})
		return
	}
	w.pieces = append(w.pieces, piece{s: normalizeNewlines(s)})
}

// multipart walks the children of a multipart entity.
func (w *walker) multipart(p part, depth int, md mode) {
	boundary := p.cparams["boundary"]
	if boundary == "" {
		p.ctype = "text/plain"
		if md.text {
			w.text(p)
		}
		return
	}
	var kids []part
	for _, raw := range splitMultipart(p.body, boundary) {
		h, body, _ := parseHeader(raw, false)
		kids = append(kids, newPart(h, body))
	}
	switch p.ctype {
	case "multipart/alternative":
		w.alternative(kids, depth, md)
	case "multipart/related":
		w.related(kids, p.cparams["start"], depth, md)
	case "multipart/signed":
		if len(kids) > 0 {
			w.entity(kids[0].h, kids[0].body, depth+1, md)
		}
	case "multipart/report":
		w.report(kids, depth, md)
	default:
		for _, k := range kids {
			w.entity(k.h, k.body, depth+1, md)
		}
	}
}

// alternative takes the text of the first plain-text alternative that is
// not blank, else of the richest (last) other one; attachments (inline
// images of an HTML alternative) are collected from all alternatives.
func (w *walker) alternative(kids []part, depth int, md mode) {
	if md.text {
		var order []part
		for _, k := range kids {
			if k.ctype == "text/plain" && k.disp != "attachment" {
				order = append(order, k)
			}
		}
		for i := len(kids) - 1; i >= 0; i-- {
			if kids[i].ctype != "text/plain" {
				order = append(order, kids[i])
			}
		}
		for _, k := range order {
			f := w.fork()
			f.entity(k.h, k.body, depth+1, modeTextOnly)
			if f.hasText() {
				w.pieces = append(w.pieces, f.pieces...)
				break
			}
		}
	}
	if md.atts {
		for _, k := range kids {
			w.entity(k.h, k.body, depth+1, modeAttsOnly)
		}
	}
}

// related walks the root part (the "start" one, else the first) as the
// body; the other parts are inline resources.
func (w *walker) related(kids []part, start string, depth int, md mode) {
	if len(kids) == 0 {
		return
	}
	root := 0
	if id := firstID(start); id != "" {
		for i, k := range kids {
			if firstID(k.h.get("Content-Id")) == id {
				root = i
			}
		}
	}
	for i, k := range kids {
		switch {
		case i == root:
			w.entity(k.h, k.body, depth+1, md)
		case md.atts && !strings.HasPrefix(k.ctype, "multipart/"):
			w.attach(k, k.disp != "attachment")
		default:
			w.entity(k.h, k.body, depth+1, mode{atts: md.atts})
		}
	}
}

// report takes the human-readable first part of a delivery report as
// text and keeps the rest (status, returned message) as attachments.
func (w *walker) report(kids []part, depth int, md mode) {
	for i, k := range kids {
		if i == 0 {
			w.entity(k.h, k.body, depth+1, md)
			continue
		}
		if md.atts {
			w.attach(k, false)
		}
	}
}

// forwarded renders an inline message/rfc822 part as text: a forward
// marker, its main headers and its body.
func (w *walker) forwarded(p part, depth int, md mode) {
	body := decodeTransfer(p.h.get("Content-Transfer-Encoding"), p.body)
	h, inner, ok := parseHeader(body, true)
	if !ok {
		if md.text {
			w.pieces = append(w.pieces, piece{s: normalizeNewlines(decodeText(body, ""))})
		}
		return
	}
	if md.text {
		var b strings.Builder
		b.WriteString("---------- Forwarded message ---------\n")
		for _, k := range []string{"From", "Date", "Subject", "To"} {
			if v := h.get(k); v != "" {
				fmt.Fprintf(&b, "%s: %s\n", k, decodeHeader(v))
			}
		}
		w.pieces = append(w.pieces, piece{s: b.String(), neutral: true})
	}
	w.entity(h, inner, depth+1, md)
}

// attach keeps p as an attachment within the limits.
func (w *walker) attach(p part, inline bool) {
	if len(w.atts) >= w.lim.MaxAttachments {
		w.dropped++
		return
	}
	data := decodeTransfer(p.h.get("Content-Transfer-Encoding"), p.body)
	a := Attachment{
		Name:        attachmentName(p, len(w.atts)+1),
		ContentType: p.ctype,
		Size:        int64(len(data)),
		Data:        data,
		Inline:      inline,
		ContentID:   firstID(p.h.get("Content-Id")),
	}
	if a.Size > w.lim.MaxAttachment {
		a.Data, a.TooBig = nil, true
	}
	w.atts = append(w.atts, a)
}

// attachmentName returns the decoded file name of p without any directory
// part, or a made-up one ("part2.png", the subject of a message).
func attachmentName(p part, n int) string {
	name := strings.ReplaceAll(p.filename, `\`, "/")
	name = strings.TrimSpace(path.Base(strings.TrimRight(name, "/")))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name != "" && name != "." && name != "/" && name != ".." {
		return name
	}
	if p.ctype == "message/rfc822" {
		if h, _, ok := parseHeader(p.body, true); ok {
			if s := strings.TrimSpace(decodeHeader(h.get("Subject"))); s != "" {
				return strings.ReplaceAll(s, "/", "_") + ".eml"
			}
		}
	}
	return fmt.Sprintf("part%d%s", n, extension(p.ctype))
}

var extensions = map[string]string{
	"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
	"text/plain": ".txt", "text/html": ".html", "text/calendar": ".ics", "text/csv": ".csv",
	"message/rfc822": ".eml", "message/delivery-status": ".txt", "text/rfc822-headers": ".txt",
	"application/zip": ".zip",
}

// extension returns a file name extension for a media type, "" if unknown.
func extension(ctype string) string { return extensions[ctype] }

// splitMultipart returns the raw parts of a multipart body. It tolerates
// a missing closing delimiter and LF-only line endings.
func splitMultipart(body []byte, boundary string) [][]byte {
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1
	for pos := 0; pos < len(body); {
		end := nextLine(body, pos)
		line := trimEOL(body[pos:end])
		if bytes.HasPrefix(line, delim) {
			rest := bytes.TrimRight(line[len(delim):], " \t")
			if len(rest) == 0 || bytes.HasPrefix(rest, []byte("--")) {
				if start >= 0 {
					parts = append(parts, trimOneEOL(body[start:pos]))
				}
				if len(rest) > 0 {
					return parts
				}
				start = end
			}
		}
		pos = end
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts
}

// trimOneEOL removes one trailing line break (which belongs to the
// following delimiter).
func trimOneEOL(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\r\n")) {
		return b[:len(b)-2]
	}
	return bytes.TrimSuffix(b, []byte("\n"))
}

// decodeTransfer undoes a Content-Transfer-Encoding, leniently.
func decodeTransfer(cte string, b []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		d, _ := decodeBase64Strict(b)
		return d
	case "quoted-printable":
		return decodeQP(b)
	}
	return b
}

// decodeBase64Strict decodes base64 ignoring white space and junk
// characters, with or without padding; ok is false when some input could
// not be decoded (what could be is returned).
func decodeBase64Strict(b []byte) ([]byte, bool) {
	out := make([]byte, 0, len(b)*3/4+3)
	chunk := make([]byte, 0, len(b))
	ok := true
	flush := func() {
		if len(chunk)%4 == 1 {
			chunk, ok = chunk[:len(chunk)-1], false
		}
		d := make([]byte, base64.RawStdEncoding.DecodedLen(len(chunk)))
		n, err := base64.RawStdEncoding.Decode(d, chunk)
		out = append(out, d[:n]...)
		ok = ok && err == nil
		chunk = chunk[:0]
	}
	for _, c := range b {
		switch {
		case 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/':
			chunk = append(chunk, c)
		case c == '-':
			chunk = append(chunk, '+') // base64url, seen in the wild
		case c == '_':
			chunk = append(chunk, '/')
		case c == '=' && len(chunk) > 0:
			flush() // padding: a new base64 run may follow
		}
	}
	flush()
	return out, ok
}

// decodeQP decodes quoted-printable leniently: invalid escapes are kept,
// soft line breaks removed, trailing white space before a break dropped.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			continue
		}
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		switch {
		case j < len(b) && b[j] == '\n':
			i = j
		case j+1 < len(b) && b[j] == '\r' && b[j+1] == '\n':
			i = j + 1
		case j == len(b):
			i = j
		default:
			out = append(out, c)
		}
	}
	return out
}

// normalizeNewlines turns CRLF and lone CR into LF and drops a BOM.
func normalizeNewlines(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
