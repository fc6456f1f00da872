package imapwatch

import (
	"math/rand/v2"
	"time"
)

// backoff yields exponentially growing delays with jitter: each delay is
// drawn from [d/2, d], where d doubles from min up to max.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

// next returns the delay to wait before the next attempt and grows the
// following one.
func (b *backoff) next() time.Duration {
	if b.cur < b.min {
		b.cur = b.min
	}
	d := b.cur
	b.cur = min(b.cur*2, b.max)
	return jitter(d)
}

// reset starts again from min.
func (b *backoff) reset() { b.cur = 0 }

// jitter returns a random duration in [d/2, d].
func jitter(d time.Duration) time.Duration {
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}
