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
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
	server := Server(t)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "fieldcrm_t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to %s: %v", Env, err)
	}
	defer admin.Close(ctx)
	// template0: nothing a test left in template1 comes along
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
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
