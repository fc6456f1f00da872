package gateway

import (
	"context"
	"encoding/json"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// ClaimRetention is how long the claim of a handled message is kept: long
// past any provider's retries (Twilio gives up on a webhook within a day).
const ClaimRetention = 30 * 24 * time.Hour

// PruneClaims deletes the claims of messages handled before cutoff, and
// pages of answers left unread since then. A message delivered again after
// its claim is gone would be applied again: keep cutoff well past the
// providers' retry window.
// It returns how many claims were deleted.
func PruneClaims(eng crm.Engine, cutoff time.Time) (n int, err error) {
	err = eng.Update(context.Background(), func(tx crm.ETx) error {
		n = 0
		for _, space := range []string{spClaims, spPages} {
			b := tx.State(space)
			var old [][]byte
			b.Scan(nil, nil, false, func(k, v []byte) bool {
				var at struct {
					At time.Time `json:"at"`
				}
				if json.Unmarshal(v, &at) != nil || at.At.Before(cutoff) {
					old = append(old, append([]byte(nil), k...))
				}
				return true
			})
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			if space == spClaims {
				n = len(old)
			}
		}
		return nil
	})
	return n, err
}
