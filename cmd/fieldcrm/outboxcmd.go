package main

// fieldcrm outbox: what fieldcrm will send, has sent and gave up on, read
// from the database file (jobs run queues summaries; only serve sends them),
// and a dead or failed message put back in the queue.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

const outboxAbout = `
Lists the outbox: every message fieldcrm has queued (notices, summaries,
escalations, late replies), newest first, with its text. States:
  queued   due, or waiting for a retry; serve sends it
  held     queued, but not before a later time (the recipient's quiet hours,
           or a per-number frequency limit)
  sending  handed to the provider, outcome not recorded (in doubt after a crash)
  sent, delivered, undelivered  accepted by the provider, and what it reported
  failed   refused for good (a bad number, an opt-out)
  dead     retried until the last attempt, then given up
  pending  queued, held and sending together

  fieldcrm outbox [--state STATE] [--user NAME|ID] [--limit N] [--json]
  fieldcrm outbox show ID [--json]     one message in full, with its history
  fieldcrm outbox retry ID             send a dead, failed or undelivered message again

It reads the database file, which serve holds while it runs: stop serve, or
look at a copy ('fieldcrm backup copy.db', then --db copy.db). Times are in
FIELDCRM_TZ.`

func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "show":
			return runOutboxShow(args[1:], stdout, stderr)
		case "retry":
			return runOutboxRetry(args[1:], stdout, stderr)
		case "list", "ls":
			args = args[1:]
		}
	}
	return runOutboxList(args, stdout, stderr)
}

// outboxStates are the values of --state.
var outboxStates = []string{"queued", "held", "pending", outbox.StateSending, outbox.StateSent, outbox.StateDelivered,
	outbox.StateUndelivered, outbox.StateFailed, outbox.StateDead}

// outboxEnv is what every outbox sub-command needs: the store, the zone,
// the time and the users' names.
type outboxEnv struct {
	st    *crm.Store
	loc   *time.Location
	now   time.Time
	users []*crm.User
}

func openOutbox(name, db string, stderr io.Writer) (*outboxEnv, bool) {
	loc, err := jobLocation()
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm %s: FIELDCRM_TZ: %v\n", name, err)
		return nil, false
	}
	clock, err := clockOrNow(nil)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm %s: %v\n", name, err)
		return nil, false
	}
	st, err := openDB(db, crm.Options{MustExist: true, Verify: true, Location: loc})
	if err != nil {
		msg := openError(db, err)
		if strings.Contains(err.Error(), "in use by another") {
			msg = fmt.Sprintf("%s is in use: fieldcrm serve (or another fieldcrm command) holds it, and the database opens in one process at a time. "+
				"Stop serve to read or change the outbox, or read a copy: fieldcrm backup copy.db, then fieldcrm outbox --db copy.db", db)
		}
		fmt.Fprintf(stderr, "fieldcrm %s: %s\n", name, msg)
		return nil, false
	}
	env := &outboxEnv{st: st, loc: loc, now: clock()}
	err = st.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(r crm.Record) bool { env.users = append(env.users, r.(*crm.User)); return true })
	})
	if err != nil {
		st.Close()
		fmt.Fprintf(stderr, "fieldcrm %s: %v\n", name, err)
		return nil, false
	}
	return env, true
}

// user is the user an entry goes to: by its user id, else by its address.
func (o *outboxEnv) user(e *outbox.Entry) *crm.User {
	for _, u := range o.users {
		if e.UserID != 0 && u.ID == e.UserID {
			return u
		}
	}
	for _, u := range o.users {
		if slices.Contains(u.Phones, e.To) || (u.Email != "" && strings.EqualFold(u.Email, e.To)) {
			return u
		}
	}
	return nil
}

// state is the entry's state as the operator reads it: held (for quiet
// hours or a per-number limit) apart from queued.
func (o *outboxEnv) state(e *outbox.Entry) string {
	if outbox.QuietHeld(e, o.now) || outbox.LimitHeld(e, o.now) {
		return "held"
	}
	return e.State
}

func (o *outboxEnv) matches(e *outbox.Entry, state string, u *crm.User) bool {
	switch s := o.state(e); state {
	case "":
	case "pending":
		if s != "queued" && s != "held" && s != outbox.StateSending {
			return false
		}
	default:
		if s != state {
			return false
		}
	}
	if u != nil {
		if e.UserID != 0 {
			return e.UserID == u.ID
		}
		return slices.Contains(u.Phones, e.To) || (u.Email != "" && strings.EqualFold(u.Email, e.To))
	}
	return true
}

func (o *outboxEnv) when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(o.loc).Format("2006-01-02 15:04")
}

// next says when the entry goes, or went, in words.
func (o *outboxEnv) next(e *outbox.Entry) string {
	switch o.state(e) {
	case "held":
		if outbox.LimitHeld(e, o.now) {
			why := strings.TrimPrefix(e.Held, "held: ")
			if i := strings.LastIndex(why, "; due "); i > 0 {
				why = why[:i]
			}
			return "held until " + o.when(e.NextAt) + " (" + why + ")"
		}
		return "held until " + o.when(e.NotBefore) + " (quiet hours)"
	case outbox.StateQueued:
		if e.NextAt.After(o.now) && e.Attempts > 0 {
			return "next try " + o.when(e.NextAt)
		} else if e.NextAt.After(o.now) {
			return "due at " + o.when(e.NextAt)
		}
		return "due since " + o.when(e.NextAt)
	case outbox.StateSending:
		return "sending since " + o.when(e.UpdatedAt)
	case outbox.StateSent, outbox.StateDelivered, outbox.StateUndelivered:
		return "sent " + o.when(e.SentAt)
	}
	return "gave up " + o.when(e.UpdatedAt)
}

// describe is the state and the time of it: "held until … (quiet hours)",
// "sent, sent 2026-…".
func (o *outboxEnv) describe(e *outbox.Entry) string {
	if s := o.state(e); s != "held" {
		return s + ", " + o.next(e)
	}
	return o.next(e)
}

func (o *outboxEnv) to(e *outbox.Entry) string {
	if u := o.user(e); u != nil {
		return fmt.Sprintf("%s (%s)", u.Name, e.To)
	}
	return e.To
}

// outboxJSON is an entry as --json prints it: the stored entry, its state
// as listed (held apart) and its recipient's name.
type outboxJSON struct {
	*outbox.Entry
	Shown    string `json:"listed_state"`
	UserName string `json:"user_name,omitempty"`
}

func (o *outboxEnv) json(e *outbox.Entry) outboxJSON {
	c := *e
	for _, t := range []*time.Time{&c.Created, &c.UpdatedAt, &c.NextAt, &c.NotBefore, &c.SentAt} {
		if !t.IsZero() {
			*t = t.In(o.loc)
		}
	}
	c.StatusHistory = slices.Clone(c.StatusHistory)
	for i := range c.StatusHistory {
		c.StatusHistory[i].At = c.StatusHistory[i].At.In(o.loc)
	}
	j := outboxJSON{Entry: &c, Shown: o.state(e)}
	if u := o.user(e); u != nil {
		j.UserName = u.Name
	}
	return j
}

func runOutboxList(args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("outbox", "outbox [--state STATE] [--user NAME|ID] [--limit N] [--json] [--db FILE] | show ID | retry ID", outboxAbout)
	state := fs.String("state", "", "only entries in `STATE`: "+strings.Join(outboxStates, ", "))
	userRef := fs.String("user", "", "only messages to this user (`NAME`, #id, phone or e-mail)")
	limit := fs.Int("limit", 50, "show at most `N` entries (0: all)")
	asJSON := fs.Bool("json", false, "print JSON (one array) instead of text")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q (sub-commands: show ID, retry ID)", pos[0])
	}
	*state = strings.ToLower(strings.TrimSpace(*state))
	if *state != "" && !slices.Contains(outboxStates, *state) {
		return usageError(fs, stderr, "--state %q is not a state: give one of %s", *state, strings.Join(outboxStates, ", "))
	}
	if *limit < 0 {
		return usageError(fs, stderr, "--limit must be 0 or more")
	}
	o, ok := openOutbox("outbox", *db, stderr)
	if !ok {
		return 1
	}
	defer o.st.Close()
	var u *crm.User
	if *userRef != "" {
		err := o.st.View(crm.System, func(tx *crm.Tx) error {
			var err error
			u, err = findUserByAny(tx, *userRef)
			return err
		})
		if err != nil {
			fmt.Fprintf(stderr, "fieldcrm outbox: --user: %s\n", csvio.ErrText(err))
			return 1
		}
	}
	var list []*outbox.Entry
	total, counts := 0, map[string]int{}
	err := outbox.Each(o.st.Engine(), func(e *outbox.Entry) bool {
		if !o.matches(e, *state, u) {
			return true
		}
		total++
		counts[o.state(e)]++
		if *limit == 0 || len(list) < *limit {
			list = append(list, e)
		}
		return true
	})
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm outbox:", err)
		return 1
	}
	if *asJSON {
		out := make([]outboxJSON, 0, len(list))
		for _, e := range list {
			out = append(out, o.json(e))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(stderr, "fieldcrm outbox:", err)
			return 1
		}
		return 0
	}
	scope := "in the outbox"
	if u != nil {
		scope = fmt.Sprintf("to %s (#%d)", u.Name, u.ID)
	}
	if total == 0 {
		what := "No messages"
		if *state != "" {
			what = fmt.Sprintf("No %s messages", *state)
		}
		fmt.Fprintf(stdout, "%s %s.\n", what, scope)
		return 0
	}
	var parts []string
	for _, s := range outboxStates {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(stdout, "%d message%s %s (%s), newest first; times in %s.\n", total, pluralS(total), scope, strings.Join(parts, ", "), o.loc)
	for _, e := range list {
		fmt.Fprintln(stdout)
		o.printEntry(stdout, e, false)
	}
	if len(list) < total {
		fmt.Fprintf(stdout, "\n%d of %d shown: --limit %d (or 0) for more.\n", len(list), total, total)
	}
	return 0
}

// printEntry writes one entry: a header line, when it goes or went, the
// last error, then the text, each line after "> ". full adds everything
// stored (show).
func (o *outboxEnv) printEntry(w io.Writer, e *outbox.Entry, full bool) {
	fmt.Fprintf(w, "#%d %s · %s · to %s\n", e.ID, o.state(e), e.Channel, o.to(e))
	line := fmt.Sprintf("  created %s · %s · %d attempt%s", o.when(e.Created), o.next(e), e.Attempts, pluralS(e.Attempts))
	if e.Segments > 0 {
		line += fmt.Sprintf(" · %d segment%s", e.Segments, pluralS(e.Segments))
	}
	fmt.Fprintln(w, line)
	if e.LastError != "" {
		fmt.Fprintf(w, "  last error: %s\n", e.LastError)
	}
	if full {
		kv := func(k, v string) {
			if v != "" {
				fmt.Fprintf(w, "  %-12s %s\n", k+":", v)
			}
		}
		kv("user", func() string {
			if e.UserID != 0 {
				return "#" + strconv.FormatInt(e.UserID, 10)
			}
			return ""
		}())
		kv("from", e.From)
		kv("via", e.Via)
		kv("key", e.Key)
		if e.ProviderID != "" {
			kv("provider", strings.TrimSpace(e.ProviderID+" "+e.ProviderStatus))
		}
		if e.ErrorCode != 0 {
			kv("code", strconv.Itoa(e.ErrorCode))
		}
		if !e.NotBefore.IsZero() {
			kv("not before", o.when(e.NotBefore))
		}
		for _, k := range sortedKeys(e.Headers) {
			kv(k, e.Headers[k])
		}
		fmt.Fprintln(w, "  history:")
		for _, h := range e.StatusHistory {
			s := fmt.Sprintf("    %s  %s", h.At.In(o.loc).Format("2006-01-02 15:04:05"), h.Status)
			if h.ErrorCode != 0 {
				s += fmt.Sprintf(" (code %d)", h.ErrorCode)
			}
			if h.Note != "" {
				s += ": " + h.Note
			}
			fmt.Fprintln(w, s)
		}
	}
	quote := func(text string) {
		for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
			fmt.Fprintf(w, "  > %s\n", strings.TrimRight(l, "\r"))
		}
	}
	switch {
	case e.Channel == outbox.ChannelEmail:
		fmt.Fprintf(w, "  Subject: %s\n", e.Subject)
		if e.Text != "" {
			quote(e.Text)
		}
		if e.HTML != "" {
			fmt.Fprintf(w, "  (and an HTML part of %d bytes)\n", len(e.HTML))
		}
	default:
		quote(e.Body)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// outboxID reads an entry id: 17 or #17.
func outboxID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	return id, err == nil && id > 0
}

func runOutboxShow(args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("outbox show", "outbox show ID [--json] [--db FILE]", "Shows one outbox entry in full: recipient, sender, key, provider id and status, its history and text.")
	asJSON := fs.Bool("json", false, "print the entry as JSON")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "give one entry id (from fieldcrm outbox)")
	}
	id, ok := outboxID(pos[0])
	if !ok {
		return usageError(fs, stderr, "%q is not an entry id (a number, as fieldcrm outbox lists them: #12)", pos[0])
	}
	o, ok := openOutbox("outbox show", *db, stderr)
	if !ok {
		return 1
	}
	defer o.st.Close()
	e, err := outbox.Get(o.st.Engine(), id)
	if errors.Is(err, outbox.ErrNotFound) {
		fmt.Fprintf(stderr, "fieldcrm outbox show: no entry #%d in the outbox (fieldcrm outbox lists them; entries done for 90 days are pruned)\n", id)
		return 1
	} else if err != nil {
		fmt.Fprintln(stderr, "fieldcrm outbox show:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(o.json(e))
		return 0
	}
	o.printEntry(stdout, e, true)
	return 0
}

func runOutboxRetry(args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("outbox retry", "outbox retry ID [--db FILE]", `
Puts a dead, failed or undelivered message back in the queue with a fresh
set of attempts; serve sends it when it runs. The entry's history records it.
A message to someone who opted out (STOP, 退订) is not sent again.`)
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "give one entry id (from fieldcrm outbox --state dead)")
	}
	id, ok := outboxID(pos[0])
	if !ok {
		return usageError(fs, stderr, "%q is not an entry id (a number, as fieldcrm outbox lists them: #12)", pos[0])
	}
	o, ok := openOutbox("outbox retry", *db, stderr)
	if !ok {
		return 1
	}
	defer o.st.Close()
	e, err := outbox.Get(o.st.Engine(), id)
	if errors.Is(err, outbox.ErrNotFound) {
		fmt.Fprintf(stderr, "fieldcrm outbox retry: no entry #%d in the outbox; nothing changed\n", id)
		return 1
	} else if err != nil {
		fmt.Fprintln(stderr, "fieldcrm outbox retry:", err)
		return 1
	}
	if e.Channel == outbox.ChannelSMS {
		if u := o.user(e); (u != nil && u.OptedOut) || outbox.OptOut(&outbox.SendError{Code: e.ErrorCode}) {
			fmt.Fprintf(stderr, "fieldcrm outbox retry: #%d goes to %s, who opted out of SMS (STOP, 退订 or the provider's 21610): "+
				"he must text START first; nothing changed\n", id, o.to(e))
			return 1
		}
	}
	was := fmt.Sprintf("%s after %d attempt%s", e.State, e.Attempts, pluralS(e.Attempts))
	note := fmt.Sprintf("sent again on the operator's request (fieldcrm outbox retry; was %s)", was)
	e, err = outbox.Requeue(o.st.Engine(), id, note, o.now)
	if errors.Is(err, outbox.ErrNotRetryable) {
		fmt.Fprintf(stderr, "fieldcrm outbox retry: #%d is %s: only a dead, failed or undelivered message can be sent again; nothing changed\n",
			id, o.describe(e))
		return 1
	} else if err != nil {
		fmt.Fprintln(stderr, "fieldcrm outbox retry:", err)
		return 1
	}
	fmt.Fprintf(stdout, "#%d to %s queued again (was %s", id, o.to(e), was)
	if e.LastError != "" {
		fmt.Fprintf(stdout, ": %s", e.LastError)
	}
	fmt.Fprintln(stdout, "). serve sends it when it runs.")
	return 0
}
