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
	etx      ETx // the engine's transaction: every read and write of crm goes through it
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
	lexNotes    []lexChange     // records whose names changed: told to the lexicons at commit
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
//
// Deprecated: bbolt only (nil on another engine); use State.
func (tx *Tx) Bolt() *bolt.Tx {
	tx.dirty = true
	if bt, ok := tx.etx.(*boltTx); ok {
		return bt.btx
	}
	return nil
}

// Peek reads key in a bucket kept by another package in the same file (a
// message claim, say) without counting as a write: a request that only read
// is refused without rolling back the requests committed with it. nil when
// the bucket or the key is missing. The value is valid until the
// transaction ends and must not be modified.
//
// Deprecated: use State(space).Get.
func (tx *Tx) Peek(bucket, key []byte) []byte {
	return tx.etx.State(string(bucket)).Get(key)
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
	v := tx.etx.Get(k, id)
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
	return id > 0 && tx.etx.Get(k, id) != nil
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
func indexesOf(r Record) []IndexEntry {
	ix := r.indexes()
	if o := r.ownedBy(); o.User != 0 && r.RecordKind() != KindUser {
		ix = append(ix, IndexEntry{Index: IxOwner, Key: ownerKey(r.RecordKind(), o.User, r.RecordID())})
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
	var before []byte
	var old Record
	var oldIx []IndexEntry
	if k == KindUser {
		delete(tx.users, r.RecordID())
	}
	if r.RecordID() != 0 {
		if v := tx.etx.Get(k, r.RecordID()); v != nil {
			before = bytes.Clone(v)
			var err error
			if old, err = tx.decode(k, r.RecordID(), v); err != nil {
				return err
			}
			oldIx = indexesOf(old)
		}
	}
	// unique keys (a phone, a serial number) do not depend on the id: they
	// are checked before a new id is taken, so a refused record writes nothing
	for _, e := range uniqueEntries(r) {
		if hasEntry(oldIx, e) {
			continue
		}
		if holder := tx.etx.Unique(e.Index, e.Key); holder != 0 && holder != r.RecordID() {
			return tx.uniqueConflict(e, k, holder)
		}
	}
	if err := tx.etx.Err(); err != nil {
		return err
	}
	create := old == nil
	if r.RecordID() == 0 {
		id, err := tx.etx.NextID(k)
		tx.dirty = true
		if err != nil {
			return err
		}
		r.setID(id)
	} else if old == nil {
		// an import that keeps its ids: ids stay unique and are never reused
		tx.dirty = true
		if err := tx.etx.KeepID(k, r.RecordID()); err != nil {
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

	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tx.dirty = true
	w := RecordWrite{Kind: k, ID: r.RecordID(), Data: data, Record: r, Create: create,
		Index: indexesOf(r), OldIndex: oldIx}
	if err := tx.etx.Put(&w); err != nil {
		return err
	}
	if cachedKind(k) {
		// the next reader finds it decoded (kept if this transaction is
		// rolled back too: the cache matches values by their bytes)
		tx.s.decoded.put(k, r.RecordID(), data, cloneRecord(r))
	}
	if lexKind(k) && lexChanged(old, r) {
		tx.noteLex(k, r.RecordID())
	}
	op := OpUpdate
	if old == nil {
		op = OpCreate
	}
	return tx.recordChange(k, r.RecordID(), op, before, data)
}

// uniqueEntries are r's entries in unique indexes (users' phones and
// e-mail, machines' identities).
func uniqueEntries(r Record) []IndexEntry {
	switch r := r.(type) {
	case *User:
		return r.uniqueEntries()
	case *Equipment:
		return r.uniqueEntries()
	}
	return nil
}

// hasEntry reports whether ix holds e with the same value: the entry an
// update would write is stored already.
func hasEntry(ix []IndexEntry, e IndexEntry) bool {
	for _, o := range ix {
		if o.Index == e.Index && bytes.Equal(o.Key, e.Key) && o.Unique == e.Unique && bytes.Equal(o.Val, e.Val) {
			return true
		}
	}
	return false
}

// remove deletes r and its indexes, recording the change (undo brings it back).
func (tx *Tx) remove(k Kind, id int64) error {
	v := tx.etx.Get(k, id)
	if v == nil {
		if err := tx.etx.Err(); err != nil {
			return err
		}
		return Errorf(ENOTFOUND, "No %s #%d.", kindName(k), id)
	}
	before := bytes.Clone(v)
	old, err := tx.decode(k, id, before)
	if err != nil {
		return err
	}
	tx.dirty = true
	if err := tx.etx.Delete(k, id, indexesOf(old)); err != nil {
		return err
	}
	return tx.recordChange(k, id, OpDelete, before, nil)
}

// uniqueConflict refuses a record whose unique key (a CAT serial number, a
// user's phone) record id of kind k holds already. The rule is global, but
// the refusal names the holder only to whoever may see it: to others it
// says neither its id nor where it is.
func (tx *Tx) uniqueConflict(e IndexEntry, k Kind, id int64) error {
	if holder, err := tx.load(k, id); err == nil && tx.canRead(holder) {
		return Errorf(ECONFLICT, "%s is already used by %s #%d.", uniqueLabel(e), kindName(k), id)
	}
	return Errorf(ECONFLICT, "%s is already on file, in records you cannot see.", uniqueLabel(e)).
		withHint("ask your manager to check it")
}

func uniqueLabel(e IndexEntry) string {
	switch e.Index {
	case IxUserPhone:
		return "Phone " + string(e.Key)
	case IxUserEmail:
		return "Email " + string(e.Key)
	case IxEqSerial:
		return "Serial number " + string(e.Key)
	case IxEqIdent:
		return "This brand, model and purchase date"
	}
	return string(e.Key)
}

// kindName is how a kind is named in replies.
func kindName(k Kind) string {
	switch k {
	case KindOpp:
		return "opportunity"
	}
	return string(k)
}
