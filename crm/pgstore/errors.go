package pgstore

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

func isDuplicateTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "42P07" || pe.Code == "42710")
}
