package email

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email/mailtext"
	"github.com/fieldcrm/fieldcrm/parser"
)

// DocData is the data of the SMS template ok_doc, which answers the
// attachments of an e-mail.
type DocData struct {
	Why       string // "" filed; no_account, ambiguous, not_found, none
	Query     string // the account as written
	Account   string
	AccountID int64
	Files     []DocFile
	Skipped   []DocSkip
	MaxMB     int
}

// DocFile is a document filed.
type DocFile struct {
	Name string
	ID   int64
}

// DocSkip is an attachment too big to file.
type DocSkip struct {
	Name string
	MB   int
}

// accountVerbs are the commands whose target is an account when it is named
// (VISIT acme …); idVerbs those where a bare #id is an account too.
var (
	accountVerbs = map[parser.Verb]bool{parser.VerbDoc: true, parser.VerbVisit: true, parser.VerbCall: true, parser.VerbMeeting: true,
		parser.VerbPlan: true, parser.VerbNote: true, parser.VerbAcct: true, parser.VerbAccount: true, parser.VerbContact: true,
		parser.VerbEquipment: true, parser.VerbOpp: true}
	idVerbs = map[parser.Verb]bool{parser.VerbDoc: true, parser.VerbNote: true, parser.VerbAcct: true, parser.VerbAccount: true}
)

// fileDocuments files the attachments of m under the account the DOC line
// names (or else the first command that names an account). *at is the line
// the answer belongs to (-1: none, the caller adds it as a note). It returns
// the answer and the number of documents filed.
func (h *Handler) fileDocuments(tx *crm.Tx, user *crm.User, m *mailtext.Message, r *closing, locale string, at *int) (string, int, error) {
	var cmd *parser.Command
	if *at >= 0 {
		cmd = r.cmds[*at]
	} else {
		for i, c := range r.cmds {
			if c != nil && c.Target != nil && accountVerbs[c.Verb] && (c.Target.Name != "" || c.Target.ID > 0 && c.Target.Kind == "" && idVerbs[c.Verb]) {
				cmd, *at = c, i
				break
			}
		}
	}
	explicit := cmd != nil && cmd.Verb == parser.VerbDoc
	var files []mailtext.Attachment
	for _, a := range m.Attachments {
		if !a.Inline || explicit { // inline images are signatures and logos unless DOC asks for them
			files = append(files, a)
		}
	}
	d := DocData{MaxMB: int(h.cfg.Limits.MaxAttachment >> 20)}
	if cmd != nil && cmd.Target != nil {
		d.Query = cmd.Target.Name
		if d.Query == "" {
			d.Query = "#" + strconv.FormatInt(cmd.Target.ID, 10)
		}
	}
	switch {
	case len(files) == 0 && !explicit:
		return "", 0, nil // only inline images: nothing to say
	case len(files) == 0:
		d.Why = "none"
	case cmd == nil || cmd.Target == nil:
		d.Why = "no_account"
	default:
		acct, why, err := h.account(tx, cmd.Target)
		if err != nil {
			return "", 0, err
		}
		if why != "" {
			d.Why = why
			break
		}
		d.Account, d.AccountID = acct.Name, acct.ID
		title := ""
		if explicit {
			title = cmd.Notes
		}
		for i, a := range files {
			name := strings.TrimSpace(a.Name)
			if name == "" {
				name = "attachment-" + strconv.Itoa(i+1)
			}
			if a.TooBig || a.Size > h.cfg.Limits.MaxAttachment || int64(len(a.Data)) > crm.MaxDocumentSize {
				d.Skipped = append(d.Skipped, DocSkip{Name: name, MB: int((a.Size + 1<<20 - 1) >> 20)})
				continue
			}
			doc := &crm.Document{Account: acct.ID, Name: name, ContentType: a.ContentType, Note: title}
			if err := tx.AttachDocument(doc, a.Data); err != nil {
				if crm.ErrorCode(err) == crm.EINTERNAL {
					return "", 0, err
				}
				msg, _ := gateway.RefusalWords(h.cfg.Templates, err, locale)
				return h.render(locale, "err", crm.ErrData{Message: msg, Hint: "HELP DOC"}), len(d.Files), nil
			}
			d.Files = append(d.Files, DocFile{Name: name, ID: doc.ID})
		}
	}
	return h.render(locale, "ok_doc", d), len(d.Files), nil
}

// account finds the account a command names, as the sender may see it.
func (h *Handler) account(tx *crm.Tx, ref *parser.Ref) (*crm.Account, string, error) {
	if ref.ID > 0 && ref.Name == "" {
		a, err := tx.Account(ref.ID)
		if err != nil {
			if crm.ErrorCode(err) == crm.EINTERNAL {
				return nil, "", err
			}
			return nil, "not_found", nil
		}
		return a, "", nil
	}
	cands, err := tx.Lookup(crm.KindAccount, ref.Name, 3)
	if err != nil {
		return nil, "", err
	}
	if len(cands) == 0 {
		return nil, "not_found", nil
	}
	if crm.Ambiguous(cands) {
		return nil, "ambiguous", nil
	}
	a, err := tx.Account(cands[0].ID)
	if err != nil {
		return nil, "not_found", nil
	}
	return a, "", nil
}

func (h *Handler) render(locale, name string, data any) string {
	text, err := h.cfg.Templates.SMS(locale, name, data)
	if err != nil {
		h.cfg.Log.Error("template", slog.String("name", name), slog.Any("error", err))
		return ""
	}
	return text
}

// maxRawKept is how much of an unreadable message is kept.
const maxRawKept = 4 << 20

// unreadable keeps a message that could not be parsed, logs it, and tells a
// registered sender once a day; it is then done.
func (h *Handler) unreadable(ctx context.Context, raw []byte, rerr error) (*Result, error) {
	return h.keepRaw(ctx, raw, nil, OutcomeUnreadable, rerr)
}

// GiveUp ends a message that keeps failing inside fieldcrm (the mailbox
// watcher offered it again and again and Handle returned an error each
// time): like an unreadable one it is kept raw, marked done and its sender
// told once a day, so it is neither lost nor retried forever. Lines applied
// before stay applied (their claims hold).
func (h *Handler) GiveUp(ctx context.Context, raw []byte, cause error) (*Result, error) {
	m, err := mailtext.Read(raw, h.cfg.Limits)
	if err != nil {
		m = nil
	}
	return h.keepRaw(ctx, raw, m, OutcomeFailed, cause)
}

// keepRaw keeps raw in mail/raw (its first maxRawKept bytes), marks it done
// and tells a registered sender why (outcome). m is the message as read, nil
// when it could not be: then its id is the hash of its bytes.
func (h *Handler) keepRaw(ctx context.Context, raw []byte, m *mailtext.Message, outcome string, cause error) (*Result, error) {
	sum := sha256.Sum256(raw)
	from := mailtext.FromAddress(raw)
	res := &Result{MessageID: "sha256:" + hex.EncodeToString(sum[:16]), From: from, Outcome: outcome}
	if m != nil && m.MessageID != "" {
		res.MessageID, res.From, from = m.MessageID, m.From, m.From
	}
	user, done, err := h.lookup(from, res.MessageID)
	if err != nil {
		return nil, err
	}
	if done {
		res.Outcome = OutcomeDup
		return res, nil
	}
	res.User = user
	what := "e-mail could not be read: kept raw"
	if outcome == OutcomeFailed {
		what = "e-mail kept failing: given up, kept raw"
	}
	h.cfg.Log.Warn(what, slog.String("msg_id", res.MessageID), slog.String("from", from),
		slog.Int("bytes", len(raw)), slog.Any("error", cause))
	keep := raw
	if len(keep) > maxRawKept {
		keep = keep[:maxRawKept]
	}
	if err := h.cfg.Store.Engine().Update(ctx, func(tx crm.ETx) error {
		b := tx.State(bktRaw)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return b.Put(binary.BigEndian.AppendUint64(nil, seq), keep)
	}); err != nil {
		return nil, err
	}
	if m == nil {
		m = &mailtext.Message{MessageID: "", From: from}
	}
	var r *closing
	if user != nil && !user.Disabled {
		r = &closing{why: outcome}
	}
	return res, h.finish(ctx, res, m, user, r)
}
