package pgstore_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldcrm/fieldcrm/crm/pgstore/pgstoretest"
)

// t0 is the tests' clock: no test reads the wall clock for what it checks.
var t0 = time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)

// newDB returns a fresh database's URL, migrated (pgstoretest.DB).
func newDB(t testing.TB) string { return pgstoretest.DB(t) }

// newPool opens a pool of at most size connections (a "node").
func newPool(t testing.TB, dsn string, size int32) *pgxpool.Pool {
	t.Helper()
	p, _ := newCountingPool(t, dsn, size)
	return p
}

// newCountingPool is newPool whose connections count the writes they make
// to the server: with one request outstanding at a time, every write is a
// round trip.
func newCountingPool(t testing.TB, dsn string, size int32) (*pgxpool.Pool, *atomic.Int64) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = size
	var writes atomic.Int64
	d := &net.Dialer{Timeout: 10 * time.Second}
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, writes: &writes}, nil
	}
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, &writes
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}
