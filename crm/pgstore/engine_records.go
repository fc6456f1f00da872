package pgstore

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/crm"
)

func (t *tx) table(k crm.Kind) *Table {
	tb := Tables[string(k)]
	if tb == nil {
		t.fail(fmt.Errorf("pgstore: no table for kind %q", k))
	}
	return tb
}

func (t *tx) Get(k crm.Kind, id int64) []byte {
	if v, ok := t.recs[recKey{k, id}]; ok {
		return v
	}
	tb := t.table(k)
	if tb == nil || t.err != nil {
		return nil
	}
	var v []byte
	err := t.query("SELECT data::text FROM "+tb.Name+" WHERE id = $1", []any{id}, func(r pgx.Rows) error {
		var s string
		err := r.Scan(&s)
		v = []byte(s)
		return err
	})
	if err != nil {
		return nil
	}
	t.recs[recKey{k, id}] = v
	return v
}

func (t *tx) Put(w *crm.RecordWrite) error {
	tb := t.table(w.Kind)
	if tb == nil {
		return t.err
	}
	if w.ID <= 0 {
		return t.fail(fmt.Errorf("pgstore: %s without an id", w.Kind))
	}
	r := w.Record
	if r == nil {
		var err error
		if r, err = Decode(w.Kind, w.Data); err != nil {
			return t.fail(err)
		}
	}
	args, err := rowArgs(tb, r, w.Data)
	if err != nil {
		return t.fail(err)
	}
	if args[0] != w.ID {
		return t.fail(fmt.Errorf("pgstore: %s #%d written with the record of #%v", w.Kind, w.ID, args[0]))
	}
	for _, e := range w.OldIndex {
		if !holdsKey(w.Index, e) {
			if err := t.dropEntry(e); err != nil {
				return err
			}
		}
	}
	for _, e := range w.Index {
		if holdsEntry(w.OldIndex, e) {
			continue
		}
		if err := t.addEntry(e, w.ID); err != nil {
			return err
		}
	}
	if err := t.write(tableSQLs[string(w.Kind)].upsert, args...); err != nil {
		return err
	}
	t.recs[recKey{w.Kind, w.ID}] = w.Data
	return nil
}

func (t *tx) Delete(k crm.Kind, id int64, oldIndex []crm.IndexEntry) error {
	tb := t.table(k)
	if tb == nil {
		return t.err
	}
	for _, e := range oldIndex {
		if err := t.dropEntry(e); err != nil {
			return err
		}
	}
	if err := t.write("DELETE FROM "+tb.Name+" WHERE id = $1", id); err != nil {
		return err
	}
	t.recs[recKey{k, id}] = nil
	return nil
}

// The index entries the engine keeps: the name index, the users' numbers and
// the unique keys. The others (owner, account, due, stage…) are the tables'
// own indexes on the typed columns.
func (t *tx) addEntry(e crm.IndexEntry, id int64) error {
	switch {
	case e.Index == crm.IxName:
		kind, rid := nameKeyParts(e.Key)
		return t.write(`INSERT INTO name_tokens (key, kind, id, hints) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET hints = EXCLUDED.hints`, e.Key, kind, rid, nonNil(e.Val))
	case e.Index == crm.IxUserPhone:
		t.uniq[uniqKey{e.Index, string(e.Key)}] = id
		return t.write("INSERT INTO user_phones (phone, user_id) VALUES ($1, $2)", string(e.Key), id)
	case e.Unique && t.e.brk != "nounique":
		t.uniq[uniqKey{e.Index, string(e.Key)}] = id
		return t.write("INSERT INTO unique_keys (ix, key, id) VALUES ($1, $2, $3)", e.Index, e.Key, id)
	}
	return nil
}

func (t *tx) dropEntry(e crm.IndexEntry) error {
	switch {
	case e.Index == crm.IxName:
		return t.write("DELETE FROM name_tokens WHERE key = $1", e.Key)
	case e.Index == crm.IxUserPhone:
		t.uniq[uniqKey{e.Index, string(e.Key)}] = 0
		return t.write("DELETE FROM user_phones WHERE phone = $1", string(e.Key))
	case e.Unique:
		t.uniq[uniqKey{e.Index, string(e.Key)}] = 0
		return t.write("DELETE FROM unique_keys WHERE ix = $1 AND key = $2", e.Index, e.Key)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nameKeyParts reads kind and id from a name index key (kind 0 token 0 id).
func nameKeyParts(key []byte) (string, int64) {
	i := bytes.IndexByte(key, 0)
	if i < 0 || len(key) < i+9 {
		return "", 0
	}
	return string(key[:i]), int64(binary.BigEndian.Uint64(key[len(key)-8:]))
}

// holdsEntry reports whether ix holds e with the same value.
func holdsEntry(ix []crm.IndexEntry, e crm.IndexEntry) bool {
	for _, o := range ix {
		if o.Index == e.Index && bytes.Equal(o.Key, e.Key) && o.Unique == e.Unique && bytes.Equal(o.Val, e.Val) {
			return true
		}
	}
	return false
}

// holdsKey reports whether ix holds e's key.
func holdsKey(ix []crm.IndexEntry, e crm.IndexEntry) bool {
	for _, o := range ix {
		if o.Index == e.Index && bytes.Equal(o.Key, e.Key) {
			return true
		}
	}
	return false
}

const (
	nextIDSQL = "UPDATE id_counters SET last = last + 1 WHERE kind = $1 RETURNING last"
	// the first id of a transaction brings a change-set id along: the
	// request that creates a record records its change next
	nextIDsSQL = `WITH c AS (UPDATE id_counters SET last = last + 1 WHERE kind = $1 RETURNING last)
		SELECT c.last, nextval('changeset_ids') FROM c`
	keepIDSQL = "UPDATE id_counters SET last = greatest(last, $2) WHERE kind = $1 RETURNING last"
	lastIDSQL = "SELECT last FROM id_counters WHERE kind = $1"
)

func (t *tx) NextID(k crm.Kind) (int64, error) {
	if !t.writable {
		return 0, t.fail(errReadOnly)
	}
	if t.e.o.IDsOutside {
		t.dirty = true
		id, err := t.seqStatement(nextIDSQL, string(k))
		if err == nil && id == 0 {
			err = t.fail(fmt.Errorf("pgstore: no id counter for kind %q", k))
		}
		return id, err
	}
	var id, cs int64
	sql, found := nextIDSQL, false
	if t.e.brk == "maxid" {
		err := t.query("SELECT coalesce(max(id), 0) + 1 FROM "+Tables[string(k)].Name, nil, func(r pgx.Rows) error { return r.Scan(&id) })
		return id, err
	}
	if t.cs == 0 {
		sql = nextIDsSQL
	}
	err := t.query(sql, []any{string(k)}, func(r pgx.Rows) error {
		found = true
		if t.cs == 0 {
			return r.Scan(&id, &cs)
		}
		return r.Scan(&id)
	})
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, t.fail(fmt.Errorf("pgstore: no id counter for kind %q", k))
	}
	t.dirty = true
	if cs != 0 {
		t.cs = cs
	}
	return id, nil
}

func (t *tx) KeepID(k crm.Kind, id int64) error {
	if t.e.o.IDsOutside {
		if !t.writable {
			return t.fail(errReadOnly)
		}
		_, err := t.seqStatement(keepIDSQL, string(k), id)
		return err
	}
	return t.write(keepIDSQL, string(k), id)
}

func (t *tx) LastID(k crm.Kind) int64 {
	if t.e.o.IDsOutside {
		id, _ := t.seqStatement(lastIDSQL, string(k))
		return id
	}
	var id int64
	t.query(lastIDSQL, []any{string(k)}, func(r pgx.Rows) error { return r.Scan(&id) })
	return id
}

func (t *tx) Scan(k crm.Kind, fn func(id int64, data []byte) bool) error {
	tb := t.table(k)
	if tb == nil {
		return t.err
	}
	after, n := int64(0), pageSize
	for {
		var ids []int64
		var datas [][]byte
		err := t.query("SELECT id, data::text FROM "+tb.Name+" WHERE id > $1 ORDER BY id LIMIT $2", []any{after, n},
			func(r pgx.Rows) error {
				var id int64
				var s string
				err := r.Scan(&id, &s)
				ids, datas = append(ids, id), append(datas, []byte(s))
				return err
			})
		if err != nil {
			return err
		}
		for i, id := range ids {
			if !fn(id, datas[i]) {
				return nil
			}
		}
		if !t.more(len(ids), n) {
			return nil
		}
		after, n = ids[len(ids)-1], nextPage(n)
	}
}

func (t *tx) Unique(index string, key []byte) int64 {
	uk := uniqKey{index, string(key)}
	if id, ok := t.uniq[uk]; ok {
		return id
	}
	sql, args := "SELECT id FROM unique_keys WHERE ix = $1 AND key = $2", []any{index, key}
	if index == crm.IxUserPhone {
		sql, args = "SELECT user_id FROM user_phones WHERE phone = $1", []any{string(key)}
	}
	var id int64
	if err := t.query(sql, args, func(r pgx.Rows) error { return r.Scan(&id) }); err != nil {
		return 0
	}
	t.uniq[uk] = id
	return id
}
