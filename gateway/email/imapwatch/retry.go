package imapwatch

import (
	"time"
)

// retries remembers messages the handler refused, so each is offered again
// only after its own growing backoff: a message that always fails does not
// hold up the others, nor is it retried on every round.
type retries struct {
	validity uint32
	m        map[uint32]retry // by UID
}

type retry struct {
	attempts int
	first    time.Time // the first failure
	due      time.Time
}

// resetRetries forgets all failures when the folder's UIDVALIDITY differs
// from the one they were recorded under.
func (w *Watcher) resetRetries(validity uint32) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.retries.validity != validity {
		w.retries = retries{validity: validity, m: make(map[uint32]retry)}
	}
}

// retryDue reports whether uid may be offered to the handler now.
func (w *Watcher) retryDue(uid uint32, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.retries.m[uid]
	return !ok || !now.Before(r.due)
}

// retryFailed records a handler error for uid and returns the attempts so
// far and when it may be offered again.
func (w *Watcher) retryFailed(uid uint32, now time.Time) (int, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.retries.m[uid]
	r.attempts++
	if r.first.IsZero() {
		r.first = now
	}
	d := w.cfg.MinBackoff
	for i := 1; i < r.attempts && d < w.cfg.MaxBackoff; i++ {
		d *= 2
	}
	r.due = now.Add(jitter(min(d, w.cfg.MaxBackoff)))
	w.retries.m[uid] = r
	return r.attempts, r.due
}

// failures returns how many times the handler failed on uid, and when first.
func (w *Watcher) failures(uid uint32) (int, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.retries.m[uid]
	return r.attempts, r.first
}

// retryDone forgets uid's failures.
func (w *Watcher) retryDone(uid uint32) {
	w.mu.Lock()
	delete(w.retries.m, uid)
	w.mu.Unlock()
}

// retryKeep forgets failures of messages no longer in the folder.
func (w *Watcher) retryKeep(inFolder map[uint32]bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for uid := range w.retries.m {
		if !inFolder[uid] {
			delete(w.retries.m, uid)
		}
	}
}

// nextRetry returns a channel that fires when the earliest refused message
// is due again, or nil (never fires) when there is none. stop releases the
// timer.
func (w *Watcher) nextRetry(now time.Time) (c <-chan time.Time, stop func()) {
	w.mu.Lock()
	var first time.Time
	for _, r := range w.retries.m {
		if first.IsZero() || r.due.Before(first) {
			first = r.due
		}
	}
	w.mu.Unlock()
	if first.IsZero() {
		return nil, func() {}
	}
	t := time.NewTimer(max(first.Sub(now), 0))
	return t.C, func() { t.Stop() }
}
