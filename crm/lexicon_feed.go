package crm

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// On a shared engine (several nodes on one PostgreSQL database) a node's
// lexicons must also learn of the names other nodes write: its own commits
// tell it of its own only (publishLex). Before a lexicon is handed out, at
// most every lexFeedEvery, the node reads the change sets it has not seen
// and notes their accounts, contacts and users as its own commits would.
// Change-set ids come from a sequence, not in commit order: a change set
// with a smaller id may commit after a larger one was read, so the feed
// reads again from lexFeedMargin ids back and skips the ids it has seen.

// lexFeedEvery is how often at most (a var for tests).
var lexFeedEvery = 2 * time.Second

// lexFeedMargin is how far back a look reads: a change set that took its id
// before this many others committed and still commits after them is missed
// (an import, say) until the node's name table is read again; its names are
// only missing from how messages are split, never from lookups. Every look
// reads this many change sets again, so it is kept small: the transactions
// in flight at once are a few per node.
const lexFeedMargin = 256

type lexFeed struct {
	mu   sync.Mutex
	last time.Time      // of the last read (the wall clock: a refresh rate, not a rule)
	from int64          // the ids above from that are worth reading
	seen map[int64]bool // ids above from already noted
	top  int64          // the highest id seen
}

// feedLexicon notes the names other nodes wrote since the last look.
func (s *Store) feedLexicon(ctx context.Context) {
	if !s.eng.Shared() {
		return
	}
	f := &s.lexFeed
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Since(f.last) < lexFeedEvery {
		return
	}
	f.last = time.Now()
	if f.seen == nil { // the first look: the lexicon is read whole anyway
		f.seen = map[int64]bool{}
		s.eng.View(ctx, func(tx ETx) error { f.top = tx.LastChangeSet(); return nil })
		f.from = f.top
		return
	}
	var notes []lexChange
	err := s.eng.View(ctx, func(tx ETx) error {
		notes = notes[:0]
		return tx.ChangeSetsAfter(f.from, func(id int64, data []byte) bool {
			if f.seen[id] {
				return true
			}
			f.seen[id] = true
			f.top = max(f.top, id)
			var cs struct {
				Changes []struct {
					Kind Kind  `json:"kind"`
					ID   int64 `json:"id"`
				} `json:"changes"`
			}
			if json.Unmarshal(data, &cs) == nil {
				for _, c := range cs.Changes {
					if lexKind(c.Kind) {
						notes = append(notes, lexChange{kind: c.Kind, id: c.ID})
					}
				}
			}
			return true
		})
	})
	if err != nil {
		return
	}
	// forget what fell out of the margin
	if f.top-lexFeedMargin > f.from {
		f.from = f.top - lexFeedMargin
		for id := range f.seen {
			if id <= f.from {
				delete(f.seen, id)
			}
		}
	}
	s.lex.publishLex(notes)
}
