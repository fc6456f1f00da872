package imapwatch

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// stateBucket holds one record per watched folder.
var stateBucket = []byte("mail/imap")

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

// store keeps folder states in bbolt under one key per account and folder.
type store struct {
	db  *bolt.DB
	key []byte
}

func newStore(db *bolt.DB, user, folder string) (*store, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(stateBucket)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("imapwatch: create bucket: %w", err)
	}
	return &store{db: db, key: []byte(user + "/" + folder)}, nil
}

// load returns the stored state; the zero state when there is none.
func (s *store) load() (folderState, error) {
	var st folderState
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(stateBucket).Get(s.key)
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
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(stateBucket).Put(s.key, v)
	})
	if err != nil {
		return fmt.Errorf("imapwatch: save state: %w", err)
	}
	return nil
}
