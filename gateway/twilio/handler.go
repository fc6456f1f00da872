package twilio

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// SMSPath is the messaging webhook's path under the public URL (StatusPath
// is the status callback's).
const SMSPath = "/twilio/sms"

// Handler serves Twilio's messaging webhook and status callbacks.
type Handler struct {
	Pipeline  *gateway.Pipeline
	DB        crm.Engine // for delivery statuses
	AuthToken string
	PublicURL string // base URL Twilio calls (signatures are computed over it)
	Log       *slog.Logger
	Now       func() time.Time
	// Wait is how long the webhook waits for the answer to reply in TwiML
	// [8s]. After it, the reply goes through the outbox, and the webhook
	// answers an empty <Response/> as soon as the message is durable, or 503
	// (not acknowledged: Twilio may deliver it again, which the claim makes
	// harmless) when it is not durable by HardWait [13s] (Twilio gives up on
	// a webhook after 15 s). Nothing is acknowledged before it is durable.
	Wait     time.Duration
	HardWait time.Duration

	bg sync.WaitGroup // messages still being handled after their request ended
	// OnStatus, when set, is told of each status callback recorded.
	OnStatus func(sid, status string, errCode int)
}

// Register adds the handler's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+SMSPath, h.sms)
	mux.HandleFunc("POST "+StatusPath, h.status)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) url(r *http.Request, path string) string {
	u := strings.TrimRight(h.PublicURL, "/") + path
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

func (h *Handler) sms(w http.ResponseWriter, r *http.Request) {
	log := h.Log.With(slog.String("channel", "sms"))
	in, err := ParseInbound(r, MaxBody)
	if err != nil {
		log.Warn("webhook refused", slog.Any("error", err))
		http.Error(w, err.Error(), StatusOf(err))
		return
	}
	log = log.With(slog.String("msg_id", in.MessageSid))
	if !Validate(h.AuthToken, h.url(r, SMSPath), in.Form, r.Header.Get("X-Twilio-Signature")) {
		log.Warn("webhook with a bad signature", slog.String("from", in.From))
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	msg := gateway.Inbound{Channel: gateway.ChannelSMS, ID: in.MessageSid, From: in.From, Body: in.Body, Received: h.now()}
	if in.NumMedia > 0 && strings.TrimSpace(msg.Body) == "" {
		msg.Body = "DOC" // a picture without text: the pipeline answers how documents are sent
	}
	// The work goes on even when Twilio hangs up: once started, the outcome
	// must be known (it is stored with the claim, and a retry gets it).
	async := new(atomic.Bool)
	type outcome struct {
		res *gateway.Result
		err error
	}
	done := make(chan outcome, 1)
	h.bg.Add(1)
	go func() {
		defer h.bg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Minute)
		defer cancel()
		res, err := h.Pipeline.Handle(ctx, msg, gateway.Options{Async: async})
		if err == nil && async.Load() {
			if qerr := h.Pipeline.QueueReply(msg, res); qerr != nil {
				log.Error("late reply not queued", slog.Any("error", qerr))
			}
		}
		done <- outcome{res, err}
	}()
	wait, hard := h.Wait, h.HardWait
	if wait <= 0 {
		wait = 8 * time.Second
	}
	if hard < wait {
		hard = max(wait, 13*time.Second)
	}
	answer := func(o outcome, late bool) {
		if o.err != nil {
			http.Error(w, "not applied, please retry", http.StatusInternalServerError)
			return
		}
		reply := o.res.Reply
		if o.res.Queued || late {
			reply = "" // it goes out through the outbox
		}
		w.Header().Set("Content-Type", TwiMLContentType)
		w.Write(TwiML(reply))
	}
	soft := time.NewTimer(wait)
	defer soft.Stop()
	select {
	case o := <-done:
		answer(o, false)
		return
	case <-soft.C:
	}
	// Late: the reply will go through the outbox. Acknowledge only once the
	// message is durable.
	async.Store(true)
	log.Warn("answer late: the reply goes through the outbox")
	deadline := time.NewTimer(hard - wait)
	defer deadline.Stop()
	select {
	case o := <-done:
		answer(o, true)
	case <-deadline.C:
		log.Warn("message not durable in time: not acknowledged (503); it is still being handled")
		w.Header().Set("Retry-After", "5")
		http.Error(w, "busy, not acknowledged", http.StatusServiceUnavailable)
	}
}

// Drain blocks until the messages still being handled after their webhook
// request ended are done (Close calls it before closing the store).
func (h *Handler) Drain() { h.bg.Wait() }

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	sid, status, code, err := ParseStatus(r)
	if err != nil {
		http.Error(w, err.Error(), StatusOf(err))
		return
	}
	if !Validate(h.AuthToken, h.url(r, StatusPath), r.PostForm, r.Header.Get("X-Twilio-Signature")) {
		h.Log.Warn("status callback with a bad signature", slog.String("sid", sid))
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	switch statusKinds[status] {
	case statusInbound:
		// the status of a message we received (Twilio sends these to a
		// callback configured on the number): nothing of ours to record
		h.Log.Debug("status of an inbound message ignored", slog.String("sid", sid), slog.String("status", status))
		w.WriteHeader(http.StatusNoContent)
		return
	case statusUnknown:
		// a status this version does not know: answered 2xx so that Twilio
		// does not retry it forever; the entry keeps its last known status
		h.Log.Warn("unknown delivery status ignored", slog.String("sid", sid), slog.String("status", status))
		w.WriteHeader(http.StatusNoContent)
		return
	case statusPartial:
		status = "delivered" // some parts or recipients got it: the message arrived, as far as the outbox cares
	}
	changed, err := outbox.SetStatus(h.DB, sid, status, code, h.now())
	if err != nil {
		h.Log.Error("status not recorded", slog.String("sid", sid), slog.Any("error", err))
		http.Error(w, "not recorded", http.StatusInternalServerError)
		return
	}
	if changed && h.OnStatus != nil {
		h.OnStatus(sid, status, code)
	}
	w.WriteHeader(http.StatusNoContent)
}

// How the status callback treats each MessageStatus Twilio documents.
const (
	statusUnknown = iota
	statusOutbound
	statusPartial
	statusInbound
)

var statusKinds = map[string]int{
	"accepted": statusOutbound, "scheduled": statusOutbound, "queued": statusOutbound, "sending": statusOutbound,
	"sent": statusOutbound, "delivered": statusOutbound, "undelivered": statusOutbound, "failed": statusOutbound,
	"canceled": statusOutbound, "read": statusOutbound,
	"partially_delivered": statusPartial,
	"receiving":           statusInbound, "received": statusInbound,
}
