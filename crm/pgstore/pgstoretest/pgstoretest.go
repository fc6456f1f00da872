// Package pgstoretest gives tests a fresh PostgreSQL database with
// fieldcrm's schema: a copy of a template migrated once per set of
// migrations (internal/pgtest; skipped without a server unless
// FIELDCRM_PG_TEST=1).
package pgstoretest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
	"github.com/fieldcrm/fieldcrm/internal/pgtest"
)

// DB returns the URL of a new database holding fieldcrm's schema, dropped
// when the test ends. Copying the migrated template takes a fraction of
// migrating a new database.
func DB(t testing.TB) string {
	t.Helper()
	ms, err := pgstore.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d %s\n%s\n", m.Version, m.Name, m.SQL)
	}
	return pgtest.DBFrom(t, fmt.Sprintf("pgstore_%x", h.Sum(nil)[:8]), func(ctx context.Context, dsn string) error {
		p, err := pgxpool.New(ctx, dsn)
		if err != nil {
			return err
		}
		defer p.Close()
		_, err = pgstore.Migrate(ctx, p)
		return err
	})
}
