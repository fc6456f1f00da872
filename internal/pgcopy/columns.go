// Package pgcopy copies a fieldcrm bbolt database into PostgreSQL (the
// schema of crm/pgstore) with every record, id, change set and the state of
// the gateways and the scheduler (Copy), and checks such a copy (Check).
// `fieldcrm migrate` is its command.
package pgcopy

import (
	"fmt"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// recordValues decodes a record's JSON and returns the values of its
// table's columns in order: crm.Base's, the kind's typed columns
// (pgstore.Tables), and data (the JSON as stored in bbolt).
func recordValues(kind string, data []byte) ([]any, error) {
	t, ok := pgstore.Tables[kind]
	if !ok {
		return nil, fmt.Errorf("no table for kind %q", kind)
	}
	b, cols, err := typedColumns(kind, data)
	if err != nil {
		return nil, err
	}
	out := []any{b.ID, b.Owner, b.Branch, b.Dept, b.Created, b.Updated}
	for _, c := range t.Cols {
		v, ok := cols[c]
		if !ok {
			return nil, fmt.Errorf("%s: no value for column %s", kind, c)
		}
		out = append(out, v)
	}
	return append(out, string(data)), nil
}

// typedColumns decodes data into kind's record type and returns its Base and
// its typed columns by name, as the engine writes them (pgstore.Columns).
func typedColumns(kind string, data []byte) (*crm.Base, map[string]any, error) {
	r, err := pgstore.Decode(crm.Kind(kind), data)
	if err != nil {
		return nil, nil, err
	}
	return pgstore.Columns(r)
}

// TableOf names the PostgreSQL table of a kind's records.
func TableOf(k crm.Kind) string {
	if t, ok := pgstore.Tables[string(k)]; ok {
		return t.Name
	}
	return ""
}
