package crm

import (
	bolt "go.etcd.io/bbolt"
)

// OpenBoltEngine opens (or creates) a bbolt file as a bare Engine, with the
// buckets of records, indexes and history in place but no Store over it: for
// tests of the seam (crm/enginetest runs the same suite on every engine) and
// tools that copy data. crm's own use goes through Open.
func OpenBoltEngine(path string) (Engine, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType,
		// a View held open while an Update commits must not wait for a remap
		InitialMmapSize: 64 << 20})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(btx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := btx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &boltEngine{db: db}, nil
}
