package crm

import (
	"bytes"
	"slices"
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
	keys := map[string]bool{string(recKey(KindAccount, account)): true}
	for _, k := range accountKinds {
		for _, id := range tx.linked(account, k) {
			r, err := tx.load(k, id)
			if err != nil || !tx.canRead(r) {
				continue
			}
			keys[string(recKey(k, id))] = true
		}
	}
	var ids []int64
	c := tx.btx.Bucket(bktRecHist).Cursor()
	for rk := range keys {
		prefix := []byte(rk)
		for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
			if len(key) == len(prefix)+8 {
				ids = append(ids, int64(btou(key[len(prefix):])))
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	slices.Reverse(ids)
	out := &AccountHistory{}
	for _, id := range ids {
		cs, err := tx.changeSet(id)
		if err != nil {
			return nil, err
		}
		cs = tx.visible(cs)
		cs.Changes = slices.DeleteFunc(cs.Changes, func(ch Change) bool { return !keys[string(recKey(ch.Kind, ch.ID))] })
		cs.Events = nil
		if len(cs.Changes) == 0 {
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

// CanWrite reports whether the actor may change r (the page offers a form
// only to those whose command would not be refused; crm still decides).
func (tx *Tx) CanWrite(r Record) bool { return tx.canWrite(r) }
