package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
)

// runParse is `fieldcrm parse [--tz ZONE] [--now TIME] "text"`: it parses one
// message and prints the command as JSON, or the error with its hint. Exit
// status 0 for a command, 1 for a parse error, 2 for bad flags.
func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runParseIn(ctx, args, os.Stdin, stdout, stderr)
}

func runParseIn(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defTZ := os.Getenv("FIELDCRM_TZ")
	if defTZ == "" {
		defTZ = "Asia/Shanghai"
	}
	tz := fs.String("tz", defTZ, "the sender's time zone (IANA name; default $FIELDCRM_TZ or Asia/Shanghai)")
	nowFlag := fs.String("now", "", "the time the message arrived: RFC 3339 or 2006-01-02T15:04 in --tz (default: now)")
	names := fs.String("names", "", "a file of the names the sender may mean, one a line: account: <name> | contact: <name> | user: <name>")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fieldcrm parse [--tz ZONE] [--now TIME] [--names FILE] \"text\" | -")
		fmt.Fprintln(stderr, "Parses one message and prints the command as JSON. Text \"-\" is read from standard input.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm parse: bad --tz %q: %v\n", *tz, err)
		return 2
	}
	now := time.Now().In(loc)
	if *nowFlag != "" {
		t, err := parseNow(*nowFlag, loc)
		if err != nil {
			fmt.Fprintf(stderr, "fieldcrm parse: bad --now %q: want RFC 3339 or 2006-01-02T15:04\n", *nowFlag)
			return 2
		}
		now = t
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	text := strings.Join(fs.Args(), " ")
	if text == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "fieldcrm parse: reading standard input: %v\n", err)
			return 2
		}
		text = strings.TrimRight(string(b), "\r\n")
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	var lex *parser.Lexicon
	if *names != "" {
		b, err := os.ReadFile(*names)
		if err == nil {
			lex, err = parser.ParseLexicon(string(b))
		}
		if err != nil {
			fmt.Fprintf(stderr, "fieldcrm parse: --names: %v\n", err)
			return 2
		}
	}
	cmd, err := parser.Parse(text, parser.Context{Now: now, Loc: loc, Lexicon: lex})
	if err != nil {
		var pe *parser.Error
		if !errors.As(err, &pe) {
			pe = &parser.Error{Msg: err.Error(), Hint: "HELP"}
		}
		_ = enc.Encode(pe)
		return 1
	}
	if err := enc.Encode(cmd); err != nil {
		fmt.Fprintf(stderr, "fieldcrm parse: %v\n", err)
		return 1
	}
	return 0
}

func parseNow(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("bad time")
}
