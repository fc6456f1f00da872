package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

const kindsHelp = "KIND is users, accounts, contacts, leads, opportunities (opps), activities or equipment."

func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "", "file `format`: csv or xlsx (default from the file name's extension)")
}

// fileFormat is the format given, or the one of the file's extension, or csv.
func fileFormat(flagValue, file string) (csvio.Format, bool) {
	if flagValue != "" {
		return csvio.ParseFormat(flagValue)
	}
	if f, ok := csvio.ParseFormat(filepath.Ext(file)); ok {
		return f, true
	}
	return csvio.CSV, true
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("import", "import KIND FILE [--skip-bad] [--format csv|xlsx] [--progress auto|yes|no] [--db PATH]", kindsHelp+`

FILE is CSV (UTF-8, with a header row) or Excel (.xlsx, first sheet, header
row); docs/import.md lists the columns of each kind and the other names a
header may give them (Chinese: 客户名称, 电话, 联系人, 负责人 …; English:
company, phone, e-mail, salesman …). Every row is checked
first and every bad row reported with its line; a file with bad rows imports
nothing unless --skip-bad, which imports the good rows. Rows with the id of a
stored record update it. Accounts, contacts and leads rows without an id
update the stored record with the same name and phone, equipment rows the
machine with the same identity (so a file imported twice creates nothing the
second time); other rows create records. Owners are given by
name, e-mail, phone or id; accounts by id or name. Likely duplicates among the
records imported are listed after the import (fieldcrm merge joins them).`)
	skipBad := fs.Bool("skip-bad", false, "import the good rows of a file that has bad ones")
	format := formatFlag(fs)
	progress := fs.String("progress", "auto", "show progress on standard error: auto (when it is a terminal), yes or no")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return usageError(fs, stderr, "give the kind of records and the file")
	}
	var tty bool
	switch *progress {
	case "auto":
		tty = csvio.IsTerminal(stderr)
	case "yes":
		tty = true
	case "no":
	default:
		return usageError(fs, stderr, "--progress is auto, yes or no, not %q", *progress)
	}
	kind, ok := csvio.KindName(pos[0])
	if !ok {
		return usageError(fs, stderr, "unknown kind %q", pos[0])
	}
	ff, ok := fileFormat(*format, pos[1])
	if !ok {
		return usageError(fs, stderr, "unknown format %q: csv or xlsx", *format)
	}
	f, err := os.Open(pos[1])
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm import: %v\n", err)
		return 1
	}
	t, err := csvio.Read(f, ff)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm import: %s: %v\n", pos[1], err)
		return 1
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	pp := csvio.NewProgressPrinter(stderr, time.Now, tty)
	res, err := csvio.Import(ctx, s, kind, t, csvio.Options{SkipBad: *skipBad, Meta: meta("import", "import", args), Progress: pp.Update})
	pp.Done()
	if res != nil {
		for _, b := range res.Bad {
			fmt.Fprintf(stderr, "%s: %s\n", pos[1], b)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm import: %s: %v\n", pos[1], err)
		if res != nil && res.Imported {
			fmt.Fprintf(stderr, "fieldcrm import: %d %s were imported before the failure\n", res.Rows(), kind)
		}
		return 1
	}
	if len(res.Bad) > 0 && !*skipBad {
		fmt.Fprintf(stderr, "fieldcrm import: nothing imported: %d bad %s in %s (fix them, or use --skip-bad to import the %d good ones)\n",
			len(res.Bad), plural(len(res.Bad), "row", "rows"), pos[1], len(t.Rows)-len(res.Bad))
		return 1
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{res.Created, "created"}, {res.Updated, "updated"}, {res.Unchanged, "unchanged"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	msg := fmt.Sprintf("imported %d %s", res.Rows(), kind)
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, ", ")
	}
	if len(res.Bad) > 0 {
		msg += fmt.Sprintf(" (%d bad %s skipped)", len(res.Bad), plural(len(res.Bad), "row", "rows"))
	}
	fmt.Fprintln(stdout, msg)
	if len(res.Matched) > 0 {
		fmt.Fprintf(stdout, "%d %s without an id %s taken for stored %s:\n",
			len(res.Matched), plural(len(res.Matched), "row", "rows"), plural(len(res.Matched), "was", "were"), kind)
		for _, m := range res.Matched {
			fmt.Fprintf(stdout, "  line %d: %s is #%d (%s)\n", m.Line, m.Name, m.ID, m.How)
		}
	}
	dups, err := csvio.LikelyDuplicates(s, kind, res.IDs)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm import: looking for duplicates: %v\n", err)
	} else if len(dups) > 0 {
		word := strings.TrimSuffix(kind, "s")
		fmt.Fprintf(stdout, "%d likely %s; check each, then put two together with fieldcrm merge %s KEEP OTHER:\n",
			len(dups), plural(len(dups), "duplicate", "duplicates"), word)
		for _, d := range dups {
			fmt.Fprintf(stdout, "  #%d %s and #%d %s: %s (fieldcrm merge %s %d %d)\n", d.A, d.NameA, d.B, d.NameB, d.Why, word, d.A, d.B)
		}
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("export", "export KIND [--format csv|xlsx] [-o FILE] [--db PATH]", kindsHelp+`

Writes every record of KIND with the columns that import reads back (see
docs/import.md): CSV to standard output when no -o is given; Excel needs -o.`)
	format := formatFlag(fs)
	out := fs.String("o", "", "write to `file` instead of standard output")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "give the kind of records")
	}
	kind, ok := csvio.KindName(pos[0])
	if !ok {
		return usageError(fs, stderr, "unknown kind %q", pos[0])
	}
	ff, ok := fileFormat(*format, *out)
	if !ok {
		return usageError(fs, stderr, "unknown format %q: csv or xlsx", *format)
	}
	if ff == csvio.XLSX && *out == "" {
		return usageError(fs, stderr, "an Excel export needs -o FILE")
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	header, rows, err := csvio.Export(s, crm.System, kind)
	s.Close()
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm export: %v\n", err)
		return 1
	}
	if *out == "" {
		if err := csvio.Write(stdout, ff, kind, header, rows); err != nil {
			fmt.Fprintf(stderr, "fieldcrm export: %v\n", err)
			return 1
		}
		return 0
	}
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err == nil {
		err = csvio.Write(f, ff, kind, header, rows)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, *out)
		}
		if err != nil {
			os.Remove(tmp)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "exported %d %s to %s\n", len(rows), kind, *out)
	return 0
}
