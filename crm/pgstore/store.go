package pgstore

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// IsURL reports whether db names a PostgreSQL database (postgres:// or
// postgresql://) rather than a bbolt file.
func IsURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// OpenStore opens crm's store on the PostgreSQL database at url, its
// migrations applied: what every command does with FIELDCRM_DB=postgres://….
func OpenStore(url string, o crm.Options) (*crm.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	eng, err := OpenEngine(ctx, url, EngineOptions{})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", Redact(url), err)
	}
	s, err := crm.OpenEngine(eng, o)
	if err != nil {
		eng.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(url), err)
	}
	return s, nil
}

// Redact leaves a URL's password out of what is printed.
func Redact(db string) string {
	u, err := url.Parse(db)
	if err != nil {
		return "the database URL"
	}
	return u.Redacted()
}
