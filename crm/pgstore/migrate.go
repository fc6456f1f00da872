package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one step of the schema: migrations/NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "migrations/"), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("pgstore: migration %s: the name must be NNNN_what.sql", n)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("pgstore: migration %d_%s: expected version %d (no gaps, no repeats)", m.Version, m.Name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the newest schema this code knows.
func SchemaVersion() int {
	ms, err := Migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

const bootstrap = `
CREATE TABLE IF NOT EXISTS schema_migrations (
	version integer PRIMARY KEY,
	name text NOT NULL,
	applied_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS schema_lock (
	id integer PRIMARY KEY
);
INSERT INTO schema_lock (id) VALUES (1) ON CONFLICT (id) DO NOTHING`

// Migrate brings the database's schema up to this code's: every migration
// not applied yet, in order, in one transaction with their rows in
// schema_migrations. Nodes that start at once queue on the lock row of
// schema_lock (SELECT … FOR UPDATE inside the transaction: no session
// advisory lock): the first applies, the others find it done. A database
// written by a newer fieldcrm is refused. It returns the versions it applied.
func Migrate(ctx context.Context, db Beginner) (applied []int, err error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	// the bookkeeping tables themselves: CREATE … IF NOT EXISTS run at once
	// by two nodes may still collide on the catalog's unique keys; the loser
	// finds them there when it tries again
	for attempt := 0; ; attempt++ {
		err = RetryTx(ctx, db, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, bootstrap)
			return err
		})
		if err == nil || attempt >= 5 || !(IsUniqueViolation(err, "") || isDuplicateTable(err)) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("pgstore: schema bookkeeping: %w", err)
	}
	err = RetryTx(ctx, db, func(tx pgx.Tx) error {
		applied = applied[:0]
		if _, err := tx.Exec(ctx, "SELECT id FROM schema_lock WHERE id = 1 FOR UPDATE"); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, "SELECT version FROM schema_migrations")
		have, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		done := map[int]bool{}
		for _, v := range have {
			done[int(v)] = true
			if int(v) > len(ms) {
				return fmt.Errorf("pgstore: the database was written by a newer fieldcrm (schema %d, this one knows %d)", v, len(ms))
			}
		}
		for _, m := range ms {
			if done[m.Version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.Version, m.Name, time.Now()); err != nil {
				return err
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: migrate: %w", err)
	}
	return applied, nil
}
