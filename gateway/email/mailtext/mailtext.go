// Package mailtext turns one raw RFC 5322 message into what the CRM needs:
// the sender, the recipients, the decoded subject, the body as plain UTF-8
// text, the sender's own reply with quoted history and signatures removed,
// and the attachments. It also tells auto-replies and bounces apart from
// human mail and checks Authentication-Results added by a trusted host.
//
// The package is pure code: no network, no database. It is lenient by
// design: a message with wrong charset labels, broken multipart structure or
// odd headers still yields as much text as can be recovered.
package mailtext

import (
	"errors"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	// Registers the charsets go-message knows about (used as the second
	// lookup for charset labels that the built-in table does not cover).
	_ "github.com/emersion/go-message/charset"
)

// Default limits, used for any zero field of Limits.
const (
	DefaultMaxText        = 64 << 10
	DefaultMaxAttachment  = 10 << 20
	DefaultMaxAttachments = 10
)

// Structural guards against hostile input.
const (
	maxDepth = 20   // nesting of multiparts and message/rfc822
	maxParts = 1000 // MIME entities looked at per message
)

// Limits bounds what Read keeps of a message. A zero field means its default.
type Limits struct {
	MaxText        int   // most bytes of decoded body text kept [64 KiB]; more is cut (Truncated=true)
	MaxAttachment  int64 // an attachment larger than this is not kept: TooBig=true, Data=nil, Size set [10 MiB]
	MaxAttachments int   // most attachments kept [10]; the rest are counted in Message.DroppedAttachments
}

func (l Limits) withDefaults() Limits {
	if l.MaxText <= 0 {
		l.MaxText = DefaultMaxText
	}
	if l.MaxAttachment <= 0 {
		l.MaxAttachment = DefaultMaxAttachment
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = DefaultMaxAttachments
	}
	return l
}

// Attachment is one file carried by a message.
type Attachment struct {
	Name        string // decoded file name without any directory part ("" never: a name is made up when absent)
	ContentType string // lower-cased media type, e.g. "application/pdf"
	Size        int64  // decoded size in bytes
	Data        []byte // decoded content; nil when TooBig
	TooBig      bool   // Size is over Limits.MaxAttachment
	Inline      bool   // shown inline (Content-Disposition inline, or a resource of multipart/related)
	ContentID   string // Content-ID without < >, "" when absent
}

// Message is what Read extracts from a raw message.
type Message struct {
	MessageID  string    // without < >; "" when absent
	InReplyTo  string    // first id, without < >
	References []string  // without < >
	From       string    // the address only, lower-cased ("" when there is no usable From)
	FromName   string    // display name, decoded
	ReturnPath string    // envelope sender if present (Return-Path), lower-cased, without <>
	To         []string  // recipient addresses from To, Cc, Delivered-To, X-Original-To (lower-cased, deduplicated)
	Subject    string    // decoded (RFC 2047 encoded words, any supported charset)
	Date       time.Time // zero when absent or unreadable
	Text       string    // the body as plain text, UTF-8, CRLF→LF
	HTMLOnly   bool      // Text was converted from the only (HTML) body
	Reply      string    // Text with quoted earlier messages and signatures removed (= Strip(Text))
	Truncated  bool      // Text was cut at Limits.MaxText

	// Header maps canonical header names to their decoded values, in order.
	Header map[string][]string
	// Fields are the top-level header fields in the order they appear, with
	// their raw (unfolded, undecoded) values: the order of Received and
	// Authentication-Results says which were added by the receiving server.
	Fields []Field

	Attachments        []Attachment
	DroppedAttachments int // attachments not kept because of Limits.MaxAttachments
}

// Field is one header field: its canonical name and raw value.
type Field struct{ Name, Value string }

// ErrUnreadable is returned by Read for input that is not a message at all.
var ErrUnreadable = errors.New("mailtext: not an RFC 5322 message")

// Read parses raw (one RFC 5322 message, CRLF or LF line endings) within
// the given limits. It returns an error only when the input cannot be read
// as a message at all (empty, or not starting with a header field); any
// damage further in is tolerated and as much as possible is returned.
func Read(raw []byte, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	h, body, ok := parseHeader(raw, true)
	if !ok {
		return nil, ErrUnreadable
	}
	m := &Message{Header: h.decodedMap(), Fields: make([]Field, len(h))}
	for i, f := range h {
		m.Fields[i] = Field{Name: f.key, Value: f.value}
	}
	readEnvelope(m, h)

	w := newWalker(lim)
	w.entity(h, body, 0, modeAll)
	m.Text, m.HTMLOnly = w.result()
	m.Text, m.Truncated = cutUTF8(m.Text, lim.MaxText)
	m.Reply = Strip(m.Text)
	m.Attachments = w.atts
	m.DroppedAttachments = w.dropped
	return m, nil
}

// readEnvelope fills the header-derived fields of m.
func readEnvelope(m *Message, h header) {
	m.MessageID = firstID(h.get("Message-Id"))
	m.InReplyTo = firstID(h.get("In-Reply-To"))
	m.References = allIDs(h.get("References"))
	m.Subject = decodeHeader(h.get("Subject"))
	m.Date = parseDate(h.get("Date"))
	m.FromName, m.From = parseAddress(h.get("From"))
	if rp := h.get("Return-Path"); rp != "" {
		_, m.ReturnPath = parseAddress(rp)
	}
	seen := map[string]bool{}
	for _, k := range []string{"To", "Cc", "Delivered-To", "X-Original-To"} {
		for _, v := range h.values(k) {
			for _, a := range parseAddressList(v) {
				if !seen[a] {
					seen[a] = true
					m.To = append(m.To, a)
				}
			}
		}
	}
}

// FromAddress returns, best effort, the lower-cased From address found in
// raw, also for input that Read refuses. It returns "" if there is none.
func FromAddress(raw []byte) string {
	if len(raw) > 256<<10 {
		raw = raw[:256<<10]
	}
	lines := strings.Split(string(raw), "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		if len(l) < 5 || !strings.EqualFold(l[:5], "from:") {
			continue
		}
		v := l[5:]
		for j := i + 1; j < len(lines); j++ {
			c := strings.TrimRight(lines[j], "\r")
			if c == "" || (c[0] != ' ' && c[0] != '\t') {
				break
			}
			v += c
		}
		if _, a := parseAddress(v); a != "" {
			return a
		}
	}
	return ""
}

// cutUTF8 cuts s to at most n bytes on a UTF-8 boundary.
func cutUTF8(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// canonicalKey is the canonical form of a header name.
func canonicalKey(k string) string { return textproto.CanonicalMIMEHeaderKey(k) }
