package email

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
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
func Prune(db crm.Engine, now time.Time) (n int, err error) {
	cutoff := now.Add(-DoneRetention)
	err = db.Update(context.Background(), func(tx crm.ETx) error {
		n = 0
		del := func(bk string, old func(k, v []byte) bool) error {
			b := tx.State(bk)
			var keys [][]byte
			err := b.Scan(nil, nil, false, func(k, v []byte) bool {
				if old(k, v) {
					keys = append(keys, append([]byte(nil), k...))
				}
				return true
			})
			if err != nil {
				return err
			}
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
			extra := tx.State(bktRaw).Count() - maxRawKeptN
			err = del(bktRaw, func(_, _ []byte) bool { extra--; return extra >= 0 })
		}
		return err
	})
	return n, err
}
