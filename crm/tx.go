package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Tx is one request's view of the store: reads and writes as Meta.Actor, with
// every change recorded in the request's change set.
type Tx struct {
	s        *Store
	btx      *bolt.Tx
	etx      ETx
	meta     Meta
	now      time.Time
	writable bool
	dirty    bool       // something was written: a failure now needs a rollback
	cs       *ChangeSet // created at the first write

	newAccounts []*Account      // created in this request: each needs a contact by the end
	changeAt    map[string]int  // kind|id → index in cs.Changes
	idPending   []int           // events emitted before their record had an id
	users       map[int64]*User // users read in this request (owners, managers)
	notices     []Notice        // notices queued by the rules, sent with the reply (notify)
	// set while a rule-owning method saves a change that plain saves refuse
	approving, converting, staging, reassigning bool
}

// Now is the time of the transaction (the store's clock when it began).
func (tx *Tx) Now() time.Time { return tx.now }

// Actor is the user the transaction acts as.
func (tx *Tx) Actor() *User { return tx.meta.Actor }

// Bolt exposes the underlying transaction to packages that keep their own
// buckets in the same file and must commit atomically with a change (message
// claims, the outbox). They must not write crm's buckets.
//
// Handing out the transaction counts as a write: a request that fails
// afterwards is rolled back whole, its foreign writes with it.
func (tx *Tx) Bolt() *bolt.Tx {
	tx.dirty = true
	return tx.btx
}

// Peek reads key in a bucket kept by another package in the same file (a
// message claim, say) without counting as a write: a request that only read
// is refused without rolling back the requests committed with it. nil when
// the bucket or the key is missing. The value is valid until the
// transaction ends and must not be modified.
func (tx *Tx) Peek(bucket, key []byte) []byte {
	if b := tx.btx.Bucket(bucket); b != nil {
		return b.Get(key)
	}
	return nil
}

// ChangeSet returns the change set so far (nil before the first write).
func (tx *Tx) ChangeSet() *ChangeSet { return tx.cs }

// Emit records an event for the code that sends notices after the commit.
func (tx *Tx) Emit(e Event) {
	tx.ensureCS()
	if e.ID == -1 { // about the record being saved: its id is filled in by save
		tx.idPending = append(tx.idPending, len(tx.cs.Events))
	}
	tx.cs.Events = append(tx.cs.Events, e)
}

// ientry is one secondary index entry of a record.
type ientry struct {
	bkt    []byte
	key    []byte
	unique bool   // key → record id, at most one record per key
	val    []byte // the value of a non-unique entry (the name index keeps ranking hints)
}

func newRecord(k Kind) Record {
	switch k {
	case KindUser:
		return &User{}
	case KindAccount:
		return &Account{}
	case KindContact:
		return &Contact{}
	case KindLead:
		return &Lead{}
	case KindOpp:
		return &Opportunity{}
	case KindActivity:
		return &Activity{}
	case KindEquipment:
		return &Equipment{}
	case KindCompetitor:
		return &Competitor{}
	case KindCampaign:
		return &Campaign{}
	case KindDocument:
		return &Document{}
	case KindRequest:
		return &Request{}
	}
	panic("crm: unknown kind " + string(k))
}

// load reads a record of kind k without an access check.
func (tx *Tx) load(k Kind, id int64) (Record, error) {
	v := tx.btx.Bucket(recBucket(k)).Get(itob(id))
	if v == nil {
		return nil, Errorf(ENOTFOUND, "No %s #%d.", kindName(k), id)
	}
	return tx.decode(k, id, v)
}

// decode turns a stored value into a record: a copy of the cached one when
// these exact bytes were decoded before.
func (tx *Tx) decode(k Kind, id int64, v []byte) (Record, error) {
	cache := cachedKind(k)
	if cache {
		if r := tx.s.decoded.get(k, id, v); r != nil {
			return r, nil
		}
	}
	r := newRecord(k)
	if err := json.Unmarshal(v, r); err != nil {
		return nil, fmt.Errorf("decode %s #%d: %w", k, id, err)
	}
	if cache {
		tx.s.decoded.put(k, id, v, r)
		return cloneRecord(r), nil
	}
	return r, nil
}

// exists reports whether a record of kind k with id is stored.
func (tx *Tx) exists(k Kind, id int64) bool {
	return id > 0 && tx.btx.Bucket(recBucket(k)).Get(itob(id)) != nil
}

// linkable reports whether a record may point to account id: it exists and
// the actor may see it (a salesman cannot attach things to, or probe, the
// other branch's accounts).
func (tx *Tx) linkable(k Kind, id int64) bool {
	if tx.meta.Actor == System {
		return tx.exists(k, id)
	}
	r, err := tx.load(k, id)
	return err == nil && tx.canRead(r)
}

// user reads a user without an access check, once per request.
func (tx *Tx) user(id int64) (*User, error) {
	if u, ok := tx.users[id]; ok {
		return u, nil
	}
	u, err := loadAs[User](tx, id)
	if err != nil {
		return nil, err
	}
	if tx.users == nil {
		tx.users = map[int64]*User{}
	}
	tx.users[id] = u
	return u, nil
}

// loadAs reads a record of type P by id without an access check.
func loadAs[T any, P interface {
	*T
	Record
}](tx *Tx, id int64) (P, error) {
	var zero P
	r, err := tx.load(P(new(T)).RecordKind(), id)
	if err != nil {
		return zero, err
	}
	return r.(P), nil
}

// getAs reads a record of type P by id as the actor: refused when the actor
// may not read it.
func getAs[T any, P interface {
	*T
	Record
}](tx *Tx, id int64) (P, error) {
	r, err := loadAs[T, P](tx, id)
	if err != nil {
		return nil, err
	}
	if !tx.canRead(r) {
		return nil, Errorf(ENOTFOUND, "No %s #%d that you can see.", kindName(r.RecordKind()), id)
	}
	return r, nil
}

// indexesOf returns every index entry of r: its own and the common ones.
func indexesOf(r Record) []ientry {
	ix := r.indexes()
	if o := r.ownedBy(); o.User != 0 && r.RecordKind() != KindUser {
		ix = append(ix, ientry{bkt: bktOwner, key: ownerKey(r.RecordKind(), o.User, r.RecordID())})
	}
	return ix
}

func ownerKey(k Kind, owner, id int64) []byte {
	b := make([]byte, 0, len(k)+17)
	b = append(b, k...)
	b = append(b, 0)
	b = append(b, itob(owner)...)
	return append(b, itob(id)...)
}

// put writes r, creating it when its id is 0 (or not stored yet), keeping its
// indexes and recording the change. It checks no access: callers do.
func (tx *Tx) put(r Record) error {
	if !tx.writable {
		return Errorf(EINTERNAL, "write in a read-only transaction")
	}
	k := r.RecordKind()
	b := tx.btx.Bucket(recBucket(k))
	var before []byte
	var old Record
	if k == KindUser {
		delete(tx.users, r.RecordID())
	}
	if r.RecordID() == 0 {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.setID(int64(seq))
	} else if v := b.Get(itob(r.RecordID())); v != nil {
		before = bytes.Clone(v)
		var err error
		if old, err = tx.decode(k, r.RecordID(), v); err != nil {
			return err
		}
	} else if uint64(r.RecordID()) > b.Sequence() {
		// an import that keeps its ids: ids stay unique and are never reused
		if err := b.SetSequence(uint64(r.RecordID())); err != nil {
			return err
		}
	}
	bs := r.base()
	if old == nil {
		if bs.Created.IsZero() {
			bs.Created = tx.now
		}
	} else {
		bs.Created = old.base().Created
	}
	bs.Updated = tx.now

	newIx := indexesOf(r)
	var oldIx []ientry
	if old != nil {
		oldIx = indexesOf(old)
	}
	for _, e := range newIx {
		if !e.unique || hasEntry(oldIx, e) {
			continue
		}
		if v := tx.btx.Bucket(e.bkt).Get(e.key); v != nil && int64(btou(v)) != r.RecordID() {
			return tx.uniqueConflict(e, k, int64(btou(v)))
		}
	}
	tx.dirty = true
	if err := tx.dropEntries(oldIx, newIx); err != nil {
		return err
	}
	for _, e := range newIx {
		if hasEntry(oldIx, e) {
			continue // stored already: a Put would rewrite its page for nothing
		}
		val := e.val
		if e.unique {
			val = itob(r.RecordID())
		}
		if err := tx.btx.Bucket(e.bkt).Put(e.key, val); err != nil {
			return err
		}
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := b.Put(itob(r.RecordID()), data); err != nil {
		return err
	}
	if cachedKind(k) {
		// the next reader finds it decoded (kept if this transaction is
		// rolled back too: the cache matches values by their bytes)
		tx.s.decoded.put(k, r.RecordID(), data, cloneRecord(r))
	}
	if lexKind(k) && lexChanged(old, r) {
		tx.s.lex.noteLex(k, r.RecordID())
	}
	op := OpUpdate
	if old == nil {
		op = OpCreate
	}
	return tx.recordChange(k, r.RecordID(), op, before, data)
}

// hasEntry reports whether ix holds e with the same value: the entry an
// update would write is stored already.
func hasEntry(ix []ientry, e ientry) bool {
	for _, o := range ix {
		if bytes.Equal(o.bkt, e.bkt) && bytes.Equal(o.key, e.key) && o.unique == e.unique && bytes.Equal(o.val, e.val) {
			return true
		}
	}
	return false
}

// dropEntries removes the index entries of old that are not among keep.
func (tx *Tx) dropEntries(old, keep []ientry) error {
	for _, e := range old {
		found := false
		for _, n := range keep {
			if bytes.Equal(n.bkt, e.bkt) && bytes.Equal(n.key, e.key) {
				found = true
				break
			}
		}
		if !found {
			if err := tx.btx.Bucket(e.bkt).Delete(e.key); err != nil {
				return err
			}
		}
	}
	return nil
}

// remove deletes r and its indexes, recording the change (undo brings it back).
func (tx *Tx) remove(k Kind, id int64) error {
	old, err := tx.load(k, id)
	if err != nil {
		return err
	}
	tx.dirty = true
	if err := tx.dropEntries(indexesOf(old), nil); err != nil {
		return err
	}
	b := tx.btx.Bucket(recBucket(k))
	before := bytes.Clone(b.Get(itob(id)))
	if err := b.Delete(itob(id)); err != nil {
		return err
	}
	return tx.recordChange(k, id, OpDelete, before, nil)
}

// uniqueConflict refuses a record whose unique key (a CAT serial number, a
// user's phone) record id of kind k holds already. The rule is global, but
// the refusal names the holder only to whoever may see it: to others it
// says neither its id nor where it is.
func (tx *Tx) uniqueConflict(e ientry, k Kind, id int64) error {
	if holder, err := tx.load(k, id); err == nil && tx.canRead(holder) {
		return Errorf(ECONFLICT, "%s is already used by %s #%d.", uniqueLabel(e), kindName(k), id)
	}
	return Errorf(ECONFLICT, "%s is already on file, in records you cannot see.", uniqueLabel(e)).
		withHint("ask your manager to check it")
}

func uniqueLabel(e ientry) string {
	switch {
	case bytes.Equal(e.bkt, bktUserPhone):
		return "Phone " + string(e.key)
	case bytes.Equal(e.bkt, bktUserEmail):
		return "Email " + string(e.key)
	case bytes.Equal(e.bkt, bktEqSerial):
		return "Serial number " + string(e.key)
	case bytes.Equal(e.bkt, bktEqIdent):
		return "This brand, model and purchase date"
	}
	return string(e.key)
}

// kindName is how a kind is named in replies.
func kindName(k Kind) string {
	switch k {
	case KindOpp:
		return "opportunity"
	}
	return string(k)
}
