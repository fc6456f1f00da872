package gateway

// Unknown senders. Anything from an unknown number or address is answered
// once with a short "not registered" note and changes nothing. Each answer
// is a billed SMS, so the answers are limited where a restart cannot reset
// them (in the store): one per sender per UnknownEvery, at most
// UnknownPerHour in all, and by SMS only to numbers in the countries the
// dealer works in (SMS pumping fraud sends from premium numbers abroad).
// Senders not answered cost nothing: no write, no lock.

import (
	"context"
	"encoding/binary"
	"log/slog"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/templates"
)

// spUnknown holds, per channel and sender, when he was last answered, and
// under hourKey the current hour's count of answers. Both are in the
// database, read and written in one Update: several nodes on one database
// share them (nothing of the throttle is kept in a process).
const spUnknown = "gw/unknown" // channel 0 sender → unix seconds of the last answer

var hourKey = []byte("\x00hour") // → unix seconds of the hour's start, answers in it

// CallingCodes maps the ISO country codes FIELDCRM_SMS_COUNTRIES accepts to
// their international calling codes.
var CallingCodes = map[string]string{
	"CN": "+86", "HK": "+852", "MO": "+853", "TW": "+886", "US": "+1", "CA": "+1", "GB": "+44", "DE": "+49",
	"FR": "+33", "JP": "+81", "KR": "+82", "SG": "+65", "MY": "+60", "TH": "+66", "VN": "+84", "ID": "+62",
	"PH": "+63", "IN": "+91", "AU": "+61", "NZ": "+64", "RU": "+7", "KZ": "+7", "MN": "+976", "AE": "+971",
	"SA": "+966", "ZA": "+27", "BR": "+55", "MX": "+52", "CL": "+56", "PE": "+51",
}

// answerUnknown decides whether the unknown sender of in is answered, and
// records the answer. It reads first (most senders of a flood are not
// answered: no write) and writes only for an answer.
func (p *Pipeline) answerUnknown(in Inbound, log *slog.Logger) bool {
	if in.Channel == ChannelSMS && !p.inCountries(in.From) {
		log.Warn("message from an unknown number outside FIELDCRM_SMS_COUNTRIES: not answered", slog.String("from", in.From))
		return false
	}
	now := p.cfg.Now()
	key := []byte(in.Channel + "\x00" + in.From)
	eng := p.cfg.Store.Engine()
	recent := func(tx crm.ETx) bool {
		v := tx.State(spUnknown).Get(key)
		return len(v) == 8 && now.Sub(time.Unix(int64(binary.BigEndian.Uint64(v)), 0)) < p.cfg.UnknownEvery
	}
	// a read first: most senders of a flood are not answered, and cost no write
	var told bool
	eng.View(context.Background(), func(tx crm.ETx) error { told = recent(tx); return nil })
	if told {
		log.Warn("message from an unknown sender", slog.String("from", in.From), slog.Bool("answered", false),
			slog.String("why", "answered within the last "+p.cfg.UnknownEvery.String()))
		return false
	}
	answer, capped := false, false
	// then the decision, read and written in one transaction (serializable on
	// PostgreSQL: two nodes answering at once conflict, and the retry reads
	// the winner's answer)
	err := eng.Update(context.Background(), func(tx crm.ETx) error {
		// fn may run again: what it reports starts afresh
		answer, capped = false, false
		if recent(tx) { // another delivery got there first
			return nil
		}
		b := tx.State(spUnknown)
		hour := now.Truncate(time.Hour).Unix()
		var n uint64
		if v := b.Get(hourKey); len(v) == 16 && int64(binary.BigEndian.Uint64(v)) == hour {
			n = binary.BigEndian.Uint64(v[8:])
		} else if err := pruneUnknown(b, now.Add(-p.cfg.UnknownEvery)); err != nil { // a new hour: drop old senders
			return err
		}
		if n >= uint64(p.cfg.UnknownPerHour) {
			capped = true
			return nil
		}
		hv := make([]byte, 16)
		binary.BigEndian.PutUint64(hv, uint64(hour))
		binary.BigEndian.PutUint64(hv[8:], n+1)
		if err := b.Put(hourKey, hv); err != nil {
			return err
		}
		answer = true
		return b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(now.Unix())))
	})
	if err != nil {
		log.Error("unknown sender not recorded: not answered", slog.String("from", in.From), slog.Any("error", err))
		return false
	}
	attrs := []any{slog.String("from", in.From), slog.Bool("answered", answer)}
	if capped {
		attrs = append(attrs, slog.String("why", "the hourly cap of answers to unknown senders is reached"))
	}
	log.Warn("message from an unknown sender", attrs...)
	return answer
}

// pruneUnknown deletes the senders last answered before cutoff. The answers
// are capped per hour, so there are never many to scan.
func pruneUnknown(b crm.Bucket, cutoff time.Time) error {
	var old [][]byte
	b.Scan(nil, nil, false, func(k, v []byte) bool {
		if len(v) == 8 && time.Unix(int64(binary.BigEndian.Uint64(v)), 0).Before(cutoff) {
			old = append(old, append([]byte(nil), k...))
		}
		return true
	})
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// inCountries reports whether number is in one of the configured countries
// (every number when none are configured: "*").
func (p *Pipeline) inCountries(number string) bool {
	if len(p.cfg.SMSCountries) == 0 {
		return true
	}
	for _, cc := range p.cfg.SMSCountries {
		if strings.HasPrefix(number, cc) {
			return true
		}
	}
	return false
}

// notRegistered answers an unknown sender (see answerUnknown) and stores
// nothing else.
func (p *Pipeline) notRegistered(in Inbound, log *slog.Logger) *Result {
	if !p.answerUnknown(in, log) {
		return &Result{Code: "unknown"}
	}
	// answered in the language the stranger wrote in
	locale := "en"
	if templates.HasCJK(in.Body) {
		locale = "zh"
	}
	text, err := p.cfg.Templates.SMS(locale, "not_registered", struct{}{})
	if err != nil {
		text = "This number is not registered with fieldcrm. Ask your manager to add you."
	}
	n, _ := templates.Segments(text)
	return &Result{Reply: text, Segments: n, Code: "unknown"}
}
