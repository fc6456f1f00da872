package email

import (
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DoneRetention is how long the mark that a Message-ID was handled is
// kept; maxRawKeptN how many unreadable messages are kept.
const (
	DoneRetention = 90 * 24 * time.Hour
	maxRawKeptN   = 1000
)

// Prune deletes what the email channel no longer needs as of now: marks of
// messages handled before now-DoneRetention, explanations and answer counts
// older than their windows, and unreadable messages beyond the newest
// 1,000. It returns how many keys were deleted.
func Prune(db *bolt.DB, now time.Time) (n int, err error) {
	cutoff := now.Add(-DoneRetention)
	err = db.Update(func(tx *bolt.Tx) error {
		del := func(bk []byte, old func(k, v []byte) bool) error {
			b := tx.Bucket(bk)
			if b == nil {
				return nil
			}
			var keys [][]byte
			b.ForEach(func(k, v []byte) error {
				if old(k, v) {
					keys = append(keys, append([]byte(nil), k...))
				}
				return nil
			})
			for _, k := range keys {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n += len(keys)
			return nil
		}
		err := del(bktDone, func(_, v []byte) bool {
			var d doneRecord
			return json.Unmarshal(v, &d) != nil || d.At.Before(cutoff)
		})
		if err == nil {
			err = del(bktExplained, func(_, v []byte) bool {
				return len(v) != 8 || now.Sub(time.Unix(int64(binary.BigEndian.Uint64(v)), 0)) > 7*24*time.Hour
			})
		}
		if err == nil {
			err = del(bktReplies, func(_, v []byte) bool {
				return len(v) < 8 || now.Unix()-int64(binary.BigEndian.Uint64(v[len(v)-8:])) >= 3600
			})
		}
		if err == nil {
			if b := tx.Bucket(bktRaw); b != nil {
				extra := b.Stats().KeyN - maxRawKeptN
				err = del(bktRaw, func(_, _ []byte) bool { extra--; return extra >= 0 })
			}
		}
		return err
	})
	return n, err
}
