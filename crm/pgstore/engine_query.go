package pgstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/crm"
)

// hit is a row of a query: a record's id, its JSON and, for activities,
// its due time.
type hit struct {
	id   int64
	due  time.Time
	data []byte
}

// records runs a query of records by pages in id order: from is the
// statement up to its ORDER BY, with its arguments; the page's cursor and
// size are appended. Each page's records fill the cache, then fn sees them.
func (t *tx) records(k crm.Kind, where string, args []any, withDue bool, fn func(h hit) bool) error {
	tb := t.table(k)
	if tb == nil {
		return t.err
	}
	cols := "id, data::text"
	if withDue {
		cols = "id, due, data::text"
	}
	sql := fmt.Sprintf("SELECT %s FROM %s WHERE %s AND id > $%d ORDER BY id LIMIT $%d", cols, tb.Name, where, len(args)+1, len(args)+2)
	after, n := int64(0), pageSize
	for {
		hits, err := t.hits(sql, append(args, after, n), withDue)
		if err != nil {
			return err
		}
		for _, h := range hits {
			t.cacheRec(k, h)
		}
		for _, h := range hits {
			if !fn(h) {
				return nil
			}
		}
		if !t.more(len(hits), n) {
			return nil
		}
		after, n = hits[len(hits)-1].id, nextPage(n)
	}
}

func (t *tx) hits(sql string, args []any, withDue bool) ([]hit, error) {
	var out []hit
	err := t.query(sql, args, func(r pgx.Rows) error {
		var h hit
		var s string
		var err error
		if withDue {
			var due pgtypeTime
			err = r.Scan(&h.id, &due, &s)
			h.due = due.t
		} else {
			err = r.Scan(&h.id, &s)
		}
		h.data = []byte(s)
		out = append(out, h)
		return err
	})
	return out, err
}

// cacheRec keeps a record a query brought (what the transaction wrote
// itself is already there, and is what the server holds now).
func (t *tx) cacheRec(k crm.Kind, h hit) {
	if _, ok := t.recs[recKey{k, h.id}]; !ok {
		t.recs[recKey{k, h.id}] = h.data
	}
}

func (t *tx) OwnedBy(k crm.Kind, owner int64, fn func(id int64) bool) error {
	if owner == 0 || k == crm.KindUser { // crm keeps no owner entry for these
		return t.err
	}
	return t.records(k, "owner = $1", []any{owner}, false, func(h hit) bool { return fn(h.id) })
}

// linkedKinds are the kinds with an account column, and whether crm keeps
// the link of a record without an account (documents do).
var linkedKinds = map[crm.Kind]bool{crm.KindContact: false, crm.KindOpp: false, crm.KindActivity: false,
	crm.KindEquipment: false, crm.KindDocument: true}

func (t *tx) Linked(account int64, k crm.Kind, fn func(id int64) bool) error {
	zero, ok := linkedKinds[k]
	if !ok || account == 0 && !zero {
		return t.err
	}
	return t.records(k, "account = $1", []any{account}, false, func(h hit) bool { return fn(h.id) })
}

func (t *tx) OpenOwned(owner int64, fn func(id int64, due time.Time) bool) error {
	if owner == 0 {
		return t.err
	}
	return t.records(crm.KindActivity, "owner = $1 AND status = 'open'", []any{owner}, true,
		func(h hit) bool { return fn(h.id, h.due) })
}

func (t *tx) OpenDue(before time.Time, fn func(id int64) bool) error {
	const where = "SELECT id, due, data::text FROM activities WHERE status = 'open' AND due IS NOT NULL AND due < $1"
	sql, args := where+" ORDER BY due, id LIMIT $2", []any{before}
	if t.e.brk == "order" {
		sql = where + " ORDER BY id LIMIT $2"
	}
	n := pageSize
	for {
		hits, err := t.hits(sql, append(args, n), true)
		if err != nil {
			return err
		}
		for _, h := range hits {
			t.cacheRec(crm.KindActivity, h)
		}
		for _, h := range hits {
			if !fn(h.id) {
				return nil
			}
		}
		if !t.more(len(hits), n) {
			return nil
		}
		last := hits[len(hits)-1]
		n = nextPage(n)
		sql = where + " AND (due, id) > ($2, $3) ORDER BY due, id LIMIT $4"
		args = []any{before, last.due, last.id}
	}
}

func (t *tx) Assigned(fn func(id int64, a crm.Assigned) error) error {
	var ferr error
	err := t.records(crm.KindActivity,
		"status = 'open' AND assigned_by <> 0 AND assigned_by <> owner AND assigned_at IS NOT NULL", nil, false,
		func(h hit) bool {
			var a crm.Activity
			if ferr = json.Unmarshal(h.data, &a); ferr != nil {
				ferr = fmt.Errorf("pgstore: activity #%d: %w", h.id, ferr)
				return false
			}
			ferr = fn(h.id, assignedOf(&a))
			return ferr == nil
		})
	if err != nil {
		return err
	}
	return ferr
}

// assignedOf is what crm keeps of an assigned activity in bbolt's
// idx_assigned (encodeAssigned), times to the nanosecond as crm's index
// holds them.
func assignedOf(a *crm.Activity) crm.Assigned {
	as := crm.Assigned{At: time.Unix(0, a.AssignedAt.UnixNano()), Owner: a.Owner,
		Urgent: a.Priority == crm.PriorityUrgent, Escalated: !a.Escalated.IsZero(), Acked: !a.Acked.IsZero()}
	if !a.Due.IsZero() {
		as.Due = time.Unix(0, a.Due.UnixNano())
	}
	return as
}

func (t *tx) ByStage(s crm.Stage, fn func(id int64) bool) error {
	return t.records(crm.KindOpp, "stage = $1", []any{int16(s)}, false, func(h hit) bool { return fn(h.id) })
}

func (t *tx) Pending(fn func(id int64) bool) error {
	return t.records(crm.KindRequest, "status = $1", []any{crm.ReqPending}, false, func(h hit) bool { return fn(h.id) })
}

func (t *tx) Names(from []byte, fn func(key, hints []byte) bool) error {
	sql, args := "SELECT key, hints FROM name_tokens WHERE key >= $1 ORDER BY key LIMIT $2", []any{nonNil(from)}
	n := 64 // a lookup reads a token's prefix: a few keys
	for {
		var keys, vals [][]byte
		err := t.query(sql, append(args, n), func(r pgx.Rows) error {
			var k, v []byte
			err := r.Scan(&k, &v)
			keys, vals = append(keys, k), append(vals, v)
			return err
		})
		if err != nil {
			return err
		}
		for i := range keys {
			if !fn(keys[i], vals[i]) {
				return nil
			}
		}
		if !t.more(len(keys), n) {
			return nil
		}
		sql, args, n = "SELECT key, hints FROM name_tokens WHERE key > $1 ORDER BY key LIMIT $2", []any{keys[len(keys)-1]}, nextPage(n)
	}
}

func (t *tx) NextChangeSet() (int64, error) {
	if !t.writable {
		return 0, t.fail(errReadOnly)
	}
	t.dirty = true
	if cs := t.cs; cs != 0 {
		t.cs = 0
		return cs, nil
	}
	var id int64
	err := t.query("SELECT nextval('changeset_ids')", nil, func(r pgx.Rows) error { return r.Scan(&id) })
	return id, err
}

func (t *tx) LastChangeSet() int64 {
	var id int64
	t.query("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM changeset_ids", nil,
		func(r pgx.Rows) error { return r.Scan(&id) })
	return id
}

func (t *tx) PutChangeSet(cs *crm.ChangeSet, data []byte) error {
	err := t.write(`INSERT INTO changesets (id, at, user_id, channel, message_id, summary, undo_of, undone_by, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at, user_id = EXCLUDED.user_id, channel = EXCLUDED.channel,
		message_id = EXCLUDED.message_id, summary = EXCLUDED.summary, undo_of = EXCLUDED.undo_of,
		undone_by = EXCLUDED.undone_by, data = EXCLUDED.data`,
		cs.ID, cs.At, cs.User, cs.Channel, cs.MessageID, cs.Summary, cs.UndoOf, cs.UndoneBy, string(data))
	if err == nil {
		t.sets[cs.ID] = data
	}
	return err
}

func (t *tx) ChangeSet(id int64) []byte {
	if v, ok := t.sets[id]; ok {
		return v
	}
	var v []byte
	err := t.query("SELECT data::text FROM changesets WHERE id = $1", []any{id}, func(r pgx.Rows) error {
		var s string
		err := r.Scan(&s)
		v = []byte(s)
		return err
	})
	if err != nil {
		return nil
	}
	t.sets[id] = v
	return v
}

func (t *tx) ChangeSetsAfter(id int64, fn func(id int64, data []byte) bool) error {
	after, n := id, pageSize
	for {
		var hits []hit
		err := t.query("SELECT id, data::text FROM changesets WHERE id > $1 ORDER BY id LIMIT $2", []any{after, n},
			func(r pgx.Rows) error {
				var h hit
				var s string
				err := r.Scan(&h.id, &s)
				h.data = []byte(s)
				hits = append(hits, h)
				return err
			})
		if err != nil {
			return err
		}
		for _, h := range hits {
			if !fn(h.id, h.data) {
				return nil
			}
		}
		if !t.more(len(hits), n) {
			return nil
		}
		after, n = hits[len(hits)-1].id, nextPage(n)
	}
}

func (t *tx) AddHistory(k crm.Kind, id, cs int64) error {
	return t.write("INSERT INTO record_history (kind, id, changeset) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", string(k), id, cs)
}

func (t *tx) History(k crm.Kind, id int64, desc bool, fn func(cs int64) bool) error {
	cmp, order := ">", "ASC"
	var after int64
	if desc && t.e.brk != "histasc" {
		cmp, order, after = "<", "DESC", 1<<62
	}
	sql := "SELECT changeset FROM record_history WHERE kind = $1 AND id = $2 AND changeset " + cmp + " $3 ORDER BY changeset " + order + " LIMIT $4"
	n := pageSize
	for {
		var css []int64
		err := t.query(sql, []any{string(k), id, after, n}, func(r pgx.Rows) error {
			var cs int64
			err := r.Scan(&cs)
			css = append(css, cs)
			return err
		})
		if err != nil {
			return err
		}
		for _, cs := range css {
			if !fn(cs) {
				return nil
			}
		}
		if !t.more(len(css), n) {
			return nil
		}
		after, n = css[len(css)-1], nextPage(n)
	}
}
