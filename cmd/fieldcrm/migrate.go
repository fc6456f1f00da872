package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/internal/pgcopy"
)

// isPostgresURL reports whether a --db or --to names a PostgreSQL database.
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// isTerminal reports whether w is a terminal (progress is shown only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagsNoDB("migrate", "migrate --from FILE --to postgres://… [--replace] | migrate --check --to postgres://…", `
Copies a bbolt database into PostgreSQL: every record of every kind with its
id, every change set and record history, the id counters (the next id of a
kind continues after the last one ever given, deleted records' included),
and every other bucket (conversations, documents' contents, unresolved
messages, message claims, pages, the outbox, the scheduler's runs and marks,
the e-mail gateway's state, the web console's sign-ins) as a space of keys
with the same keys, values and sequence. The schema is created or brought up to date
first; the copy is one transaction. A target that already holds data is
refused, unless --replace, which empties it in the same transaction.

The file is opened as every command opens it: not while serve runs on it
(stop serve first, so that nothing changes during the copy).

Not copied, because PostgreSQL has them otherwise: crm's indexes of the
records (the tables' typed columns and indexes), bbolt's layout version
(schema_migrations).

--check validates a copy (also: fieldcrm check --db postgres://…).
Serving from PostgreSQL is not there yet.`)
	from := fs.String("from", "", "the bbolt database `file` to copy")
	to := fs.String("to", "", "the PostgreSQL database: a postgres:// `URL`")
	replace := fs.Bool("replace", false, "empty a target that holds data first (in the copy's transaction)")
	check := fs.Bool("check", false, "check the PostgreSQL database given with --to instead of copying")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	if *from == "" && !*check {
		return usageError(fs, stderr, "give the bbolt database to copy with --from FILE")
	}
	if !isPostgresURL(*to) {
		return usageError(fs, stderr, "--to must be a postgres:// URL (got %q)", *to)
	}
	if *check {
		if *from != "" || *replace {
			return usageError(fs, stderr, "--check takes only --to")
		}
		return checkPostgres(ctx, "migrate", *to, stdout, stderr)
	}
	s, ok := openStore(fs, *from, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	pool, err := pgxpool.New(ctx, *to)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm migrate: %s: %v\n", redactURL(*to), err)
		return 1
	}
	defer pool.Close()

	opts := pgcopy.Options{Replace: *replace}
	if isTerminal(stdout) {
		opts.Progress = func(table string, rows int64, took time.Duration) {
			fmt.Fprintf(stdout, "  %-24s %9d rows  %s\n", table, rows, took.Round(time.Millisecond))
		}
	}
	sum, err := pgcopy.Copy(ctx, s.BoltDB(), pool, opts)
	if errors.Is(err, pgcopy.ErrNotEmpty) {
		fmt.Fprintf(stderr, "fieldcrm migrate: %v: nothing was copied. Give an empty database, or --replace to empty this one first.\n", err)
		return 1
	} else if err != nil {
		fmt.Fprintf(stderr, "fieldcrm migrate: %v; nothing was copied (the copy is one transaction)\n", err)
		return 1
	}
	printCopySummary(stdout, *from, redactURL(*to), sum)
	return 0
}

// newFlagsNoDB is newFlags for a command that names its databases itself
// (--from, --to) instead of --db.
func newFlagsNoDB(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: fieldcrm %s\n", synopsis)
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(about))
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
	return fs
}

// printCopySummary prints rows per table, the time, and what was not copied.
func printCopySummary(w io.Writer, from, to string, sum *pgcopy.Summary) {
	if len(sum.Replaced) > 0 {
		fmt.Fprintf(w, "emptied first (--replace): %s\n", strings.Join(sum.Replaced, ", "))
	}
	fmt.Fprintf(w, "copied %s to %s:\n", from, to)
	var total int64
	tables := append([]pgcopy.TableCount(nil), sum.Tables...)
	for _, t := range tables {
		total += t.Rows
		if t.Rows > 0 {
			fmt.Fprintf(w, "  %-24s %9d\n", t.Table, t.Rows)
		}
	}
	var empty []string
	for _, t := range tables {
		if t.Rows == 0 {
			empty = append(empty, t.Table)
		}
	}
	sort.Strings(empty)
	if len(empty) > 0 {
		fmt.Fprintf(w, "  nothing to copy for: %s\n", strings.Join(empty, ", "))
	}
	secs := sum.Took.Seconds()
	rate := ""
	if secs > 0 {
		rate = fmt.Sprintf(", %.0f records/s", float64(sum.Records)/secs)
	}
	fmt.Fprintf(w, "%d records, %d rows in all, in %s%s\n", sum.Records, total, sum.Took.Round(time.Millisecond), rate)
	fmt.Fprintln(w, "not copied, and why:")
	for _, n := range pgcopy.NotCopied {
		fmt.Fprintf(w, "  %s: %s\n", n.Bucket, n.Why)
	}
	if len(sum.Unknown) > 0 {
		fmt.Fprintf(w, "copied as they are, though unknown to this fieldcrm (check the version that wrote the file): %s\n", strings.Join(sum.Unknown, ", "))
	}
}

// checkPostgres runs pgcopy.Check on a PostgreSQL database: exit 1 with
// what is wrong.
func checkPostgres(ctx context.Context, name, dsn string, stdout, stderr io.Writer) int {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm %s: %s: %v\n", name, redactURL(dsn), err)
		return 1
	}
	defer pool.Close()
	rep, err := pgcopy.Check(ctx, pool)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm %s: %s: %v\n", name, redactURL(dsn), err)
		return 1
	}
	var counts []string
	for _, k := range crm.Kinds {
		if n := rep.Rows[pgTable(k)]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(counts) == 0 {
		counts = []string{"no records"}
	}
	fmt.Fprintf(stdout, "records: %s\nchange sets: %d, history entries: %d, outbox entries: %d, unresolved: %d\n",
		strings.Join(counts, ", "), rep.Rows["changesets"], rep.Rows["record_history"], rep.Rows["outbox_entries"], rep.Rows["unresolved"])
	if len(rep.Problems) == 0 {
		fmt.Fprintln(stdout, "ok")
		return 0
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "  %s\n", p)
	}
	fmt.Fprintf(stdout, "problems: %d\n", len(rep.Problems))
	return 1
}

func pgTable(k crm.Kind) string { return pgcopy.TableOf(k) }

// redactURL drops a password from a URL before it is printed.
func redactURL(s string) string {
	at := strings.Index(s, "@")
	scheme := strings.Index(s, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return s
	}
	cred := s[scheme+3 : at]
	if user, _, ok := strings.Cut(cred, ":"); ok {
		return s[:scheme+3] + user + ":***" + s[at:]
	}
	return s
}
