package crm

import (
	"context"
	"time"
)

// Engine is the database under a Store: bbolt, embedded in one process (the
// default), or PostgreSQL, shared by several nodes (crm/pgstore). Every
// package reaches storage through it and through ETx, never through an
// engine's own types (docs/storage.md).
type Engine interface {
	// Name says which engine it is: "bbolt" or "postgres".
	Name() string
	// Shared reports whether several processes (nodes) use the database at
	// once: then what one process kept in memory (a sender number's next
	// free moment, a lease, a job's slot) must be kept in the database.
	Shared() bool
	// View runs fn on a consistent snapshot.
	View(ctx context.Context, fn func(ETx) error) error
	// Update runs fn as one atomic change: all of it is committed or none.
	// fn may run more than once (a conflict with another transaction is
	// retried), so it must have no effects outside the transaction and must
	// reset whatever it reports through captured variables when it starts.
	Update(ctx context.Context, fn func(ETx) error) error
	Close() error
}

// ETx is one transaction of an Engine.
//
// Reads return no error: a read that fails (the server went away, a
// serialization failure on a shared engine) returns zero values and the
// failure is kept (Err); View and Update return it, and no write is
// committed after it. Writes return their error too.
type ETx interface {
	// Writable reports whether the transaction may write.
	Writable() bool
	// Dirty reports whether anything was written.
	Dirty() bool
	// Err is the first failure in the transaction, nil if none.
	Err() error

	// State is a space of keys of a package (crm's conversations, the
	// gateway's message claims, the outbox's entries, the scheduler's
	// marks…): ordered bytes to bytes.
	State(space string) Bucket

	// Get returns the JSON of a record, nil when there is none.
	Get(k Kind, id int64) []byte
	// Put writes a record and its index entries (w.Index; the entries of
	// w.OldIndex that w.Index does not hold are removed). The caller checked
	// its unique keys (Unique); an engine that finds one taken anyway (a
	// race with another node) fails the transaction with a retryable error.
	Put(w *RecordWrite) error
	// Delete removes a record and its index entries.
	Delete(k Kind, id int64, oldIndex []IndexEntry) error
	// NextID takes the next id of a kind: short, unique, never given again.
	NextID(k Kind) (int64, error)
	// KeepID raises a kind's counter to at least id (an import keeping its ids).
	KeepID(k Kind, id int64) error
	// LastID is the last id given to a kind.
	LastID(k Kind) int64
	// Scan calls fn for every record of kind k in id order until fn returns
	// false. data is valid only during the call.
	Scan(k Kind, fn func(id int64, data []byte) bool) error

	// Unique returns the id of the record holding key in a unique index
	// (IxUserPhone, IxUserEmail, IxEqSerial, IxEqIdent), 0 when none.
	Unique(index string, key []byte) int64
	// OwnedBy calls fn for the ids of the records of kind k owned by owner, ascending.
	OwnedBy(k Kind, owner int64, fn func(id int64) bool) error
	// Linked calls fn for the ids of an account's records of kind k, ascending.
	Linked(account int64, k Kind, fn func(id int64) bool) error
	// OpenOwned calls fn for the open activities of owner in id order, with
	// each one's due time (zero when it has none).
	OpenOwned(owner int64, fn func(id int64, due time.Time) bool) error
	// OpenDue calls fn for the open activities due before t, earliest first
	// (then by id).
	OpenDue(before time.Time, fn func(id int64) bool) error
	// Assigned calls fn for every open activity someone else assigned, in
	// id order, until fn returns an error.
	Assigned(fn func(id int64, a Assigned) error) error
	// ByStage calls fn for the ids of the opportunities at stage s, ascending.
	ByStage(s Stage, fn func(id int64) bool) error
	// Pending calls fn for the ids of the requests waiting for a decision, ascending.
	Pending(fn func(id int64) bool) error
	// Names calls fn for the entries of the name index from key from on,
	// ascending, until fn returns false: key is kind 0 token 0 id (8 bytes,
	// big-endian), hints its IndexEntry.Val (crm/text.go).
	Names(from []byte, fn func(key, hints []byte) bool) error

	// NextChangeSet takes a change set's id: unique, increasing.
	NextChangeSet() (int64, error)
	// LastChangeSet is the last change-set id given.
	LastChangeSet() int64
	// PutChangeSet stores a change set (its JSON; cs for the engine's columns).
	PutChangeSet(cs *ChangeSet, data []byte) error
	// ChangeSet returns a stored change set's JSON, nil when there is none.
	ChangeSet(id int64) []byte
	// ChangeSetsAfter calls fn for the change sets with ids above id,
	// ascending, until fn returns false.
	ChangeSetsAfter(id int64, fn func(id int64, data []byte) bool) error
	// AddHistory notes that change set cs touched a record.
	AddHistory(k Kind, id, cs int64) error
	// History calls fn for the change sets that touched a record, ascending
	// (descending when desc), until fn returns false.
	History(k Kind, id int64, desc bool, fn func(cs int64) bool) error
}

// Bucket is a space of keys in a transaction: ordered bytes to bytes.
// Values returned are valid only until the transaction ends and must not be
// changed.
type Bucket interface {
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	// Scan calls fn for each key from from (inclusive; nil: the first) to
	// to (exclusive; nil: past the last), ascending, or descending when desc
	// (from the last key below to down to from), until fn returns false.
	// Writing the bucket inside fn is not allowed.
	Scan(from, to []byte, desc bool, fn func(k, v []byte) bool) error
	// NextSequence returns a number unique and increasing in the space. On a
	// shared engine a rolled-back transaction does not give it back.
	NextSequence() (uint64, error)
	// Sequence is the last number NextSequence gave.
	Sequence() uint64
	// SetSequence raises the sequence (to keep ids an import brings).
	SetSequence(v uint64) error
	// Count is the number of keys.
	Count() int
}

// PrefixEnd is the first key after every key that starts with prefix (nil:
// none, the prefix is all 0xff): Scan(prefix, PrefixEnd(prefix), …) visits
// the keys with that prefix.
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// RecordWrite is a record as Put writes it.
type RecordWrite struct {
	Kind Kind
	ID   int64
	Data []byte // the record's JSON
	// Record is Data decoded: an engine with typed columns takes them from it.
	Record Record
	// Create is set when the record is new.
	Create bool
	// Index are the record's index entries; OldIndex those it had (nil when new).
	Index, OldIndex []IndexEntry
}

// Index names (IndexEntry.Index): each is what bbolt keeps as a bucket.
const (
	IxUserPhone  = "idx_user_phone"  // E.164 → user (unique)
	IxUserEmail  = "idx_user_email"  // email → user (unique)
	IxName       = "idx_name"        // kind 0 token 0 id → hints
	IxOwner      = "idx_owner"       // kind 0 owner id
	IxDue        = "idx_due"         // due | activity id: open activities with a due time
	IxStage      = "idx_stage"       // stage | opportunity id
	IxAccount    = "idx_account"     // account | kind 0 id
	IxEqSerial   = "idx_eq_serial"   // own-brand serial → equipment (unique)
	IxEqIdent    = "idx_eq_ident"    // account | brand 0 model 0 date → equipment (unique)
	IxPending    = "idx_pending"     // request id: waiting for a manager
	IxLeadStatus = "idx_lead_status" // status 0 lead id
	IxOpenOwner  = "idx_open_owner"  // owner | activity id → due
	IxAssigned   = "idx_assigned"    // activity id → Assigned
)

// IndexEntry is one secondary index entry of a record. An engine that keeps
// indexes of its own (PostgreSQL's, on typed columns) needs only the name
// index's entries and the unique ones.
type IndexEntry struct {
	Index  string
	Key    []byte
	Unique bool   // key → record id, at most one record per key
	Val    []byte // the value of a non-unique entry
}
