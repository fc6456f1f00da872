package pgstore_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// A whole visit, reads and writes, as docs/storage.md §6 plans it on
// PostgreSQL (four round trips) and as crm reads and writes bbolt today:
// "VISIT acme; met Zhang; next: quote fri" from Li Na (user 7), who owns
// 30 open activities; 200 accounts with 3 contacts each; machines at every
// other account.
const (
	visitPhone   = "+8613901395136"
	visitUser    = 7
	nAccounts    = 200
	nOpen        = 30
	contactsEach = 3
)

func seedPG(b *testing.B, p *pgxpool.Pool) {
	ctx := context.Background()
	_, err := p.Exec(ctx, `
INSERT INTO users (id, created, updated, name, data) VALUES (7, now(), now(), 'Li Na', '{"id":7,"name":"Li Na","phones":["+8613901395136"]}');
INSERT INTO user_phones VALUES ('+8613901395136', 7);
INSERT INTO accounts (id, owner, branch, dept, created, updated, name, status, data)
	SELECT g, 7, 'Shenyang', 'machines', now(), now(), CASE g WHEN 1 THEN 'ACME Mining Co.' ELSE 'Account ' || g END, 'active',
		jsonb_build_object('id', g, 'owner', 7, 'name', CASE g WHEN 1 THEN 'ACME Mining Co.' ELSE 'Account ' || g END, 'status', 'active')
	FROM generate_series(1, 200) g;
INSERT INTO name_tokens (kind, token, id, field, pos, ntok)
	SELECT 'account', convert_to(t, 'UTF8'), 1, 0, 0, 3 FROM unnest(ARRAY['acme', 'mining', 'co']) t
	UNION ALL SELECT 'account', convert_to('account', 'UTF8'), g, 0, 0, 2 FROM generate_series(2, 200) g
	UNION ALL SELECT 'account', convert_to(g::text, 'UTF8'), g, 0, 1, 2 FROM generate_series(2, 200) g;
INSERT INTO contacts (id, owner, branch, dept, created, updated, account, name, data)
	SELECT g, 7, 'Shenyang', 'machines', now(), now(), (g + 2) / 3, 'Contact ' || g,
		jsonb_build_object('id', g, 'account', (g + 2) / 3, 'name', CASE g WHEN 1 THEN 'Zhang Wei' ELSE 'Contact ' || g END)
	FROM generate_series(1, 600) g;
INSERT INTO equipment (id, owner, created, updated, account, brand, model, serial, own_brand, data)
	SELECT g, 7, now(), now(), g * 2, 'CAT', '320D', 'SN' || g, true, jsonb_build_object('id', g, 'account', g * 2)
	FROM generate_series(1, 100) g;
UPDATE id_counters SET last = 1000 WHERE kind = 'activity';
INSERT INTO conversations VALUES (7, '{"day":"2026-12-07"}');`)
	if err != nil {
		b.Fatal(err)
	}
	_, err = p.Exec(ctx, `INSERT INTO activities (id, owner, branch, dept, created, updated, type, status, due, account, data)
	SELECT g, 7, 'Shenyang', 'machines', now(), now(), 'visit', 'open', $1::timestamptz + g * interval '8 hours', g % 200 + 1,
		jsonb_build_object('id', g, 'owner', 7, 'type', 'visit', 'status', 'open', 'account', g % 200 + 1)
	FROM generate_series(1, 30) g`, t0)
	if err != nil {
		b.Fatal(err)
	}
}

// visitPGFull is the visit in four pipelined round trips.
func visitPGFull(ctx context.Context, pool *pgxpool.Pool, n int64, activity, reply []byte) error {
	sid := fmt.Sprintf("SMv%031d", n)
	horizon := t0.Add(4 * 24 * time.Hour)
	return pgstore.RunPipelined(ctx, pool, "", func(tx *pgstore.Pipelined) error {
		// 1: the claim and the sender's rows
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO message_claims (channel, message_id, user_id, at, data) VALUES ('sms', $1, 7, $2, '{}')
			ON CONFLICT (channel, message_id) DO NOTHING`, sid, t0)
		b.Queue(`SELECT u.id, u.data::text FROM user_phones p JOIN users u ON u.id = p.user_id WHERE p.phone = $1`, visitPhone)
		b.Queue(`SELECT data::text FROM conversations WHERE user_id = (SELECT user_id FROM user_phones WHERE phone = $1)`, visitPhone)
		b.Queue(`SELECT id, data::text FROM activities WHERE status = 'open' AND owner = (SELECT user_id FROM user_phones WHERE phone = $1)
			AND due < $2 ORDER BY due, id`, visitPhone, horizon)
		b.Queue(`SELECT data::text FROM unresolved WHERE open AND user_id = (SELECT user_id FROM user_phones WHERE phone = $1)`, visitPhone)
		var open int
		err := tx.Send(ctx, b, func(br pgx.BatchResults) error {
			if tag, err := br.Exec(); err != nil || tag.RowsAffected() != 1 {
				return fmt.Errorf("claim: %v", err)
			}
			var uid int64
			var u string
			if err := br.QueryRow().Scan(&uid, &u); err != nil {
				return err
			}
			var conv string
			if err := br.QueryRow().Scan(&conv); err != nil {
				return err
			}
			rows, err := br.Query()
			if err != nil {
				return err
			}
			for rows.Next() {
				open++
			}
			rows.Close()
			rows, err = br.Query()
			if err != nil {
				return err
			}
			rows.Close()
			return rows.Err()
		})
		if err != nil {
			return err
		}
		if open == 0 {
			return fmt.Errorf("no open activities read")
		}
		// 2: "acme" by its tokens, with the records
		b = &pgx.Batch{}
		b.Queue(`SELECT a.id, a.data::text FROM name_tokens t JOIN accounts a ON a.id = t.id
			WHERE t.kind = 'account' AND t.token >= $1 AND t.token < $2 LIMIT 20`, []byte("acme"), []byte("acmf"))
		var acct int64
		err = tx.Send(ctx, b, func(br pgx.BatchResults) error {
			var data string
			return br.QueryRow().Scan(&acct, &data)
		})
		if err != nil {
			return err
		}
		// 3: the account's contacts, its machines, the ids
		b = &pgx.Batch{}
		b.Queue(`SELECT id, data::text FROM contacts WHERE account = $1 ORDER BY id`, acct)
		b.Queue(`SELECT EXISTS (SELECT 1 FROM equipment WHERE account = $1)`, acct)
		b.Queue(`WITH c AS (UPDATE id_counters SET last = last + 2 WHERE kind = 'activity' RETURNING last)
			SELECT c.last - 1, c.last, nextval('changeset_ids') FROM c`)
		var a1, a2, cs int64
		err = tx.Send(ctx, b, func(br pgx.BatchResults) error {
			rows, err := br.Query()
			if err != nil {
				return err
			}
			k := 0
			for rows.Next() {
				k++
			}
			rows.Close()
			if k != contactsEach {
				return fmt.Errorf("%d contacts", k)
			}
			var eq bool
			if err := br.QueryRow().Scan(&eq); err != nil {
				return err
			}
			return br.QueryRow().Scan(&a1, &a2, &cs)
		})
		if err != nil {
			return err
		}
		// 4: the writes and the commit
		b = &pgx.Batch{}
		for _, id := range []int64{a1, a2} {
			if err := pgstore.QueuePut(b, &pgstore.Row{Kind: "activity", ID: id, Owner: 7, Branch: "Shenyang", Dept: "machines", Created: t0, Updated: t0,
				Data: activity, Cols: map[string]any{"type": "visit", "status": "open", "due": horizon, "account": acct, "contact": int64(1), "priority": "normal"}}); err != nil {
				return err
			}
		}
		pgstore.QueueChangeSet(b, &pgstore.ChangeSet{ID: cs, At: t0, User: 7, Channel: "sms", MessageID: sid, Summary: "VISIT acme; met Zhang; next: quote fri",
			Data: activity, Records: []pgstore.RecordRef{{Kind: "activity", ID: a1}, {Kind: "activity", ID: a2}}})
		pgstore.QueueClaimAnswer(b, "sms", sid, reply)
		pgstore.QueueEnqueue(b, &pgstore.OutboxEntry{Channel: "sms", Recipient: visitPhone, Key: "reply|" + sid, UserID: 7, Data: reply}, t0, time.Time{})
		b.Queue(`UPDATE conversations SET data = $2 WHERE user_id = $1`, 7, `{"day":"2026-12-07","recent":[1,2,3]}`)
		return tx.Commit(ctx, b, nil)
	})
}

var visitBuckets = []string{"rec/user", "idx_user_phone", "rec/account", "idx_name", "rec/contact", "idx_account", "rec/activity",
	"idx_open_owner", "idx_due", "idx_owner", "rec/equipment", "conv", "unresolved_open", "gw/claims", "changesets", "rec_hist",
	"outbox/entries", "outbox/state", "outbox/keys"}

func u64b(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func seedBolt(b *testing.B, db *bolt.DB) {
	err := db.Update(func(tx *bolt.Tx) error {
		for _, n := range visitBuckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
				return err
			}
		}
		bk := func(n string) *bolt.Bucket { return tx.Bucket([]byte(n)) }
		bk("rec/user").Put(u64b(7), []byte(`{"id":7,"name":"Li Na","phones":["+8613901395136"]}`))
		bk("idx_user_phone").Put([]byte(visitPhone), u64b(7))
		for g := uint64(1); g <= nAccounts; g++ {
			bk("rec/account").Put(u64b(g), fmt.Appendf(nil, `{"id":%d,"owner":7,"name":"Account %d","status":"active"}`, g, g))
			toks := []string{"account", fmt.Sprint(g)}
			if g == 1 {
				toks = []string{"acme", "mining", "co"}
			}
			for _, t := range toks {
				bk("idx_name").Put(append([]byte("account\x00"+t+"\x00"), u64b(g)...), []byte{0, 0, 3})
			}
		}
		for g := uint64(1); g <= nAccounts*contactsEach; g++ {
			a := (g + 2) / 3
			bk("rec/contact").Put(u64b(g), fmt.Appendf(nil, `{"id":%d,"account":%d,"name":"Contact %d"}`, g, a, g))
			bk("idx_account").Put(append(append(u64b(a), "contact\x00"...), u64b(g)...), nil)
		}
		for g := uint64(1); g <= nOpen; g++ {
			due := uint64(t0.Add(time.Duration(g) * 8 * time.Hour).UnixNano())
			bk("rec/activity").Put(u64b(g), fmt.Appendf(nil, `{"id":%d,"owner":7,"type":"visit","status":"open","account":%d}`, g, g%200+1))
			bk("idx_open_owner").Put(append(u64b(7), u64b(g)...), u64b(due))
		}
		bk("rec/activity").SetSequence(1000)
		for g := uint64(1); g <= nAccounts/2; g++ {
			bk("rec/equipment").Put(u64b(g), fmt.Appendf(nil, `{"id":%d,"account":%d}`, g, g*2))
			bk("idx_account").Put(append(append(u64b(g*2), "equipment\x00"...), u64b(g)...), nil)
		}
		return bk("conv").Put(u64b(7), []byte(`{"day":"2026-12-07"}`))
	})
	if err != nil {
		b.Fatal(err)
	}
}

// visitBoltFull is the same visit as crm does it on bbolt: the sender and
// the name lookup in reads of their own, then one Update with the rest of
// the reads and the writes (without group commit: one writer).
func visitBoltFull(db *bolt.DB, n int64, activity, reply []byte) error {
	sid := fmt.Sprintf("SMv%031d", n)
	claimKey := []byte("sms\x00" + sid)
	horizon := uint64(t0.Add(4 * 24 * time.Hour).UnixNano())
	var acct uint64
	err := db.View(func(tx *bolt.Tx) error {
		uid := tx.Bucket([]byte("idx_user_phone")).Get([]byte(visitPhone))
		if tx.Bucket([]byte("rec/user")).Get(uid) == nil || tx.Bucket([]byte("gw/claims")).Get(claimKey) != nil {
			return fmt.Errorf("sender")
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte("idx_name")).Cursor()
		prefix := []byte("account\x00acme")
		for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			acct = binary.BigEndian.Uint64(k[len(k)-8:])
			tx.Bucket([]byte("rec/account")).Get(k[len(k)-8:])
		}
		return nil
	})
	if err != nil || acct == 0 {
		return fmt.Errorf("lookup: %v", err)
	}
	return db.Update(func(tx *bolt.Tx) error {
		bk := func(n string) *bolt.Bucket { return tx.Bucket([]byte(n)) }
		if bk("gw/claims").Get(claimKey) != nil {
			return fmt.Errorf("claimed")
		}
		bk("conv").Get(u64b(7))
		c := bk("idx_open_owner").Cursor()
		open := 0
		for k, v := c.Seek(u64b(7)); k != nil && binary.BigEndian.Uint64(k[:8]) == 7; k, v = c.Next() {
			if binary.BigEndian.Uint64(v) < horizon {
				bk("rec/activity").Get(k[8:])
				open++
			}
		}
		if open == 0 {
			return fmt.Errorf("no open activities read")
		}
		bk("rec/account").Get(u64b(acct))
		prefix := append(u64b(acct), "contact\x00"...)
		c = bk("idx_account").Cursor()
		k0 := 0
		for k, _ := c.Seek(prefix); k != nil && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			bk("rec/contact").Get(k[len(k)-8:])
			k0++
		}
		if k0 != contactsEach {
			return fmt.Errorf("%d contacts", k0)
		}
		for range 2 { // CreateActivity and the follow-up: owner, account, contact
			bk("rec/user").Get(u64b(7))
			bk("rec/account").Get(u64b(acct))
			bk("rec/contact").Get(u64b(1))
		}
		bk("idx_account").Cursor().Seek(append(u64b(acct), "equipment\x00"...))
		bk("unresolved_open").Get(u64b(7))
		cs, _ := bk("changesets").NextSequence()
		for range 2 {
			id, _ := bk("rec/activity").NextSequence()
			bk("rec/activity").Put(u64b(id), activity)
			bk("idx_due").Put(append(u64b(horizon), u64b(id)...), nil)
			bk("idx_open_owner").Put(append(u64b(7), u64b(id)...), u64b(horizon))
			bk("idx_account").Put(append(append(u64b(acct), "activity\x00"...), u64b(id)...), nil)
			bk("idx_owner").Put(append([]byte("activity\x00"), append(u64b(7), u64b(id)...)...), nil)
			bk("rec_hist").Put(append([]byte("activity\x00"), append(u64b(id), u64b(cs)...)...), nil)
		}
		bk("changesets").Put(u64b(cs), activity)
		bk("conv").Put(u64b(7), []byte(`{"day":"2026-12-07","recent":[1,2,3]}`))
		bk("gw/claims").Put(claimKey, reply)
		oid, _ := bk("outbox/entries").NextSequence()
		bk("outbox/entries").Put(u64b(oid), reply)
		bk("outbox/state").Put(append([]byte("queued\x00sms\x00"), append(u64b(uint64(t0.UnixNano())), u64b(oid)...)...), nil)
		return bk("outbox/keys").Put([]byte("sms\x00reply|"+sid), u64b(oid))
	})
}

// BenchmarkVisit is one whole visit, reads and writes, one at a time:
// PostgreSQL in four pipelined round trips against bbolt as crm uses it,
// same run; round-trips/op counts the client's writes to the server.
func BenchmarkVisit(b *testing.B) {
	ctx := context.Background()
	dsn := newDB(b)
	pool, writes := newCountingPool(b, dsn, 2)
	seedPG(b, pool)
	db := boltFile(b)
	seedBolt(b, db)
	activity := []byte(`{"type":"visit","subject":"visit ACME Mining Co., Zhang Wei","status":"done","account":1,"contact":1}`)
	reply := []byte(`{"reply":"Visit #1001 logged (ACME Mining Co., Zhang Wei); next: quote Fri #1002. UNDO to cancel."}`)
	var seq atomic.Int64
	for range 20 {
		n := seq.Add(1)
		if err := visitPGFull(ctx, pool, n, activity, reply); err != nil {
			b.Fatal(err)
		}
		if err := visitBoltFull(db, n, activity, reply); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var pgNs, boltNs, rts int64
	for i := 0; i < b.N; i++ {
		n := seq.Add(1)
		s := time.Now()
		if err := visitBoltFull(db, n, activity, reply); err != nil {
			b.Fatal(err)
		}
		boltNs += int64(time.Since(s))
		w := writes.Load()
		s = time.Now()
		if err := visitPGFull(ctx, pool, n, activity, reply); err != nil {
			b.Fatal(err)
		}
		pgNs += int64(time.Since(s))
		rts += writes.Load() - w
	}
	b.StopTimer()
	b.ReportMetric(float64(boltNs)/float64(b.N)/1e6, "bbolt-ms/op")
	b.ReportMetric(float64(pgNs)/float64(b.N)/1e6, "pg-ms/op")
	b.ReportMetric(float64(pgNs)/float64(boltNs), "pg/bbolt")
	b.ReportMetric(float64(rts)/float64(b.N), "round-trips/op")
}
