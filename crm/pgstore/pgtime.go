package pgstore

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// pgtypeTime scans a timestamptz that may be ±infinity (the zero time then).
type pgtypeTime struct{ t time.Time }

func (p *pgtypeTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	if v.Valid && v.InfinityModifier == pgtype.Finite {
		p.t = v.Time
	} else {
		p.t = time.Time{}
	}
	return nil
}
