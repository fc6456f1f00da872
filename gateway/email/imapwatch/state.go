package imapwatch

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// stateBucket holds one record per watched folder.
const stateBucket = "mail/imap"

// folderState is what the watcher remembers about a folder between runs.
//
// Every message with UID <= LastUID under this UIDValidity has been handled
// (the handler returned nil); messages with such UIDs still in the folder only
// need to be flagged and moved. UIDs are meaningless under another
// UIDValidity, so a change forgets LastUID.
type folderState struct {
	UIDValidity uint32
	LastUID     uint32
}

// store keeps folder states in the database's state space "mail/imap",
// under one key per account and folder.
type store struct {
	db  crm.Engine
	key []byte
}

func newStore(db crm.Engine, user, folder string) (*store, error) {
	return &store{db: db, key: []byte(user + "/" + folder)}, nil
}

// load returns the stored state; the zero state when there is none.
func (s *store) load() (folderState, error) {
	var st folderState
	err := s.db.View(context.Background(), func(tx crm.ETx) error {
		st = folderState{}
		v := tx.State(stateBucket).Get(s.key)
		if len(v) != 8 {
			return nil
		}
		st.UIDValidity = binary.BigEndian.Uint32(v[:4])
		st.LastUID = binary.BigEndian.Uint32(v[4:])
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("imapwatch: load state: %w", err)
	}
	return st, nil
}

// save records st, fenced: only while node holds the mailbox's lease under
// token, which it renews until now+ttl. ok is false when another took the
// lease over (nothing is written then).
func (s *store) save(st folderState, node string, token uint64, now time.Time, ttl time.Duration) (ok bool, err error) {
	v := make([]byte, 8)
	binary.BigEndian.PutUint32(v[:4], st.UIDValidity)
	binary.BigEndian.PutUint32(v[4:], st.LastUID)
	err = s.db.Update(context.Background(), func(tx crm.ETx) error {
		l := s.readLease(tx)
		if ok = holds(l, node, token); !ok {
			return nil
		}
		l.Until = now.Add(ttl)
		if err := s.putLease(tx, l); err != nil {
			return err
		}
		return tx.State(stateBucket).Put(s.key, v)
	})
	if err != nil {
		return false, fmt.Errorf("imapwatch: save state: %w", err)
	}
	return ok, nil
}

// saveState records st under the watcher's lease: a lost lease ends the
// session, a failed database ends Run.
func (w *Watcher) saveState(st folderState) error {
	ok, err := w.store.save(st, w.node, w.token.Load(), w.cfg.Now(), w.cfg.Lease)
	if err != nil {
		return &fatalError{err}
	}
	if !ok {
		w.token.Store(0)
		return errLeaseLost
	}
	return nil
}
