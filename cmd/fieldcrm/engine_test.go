package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore/pgstoretest"
)

// The end-to-end tests run on either engine: bbolt by default, PostgreSQL
// with FIELDCRM_TEST_ENGINE=postgres (.ci/run runs them both ways). Each
// test gets a database of its own: a file in its temporary directory, or a
// fresh PostgreSQL database dropped at its end.

const testEngineEnv = "FIELDCRM_TEST_ENGINE"

// onPostgres reports whether the tests run on PostgreSQL.
func onPostgres() bool { return os.Getenv(testEngineEnv) == "postgres" }

// testDB names a new, empty database for t on the engine the tests run on.
func testDB(t testing.TB) string {
	t.Helper()
	if onPostgres() {
		return pgstoretest.DB(t)
	}
	return filepath.Join(t.TempDir(), "crm.db")
}

// testOpen opens db (testDB's) with o, closed when t ends.
func testOpen(t testing.TB, db string, o crm.Options) *crm.Store {
	t.Helper()
	s, err := openDB(db, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// boltOnly skips a test of what only the bbolt file has (its lock, backup,
// restore, its pages) when the tests run on PostgreSQL.
func boltOnly(t testing.TB) {
	t.Helper()
	if onPostgres() {
		t.Skip("bbolt file only")
	}
}
