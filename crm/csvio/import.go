package csvio

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Options configure Import.
type Options struct {
	// SkipBad imports the good rows of a file that has bad ones; without it
	// a file with any bad row imports nothing.
	SkipBad bool
	// Meta is who imports and why (Channel should be "import": crm then lets
	// an A-level writer create records with the ids of the file and write
	// records in the state they were exported in).
	Meta crm.Meta
	// Chunk is the most rows written in one transaction; 2000 when zero.
	Chunk int
	// Progress, when set, is told after every row how far the import has
	// got (ProgressPrinter.Update shows it on a terminal).
	Progress func(Progress)
	// DryRun checks every row and writes nothing: the Result counts what
	// the import would create, update and find unchanged, and its bad rows
	// (the web console's preview).
	DryRun bool
}

// RowError is a bad row: its line in the file and what is wrong with it.
type RowError struct {
	Line   int
	Reason string // in English
	// Parts are what Reason was made of, one for each thing wrong with the
	// row: an edge words them in the reader's language.
	Parts []Part
}

func (e RowError) String() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Result is what an import did.
type Result struct {
	Kind                        string // plural: "accounts"
	Created, Updated, Unchanged int
	Bad                         []RowError // by line
	Imported                    bool       // false: nothing was written
	// Matched are the rows without an id taken for stored records (by name
	// and phone), by line.
	Matched []Match
	// IDs are the records the import created or updated, for
	// LikelyDuplicates.
	IDs []int64
}

// Rows is the number of rows imported (created, updated or found unchanged).
func (r *Result) Rows() int { return r.Created + r.Updated + r.Unchanged }

// HeaderError is a problem with the header row: nothing is imported.
type HeaderError struct{ Msg string }

func (e *HeaderError) Error() string { return e.Msg }

var errDryRun = errors.New("csvio: dry run")
var errRetry = errors.New("csvio: rows failed")

type prow struct {
	line  int
	cells map[string]string
}

// Import reads the rows of a table into the store as records of kind.
//
// Every row is first applied in a transaction that is then rolled back (a dry
// run), collecting every bad row with its reason. A file with bad rows
// imports nothing unless o.SkipBad; otherwise the rows are written in
// transactions of at most o.Chunk rows. Rows that refer to other rows of the
// same file (a user's manager, an account's parent) are written after them.
func Import(cx context.Context, s *crm.Store, kind string, t *Table, o Options) (*Result, error) {
	sp, ok := specFor(kind)
	if !ok {
		return nil, fmt.Errorf("unknown kind %q (one of %s; opps for opportunities)", kind, strings.Join(Kinds, ", "))
	}
	if o.Chunk <= 0 {
		o.Chunk = 2000
	}
	res := &Result{Kind: sp.name}
	cols, has, err := sp.checkHeader(t.Header)
	if err != nil {
		return res, err
	}
	var rows []prow
	var badAll = map[int]reason{} // row index → reason
	for _, r := range t.Rows {
		m := make(map[string]string, len(t.Header))
		extra := false
		for i, c := range r.Cells {
			if i < len(cols) {
				if cols[i] != "" {
					m[cols[i]] = c
				}
			} else if strings.TrimSpace(c) != "" {
				extra = true
			}
		}
		if extra {
			badAll[len(rows)] = sp.reasonOf(cellError("", "has %d cells but the header names %d columns", len(r.Cells), len(t.Header)))
		}
		rows = append(rows, prow{line: r.Line, cells: m})
	}
	order := sp.order(rows)
	loc := s.Location()

	// apply runs the rows idx in tx; it is pure over tx (Update may run it
	// twice), reporting each row's outcome or error.
	var matched []Match
	var ids []int64
	// phase and before say what progress reports: the rows of the phase
	// done before this call of apply
	phase, before, total := "checking", 0, len(rows)
	apply := func(tx *crm.Tx, idx []int) (outs map[outcome]int, bad map[int]reason) {
		outs, bad = map[outcome]int{}, map[int]reason{}
		matched, ids = matched[:0], ids[:0]
		x := &ctx{tx: tx, loc: loc, has: has}
		for k, i := range idx {
			if o.Progress != nil {
				o.Progress(Progress{Phase: phase, Done: before + k, Total: total, Bad: len(badAll) + len(bad)})
			}
			x.row = rows[i].cells
			x.matched, x.matchedID, x.savedID = "", 0, 0
			out, err := sp.applyRow(x)
			if err != nil {
				bad[i] = sp.reasonOf(err)
				continue
			}
			outs[out]++
			if x.matched != "" {
				matched = append(matched, Match{Line: rows[i].line, ID: x.matchedID, Name: rowLabel(x), How: x.matched})
			}
			if out != unchanged && x.savedID != 0 {
				ids = append(ids, x.savedID)
			}
		}
		return outs, bad
	}

	// the dry run
	todo := make([]int, 0, len(order))
	for _, i := range order {
		if _, b := badAll[i]; !b {
			todo = append(todo, i)
		}
	}
	var dryBad map[int]reason
	var dryOuts map[outcome]int
	_, err = s.Update(cx, o.Meta, func(tx *crm.Tx) error {
		dryOuts, dryBad = apply(tx, todo)
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		return res, err
	}
	for i, r := range dryBad {
		badAll[i] = r
	}
	if o.Progress != nil {
		o.Progress(Progress{Phase: phase, Done: len(rows), Total: len(rows), Bad: len(badAll)})
	}
	report := func() {
		res.Bad = res.Bad[:0]
		for i, r := range badAll {
			res.Bad = append(res.Bad, RowError{Line: rows[i].line, Reason: r.text, Parts: r.parts})
		}
		sort.Slice(res.Bad, func(a, b int) bool { return res.Bad[a].Line < res.Bad[b].Line })
	}
	report()
	if o.DryRun {
		res.Created, res.Updated, res.Unchanged = dryOuts[created], dryOuts[updated], dryOuts[unchanged]
		res.Matched = append(res.Matched, matched...)
		return res, nil
	}
	if len(badAll) > 0 && !o.SkipBad {
		return res, nil
	}

	// the writes, chunk by chunk
	good := todo[:0]
	for _, i := range todo {
		if _, b := badAll[i]; !b {
			good = append(good, i)
		}
	}
	phase, total = "writing", len(good)
	for start := 0; start < len(good); start += o.Chunk {
		before = start
		chunk := append([]int(nil), good[start:min(start+o.Chunk, len(good))]...)
		for len(chunk) > 0 {
			var outs map[outcome]int
			var bad map[int]reason
			_, err := s.Update(cx, o.Meta, func(tx *crm.Tx) error {
				outs, bad = apply(tx, chunk)
				if len(bad) > 0 {
					return errRetry
				}
				return nil
			})
			if err == nil {
				res.Created += outs[created]
				res.Updated += outs[updated]
				res.Unchanged += outs[unchanged]
				res.Matched = append(res.Matched, matched...)
				res.IDs = append(res.IDs, ids...)
				res.Imported = true
				break
			}
			if !errors.Is(err, errRetry) {
				report()
				return res, fmt.Errorf("after %d rows: %w", res.Rows(), err)
			}
			// a row that passed the dry run failed now (it leaned on a bad
			// row's partial writes): it is bad too
			for i, r := range bad {
				badAll[i] = r
			}
			report()
			if !o.SkipBad {
				return res, fmt.Errorf("line %d failed after the check passed; %d rows were imported before it", rows[firstKey(bad)].line, res.Rows())
			}
			kept := chunk[:0]
			for _, i := range chunk {
				if _, b := bad[i]; !b {
					kept = append(kept, i)
				}
			}
			chunk = kept
		}
	}
	report()
	if o.Progress != nil {
		o.Progress(Progress{Phase: phase, Done: len(good), Total: len(good), Bad: len(badAll)})
	}
	return res, nil
}

func firstKey(m map[int]reason) int {
	k := -1
	for i := range m {
		if k < 0 || i < k {
			k = i
		}
	}
	return k
}

// checkHeader reads the header (resolveHeader), refuses a file without its
// required columns, and returns the column of each cell and the set present.
func (sp *spec) checkHeader(h []string) ([]string, map[string]bool, error) {
	cols, has, err := sp.resolveHeader(h)
	if err != nil {
		return nil, nil, err
	}
	var missing []string
	for _, c := range sp.required {
		if !has[c] {
			m := fmt.Sprintf("%q", c)
			if zh := sp.chineseName(c); zh != "" {
				m += " (" + zh + ")"
			}
			missing = append(missing, m)
		}
	}
	if sp.name == "leads" && !has["subject"] && !has["company"] {
		missing = append(missing, `"subject" or "company"`)
	}
	if len(missing) > 0 {
		return nil, nil, &HeaderError{fmt.Sprintf("the %s file needs the column(s) %s", sp.name, strings.Join(missing, ", "))}
	}
	return cols, has, nil
}

// order puts rows that others in the file refer to before those.
func (sp *spec) order(rows []prow) []int {
	out := make([]int, 0, len(rows))
	if sp.keys == nil {
		for i := range rows {
			out = append(out, i)
		}
		return out
	}
	byKey := map[string]int{}
	for i, r := range rows {
		for _, k := range sp.keys(r.cells) {
			byKey[k] = i
		}
	}
	state := make([]byte, len(rows)) // 0 new, 1 visiting, 2 done
	var visit func(i int)
	visit = func(i int) {
		if state[i] != 0 {
			return // done, or a cycle: crm will refuse the row that closes it
		}
		state[i] = 1
		if d := sp.dep(rows[i].cells); d != "" {
			if j, ok := byKey[d]; ok && j != i {
				visit(j)
			}
		}
		state[i] = 2
		out = append(out, i)
	}
	for i := range rows {
		visit(i)
	}
	return out
}

// applyRow reads one row into a new or stored record and saves it.
func (sp *spec) applyRow(x *ctx) (out outcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	id, err := parseInt("id", x.row["id"])
	if err != nil {
		return 0, err
	}
	if id < 0 {
		return 0, cellError("id", "%q is not an id", x.row["id"])
	}
	if id == 0 && sp.match != nil {
		// no id: the stored record with the same name and phone, if any
		if m, how := sp.match(x); m != 0 {
			id, x.matched, x.matchedID = m, how, m
		}
	}
	var old, rec crm.Record
	if id != 0 {
		o, err := x.tx.Get(sp.kind, id)
		switch {
		case err == nil:
			old = o
			rec, _ = x.tx.Get(sp.kind, id)
		case crm.ErrorCode(err) != crm.ENOTFOUND:
			return 0, err
		}
	}
	if rec == nil {
		rec = sp.newRec()
		base(rec).ID = id
	}
	var errs []error
	for _, c := range sp.cols {
		if c.set == nil || c.noImport || !x.has[c.name] || c.createOnly && old != nil {
			continue
		}
		if err := c.set(x, rec, x.row[c.name]); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return 0, joinErrors(errs)
	}
	out, err = sp.save(x, rec, old)
	x.savedID = base(rec).ID
	return out, err
}
