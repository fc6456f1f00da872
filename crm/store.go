package crm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// State spaces of crm (ETx.State): on bbolt each is the bucket of that name.
const (
	spaceConv           = "conv"            // user id → conversation state (pending choice, last day seen)
	spaceDocData        = "doc_data"        // document id → content
	spaceUnresolved     = "unresolved"      // id → Unresolved: messages not carried out
	spaceUnresolvedOpen = "unresolved_open" // user id → Unresolved: his numbered question not answered yet
)

// Bucket names. Records live in one bucket per kind ("rec/<kind>"), keyed by
// 8-byte big-endian id; secondary indexes are kept in the same transaction as
// the record they point to.
var (
	bktMeta       = []byte("meta")
	bktChangeSets = []byte("changesets")      // csid → ChangeSet JSON
	bktRecHist    = []byte("rec_hist")        // kind|id|csid → nil: a record's history (the last is its latest change)
	bktUserPhone  = []byte("idx_user_phone")  // E.164 → user id (unique)
	bktUserEmail  = []byte("idx_user_email")  // email → user id (unique)
	bktName       = []byte("idx_name")        // kind 0 token 0 id → nameMeta: fuzzy lookup
	bktOwner      = []byte("idx_owner")       // kind 0 owner id → nil
	bktDue        = []byte("idx_due")         // due unix ns | activity id → nil: open activities with a due time
	bktStage      = []byte("idx_stage")       // stage | opp id → nil
	bktByAccount  = []byte("idx_account")     // account id | kind 0 id → nil: contacts, opps, activities, equipment, documents of an account
	bktEqSerial   = []byte("idx_eq_serial")   // own-brand serial → equipment id (unique)
	bktEqIdent    = []byte("idx_eq_ident")    // account id | brand 0 model 0 purchase date → equipment id (unique)
	bktPending    = []byte("idx_pending")     // request id → nil: requests waiting for a manager
	bktDocData    = []byte("doc_data")        // document id → content
	bktLeadStatus = []byte("idx_lead_status") // status 0 lead id → nil
	bktConv       = []byte("conv")            // user id → conversation state (pending choice, last day seen)
	bktOpenOwner  = []byte("idx_open_owner")  // owner id | activity id → due (as in idx_due) or empty: open activities by owner
	bktAssigned   = []byte("idx_assigned")    // activity id → Assigned: open activities someone else assigned

	// schema 3 and before; the upgrade to 4 drops them
	bktRecLast = []byte("rec_last") // kind|id → last csid that touched it: the last key of rec_hist says it
	bktUserCS  = []byte("user_cs")  // user|csid → nil: a user's change sets, now his conversation's recent ones
)

func recBucket(k Kind) []byte { return []byte("rec/" + string(k)) }

var allBuckets = func() [][]byte {
	b := [][]byte{bktMeta, bktChangeSets, bktRecHist, bktUserPhone,
		bktUserEmail, bktName, bktOwner, bktDue, bktStage, bktByAccount, bktEqSerial, bktEqIdent,
		bktPending, bktDocData, bktLeadStatus, bktConv, bktOpenOwner, bktAssigned}
	for _, k := range Kinds {
		b = append(b, recBucket(k))
	}
	return b
}()

// SchemaVersion is the version of the store's layout written by this code.
// 2 added the index of open activities by owner, 3 the index of open
// assigned activities (each built on open from the records). 4 dropped two
// history indexes that cost every message pages at random places in the
// file: rec_last (a record's latest change is the last key of its rec_hist)
// and user_cs (UNDO finds a user's recent change sets in his conversation
// state, which every message writes anyway). 5 keeps each open activity's due
// time in its entry of idx_open_owner, so that an agenda reads only the
// activities due by the end of the day (rebuilt on open from the records).
// 6 keys idx_eq_ident by account too: brand + model + purchase date identify
// a machine at one customer (rebuilt on open from the records).
const SchemaVersion = 6

// Options configure Open.
type Options struct {
	Now      func() time.Time // the clock; time.Now when nil
	Policy   Policy           // access levels; DefaultPolicy() when nil
	Timeout  time.Duration    // how long to wait for the file lock; 2s when zero
	NoSync   bool             // skip fsync (tests and bulk benchmarks only)
	MaxBatch int              // most write requests committed in one transaction; 1000 when zero
	Location *time.Location   // the default time zone; Asia/Shanghai when nil
	// MustExist refuses a missing file (ErrNoDatabase) instead of creating
	// an empty database: for every command that reads or changes an
	// existing one.
	MustExist bool
	// Verify runs bbolt's full consistency check before opening (see
	// ValidateFile): for files fieldcrm did not write itself.
	Verify bool
}

// Store is the CRM's database: an engine (a bbolt file, or PostgreSQL:
// OpenEngine), the rules and the access policy. On the bbolt file a single
// writer commits whatever has queued up as one transaction.
type Store struct {
	db     *bolt.DB // the bbolt file (Open); nil on another engine
	eng    Engine
	now    func() time.Time
	policy Policy
	loc    *time.Location

	writes   chan *writeReq // the single writer's queue (Open); nil: Update runs directly (OpenEngine)
	maxBatch int
	closing  chan struct{}
	wg       sync.WaitGroup
	closeMu  sync.Once
	directMu sync.RWMutex // the direct path's updates hold it shared; Close takes it to set closed
	closed   bool

	stats   writerCounters
	decoded decoded  // decoded records, checked against the stored bytes
	lex     lexCache // the senders' lexicons (lexicon.go)
	lexFeed lexFeed  // on a shared engine, the names other nodes wrote (lexicon_feed.go)
	health  atomic.Pointer[WriteHealth]
}

// WriteHealth is how the writer's commits went: every message is written
// through it, so a full disk shows here first.
type WriteHealth struct {
	Failures  int64     // commits that failed since Open
	LastError error     // of the last failed commit
	FailedAt  time.Time // when it failed (the store's clock)
	OKAt      time.Time // the first successful commit (after the last failure, if any)
}

// Failing reports whether the last commit failed (none succeeded since).
func (h WriteHealth) Failing() bool { return h.LastError != nil && !h.OKAt.After(h.FailedAt) }

// WriteHealth returns the writer's record of commits.
func (s *Store) WriteHealth() WriteHealth {
	if h := s.health.Load(); h != nil {
		return *h
	}
	return WriteHealth{}
}

func (s *Store) noteCommit(err error) {
	for {
		old := s.health.Load()
		if err == nil && old != nil && !old.Failing() {
			return // the usual case: nothing new to say
		}
		h := WriteHealth{}
		if old != nil {
			h = *old
		}
		if err != nil {
			h.Failures++
			h.LastError, h.FailedAt = err, s.now()
		} else {
			h.OKAt = s.now()
		}
		if s.health.CompareAndSwap(old, &h) {
			return
		}
	}
}

// writerCounters are the writer's running totals (read with WriterStats).
type writerCounters struct {
	commits, requests, reruns atomic.Int64
	runNs, commitNs           atomic.Int64
}

// WriterStats are the single writer's totals since Open: how many bolt
// transactions it committed, how many write requests they carried, how many
// times a batch was run again after a request failed in it, and the time
// spent running requests and committing (pages written and fsync).
type WriterStats struct {
	Commits, Requests, Reruns int64
	Run, Commit               time.Duration
}

// WriterStats returns the writer's totals since Open.
func (s *Store) WriterStats() WriterStats {
	return WriterStats{Commits: s.stats.commits.Load(), Requests: s.stats.requests.Load(), Reruns: s.stats.reruns.Load(),
		Run: time.Duration(s.stats.runNs.Load()), Commit: time.Duration(s.stats.commitNs.Load())}
}

// Open opens (creating if needed) the bbolt database at path, upgrades its
// schema and starts its writer. The file's handling (its checks before it is
// mapped, the lock, the schema upgrade) is bbolt's alone: OpenEngine opens a
// store on another engine.
func Open(path string, o Options) (*Store, error) {
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	// a file that exists is checked before bbolt maps it: a cut-off copy
	// would crash the process
	if err := ValidateFile(path, false); errors.Is(err, os.ErrNotExist) {
		if o.MustExist {
			return nil, fmt.Errorf("open %s: %w", path, ErrNoDatabase)
		}
	} else if fi, serr := os.Stat(path); serr == nil && fi.Size() == 0 && !o.MustExist {
		// an empty file (a crash right after creating it) becomes a new database
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	} else if o.Verify {
		if err := ValidateFile(path, true); err != nil && !isLocked(err) {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      o.Timeout,
		FreelistType: bolt.FreelistMapType,
		NoSync:       o.NoSync,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: the database is in use by another fieldcrm process", path)
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := newStore(&boltEngine{db: db}, o)
	s.db, s.writes, s.maxBatch = db, make(chan *writeReq, 4096), o.MaxBatch
	if s.maxBatch <= 0 {
		s.maxBatch = 1000
	}
	from, err := s.init()
	if err != nil {
		db.Close()
		return nil, err
	}
	if from < SchemaVersion {
		if err := s.migrate(from); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: upgrading the database from schema %d: %w", path, from, err)
		}
	}
	s.wg.Add(1)
	go s.writer()
	return s, nil
}

// isLocked reports a deep check that could not take the file's lock: the
// open that follows says so in its own words.
func isLocked(err error) bool { return errors.Is(err, bolt.ErrTimeout) }

// init creates the buckets and returns the schema version found (this
// version for a new file).
func (s *Store) init() (from int, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bktMeta)
		if v := m.Get([]byte("schema")); v == nil {
			from = SchemaVersion
			return m.Put([]byte("schema"), u64(SchemaVersion))
		} else if from = int(btou(v)); from > SchemaVersion {
			return fmt.Errorf("the database was written by a newer fieldcrm (schema %d, this one knows %d)", from, SchemaVersion)
		}
		return nil
	})
	return from, err
}

// migrate brings a database written by an older version up to this one.
// The steps to 3 and to 5 only add or change indexes, which a repairing
// check rebuilds from the records; the step to 4 moves each user's recent
// change sets into his conversation state and drops rec_last and user_cs.
func (s *Store) migrate(from int) error {
	if from < 4 {
		if err := s.db.Update(upgradeHistory); err != nil {
			return err
		}
	}
	if _, err := s.Check(true); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bktMeta).Put([]byte("schema"), u64(SchemaVersion))
	})
}

// Close stops the writer after the queued writes (on the direct path: waits
// for the updates under way) and closes the engine.
func (s *Store) Close() error {
	var err error
	s.closeMu.Do(func() {
		s.directMu.Lock()
		s.closed = true
		s.directMu.Unlock()
		close(s.closing)
		s.wg.Wait()
		err = s.eng.Close()
	})
	return err
}

// BoltDB is the bbolt file under the store (nil on another engine): for
// what only a bbolt file has (fieldcrm migrate reads every bucket of it, the
// tests look at its pages). Everything else goes through Engine.
func (s *Store) BoltDB() *bolt.DB { return s.db }

// PruneUnresolved is Store.PruneUnresolved on a bbolt handle.
//
// Deprecated: use Store.PruneUnresolved.
func PruneUnresolved(db *bolt.DB, cutoff time.Time) (int, error) {
	return (&Store{eng: &boltEngine{db: db}}).PruneUnresolved(context.Background(), cutoff)
}

// Now returns the store's clock reading.
func (s *Store) Now() time.Time { return s.now() }

// Location returns the default time zone.
func (s *Store) Location() *time.Location { return s.loc }

// Policy returns the access policy in force.
func (s *Store) Policy() Policy { return s.policy }

// Path returns the database file's path ("" on another engine than bbolt).
func (s *Store) Path() string {
	if s.db == nil {
		return ""
	}
	return s.db.Path()
}

// Backup writes a consistent copy of the bbolt database to w while writes go
// on. On another engine it fails with ErrNotBolt (PostgreSQL's backup is
// pg_dump).
func (s *Store) Backup(w io.Writer) (int64, error) {
	if s.db == nil {
		return 0, notBolt("backup", "pg_dump")
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a consistent copy of the database to path (through a
// temporary file renamed into place, so a failed backup leaves no torn file).
// bbolt only, as Backup.
func (s *Store) BackupFile(path string) (int64, error) {
	if s.db == nil {
		return 0, notBolt("backup", "pg_dump")
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := s.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return n, nil
}

// Meta says who changes the store and why: it is written into the history.
type Meta struct {
	Actor     *User
	Channel   string // "sms", "email", "cli", "import", "scheduler", "test"
	MessageID string // the provider's message id, when a message caused it
	Summary   string // the message text or command line, for the audit trail
	// Import marks a bulk import (csvio) made on another channel than
	// "import" (the web console's, channel "web"): the same rules apply.
	Import bool
}

type writeReq struct {
	ctx  context.Context
	meta Meta
	fn   func(*Tx) error
	cs   *ChangeSet
	err  error
	done chan struct{}
}

// Update runs fn in a write transaction as meta.Actor and returns the change
// set it recorded (nil when it changed nothing). fn's changes are durable when
// Update returns nil. Requests from many goroutines are committed together
// (group commit): fn may run more than once when another request in the same
// group fails after writing, so fn must not have effects outside the Tx.
func (s *Store) Update(ctx context.Context, meta Meta, fn func(*Tx) error) (*ChangeSet, error) {
	if meta.Actor == nil {
		return nil, Errorf(EINTERNAL, "no actor")
	}
	if s.writes == nil {
		return s.updateDirect(ctx, meta, fn)
	}
	r := &writeReq{ctx: ctx, meta: meta, fn: fn, done: make(chan struct{})}
	select {
	case s.writes <- r:
	case <-s.closing:
		return nil, errors.New("crm: store closed")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	<-r.done // once queued, the request is carried out: its outcome must be known
	return r.cs, r.err
}

// View runs fn in a read-only transaction as actor.
func (s *Store) View(actor *User, fn func(*Tx) error) error {
	return s.eng.View(context.Background(), func(etx ETx) error {
		return fn(&Tx{s: s, etx: etx, meta: Meta{Actor: actor}, now: s.now()})
	})
}

// writer is the single goroutine that commits. It takes one request, then
// whatever else queued up meanwhile (up to maxBatch), runs them in one bolt
// transaction and commits once: one fsync for the group.
func (s *Store) writer() {
	defer s.wg.Done()
	batch := make([]*writeReq, 0, s.maxBatch)
	for {
		var first *writeReq
		select {
		case first = <-s.writes:
		case <-s.closing:
			// drain what was queued before Close
			for {
				select {
				case r := <-s.writes:
					s.commit([]*writeReq{r})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < s.maxBatch {
			select {
			case r := <-s.writes:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

// commit runs the batch in one transaction. A request that fails before
// writing anything is simply refused; one that fails after writing spoils the
// transaction, which is rolled back and the batch run again without it.
func (s *Store) commit(batch []*writeReq) {
	pending := batch
	s.stats.requests.Add(int64(len(batch)))
	var lexNotes []lexChange // of the requests carried out in this attempt
	for len(pending) > 0 {
		now := s.now()
		var failedAt = -1
		t0 := time.Now()
		var t1 time.Time
		lexNotes = lexNotes[:0]
		err := s.db.Update(func(btx *bolt.Tx) error {
			defer func() { t1 = time.Now() }()
			fillAppendOnly(btx)
			for i, r := range pending {
				if r.ctx.Err() != nil {
					r.err, r.cs = r.ctx.Err(), nil
					continue
				}
				etx := &boltTx{btx: btx}
				tx := &Tx{s: s, etx: etx, meta: r.meta, now: now, writable: true}
				err := safeRun(tx, r.fn)
				if err == nil {
					err = tx.finish()
				}
				if err != nil {
					r.err, r.cs = err, nil
					if tx.dirty || etx.dirty {
						failedAt = i
						return errRollback
					}
					continue
				}
				r.err, r.cs = nil, tx.cs
				lexNotes = append(lexNotes, tx.lexNotes...)
				if tx.cs != nil && tx.cs.ID == 0 {
					r.cs = nil // events without changes are not a change set
				}
			}
			return nil
		})
		if !t1.IsZero() {
			s.stats.runNs.Add(int64(t1.Sub(t0)))
			s.stats.commitNs.Add(int64(time.Since(t1)))
		}
		switch {
		case failedAt >= 0:
			// done with the failed one; run the others again
			s.stats.reruns.Add(1)
			close(pending[failedAt].done)
			rest := make([]*writeReq, 0, len(pending)-1)
			rest = append(rest, pending[:failedAt]...)
			pending = append(rest, pending[failedAt+1:]...)
		case err != nil:
			s.noteCommit(err)
			for _, r := range pending {
				r.err, r.cs = fmt.Errorf("commit: %w", err), nil
				close(r.done)
			}
			return
		default:
			s.noteCommit(nil)
			s.stats.commits.Add(1)
			s.lex.publishLex(lexNotes)
			for _, r := range pending {
				close(r.done)
			}
			return
		}
	}
}

var errRollback = errors.New("rollback")

// appendOnly are the buckets whose new keys come after the keys already
// there (ids and change-set ids only grow), so that their pages are best
// split full: bbolt's default fill (half) would leave every page half empty
// and double the pages a commit writes.
var appendOnly = [][]byte{bktChangeSets}

// fillAppendOnly sets the fill of the append-only buckets for this
// transaction (bbolt keeps it per transaction, not in the file).
func fillAppendOnly(btx *bolt.Tx) {
	for _, name := range appendOnly {
		if b := btx.Bucket(name); b != nil {
			b.FillPercent = 1.0
		}
	}
}

// safeRun turns a panic in fn into an internal error so that one bad request
// cannot take the writer down.
func safeRun(tx *Tx, fn func(*Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			tx.dirty = true
			err = &Error{Code: EINTERNAL, Message: fmt.Sprintf("panic: %v", p)}
		}
	}()
	return fn(tx)
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btou(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

func itob(id int64) []byte { return u64(uint64(id)) }
