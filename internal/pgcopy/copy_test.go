package pgcopy_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
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
	db := s.DB()
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
	one := func(sql string, args ...any) string {
		t.Helper()
		var s string
		if err := pool.QueryRow(ctx, sql, args...).Scan(&s); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return s
	}
	for _, c := range []struct{ sql, want string }{
		{"SELECT state || ' ' || coalesce(leased_by, '-') || ' ' || (leased_until = '2026-11-25T10:00:02Z')::text || ' ' || key FROM outbox_entries WHERE recipient = '+8613800000002'", "sending bbolt true reply|SM1"},
		{"SELECT state || ' ' || coalesce(key, 'NULL') FROM outbox_entries WHERE channel = 'email'", "queued NULL"},
		{"SELECT count(*)::text FROM outbox_entries", "3"},
		{"SELECT early_status || ' ' || (entry_id IS NULL)::text FROM outbox_provider WHERE provider_id = 'SMearly'", "delivered true"},
		{"SELECT entry_id::text FROM outbox_provider WHERE provider_id = 'SMsent'", "2"},
		{"SELECT recipient || ' ' || entry_id || ' ' || (sent_at = '2026-11-25T10:01:00Z')::text FROM outbox_recipient_sends", "+8613800000003 2 true"},
		{"SELECT string_agg(recipient || ' ' || coalesce(reason, ''), ', ' ORDER BY recipient) FROM outbox_recipients", "+8613800000003 , +8613900000001 stop"},
		{"SELECT channel || ' ' || sender || ' ' || (answered_at = '2026-11-25T10:00:00Z')::text FROM unknown_senders", "sms +8613900000077 true"},
		{"SELECT answers::text FROM unknown_hours WHERE hour = '2026-11-25T10:00:00Z'", "3"},
		{"SELECT data->>'locale' FROM pages WHERE user_id = 3", "en"},
		{"SELECT job || ' ' || node || ' ' || (finished - started)::text || ' ' || (counts->>'sms') FROM job_runs", "summary bbolt 00:00:01.5 4"},
		{"SELECT data->>'day' FROM sched_digest WHERE user_id = 2", "2026-11-25"},
		{"SELECT (deadline = '2026-11-28T10:00:00Z')::text FROM sched_escalated WHERE activity_id = 9", "true"},
		{"SELECT day::text FROM sched_reminded WHERE activity_id = 9", "2026-11-25"},
		{"SELECT data->>'outcome' FROM mail_done WHERE message_id = '<a@x>'", "applied"},
		{"SELECT message_id || ' ' || (data->>'why') FROM mail_explained", "x@y.example|unknown unknown"},
		{"SELECT jsonb_array_length(data)::text FROM mail_replies WHERE key = 'wang.jun@dealer.example'", "2"},
		{"SELECT message_id || ' ' || length(raw) FROM mail_raw", "1 15"},
		{"SELECT encode(value, 'hex') FROM mail_meta WHERE key = 'token-key'", "010203"},
		{"SELECT uid_validity || ' ' || last_uid FROM imap_state WHERE mailbox = 'crm@dealer.example/INBOX'", "77 1234"},
		{"SELECT (nextval('outbox_ids') = 4)::text", "true"},
	} {
		if got := one(c.sql); got != c.want {
			t.Errorf("%s\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	rep, err := pgcopy.Check(ctx, pool)
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("check: %v %v", err, rep.Problems)
	}
}
