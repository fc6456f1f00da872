package pgcopy

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
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
	// Unknown are buckets of the file that no fieldcrm code names (copied
	// as spaces all the same).
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

// NotCopied are the buckets of a bbolt database that are not copied, and
// why nothing is lost.
var NotCopied = []struct{ Bucket, Why string }{
	{"meta", "bbolt's layout version: PostgreSQL keeps its own (schema_migrations)"},
	{"idx_owner, idx_due, idx_stage, idx_account, idx_pending, idx_lead_status, idx_open_owner, idx_assigned",
		"indexes of the records: on PostgreSQL the typed columns and their indexes, filled from each record"},
	{"rec_last, user_cs", "indexes of schema 3 and before, dropped when the file is opened"},
}

// ErrNotEmpty is returned when the target already holds data.
var ErrNotEmpty = errors.New("the PostgreSQL database already holds data")

// dataTables are the schema's tables that Copy fills or --replace empties
// (everything but the schema's bookkeeping and id_counters, which is reset).
var dataTables = []string{
	"users", "user_phones", "accounts", "contacts", "leads", "opps", "activities", "equipment", "competitors",
	"campaigns", "documents", "requests", "name_tokens", "unique_keys", "changesets", "record_history", "kv", "kv_seq",
}

// crmBuckets are crm's own buckets: records (rec/<kind>), their indexes and
// history, copied into tables of their own or derived there. Every other
// bucket is a space of a package (crm.Bucket) and is copied into kv as it is.
var crmBuckets = map[string]bool{
	"meta": true, "changesets": true, "rec_hist": true, "idx_user_phone": true, "idx_user_email": true,
	"idx_name": true, "idx_owner": true, "idx_due": true, "idx_stage": true, "idx_account": true,
	"idx_eq_serial": true, "idx_eq_ident": true, "idx_pending": true, "idx_lead_status": true,
	"idx_open_owner": true, "idx_assigned": true, "rec_last": true, "user_cs": true,
}

// knownSpaces are the spaces fieldcrm's packages keep: a bucket of the file
// among neither is copied too, and named in Summary.Unknown.
var knownSpaces = map[string]bool{
	"doc_data": true, "conv": true, "unresolved": true, "unresolved_open": true,
	"gw/claims": true, "gw/pages": true, "gw/unknown": true,
	"outbox/entries": true, "outbox/state": true, "outbox/keys": true, "outbox/provider": true, "outbox/early": true,
	"outbox/recipients": true, "outbox/blocked": true, "outbox/senders": true,
	"sched/runs": true, "sched/digest": true, "sched/escalated": true, "sched/reminded": true, "sched/slots": true,
	"web/sessions": true, "web/logins": true, "web/limits": true, "web/uploads": true,
	"mail/done": true, "mail/explained": true, "mail/replies": true, "mail/raw": true, "mail/meta": true, "mail/imap": true, "mail/lease": true,
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
		if !crmBuckets[n] && !knownSpaces[n] && !strings.HasPrefix(n, "rec/") {
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
	label string // what stream reports instead of its table (a space of kv)
	ctx   context.Context
	tx    pgx.Tx
	btx   *bolt.Tx
	o     Options
	sum   *Summary
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
	name := table
	if c.label != "" {
		name = c.label
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	c.sum.Tables = append(c.sum.Tables, TableCount{name, n})
	if c.o.Progress != nil {
		c.o.Progress(name, n, time.Since(t0))
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
	for _, f := range []func() error{c.records, c.history, c.spaces} {
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
	// the other unique keys, exactly as crm made them
	var uniq [][]any
	for _, ix := range []string{crm.IxUserEmail, crm.IxEqSerial, crm.IxEqIdent} {
		if err := c.each(ix, func(k, v []byte) error {
			id, err := u64(v)
			uniq = append(uniq, []any{ix, bytes.Clone(k), id})
			return err
		}); err != nil {
			return err
		}
	}
	if err := c.put("unique_keys", []string{"ix", "key", "id"}, uniq); err != nil {
		return err
	}
	// the fuzzy lookup's entries: kind 0 token 0 id → hints
	return c.stream("name_tokens", []string{"key", "kind", "id", "hints"}, "idx_name", func(k, v []byte) ([]any, error) {
		kind, rest, ok := bytes.Cut(k, []byte{0})
		if !ok || len(rest) < 9 || rest[len(rest)-9] != 0 {
			return nil, errors.New("not a name index entry")
		}
		id, _ := u64(rest[len(rest)-8:])
		return []any{bytes.Clone(k), string(kind), id, bytes.Clone(v)}, nil
	})
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

// spaces copies every bucket that is not crm's own into kv, its keys and
// values as bbolt holds them, and its sequence into kv_seq.
func (c *copier) spaces() error {
	var names []string
	c.btx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if n := string(name); !crmBuckets[n] && !strings.HasPrefix(n, "rec/") {
			names = append(names, n)
		}
		return nil
	})
	var seqs [][]any
	defer func() { c.label = "" }()
	for _, n := range names {
		c.label = "kv " + n
		if err := c.stream("kv", []string{"space", "key", "value"}, n, func(k, v []byte) ([]any, error) {
			if v == nil {
				return nil, errors.New("a bucket inside a bucket: not a space")
			}
			return []any{n, bytes.Clone(k), bytes.Clone(v)}, nil
		}); err != nil {
			return err
		}
		if s := c.seq(n); s > 0 {
			seqs = append(seqs, []any{n, int64(s)})
		}
	}
	c.label = ""
	return c.put("kv_seq", []string{"space", "last"}, seqs)
}
