package pgstore_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// The write of one visit ("VISIT acme; met Zhang; next: quote fri"), as the
// seam will issue it: claim the MessageSid and take the activity's id and a
// change-set id (one round trip), then the activity row, the change set and
// its history row, the claim's answer, the reply in the outbox and the
// conversation state (one batch), and commit.
func visitPG(ctx context.Context, tx pgx.Tx, n int64, activity, reply []byte) error {
	sid := fmt.Sprintf("SM%032d", n)
	br := tx.SendBatch(ctx, visitFirst(sid, counterIDs))
	id, cs, err := readFirst(br, sid)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	b, err := visitWrites(sid, id, cs, activity, reply)
	if err != nil {
		return err
	}
	return tx.SendBatch(ctx, b).Close()
}

// pipelinedVisit is the same visit as a pipelined transaction: BEGIN rides
// in the first batch, COMMIT in the second.
func pipelinedVisit(ctx context.Context, pool *pgxpool.Pool, n int64, activity, reply []byte, idSQL string) error {
	sid := fmt.Sprintf("SM%032d", n)
	return pgstore.RunPipelined(ctx, pool, "", func(tx *pgstore.Pipelined) error {
		var id, cs int64
		err := tx.Send(ctx, visitFirst(sid, idSQL), func(br pgx.BatchResults) error {
			var err error
			id, cs, err = readFirst(br, sid)
			return err
		})
		if err != nil {
			return err
		}
		b, err := visitWrites(sid, id, cs, activity, reply)
		if err != nil {
			return err
		}
		return tx.Commit(ctx, b, nil)
	})
}

const (
	counterIDs = `WITH c AS (UPDATE id_counters SET last = last + 1 WHERE kind = 'activity' RETURNING last)
		SELECT c.last, nextval('changeset_ids') FROM c`
	sequenceIDs = `SELECT nextval('bench_activity_ids'), nextval('changeset_ids')`
)

// visitFirst claims the message and takes the ids.
func visitFirst(sid, idSQL string) *pgx.Batch {
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO message_claims (channel, message_id, user_id, at, data) VALUES ('sms', $1, 7, $2, '{}')
		ON CONFLICT (channel, message_id) DO NOTHING`, sid, t0)
	b.Queue(idSQL)
	return b
}

func readFirst(br pgx.BatchResults, sid string) (id, cs int64, err error) {
	tag, err := br.Exec()
	if err != nil {
		return 0, 0, err
	}
	if tag.RowsAffected() != 1 {
		return 0, 0, fmt.Errorf("claim of %s lost", sid)
	}
	err = br.QueryRow().Scan(&id, &cs)
	return id, cs, err
}

// visitWrites are the visit's writes: the activity, the change set and its
// history row, the claim's answer, the reply in the outbox, the sender's
// conversation state.
func visitWrites(sid string, id, cs int64, activity, reply []byte) (*pgx.Batch, error) {
	due := t0.Add(72 * time.Hour)
	b := &pgx.Batch{}
	if err := pgstore.QueuePut(b, &pgstore.Row{Kind: "activity", ID: id, Owner: 7, Branch: "Shenyang", Dept: "machines", Created: t0, Updated: t0,
		Data: activity, Cols: map[string]any{"type": "visit", "status": "open", "due": due, "account": int64(3), "contact": int64(5), "priority": "normal"}}); err != nil {
		return nil, err
	}
	pgstore.QueueChangeSet(b, &pgstore.ChangeSet{ID: cs, At: t0, User: 7, Channel: "sms", MessageID: sid, Summary: "VISIT acme; met Zhang; next: quote fri",
		Data: activity, Records: []pgstore.RecordRef{{Kind: "activity", ID: id}}})
	pgstore.QueueClaimAnswer(b, "sms", sid, reply)
	pgstore.QueueEnqueue(b, &pgstore.OutboxEntry{Channel: "sms", Recipient: "+8613901395136", Key: "reply|" + sid, UserID: 7, Data: reply}, t0, time.Time{})
	b.Queue(`INSERT INTO conversations (user_id, data) VALUES (7, $1) ON CONFLICT (user_id) DO UPDATE SET data = EXCLUDED.data`, `{"day":"2026-12-07","recent":[1,2,3]}`)
	return b, nil
}

// The same visit's writes in bbolt as crm, the pipeline and the outbox do
// them today (crm/tx.go put, crm/history.go recordChange and finish,
// gateway/pipeline.go finish, gateway/outbox Enqueue, crm/apply.go conv):
// 11 puts in one Update on a file with fsync.
var boltBuckets = []string{"rec/activity", "idx_due", "idx_open_owner", "idx_account", "idx_owner", "rec_hist", "changesets",
	"conv", "gw/claims", "outbox/entries", "outbox/state", "outbox/keys"}

func visitBolt(tx *bolt.Tx, n int64, activity, reply []byte) error {
	u64 := func(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
	b := tx.Bucket([]byte("rec/activity"))
	id, _ := b.NextSequence()
	if err := b.Put(u64(id), activity); err != nil {
		return err
	}
	due := uint64(t0.Add(72 * time.Hour).UnixNano())
	put := func(bkt string, k, v []byte) error { return tx.Bucket([]byte(bkt)).Put(k, v) }
	cs, _ := tx.Bucket([]byte("changesets")).NextSequence()
	sid := fmt.Sprintf("SM%032d", n)
	oid, _ := tx.Bucket([]byte("outbox/entries")).NextSequence()
	for _, w := range []struct {
		bkt  string
		k, v []byte
	}{
		{"idx_due", append(u64(due), u64(id)...), nil},
		{"idx_open_owner", append(u64(7), u64(id)...), u64(due)},
		{"idx_account", append(append(u64(3), "activity\x00"...), u64(id)...), nil},
		{"idx_owner", append(append([]byte("activity\x00"), u64(7)...), u64(id)...), nil},
		{"rec_hist", append(append([]byte("activity\x00"), u64(id)...), u64(cs)...), nil},
		{"changesets", u64(cs), activity},
		{"conv", u64(7), []byte(`{"day":"2026-12-07","recent":[1,2,3]}`)},
		{"gw/claims", []byte("sms\x00" + sid), reply},
		{"outbox/entries", u64(oid), reply},
		{"outbox/state", append(append([]byte("queued\x00sms\x00"), u64(uint64(t0.UnixNano()))...), u64(oid)...), nil},
	} {
		if err := put(w.bkt, w.k, w.v); err != nil {
			return err
		}
	}
	return put("outbox/keys", []byte("sms\x00reply|"+sid), u64(oid))
}

// BenchmarkVisitWrite measures one visit's write transaction on PostgreSQL
// (fsync on) against the same writes in one bbolt Update (fsync on, a file
// on the same disk), one after the other in the same run, one writer at a
// time. pg/bbolt is the ratio for the transaction through pgx.Tx (BEGIN,
// two batches, COMMIT: 4 round trips); pg2/bbolt for the same with BEGIN and
// COMMIT inside the two batches (2 round trips). round-trips/op and
// round-trips2/op count the client's writes to the server.
func BenchmarkVisitWrite(b *testing.B) {
	ctx := context.Background()
	dsn := newDB(b)
	pool, writes := newCountingPool(b, dsn, 4)
	activity, _ := json.Marshal(map[string]any{"id": 0, "owner": 7, "branch": "Shenyang", "dept": "machines", "type": "visit",
		"subject": "met Zhang Wei; wants 2 x 320D", "account": 3, "contact": 5, "status": "open", "priority": "normal",
		"due": t0.Add(72 * time.Hour), "created": t0, "updated": t0})
	reply := []byte(`{"reply":"Visit #17 logged (ACME Mining, Zhang Wei); next: quote Fri 11/12 #18. UNDO to cancel.","segments":1,"verb":"visit"}`)
	db := boltFile(b)
	var seq atomic.Int64
	pg := func(n int64) error {
		return pgstore.RetryTx(ctx, pool, func(tx pgx.Tx) error { return visitPG(ctx, tx, n, activity, reply) })
	}
	pg2 := func(n int64) error { return pipelinedVisit(ctx, pool, n, activity, reply, counterIDs) }
	bb := func(n int64) error {
		return db.Update(func(tx *bolt.Tx) error { return visitBolt(tx, n, activity, reply) })
	}
	// warm up (connections, prepared statements, the file's first pages)
	for range 20 {
		for _, f := range []func(int64) error{pg, pg2, bb} {
			if err := f(seq.Add(1)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	var ns [3]int64
	var rts [3]int64
	for i := 0; i < b.N; i++ {
		for j, f := range []func(int64) error{bb, pg, pg2} {
			w, s := writes.Load(), time.Now()
			if err := f(seq.Add(1)); err != nil {
				b.Fatal(err)
			}
			ns[j] += int64(time.Since(s))
			rts[j] += writes.Load() - w
		}
	}
	b.StopTimer()
	per := func(v int64) float64 { return float64(v) / float64(b.N) }
	b.ReportMetric(per(ns[0])/1e6, "bbolt-ms/op")
	b.ReportMetric(per(ns[1])/1e6, "pg-ms/op")
	b.ReportMetric(per(ns[2])/1e6, "pg2-ms/op")
	b.ReportMetric(float64(ns[1])/float64(ns[0]), "pg/bbolt")
	b.ReportMetric(float64(ns[2])/float64(ns[0]), "pg2/bbolt")
	b.ReportMetric(per(rts[1]), "round-trips/op")
	b.ReportMetric(per(rts[2]), "round-trips2/op")
}

func boltFile(b *testing.B) *bolt.DB {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "visit.db"), 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.MaxBatchDelay = time.Millisecond
	err = db.Update(func(tx *bolt.Tx) error {
		for _, n := range boltBuckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkVisitWriteParallel is the same with 16 visits at once, reported
// in visits per second. bbolt: the 16 writers share db.Batch (group commit,
// as crm's single writer does). pg: 16 connections, the 4-round-trip
// transaction; every visit takes the activity counter row, so visits queue
// on it from the id to the commit. pg2: the 2-round-trip shape (the row is
// held for one round trip and the commit). pgseq: pg2 with the activity id
// from a sequence instead of the counter row (no queue; a rolled-back id is
// lost).
func BenchmarkVisitWriteParallel(b *testing.B) {
	ctx := context.Background()
	dsn := newDB(b)
	pool := newPool(b, dsn, 16)
	if _, err := pool.Exec(ctx, "CREATE SEQUENCE bench_activity_ids"); err != nil {
		b.Fatal(err)
	}
	activity := []byte(`{"type":"visit","subject":"met Zhang Wei","status":"open"}`)
	reply := []byte(`{"reply":"Visit #17 logged. UNDO to cancel."}`)
	db := boltFile(b)
	var seq atomic.Int64
	run := func(fn func(n int64) error) float64 {
		s := time.Now()
		var next atomic.Int64
		done := make(chan error, 16)
		for range 16 {
			go func() {
				for next.Add(1) <= int64(b.N) {
					if err := fn(seq.Add(1)); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
		}
		for range 16 {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
		return float64(b.N) / time.Since(s).Seconds()
	}
	b.ResetTimer()
	bb := run(func(n int64) error {
		return db.Batch(func(tx *bolt.Tx) error { return visitBolt(tx, n, activity, reply) })
	})
	pg := run(func(n int64) error {
		return pgstore.RetryTx(ctx, pool, func(tx pgx.Tx) error { return visitPG(ctx, tx, n, activity, reply) })
	})
	pg2 := run(func(n int64) error { return pipelinedVisit(ctx, pool, n, activity, reply, counterIDs) })
	pgseq := run(func(n int64) error { return pipelinedVisit(ctx, pool, n, activity, reply, sequenceIDs) })
	b.StopTimer()
	b.ReportMetric(bb, "bbolt-visits/s")
	b.ReportMetric(pg, "pg-visits/s")
	b.ReportMetric(pg2, "pg2-visits/s")
	b.ReportMetric(pgseq, "pgseq-visits/s")
	b.ReportMetric(pg/bb, "pg/bbolt")
	b.ReportMetric(pg2/bb, "pg2/bbolt")
	b.ReportMetric(pgseq/bb, "pgseq/bbolt")
}
