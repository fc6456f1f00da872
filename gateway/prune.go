package gateway

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ClaimRetention is how long the claim of a handled message is kept: long
// past any provider's retries (Twilio gives up on a webhook within a day).
const ClaimRetention = 30 * 24 * time.Hour

// PruneClaims deletes the claims of messages handled before cutoff, and
// pages of answers left unread since then. A message delivered again after
// its claim is gone would be applied again: keep cutoff well past the
// providers' retry window.
// It returns how many claims were deleted.
func PruneClaims(db *bolt.DB, cutoff time.Time) (n int, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
		for _, bk := range [][]byte{bktClaims, bktPages} {
			b := tx.Bucket(bk)
			if b == nil {
				continue
			}
			var old [][]byte
			err := b.ForEach(func(k, v []byte) error {
				var at struct {
					At time.Time `json:"at"`
				}
				if json.Unmarshal(v, &at) != nil || at.At.Before(cutoff) {
					old = append(old, append([]byte(nil), k...))
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			if string(bk) == string(bktClaims) {
				n = len(old)
			}
		}
		return nil
	})
	return n, err
}
