package smtpsend

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/textproto"
	"sort"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// Header keys of outbox.Entry.Headers that carry an inline image instead
// of being sent (the same keys as crm/report.HeaderInlineCID and
// HeaderInlinePNG): the base64 PNG becomes an inline part of a
// multipart/related body with the HTML, with Content-ID <cid>.
const (
	HeaderInlineCID = "X-Fieldcrm-Inline-Cid"
	HeaderInlinePNG = "X-Fieldcrm-Inline-Png"
)

// Headers the Sender always writes.
const (
	autoSubmitted         = "Auto-Submitted"
	autoSubmittedDefault  = "auto-generated"
	autoResponseSuppress  = "X-Auto-Response-Suppress"
	headerMessageID       = "Message-Id" // canonical form of Message-ID
	headerReplyTo         = "Reply-To"
	inlineImageFilePrefix = "inline"
)

// reserved lists the headers an entry cannot set through Headers: the
// Sender writes them from the entry's fields or the MIME structure.
var reserved = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Sender": true,
	"Subject": true, "Date": true, "Return-Path": true,
	"Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
	"Content-Id": true, "Content-Disposition": true,
	textproto.CanonicalMIMEHeaderKey(HeaderInlineCID): true,
	textproto.CanonicalMIMEHeaderKey(HeaderInlinePNG): true,
}

// MessageID returns the Message-ID (without <>) of e from domain. It
// depends only on e.ID and e.Created, so every retry of an entry carries
// the same id and receivers can drop duplicates.
func MessageID(domain string, e *outbox.Entry) string {
	created := strconv.FormatInt(e.Created.UnixNano(), 36)
	return fmt.Sprintf("fieldcrm.%d.%s@%s", e.ID, created, domain)
}

// build turns e into a go-mail message and returns it with its Message-ID.
// Its errors are permanent: the entry can never become a valid message.
func (s *Sender) build(e *outbox.Entry) (*gomail.Msg, string, error) {
	hdr := canonicalHeaders(e.Headers)
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := s.setAddresses(m, e); err != nil {
		return nil, "", err
	}
	m.Subject(sanitize(e.Subject))
	m.SetDateWithValue(s.now())
	id := s.messageID(hdr, e)
	m.SetMessageIDWithValue(id)
	setHeaders(m, hdr)
	if err := setBody(m, e, hdr); err != nil {
		return nil, "", err
	}
	return m, id, nil
}

// setAddresses sets From (the entry's, else the configured one) and To.
func (s *Sender) setAddresses(m *gomail.Msg, e *outbox.Entry) error {
	from := s.from.String()
	if e.From != "" {
		from = e.From
	}
	if err := m.From(from); err != nil {
		return fmt.Errorf("bad From %q: %w", from, err)
	}
	if err := m.To(e.To); err != nil {
		return fmt.Errorf("bad To %q: %w", e.To, err)
	}
	return nil
}

// messageID is the entry's own Message-ID header when it is usable, else
// MessageID of the Sender's domain.
func (s *Sender) messageID(hdr map[string]string, e *outbox.Entry) string {
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(hdr[headerMessageID]), "<"), ">")
	if validMessageID(id) {
		return id
	}
	return MessageID(s.domain, e)
}

// validMessageID accepts printable ASCII without spaces or angle brackets,
// with an "@".
func validMessageID(id string) bool {
	if !strings.Contains(id, "@") {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// setHeaders writes the entry's headers, then the Auto-Submitted and
// X-Auto-Response-Suppress defaults.
func setHeaders(m *gomail.Msg, hdr map[string]string) {
	for _, k := range sortedKeys(hdr) {
		switch {
		case reserved[k] || k == headerMessageID:
		case k == headerReplyTo:
			_ = m.ReplyTo(hdr[k]) // an unusable Reply-To is left out
		default:
			m.SetGenHeader(gomail.Header(k), hdr[k])
		}
	}
	if hdr[autoSubmitted] == "" {
		m.SetGenHeader(autoSubmitted, autoSubmittedDefault)
	}
	m.SetGenHeader(autoResponseSuppress, "All")
}

// canonicalHeaders returns h with canonical keys and sanitized values,
// without entries whose name is not a valid header field name.
func canonicalHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if !validFieldName(k) {
			continue
		}
		out[textproto.CanonicalMIMEHeaderKey(k)] = sanitize(v)
	}
	return out
}

// validFieldName reports whether k is an RFC 5322 field name: printable
// ASCII without spaces or colons.
func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// sanitize makes v safe as one header value: CR, LF and other control
// characters become spaces (no header injection), and the ends are
// trimmed.
func sanitize(v string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, v))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// setBody writes text/plain, text/html (multipart/alternative when both)
// and the inline image (multipart/related around them).
func setBody(m *gomail.Msg, e *outbox.Entry, hdr map[string]string) error {
	switch {
	case e.HTML == "":
		m.SetBodyString(gomail.TypeTextPlain, e.Text)
		return nil
	case e.Text == "":
		m.SetBodyString(gomail.TypeTextHTML, e.HTML)
	default:
		m.SetBodyString(gomail.TypeTextPlain, e.Text)
		m.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	}
	return embedImage(m, hdr)
}

// embedImage adds the inline PNG of the X-Fieldcrm-Inline-* headers.
func embedImage(m *gomail.Msg, hdr map[string]string) error {
	cid := hdr[textproto.CanonicalMIMEHeaderKey(HeaderInlineCID)]
	b64 := hdr[textproto.CanonicalMIMEHeaderKey(HeaderInlinePNG)]
	if cid == "" || b64 == "" {
		return nil
	}
	cid = strings.TrimSuffix(strings.TrimPrefix(cid, "<"), ">")
	if !validMessageID(cid + "@x") {
		return fmt.Errorf("bad inline image Content-ID %q", cid)
	}
	png, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b64, " ", ""))
	if err != nil {
		return fmt.Errorf("bad inline image %s: %w", cid, err)
	}
	return m.EmbedReader(inlineImageFilePrefix+"-"+cid+".png", bytes.NewReader(png),
		gomail.WithFileContentID("<"+cid+">"), gomail.WithFileContentType("image/png"))
}
