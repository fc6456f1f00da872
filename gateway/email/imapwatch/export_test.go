package imapwatch

// Crash makes Run stop, when its context ends, without giving the lease up:
// as a node that died leaves it.
func (w *Watcher) Crash() { w.crashed.Store(true) }

// Node is the watcher's name on the lease.
func (w *Watcher) Node() string { return w.node }
