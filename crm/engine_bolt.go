package crm

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// boltEngine is the embedded engine: one bbolt file in one process. crm's
// own writes go through the Store's single writer (group commit); Update
// here is one bbolt transaction, for the packages' own bookkeeping.
type boltEngine struct{ db *bolt.DB }

func (e *boltEngine) Name() string { return "bbolt" }
func (e *boltEngine) Shared() bool { return false }
func (e *boltEngine) Close() error { return e.db.Close() }

func (e *boltEngine) View(ctx context.Context, fn func(ETx) error) error {
	return e.db.View(func(btx *bolt.Tx) error {
		t := &boltTx{btx: btx}
		if err := fn(t); err != nil {
			return err
		}
		return t.err
	})
}

func (e *boltEngine) Update(ctx context.Context, fn func(ETx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return e.db.Update(func(btx *bolt.Tx) error {
		fillAppendOnly(btx)
		t := &boltTx{btx: btx}
		if err := fn(t); err != nil {
			return err
		}
		return t.err
	})
}

// boltTx is an ETx on a bbolt transaction.
type boltTx struct {
	btx   *bolt.Tx
	dirty bool
	err   error
}

func (t *boltTx) Writable() bool { return t.btx.Writable() }
func (t *boltTx) Dirty() bool    { return t.dirty }
func (t *boltTx) Err() error     { return t.err }

func (t *boltTx) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return err
}

func (t *boltTx) State(space string) Bucket { return &boltBucket{t: t, name: []byte(space)} }

func (t *boltTx) bucket(name string) *bolt.Bucket { return t.btx.Bucket([]byte(name)) }

func (t *boltTx) Get(k Kind, id int64) []byte {
	if b := t.btx.Bucket(recBucket(k)); b != nil {
		return b.Get(itob(id))
	}
	return nil
}

func (t *boltTx) Put(w *RecordWrite) error {
	t.dirty = true
	for _, e := range w.OldIndex {
		if !holdsKey(w.Index, e) {
			if err := t.bucket(e.Index).Delete(e.Key); err != nil {
				return t.fail(err)
			}
		}
	}
	for _, e := range w.Index {
		if holdsEntry(w.OldIndex, e) {
			continue // stored already: a Put would rewrite its page for nothing
		}
		val := e.Val
		if e.Unique {
			val = itob(w.ID)
		}
		if err := t.bucket(e.Index).Put(e.Key, val); err != nil {
			return t.fail(err)
		}
	}
	if err := t.btx.Bucket(recBucket(w.Kind)).Put(itob(w.ID), w.Data); err != nil {
		return t.fail(err)
	}
	return nil
}

// holdsEntry reports whether ix holds e with the same value.
func holdsEntry(ix []IndexEntry, e IndexEntry) bool {
	for _, o := range ix {
		if o.Index == e.Index && bytes.Equal(o.Key, e.Key) && o.Unique == e.Unique && bytes.Equal(o.Val, e.Val) {
			return true
		}
	}
	return false
}

// holdsKey reports whether ix holds e's key.
func holdsKey(ix []IndexEntry, e IndexEntry) bool {
	for _, o := range ix {
		if o.Index == e.Index && bytes.Equal(o.Key, e.Key) {
			return true
		}
	}
	return false
}

func (t *boltTx) Delete(k Kind, id int64, oldIndex []IndexEntry) error {
	t.dirty = true
	for _, e := range oldIndex {
		if err := t.bucket(e.Index).Delete(e.Key); err != nil {
			return t.fail(err)
		}
	}
	return t.fail0(t.btx.Bucket(recBucket(k)).Delete(itob(id)))
}

func (t *boltTx) fail0(err error) error {
	if err != nil {
		return t.fail(err)
	}
	return nil
}

func (t *boltTx) NextID(k Kind) (int64, error) {
	t.dirty = true
	seq, err := t.btx.Bucket(recBucket(k)).NextSequence()
	if err != nil {
		return 0, t.fail(err)
	}
	return int64(seq), nil
}

func (t *boltTx) KeepID(k Kind, id int64) error {
	b := t.btx.Bucket(recBucket(k))
	if uint64(id) <= b.Sequence() {
		return nil
	}
	t.dirty = true
	return t.fail0(b.SetSequence(uint64(id)))
}

func (t *boltTx) LastID(k Kind) int64 { return int64(t.btx.Bucket(recBucket(k)).Sequence()) }

func (t *boltTx) Scan(k Kind, fn func(id int64, data []byte) bool) error {
	c := t.btx.Bucket(recBucket(k)).Cursor()
	for key, v := c.First(); key != nil; key, v = c.Next() {
		if !fn(int64(btou(key)), v) {
			return nil
		}
	}
	return nil
}

func (t *boltTx) Unique(index string, key []byte) int64 {
	if b := t.bucket(index); b != nil {
		if v := b.Get(key); len(v) == 8 {
			return int64(btou(v))
		}
	}
	return 0
}

// ids calls fn with the id that ends each key of index under prefix.
func (t *boltTx) ids(index string, prefix []byte, fn func(id int64) bool) error {
	c := t.bucket(index).Cursor()
	for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
		if len(key) < 8 || !fn(int64(btou(key[len(key)-8:]))) {
			return nil
		}
	}
	return nil
}

func (t *boltTx) OwnedBy(k Kind, owner int64, fn func(id int64) bool) error {
	p := ownerKey(k, owner, 0)
	return t.ids(IxOwner, p[:len(p)-8], fn)
}

func (t *boltTx) Linked(account int64, k Kind, fn func(id int64) bool) error {
	p := linkKey(account, k, 0)
	return t.ids(IxAccount, p[:len(p)-8], fn)
}

func (t *boltTx) OpenOwned(owner int64, fn func(id int64, due time.Time) bool) error {
	prefix := itob(owner)
	c := t.bucket(IxOpenOwner).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		due, _ := dueOf(v)
		if !fn(int64(btou(k[8:])), due) {
			return nil
		}
	}
	return nil
}

func (t *boltTx) OpenDue(before time.Time, fn func(id int64) bool) error {
	end := dueKey(before, 0)
	c := t.bucket(IxDue).Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
		if !fn(int64(btou(k[8:]))) {
			return nil
		}
	}
	return nil
}

func (t *boltTx) Assigned(fn func(id int64, a Assigned) error) error {
	return t.bucket(IxAssigned).ForEach(func(k, v []byte) error {
		return fn(int64(btou(k)), decodeAssigned(v))
	})
}

// decodeAssigned reads an entry of idx_assigned (encodeAssigned).
func decodeAssigned(v []byte) Assigned {
	a := Assigned{At: time.Unix(0, int64(binary.BigEndian.Uint64(v))), Owner: int64(binary.BigEndian.Uint64(v[9:]))}
	a.Urgent, a.Escalated, a.Acked = v[8]&flagUrgent != 0, v[8]&flagEscalated != 0, v[8]&flagAcked != 0
	if d := binary.BigEndian.Uint64(v[17:]); d != 0 {
		a.Due = time.Unix(0, int64(d))
	}
	return a
}

func (t *boltTx) ByStage(s Stage, fn func(id int64) bool) error {
	return t.ids(IxStage, []byte{byte(s)}, fn)
}

func (t *boltTx) Pending(fn func(id int64) bool) error { return t.ids(IxPending, nil, fn) }

func (t *boltTx) Names(from []byte, fn func(key, hints []byte) bool) error {
	c := t.bucket(IxName).Cursor()
	for k, v := c.Seek(from); k != nil; k, v = c.Next() {
		if !fn(k, v) {
			return nil
		}
	}
	return nil
}

func (t *boltTx) NextChangeSet() (int64, error) {
	t.dirty = true
	seq, err := t.btx.Bucket(bktChangeSets).NextSequence()
	if err != nil {
		return 0, t.fail(err)
	}
	return int64(seq), nil
}

func (t *boltTx) LastChangeSet() int64 { return int64(t.btx.Bucket(bktChangeSets).Sequence()) }

func (t *boltTx) PutChangeSet(cs *ChangeSet, data []byte) error {
	t.dirty = true
	return t.fail0(t.btx.Bucket(bktChangeSets).Put(itob(cs.ID), data))
}

func (t *boltTx) ChangeSet(id int64) []byte { return t.btx.Bucket(bktChangeSets).Get(itob(id)) }

func (t *boltTx) ChangeSetsAfter(id int64, fn func(id int64, data []byte) bool) error {
	c := t.btx.Bucket(bktChangeSets).Cursor()
	for k, v := c.Seek(itob(id + 1)); k != nil; k, v = c.Next() {
		if !fn(int64(btou(k)), v) {
			return nil
		}
	}
	return nil
}

func (t *boltTx) AddHistory(k Kind, id, cs int64) error {
	t.dirty = true
	return t.fail0(t.btx.Bucket(bktRecHist).Put(append(recKey(k, id), itob(cs)...), nil))
}

func (t *boltTx) History(k Kind, id int64, desc bool, fn func(cs int64) bool) error {
	prefix := recKey(k, id)
	return t.State(string(bktRecHist)).Scan(prefix, PrefixEnd(prefix), desc, func(key, _ []byte) bool {
		if len(key) != len(prefix)+8 {
			return true
		}
		return fn(int64(btou(key[len(prefix):])))
	})
}

// boltBucket is a Bucket on a bbolt bucket, created at its first write.
type boltBucket struct {
	t    *boltTx
	name []byte
}

func (b *boltBucket) get() *bolt.Bucket { return b.t.btx.Bucket(b.name) }

func (b *boltBucket) create() (*bolt.Bucket, error) {
	b.t.dirty = true
	if bk := b.get(); bk != nil {
		return bk, nil
	}
	bk, err := b.t.btx.CreateBucketIfNotExists(b.name)
	if err != nil {
		return nil, b.t.fail(err)
	}
	return bk, nil
}

func (b *boltBucket) Get(key []byte) []byte {
	if bk := b.get(); bk != nil {
		return bk.Get(key)
	}
	return nil
}

func (b *boltBucket) Put(key, value []byte) error {
	bk, err := b.create()
	if err != nil {
		return err
	}
	return b.t.fail0(bk.Put(key, value))
}

func (b *boltBucket) Delete(key []byte) error {
	bk := b.get()
	if bk == nil {
		return nil
	}
	b.t.dirty = true
	return b.t.fail0(bk.Delete(key))
}

func (b *boltBucket) Scan(from, to []byte, desc bool, fn func(k, v []byte) bool) error {
	bk := b.get()
	if bk == nil {
		return nil
	}
	c := bk.Cursor()
	if !desc {
		var k, v []byte
		if from == nil {
			k, v = c.First()
		} else {
			k, v = c.Seek(from)
		}
		for ; k != nil && (to == nil || bytes.Compare(k, to) < 0); k, v = c.Next() {
			if !fn(k, v) {
				return nil
			}
		}
		return nil
	}
	var k, v []byte
	if to == nil {
		k, v = c.Last()
	} else if k, v = c.Seek(to); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && (from == nil || bytes.Compare(k, from) >= 0); k, v = c.Prev() {
		if !fn(k, v) {
			return nil
		}
	}
	return nil
}

func (b *boltBucket) NextSequence() (uint64, error) {
	bk, err := b.create()
	if err != nil {
		return 0, err
	}
	seq, err := bk.NextSequence()
	if err != nil {
		return 0, b.t.fail(err)
	}
	return seq, nil
}

func (b *boltBucket) Sequence() uint64 {
	if bk := b.get(); bk != nil {
		return bk.Sequence()
	}
	return 0
}

func (b *boltBucket) SetSequence(v uint64) error {
	bk, err := b.create()
	if err != nil {
		return err
	}
	if v <= bk.Sequence() {
		return nil
	}
	return b.t.fail0(bk.SetSequence(v))
}

func (b *boltBucket) Count() int {
	if bk := b.get(); bk != nil {
		return bk.Stats().KeyN
	}
	return 0
}

// Engine returns the engine under the store, for packages that keep their
// own state in the same database (claims, the outbox, the scheduler's marks).
func (s *Store) Engine() Engine { return s.eng }

// State is a package's space of keys in the request's transaction (a
// message claim, a page of an answer, an outbox entry): written atomically
// with the request's changes. Writing it counts as a write: a request that
// fails afterwards is rolled back whole.
func (tx *Tx) State(space string) Bucket { return tx.etx.State(space) }

// ETx is the request's engine transaction.
func (tx *Tx) ETx() ETx { return tx.etx }
