package crm

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// The account page of the web console: the history of every change to an
// account and to the records that hang on it, with the message that made it.

// AccountHistory is one page of an account's history as the actor sees it.
type AccountHistory struct {
	Sets []*ChangeSet // newest first; each holds only the changes of this account's records the actor may see
	More bool         // older change sets follow
}

// accountKinds are the kinds of record that hang on an account.
var accountKinds = []Kind{KindContact, KindEquipment, KindOpp, KindActivity, KindDocument}

// HistoryOfAccount returns the change sets that touched account or one of its
// records (contacts, machines, opportunities, activities, documents), newest
// first, skipping the first skip of them and returning at most limit. Only
// records the actor may read now count (a record since moved to another
// branch, or a colleague's activity a salesman may not see, is left out),
// and of each change set only the changes of those records are kept, as the
// actor may read them (tx.visible). The account must be readable.
func (tx *Tx) HistoryOfAccount(account int64, skip, limit int) (*AccountHistory, error) {
	if _, err := tx.Account(account); err != nil {
		return nil, err
	}
	keys := [][]byte{recKey(KindAccount, account)}
	for _, k := range accountKinds {
		for _, id := range tx.linked(account, k) {
			r, err := tx.load(k, id)
			if err != nil || !tx.canRead(r) {
				continue
			}
			keys = append(keys, recKey(k, id))
		}
	}
	byCS := tx.changeSetsOf(keys)
	ids := make([]int64, 0, len(byCS))
	for id := range byCS {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	out := &AccountHistory{}
	for _, id := range ids {
		cs, err := tx.changeSetPart(id, byCS[id])
		if err != nil {
			return nil, err
		}
		if cs = tx.visible(cs); len(cs.Changes) == 0 {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out.Sets) == limit {
			out.More = true
			break
		}
		out.Sets = append(out.Sets, cs)
	}
	return out, nil
}

// HistoryOfRecord returns the change sets that touched a record the actor
// may read, oldest first, each with only that record's change (History
// gives them whole): a machine's readings over time.
func (tx *Tx) HistoryOfRecord(k Kind, id int64) ([]*ChangeSet, error) {
	r, err := tx.load(k, id)
	if err != nil {
		return nil, err
	}
	if !tx.canRead(r) {
		return nil, Errorf(ENOTFOUND, "No %s #%d that you can see.", kindName(k), id)
	}
	key := recKey(k, id)
	var ids []int64
	if err := tx.etx.History(k, id, false, func(cs int64) bool { ids = append(ids, cs); return true }); err != nil {
		return nil, err
	}
	out := make([]*ChangeSet, 0, len(ids))
	for _, csid := range ids {
		cs, err := tx.changeSetPart(csid, [][]byte{key})
		if err != nil {
			return nil, err
		}
		out = append(out, tx.visible(cs))
	}
	return out, nil
}

// changeSetsOf maps each change set that touched one of the records keys
// (recKey) to the keys it touched.
func (tx *Tx) changeSetsOf(keys [][]byte) map[int64][][]byte {
	out := map[int64][][]byte{}
	for _, key := range keys {
		k, id := Kind(key[:len(key)-9]), int64(btou(key[len(key)-8:]))
		tx.etx.History(k, id, false, func(cs int64) bool {
			out[cs] = append(out[cs], key)
			return true
		})
	}
	return out
}

// bigChangeSet is the size from which changeSetPart reads only the changes
// asked for instead of decoding the whole change set (an import's holds
// thousands of records: decoding it for every account page cost 20 ms).
const bigChangeSet = 32 << 10

// changeSetPart reads change set id with only the changes of the records
// keys, without an access check. A big one is not decoded whole: its header,
// its undo marks and each change asked for are found in the stored JSON
// (field names are only ever written unquoted-structurally by
// encoding/json, so a pattern with its quotes cannot match inside a string).
func (tx *Tx) changeSetPart(id int64, keys [][]byte) (*ChangeSet, error) {
	v := tx.etx.ChangeSet(id)
	if v == nil {
		if err := tx.etx.Err(); err != nil {
			return nil, err
		}
		return nil, Errorf(ENOTFOUND, "No change #%d.", id)
	}
	want := func(k Kind, rid int64) bool {
		rk := recKey(k, rid)
		return slices.ContainsFunc(keys, func(x []byte) bool { return bytes.Equal(x, rk) })
	}
	i := bytes.Index(v, []byte(`,"changes":`))
	if len(v) < bigChangeSet || i < 0 {
		var cs ChangeSet
		if err := json.Unmarshal(v, &cs); err != nil {
			return nil, err
		}
		cs.Changes = slices.DeleteFunc(cs.Changes, func(c Change) bool { return !want(c.Kind, c.ID) })
		cs.Events = nil
		return &cs, nil
	}
	var cs ChangeSet
	head := append(bytes.Clone(v[:i]), '}')
	if err := json.Unmarshal(head, &cs); err != nil {
		return nil, err
	}
	cs.UndoOf, cs.UndoneBy = undoMarks(v)
	type found struct {
		at int
		c  Change
	}
	var fs []found
	for _, key := range keys {
		k, rid := Kind(key[:len(key)-9]), int64(btou(key[len(key)-8:]))
		pat := []byte(`{"kind":` + strconv.Quote(string(k)) + `,"id":` + strconv.FormatInt(rid, 10) + `,"op":`)
		at := bytes.Index(v[i:], pat)
		if at < 0 {
			continue
		}
		var c Change
		if err := json.NewDecoder(bytes.NewReader(v[i+at:])).Decode(&c); err != nil {
			return nil, err
		}
		fs = append(fs, found{at, c})
	}
	slices.SortFunc(fs, func(a, b found) int { return a.at - b.at }) // in the order they were made
	for _, f := range fs {
		cs.Changes = append(cs.Changes, f.c)
	}
	return &cs, nil
}

// undoMarks reads undo_of and undone_by of a stored change set from its end,
// where encoding/json writes them (after the changes, before the events),
// walking back over the events only: a big change set's changes are not
// scanned. Anything unexpected falls back to a forward search.
func undoMarks(v []byte) (undoOf, undoneBy int64) {
	p := len(v) - 1 // the final '}'
	if p < 1 || v[p] != '}' {
		return tailInt(v, `,"undo_of":`), tailInt(v, `,"undone_by":`)
	}
	if v[p-1] == ']' {
		// the last member is the changes or the events: look at its last
		// element only (a change starts {"kind":, an event {"type":), so
		// that the changes are never walked
		if v[p-2] == '}' {
			if last := matchBack(v, p-2); last < 0 || bytes.HasPrefix(v[last:], []byte(`{"kind":`)) {
				return 0, 0 // the changes come last: nothing was undone
			}
		}
		start := matchBack(v, p-1)
		if start < 0 {
			return tailInt(v, `,"undo_of":`), tailInt(v, `,"undone_by":`)
		}
		ev := []byte(`,"events":`)
		if !bytes.HasSuffix(v[:start], ev) {
			return 0, 0 // the changes come last: nothing was undone
		}
		p = start - len(ev)
	}
	num := func(field string) int64 {
		n := p
		for n > 0 && v[n-1] >= '0' && v[n-1] <= '9' {
			n--
		}
		if n == p || !bytes.HasSuffix(v[:n], []byte(field)) {
			return 0
		}
		x, _ := strconv.ParseInt(string(v[n:p]), 10, 64)
		p = n - len(field)
		return x
	}
	undoneBy = num(`,"undone_by":`)
	undoOf = num(`,"undo_of":`)
	return undoOf, undoneBy
}

// matchBack returns the index of the '[' or '{' that opens the array or
// object closed at v[i], walking back over strings; -1 when none.
func matchBack(v []byte, i int) int {
	depth := 0
	for j := i; j >= 0; j-- {
		switch v[j] {
		case '"':
			// the closing quote of a string: back to its opening quote, the
			// previous quote not escaped by an odd run of backslashes
			k := j - 1
			for ; k >= 0; k-- {
				if v[k] != '"' {
					continue
				}
				b := 0
				for k-1-b >= 0 && v[k-1-b] == '\\' {
					b++
				}
				if b%2 == 0 {
					break
				}
			}
			if k < 0 {
				return -1
			}
			j = k
		case ']', '}':
			depth++
		case '[', '{':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// tailInt reads the number after pat in v (0 when none). pat is a field of
// the change set itself, which no record has, so the first is the one.
func tailInt(v []byte, pat string) int64 {
	at := bytes.Index(v, []byte(pat))
	if at < 0 {
		return 0
	}
	rest := v[at+len(pat):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	x, _ := strconv.ParseInt(string(rest[:n]), 10, 64)
	return x
}

// CanWrite reports whether the actor may change r (the page offers a form
// only to those whose command would not be refused; crm still decides).
func (tx *Tx) CanWrite(r Record) bool { return tx.canWrite(r) }
