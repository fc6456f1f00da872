package crm

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// Names of nodes. A lease (an outbox entry being sent, the mailbox), a job's
// slot or a job run says which node took it: a process, and which opening
// of a database in it, so that two workers in one process on one store are
// told apart from a process that died.

// process names this process: host, pid and a random part (a pid is reused
// after a restart, a host name by clones).
var process = func() string {
	host, _ := os.Hostname()
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(r[:]))
}()

var (
	openings sync.Map // Engine → the name of its opening in this process
	opened   atomic.Int64
	members  atomic.Int64
)

// Opening names the opening of e in this process (the process's name and a
// number). On an engine that is not shared, a lease whose holder's name does
// not start with it was left by a process that is gone.
func Opening(e Engine) string {
	if v, ok := openings.Load(e); ok {
		return v.(string)
	}
	v, _ := openings.LoadOrStore(e, fmt.Sprintf("%s/%d", process, opened.Add(1)))
	return v.(string)
}

// NewNode names one more worker (an outbox worker, a mailbox watcher, a
// scheduler) on e: its opening, "#", and a number unique in the process.
func NewNode(e Engine) string { return fmt.Sprintf("%s#%d", Opening(e), members.Add(1)) }
