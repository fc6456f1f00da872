package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// The harness's database is what FIELDCRM_DB names for serve: a bbolt file
// (one process) or a postgres:// URL (several serve processes, nodes, share
// it). Seed and verify open it the way serve does (cmd/fieldcrm's openDB).

// pgServerEnv names the server -pg makes a fresh database on for each run
// (.ci/pg start exports it).
const pgServerEnv = "FIELDCRM_TEST_PG"

// isPostgres reports whether db names a PostgreSQL database.
func isPostgres(db string) bool { return pgstore.IsURL(db) }

// openStore opens db: the bbolt file, or PostgreSQL (its migrations applied).
func openStore(db string, o crm.Options) (*crm.Store, error) {
	if !isPostgres(db) {
		return crm.Open(db, o)
	}
	return pgstore.OpenStore(db, o)
}

// redact leaves a URL's password out of messages.
func redact(db string) string { return pgstore.Redact(db) }

// pgServer is $FIELDCRM_TEST_PG, or an error saying how to get one.
func pgServer() (string, error) {
	s := os.Getenv(pgServerEnv)
	if s == "" {
		return "", fmt.Errorf("-pg: $%s is not set: start a throwaway server with eval \"$(.ci/pg start)\", or give -db postgres://…", pgServerEnv)
	}
	if !isPostgres(s) {
		return "", fmt.Errorf("$%s=%q is not a postgres:// URL", pgServerEnv, redact(s))
	}
	return s, nil
}

// freshDB creates an empty database on server and returns its URL and a
// function that drops it (ending the connections still open to it).
func freshDB(server string) (dsn string, drop func() error, err error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	rand.Read(b[:])
	name := "fieldcrm_load_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", redact(server), err)
	}
	defer admin.Close(ctx)
	if err := inUseRetry(ctx, func() error {
		_, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'")
		return err
	}); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	drop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	return u.String(), drop, nil
}

// inUseRetry runs fn again while template0 is still in use by another
// CREATE DATABASE (55006).
func inUseRetry(ctx context.Context, fn func() error) error {
	for i := 0; ; i++ {
		err := fn()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "55006" || i >= 50 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
