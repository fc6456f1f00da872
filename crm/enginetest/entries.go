package enginetest

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// The index entries crm makes for a record (crm's indexes() and
// indexesOf), written out here so that the suite hands every engine what
// crm hands it. The name index's tokens are simpler than crm's (words, not
// crm's tokenizer): an engine keeps whatever keys it is given.

func u64(v uint64) []byte  { return binary.BigEndian.AppendUint64(nil, v) }
func itob(id int64) []byte { return u64(uint64(id)) }

func nameKey(k crm.Kind, tok string, id int64) []byte {
	b := append([]byte(k), 0)
	b = append(b, tok...)
	b = append(b, 0)
	return append(b, itob(id)...)
}

func nameEntries(k crm.Kind, id int64, name string) []crm.IndexEntry {
	var out []crm.IndexEntry
	seen := map[string]bool{}
	words := strings.Fields(strings.ToLower(name))
	for i, w := range words {
		if seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, crm.IndexEntry{Index: crm.IxName, Key: nameKey(k, w, id), Val: []byte{0, byte(i), byte(len(words))}})
	}
	return out
}

func ownerKey(k crm.Kind, owner, id int64) []byte {
	b := append([]byte(k), 0)
	b = append(b, itob(owner)...)
	return append(b, itob(id)...)
}

func linkKey(account int64, k crm.Kind, id int64) []byte {
	b := append(itob(account), k...)
	b = append(b, 0)
	return append(b, itob(id)...)
}

func dueBytes(due time.Time) []byte { return u64(uint64(due.UnixNano()) + 1<<63) }

func encodeAssigned(a *crm.Activity) []byte {
	v := make([]byte, 25)
	binary.BigEndian.PutUint64(v, uint64(a.AssignedAt.UnixNano()))
	var f byte
	if a.Priority == crm.PriorityUrgent {
		f |= 1
	}
	if !a.Escalated.IsZero() {
		f |= 2
	}
	if !a.Acked.IsZero() {
		f |= 4
	}
	v[8] = f
	binary.BigEndian.PutUint64(v[9:], uint64(a.Owner))
	if !a.Due.IsZero() {
		binary.BigEndian.PutUint64(v[17:], uint64(a.Due.UnixNano()))
	}
	return v
}

// entries are r's index entries as crm makes them.
func entries(r crm.Record) []crm.IndexEntry {
	var ix []crm.IndexEntry
	add := func(index string, key, val []byte) { ix = append(ix, crm.IndexEntry{Index: index, Key: key, Val: val}) }
	uniq := func(index string, key []byte) { ix = append(ix, crm.IndexEntry{Index: index, Key: key, Unique: true}) }
	var owner int64
	switch r := r.(type) {
	case *crm.User:
		for _, p := range r.Phones {
			uniq(crm.IxUserPhone, []byte(p))
		}
		if r.Email != "" {
			uniq(crm.IxUserEmail, []byte(r.Email))
		}
		ix = append(ix, nameEntries(crm.KindUser, r.ID, r.Name)...)
		return ix // users have no owner entry
	case *crm.Account:
		ix = append(ix, nameEntries(crm.KindAccount, r.ID, r.Name)...)
		owner = r.Owner
	case *crm.Contact:
		ix = append(ix, nameEntries(crm.KindContact, r.ID, r.Name)...)
		if r.Account != 0 {
			add(crm.IxAccount, linkKey(r.Account, crm.KindContact, r.ID), nil)
		}
		owner = r.Owner
	case *crm.Opportunity:
		add(crm.IxStage, append([]byte{byte(r.Stage)}, itob(r.ID)...), nil)
		if r.Account != 0 {
			add(crm.IxAccount, linkKey(r.Account, crm.KindOpp, r.ID), nil)
		}
		owner = r.Owner
	case *crm.Activity:
		if r.Status == crm.StatusOpen && !r.Due.IsZero() {
			add(crm.IxDue, append(dueBytes(r.Due), itob(r.ID)...), nil)
		}
		if r.Status == crm.StatusOpen && r.Owner != 0 {
			var v []byte
			if !r.Due.IsZero() {
				v = dueBytes(r.Due)
			}
			add(crm.IxOpenOwner, append(itob(r.Owner), itob(r.ID)...), v)
		}
		if r.Status == crm.StatusOpen && r.AssignedBy != 0 && r.AssignedBy != r.Owner && !r.AssignedAt.IsZero() {
			add(crm.IxAssigned, itob(r.ID), encodeAssigned(r))
		}
		if r.Account != 0 {
			add(crm.IxAccount, linkKey(r.Account, crm.KindActivity, r.ID), nil)
		}
		owner = r.Owner
	case *crm.Equipment:
		if crm.IsOwnBrand(r.Brand) {
			uniq(crm.IxEqSerial, []byte(r.Serial))
		} else {
			uniq(crm.IxEqIdent, append(itob(r.Account), strings.ToUpper(r.Brand)+"\x00"+strings.ToUpper(r.Model)+"\x00"+r.Bought.Format("2006-01-02")...))
		}
		if r.Account != 0 {
			add(crm.IxAccount, linkKey(r.Account, crm.KindEquipment, r.ID), nil)
		}
		owner = r.Owner
	case *crm.Request:
		if r.Status == crm.ReqPending {
			add(crm.IxPending, itob(r.ID), nil)
		}
		owner = r.Owner
	case *crm.Document:
		add(crm.IxAccount, linkKey(r.Account, crm.KindDocument, r.ID), nil)
		owner = r.Owner
	}
	if owner != 0 {
		add(crm.IxOwner, ownerKey(r.RecordKind(), owner, r.RecordID()), nil)
	}
	return ix
}

// put writes r through etx as crm does: its JSON, the decoded record, its
// entries and the entries it had (old: nil when new).
func put(etx crm.ETx, r crm.Record, old crm.Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	w := &crm.RecordWrite{Kind: r.RecordKind(), ID: r.RecordID(), Data: data, Record: r, Create: old == nil, Index: entries(r)}
	if old != nil {
		w.OldIndex = entries(old)
	}
	return etx.Put(w)
}
