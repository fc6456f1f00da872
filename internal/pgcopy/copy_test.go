package pgcopy_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/internal/demodata"
	"github.com/fieldcrm/fieldcrm/internal/pgcopy"
	"github.com/fieldcrm/fieldcrm/internal/pgtest"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func be64(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

// The gateways' and the scheduler's state: entries through the outbox's
// own functions (an early delivery report, an entry in doubt), the rest as
// each package writes its bucket (the key and value layouts of
// gateway/unknown.go, outbox/limits.go, scheduler, email/handler.go,
// email/imapwatch/state.go), with a bucket no code names.
func TestCopyGatewayState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	s, err := crm.Open(path, crm.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := demodata.Seed(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	db := s.BoltDB()
	ids := map[string]int64{}
	for _, e := range []*outbox.Entry{
		{Channel: outbox.ChannelSMS, To: "+8613800000002", Body: "OK visit #7", Key: "reply|SM1", UserID: 3},
		{Channel: outbox.ChannelSMS, To: "+8613800000003", Body: "总结", Key: "summary|4|2026-11-25"},
		{Channel: outbox.ChannelEmail, To: "li.na@dealer.example", Subject: "s", Text: "t"},
	} {
		id, _, err := outbox.EnqueueDB(s.Engine(), e, t0)
		if err != nil {
			t.Fatal(err)
		}
		ids[e.To] = id
	}
	if _, err := outbox.SetStatus(s.Engine(), "SMearly", "delivered", 0, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		// the first entry was handed to the provider when the process died
		b := tx.Bucket([]byte("outbox/entries"))
		var e outbox.Entry
		json.Unmarshal(b.Get(be64(ids["+8613800000002"])), &e)
		e.State, e.Attempts, e.UpdatedAt = outbox.StateSending, 1, t0.Add(2*time.Second)
		v, _ := json.Marshal(e)
		b.Put(be64(e.ID), v)
		pb, _ := tx.CreateBucketIfNotExists([]byte("outbox/provider"))
		pb.Put([]byte("SMsent"), be64(ids["+8613800000003"]))
		rk := append([]byte("+8613800000003\x00"), be64(t0.Add(time.Minute).UnixNano())...)
		rb, _ := tx.CreateBucketIfNotExists([]byte("outbox/recipients")) // the outbox creates its spaces at their first write
		rb.Put(append(rk, be64(ids["+8613800000003"])...), nil)
		bb, _ := tx.CreateBucketIfNotExists([]byte("outbox/blocked"))
		bb.Put([]byte("+8613900000001"), []byte(`{"until":"2026-11-26T10:00:00Z","reason":"stop"}`))
		put := func(bucket string, k, v []byte) {
			b, _ := tx.CreateBucketIfNotExists([]byte(bucket))
			b.Put(k, v)
		}
		put("gw/unknown", []byte("sms\x00+8613900000077"), be64(t0.Unix()))
		put("gw/unknown", []byte("\x00hour"), append(be64(t0.Truncate(time.Hour).Unix()), be64(3)...))
		put("gw/pages", be64(3), []byte(`{"rest":["page 2"],"locale":"en"}`))
		put("sched/runs", []byte("summary"), []byte(`{"at":"2026-11-25T07:30:00+08:00","started":"2026-11-24T23:30:01Z","duration":1500000000,"counts":{"sms":4}}`))
		put("sched/digest", be64(2), []byte(`{"day":"2026-11-25"}`))
		put("sched/escalated", be64(9), be64(t0.Add(72*time.Hour).UnixNano()))
		put("sched/reminded", be64(9), []byte("2026-11-25"))
		put("mail/done", []byte("<a@x>"), []byte(`{"at":"2026-11-25T10:00:00Z","user":3,"outcome":"applied","lines":2}`))
		put("mail/explained", []byte("x@y.example\x00unknown"), be64(t0.Unix()))
		put("mail/replies", []byte("wang.jun@dealer.example"), append(be64(t0.Unix()-60), be64(t0.Unix())...))
		put("mail/raw", be64(1), []byte("From: x\r\n\r\nbody"))
		put("mail/meta", []byte("token-key"), []byte{1, 2, 3})
		put("mail/imap", []byte("crm@dealer.example/INBOX"), append(binary.BigEndian.AppendUint32(nil, 77), binary.BigEndian.AppendUint32(nil, 1234)...))
		put("someone/else", []byte("k"), []byte("v"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	dsn := pgtest.DB(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	sum, err := pgcopy.Copy(ctx, db, pool, pgcopy.Options{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Unknown) != 1 || sum.Unknown[0] != "someone/else" {
		t.Errorf("unknown buckets %v", sum.Unknown)
	}
	// every bucket that is not crm's is a space: the same keys and values
	want := map[string]map[string]string{}
	seqs := map[string]int64{}
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			n := string(name)
			if strings.HasPrefix(n, "rec/") || strings.HasPrefix(n, "idx_") || n == "meta" || n == "changesets" || n == "rec_hist" {
				return nil
			}
			b.ForEach(func(k, v []byte) error {
				if want[n] == nil {
					want[n] = map[string]string{}
				}
				want[n][string(k)] = string(v)
				return nil
			})
			if s := b.Sequence(); s > 0 {
				seqs[n] = int64(s)
			}
			return nil
		})
	})
	for _, n := range []string{"outbox/entries", "outbox/provider", "outbox/early", "outbox/recipients", "outbox/blocked",
		"gw/unknown", "gw/pages", "sched/runs", "sched/digest", "sched/escalated", "sched/reminded", "mail/done",
		"mail/explained", "mail/replies", "mail/raw", "mail/meta", "mail/imap", "someone/else"} {
		if len(want[n]) == 0 {
			t.Errorf("the test wrote nothing to %s", n)
		}
	}
	got := map[string]map[string]string{}
	rows, _ := pool.Query(ctx, "SELECT space, key, value FROM kv")
	for rows.Next() {
		var sp string
		var k, v []byte
		if err := rows.Scan(&sp, &k, &v); err != nil {
			t.Fatal(err)
		}
		if got[sp] == nil {
			got[sp] = map[string]string{}
		}
		got[sp][string(k)] = string(v)
	}
	if !reflect.DeepEqual(got, want) {
		for n := range want {
			if !reflect.DeepEqual(got[n], want[n]) {
				t.Errorf("space %s:\n got %q\nwant %q", n, got[n], want[n])
			}
		}
		for n := range got {
			if want[n] == nil {
				t.Errorf("space %s was not a bucket", n)
			}
		}
	}
	gotSeq := map[string]int64{}
	rows, _ = pool.Query(ctx, "SELECT space, last FROM kv_seq")
	for rows.Next() {
		var sp string
		var last int64
		rows.Scan(&sp, &last)
		gotSeq[sp] = last
	}
	if !reflect.DeepEqual(gotSeq, seqs) || seqs["outbox/entries"] != 3 {
		t.Errorf("sequences %v, want %v (outbox/entries 3)", gotSeq, seqs)
	}
	// the outbox's sequence goes on where bbolt's stopped, through the engine
	eng, err := pgstore.OpenEngine(ctx, dsn, pgstore.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	eng.Update(ctx, func(etx crm.ETx) error {
		if n, err := etx.State("outbox/entries").NextSequence(); n != 4 || err != nil {
			t.Errorf("next outbox id %d, %v; want 4", n, err)
		}
		if v := etx.State("gw/pages").Get(be64(3)); string(v) != `{"rest":["page 2"],"locale":"en"}` {
			t.Errorf("page through the engine: %q", v)
		}
		return nil
	})
	rep, err := pgcopy.Check(ctx, pool)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("check: %v %+v", err, rep)
	}
	// an account that lost its name entries is found
	if _, err := pool.Exec(ctx, "DELETE FROM name_tokens WHERE kind = 'account' AND id = (SELECT min(id) FROM accounts)"); err != nil {
		t.Fatal(err)
	}
	rep, err = pgcopy.Check(ctx, pool)
	if err != nil || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "is not in the name index") {
		t.Errorf("check after dropping an account's names: %v %q", err, rep.Problems)
	}
}
