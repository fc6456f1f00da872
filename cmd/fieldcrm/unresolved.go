package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
)

// `fieldcrm unresolved` shows the data administrator the messages fieldcrm
// did not carry out (not understood, refused, a numbered choice never made),
// grouped by cause, and runs one again as its sender once the language has
// learnt it: first saying what it would do now, and doing it only with
// --apply.

const unresolvedAbout = `
Lists the messages that were not carried out, grouped by cause with counts:
not understood, refused (not found, not allowed, a conflict, a bad value), and
numbered choices never made (the sender sent something else, or never
answered). Each is shown with its id, time, sender, channel, text and the
reply it got. Messages already run again are left out unless --all.

  fieldcrm unresolved [--since DATE] [--user NAME] [--all] [--json]
  fieldcrm unresolved rerun ID [--apply]

rerun runs message ID again as its sender, through the same pipeline as
serve, on a copy of the database: it prints what the message would do now
(the reply it would get, the notices it would send) and the sender's own
changes in the hour after it (he may have sent it again in other words).
Nothing changes unless --apply is given; then it is carried out as the sender
(its history says message rerun/ID) and marked as run again. Dates in it
(fri, 明天) are read as of when it was sent. A message that would still not be
carried out, or would ask a numbered question, is not applied. The sender is
not sent the reply. Exit status: 0 when the message is (or would now be)
carried out, 1 when not.

Like the other administrator's commands it opens the database file: run it
on a backup (fieldcrm backup) to look, or with serve stopped to --apply.`

func runUnresolved(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "rerun" {
		return runUnresolvedRerun(ctx, args[1:], stdout, stderr)
	}
	fs, db := newFlags("unresolved", "unresolved [--since DATE] [--user NAME] [--all] [--json] [--db PATH] | rerun ID [--apply]", unresolvedAbout)
	since := fs.String("since", "", "only messages received since DATE (2026-11-01, 2026-11-01T09:00, or 7d for the last 7 days)")
	user := fs.String("user", "", "only messages from this user (name, #id, phone or e-mail)")
	all := fs.Bool("all", false, "include the messages already run again")
	asJSON := fs.Bool("json", false, "print one JSON object per message instead")
	nowFlag := fs.String("now", "", "the time to list as of (tests; default: now)")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	loc := cliLocation()
	now, err := cliNow(*nowFlag, loc)
	if err != nil {
		return usageError(fs, stderr, "bad --now %q", *nowFlag)
	}
	f := crm.UnresolvedFilter{Rerun: *all}
	if *since != "" {
		if f.Since, err = parseSince(*since, now, loc); err != nil {
			return usageError(fs, stderr, "bad --since %q: want 2026-11-01, 2026-11-01T09:00 or 7d", *since)
		}
	}
	s, err := openDB(*db, crm.Options{Now: func() time.Time { return now }, Location: loc})
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm unresolved:", err)
		return 1
	}
	defer s.Close()
	var list []*crm.Unresolved
	names := map[int64]string{}
	err = s.View(crm.System, func(tx *crm.Tx) error {
		if *user != "" {
			u, err := findUserByAny(tx, *user)
			if err != nil {
				return err
			}
			f.User = u.ID
		}
		var err error
		if list, err = tx.UnresolvedList(f); err != nil {
			return err
		}
		for _, e := range list {
			if _, ok := names[e.User]; !ok {
				names[e.User] = fmt.Sprintf("user #%d", e.User)
				if u, err := tx.User(e.User); err == nil {
					names[e.User] = u.Name
				}
			}
		}
		return nil
	})
	if err != nil {
		return fail(stderr, "unresolved", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, e := range list {
			enc.Encode(struct {
				*crm.Unresolved
				UserName string `json:"user_name"`
				Group    string `json:"group"`
			}{e, names[e.User], unresolvedGroup(e)})
		}
		return 0
	}
	printUnresolved(stdout, list, names, f, *user, loc)
	return 0
}

// unresolvedGroup is the heading a message is listed under.
func unresolvedGroup(e *crm.Unresolved) string {
	if g, ok := groupHeadings[e.Group()]; ok {
		return g
	}
	return "refused: " + e.Code
}

var groupHeadings = map[string]string{
	"not_understood": "not understood",
	"no_answer":      "choice never made: no answer",
	"replaced":       "choice never made: something else sent instead",
	"not_found":      "refused: not found",
	"forbidden":      "refused: not allowed",
	"conflict":       "refused: conflicts with the stored state",
	"invalid":        "refused: a value or rule",
}

func printUnresolved(w io.Writer, list []*crm.Unresolved, names map[int64]string, f crm.UnresolvedFilter, user string, loc *time.Location) {
	scope := "all users"
	if user != "" && len(list) > 0 {
		scope = names[list[0].User]
	} else if user != "" {
		scope = user
	}
	since := ""
	if !f.Since.IsZero() {
		since = " since " + f.Since.In(loc).Format("2006-01-02 15:04")
	}
	again := 0
	for _, e := range list {
		if e.Rerun != nil {
			again++
		}
	}
	fmt.Fprintf(w, "%d message%s not carried out%s (%s)", len(list), pluralS(len(list)), since, scope)
	if again > 0 {
		fmt.Fprintf(w, ", %d of them run again since", again)
	}
	fmt.Fprintln(w)
	groups := map[string][]*crm.Unresolved{}
	var order []string
	for _, e := range list {
		g := unresolvedGroup(e)
		if groups[g] == nil {
			order = append(order, g)
		}
		groups[g] = append(groups[g], e)
	}
	sort.SliceStable(order, func(i, j int) bool { return len(groups[order[i]]) > len(groups[order[j]]) })
	for _, g := range order {
		fmt.Fprintf(w, "\n%s (%d)\n", g, len(groups[g]))
		for _, e := range groups[g] {
			fmt.Fprintf(w, "  #%-4d %s  %s (%s)  %s\n", e.ID, e.At.In(loc).Format("2006-01-02 15:04"), names[e.User], e.Channel, quoteLine(e.Text))
			fmt.Fprintf(w, "         answered: %s\n", quoteLine(e.Reply))
			if e.Next != "" {
				fmt.Fprintf(w, "         then sent: %s\n", quoteLine(e.Next))
			}
			if e.Rerun != nil {
				fmt.Fprintf(w, "         run again %s: %s\n", e.Rerun.At.In(loc).Format("2006-01-02 15:04"), quoteLine(e.Rerun.Reply))
			}
		}
	}
	if len(list) > 0 {
		fmt.Fprintln(w, "\nfieldcrm unresolved rerun ID shows what one would do now.")
	}
}

// quoteLine shows a message on one line.
func quoteLine(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\n", " / ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return `"` + s + `"`
}

func runUnresolvedRerun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("unresolved rerun", "unresolved rerun ID [--apply] [--db PATH]", unresolvedAbout)
	apply := fs.Bool("apply", false, "carry it out as its sender (without it nothing changes)")
	nowFlag := fs.String("now", "", "the time to run at (tests; default: now)")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "give one message id")
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(pos[0], "#"), 10, 64)
	if err != nil || id <= 0 {
		return usageError(fs, stderr, "bad message id %q", pos[0])
	}
	loc := cliLocation()
	now, err := cliNow(*nowFlag, loc)
	if err != nil {
		return usageError(fs, stderr, "bad --now %q", *nowFlag)
	}
	clock := func() time.Time { return now }
	s, err := openSession(*db, clock, nil, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm unresolved:", err)
		return 1
	}
	defer s.store.Close()

	var e *crm.Unresolved
	var u *crm.User
	var later []*crm.ChangeSet
	err = s.store.View(crm.System, func(tx *crm.Tx) error {
		var err error
		if e, err = tx.UnresolvedByID(id); err != nil {
			return err
		}
		if u, err = tx.User(e.User); err != nil {
			return err
		}
		later = tx.LaterChanges(e, time.Hour)
		return nil
	})
	if err != nil {
		return fail(stderr, "unresolved", err)
	}
	fmt.Fprintf(stdout, "#%d from %s (%s), %s: %s\n", e.ID, u.Name, e.Channel, e.At.In(loc).Format("Mon 2006-01-02 15:04"), quoteLine(e.Text))
	fmt.Fprintf(stdout, "answered then: %s\n", quoteLine(e.Reply))
	if e.Rerun != nil {
		fmt.Fprintf(stdout, "already run again %s: %s\n", e.Rerun.At.In(loc).Format("2006-01-02 15:04"), quoteLine(e.Rerun.Reply))
		return 0
	}
	in, ok := rerunInbound(e, u)
	if !ok {
		fmt.Fprintf(stderr, "fieldcrm unresolved: %s has no phone number or e-mail address now, or is disabled: it cannot be run as him\n", u.Name)
		return 1
	}
	for _, cs := range later {
		fmt.Fprintf(stdout, "then %s sent: %s %s (change set #%d)\n", u.Name, cs.At.In(loc).Format("15:04"), quoteLine(cs.Summary), cs.ID)
	}

	// what it would do now: the same pipeline on a copy of the database
	dir, err := os.MkdirTemp("", "fieldcrm-rerun-")
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm unresolved:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, "copy.db")
	if _, err := s.store.BackupFile(cp); err != nil {
		fmt.Fprintln(stderr, "fieldcrm unresolved: copying the database:", err)
		return 1
	}
	dry, err := openSession(cp, clock, nil, io.Discard)
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm unresolved:", err)
		return 1
	}
	res, err := dry.pipe.Handle(ctx, in, gateway.Options{})
	asks := false
	if err == nil {
		dry.store.View(crm.System, func(tx *crm.Tx) error {
			q := tx.OpenQuestion(u.ID)
			asks = q != nil && q.MessageID == in.ID
			return nil
		})
	}
	dry.store.Close()
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm unresolved:", err)
		return 1
	}
	switch {
	case res.Code != "":
		fmt.Fprintf(stdout, "now it would still not be carried out: %s\n", quoteLine(res.Reply))
		return 1
	case asks:
		fmt.Fprintf(stdout, "now it would ask: %s\n", quoteLine(res.Reply))
		fmt.Fprintf(stdout, "Not run again: %s is not in this conversation to answer the question.\n", u.Name)
		return 1
	}
	if !*apply {
		fmt.Fprintf(stdout, "now it would be answered: %s\n", quoteLine(res.Reply))
		if res.Notices > 0 {
			fmt.Fprintf(stdout, "and send %d notice%s\n", res.Notices, pluralS(res.Notices))
		}
		fmt.Fprintf(stdout, "Nothing changed. fieldcrm unresolved rerun %d --apply carries it out as %s.\n", e.ID, u.Name)
		return 0
	}

	res, err = s.pipe.Handle(ctx, in, gateway.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm unresolved:", err)
		return 1
	}
	if res.Code != "" {
		// cannot happen while this process holds the file: the copy said otherwise
		fmt.Fprintf(stdout, "not carried out: %s\n", quoteLine(res.Reply))
		return 1
	}
	var csID int64
	s.store.View(u, func(tx *crm.Tx) error {
		if cs, err := tx.LastChangeSet(); err == nil && cs.MessageID == in.ID {
			csID = cs.ID
		}
		return nil
	})
	_, err = s.store.Update(ctx, crm.Meta{Actor: crm.System, Channel: "cli", Summary: fmt.Sprintf("fieldcrm unresolved rerun %d --apply", e.ID)},
		func(tx *crm.Tx) error {
			return tx.MarkRerun(e.ID, crm.Rerun{At: now, Reply: res.Reply, ChangeSet: csID})
		})
	if err != nil {
		fmt.Fprintln(stderr, "fieldcrm unresolved: marking it run again:", err)
		return 1
	}
	fmt.Fprintf(stdout, "carried out as %s: %s\n", u.Name, quoteLine(res.Reply))
	if res.Notices > 0 {
		fmt.Fprintf(stdout, "(%d notice%s queued: serve sends them)\n", res.Notices, pluralS(res.Notices))
	}
	return 0
}

// rerunInbound is message e sent again by u, from his present number or
// address on its channel (or his other one), under the id rerun/ID so that
// a second --apply is caught as a repeat.
func rerunInbound(e *crm.Unresolved, u *crm.User) (gateway.Inbound, bool) {
	in := gateway.Inbound{Channel: e.Channel, ID: fmt.Sprintf("rerun/%d", e.ID), Body: e.Text, Received: e.At}
	if u.Disabled {
		return in, false
	}
	switch {
	case e.Channel == gateway.ChannelEmail && u.Email != "":
		in.From = u.Email
	case len(u.Phones) > 0:
		in.Channel, in.From = gateway.ChannelSMS, u.Phones[0]
	case u.Email != "":
		in.Channel, in.From = gateway.ChannelEmail, u.Email
	default:
		return in, false
	}
	return in, true
}

// findUserByAny finds a user by #id, phone, e-mail or name: the whole name,
// else a whole word of it (li: Li Na, not Liu Yang), else the start of a word.
func findUserByAny(tx *crm.Tx, ref string) (*crm.User, error) {
	if u, err := findUser(tx, ref); err == nil {
		return u, nil
	}
	want := strings.ToLower(strings.TrimSpace(ref))
	var users []*crm.User
	tx.Each(crm.KindUser, func(r crm.Record) bool { users = append(users, r.(*crm.User)); return true })
	for _, match := range []func(name string) bool{
		func(name string) bool { return name == want },
		func(name string) bool { return slices.Contains(strings.Fields(name), want) },
		func(name string) bool {
			return slices.ContainsFunc(strings.Fields(name), func(w string) bool { return strings.HasPrefix(w, want) })
		},
	} {
		var found []*crm.User
		for _, u := range users {
			if match(strings.ToLower(u.Name)) {
				found = append(found, u)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		}
		return nil, crm.Errorf(crm.EINVALID, "%q names several users: give the whole name, #id or phone.", ref)
	}
	return nil, crm.Errorf(crm.ENOTFOUND, "No user %q.", ref)
}

func cliLocation() *time.Location {
	loc, err := time.LoadLocation(envDefault("FIELDCRM_TZ", "Asia/Shanghai"))
	if err != nil {
		return time.Local
	}
	return loc
}

func cliNow(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Now().In(loc), nil
	}
	return parseNow(s, loc)
}

// parseSince reads a date, a time, or "7d" (days before now).
func parseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && strings.HasSuffix(s, "d") && n >= 0 {
		return now.AddDate(0, 0, -n), nil
	}
	return parseNow(s, loc)
}
