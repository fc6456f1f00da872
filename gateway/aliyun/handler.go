package aliyun

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// Paths of the two HTTP batch pushes under the public URL. {secret} is
// Handler.Secret: Alibaba Cloud signs no push, so the receiving address
// itself is the credential (with the source allow-list).
const (
	UpPath     = "/aliyun/{secret}/smsup"
	ReportPath = "/aliyun/{secret}/smsreport"
)

// MaxBody bounds one push.
const MaxBody = 1 << 20

// Handler receives Alibaba Cloud's HTTP batch pushes: upstream replies
// (SmsUp) go through the shared pipeline, delivery reports (SmsReport)
// update the outbox.
type Handler struct {
	Pipeline *gateway.Pipeline
	DB       crm.Engine
	// Secret is the path segment both pushes must carry (at least 16
	// characters, FIELDCRM_ALIYUN_CALLBACK_SECRET).
	Secret string
	// Allow lists the source networks pushes may come from
	// (FIELDCRM_ALIYUN_CALLBACK_ALLOW); empty: any.
	Allow []netip.Prefix
	// TrustedProxies are the networks of reverse proxies in front of
	// fieldcrm whose X-Forwarded-For names the real source; empty: the
	// connection's own address is the source.
	TrustedProxies []netip.Prefix
	Log            *slog.Logger
	Now            func() time.Time
	// Kick wakes the outbox after a reply to an unknown sender was queued.
	Kick func()
	// Concurrency is how many messages of one push are handled at once [8].
	Concurrency int
	// OnStatus, when set, is told of each delivery report recorded.
	OnStatus func(bizID, status string)
}

// Register adds the handler's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+UpPath, h.up)
	mux.HandleFunc("POST "+ReportPath, h.report)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// answer writes what Alibaba Cloud expects: HTTP 200 and a numeric code 0.
// Anything else makes it push again (1, 5 and 10 minutes later).
func answer(w http.ResponseWriter, status int, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "msg": msg})
}

// admit checks the secret, the source and the request's form, and reads
// the body. It answers and returns nil when the request is refused.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request, kind string) []byte {
	log := h.log().With(slog.String("channel", "sms"), slog.String("provider", Provider), slog.String("push", kind))
	if h.Secret == "" || subtle.ConstantTimeCompare([]byte(r.PathValue("secret")), []byte(h.Secret)) != 1 {
		log.Warn("push with a wrong secret refused", slog.String("remote", r.RemoteAddr))
		answer(w, http.StatusForbidden, 403, "forbidden")
		return nil
	}
	src, ok := h.source(r)
	if !ok {
		log.Warn("push from a source outside FIELDCRM_ALIYUN_CALLBACK_ALLOW refused", slog.String("source", src.String()),
			slog.String("remote", r.RemoteAddr))
		answer(w, http.StatusForbidden, 403, "forbidden")
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		answer(w, http.StatusUnsupportedMediaType, 415, "want application/json")
		return nil
	}
	if r.ContentLength > MaxBody {
		answer(w, http.StatusRequestEntityTooLarge, 413, "body too large")
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		answer(w, http.StatusBadRequest, 400, "reading the body: "+err.Error())
		return nil
	}
	if len(body) > MaxBody {
		answer(w, http.StatusRequestEntityTooLarge, 413, "body too large")
		return nil
	}
	return body
}

// source is the address the push came from: the connection's, or, behind
// a trusted proxy, the last address in X-Forwarded-For that is not one of
// the trusted proxies. ok reports whether Allow admits it.
func (h *Handler) source(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	addr = addr.Unmap()
	if inAny(h.TrustedProxies, addr) {
		var hops []string
		for _, v := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(v, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				return netip.Addr{}, false
			}
			addr = a.Unmap()
			if !inAny(h.TrustedProxies, addr) {
				break
			}
		}
	}
	return addr, len(h.Allow) == 0 || inAny(h.Allow, addr)
}

func inAny(nets []netip.Prefix, a netip.Addr) bool {
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// UpMessage is one upstream message of an SmsUp push.
type UpMessage struct {
	PhoneNumber string `json:"phone_number"`
	Content     string `json:"content"`
	SendTime    string `json:"send_time"`
	SignName    string `json:"sign_name"`
	DestCode    string `json:"dest_code"`
	SequenceID  flexID `json:"sequence_id"`
}

// flexID takes a JSON string or number: Alibaba Cloud documents
// sequence_id as both.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexID(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("sequence_id is neither a string nor a number")
	}
	*f = flexID(n.String())
	return nil
}

// MaxIDLen bounds sequence ids, biz ids and numbers (longer ones are refused:
// they would be bbolt keys).
const MaxIDLen = 64

// ParseUp decodes an SmsUp push into inbound messages; any bad item refuses
// the whole push (nothing of it is applied).
func ParseUp(body []byte, received time.Time) ([]gateway.Inbound, error) {
	var items []UpMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("not a JSON array of upstream messages: %w", err)
	}
	out := make([]gateway.Inbound, 0, len(items))
	for i, it := range items {
		from, err := E164(it.PhoneNumber)
		switch {
		case err != nil:
			return nil, fmt.Errorf("item %d: %w", i+1, err)
		case it.SequenceID == "" || len(it.SequenceID) > MaxIDLen:
			return nil, fmt.Errorf("item %d: sequence_id missing or longer than %d", i+1, MaxIDLen)
		}
		out = append(out, gateway.Inbound{Channel: gateway.ChannelSMS, ID: MessageID(string(it.SequenceID)), From: from,
			Body: SanitizeBody(it.Content), Received: received})
	}
	return out, nil
}

// MessageID is the claim id of an upstream message: its sequence id,
// prefixed so that it never meets another provider's ids.
func MessageID(seq string) string { return Provider + ":" + seq }

// E164 normalises a number as Alibaba Cloud pushes it (13800000002,
// 8613800000002, +8613800000002) to +8613800000002.
func E164(n string) (string, error) {
	n = strings.TrimSpace(n)
	d := strings.TrimPrefix(strings.TrimPrefix(n, "+"), "00")
	if d == "" || len(d) > 15 || strings.Trim(d, "0123456789") != "" {
		return "", fmt.Errorf("phone_number %q is not a phone number", n)
	}
	switch {
	case strings.HasPrefix(n, "+") || strings.HasPrefix(n, "00"):
		return "+" + d, nil
	case len(d) == 11 && d[0] == '1':
		return "+86" + d, nil
	case len(d) == 13 && strings.HasPrefix(d, "861"):
		return "+" + d, nil
	}
	return "", fmt.Errorf("phone_number %q is not a mainland mobile number", n)
}

// SanitizeBody makes an SMS body safe to parse and store: invalid UTF-8
// becomes U+FFFD, CR LF and CR become LF, control characters other than TAB
// and LF and a byte-order mark are removed.
func SanitizeBody(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20, r == 0x7F, r >= 0x80 && r < 0xA0, r == '\uFEFF':
			return -1
		}
		return r
	}, s)
}

func (h *Handler) up(w http.ResponseWriter, r *http.Request) {
	body := h.admit(w, r, "SmsUp")
	if body == nil {
		return
	}
	log := h.log().With(slog.String("channel", "sms"), slog.String("provider", Provider))
	msgs, err := ParseUp(body, h.now())
	if err != nil {
		log.Warn("SmsUp push refused", slog.Any("error", err))
		answer(w, http.StatusBadRequest, 400, err.Error())
		return
	}
	// A push may carry the same message twice, and Alibaba Cloud pushes a
	// batch again when it was not acknowledged: the claim of each message
	// (its sequence id) makes a second delivery a no-op.
	seen := map[string]bool{}
	uniq := msgs[:0]
	for _, m := range msgs {
		if !seen[m.ID] {
			seen[m.ID] = true
			uniq = append(uniq, m)
		}
	}
	if err := h.handleAll(r.Context(), uniq, log); err != nil {
		// not acknowledged: pushed again later, and what was applied is then a duplicate
		answer(w, http.StatusInternalServerError, 500, "not applied, please push again")
		return
	}
	answer(w, http.StatusOK, 0, "成功")
}

// handleAll carries out the messages of one push, several at once (their
// commits share the store's group commit), and returns the first error.
func (h *Handler) handleAll(ctx context.Context, msgs []gateway.Inbound, log *slog.Logger) error {
	n := h.Concurrency
	if n <= 0 {
		n = 8
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, m := range msgs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := h.handleOne(ctx, m, log); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

func (h *Handler) handleOne(ctx context.Context, m gateway.Inbound, log *slog.Logger) error {
	log = log.With(slog.String("msg_id", m.ID))
	// the work goes on if Alibaba Cloud hangs up: once started, its outcome is stored with the claim
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	async := new(atomic.Bool)
	async.Store(true) // no answer rides on the push's response: every reply goes through the outbox
	res, err := h.Pipeline.Handle(ctx, m, gateway.Options{Async: async})
	if err != nil {
		log.Error("upstream message not applied", slog.Any("error", err))
		return err
	}
	switch {
	case res.Reply == "" || res.Queued:
	case res.User != nil:
		// an answer decided earlier and not queued (a claim stored without it)
		if err := h.Pipeline.QueueReply(m, res); err != nil {
			log.Error("reply not queued", slog.Any("error", err))
			return err
		}
	default:
		// "not registered": the pipeline answers an unknown sender and stores
		// nothing; there is no response to carry it, so it goes through the outbox
		_, dup, err := outbox.EnqueueDB(h.DB, &outbox.Entry{Channel: outbox.ChannelSMS, To: m.From, Body: res.Reply,
			Key: "reply|" + m.ID, Segments: res.Segments}, h.now())
		if err != nil {
			log.Error("reply to an unknown sender not queued", slog.Any("error", err))
			return err
		}
		if !dup && h.Kick != nil {
			h.Kick()
		}
	}
	return nil
}

// ReportItem is one delivery report of an SmsReport push.
type ReportItem struct {
	PhoneNumber string `json:"phone_number"`
	SendTime    string `json:"send_time"`
	ReportTime  string `json:"report_time"`
	Success     *bool  `json:"success"`
	ErrCode     string `json:"err_code"`
	ErrMsg      string `json:"err_msg"`
	SmsSize     string `json:"sms_size"`
	BizID       string `json:"biz_id"`
	OutID       string `json:"out_id"`
}

// ParseReport decodes an SmsReport push; any bad item refuses the whole push.
func ParseReport(body []byte) ([]ReportItem, error) {
	var items []ReportItem
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("not a JSON array of delivery reports: %w", err)
	}
	for i, it := range items {
		switch {
		case it.BizID == "" || len(it.BizID) > MaxIDLen || strings.Contains(it.BizID, ","):
			return nil, fmt.Errorf("item %d: biz_id missing, longer than %d or with a comma", i+1, MaxIDLen)
		case it.Success == nil:
			return nil, fmt.Errorf("item %d: success missing", i+1)
		case len(it.ErrCode) > MaxIDLen:
			return nil, fmt.Errorf("item %d: err_code longer than %d", i+1, MaxIDLen)
		}
	}
	return items, nil
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	body := h.admit(w, r, "SmsReport")
	if body == nil {
		return
	}
	log := h.log().With(slog.String("channel", "sms"), slog.String("provider", Provider))
	items, err := ParseReport(body)
	if err != nil {
		log.Warn("SmsReport push refused", slog.Any("error", err))
		answer(w, http.StatusBadRequest, 400, err.Error())
		return
	}
	now := h.now()
	for _, it := range items {
		status := "delivered"
		if !*it.Success {
			status = "undelivered" // the carrier did not deliver it
		}
		// Reports are not idempotent (Alibaba Cloud says so): SetStatus
		// ignores repeats and backward moves; one that overtakes the record
		// of the send is kept until the send is recorded.
		changed, err := outbox.SetStatusNote(h.DB, it.BizID, status, 0, SanitizeBody(it.ErrCode+" "+it.ErrMsg), now)
		if err != nil {
			log.Error("delivery report not recorded", slog.String("biz_id", it.BizID), slog.Any("error", err))
			answer(w, http.StatusInternalServerError, 500, "not recorded, please push again")
			return
		}
		if changed && h.OnStatus != nil {
			h.OnStatus(it.BizID, status)
		}
		if !*it.Success {
			log.Info("not delivered", slog.String("biz_id", it.BizID), slog.String("out_id", it.OutID), slog.String("err_code", it.ErrCode))
		}
	}
	answer(w, http.StatusOK, 0, "成功")
}
