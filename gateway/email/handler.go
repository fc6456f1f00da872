package email

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email/mailtext"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/parser"
	"github.com/fieldcrm/fieldcrm/templates"
)

var (
	bktDone      = "mail/done"
	bktExplained = "mail/explained"
	bktReplies   = "mail/replies"
	bktRaw       = "mail/raw"
	bktMeta      = "mail/meta"
	keyTokenKey  = []byte("token-key")
	keyTokensV2  = []byte("tokens-v2-since")
)

// Outcomes of Handle.
const (
	OutcomeApplied    = "applied"    // the lines were carried out (each may still have been refused) and answered
	OutcomeDup        = "dup"        // the Message-ID was handled before: nothing done
	OutcomeAuto       = "auto"       // an auto-reply or bounce: not applied, never answered
	OutcomeUnknown    = "unknown"    // From is not a registered user
	OutcomeUnverified = "unverified" // From is a user, but neither the receiving server nor a token vouches for it
	OutcomeUnreadable = "unreadable" // the message could not be parsed: kept raw
	OutcomeTooBig     = "too_big"    // larger than the mailbox reader takes whole
	OutcomeFailed     = "failed"     // kept failing inside fieldcrm: given up, kept raw, the sender told
	OutcomeEmpty      = "empty"      // no command in it
)

// Config configures a Handler.
type Config struct {
	Store *crm.Store
	// Pipeline carries out each command line. It should be a pipeline of its
	// own with a large MaxSegments, so that email answers are not paged.
	Pipeline  *gateway.Pipeline
	Templates *templates.Set
	Log       *slog.Logger
	Now       func() time.Time
	Kick      func() // wakes the outbox worker (may be nil)

	// Address is fieldcrm's own address (crm@dealer.example): replies come
	// back to it or to its plus addresses (crm+<token>@dealer.example).
	Address string
	// TrustedHost is the authserv-id of the receiving mail server whose
	// Authentication-Results headers are believed ("" believes none: only
	// replies carrying the sender's token are applied).
	TrustedHost string
	// SubmitterHeader names the header field in which the trusted server
	// writes the login of an authenticated submitter (e.g.
	// "X-Authenticated-Sender"), or is "smtp.auth" when it writes it only in
	// Authentication-Results ("auth=pass smtp.auth=wang"), or "Received" for
	// Postfix's "(Authenticated sender: wang)". Set, a message
	// from fieldcrm's own domain is vouched for by the server only when it
	// names a submitter, and every submitter named must own the From
	// address. Unset, submitters are checked only where the server names
	// them, and the MTA must make sure a login sends only as its own
	// address.
	SubmitterHeader string
	// TokenKey signs reply tokens (nil: a key kept in the database).
	TokenKey []byte
	// TokenTTL is how long after a mail was sent a reply carrying its token
	// acts for its user [DefaultTokenTTL].
	TokenTTL time.Duration

	MaxRepliesPerHour int           // most answers to one address per hour [20]
	ExplainEvery      time.Duration // one explanation per sender and reason this often [24h]
	MaxLines          int           // most command lines read from one message [30]
	MaxMessageMB      int           // the size the mailbox reader takes whole, for the too_big answer [25]
	Limits            mailtext.Limits
	// OnHandled, when set, is told every outcome (metrics).
	OnHandled func(*Result)
}

// Handler handles received e-mail.
type Handler struct {
	cfg    Config
	tokens *Tokens
	domain string
	// legacyUntil: tokens of earlier versions are accepted until then
	legacyUntil time.Time
}

// Line is one command of a message and its answer.
type Line struct {
	Command string
	Result  string
	Code    string // "" done; else the error code ("parse", EINVALID …)
	Verb    string
}

// Result is what Handle decided.
type Result struct {
	MessageID string
	From      string
	User      *crm.User
	Outcome   string
	Why       string // auto: the reason; verified: the method (dmarc, dkim, spf, token)
	Lines     []Line
	Documents int  // documents filed
	Replied   bool // an answer or explanation was queued
	Limited   bool // an answer was due but the address had its replies for the hour
	Elapsed   time.Duration
}

// New makes a Handler and its buckets.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Pipeline == nil || cfg.Templates == nil {
		return nil, errors.New("email: Store, Pipeline and Templates are required")
	}
	_, domain := splitAddr(cfg.Address)
	if domain == "" {
		return nil, fmt.Errorf("email: fieldcrm's address %q has no domain", cfg.Address)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Store.Now
	}
	if cfg.Kick == nil {
		cfg.Kick = func() {}
	}
	if cfg.MaxRepliesPerHour <= 0 {
		cfg.MaxRepliesPerHour = 20
	}
	if cfg.ExplainEvery <= 0 {
		cfg.ExplainEvery = 24 * time.Hour
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.MaxLines <= 0 {
		cfg.MaxLines = 30
	}
	if cfg.MaxMessageMB <= 0 {
		cfg.MaxMessageMB = 25
	}
	if cfg.Limits.MaxAttachment <= 0 {
		cfg.Limits.MaxAttachment = crm.MaxDocumentSize
	}
	db := cfg.Store.Engine()
	if err := outbox.Init(db); err != nil {
		return nil, err
	}
	var err error
	key := cfg.TokenKey
	if key == nil {
		if key, err = loadKey(db); err != nil {
			return nil, err
		}
	}
	tokens, err := NewTokens(key)
	if err != nil {
		return nil, err
	}
	since, err := legacySince(db, cfg.Now())
	if err != nil {
		return nil, err
	}
	return &Handler{cfg: cfg, tokens: tokens, domain: domain, legacyUntil: since.Add(cfg.TokenTTL)}, nil
}

// Tokens returns the handler's reply tokens (for the Sender).
func (h *Handler) Tokens() *Tokens { return h.tokens }

// Handle decides what one received message does. truncated says the mailbox
// reader did not take it whole. An error means nothing final was decided
// and the message must be offered again; everything else, even a refusal,
// is done (nil error) and the message may leave the inbox.
func (h *Handler) Handle(ctx context.Context, raw []byte, truncated bool) (*Result, error) {
	start := time.Now()
	res, err := h.handle(ctx, raw, truncated)
	if res != nil {
		res.Elapsed = time.Since(start)
		if h.cfg.OnHandled != nil {
			h.cfg.OnHandled(res)
		}
	}
	return res, err
}

func (h *Handler) handle(ctx context.Context, raw []byte, truncated bool) (*Result, error) {
	m, rerr := mailtext.Read(raw, h.cfg.Limits)
	if rerr != nil {
		return h.unreadable(ctx, raw, rerr)
	}
	res := &Result{MessageID: m.MessageID, From: m.From}
	if res.MessageID == "" {
		sum := sha256.Sum256(raw)
		res.MessageID = "sha256:" + hex.EncodeToString(sum[:16])
	}
	log := h.cfg.Log.With(slog.String("channel", "email"), slog.String("msg_id", res.MessageID), slog.String("from", m.From))
	user, done, err := h.lookup(m.From, res.MessageID)
	if err != nil {
		return nil, err
	}
	if done {
		res.Outcome = OutcomeDup
		log.Info("duplicate delivery")
		return res, nil
	}
	res.User = user
	if auto, why := mailtext.Auto(m); auto {
		res.Outcome, res.Why = OutcomeAuto, why
		log.Info("auto-reply or bounce: not applied, not answered", slog.String("why", why))
		return res, h.finish(ctx, res, m, nil, nil)
	}
	if user == nil || user.Disabled {
		res.Outcome = OutcomeUnknown
		// only a sender the receiving server vouches for is told: answering
		// forged senders would mail strangers (backscatter)
		_, vouched := h.serverVouches(m)
		log.Warn("e-mail from an unknown sender", slog.Bool("authenticated", vouched))
		if !vouched {
			return res, h.finish(ctx, res, m, nil, nil)
		}
		return res, h.finish(ctx, res, m, nil, &closing{why: OutcomeUnknown})
	}
	log = log.With(slog.Int64("user_id", user.ID))
	method, ok, why := h.verify(m, user)
	if !ok {
		res.Outcome = OutcomeUnverified
		log.Warn("e-mail not applied: the sender is not verified", slog.String("why", why))
		return res, h.finish(ctx, res, m, user, &closing{why: OutcomeUnverified})
	}
	res.Why = method
	if truncated {
		res.Outcome = OutcomeTooBig
		log.Warn("e-mail too large: not applied")
		return res, h.finish(ctx, res, m, user, &closing{why: OutcomeTooBig})
	}
	lines, cut := h.commands(m, user)
	for i := range lines {
		lines[i] = gateway.StripBidi(lines[i]) // as Pipeline.Handle does: parsed below too
	}
	if len(lines) == 0 {
		res.Outcome = OutcomeEmpty
		log.Info("e-mail without a command")
		return res, h.finish(ctx, res, m, user, &closing{why: OutcomeEmpty})
	}
	res.Outcome = OutcomeApplied
	loc := user.Location(h.cfg.Store.Location())
	now := h.cfg.Now()
	var docLine = -1
	cmds := make([]*parser.Command, len(lines)) // nil where a line does not parse
	lex, _ := h.cfg.Store.Lexicon(user)         // the names he may mean (nil on error: grammar alone)
	for i, text := range lines {
		ln := Line{Command: text}
		cmd, _ := parser.Parse(text, parser.Context{Now: now, Loc: loc, Lexicon: lex})
		cmds[i] = cmd
		if cmd != nil && cmd.Verb == parser.VerbDoc {
			ln.Verb = string(cmd.Verb)
			if docLine < 0 {
				docLine = i // answered in the last transaction, with the files
			}
			res.Lines = append(res.Lines, ln)
			continue
		}
		r, err := h.cfg.Pipeline.Handle(ctx, gateway.Inbound{Channel: gateway.ChannelEmail, ID: res.MessageID + "#" + strconv.Itoa(i),
			From: m.From, Body: text, Received: now}, gateway.Options{})
		if err != nil {
			log.Error("line not applied: the message will come again", slog.Int("line", i), slog.Any("error", err))
			return nil, err
		}
		ln.Result, ln.Code, ln.Verb = r.Reply, r.Code, r.Verb
		res.Lines = append(res.Lines, ln)
	}
	err = h.finish(ctx, res, m, user, &closing{cmds: cmds, docLine: docLine, cut: cut})
	if err == nil {
		log.Info("e-mail handled", slog.Int("lines", len(res.Lines)), slog.Int("documents", res.Documents),
			slog.String("verified_by", method), slog.Bool("replied", res.Replied), slog.Bool("limited", res.Limited))
	}
	return res, err
}

// closing carries what the last transaction needs: an explanation (why) or
// the lines of an applied message.
type closing struct {
	why     string
	cmds    []*parser.Command // each line parsed (nil where it did not parse)
	docLine int               // the first DOC line, -1 when none
	cut     int               // lines not read
}

// lookup finds the registered user of an address and whether the message
// was handled before, in one read.
func (h *Handler) lookup(from, id string) (u *crm.User, done bool, err error) {
	err = h.cfg.Store.View(crm.System, func(tx *crm.Tx) error {
		done = tx.State(bktDone).Get([]byte(id)) != nil
		if from == "" {
			return nil
		}
		var err error
		u, err = tx.UserByEmail(from)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			u, err = nil, nil
		}
		return err
	})
	return u, done, err
}

// serverVouches reports whether the trusted receiving server says the From
// domain passed DMARC, DKIM or SPF, with no failure and no submitter other
// than the From address.
func (h *Handler) serverVouches(m *mailtext.Message) (string, bool) {
	v := h.verdict(m)
	return v.Method, v.OK() && h.submitterOwns(v, m.From) == nil
}

func (h *Handler) verdict(m *mailtext.Message) mailtext.Verdict {
	if h.cfg.TrustedHost == "" {
		return mailtext.Verdict{}
	}
	hdr := h.cfg.SubmitterHeader
	if strings.EqualFold(hdr, "smtp.auth") {
		hdr = ""
	}
	return mailtext.Check(m, h.cfg.TrustedHost, hdr)
}

// errNoSubmitter: SubmitterHeader is set and a message from our own domain
// names no submitter.
var errNoSubmitter = errors.New("no authenticated submitter named")

// submitterOwns checks the submitters the trusted server named against the
// From address: each must be that address, or its local part when From is
// in fieldcrm's own domain. DMARC vouches for a domain, not a mailbox: a
// salesman logged in to the company's server could otherwise write his
// director's address in From.
func (h *Handler) submitterOwns(v mailtext.Verdict, from string) error {
	local, domain := splitAddr(from)
	for _, s := range v.Submitters {
		sl, sd := splitAddr(s)
		if sd == "" && domain == h.domain && sl == local {
			continue
		}
		if sd != "" && sl == local && sd == domain {
			continue
		}
		return fmt.Errorf("submitted by %q, not by the From address", s)
	}
	if len(v.Submitters) == 0 && h.cfg.SubmitterHeader != "" && domain == h.domain {
		return errNoSubmitter
	}
	return nil
}

// verify says how the message is known to come from user: the receiving
// server's word, or user's own reply token in the ids of the mail it
// answers. An explicit failure at the trusted server, or a submitter other
// than the From address, refuses the message whatever token it carries;
// why says which (for the log).
func (h *Handler) verify(m *mailtext.Message, user *crm.User) (method string, ok bool, why string) {
	v := h.verdict(m)
	if v.Failed != "" {
		return "", false, "the receiving server says " + v.Failed
	}
	err := h.submitterOwns(v, m.From)
	switch {
	case err != nil && !errors.Is(err, errNoSubmitter):
		return "", false, err.Error()
	case err == nil && v.OK():
		return v.Method, true, ""
	}
	now := h.cfg.Now()
	for _, ref := range h.tokensIn(m) {
		tok, ok := h.tokens.Check(ref.token)
		switch {
		case !ok && now.Before(h.legacyUntil):
			if id, ok := h.tokens.legacyUser(ref.token); ok && id == user.ID {
				return "token", true, ""
			}
		case !ok || tok.User != user.ID:
		case tok.Entry != ref.entry:
			why = "a token of another mail"
		case now.Sub(tok.Issued) > h.cfg.TokenTTL:
			why = "a token older than " + h.cfg.TokenTTL.String()
		default:
			return "token", true, ""
		}
	}
	if why == "" && err != nil {
		why = err.Error()
	}
	if why == "" {
		why = "no pass from the trusted host, no valid token"
	}
	return "", false, why
}

// tokenRef is a token found in the Message-ID of fieldcrm's mail that a
// message answers, with that mail's outbox entry.
type tokenRef struct {
	entry int64
	token string
}

// tokensIn lists the reply tokens in the ids of the mail a message answers
// (In-Reply-To, References). A token in the To address alone does not
// count: it is the reply to that mail that it vouches for.
func (h *Handler) tokensIn(m *mailtext.Message) []tokenRef {
	var out []tokenRef
	ids := append([]string{m.InReplyTo}, m.References...)
	for _, id := range ids {
		if e, t := messageIDToken(h.domain, id); t != "" {
			out = append(out, tokenRef{e, t})
		}
	}
	return out
}

// replyPrefixes start the subject of a reply or forward (never a command).
var replyPrefixes = []string{"re:", "re：", "aw:", "fw:", "fwd:", "回复:", "回复：", "答复:", "答复：", "转发:", "转发：", "sv:"}

// commands lists the command lines of a message: the subject when it is a
// command (and the message is no reply), then each non-empty line of the
// body without quotes, signature and the sender's sign-off (his name or a
// "Regards" above "Sent from my phone"). cut is how many lines were not
// read.
func (h *Handler) commands(m *mailtext.Message, user *crm.User) (lines []string, cut int) {
	if s := strings.TrimSpace(m.Subject); s != "" && m.InReplyTo == "" && !isReplySubject(s) {
		if cmd, err := parser.Parse(s, parser.Context{Now: h.cfg.Now()}); err == nil || verbOf(err) != "" || cmd != nil {
			lines = append(lines, s)
		}
	}
	local, _ := splitAddr(m.From)
	for _, l := range strings.Split(mailtext.StripSignOff(m.Reply, m.FromName, user.Name, local), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > h.cfg.MaxLines {
		cut = len(lines) - h.cfg.MaxLines
		lines = lines[:h.cfg.MaxLines]
	}
	return lines, cut
}

func isReplySubject(s string) bool {
	l := strings.ToLower(s)
	for _, p := range replyPrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// verbOf is the verb a parse error recognised ("" when none).
func verbOf(err error) string {
	var pe *parser.Error
	if errors.As(err, &pe) {
		return string(pe.Verb)
	}
	return ""
}

// finish writes, in one transaction: the documents of a DOC line, the answer
// (or the explanation of a refusal) within the loop guard, and the mark that
// the message is done. r == nil: nothing is answered.
func (h *Handler) finish(ctx context.Context, res *Result, m *mailtext.Message, user *crm.User, r *closing) error {
	actor := user
	if actor == nil {
		actor = crm.System
	}
	base := append([]Line(nil), res.Lines...)
	meta := crm.Meta{Actor: actor, Channel: gateway.ChannelEmail, MessageID: res.MessageID, Summary: gateway.Truncate(m.Subject+" | "+m.Reply, 500)}
	_, err := h.cfg.Store.Update(ctx, meta, func(tx *crm.Tx) error {
		// fn may run twice: start from the lines as they came
		res.Lines = append(res.Lines[:0:0], base...)
		res.Documents, res.Replied, res.Limited = 0, false, false
		if tx.State(bktDone).Get([]byte(res.MessageID)) != nil {
			res.Outcome = OutcomeDup
			return nil
		}
		now := tx.Now()
		var e *outbox.Entry
		var err error
		switch {
		case r == nil:
		case r.why != "":
			e, err = h.explanation(tx, res, m, user, r.why, now)
		default:
			e, err = h.answer(tx, res, m, user, r)
		}
		if err != nil {
			return err
		}
		if e != nil {
			if h.allowReply(tx, m.From, now) {
				if _, _, err := outbox.Enqueue(tx, e, now); err != nil {
					return err
				}
				res.Replied = true
			} else {
				res.Limited = true
			}
		}
		return h.markDone(tx, res, now)
	})
	if err == nil && res.Replied {
		h.cfg.Kick()
	}
	if res.Limited {
		h.cfg.Log.Warn("answer not sent: the address had its answers for the hour (mail loop guard)", slog.String("to", m.From),
			slog.String("msg_id", res.MessageID))
	}
	return err
}

type doneRecord struct {
	At      time.Time `json:"at"`
	User    int64     `json:"user,omitempty"`
	Outcome string    `json:"outcome"`
	Why     string    `json:"why,omitempty"`
	Lines   int       `json:"lines,omitempty"`
	Docs    int       `json:"docs,omitempty"`
	Replied bool      `json:"replied,omitempty"`
}

func (h *Handler) markDone(tx *crm.Tx, res *Result, now time.Time) error {
	d := doneRecord{At: now, Outcome: res.Outcome, Why: res.Why, Lines: len(res.Lines), Docs: res.Documents, Replied: res.Replied}
	if res.User != nil {
		d.User = res.User.ID
	}
	v, _ := json.Marshal(d)
	return tx.State(bktDone).Put([]byte(res.MessageID), v)
}

// allowReply is the loop guard: at most MaxRepliesPerHour answers to one
// address in any hour. It counts the answer it allows.
func (h *Handler) allowReply(tx *crm.Tx, addr string, now time.Time) bool {
	addr = strings.ToLower(addr)
	bk := tx.State(bktReplies)
	var times []int64
	if v := bk.Get([]byte(addr)); v != nil {
		for i := 0; i+8 <= len(v); i += 8 {
			if t := int64(binary.BigEndian.Uint64(v[i:])); now.Unix()-t < 3600 {
				times = append(times, t)
			}
		}
	}
	if len(times) >= h.cfg.MaxRepliesPerHour {
		return false
	}
	times = append(times, now.Unix())
	v := make([]byte, 0, 8*len(times))
	for _, t := range times {
		v = binary.BigEndian.AppendUint64(v, uint64(t))
	}
	return bk.Put([]byte(addr), v) == nil
}

// explanation words why a message was not applied, at most once per sender
// and reason per ExplainEvery (nil when he was told already).
func (h *Handler) explanation(tx *crm.Tx, res *Result, m *mailtext.Message, user *crm.User, why string, now time.Time) (*outbox.Entry, error) {
	if m.From == "" {
		return nil, nil
	}
	bk := tx.State(bktExplained)
	key := []byte(strings.ToLower(m.From) + "\x00" + why)
	if v := bk.Get(key); len(v) == 8 && now.Sub(time.Unix(int64(binary.BigEndian.Uint64(v)), 0)) < h.cfg.ExplainEvery {
		return nil, nil
	}
	if err := bk.Put(key, binary.BigEndian.AppendUint64(nil, uint64(now.Unix()))); err != nil {
		return nil, err
	}
	locale := "en"
	var uid int64
	if user != nil {
		locale, uid = user.Locale, user.ID
	}
	data := mailRefusedData{Why: why, Subject: gateway.Truncate(m.Subject, 80), From: m.From, MaxMB: h.cfg.MaxMessageMB,
		DocMB: int(h.cfg.Limits.MaxAttachment >> 20)}
	subject, text, html, err := h.cfg.Templates.Email(locale, "mail_refused", data)
	if err != nil {
		return nil, fmt.Errorf("email template mail_refused: %w", err)
	}
	return h.replyEntry(m, uid, subject, text, html, "explain|"+why+"|"+res.MessageID), nil
}

type mailRefusedData struct {
	Why, Subject, From string
	MaxMB, DocMB       int
}

// replyEntry is an answer to m, threaded under it.
func (h *Handler) replyEntry(m *mailtext.Message, userID int64, subject, text, html, key string) *outbox.Entry {
	refs := append([]string(nil), m.References...)
	if m.MessageID != "" {
		refs = append(refs, m.MessageID)
	}
	if len(refs) > 20 { // keep the thread's root and the last ones
		refs = append(refs[:1], refs[len(refs)-19:]...)
	}
	hdr := map[string]string{"Auto-Submitted": "auto-replied"}
	if m.MessageID != "" {
		hdr["In-Reply-To"] = "<" + m.MessageID + ">"
	}
	if len(refs) > 0 {
		hdr["References"] = "<" + strings.Join(refs, "> <") + ">"
	}
	if s := strings.TrimSpace(m.Subject); s != "" {
		if !isReplySubject(s) {
			s = "Re: " + s
		}
		subject = gateway.Truncate(s, 200)
	}
	return &outbox.Entry{Channel: outbox.ChannelEmail, To: m.From, UserID: userID, Subject: subject, Text: text, HTML: html,
		Headers: hdr, Key: key}
}

// answer files the attachments and words the reply of an applied message.
func (h *Handler) answer(tx *crm.Tx, res *Result, m *mailtext.Message, user *crm.User, r *closing) (*outbox.Entry, error) {
	locale := user.Locale
	if cmd := r.cmds[0]; cmd != nil && cmd.Lang == "zh" {
		locale = "zh"
	}
	var notes []string
	if len(m.Attachments) > 0 || r.docLine >= 0 {
		at := r.docLine
		text, n, err := h.fileDocuments(tx, user, m, r, locale, &at)
		if err != nil {
			return nil, err
		}
		res.Documents = n
		switch {
		case text == "":
		case at >= 0 && at < len(res.Lines) && res.Lines[at].Result != "":
			res.Lines[at].Result += "\n" + text
		case at >= 0 && at < len(res.Lines):
			res.Lines[at].Result = text
		default:
			notes = append(notes, text)
		}
	}
	data := struct {
		Lines     []struct{ Command, Result string }
		Notes     []string
		Cut, Read int
	}{Notes: notes, Cut: r.cut, Read: h.cfg.MaxLines}
	for _, l := range res.Lines {
		data.Lines = append(data.Lines, struct{ Command, Result string }{l.Command, l.Result})
	}
	subject, text, html, err := h.cfg.Templates.Email(locale, "reply", data)
	if err != nil {
		return nil, fmt.Errorf("email template reply: %w", err)
	}
	return h.replyEntry(m, user.ID, subject, text, html, "reply|"+res.MessageID), nil
}
