package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/scheduler"
	"github.com/fieldcrm/fieldcrm/templates"
)

const jobsUsage = `usage: fieldcrm jobs list [--db FILE]
       fieldcrm jobs run NAME [--at TIME] [--db FILE] [--email]

  list  every job: its schedule (FIELDCRM_SCHEDULE_<JOB> or the default), next
        run, last run, how long it took and what it did
  run   run one job now, or as of TIME ("2025-11-25 06:30" in FIELDCRM_TZ, or
        RFC 3339); what it sends goes to the outbox, which serve sends

jobs: overdue escalate takeback summary digest weekly monthly
`

func runJobs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, jobsUsage)
		return 2
	}
	switch args[0] {
	case "list", "ls":
		return runJobsList(ctx, args[1:], stdout, stderr)
	case "run":
		return runJobsRun(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, jobsUsage)
		return 0
	}
	fmt.Fprintf(stderr, "fieldcrm jobs: unknown sub-command %q\n", args[0])
	fmt.Fprint(stderr, jobsUsage)
	return 2
}

// jobLocation is the time zone of the schedules: FIELDCRM_TZ or Asia/Shanghai.
func jobLocation() (*time.Location, error) {
	tz := os.Getenv("FIELDCRM_TZ")
	if tz == "" {
		tz = "Asia/Shanghai"
	}
	return time.LoadLocation(tz)
}

// jobOpen opens the store (with its clock at at, when set) and a scheduler on it.
func jobOpen(path string, at time.Time, email bool, loc *time.Location) (*crm.Store, *scheduler.Scheduler, error) {
	opts := crm.Options{Location: loc, MustExist: true, Verify: true}
	if !at.IsZero() {
		opts.Now = func() time.Time { return at }
	}
	st, err := openDB(path, opts)
	if err != nil {
		return nil, nil, errors.New(openError(path, err))
	}
	tpl, err := templates.New()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	s, err := scheduler.New(scheduler.Config{Store: st, Templates: tpl, Location: loc, Schedules: jobSchedules(os.Getenv),
		Email: email, Log: discardLogger()})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, s, nil
}

func runJobsList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("jobs list", "jobs list [--db FILE]", "")
	if _, code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	loc, err := jobLocation()
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm jobs list: FIELDCRM_TZ:", err)
		return 2
	}
	st, s, err := jobOpen(*db, time.Time{}, false, loc)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm jobs list:", err)
		return 1
	}
	defer st.Close()
	runs, err := scheduler.LastRuns(st.Engine())
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm jobs list:", err)
		return 1
	}
	clock, err := clockOrNow(nil)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm jobs list:", err)
		return 2
	}
	now := clock().In(loc)
	next := s.Next(now)
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "JOB\tSCHEDULE\tNEXT\tLAST RUN (AS OF)\tTOOK\tCOUNTS")
	for _, name := range scheduler.Jobs {
		j := s.Job(name)
		nx := "off"
		if t, ok := next[name]; ok {
			nx = t.In(loc).Format("2006-01-02 15:04")
		}
		last, took, counts := "never", "", ""
		if r, ok := runs[name]; ok {
			last = r.At.In(loc).Format("2006-01-02 15:04")
			took = r.Duration.Round(time.Millisecond).String()
			counts = r.Counts.String()
			if r.Error != "" {
				counts += " error: " + r.Error
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", name, j.Spec, nx, last, took, counts)
	}
	w.Flush()
	return 0
}

func runJobsRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("jobs run", "jobs run NAME [--at TIME] [--db FILE] [--email]", "")
	atFlag := fs.String("at", "", "run as of `TIME` (\"2025-11-25 06:30\" in FIELDCRM_TZ, or RFC 3339); default now")
	email := fs.Bool("email", false, "queue emails too (serve queues them when an email channel is configured)")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "give one job name")
	}
	loc, err := jobLocation()
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm jobs run: FIELDCRM_TZ:", err)
		return 2
	}
	clock, err := clockOrNow(nil)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm jobs run:", err)
		return 2
	}
	at := clock()
	if *atFlag != "" {
		if at, err = jobParseTime(*atFlag, loc); err != nil {
			return usageError(fs, stderr, "%v", err)
		}
	}
	st, s, err := jobOpen(*db, at, *email, loc)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm jobs run:", err)
		return 1
	}
	defer st.Close()
	if s.Job(pos[0]) == nil {
		return usageError(fs, stderr, "no job %q", pos[0])
	}
	counts, err := s.Run(ctx, pos[0], at)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm jobs run:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s as of %s: %s\n", pos[0], at.In(loc).Format("2006-01-02 15:04"), counts)
	return 0
}

// jobParseTime reads --at: RFC 3339, or a local date and time in loc.
func jobParseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q is not a time (e.g. \"2025-11-25 06:30\")", s)
}

// discardLogger drops the scheduler's log lines: jobs run prints the counts.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
