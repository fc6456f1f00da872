// Package console is the SMS "provider" of FIELDCRM_SMS=console: it writes
// every outgoing SMS to the log instead of sending it, so that serve runs
// without a Twilio account (with `fieldcrm webhook` posting what Twilio
// would). Behind it the outbox works as with Twilio: entries are marked
// sent, with a provider id of the console's own, and the rate limits,
// retries and quiet hours apply.
package console

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

// IDPrefix starts the provider ids the console gives ("CONSOLE000001").
const IDPrefix = "CONSOLE"

// Sender logs each SMS at Info level and reports it sent. It implements
// outbox.Sender.
type Sender struct {
	Log *slog.Logger
	n   atomic.Int64
}

// Send writes e to the log: recipient, sender, user, segments, the id it
// gives and the body. It never fails.
func (s *Sender) Send(ctx context.Context, e *outbox.Entry) (providerID string, segments int, err error) {
	segs, enc := templates.Segments(e.Body)
	encoding := "GSM-7"
	if enc == templates.UCS2 {
		encoding = "UCS-2"
	}
	id := fmt.Sprintf("%s%06d", IDPrefix, s.n.Add(1))
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	attrs := []any{slog.String("to", e.To)}
	if e.From != "" {
		attrs = append(attrs, slog.String("from", e.From))
	}
	if e.UserID != 0 {
		attrs = append(attrs, slog.Int64("user_id", e.UserID))
	}
	attrs = append(attrs, slog.Int("segments", segs), slog.String("encoding", encoding), slog.String("provider_id", id),
		slog.String("body", e.Body))
	log.InfoContext(ctx, "SMS (console: printed, not sent)", attrs...)
	return id, segs, nil
}
