package pgcopy

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// Options configure Copy.
type Options struct {
	// Replace empties a target that holds data first, in the copy's
	// transaction; without it such a target is refused (ErrNotEmpty).
	Replace bool
	// Now is the time given to what bbolt keeps without one (the raw
	// e-mails kept for the administrator).
	Now time.Time
	// Progress, when set, is told of each table once it is written.
	Progress func(table string, rows int64, took time.Duration)
}

// TableCount is how many rows Copy wrote to a table.
type TableCount struct {
	Table string
	Rows  int64
}

// Summary is what Copy did.
type Summary struct {
	Tables  []TableCount // in the order written
	Records int64        // rows of the record tables
	Took    time.Duration
	// Unknown are buckets of the file that no fieldcrm code names (not copied).
	Unknown []string
	// Replaced names the tables that held data and were emptied (Replace).
	Replaced []string
}

// Rows returns the rows written to table.
func (s *Summary) Rows(table string) int64 {
	for _, t := range s.Tables {
		if t.Table == table {
			return t.Rows
		}
	}
	return 0
}

// NotCopied are the buckets of a bbolt database that have no table of their
// own, and why nothing is lost.
var NotCopied = []struct{ Bucket, Why string }{
	{"meta", "bbolt's layout version: PostgreSQL keeps its own (schema_migrations)"},
	{"idx_* (owner, due, open_owner, assigned, stage, account, eq_serial, eq_ident, pending, lead_status, user_email)",
		"indexes of the records: on PostgreSQL the typed columns and their indexes, filled from each record"},
	{"outbox/state, outbox/keys", "indexes of the outbox entries: columns (state, next_at, key) of outbox_entries"},
	{"rec_last, user_cs", "indexes of schema 3 and before, dropped when the file is opened"},
	{"web/sessions, web/logins, web/limits", "the web console's sign-ins (codes live 10 minutes, sessions at most 60 days) " +
		"have no table yet: after the move everyone signs in to the console again"},
}

// ErrNotEmpty is returned when the target already holds data.
var ErrNotEmpty = errors.New("the PostgreSQL database already holds data")

// dataTables are the schema's tables that Copy fills or --replace empties
// (everything but the schema's bookkeeping and id_counters, which is reset).
var dataTables = []string{
	"users", "user_phones", "accounts", "contacts", "leads", "opps", "activities", "equipment", "competitors",
	"campaigns", "documents", "document_data", "requests", "name_tokens", "changesets", "record_history",
	"conversations", "unresolved", "message_claims", "pages", "unknown_senders", "unknown_hours",
	"outbox_entries", "outbox_provider", "outbox_recipient_sends", "outbox_recipients", "sender_slots",
	"job_runs", "sched_digest", "sched_escalated", "sched_reminded", "leases",
	"mail_done", "mail_explained", "mail_replies", "mail_raw", "mail_meta", "imap_state",
}

// knownBuckets are the buckets fieldcrm writes: a bucket of the file not
// among them (nor rec/<kind>) is reported as unknown.
var knownBuckets = map[string]bool{
	"meta": true, "changesets": true, "rec_hist": true, "idx_user_phone": true, "idx_user_email": true,
	"idx_name": true, "idx_owner": true, "idx_due": true, "idx_stage": true, "idx_account": true,
	"idx_eq_serial": true, "idx_eq_ident": true, "idx_pending": true, "doc_data": true, "idx_lead_status": true,
	"conv": true, "idx_open_owner": true, "idx_assigned": true, "rec_last": true, "user_cs": true,
	"unresolved": true, "unresolved_open": true, "gw/claims": true, "gw/pages": true, "gw/unknown": true,
	"outbox/entries": true, "outbox/state": true, "outbox/keys": true, "outbox/provider": true, "outbox/early": true,
	"outbox/recipients": true, "outbox/blocked": true,
	"sched/runs": true, "sched/digest": true, "sched/escalated": true, "sched/reminded": true,
	"web/sessions": true, "web/logins": true, "web/limits": true,
	"mail/done": true, "mail/explained": true, "mail/replies": true, "mail/raw": true, "mail/meta": true, "mail/imap": true,
}

// Copy applies pgstore's migrations to dst and copies src into it in one
// transaction: a copy that fails leaves dst as it was.
func Copy(ctx context.Context, src *bolt.DB, dst pgstore.Beginner, o Options) (*Summary, error) {
	start := time.Now()
	if _, err := pgstore.Migrate(ctx, dst); err != nil {
		return nil, err
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	sum := &Summary{}
	err := src.View(func(btx *bolt.Tx) error {
		tx, err := dst.BeginTx(ctx, pgx.TxOptions{})
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		full, err := nonEmpty(ctx, tx)
		if err != nil {
			return err
		}
		if len(full) > 0 {
			if !o.Replace {
				return fmt.Errorf("%w (%s)", ErrNotEmpty, strings.Join(full, ", "))
			}
			if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(dataTables, ", ")); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE id_counters SET last = 0"); err != nil {
				return err
			}
			sum.Replaced = full
		}
		c := &copier{ctx: ctx, tx: tx, btx: btx, o: o, sum: sum}
		if err := c.all(); err != nil {
			return err
		}
		sum.Unknown = unknownBuckets(btx)
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	sum.Took = time.Since(start)
	return sum, nil
}

// nonEmpty names the tables of dst that hold rows (and id_counters when a
// counter moved).
func nonEmpty(ctx context.Context, tx pgx.Tx) ([]string, error) {
	parts := make([]string, 0, len(dataTables)+1)
	for _, t := range dataTables {
		parts = append(parts, fmt.Sprintf("SELECT '%s' FROM (SELECT 1 FROM %s LIMIT 1) x", t, t))
	}
	parts = append(parts, "SELECT 'id_counters' WHERE EXISTS (SELECT 1 FROM id_counters WHERE last > 0)")
	rows, err := tx.Query(ctx, strings.Join(parts, " UNION ALL "))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func unknownBuckets(btx *bolt.Tx) []string {
	var out []string
	btx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		n := string(name)
		if !knownBuckets[n] && !strings.HasPrefix(n, "rec/") {
			out = append(out, n)
		}
		if k, ok := strings.CutPrefix(n, "rec/"); ok {
			if _, known := pgstore.Tables[k]; !known {
				out = append(out, n)
			}
		}
		return nil
	})
	return out
}

type copier struct {
	ctx context.Context
	tx  pgx.Tx
	btx *bolt.Tx
	o   Options
	sum *Summary
}

// put writes rows to table with COPY.
func (c *copier) put(table string, cols []string, rows [][]any) error {
	t0 := time.Now()
	n, err := c.tx.CopyFrom(c.ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	c.sum.Tables = append(c.sum.Tables, TableCount{table, n})
	if c.o.Progress != nil {
		c.o.Progress(table, n, time.Since(t0))
	}
	return nil
}

// stream writes one row per key of bucket with COPY, read from a cursor as
// COPY asks for them (a large kind is never all in memory); fn returns a
// row, or nil to skip the key.
func (c *copier) stream(table string, cols []string, bucket string, fn func(k, v []byte) ([]any, error)) error {
	t0 := time.Now()
	var cur *bolt.Cursor
	if b := c.btx.Bucket([]byte(bucket)); b != nil {
		cur = b.Cursor()
	}
	started := false
	next := func() ([]any, error) {
		for cur != nil {
			var k, v []byte
			if !started {
				k, v = cur.First()
				started = true
			} else {
				k, v = cur.Next()
			}
			if k == nil {
				return nil, nil
			}
			row, err := fn(k, v)
			if err != nil {
				return nil, fmt.Errorf("bucket %s, key %q: %w", bucket, k, err)
			}
			if row != nil {
				return row, nil
			}
		}
		return nil, nil
	}
	n, err := c.tx.CopyFrom(c.ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(next))
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	c.sum.Tables = append(c.sum.Tables, TableCount{table, n})
	if c.o.Progress != nil {
		c.o.Progress(table, n, time.Since(t0))
	}
	return nil
}

// each runs fn on every key of bucket name (none when the file has no such
// bucket: a gateway that never ran).
func (c *copier) each(name string, fn func(k, v []byte) error) error {
	b := c.btx.Bucket([]byte(name))
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		if err := fn(k, v); err != nil {
			return fmt.Errorf("bucket %s, key %q: %w", name, k, err)
		}
		return nil
	})
}

func (c *copier) seq(name string) uint64 {
	if b := c.btx.Bucket([]byte(name)); b != nil {
		return b.Sequence()
	}
	return 0
}

// setSeq sets a sequence so that its next value is last+1.
func (c *copier) setSeq(name string, last uint64) error {
	var err error
	if last == 0 {
		_, err = c.tx.Exec(c.ctx, "SELECT setval($1, 1, false)", name)
	} else {
		_, err = c.tx.Exec(c.ctx, "SELECT setval($1, $2, true)", name, int64(last))
	}
	return err
}

func (c *copier) all() error {
	for _, f := range []func() error{c.records, c.history, c.crmState, c.gateway, c.outbox, c.scheduler, c.mail} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

func u64(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%d bytes where an 8-byte number was expected", len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// records copies every record of every kind with its id, and each kind's id
// counter: bbolt's bucket sequence, the last id ever given (a deleted
// record's id included), so that the next id continues after it.
func (c *copier) records() error {
	for _, k := range crm.Kinds {
		kind := string(k)
		t := pgstore.Tables[kind]
		bucket := "rec/" + kind
		var maxID, n int64
		cols := append(append([]string{"id", "owner", "branch", "dept", "created", "updated"}, t.Cols...), "data")
		err := c.stream(t.Name, cols, bucket, func(key, v []byte) ([]any, error) {
			id, err := u64(key)
			if err != nil {
				return nil, err
			}
			vals, err := recordValues(kind, v)
			if err != nil {
				return nil, err
			}
			if vals[0].(int64) != id {
				return nil, fmt.Errorf("the record says id %d", vals[0])
			}
			maxID = max(maxID, id)
			n++
			return vals, nil
		})
		if err != nil {
			return err
		}
		c.sum.Records += n
		last := max(int64(c.seq(bucket)), maxID)
		if _, err := c.tx.Exec(c.ctx, "UPDATE id_counters SET last = $2 WHERE kind = $1", kind, last); err != nil {
			return err
		}
	}
	// the users' numbers (idx_user_phone: unique, so a table of its own)
	var phones [][]any
	if err := c.each("idx_user_phone", func(k, v []byte) error {
		id, err := u64(v)
		phones = append(phones, []any{string(k), id})
		return err
	}); err != nil {
		return err
	}
	if err := c.put("user_phones", []string{"phone", "user_id"}, phones); err != nil {
		return err
	}
	// the fuzzy lookup's tokens: kind 0 token 0 id → field, pos, ntok
	if err := c.stream("name_tokens", []string{"kind", "token", "id", "field", "pos", "ntok"}, "idx_name", func(k, v []byte) ([]any, error) {
		kind, rest, ok := bytes.Cut(k, []byte{0})
		if !ok || len(rest) < 9 || rest[len(rest)-9] != 0 || len(v) != 3 {
			return nil, errors.New("not a name index entry")
		}
		id, _ := u64(rest[len(rest)-8:])
		return []any{string(kind), bytes.Clone(rest[:len(rest)-9]), id, int16(v[0]), int16(v[1]), int16(v[2])}, nil
	}); err != nil {
		return err
	}
	var docs [][]any
	if err := c.each("doc_data", func(k, v []byte) error {
		id, err := u64(k)
		docs = append(docs, []any{id, bytes.Clone(v)})
		return err
	}); err != nil {
		return err
	}
	return c.put("document_data", []string{"id", "content"}, docs)
}

// history copies the change sets and every record's list of them.
func (c *copier) history() error {
	if err := c.stream("changesets", []string{"id", "at", "user_id", "channel", "message_id", "summary", "undo_of", "undone_by", "data"}, "changesets", func(k, v []byte) ([]any, error) {
		id, err := u64(k)
		if err != nil {
			return nil, err
		}
		var cs crm.ChangeSet
		if err := json.Unmarshal(v, &cs); err != nil {
			return nil, err
		}
		if cs.ID != id {
			return nil, fmt.Errorf("the change set says id %d", cs.ID)
		}
		return []any{cs.ID, cs.At, cs.User, cs.Channel, cs.MessageID, cs.Summary, cs.UndoOf, cs.UndoneBy, string(v)}, nil
	}); err != nil {
		return err
	}
	if err := c.setSeq("changeset_ids", c.seq("changesets")); err != nil {
		return err
	}
	return c.stream("record_history", []string{"kind", "id", "changeset"}, "rec_hist", func(k, _ []byte) ([]any, error) { // kind 0 id csid
		kind, rest, ok := bytes.Cut(k, []byte{0})
		if !ok || len(rest) != 16 {
			return nil, errors.New("not a history entry")
		}
		id, _ := u64(rest[:8])
		cs, _ := u64(rest[8:])
		return []any{string(kind), id, cs}, nil
	})
}

// crmState copies the conversations and the unresolved messages.
func (c *copier) crmState() error {
	var conv [][]any
	if err := c.each("conv", func(k, v []byte) error {
		id, err := u64(k)
		conv = append(conv, []any{id, string(v)})
		return err
	}); err != nil {
		return err
	}
	if err := c.put("conversations", []string{"user_id", "data"}, conv); err != nil {
		return err
	}
	var un [][]any
	for _, b := range []struct {
		name string
		open bool
	}{{"unresolved", false}, {"unresolved_open", true}} {
		if err := c.each(b.name, func(_, v []byte) error {
			var u crm.Unresolved
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			un = append(un, []any{u.ID, u.User, u.At, b.open, string(v)})
			return nil
		}); err != nil {
			return err
		}
	}
	if err := c.put("unresolved", []string{"id", "user_id", "at", "open", "data"}, un); err != nil {
		return err
	}
	return c.setSeq("unresolved_ids", c.seq("unresolved"))
}

// gateway copies the message claims (each message applied once), the
// pages kept for MORE, and the unknown-sender throttle.
func (c *copier) gateway() error {
	var claims [][]any
	if err := c.each("gw/claims", func(k, v []byte) error {
		ch, id, ok := strings.Cut(string(k), "\x00")
		if !ok {
			return errors.New("not a claim key")
		}
		var cl struct {
			User int64     `json:"user"`
			At   time.Time `json:"at"`
		}
		if err := json.Unmarshal(v, &cl); err != nil {
			return err
		}
		claims = append(claims, []any{ch, id, cl.User, cl.At, string(v)})
		return nil
	}); err != nil {
		return err
	}
	if err := c.put("message_claims", []string{"channel", "message_id", "user_id", "at", "data"}, claims); err != nil {
		return err
	}
	var pages [][]any
	if err := c.each("gw/pages", func(k, v []byte) error {
		id, err := u64(k)
		pages = append(pages, []any{id, string(v)})
		return err
	}); err != nil {
		return err
	}
	if err := c.put("pages", []string{"user_id", "data"}, pages); err != nil {
		return err
	}
	var senders, hours [][]any
	if err := c.each("gw/unknown", func(k, v []byte) error {
		if string(k) == "\x00hour" { // the hour's start and its answers
			if len(v) != 16 {
				return errors.New("not an hour count")
			}
			h, _ := u64(v[:8])
			n, _ := u64(v[8:])
			hours = append(hours, []any{time.Unix(h, 0), int32(n)})
			return nil
		}
		ch, sender, ok := strings.Cut(string(k), "\x00")
		sec, err := u64(v)
		if !ok || err != nil {
			return errors.New("not an unknown sender")
		}
		senders = append(senders, []any{ch, sender, time.Unix(sec, 0)})
		return nil
	}); err != nil {
		return err
	}
	if err := c.put("unknown_senders", []string{"channel", "sender", "answered_at"}, senders); err != nil {
		return err
	}
	return c.put("unknown_hours", []string{"hour", "answers"}, hours)
}

// outbox copies the entries with their state, the provider ids and early
// reports, what each number was sent (its limits) and its block.
func (c *copier) outbox() error {
	var entries [][]any
	if err := c.each("outbox/entries", func(k, v []byte) error {
		var e outbox.Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		var key, pid, leasedUntil, leasedBy any
		if e.Key != "" {
			key = e.Key
		}
		if e.ProviderID != "" {
			pid = e.ProviderID
		}
		if e.State == outbox.StateSending {
			// in doubt when bbolt's worker stopped: a lease that has
			// expired, so that recovery takes it up as it would have
			leasedUntil, leasedBy = e.UpdatedAt, "bbolt"
		}
		next := e.NextAt
		if next.IsZero() {
			next = e.Created
		}
		entries = append(entries, []any{e.ID, e.Channel, e.To, key, e.UserID, e.State, next, int32(e.Attempts),
			leasedUntil, leasedBy, pid, e.Created, e.UpdatedAt, string(v)})
		return nil
	}); err != nil {
		return err
	}
	if err := c.put("outbox_entries", []string{"id", "channel", "recipient", "key", "user_id", "state", "next_at", "attempts",
		"leased_until", "leased_by", "provider_id", "created", "updated", "data"}, entries); err != nil {
		return err
	}
	if err := c.setSeq("outbox_ids", c.seq("outbox/entries")); err != nil {
		return err
	}
	// outbox/provider and outbox/early: one row per provider id
	type prov struct {
		entry         any
		status, code  any
		at            any
		early, linked bool
	}
	provs := map[string]*prov{}
	get := func(id string) *prov {
		p := provs[id]
		if p == nil {
			p = &prov{}
			provs[id] = p
		}
		return p
	}
	if err := c.each("outbox/provider", func(k, v []byte) error {
		id, err := u64(v)
		get(string(k)).entry = id
		return err
	}); err != nil {
		return err
	}
	if err := c.each("outbox/early", func(k, v []byte) error {
		var list []struct {
			Status string    `json:"status"`
			Code   int       `json:"code"`
			At     time.Time `json:"at"`
		}
		if err := json.Unmarshal(v, &list); err != nil {
			return err
		}
		if len(list) > 0 { // the table keeps one report per provider id: the last
			l := list[len(list)-1]
			p := get(string(k))
			p.status, p.code, p.at = l.Status, int32(l.Code), l.At
		}
		return nil
	}); err != nil {
		return err
	}
	ids := make([]string, 0, len(provs))
	for id := range provs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var prows [][]any
	for _, id := range ids {
		p := provs[id]
		prows = append(prows, []any{id, p.entry, p.status, p.code, p.at})
	}
	if err := c.put("outbox_provider", []string{"provider_id", "entry_id", "early_status", "early_code", "early_at"}, prows); err != nil {
		return err
	}
	var sends [][]any
	numbers := map[string]bool{}
	if err := c.each("outbox/recipients", func(k, _ []byte) error { // to 0 sent-at id
		if len(k) < 17 || k[len(k)-17] != 0 {
			return errors.New("not a recipient's send")
		}
		to := string(k[:len(k)-17])
		ns, _ := u64(k[len(k)-16 : len(k)-8])
		id, _ := u64(k[len(k)-8:])
		sends = append(sends, []any{to, time.Unix(0, ns), id})
		numbers[to] = true
		return nil
	}); err != nil {
		return err
	}
	if err := c.put("outbox_recipient_sends", []string{"recipient", "sent_at", "entry_id"}, sends); err != nil {
		return err
	}
	blocks := map[string][2]any{}
	if err := c.each("outbox/blocked", func(k, v []byte) error {
		var bl struct {
			Until  time.Time `json:"until"`
			Reason string    `json:"reason"`
		}
		if err := json.Unmarshal(v, &bl); err != nil {
			return err
		}
		blocks[string(k)] = [2]any{bl.Until, bl.Reason}
		numbers[string(k)] = true
		return nil
	}); err != nil {
		return err
	}
	var recips [][]any
	for _, to := range sortedKeys(numbers) {
		b, ok := blocks[to]
		if !ok {
			b = [2]any{nil, ""}
		}
		recips = append(recips, []any{to, b[0], b[1]})
	}
	return c.put("outbox_recipients", []string{"recipient", "blocked_until", "reason"}, recips)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scheduler copies each job's last run (bbolt keeps one per job) and the
// jobs' marks: digests sent, escalations, overdue reminders.
func (c *copier) scheduler() error {
	var runs [][]any
	if err := c.each("sched/runs", func(k, v []byte) error {
		var r struct {
			At       time.Time       `json:"at"`
			Started  time.Time       `json:"started"`
			Duration time.Duration   `json:"duration"`
			Counts   json.RawMessage `json:"counts"`
			Error    string          `json:"error"`
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		var counts, errText any
		if len(r.Counts) > 0 && string(r.Counts) != "null" {
			counts = string(r.Counts)
		}
		if r.Error != "" {
			errText = r.Error
		}
		runs = append(runs, []any{string(k), r.At, "bbolt", r.Started, r.Started.Add(r.Duration), counts, errText})
		return nil
	}); err != nil {
		return err
	}
	if err := c.put("job_runs", []string{"job", "slot", "node", "started", "finished", "counts", "error"}, runs); err != nil {
		return err
	}
	var digest, esc, rem [][]any
	if err := c.each("sched/digest", func(k, v []byte) error {
		id, err := u64(k)
		digest = append(digest, []any{id, string(v)})
		return err
	}); err != nil {
		return err
	}
	if err := c.each("sched/escalated", func(k, v []byte) error {
		id, err := u64(k)
		ns, err2 := u64(v)
		esc = append(esc, []any{id, time.Unix(0, ns)})
		return errors.Join(err, err2)
	}); err != nil {
		return err
	}
	if err := c.each("sched/reminded", func(k, v []byte) error {
		id, err := u64(k)
		if err != nil {
			return err
		}
		d, err := time.Parse("2006-01-02", string(v))
		rem = append(rem, []any{id, d})
		return err
	}); err != nil {
		return err
	}
	if err := c.put("sched_digest", []string{"user_id", "data"}, digest); err != nil {
		return err
	}
	if err := c.put("sched_escalated", []string{"activity_id", "deadline"}, esc); err != nil {
		return err
	}
	return c.put("sched_reminded", []string{"activity_id", "day"}, rem)
}

// mail copies the e-mail gateway's state: messages handled, explanations
// and replies sent (loop guards), raw messages kept, its key, and the IMAP
// watcher's place in each folder.
func (c *copier) mail() error {
	var done, expl, repl, raw, meta, imap [][]any
	if err := c.each("mail/done", func(k, v []byte) error {
		var d struct {
			At time.Time `json:"at"`
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		done = append(done, []any{string(k), d.At, string(v)})
		return nil
	}); err != nil {
		return err
	}
	if err := c.each("mail/explained", func(k, v []byte) error { // address 0 why → unix seconds
		addr, why, _ := strings.Cut(string(k), "\x00")
		sec, err := u64(v)
		if err != nil {
			return err
		}
		data, _ := json.Marshal(map[string]string{"from": addr, "why": why})
		expl = append(expl, []any{addr + "|" + why, time.Unix(sec, 0), string(data)})
		return nil
	}); err != nil {
		return err
	}
	if err := c.each("mail/replies", func(k, v []byte) error { // address → unix seconds of each answer
		var times []int64
		for i := 0; i+8 <= len(v); i += 8 {
			times = append(times, int64(binary.BigEndian.Uint64(v[i:])))
		}
		if len(times) == 0 {
			return nil
		}
		data, _ := json.Marshal(times)
		repl = append(repl, []any{string(k), time.Unix(times[len(times)-1], 0), string(data)})
		return nil
	}); err != nil {
		return err
	}
	if err := c.each("mail/raw", func(k, v []byte) error {
		n, err := u64(k)
		raw = append(raw, []any{strconv.FormatInt(n, 10), c.o.Now, bytes.Clone(v)})
		return err
	}); err != nil {
		return err
	}
	if err := c.each("mail/meta", func(k, v []byte) error {
		meta = append(meta, []any{string(k), bytes.Clone(v)})
		return nil
	}); err != nil {
		return err
	}
	if err := c.each("mail/imap", func(k, v []byte) error {
		if len(v) != 8 {
			return errors.New("not a folder's state")
		}
		imap = append(imap, []any{string(k), int64(binary.BigEndian.Uint32(v[:4])), int64(binary.BigEndian.Uint32(v[4:]))})
		return nil
	}); err != nil {
		return err
	}
	for _, t := range []struct {
		name string
		cols []string
		rows [][]any
	}{
		{"mail_done", []string{"message_id", "at", "data"}, done},
		{"mail_explained", []string{"message_id", "at", "data"}, expl},
		{"mail_replies", []string{"key", "at", "data"}, repl},
		{"mail_raw", []string{"message_id", "at", "raw"}, raw},
		{"mail_meta", []string{"key", "value"}, meta},
		{"imap_state", []string{"mailbox", "uid_validity", "last_uid"}, imap},
	} {
		if err := c.put(t.name, t.cols, t.rows); err != nil {
			return err
		}
	}
	return nil
}
