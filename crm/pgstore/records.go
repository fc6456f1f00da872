package pgstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Table describes a record kind's table: the common columns of crm.Base,
// the typed columns of the kind (copies of what is indexed and reported on),
// and data, the record's JSON.
type Table struct {
	Kind string   // crm.Kind
	Name string   // the table
	Cols []string // the kind's typed columns, in the table's order
}

// baseCols are every record table's first columns.
var baseCols = []string{"id", "owner", "branch", "dept", "created", "updated"}

// Tables lists the record tables by kind (crm.Kinds: a test checks that
// every kind has one).
var Tables = map[string]*Table{
	"user":       {Name: "users", Cols: []string{"name", "email", "role", "manager", "disabled"}},
	"account":    {Name: "accounts", Cols: []string{"name", "status", "parent", "city", "industry", "blacklisted"}},
	"contact":    {Name: "contacts", Cols: []string{"account", "name", "mobile", "landline", "removed"}},
	"lead":       {Name: "leads", Cols: []string{"subject", "company", "phone", "source", "campaign", "status", "estimated_value"}},
	"opp":        {Name: "opps", Cols: []string{"account", "name", "stage", "amount", "probability", "close_at", "closed_at", "lead", "campaign", "lost_to"}},
	"activity":   {Name: "activities", Cols: []string{"type", "status", "priority", "due", "account", "contact", "opp", "lead", "assigned_by", "assigned_at", "done_at"}},
	"equipment":  {Name: "equipment", Cols: []string{"account", "brand", "model", "serial", "own_brand", "bought", "smu"}},
	"competitor": {Name: "competitors", Cols: []string{"name"}},
	"campaign":   {Name: "campaigns", Cols: []string{"name", "budget", "cost", "start_at", "end_at"}},
	"document":   {Name: "documents", Cols: []string{"account", "name", "sha256", "size"}},
	"request":    {Name: "requests", Cols: []string{"type", "status", "target_kind", "target", "requested_by", "decided_by"}},
}

// the statements of each table, built once
type tableSQL struct {
	upsert, get string
}

var tableSQLs = func() map[string]tableSQL {
	m := map[string]tableSQL{}
	for k, t := range Tables {
		t.Kind = k
		cols := append(append(append([]string{}, baseCols...), t.Cols...), "data")
		ph := make([]string, len(cols))
		set := make([]string, 0, len(cols))
		for i, c := range cols {
			ph[i] = fmt.Sprintf("$%d", i+1)
			if c != "id" && c != "created" {
				set = append(set, c+" = EXCLUDED."+c)
			}
		}
		m[k] = tableSQL{
			// created is kept from the first write, as crm's put keeps it
			upsert: fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (id) DO UPDATE SET %s",
				t.Name, strings.Join(cols, ", "), strings.Join(ph, ", "), strings.Join(set, ", ")),
			// data as text: the JSON as the server prints it, not decoded into a map
			get: fmt.Sprintf("SELECT %s, data::text FROM %s WHERE id = $1", strings.Join(cols[:len(cols)-1], ", "), t.Name),
		}
	}
	return m
}()

// Row is a record as stored: its Base, its typed columns by name (a value
// per column of its Table; a missing one is written as the column's zero:
// NULL for times, 0, the empty string or false), and the record's JSON.
type Row struct {
	Kind             string
	ID               int64
	Owner            int64
	Branch, Dept     string
	Created, Updated time.Time
	Cols             map[string]any
	Data             []byte
}

func table(kind string) (*Table, tableSQL, error) {
	t, ok := Tables[kind]
	if !ok {
		return nil, tableSQL{}, fmt.Errorf("pgstore: no table for kind %q", kind)
	}
	return t, tableSQLs[kind], nil
}

// args returns r's values in the table's column order.
func (r *Row) args(t *Table) ([]any, error) {
	for c := range r.Cols {
		if !hasCol(t, c) {
			return nil, fmt.Errorf("pgstore: %s has no column %q", t.Name, c)
		}
	}
	a := []any{r.ID, r.Owner, r.Branch, r.Dept, r.Created, r.Updated}
	for _, c := range t.Cols {
		v, ok := r.Cols[c]
		if !ok {
			v = zeroOf(c)
		}
		a = append(a, v)
	}
	return append(a, string(r.Data)), nil
}

func hasCol(t *Table, c string) bool {
	for _, x := range t.Cols {
		if x == c {
			return true
		}
	}
	return false
}

// zeroOf is what a column holds when the record leaves it out.
func zeroOf(col string) any {
	switch col {
	case "due", "close_at", "closed_at", "assigned_at", "done_at", "bought", "start_at", "end_at":
		return nil
	case "disabled", "blacklisted", "removed", "own_brand":
		return false
	case "manager", "parent", "account", "contact", "opp", "lead", "campaign", "stage", "amount", "probability",
		"assigned_by", "smu", "budget", "cost", "size", "target", "requested_by", "decided_by", "estimated_value":
		return 0
	}
	return ""
}

// Time turns a zero time into NULL, for the nullable time columns.
func Time(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// NextID takes the next short id of kind in tx (the kind's counter row: see
// migrations/0001_init.sql). The row stays locked until tx ends: creations
// of the same kind queue behind each other for the rest of the transaction,
// so take the id late.
func NextID(ctx context.Context, tx pgx.Tx, kind string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, "UPDATE id_counters SET last = last + 1 WHERE kind = $1 RETURNING last", kind).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, fmt.Errorf("pgstore: no id counter for kind %q", kind)
	}
	return id, err
}

// NextIDs takes the next short id of kind and a change-set id in one round
// trip: what a request that creates one record needs.
func NextIDs(ctx context.Context, tx pgx.Tx, kind string) (id, changeset int64, err error) {
	err = tx.QueryRow(ctx, `WITH c AS (UPDATE id_counters SET last = last + 1 WHERE kind = $1 RETURNING last)
		SELECT c.last, nextval('changeset_ids') FROM c`, kind).Scan(&id, &changeset)
	if err == pgx.ErrNoRows {
		return 0, 0, fmt.Errorf("pgstore: no id counter for kind %q", kind)
	}
	return id, changeset, err
}

// KeepID raises kind's counter to at least id: a record imported with its id
// (fieldcrm migrate) is never given that id again.
func KeepID(ctx context.Context, tx pgx.Tx, kind string, id int64) error {
	_, err := tx.Exec(ctx, "UPDATE id_counters SET last = greatest(last, $2) WHERE kind = $1", kind, id)
	return err
}

// LastID returns the last id given to kind.
func LastID(ctx context.Context, q Querier, kind string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "SELECT last FROM id_counters WHERE kind = $1", kind).Scan(&id)
	return id, err
}

// Put writes r (inserted, or updated in place with its created time kept).
// Its id must be set (NextID). A unique index's refusal comes back as the
// server's error (IsUniqueViolation).
func Put(ctx context.Context, q Querier, r *Row) error {
	t, s, err := table(r.Kind)
	if err != nil {
		return err
	}
	if r.ID <= 0 {
		return fmt.Errorf("pgstore: %s without an id", r.Kind)
	}
	a, err := r.args(t)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, s.upsert, a...)
	return err
}

// QueuePut adds r's write to a batch: a request's writes go to the server
// in one round trip.
func QueuePut(b *pgx.Batch, r *Row) error {
	t, s, err := table(r.Kind)
	if err != nil {
		return err
	}
	if r.ID <= 0 {
		return fmt.Errorf("pgstore: %s without an id", r.Kind)
	}
	a, err := r.args(t)
	if err != nil {
		return err
	}
	b.Queue(s.upsert, a...)
	return nil
}

// Get reads a record (ErrNotFound when it is not there).
func Get(ctx context.Context, q Querier, kind string, id int64) (*Row, error) {
	t, s, err := table(kind)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, s.get, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	vals, err := rows.Values()
	if err != nil {
		return nil, err
	}
	r := &Row{Kind: kind, Cols: map[string]any{}}
	r.ID, r.Owner = vals[0].(int64), vals[1].(int64)
	r.Branch, r.Dept = vals[2].(string), vals[3].(string)
	r.Created, r.Updated = vals[4].(time.Time), vals[5].(time.Time)
	for i, c := range t.Cols {
		if v := vals[len(baseCols)+i]; v != nil {
			r.Cols[c] = v
		}
	}
	// json keeps the text as written (schema 3)
	r.Data = []byte(vals[len(vals)-1].(string))
	return r, rows.Err()
}

// Delete removes a record (its id stays taken).
func Delete(ctx context.Context, q Querier, kind string, id int64) error {
	t, _, err := table(kind)
	if err != nil {
		return err
	}
	tag, err := q.Exec(ctx, "DELETE FROM "+t.Name+" WHERE id = $1", id)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}
