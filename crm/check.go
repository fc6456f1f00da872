package crm

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// indexBuckets are the buckets Check rebuilds from the records.
var indexBuckets = [][]byte{bktUserPhone, bktUserEmail, bktName, bktOwner, bktDue, bktStage,
	bktByAccount, bktEqSerial, bktEqIdent, bktPending, bktLeadStatus, bktOpenOwner, bktAssigned}

// CheckReport is what Check found.
type CheckReport struct {
	Records  map[Kind]int // records per kind
	Entries  int          // index entries expected
	Missing  int          // expected index entries not stored
	Extra    int          // stored index entries no record explains
	Wrong    int          // entries with the wrong value
	BadSeq   int          // kinds whose id sequence is behind their largest id
	Problems []string     // the first problems, for a person to read
	Repaired bool
}

// OK reports whether nothing was wrong.
func (r *CheckReport) OK() bool { return r.Missing+r.Extra+r.Wrong+r.BadSeq == 0 }

const maxProblems = 20

func (r *CheckReport) note(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// Check validates every secondary index against the records (and each kind's
// id sequence against its largest id). With repair, it rebuilds the indexes
// from the records in one transaction when anything is wrong.
//
// It reads the bbolt file's buckets: on another engine it fails with
// ErrNotBolt (fieldcrm check --db checks a PostgreSQL database).
func (s *Store) Check(repair bool) (*CheckReport, error) {
	if s.db == nil {
		return nil, notBolt("check", "fieldcrm check --db")
	}
	rep := &CheckReport{Records: map[Kind]int{}}
	check := func(btx *bolt.Tx) error {
		want := map[string]map[string][]byte{}
		for _, b := range indexBuckets {
			want[string(b)] = map[string][]byte{}
		}
		for _, k := range Kinds {
			b := btx.Bucket(recBucket(k))
			var maxID uint64
			err := b.ForEach(func(key, v []byte) error {
				r := newRecord(k)
				if err := json.Unmarshal(v, r); err != nil {
					return fmt.Errorf("%s #%d: %w", k, btou(key), err)
				}
				rep.Records[k]++
				maxID = max(maxID, btou(key))
				for _, e := range indexesOf(r) {
					val := e.Val
					if e.Unique {
						val = itob(r.RecordID())
					}
					m := want[e.Index]
					if prev, dup := m[string(e.Key)]; dup && e.Unique && !bytes.Equal(prev, val) {
						rep.Wrong++
						rep.note("%s: %q claimed by two records", e.Index, e.Key)
					}
					m[string(e.Key)] = val
				}
				return nil
			})
			if err != nil {
				return err
			}
			if b.Sequence() < maxID {
				rep.BadSeq++
				rep.note("%s: id sequence %d is behind the largest id %d", k, b.Sequence(), maxID)
				if repair {
					if err := b.SetSequence(maxID); err != nil {
						return err
					}
				}
			}
		}
		for _, bn := range indexBuckets {
			m := want[string(bn)]
			rep.Entries += len(m)
			seen := 0
			err := btx.Bucket(bn).ForEach(func(key, v []byte) error {
				exp, ok := m[string(key)]
				switch {
				case !ok:
					rep.Extra++
					rep.note("%s: entry %q points to no record", bn, key)
				case !bytes.Equal(exp, v):
					seen++
					rep.Wrong++
					rep.note("%s: entry %q has the wrong value", bn, key)
				default:
					seen++
				}
				return nil
			})
			if err != nil {
				return err
			}
			if miss := len(m) - seen; miss > 0 {
				rep.Missing += miss
				rep.note("%s: %d entries missing", bn, miss)
			}
		}
		if repair && !rep.OK() {
			for _, bn := range indexBuckets {
				if err := btx.DeleteBucket(bn); err != nil {
					return err
				}
				nb, err := btx.CreateBucket(bn)
				if err != nil {
					return err
				}
				for k, v := range want[string(bn)] {
					if err := nb.Put([]byte(k), v); err != nil {
						return err
					}
				}
			}
			rep.Repaired = true
		}
		return nil
	}
	var err error
	if repair {
		err = s.db.Update(check)
	} else {
		err = s.db.View(check)
	}
	return rep, err
}
