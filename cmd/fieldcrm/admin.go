package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

// The administrator's commands share these helpers: one flag.FlagSet per
// command, --db for the database, crm.System as the actor.

// defaultDB is the database path when --db is not given.
func defaultDB() string {
	if p := os.Getenv("FIELDCRM_DB"); p != "" {
		return p
	}
	return "fieldcrm.db"
}

// newFlags returns a flag set for a command; synopsis and about make its -h.
func newFlags(name, synopsis, about string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	db := fs.String("db", defaultDB(), "database `file` or postgres:// URL (default from $FIELDCRM_DB)")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: fieldcrm %s\n", synopsis)
		if about != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(about))
		}
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
	return fs, db
}

// parseFlags parses args, allowing flags after the positional arguments
// ("import accounts a.csv --skip-bad"). It returns the positional arguments,
// and an exit status with ok false when the command should stop: 0 after -h
// (usage on stdout), 2 after a bad flag (message and usage on stderr).
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			stdout.Write(buf.Bytes())
			return nil, 0, false
		}
		if err != nil {
			stderr.Write(buf.Bytes())
			return nil, 2, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), 0, true
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// usageError prints a problem with the command line and the usage: exit 2.
func usageError(fs *flag.FlagSet, stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "fieldcrm %s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.SetOutput(stderr)
	fs.Usage()
	return 2
}

// createsDB are the commands that may start a new database when the file
// does not exist; every other command refuses a missing file (a typo in
// --db must not succeed on an empty database).
var createsDB = map[string]bool{"user add": true, "import": true, "campaign add": true}

// openStore opens the database; it fails within crm's lock timeout (2s) when
// another process holds the file. The administrator's commands open files
// fieldcrm may not have written (a copy, a download), so each runs the full
// check first (crm.ValidateFile): a damaged file is refused with a sentence
// before anything reads or writes it.
func openStore(fs *flag.FlagSet, path string, stderr io.Writer) (*crm.Store, bool) {
	s, err := openDB(path, crm.Options{MustExist: !createsDB[fs.Name()], Verify: true})
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm %s: %s\n", fs.Name(), openError(path, err))
		return nil, false
	}
	return s, true
}

// openError says why a database did not open, and what to do.
func openError(path string, err error) string {
	switch {
	case errors.Is(err, crm.ErrNoDatabase):
		return fmt.Sprintf("%s does not exist: give the database with --db (or $FIELDCRM_DB); nothing was created ('fieldcrm user add' or 'fieldcrm import' start a new one)", path)
	case errors.Is(err, crm.ErrDamaged):
		return fmt.Sprintf("%v; nothing was changed (a damaged database is replaced from a backup: fieldcrm restore)", err)
	}
	return err.Error()
}

// meta is how a command appears in the history.
func meta(channel, name string, args []string) crm.Meta {
	return crm.Meta{Actor: crm.System, Channel: channel, Summary: strings.TrimSpace("fieldcrm " + name + " " + strings.Join(args, " "))}
}

// fail prints a refusal from crm (message and right form) and returns 1.
func fail(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "fieldcrm %s: %s\n", name, csvio.ErrText(err))
	return 1
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("check", "check [--repair] [--db PATH]", `
Checks every index of the database against the records (and each kind's id
sequence). With --repair it rebuilds the indexes when anything is wrong.
Exit status 1 when problems remain. With --db postgres://… it checks a copy
made by fieldcrm migrate (records, columns, history, id counters).`)
	repair := fs.Bool("repair", false, "rebuild the indexes from the records when anything is wrong")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	if isPostgresURL(*db) { // a copy made by fieldcrm migrate (migrate.go)
		if *repair {
			return usageError(fs, stderr, "--repair is for a bbolt file; a PostgreSQL copy is made again with fieldcrm migrate --replace")
		}
		return checkPostgres(ctx, "check", *db, stdout, stderr)
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	rep, err := s.Check(*repair)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm check: %v\n", err)
		return 1
	}
	var counts []string
	for _, k := range crm.Kinds {
		if n := rep.Records[k]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(counts) == 0 {
		counts = []string{"no records"}
	}
	fmt.Fprintf(stdout, "records: %s\nindex entries: %d\n", strings.Join(counts, ", "), rep.Entries)
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "  %s\n", p)
	}
	switch {
	case rep.OK():
		fmt.Fprintln(stdout, "ok")
		return 0
	case rep.Repaired:
		fmt.Fprintf(stdout, "repaired: %d missing, %d extra, %d wrong index entries, %d id sequences\n", rep.Missing, rep.Extra, rep.Wrong, rep.BadSeq)
		return 0
	}
	fmt.Fprintf(stdout, "problems: %d missing, %d extra, %d wrong index entries, %d id sequences; run with --repair\n", rep.Missing, rep.Extra, rep.Wrong, rep.BadSeq)
	return 1
}
