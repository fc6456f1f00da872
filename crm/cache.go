package crm

import (
	"bytes"
	"slices"
	"sync"
)

// decoded is a cache of decoded records shared by every transaction of a
// Store: JSON decoding was the first CPU item of a message (the same
// accounts, contacts, users and open activities are read by message after
// message). An entry is used only when the bytes stored now are exactly the
// bytes it was decoded from, so it can never be stale: a write, a rolled
// back write or a transaction that sees an older version simply misses (and
// bbolt's own values are never kept: the cache holds a copy). Callers get a
// copy of the cached record, which they may change.
//
// Only the kinds read on every message are cached; cloneRecord knows their
// reference fields (TestCloneRecordCoversFields keeps it honest).
type decoded struct {
	shards [decodedShards]decodedShard
}

const (
	decodedShards   = 16
	decodedPerShard = 4096 // about 64k records in all; a full shard starts again empty
)

type decodedShard struct {
	mu sync.Mutex
	m  map[decodedKey]decodedEntry
}

type decodedKey struct {
	kind Kind
	id   int64
}

type decodedEntry struct {
	raw []byte
	rec Record
}

func cachedKind(k Kind) bool {
	switch k {
	case KindActivity, KindAccount, KindContact, KindUser:
		return true
	}
	return false
}

func (d *decoded) shard(id int64) *decodedShard {
	return &d.shards[uint64(id)%decodedShards]
}

// get returns a copy of the record decoded from raw, or nil.
func (d *decoded) get(k Kind, id int64, raw []byte) Record {
	sh := d.shard(id)
	sh.mu.Lock()
	e, ok := sh.m[decodedKey{k, id}]
	sh.mu.Unlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		return nil
	}
	return cloneRecord(e.rec)
}

// put keeps r, just decoded from raw (r itself is kept: the caller passes
// the only other reference on as a copy).
func (d *decoded) put(k Kind, id int64, raw []byte, r Record) {
	sh := d.shard(id)
	e := decodedEntry{raw: bytes.Clone(raw), rec: r}
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= decodedPerShard {
		sh.m = make(map[decodedKey]decodedEntry, 256)
	}
	sh.m[decodedKey{k, id}] = e
	sh.mu.Unlock()
}

// cloneRecord copies a record of a cached kind deeply enough that changing
// the copy leaves the original as it was.
func cloneRecord(r Record) Record {
	switch v := r.(type) {
	case *Activity:
		c := *v
		return &c
	case *Contact:
		c := *v
		return &c
	case *User:
		c := *v
		c.Phones = slices.Clone(v.Phones)
		return &c
	case *Account:
		c := *v
		c.Aliases = slices.Clone(v.Aliases)
		c.Phones = slices.Clone(v.Phones)
		c.Team = slices.Clone(v.Team)
		c.PhoneHistory = slices.Clone(v.PhoneHistory)
		return &c
	}
	panic("crm: cloneRecord of an uncached kind")
}
