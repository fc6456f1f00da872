package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// batchBaseline measures raw bbolt db.Batch (its defaults: 10 ms, 1000 per
// batch) on a fresh file in dir: writers goroutines each putting one small
// record per call, back to back, for dur. It returns puts and commits
// (distinct transactions, each an fsync) per second.
func batchBaseline(dir string, writers int, dur time.Duration) (puts, commits float64, err error) {
	path := filepath.Join(dir, "bbolt-batch.db")
	defer os.Remove(path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	bkt := []byte("records")
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bkt); return err }); err != nil {
		return 0, 0, err
	}
	rec := make([]byte, 200) // about one webhook's claim
	var mu sync.Mutex
	txs := map[int]bool{}
	var n int64
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := uint64(0); time.Now().Before(deadline); i++ {
				key := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(nil, uint32(g)), i)
				err := db.Batch(func(tx *bolt.Tx) error { // may run twice: Put is idempotent
					mu.Lock()
					txs[tx.ID()] = true
					mu.Unlock()
					return tx.Bucket(bkt).Put(key, rec)
				})
				if err != nil {
					return
				}
				mu.Lock()
				n++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	return float64(n) / secs, float64(len(txs)) / secs, nil
}
