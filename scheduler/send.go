package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

// Key is a notice's idempotency key: job, user, item (0 or "-" when the
// notice is about no single item) and period (the local date, the week, the
// deadline …). The same key is queued once per channel, ever.
func Key(job string, user int64, item any, period string) string {
	return fmt.Sprintf("%s|%d|%v|%s", job, user, item, period)
}

// QuietUntil returns when the quiet hours around now end for a user in loc,
// or the zero time when now is not in them.
func (s *Scheduler) QuietUntil(now time.Time, loc *time.Location) time.Time {
	qs, qe := s.cfg.QuietStart, s.cfg.QuietEnd
	if qs == qe {
		return time.Time{}
	}
	l := now.In(loc)
	tod := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
	at := func(dayOffset int, d time.Duration) time.Time {
		return time.Date(l.Year(), l.Month(), l.Day()+dayOffset, int(d/time.Hour), int(d%time.Hour/time.Minute), 0, 0, loc)
	}
	if qs > qe { // over midnight: 21:00–07:30
		switch {
		case tod >= qs:
			return at(1, qe)
		case tod < qe:
			return at(0, qe)
		}
		return time.Time{}
	}
	if tod >= qs && tod < qe {
		return at(0, qe)
	}
	return time.Time{}
}

// message is one notice to one user, prepared outside the write (rendering
// is pure) and queued inside it.
type message struct {
	user    int64
	key     string
	sms     string // the SMS text ("" none)
	segs    int
	phone   string
	notBef  time.Time
	email   string // address ("" none)
	subject string
	text    string
	html    string
}

// prepare renders a notice for u: the SMS template smsName with smsData
// (held by quiet hours unless urgent) and the email template emailName with
// emailData (when email is on and u has an address). An email template
// "notice" gets the SMS text as its one line.
func (s *Scheduler) prepare(u *crm.User, now time.Time, key, smsName string, smsData any, emailName string, emailData any, urgent bool) (*message, error) {
	m := &message{user: u.ID, key: key}
	if u.Disabled {
		return m, nil
	}
	// every date in u's time zone, whatever zone the data came in
	zone := u.Location(s.loc)
	smsData = crm.InZone(smsData, zone)
	if _, isToken := emailData.(string); !isToken {
		emailData = crm.InZone(emailData, zone)
	}
	var line string
	if smsName != "" {
		body, err := s.cfg.Templates.SMS(u.Locale, smsName, smsData)
		if err != nil {
			return nil, err
		}
		line = body
		if !u.OptedOut && len(u.Phones) > 0 {
			m.sms = templates.Fit(body, templates.HasCJK(body))
			m.segs, _ = templates.Segments(m.sms)
			m.phone = u.Phones[0]
			if !urgent {
				m.notBef = s.QuietUntil(now, u.Location(s.loc))
			}
		}
	}
	if emailName != "" && s.cfg.Email && u.Email != "" {
		if emailName == "notice" {
			tok, _ := emailData.(string) // the token of the item the notice is about ("" none)
			emailData = noticeEmail(line, tok)
		}
		subj, text, html, err := s.cfg.Templates.Email(u.Locale, emailName, emailData)
		if err != nil {
			return nil, err
		}
		m.email, m.subject, m.text, m.html = u.Email, subj, text, html
	}
	return m, nil
}

type noticeEmailData struct {
	Subject string
	Lines   []string
	Items   []struct{ Token, Text string }
}

// noticeEmail is the generic notice e-mail of an SMS line; with a token
// (A17) the line is shown as that item, so that a reply can act on it.
func noticeEmail(line, token string) noticeEmailData {
	subject := []rune(line)
	for i, r := range subject {
		if r == '.' || r == '。' || r == ':' || r == '：' {
			subject = subject[:i]
			break
		}
	}
	if len(subject) > 100 {
		subject = subject[:100]
	}
	d := noticeEmailData{Subject: "fieldcrm: " + string(subject)}
	if token == "" {
		d.Lines = []string{line}
	} else {
		d.Items = []struct{ Token, Text string }{{token, line}}
	}
	return d
}

// enqueue writes m into the outbox in the caller's transaction. Fresh
// entries are built on each call: Store.Update may run the function twice.
func (m *message) enqueue(tx *crm.Tx, now time.Time, c Counts) error {
	if m.sms != "" {
		_, dup, err := outbox.Enqueue(tx, &outbox.Entry{Channel: outbox.ChannelSMS, To: m.phone, UserID: m.user,
			Body: m.sms, Segments: m.segs, Key: m.key, NotBefore: m.notBef}, now)
		if err != nil {
			return err
		}
		count(c, dup, "sms")
		if !dup && !m.notBef.IsZero() {
			c["held"]++
		}
	}
	if m.email != "" {
		_, dup, err := outbox.Enqueue(tx, &outbox.Entry{Channel: outbox.ChannelEmail, To: m.email, UserID: m.user,
			Subject: m.subject, Text: m.text, HTML: m.html, Key: m.key}, now)
		if err != nil {
			return err
		}
		count(c, dup, "email")
	}
	return nil
}

func count(c Counts, dup bool, what string) {
	if dup {
		c["dup"]++
	} else {
		c[what]++
	}
}

// update runs fn in a write transaction as System with counts that only
// reach c once the transaction committed (fn may run twice).
func (s *Scheduler) update(ctx context.Context, summary string, c Counts, fn func(tx *crm.Tx, c Counts) error) error {
	var local Counts
	_, err := s.cfg.Store.Update(ctx, crm.Meta{Actor: crm.System, Channel: "scheduler", Summary: summary}, func(tx *crm.Tx) error {
		local = Counts{}
		return fn(tx, local)
	})
	if err == nil {
		c.add(local)
	}
	return err
}

// view runs fn in a read transaction as System.
func (s *Scheduler) view(fn func(tx *crm.Tx) error) error { return s.cfg.Store.View(crm.System, fn) }

// chunks calls fn with successive slices of at most n ids.
func chunks[T any](ids []T, n int, fn func([]T) error) error {
	for len(ids) > 0 {
		k := min(n, len(ids))
		if err := fn(ids[:k]); err != nil {
			return err
		}
		ids = ids[k:]
	}
	return nil
}

// localDate is the date of t in loc as "2006-01-02" (the period of daily keys).
func localDate(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }

// dayStart is the midnight that starts the day of t in loc.
func dayStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// sinceMidnight is the time of day of t in loc.
func sinceMidnight(t time.Time, loc *time.Location) time.Duration {
	l := t.In(loc)
	return time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute
}

func jsonMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain types
	}
	return b
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
