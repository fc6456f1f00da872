package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
)

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("report", "report NAME [--from DATE] [--to DATE] [--branch B] [--dept D] [--user U] [--as U] [--format text|csv|xlsx|html] [-o FILE] [--db PATH]",
		`NAME is one of: `+strings.Join(report.Names, ", ")+`.

The period is --from to --to, both days included (YYYY-MM-DD, in the
database's zone); by default this month up to today. --branch, --dept and
--user (name, id, phone or email) narrow the records to their owners. The
report reads as the administrator, or with the access level of the user
given by --as (a salesman sees his own figures, a manager his branch).
Written as text to standard output unless -o; the CSV and Excel forms hold
the same cells as the text. docs/reports/README.md defines each figure.`)
	from := fs.String("from", "", "first `day` of the period (YYYY-MM-DD)")
	to := fs.String("to", "", "last `day` of the period (YYYY-MM-DD)")
	branch := fs.String("branch", "", "only records of this `branch`")
	dept := fs.String("dept", "", "only records of this `department`")
	user := fs.String("user", "", "only records owned by this `user`")
	as := fs.String("as", "", "read with this `user`'s access level")
	days := fs.Int("days", 30, "visits: accounts not visited for this many `days`")
	format := fs.String("format", "", "output `format`: text, csv, xlsx or html (default from -o's extension, else text)")
	out := fs.String("o", "", "write to `file` instead of standard output")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "give the report's name (%s)", strings.Join(report.Names, ", "))
	}
	ff := *format
	if ff == "" {
		ff = "text"
		if ext := strings.TrimPrefix(strings.ToLower(filepathExt(*out)), "."); ext == "csv" || ext == "xlsx" || ext == "html" {
			ff = ext
		}
	}
	switch ff {
	case "text", "csv", "xlsx", "html":
	default:
		return usageError(fs, stderr, "unknown format %q: text, csv, xlsx or html", ff)
	}
	if ff == "xlsx" && *out == "" {
		return usageError(fs, stderr, "an Excel report needs -o FILE")
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	loc := s.Location()
	f := report.Filter{Loc: loc, Branch: *branch, Dept: *dept, IdleDays: *days}
	now := s.Now().In(loc)
	f.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	f.To = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	for _, d := range []struct {
		v   string
		dst *time.Time
		add int
	}{{*from, &f.From, 0}, {*to, &f.To, 1}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.v, loc)
		if err != nil {
			return usageError(fs, stderr, "%q is not a day (YYYY-MM-DD)", d.v)
		}
		*d.dst = t.AddDate(0, 0, d.add)
	}
	if !f.From.Before(f.To) {
		return usageError(fs, stderr, "--from is after --to")
	}
	actor := crm.System
	var t *report.Table
	err := s.View(crm.System, func(tx *crm.Tx) error {
		if *as != "" {
			u, err := repFindUser(tx, *as)
			if err != nil {
				return err
			}
			actor = u
		}
		if *user != "" {
			u, err := repFindUser(tx, *user)
			if err != nil {
				return err
			}
			f.User = u.ID
		}
		return nil
	})
	if err == nil {
		err = s.View(actor, func(tx *crm.Tx) error {
			var err error
			t, err = report.Run(tx, pos[0], f)
			return err
		})
	}
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm report: %v\n", err)
		return 1
	}
	if *out == "" {
		if err := report.Write(stdout, ff, t); err != nil {
			fmt.Fprintf(stderr, "fieldcrm report: %v\n", err)
			return 1
		}
		return 0
	}
	if err := repWriteFile(*out, ff, t); err != nil {
		fmt.Fprintf(stderr, "fieldcrm report: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s report (%d rows) to %s\n", t.Name, len(t.Rows), *out)
	return 0
}

func filepathExt(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 && !strings.ContainsAny(p[i:], `/\`) {
		return p[i:]
	}
	return ""
}

// repWriteFile writes through FILE.tmp, renamed when complete.
func repWriteFile(path, format string, t *report.Table) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = report.Write(f, format, t)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// repFindUser finds a user by id (#12 or 12), phone, email or name
// (case-insensitive; a unique prefix will do).
func repFindUser(tx *crm.Tx, q string) (*crm.User, error) {
	q = strings.TrimSpace(q)
	if id, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64); err == nil && id > 0 && len(q) < 8 {
		if u, err := tx.User(id); err == nil {
			return u, nil
		}
	}
	if u, err := tx.UserByPhone(q); err == nil {
		return u, nil
	}
	if u, err := tx.UserByEmail(q); err == nil {
		return u, nil
	}
	var exact, prefix []*crm.User
	tx.Each(crm.KindUser, func(r crm.Record) bool {
		u := r.(*crm.User)
		switch n := strings.ToLower(u.Name); {
		case n == strings.ToLower(q):
			exact = append(exact, u)
		case strings.HasPrefix(n, strings.ToLower(q)):
			prefix = append(prefix, u)
		}
		return true
	})
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) == 0 && len(prefix) == 1:
		return prefix[0], nil
	case len(exact)+len(prefix) == 0:
		return nil, fmt.Errorf("no user %q", q)
	}
	return nil, fmt.Errorf("%q names more than one user: give the id", q)
}
