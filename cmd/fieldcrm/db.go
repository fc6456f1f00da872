package main

import (
	"errors"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// FIELDCRM_DB (or --db) names the database: a file path is the embedded
// bbolt database (the default, one process); a postgres:// or postgresql://
// URL is PostgreSQL, which several fieldcrm processes (nodes) share.

// isPostgres reports whether db names a PostgreSQL database.
func isPostgres(db string) bool { return pgstore.IsURL(db) }

// errBoltOnly refuses a bbolt file operation on PostgreSQL.
var errBoltOnly = errors.New("this works on a bbolt database file; on PostgreSQL use the server's own tools (pg_dump, pg_restore)")

// openDB opens the database db names: bbolt with o, or PostgreSQL (its
// schema migrations applied at start).
func openDB(db string, o crm.Options) (*crm.Store, error) {
	if !isPostgres(db) {
		return crm.Open(db, o)
	}
	return pgstore.OpenStore(db, o)
}
