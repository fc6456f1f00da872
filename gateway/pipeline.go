// Package gateway holds what every channel shares: the message pipeline
// (sender → claim → parse → apply → word → reply and notices, in one
// transaction) and the common message type. Channel packages (twilio, email)
// decode their provider's format into an Inbound and send what the outbox holds.
package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/parser"
	"github.com/fieldcrm/fieldcrm/templates"
)

// Channels.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
	// ChannelWeb is the web console: the sender is signed in (Inbound.UserID)
	// and reads the whole answer on a page (no paging, no day's reminder).
	ChannelWeb = "web"
	ChannelCLI = "cli"
)

// State spaces (crm.ETx.State; on bbolt, buckets of these names).
const (
	spClaims = "gw/claims" // channel 0 message id → claim: the message was applied and this was answered
	spPages  = "gw/pages"  // user id → the rest of a long answer, for MORE
)

// Inbound is one received message, whatever the channel.
type Inbound struct {
	Channel  string
	ID       string // the provider's message id (MessageSid, Message-ID); "" when there is none
	From     string // phone number or email address
	Body     string
	Received time.Time
	// UserID is the sender when the channel signed him in itself (the web
	// console); From is then only for the record.
	UserID int64
}

// Result is what the pipeline decided for one message.
type Result struct {
	Reply    string // the answer to send back ("" to send nothing)
	Segments int    // SMS segments of Reply
	User     *crm.User
	Dup      bool   // the message was handled before: Reply is the first answer again
	Verb     string // the command's verb ("" when not parsed)
	Code     string // "" when carried out, else the error code (parse errors: "parse")
	Queued   bool   // the reply went to the outbox (answered later)
	Notices  int    // notices enqueued for other people
	Elapsed  time.Duration
	// ParseVerb is, for a parse error, the verb recognised ("" when none).
	ParseVerb string
}

// claim is what is stored per handled message.
type claim struct {
	Reply    string    `json:"reply"`
	Segments int       `json:"segments"`
	User     int64     `json:"user"`
	Verb     string    `json:"verb,omitempty"`
	Code     string    `json:"code,omitempty"`
	At       time.Time `json:"at"`
	Queued   bool      `json:"queued,omitempty"`
}

type pages struct {
	Rest   []string  `json:"rest"`
	Locale string    `json:"locale"`
	At     time.Time `json:"at"`
}

// Config configures a Pipeline.
type Config struct {
	Store     *crm.Store
	Templates *templates.Set
	Log       *slog.Logger
	Now       func() time.Time
	// Kick wakes the outbox worker after notices were queued (may be nil).
	Kick func()
	// Email: the email channel is on, so notices that want email get one.
	Email bool
	// MaxSegments bounds one SMS reply; longer answers are paged with MORE [2].
	MaxSegments int
	// UnknownEvery is how often an unknown sender is told he is not
	// registered [24h]; UnknownPerHour caps those answers in all [30].
	// SMSCountries are the calling codes ("+86") of the numbers an unknown
	// sender is answered at [+86; "*" answers every number] (unknown.go).
	UnknownEvery   time.Duration
	UnknownPerHour int
	SMSCountries   []string
	// SMSFrom is the sender the outbox uses for SMS replies sent later ("" = its default).
	SMSFrom string
	// DomesticSMS reports whether a number is served by a domestic Chinese
	// provider: its TD, R or 退订 alone opts out as STOP (optout.go).
	DomesticSMS func(number string) bool
	// OnHandled, when set, is told the outcome of every Handle (metrics).
	OnHandled func(in Inbound, res *Result, err error)
}

// Pipeline turns inbound messages into CRM changes and answers.
type Pipeline struct {
	cfg Config
}

// New makes a pipeline (its state spaces are made at their first write).
func New(cfg Config) (*Pipeline, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Store.Now
	}
	if cfg.MaxSegments <= 0 {
		cfg.MaxSegments = 2
	}
	if cfg.UnknownEvery <= 0 {
		cfg.UnknownEvery = 24 * time.Hour
	}
	if cfg.UnknownPerHour <= 0 {
		cfg.UnknownPerHour = 30
	}
	switch {
	case len(cfg.SMSCountries) == 0:
		cfg.SMSCountries = []string{CallingCodes["CN"]}
	case len(cfg.SMSCountries) == 1 && cfg.SMSCountries[0] == "*":
		cfg.SMSCountries = nil
	}
	if cfg.Kick == nil {
		cfg.Kick = func() {}
	}
	if err := outbox.Init(cfg.Store.DB()); err != nil {
		return nil, err
	}
	return &Pipeline{cfg: cfg}, nil
}

// Options change how one message is handled.
type Options struct {
	// Async, when set (even during the call), makes the reply go through the
	// outbox instead of back to the caller: the webhook stopped waiting.
	Async *atomic.Bool
}

func claimKey(channel, id string) []byte { return []byte(channel + "\x00" + id) }

// Handle carries out one inbound message. An error means nothing was applied
// and the message should be delivered again (the caller answers 5xx).
func (p *Pipeline) Handle(ctx context.Context, in Inbound, opt Options) (*Result, error) {
	start := time.Now()
	in.Body = StripBidi(in.Body) // before parsing and storing, whatever the channel
	res, err := p.handle(ctx, in, opt)
	if res != nil {
		res.Elapsed = time.Since(start)
	}
	if p.cfg.OnHandled != nil {
		p.cfg.OnHandled(in, res, err)
	}
	return res, err
}

func (p *Pipeline) handle(ctx context.Context, in Inbound, opt Options) (*Result, error) {
	log := p.cfg.Log.With(slog.String("channel", in.Channel), slog.String("msg_id", in.ID))
	user, c, err := p.sender(in)
	if err != nil {
		return nil, err
	}
	if user == nil || user.Disabled {
		return p.notRegistered(in, log), nil
	}
	log = log.With(slog.Int64("user_id", user.ID))
	if c != nil {
		log.Info("duplicate delivery", slog.String("verb", c.Verb))
		return &Result{Reply: c.Reply, Segments: c.Segments, User: user, Dup: true, Verb: c.Verb, Code: c.Code, Queued: c.Queued}, nil
	}
	now := p.cfg.Now()
	if !in.Received.IsZero() {
		now = in.Received
	}
	loc := user.Location(p.cfg.Store.Location())
	lex, err := p.cfg.Store.Lexicon(user) // the names he may mean
	if err != nil {
		log.Warn("no lexicon", slog.Any("error", err))
	}
	body := in.Body
	if b := p.optOutBody(in); b != "" {
		log.Info("domestic unsubscribe keyword: read as STOP", slog.String("body", in.Body))
		body = b
	}
	cmd, perr := parser.Parse(body, parser.Context{Now: now, Loc: loc, Lexicon: lex})
	meta := crm.Meta{Actor: user, Channel: in.Channel, MessageID: in.ID, Summary: Truncate(in.Body, 500)}
	if perr == nil && in.Channel != ChannelWeb { // the web's answers are whole, never paged
		if res, ok, err := p.fastQuery(ctx, in, user, cmd, loc, now, meta, opt); ok {
			if err != nil {
				log.Error("message not applied", slog.Any("error", err))
				return nil, err
			}
			if res.Queued {
				p.cfg.Kick()
			}
			log.Info("message handled", slog.String("verb", res.Verb), slog.Int("segments", res.Segments), slog.Bool("read_only", true))
			return res, nil
		}
		p.preResolve(user, cmd)
	}

	var res *Result
	run := func(apply bool) (*crm.ChangeSet, error) {
		return p.cfg.Store.Update(ctx, meta, func(tx *crm.Tx) error {
			res = &Result{User: user}
			if c := storedClaim(tx, in); c != nil { // checked and written in this one transaction
				*res = c.result(user)
				return nil
			}
			locale := user.Locale
			if cmd != nil && cmd.Lang == "zh" {
				locale = "zh"
			}
			var text string
			switch {
			case perr != nil:
				res.Code = "parse"
				var pe *parser.Error
				if !errors.As(perr, &pe) {
					pe = &parser.Error{Msg: perr.Error(), Hint: "HELP"}
				}
				res.ParseVerb = string(pe.Verb)
				text = p.wordParseError(pe, locale)
			case !apply:
				// the command was refused: set by the caller below
			case cmd.Verb == parser.VerbMore:
				res.Verb = string(cmd.Verb)
				t, err := p.nextPage(tx, user, locale)
				if err != nil {
					return err
				}
				text = t
			default:
				res.Verb = string(cmd.Verb)
				out, err := tx.Apply(cmd, loc)
				if err != nil {
					return err
				}
				if in.Channel == ChannelWeb { // a page shows the whole answer
					out.Paged, out.DayReminder = false, nil
				}
				t, err := p.word(tx, user, locale, out)
				if err != nil {
					return err
				}
				text = t
				n, err := p.enqueueNotices(tx, out.Notices, now)
				if err != nil {
					return err
				}
				res.Notices = n
			}
			if !apply && perr == nil {
				text = refusedText
			}
			me, _ := tx.Recipient(user.ID)
			stopNow := cmd != nil && cmd.Verb == parser.VerbStop && !user.OptedOut // confirmed once
			if me != nil && me.OptedOut && in.Channel == ChannelSMS && (cmd == nil || cmd.Verb != parser.VerbStart) && !stopNow {
				text = "" // nothing goes to an opted-out number but the START (and first STOP) confirmation
			}
			return p.finish(tx, in, user, res, text, now, opt)
		})
	}
	cs, err := run(true)
	var refusal error
	if err != nil && isRefusal(err) {
		refusal = err
		_, err = p.cfg.Store.Update(ctx, meta, func(tx *crm.Tx) error {
			res = &Result{User: user, Verb: string(cmd.Verb), Code: crm.ErrorCode(refusal)}
			if c := storedClaim(tx, in); c != nil { // a concurrent delivery got there first: its answer
				*res = c.result(user)
				return nil
			}
			locale := user.Locale
			if cmd.Lang == "zh" {
				locale = "zh"
			}
			return p.finish(tx, in, user, res, p.wordError(refusal, locale, log), now, opt)
		})
	}
	if err != nil {
		log.Error("message not applied", slog.Any("error", err))
		return nil, err
	}
	if res.Notices > 0 || res.Queued {
		p.cfg.Kick()
	}
	attrs := []any{slog.String("verb", res.Verb), slog.Int("segments", res.Segments), slog.Int("notices", res.Notices)}
	if cs != nil {
		attrs = append(attrs, slog.Int64("change_set", cs.ID))
	}
	if refusal != nil {
		attrs = append(attrs, slog.String("code", res.Code), slog.String("refusal", crm.ErrorMessage(refusal)))
	}
	log.Info("message handled", attrs...)
	return res, nil
}

const refusedText = "Not done."

// isRefusal tells a rule's refusal (answered, nothing applied) from a fault
// (not answered: the message must come again).
func isRefusal(err error) bool {
	var ce *crm.Error
	if errors.As(err, &ce) {
		return ce.Code != crm.EINTERNAL
	}
	return false
}

// finish stores the claim with the reply and, when the caller stopped
// waiting, queues the reply in the outbox.
func (p *Pipeline) finish(tx *crm.Tx, in Inbound, user *crm.User, res *Result, text string, now time.Time, opt Options) error {
	if text != "" {
		text = templates.Fit(text, templates.HasCJK(text))
		res.Segments, _ = templates.Segments(text)
	}
	res.Reply = text
	if text != "" && opt.Async != nil && opt.Async.Load() && len(user.Phones) > 0 && in.Channel == ChannelSMS {
		_, _, err := outbox.Enqueue(tx.Bolt(), &outbox.Entry{Channel: outbox.ChannelSMS, To: in.From, From: p.cfg.SMSFrom,
			UserID: user.ID, Body: text, Key: "reply|" + in.ID, Segments: res.Segments}, now)
		if err != nil {
			return err
		}
		res.Queued = true
	}
	// what was not carried out is kept for the administrator (fieldcrm unresolved)
	if err := tx.NoteHandled(crm.Handled{Channel: in.Channel, From: in.From, MessageID: in.ID, At: now,
		Text: Truncate(in.Body, 2000), Reply: text, Verb: res.Verb + res.ParseVerb, Code: res.Code}); err != nil {
		return err
	}
	if in.ID == "" {
		return nil
	}
	data, _ := json.Marshal(claim{Reply: text, Segments: res.Segments, User: user.ID, Verb: res.Verb, Code: res.Code, At: now, Queued: res.Queued})
	return tx.State(spClaims).Put(claimKey(in.Channel, in.ID), data)
}

// storedClaim reads, in the request's transaction, the claim of an earlier
// delivery of in (nil for a new message or one without an id). Checked at
// the start of the transaction that writes the claim (finish): two
// deliveries at once are serialised by the engine (bbolt's single writer; a
// conflict on PostgreSQL, retried), so the second finds the first's claim.
func storedClaim(tx *crm.Tx, in Inbound) *claim {
	if in.ID == "" {
		return nil
	}
	v := tx.State(spClaims).Get(claimKey(in.Channel, in.ID))
	if v == nil {
		return nil
	}
	c := &claim{}
	json.Unmarshal(v, c)
	return c
}

// result is the answer to a delivery of a message already handled: the
// stored one.
func (c *claim) result(user *crm.User) Result {
	return Result{Reply: c.Reply, Segments: c.Segments, User: user, Dup: true, Verb: c.Verb, Code: c.Code, Queued: c.Queued}
}

// QueueReply puts an already decided reply in the outbox (idempotent by the
// message id): for a webhook that stopped waiting after Handle had decided.
func (p *Pipeline) QueueReply(in Inbound, res *Result) error {
	if res.Reply == "" || res.Queued || res.User == nil {
		return nil
	}
	// through the writer, so that it is group-committed with the rest
	_, err := p.cfg.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: in.Channel, MessageID: in.ID},
		func(tx *crm.Tx) error {
			_, _, err := outbox.Enqueue(tx.Bolt(), &outbox.Entry{Channel: outbox.ChannelSMS, To: in.From, From: p.cfg.SMSFrom,
				UserID: res.User.ID, Body: res.Reply, Key: "reply|" + in.ID, Segments: res.Segments}, p.cfg.Now())
			return err
		})
	if err == nil {
		p.cfg.Kick()
	}
	return err
}

// sender finds the registered user a message comes from and, in the same
// read transaction, the claim of an earlier delivery of it (nil for a new one).
func (p *Pipeline) sender(in Inbound) (*crm.User, *claim, error) {
	var u *crm.User
	var c *claim
	err := p.cfg.Store.View(crm.System, func(tx *crm.Tx) error {
		var err error
		if in.UserID != 0 {
			u, err = tx.User(in.UserID)
		} else if in.Channel == ChannelWeb {
			return nil // the web signs its users in: nobody else writes through it
		} else if in.Channel == ChannelEmail {
			u, err = tx.UserByEmail(in.From)
		} else {
			u, err = tx.UserByPhone(in.From)
		}
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return nil
		} else if err != nil || in.ID == "" {
			return err
		}
		c = storedClaim(tx, in)
		return nil
	})
	return u, c, err
}

// StoredClaim is what is kept of a handled message: its answer, the
// answer's SMS segments, the sender, the verb and the outcome code.
type StoredClaim claim

// Claim reads what was stored for message id on channel (nil, nil when the
// message was never applied).
func Claim(eng crm.Engine, channel, id string) (*StoredClaim, error) {
	var c *StoredClaim
	err := eng.View(context.Background(), func(tx crm.ETx) error {
		if v := tx.State(spClaims).Get(claimKey(channel, id)); v != nil {
			c = &StoredClaim{}
			return json.Unmarshal(v, c)
		}
		return nil
	})
	return c, err
}

// word renders an outcome in the reader's language, pages a long answer
// (keeping the rest for MORE) and puts the day's reminder in front.
func (p *Pipeline) word(tx *crm.Tx, user *crm.User, locale string, out *crm.Outcome) (string, error) {
	text, rest, err := p.render(locale, out)
	if err != nil {
		return "", fmt.Errorf("template %s: %w", out.Template, err)
	}
	if out.Paged {
		if err := p.savePages(tx, user, locale, rest); err != nil {
			return "", err
		}
	}
	if r := out.Read; r != nil { // how a misspelt verb was read; what was kept as a note
		if r.Typed != "" {
			if s, err := p.cfg.Templates.SMS(locale, "read_as", r); err == nil && s != "" {
				text = s + " " + text
			}
		}
		if r.Kept != "" {
			if s, err := p.cfg.Templates.SMS(locale, "kept_note", r); err == nil && s != "" {
				t := strings.TrimRight(text, " \n")
				switch {
				case strings.HasSuffix(t, ".") || strings.HasSuffix(t, "。") || strings.HasSuffix(t, "!"):
					text = t + " " + s
				case locale == "zh":
					text = t + "。" + s
				default:
					text = t + ". " + s
				}
			}
		}
	}
	if out.DayReminder != nil {
		if r, err := p.cfg.Templates.SMS(locale, "day_reminder", out.DayReminder); err == nil && r != "" {
			text = r + "\n" + text
		}
	}
	return text, nil
}

func (p *Pipeline) nextPage(tx *crm.Tx, user *crm.User, locale string) (string, error) {
	b := tx.State(spPages)
	var pg pages
	if v := b.Get(u64key(user.ID)); v != nil {
		json.Unmarshal(v, &pg)
	}
	if len(pg.Rest) == 0 || tx.Now().Sub(pg.At) > time.Hour {
		return p.cfg.Templates.SMS(locale, "nothing_more", struct{}{})
	}
	text := pg.Rest[0]
	pg.Rest = pg.Rest[1:]
	data, _ := json.Marshal(pg)
	if err := b.Put(u64key(user.ID), data); err != nil {
		return "", err
	}
	return text, nil
}

// enqueueNotices words each notice in its recipient's language and queues it
// in the same transaction as the change that caused it.
func (p *Pipeline) enqueueNotices(tx *crm.Tx, ns []crm.Notice, now time.Time) (int, error) {
	count := 0
	for _, n := range ns {
		u, err := tx.Recipient(n.To)
		if err != nil || u.Disabled {
			continue
		}
		if n.SMS && !u.OptedOut && len(u.Phones) > 0 {
			body, err := p.cfg.Templates.SMS(u.Locale, n.Template, n.Data)
			if err != nil {
				return count, fmt.Errorf("template %s: %w", n.Template, err)
			}
			body = templates.Fit(body, templates.HasCJK(body))
			segs, _ := templates.Segments(body)
			_, dup, err := outbox.Enqueue(tx.Bolt(), &outbox.Entry{Channel: outbox.ChannelSMS, To: u.Phones[0], UserID: u.ID,
				Body: body, Key: n.Key, Segments: segs}, now)
			if err != nil {
				return count, err
			}
			if !dup {
				count++
			}
		}
		if n.Email && p.cfg.Email && u.Email != "" {
			subject, text, html, err := p.cfg.Templates.Email(u.Locale, "notice", noticeEmail(p.cfg.Templates, u.Locale, n))
			if err != nil {
				return count, fmt.Errorf("email template notice: %w", err)
			}
			_, dup, err := outbox.Enqueue(tx.Bolt(), &outbox.Entry{Channel: outbox.ChannelEmail, To: u.Email, UserID: u.ID,
				Subject: subject, Text: text, HTML: html, Key: n.Key}, now)
			if err != nil {
				return count, err
			}
			if !dup {
				count++
			}
		}
	}
	return count, nil
}

// noticeEmail is the data of the generic notice email: the SMS wording as its line.
func noticeEmail(t *templates.Set, locale string, n crm.Notice) any {
	line, _ := t.SMS(locale, n.Template, n.Data)
	subject := firstSentence(line)
	d := struct {
		Subject string
		Lines   []string
		Items   []struct{ Token, Text string }
	}{Subject: Truncate(subject, 120)}
	if n.Item != "" { // the line is the item, named by the token a reply acts on
		d.Items = []struct{ Token, Text string }{{n.Item, line}}
	} else {
		d.Lines = []string{line}
	}
	return d
}

func (p *Pipeline) wordParseError(e *parser.Error, locale string) string {
	var text string
	var err error
	if locale == "zh" {
		// the parser's messages are English: a Chinese reader gets the part
		// he wrote and the Chinese form of the command from the verb table
		if e.Suggest != "" {
			text, err = p.cfg.Templates.SMS(locale, "err_did_you_mean", crm.DidYouMeanData{Word: e.Part, Suggest: e.Suggest, Hint: parser.Help(e.Suggest, "zh")})
		} else {
			what := strings.TrimSpace(e.Part)
			if what == "" {
				what = "这条消息"
			}
			text, err = p.cfg.Templates.SMS(locale, "err", crm.ErrData{Message: what, Hint: parser.Help(string(e.Verb), "zh")})
		}
		if err == nil {
			return text
		}
	}
	if e.Suggest != "" {
		text, err = p.cfg.Templates.SMS(locale, "err_did_you_mean", crm.DidYouMeanData{Word: e.Part, Suggest: e.Suggest, Hint: e.Hint})
	} else {
		text, err = p.cfg.Templates.SMS(locale, "err", crm.ErrData{Message: e.Msg, Hint: e.Hint})
	}
	if err != nil {
		return e.Error()
	}
	return text
}

func (p *Pipeline) wordError(err error, locale string, log *slog.Logger) string {
	msg, hint := RefusalWords(p.cfg.Templates, err, locale)
	var text string
	var terr error
	switch crm.ErrorCode(err) {
	case crm.EFORBIDDEN:
		text, terr = p.cfg.Templates.SMS(locale, "err_forbidden", crm.ErrData{Message: msg, Hint: hint})
	case crm.ENOTFOUND:
		text, terr = p.cfg.Templates.SMS(locale, "err_not_found", struct{ What, Hint string }{msg, hint})
	case crm.ECONFLICT:
		// understood, but the stored state does not allow it
		text, terr = p.cfg.Templates.SMS(locale, "err_conflict", crm.ErrData{Message: msg, Hint: hint})
	case crm.EINTERNAL:
		log.Error("internal error", slog.Any("error", err))
		text, terr = p.cfg.Templates.SMS(locale, "err_internal", struct{}{})
	default:
		text, terr = p.cfg.Templates.SMS(locale, "err", crm.ErrData{Message: msg, Hint: hint})
	}
	if terr != nil {
		return crm.ErrorMessage(err)
	}
	return text
}

// RefusalWords gives crm's refusal err in locale: its message and its hint.
// crm words refusals in English; the templates have them in the reader's
// language (the English message stays where they have no form for it).
func RefusalWords(t *templates.Set, err error, locale string) (msg, hint string) {
	var ce *crm.Error
	if !errors.As(err, &ce) {
		return crm.ErrorMessage(err), ""
	}
	msg, hint = ce.Message, t.Hint(locale, ce.Hint)
	if m, ok := t.Refusal(locale, ce.Format, ce.Args); ok {
		msg = m
	}
	return msg, hint
}

// Truncate cuts s to at most n bytes at a UTF-8 boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for i := n; i > 0; i-- {
		if (s[i] & 0xC0) != 0x80 {
			return s[:i]
		}
	}
	return ""
}

func u64key(id int64) []byte {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = byte(id)
		id >>= 8
	}
	return b
}

// firstSentence is s up to the end of its first sentence: a "。", or a "."
// that ends the text or is followed by a space — not the dot of 1.49m.
func firstSentence(s string) string {
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "。"):
			return s[:i]
		case s[i] == '.' && i > 0 && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\n'):
			return s[:i]
		}
	}
	return s
}
