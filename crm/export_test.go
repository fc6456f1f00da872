package crm

import "time"

// OpenDirect opens the bbolt file at path as Open does (created, upgraded),
// then returns a Store on its engine without the single writer
// (OpenEngine): every Update one engine transaction, as on PostgreSQL. Close
// closes the file.
func OpenDirect(path string, o Options) (*Store, error) {
	s, err := Open(path, o)
	if err != nil {
		return nil, err
	}
	s.stopWriter()
	return OpenEngine(s.eng, o)
}

// stopWriter stops the single writer of a store Open opened and keeps its
// file open, for another Store on its engine.
func (s *Store) stopWriter() {
	s.directMu.Lock()
	s.closed = true
	s.directMu.Unlock()
	close(s.closing)
	s.wg.Wait()
}

// IsDirect reports whether s runs updates without the single writer.
func IsDirect(s *Store) bool { return s.writes == nil }

// SetLexFeedEvery changes how often a node reads the names other nodes
// wrote (lexicon_feed.go), for a test; it returns the previous value.
func SetLexFeedEvery(d time.Duration) time.Duration {
	old := lexFeedEvery
	lexFeedEvery = d
	return old
}
