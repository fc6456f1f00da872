package pgcopy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// maxShown is how many problems of one sort Check lists before it counts
// the rest.
const maxShown = 10

// ErrNoSchema is returned by Check for a database without fieldcrm's schema.
var ErrNoSchema = errors.New("no fieldcrm schema in this database (nothing was copied into it: fieldcrm migrate --from FILE --to URL)")

// Report is what Check found.
type Report struct {
	Rows     map[string]int64 // rows read per table
	Problems []string         // empty: the copy is sound
}

type checker struct {
	ctx  context.Context
	q    pgstore.Querier
	rep  *Report
	seen map[string]int // problems per sort, for maxShown
}

func (c *checker) problem(sort, format string, a ...any) {
	c.seen[sort]++
	if n := c.seen[sort]; n <= maxShown {
		c.rep.Problems = append(c.rep.Problems, fmt.Sprintf(format, a...))
	} else if n == maxShown+1 {
		c.rep.Problems = append(c.rep.Problems, fmt.Sprintf("(%s: more problems of this sort not listed)", sort))
	}
}

// Check validates a PostgreSQL database written by Copy (or by fieldcrm on
// PostgreSQL): every record's JSON decodes into its record type and its
// typed columns agree with it; every change set decodes and its columns
// agree; every history entry points to a change set that exists and every
// change is in its record's history; each id counter and sequence is at
// least the highest id given (a space's sequence past its numbered keys);
// the users' numbers and e-mail addresses agree with the unique keys;
// document contents, outbox entries and unresolved messages (spaces of kv)
// decode and belong to something. It reads in one REPEATABLE READ
// transaction (one snapshot).
func Check(ctx context.Context, db pgstore.Beginner) (*Report, error) {
	rep := &Report{Rows: map[string]int64{}}
	err := pgstore.RetryTxOptions(ctx, db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		*rep = Report{Rows: map[string]int64{}}
		var version int
		err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&version)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42P01" || err == nil && version == 0 {
			return ErrNoSchema
		} else if err != nil {
			return err
		}
		c := &checker{ctx: ctx, q: tx, rep: rep, seen: map[string]int{}}
		for _, f := range []func() error{c.records, c.changeSets, c.history, c.counters, c.phones, c.others} {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// norm is a column's value as text, for comparing what is stored with what
// the record says (timestamptz keeps microseconds).
func norm(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

func (c *checker) records() error {
	for _, k := range crm.Kinds {
		kind := string(k)
		t := pgstore.Tables[kind]
		cols := append(append([]string{"id", "owner", "branch", "dept", "created", "updated"}, t.Cols...), "data::text")
		rows, err := c.q.Query(c.ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+t.Name+" ORDER BY id")
		if err != nil {
			return err
		}
		var n int64
		for rows.Next() {
			n++
			vals, err := rows.Values()
			if err != nil {
				rows.Close()
				return err
			}
			id := vals[0].(int64)
			want, err := recordValues(kind, []byte(vals[len(vals)-1].(string)))
			if err != nil {
				c.problem(kind+" json", "%s #%d: its JSON does not decode: %v", kind, id, err)
				continue
			}
			for i, col := range cols[:len(cols)-1] {
				if g, w := norm(vals[i]), norm(want[i]); g != w {
					c.problem(kind+" columns", "%s #%d: column %s holds %s, the record says %s", kind, id, col, g, w)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		c.rep.Rows[t.Name] = n
	}
	return nil
}

func (c *checker) changeSets() error {
	rows, err := c.q.Query(c.ctx, "SELECT id, at, user_id, channel, message_id, summary, undo_of, undone_by, data::text FROM changesets ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		n++
		var id, user, undoOf, undoneBy int64
		var at time.Time
		var ch, msg, summary, data string
		if err := rows.Scan(&id, &at, &user, &ch, &msg, &summary, &undoOf, &undoneBy, &data); err != nil {
			return err
		}
		var cs crm.ChangeSet
		if err := json.Unmarshal([]byte(data), &cs); err != nil {
			c.problem("changeset json", "change set %d: its JSON does not decode: %v", id, err)
			continue
		}
		got := []any{id, at, user, ch, msg, summary, undoOf, undoneBy}
		want := []any{cs.ID, cs.At, cs.User, cs.Channel, cs.MessageID, cs.Summary, cs.UndoOf, cs.UndoneBy}
		names := []string{"id", "at", "user_id", "channel", "message_id", "summary", "undo_of", "undone_by"}
		for i := range got {
			if g, w := norm(got[i]), norm(want[i]); g != w {
				c.problem("changeset columns", "change set %d: column %s holds %s, its JSON says %s", id, names[i], g, w)
			}
		}
	}
	c.rep.Rows["changesets"] = n
	return rows.Err()
}

func (c *checker) history() error {
	var n int64
	if err := c.q.QueryRow(c.ctx, "SELECT count(*) FROM record_history").Scan(&n); err != nil {
		return err
	}
	c.rep.Rows["record_history"] = n
	rows, err := c.q.Query(c.ctx, `SELECT h.kind, h.id, h.changeset FROM record_history h
		LEFT JOIN changesets c ON c.id = h.changeset WHERE c.id IS NULL ORDER BY h.changeset, h.kind, h.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var id, cs int64
		if err := rows.Scan(&kind, &id, &cs); err != nil {
			return err
		}
		c.problem("history", "history of %s #%d: change set %d does not exist", kind, id, cs)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	// and the other way: every record a change set changed has it in its history
	rows, err = c.q.Query(c.ctx, `SELECT c.id, ch->>'kind', (ch->>'id')::bigint
		FROM changesets c CROSS JOIN LATERAL json_array_elements(coalesce(c.data->'changes', '[]')) ch
		LEFT JOIN record_history h ON h.kind = ch->>'kind' AND h.id = (ch->>'id')::bigint AND h.changeset = c.id
		WHERE h.changeset IS NULL ORDER BY c.id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var kind string
		var id, cs int64
		if err := rows.Scan(&cs, &kind, &id); err != nil {
			return err
		}
		c.problem("history", "change set %d changed %s #%d, whose history lacks it", cs, kind, id)
	}
	return rows.Err()
}

func (c *checker) counters() error {
	for _, k := range crm.Kinds {
		t := pgstore.Tables[string(k)]
		var last, maxID int64
		err := c.q.QueryRow(c.ctx, "SELECT (SELECT last FROM id_counters WHERE kind = $1), (SELECT coalesce(max(id), 0) FROM "+t.Name+")", string(k)).
			Scan(&last, &maxID)
		if err != nil {
			return fmt.Errorf("id counter of %s: %w", k, err)
		}
		if last < maxID {
			c.problem("counters", "id counter of %s is %d, below its highest id %d: the next %s would take an id in use", k, last, maxID, k)
		}
	}
	var last, maxID int64
	var called bool
	err := c.q.QueryRow(c.ctx, "SELECT last_value, is_called, (SELECT coalesce(max(id), 0) FROM changesets) FROM changeset_ids").Scan(&last, &called, &maxID)
	if err != nil {
		return err
	}
	if !called {
		last--
	}
	if last < maxID {
		c.problem("counters", "sequence changeset_ids is at %d, below the highest change set %d", last, maxID)
	}
	// a space with a sequence whose keys are numbers (outbox entries,
	// unresolved messages, raw e-mails): the sequence is past every key
	rows, err := c.q.Query(c.ctx, `SELECT s.space, s.last, k.key FROM kv_seq s
		CROSS JOIN LATERAL (SELECT key FROM kv WHERE space = s.space AND length(key) = 8 ORDER BY key DESC LIMIT 1) k
		ORDER BY s.space`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var space string
		var last int64
		var top []byte
		if err := rows.Scan(&space, &last, &top); err != nil {
			return err
		}
		if n, _ := u64(top); n > last {
			c.problem("counters", "the sequence of %s is at %d, below its key %d", space, last, n)
		}
	}
	return rows.Err()
}

// phones checks idx_user_phone's table against the users' numbers, and that
// no two users share an e-mail address.
func (c *checker) phones() error {
	rows, err := c.q.Query(c.ctx, "SELECT id, coalesce(data->'phones', '[]')::text FROM users ORDER BY id")
	if err != nil {
		return err
	}
	want := map[string]int64{}
	for rows.Next() {
		var id int64
		var raw string
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return err
		}
		var ps []string
		json.Unmarshal([]byte(raw), &ps)
		for _, p := range ps {
			if o, dup := want[p]; dup {
				c.problem("unique", "number %s is on user #%d and user #%d", p, o, id)
			}
			want[p] = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = c.q.Query(c.ctx, "SELECT phone, user_id FROM user_phones ORDER BY phone")
	if err != nil {
		return err
	}
	have := map[string]int64{}
	for rows.Next() {
		var p string
		var id int64
		if err := rows.Scan(&p, &id); err != nil {
			rows.Close()
			return err
		}
		have[p] = id
		if w, ok := want[p]; !ok || w != id {
			c.problem("unique", "user_phones: %s points to user #%d, whose record does not have it", p, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	missing := []string{}
	for p, id := range want {
		if have[p] != id {
			missing = append(missing, fmt.Sprintf("user_phones: user #%d's number %s is missing (messages from it would not find him)", id, p))
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		c.problem("unique", "%s", m)
	}
	rows, err = c.q.Query(c.ctx, `SELECT u.id FROM users u LEFT JOIN unique_keys k
		ON k.ix = 'idx_user_email' AND k.key = convert_to(u.email, 'UTF8') AND k.id = u.id
		WHERE u.email <> '' AND k.id IS NULL ORDER BY u.id`)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		c.problem("unique", "user #%d: his e-mail address is not among the unique keys (another user could take it)", id)
	}
	rows, err = c.q.Query(c.ctx, "SELECT lower(email), count(*) FROM users WHERE email <> '' GROUP BY 1 HAVING count(*) > 1")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		var n int64
		if err := rows.Scan(&e, &n); err != nil {
			return err
		}
		c.problem("unique", "e-mail %s is on %d users", e, n)
	}
	return rows.Err()
}

// others checks what belongs to records and the packages' spaces that
// fieldcrm reads as records: document contents, outbox entries, unresolved
// messages.
func (c *checker) others() error {
	rows, err := c.q.Query(c.ctx, "SELECT p.user_id FROM user_phones p LEFT JOIN users u ON u.id = p.user_id WHERE u.id IS NULL")
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		c.problem("phones", "user_phones: user #%d does not exist", id)
	}
	// every named record is in the name index (a copy made by a fieldcrm
	// of schema 1 lost its index on the upgrade to schema 2)
	for _, k := range []crm.Kind{crm.KindUser, crm.KindAccount, crm.KindContact} {
		rows, err := c.q.Query(c.ctx, "SELECT r.id FROM "+pgstore.Tables[string(k)].Name+` r
			WHERE r.name <> '' AND NOT EXISTS (SELECT 1 FROM name_tokens n WHERE n.kind = $1 AND n.id = r.id) ORDER BY r.id`, string(k))
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			c.problem("names", "%s #%d is not in the name index: messages naming it would not find it (copy the bbolt file again: fieldcrm migrate --replace)", k, id)
		}
	}
	docs := map[int64]int64{} // id → size
	rows, err = c.q.Query(c.ctx, "SELECT id, size FROM documents")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, size int64
		if err := rows.Scan(&id, &size); err != nil {
			rows.Close()
			return err
		}
		docs[id] = size
	}
	rows.Close()
	stored := map[int64]bool{}
	n, err := c.space("doc_data", func(id int64, _ []byte) {
		stored[id] = true
		if _, ok := docs[id]; !ok {
			c.problem("documents", "doc_data %d: no such document", id)
		}
	})
	if err != nil {
		return err
	}
	c.rep.Rows["kv doc_data"] = n
	for _, id := range sortedIDs(docs) {
		if docs[id] > 0 && !stored[id] {
			c.problem("documents", "document #%d: its content is missing", id)
		}
	}
	n, err = c.space("outbox/entries", func(id int64, v []byte) {
		var e outbox.Entry
		if err := json.Unmarshal(v, &e); err != nil {
			c.problem("outbox", "outbox entry %d: its JSON does not decode: %v", id, err)
		} else if e.ID != id {
			c.problem("outbox", "outbox entry %d: its JSON says id %d", id, e.ID)
		}
	})
	if err != nil {
		return err
	}
	c.rep.Rows["kv outbox/entries"] = n
	n, err = c.space("unresolved", func(id int64, v []byte) {
		var u crm.Unresolved
		if err := json.Unmarshal(v, &u); err != nil {
			c.problem("unresolved", "unresolved message %d: its JSON does not decode: %v", id, err)
		} else if u.ID != id {
			c.problem("unresolved", "unresolved message %d: its JSON says id %d", id, u.ID)
		}
	})
	c.rep.Rows["kv unresolved"] = n
	return err
}

// space calls fn for each key of a space keyed by 8-byte ids.
func (c *checker) space(name string, fn func(id int64, v []byte)) (int64, error) {
	rows, err := c.q.Query(c.ctx, "SELECT key, value FROM kv WHERE space = $1 ORDER BY key", name)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return n, err
		}
		n++
		id, err := u64(k)
		if err != nil {
			c.problem(name, "%s: key %x is not an id", name, k)
			continue
		}
		fn(id, v)
	}
	return n, rows.Err()
}

func sortedIDs(m map[int64]int64) []int64 {
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
