package main

// The known label values of every labelled counter, created at zero when
// serve starts. A series that appears only with its first event has no
// earlier sample, so increase(…{outcome="dead"}[15m]) stays 0 for the first
// dead letter after a restart and an alert on it never fires; a series that
// exists from the start at 0 moves from 0 to 1.

import (
	"strings"

	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email"
	"github.com/fieldcrm/fieldcrm/parser"
	"github.com/fieldcrm/fieldcrm/scheduler"
)

var (
	// seriesChannels are the channels messages come in and go out by.
	seriesChannels = []string{gateway.ChannelSMS, gateway.ChannelEmail}
	// seriesIn are the outcomes of ops.handled.
	seriesIn = []string{"ok", "refused", "parse_error", "duplicate", "unknown_sender", "error"}
	// seriesOut are the inline replies and the outbox worker's outcomes (OnRecord).
	seriesOut = []string{"inline", "sent", "failed", "dead", "retry"}
	// seriesMail are the outcomes of an e-mail taken from the mailbox.
	seriesMail = []string{email.OutcomeApplied, email.OutcomeDup, email.OutcomeAuto, email.OutcomeUnknown, email.OutcomeUnverified,
		email.OutcomeUnreadable, email.OutcomeTooBig, email.OutcomeFailed, email.OutcomeEmpty}
	// seriesDelivery are the delivery statuses a provider reports.
	seriesDelivery = []string{"accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed", "canceled", "read"}
	// seriesHandle are the channels of the handling-time histogram.
	seriesHandle = []string{gateway.ChannelSMS, gateway.ChannelEmail, "email_message"}
)

// initSeries creates every known series at zero.
func (o *ops) initSeries() {
	for _, ch := range seriesChannels {
		for _, out := range seriesIn {
			o.msgIn.WithLabelValues(ch, out)
		}
		for _, out := range seriesOut {
			o.msgOut.WithLabelValues(ch, out)
		}
	}
	for _, out := range seriesMail {
		o.mailIn.WithLabelValues(out)
	}
	o.parseErrs.WithLabelValues("none")
	for _, v := range parser.Verbs() {
		if name := strings.ToLower(string(v.Verb)); name != "" {
			o.parseErrs.WithLabelValues(name)
		}
	}
	for _, s := range seriesDelivery {
		o.delivery.WithLabelValues(s)
	}
	for _, r := range []string{"ok", "error"} {
		o.backups.WithLabelValues(r)
	}
	for _, job := range scheduler.Jobs {
		o.jobRuns.WithLabelValues(job, "ok")
		o.jobRuns.WithLabelValues(job, "error")
		o.jobSecs.WithLabelValues(job)
	}
	for _, ch := range seriesHandle {
		o.handleSecs.WithLabelValues(ch)
	}
}
