// Package pgtest gives tests a PostgreSQL database of their own on the server
// that FIELDCRM_TEST_PG names (.ci/pg starts a throwaway one).
//
// Without FIELDCRM_TEST_PG a test that needs PostgreSQL is skipped, unless
// FIELDCRM_PG_TEST=1 says it must run (CI sets both): then it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Env is the variable that names the server: a postgres:// URL of a database
// the tests may connect to and create databases from.
const Env = "FIELDCRM_TEST_PG"

// MustEnv is the variable that turns a missing server into a failure.
const MustEnv = "FIELDCRM_PG_TEST"

// Server returns the URL in FIELDCRM_TEST_PG, skipping (or failing, with
// FIELDCRM_PG_TEST=1) the test when it is not set.
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv(MustEnv) == "1" {
			t.Fatalf("%s is not set, and %s=1 says this test must run on PostgreSQL: start one with eval \"$(.ci/pg start)\"", Env, MustEnv)
		}
		t.Skipf("no PostgreSQL: set %s (eval \"$(.ci/pg start)\")", Env)
	}
	return dsn
}

// DB creates a new, empty database for the test and returns its URL; the
// database is dropped when the test ends (connections still open to it are
// ended first).
func DB(t testing.TB) string {
	t.Helper()
	return create(t, "template0")
}

// DBFrom is DB with the new database a copy of a template that setup built
// once: a migrated schema, say, instead of migrating again in every test.
// The template is kept on the server under the name given, so name it by
// what setup does (the migrations' hash): later runs, and other test
// processes, reuse it. setup gets the template's URL and must close every
// connection it opened before it returns.
func DBFrom(t testing.TB, template string, setup func(ctx context.Context, dsn string) error) string {
	t.Helper()
	server := Server(t)
	name := "fieldcrm_tpl_" + template
	if !validName(name) {
		t.Fatalf("template name %q: letters, digits and _ only, at most 63 bytes", name)
	}
	v, _ := templates.LoadOrStore(name, &tmplOnce{})
	o := v.(*tmplOnce)
	o.once.Do(func() { o.err = makeTemplate(server, name, setup) })
	if o.err != nil {
		t.Fatalf("template %s: %v", name, o.err)
	}
	return create(t, name)
}

type tmplOnce struct {
	once sync.Once
	err  error
}

var templates sync.Map

func validName(s string) bool {
	if len(s) > 63 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// makeTemplate builds the template under a name of its own and renames it
// into place: another process that built it meanwhile wins, and ours is
// dropped.
func makeTemplate(server, name string, setup func(ctx context.Context, dsn string) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil || exists {
		return err
	}
	build := "fieldcrm_build_" + randHex()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+build+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		return err
	}
	u, err := url.Parse(server)
	if err != nil {
		return err
	}
	u.Path = "/" + build
	if err := setup(ctx, u.String()); err != nil {
		admin.Exec(ctx, "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)")
		return err
	}
	err = retryInUse(ctx, func() error {
		_, err := admin.Exec(ctx, "ALTER DATABASE "+build+" RENAME TO "+name)
		return err
	})
	if isCode(err, "42P04") { // built by another process meanwhile
		_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)")
	}
	return err
}

// retryInUse runs fn again while the database is still in use by a session
// that is going away (55006).
func retryInUse(ctx context.Context, fn func() error) error {
	for i := 0; ; i++ {
		err := fn()
		if !isCode(err, "55006") || i >= 50 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func isCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

func randHex() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// create makes a database from template for the test, dropped at its end.
func create(t testing.TB, template string) string {
	t.Helper()
	server := Server(t)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	name := "fieldcrm_t_" + randHex()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to %s: %v", Env, err)
	}
	defer admin.Close(ctx)
	// template0 for an empty one: nothing a test left in template1 comes along
	err = retryInUse(ctx, func() error {
		_, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template+" ENCODING 'UTF8'")
		return err
	})
	if err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
