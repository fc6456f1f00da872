package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// FIELDCRM_DB (or --db) names the database: a file path is the embedded
// bbolt database (the default, one process); a postgres:// or postgresql://
// URL is PostgreSQL, which several fieldcrm processes (nodes) share.

// isPostgres reports whether db names a PostgreSQL database.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// errBoltOnly refuses a bbolt file operation on PostgreSQL.
var errBoltOnly = errors.New("this works on a bbolt database file; on PostgreSQL use the server's own tools (pg_dump, pg_restore)")

// openDB opens the database db names: bbolt with o, or PostgreSQL (its
// schema migrations applied at start).
func openDB(db string, o crm.Options) (*crm.Store, error) {
	if !isPostgres(db) {
		return crm.Open(db, o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	eng, err := pgstore.OpenEngine(ctx, db, pgstore.EngineOptions{})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redactURL(db), err)
	}
	s, err := crm.OpenEngine(eng, o)
	if err != nil {
		eng.Close()
		return nil, fmt.Errorf("open %s: %w", redactURL(db), err)
	}
	return s, nil
}
