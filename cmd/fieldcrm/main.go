// Command fieldcrm is the one binary of fieldcrm: the service, the demo and
// the administrator's tools.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	_ "time/tzdata" // users' time zones work on hosts and images without tzdata
)

// command is one sub-command of the binary. run gets the arguments after the
// sub-command's name and returns the process exit status.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"parse":    {"parse one message and print the command as JSON", runParse},
		"user":     {"add, list and change users", runUser},
		"import":   {"import records from a CSV or Excel file", runImport},
		"export":   {"export records to a CSV or Excel file", runExport},
		"merge":    {"put a duplicate account or contact into the one kept", runMerge},
		"backup":   {"write a consistent copy of the database (also from a running serve)", runHotBackup},
		"restore":  {"replace the database with a checked backup (serve stopped)", runRestore},
		"check":    {"check (and --repair) the database's indexes", runCheck},
		"migrate":  {"copy a bbolt database into PostgreSQL (--from FILE --to postgres://…)", runMigrate},
		"serve":    {"run the service: Twilio webhook, outbox and scheduled jobs", runServe},
		"demo":     {"try fieldcrm: a demo database and a prompt to text as a salesman", runDemo},
		"sms":      {"handle one SMS as serve would (--from NUMBER \"text\")", runSMS},
		"webhook":  {"post an SMS to a running serve as Twilio does and print the TwiML answer", runWebhook},
		"mail":     {"send an e-mail to the demo and print the answer (--from ADDRESS \"text\")", runMailCmd},
		"jobs":     {"list the scheduled jobs, or run one as of a time", runJobs},
		"outbox":   {"list what fieldcrm will send, has sent and gave up on; send a dead one again", runOutbox},
		"report":   {"print or export a report (funnel, forecast, lost, …)", runReport},
		"campaign": {"add, change and list campaigns; responses to leads; import responses", runCampaign},
		"version":  {"print the version, commit and Go version of this binary", runVersion},
		"health":   {"ask a running serve whether it is ready (exit 0) or not (exit 1)", runHealth},

		// what the language did not read yet (unresolved.go)
		"unresolved": {"list the messages not carried out, by cause; run one again as its sender", runUnresolved},

		// the SMS templates a domestic provider must approve (smstemplates.go)
		"sms-templates": {"print the SMS templates to submit to a provider for approval (--provider aliyun)", runSMSTemplates},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "fieldcrm: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: fieldcrm COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'fieldcrm COMMAND -h' for the flags of one command.")
}
