package imapwatch

import (
	"context"
	"encoding/binary"
	"fmt"

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

// save records st.
func (s *store) save(st folderState) error {
	v := make([]byte, 8)
	binary.BigEndian.PutUint32(v[:4], st.UIDValidity)
	binary.BigEndian.PutUint32(v[4:], st.LastUID)
	err := s.db.Update(context.Background(), func(tx crm.ETx) error {
		return tx.State(stateBucket).Put(s.key, v)
	})
	if err != nil {
		return fmt.Errorf("imapwatch: save state: %w", err)
	}
	return nil
}
