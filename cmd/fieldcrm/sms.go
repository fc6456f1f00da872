package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway"
)

// runSMS is `fieldcrm sms --from NUMBER [--now TIME] "text" | -`: it handles
// messages exactly as serve would and prints the replies.
func runSMS(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runSMSIn(ctx, args, os.Stdin, stdout, stderr)
}

func runSMSIn(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sms", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envDefault("FIELDCRM_DB", "fieldcrm.db"), "database file or postgres:// URL (env FIELDCRM_DB)")
	from := fs.String("from", "", "the sender's phone number (a registered user's)")
	id := fs.String("id", "", "message id, to test duplicate delivery (default: a new one)")
	nowFlag := fs.String("now", "", "the time the message arrives: RFC 3339 or 2006-01-02T15:04 in $FIELDCRM_TZ (default: now)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fieldcrm sms --from NUMBER [--db FILE] [--now TIME] \"text\" | -")
		fmt.Fprintln(stderr, "Handles one SMS exactly as serve would and prints the reply; notices stay queued for serve to send.")
		fmt.Fprintln(stderr, "With \"-\" each line of standard input is one message (a conversation): the first arrives at --now,")
		fmt.Fprintln(stderr, "each next one a second later, and each reply is printed after \"> message\".")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	text := strings.Join(fs.Args(), " ")
	if *from == "" || strings.TrimSpace(text) == "" {
		fs.Usage()
		return 2
	}
	loc, err := time.LoadLocation(envDefault("FIELDCRM_TZ", "Asia/Shanghai"))
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm sms: bad FIELDCRM_TZ: %v\n", err)
		return 2
	}
	// the clock: real ($FIELDCRM_CLOCK in tests), or standing at --now and
	// moved a second per message
	clock, err := clockOrNow(nil)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm sms:", err)
		return 2
	}
	var fixed atomic.Int64
	if *nowFlag != "" {
		t, err := parseNow(*nowFlag, loc)
		if err != nil {
			fmt.Fprintf(stderr, "fieldcrm sms: bad --now %q: want RFC 3339 or 2006-01-02T15:04\n", *nowFlag)
			return 2
		}
		fixed.Store(t.UnixNano())
		clock = func() time.Time { return time.Unix(0, fixed.Load()).In(loc) }
	}
	msgs := []string{text}
	if text == "-" {
		msgs = msgs[:0]
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				msgs = append(msgs, line)
			}
		}
		if err := sc.Err(); err != nil {
			fmt.Fprintln(stderr, "fieldcrm sms: reading standard input:", err)
			return 2
		}
		if len(msgs) == 0 {
			fmt.Fprintln(stderr, "fieldcrm sms: no message on standard input")
			return 2
		}
	}
	if *id == "" {
		*id = fmt.Sprintf("CLI%d", time.Now().UnixNano())
	}
	s, err := openSession(*db, clock, nil, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm sms:", err)
		return 1
	}
	defer s.store.Close()
	code := 0
	for i, body := range msgs {
		msgID := *id
		if len(msgs) > 1 {
			msgID = fmt.Sprintf("%s-%d", *id, i+1)
			if i > 0 && *nowFlag != "" {
				fixed.Add(int64(time.Second))
			}
			fmt.Fprintf(stdout, "> %s\n", body)
		}
		res, err := s.pipe.Handle(ctx, gateway.Inbound{Channel: gateway.ChannelSMS, ID: msgID, From: *from, Body: body}, gateway.Options{})
		if err != nil {
			fmt.Fprintln(stderr, "fieldcrm sms:", err)
			return 1
		}
		fmt.Fprintln(stdout, res.Reply)
		if res.Notices > 0 {
			fmt.Fprintf(stderr, "(%d notice%s queued: serve sends them)\n", res.Notices, pluralS(res.Notices))
		}
		if res.Dup {
			fmt.Fprintln(stderr, "(a repeat of message "+msgID+": nothing applied again)")
		}
		if res.Code != "" && res.Code != "unknown" {
			code = 1
		}
	}
	return code
}
