package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
)

const userUsage = `usage: fieldcrm user add|list|set [flags]

  user add --name N --phone P[,P2] --email E --role R --branch B --dept D
           [--manager ID|EMAIL|PHONE] [--locale en|zh] [--tz ZONE]
  user list [--branch B] [--role R]
  user set ID|PHONE|EMAIL [--name N] [--phone P[,P2]] [--email E] [--role R]
           [--branch B] [--dept D] [--manager ID|EMAIL|PHONE|none] [--locale en|zh]
           [--tz ZONE] [--disabled[=false]] [--opted-out[=false]]

Run 'fieldcrm user add -h' (list, set) for the flags of one.
`

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return 2
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, args[1:], stdout, stderr)
	case "list", "ls":
		return runUserList(ctx, args[1:], stdout, stderr)
	case "set":
		return runUserSet(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, userUsage)
		return 0
	}
	fmt.Fprintf(stderr, "fieldcrm user: unknown sub-command %q\n", args[0])
	fmt.Fprint(stderr, userUsage)
	return 2
}

// userFlags are the fields of a user as flags.
type userFlags struct {
	name, phone, email, role, branch, dept, manager, locale, tz *string
	disabled, optedOut                                          *bool
}

func addUserFlags(fs *flag.FlagSet, withState bool) *userFlags {
	f := &userFlags{
		name:    fs.String("name", "", "full `name`"),
		phone:   fs.String("phone", "", "mobile `numbers`, comma separated (13901234567 or +8613901234567)"),
		email:   fs.String("email", "", "email `address`"),
		role:    fs.String("role", "", "`role`: "+rolesList()),
		branch:  fs.String("branch", "", "`branch`"),
		dept:    fs.String("dept", "", "`department` (machines, parts …)"),
		manager: fs.String("manager", "", "the manager: user `id, email or phone`"),
		locale:  fs.String("locale", "", "language of messages: en or zh (default en)"),
		tz:      fs.String("tz", "", "time `zone`, e.g. Asia/Shanghai (default the store's)"),
	}
	if withState {
		f.disabled = fs.Bool("disabled", false, "the user has left: treat him as unknown")
		f.optedOut = fs.Bool("opted-out", false, "the user replied STOP: send him no SMS")
	}
	return f
}

func rolesList() string {
	s := make([]string, len(crm.Roles))
	for i, r := range crm.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// change is the change the flags given make (all of them for add), read
// by crm as the web console's user pages read theirs.
func (f *userFlags) change(fs *flag.FlagSet, all bool) crm.UserChange {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	str := func(name string, v *string) *string {
		if all || given[name] {
			return v
		}
		return nil
	}
	c := crm.UserChange{Name: str("name", f.name), Phones: str("phone", f.phone), Email: str("email", f.email),
		Role: str("role", f.role), Branch: str("branch", f.branch), Dept: str("dept", f.dept), Manager: str("manager", f.manager),
		Locale: str("locale", f.locale), TZ: str("tz", f.tz)}
	if f.disabled != nil && given["disabled"] {
		c.Disabled = f.disabled
	}
	if f.optedOut != nil && given["opted-out"] {
		c.OptedOut = f.optedOut
	}
	return c
}

// findUser finds a user by id ("12" or "#12"), email or phone.
func findUser(tx *crm.Tx, ref string) (*crm.User, error) { return tx.FindUser(ref) }

func describeUser(u *crm.User) string {
	team := u.Branch
	if u.Dept != "" {
		team += "/" + u.Dept
	}
	if team != "" {
		team = ", " + team
	}
	return fmt.Sprintf("#%d %s (%s%s)", u.ID, u.Name, u.Role, team)
}

func runUserAdd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("user add", "user add --name N --phone P[,P2] --email E --role R --branch B --dept D [--manager M] [--locale en|zh] [--tz ZONE]", `
Registers a user. He needs a name, a mobile phone or an email, a role and
(except directors and admins) a branch and a department.`)
	f := addUserFlags(fs, false)
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	var u *crm.User
	_, err := s.Update(ctx, meta("cli", "user add", args), func(tx *crm.Tx) error {
		var err error
		u, err = tx.AddUser(f.change(fs, true))
		return err
	})
	if err != nil {
		return fail(stderr, "user add", err)
	}
	fmt.Fprintf(stdout, "added user %s\n", describeUser(u))
	return 0
}

func runUserSet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("user set", "user set ID|PHONE|EMAIL [flags]", `
Changes a user: only the fields whose flags are given. --manager none removes
his manager; --disabled marks a user who has left, --disabled=false brings
him back.`)
	f := addUserFlags(fs, true)
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "name one user: his id, phone or email")
	}
	if fs.NFlag() == 0 || fs.NFlag() == 1 && isSet(fs, "db") {
		return usageError(fs, stderr, "nothing to change: give the flags of the fields to change")
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	var u *crm.User
	var changed []string
	_, err := s.Update(ctx, meta("cli", "user set", args), func(tx *crm.Tx) error {
		found, err := findUser(tx, pos[0])
		if err != nil {
			return err
		}
		u, err = tx.ChangeUser(found.ID, f.change(fs, false))
		return err
	})
	if err != nil {
		return fail(stderr, "user set", err)
	}
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name != "db" {
			changed = append(changed, fl.Name)
		}
	})
	fmt.Fprintf(stdout, "updated user %s: %s\n", describeUser(u), strings.Join(changed, ", "))
	return 0
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func runUserList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("user list", "user list [--branch B] [--role R]", "Lists the users, in id order.")
	branch := fs.String("branch", "", "only the users of `branch`")
	roleFlag := fs.String("role", "", "only the users with `role`")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	var role crm.Role
	if *roleFlag != "" {
		r, ok := crm.ParseRole(*roleFlag)
		if !ok {
			return usageError(fs, stderr, "unknown role %q (one of %s)", *roleFlag, rolesList())
		}
		role = r
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	var users []*crm.User
	names := map[int64]string{}
	err := s.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(r crm.Record) bool {
			u := r.(*crm.User)
			names[u.ID] = u.Name
			if (*branch == "" || strings.EqualFold(u.Branch, *branch)) && (role == "" || u.Role == role) {
				users = append(users, u)
			}
			return true
		})
	})
	if err != nil {
		return fail(stderr, "user list", err)
	}
	sort.Slice(users, func(i, j int) bool { return users[i].ID < users[j].ID })
	tw := &table{w: stdout}
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tBRANCH\tDEPT\tMANAGER\tPHONES\tEMAIL\tFLAGS")
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, u := range users {
		mgr := ""
		if u.Manager != 0 {
			mgr = fmt.Sprintf("#%d %s", u.Manager, names[u.Manager])
		}
		var flags []string
		if u.Disabled {
			flags = append(flags, "disabled")
		}
		if u.OptedOut {
			flags = append(flags, "opted-out")
		}
		if u.Locale != "" && u.Locale != "en" {
			flags = append(flags, u.Locale)
		}
		if u.TZ != "" {
			flags = append(flags, u.TZ)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Name, u.Role, dash(u.Branch), dash(u.Dept),
			dash(mgr), dash(strings.Join(u.Phones, ",")), dash(u.Email), dash(strings.Join(flags, ",")))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d users\n", len(users))
	return 0
}

// table lines up tab-separated cells in columns by their width on a
// terminal: a Chinese character takes two columns (text/tabwriter counts
// one, which misaligns a table of Chinese names). Write lines, then Flush.
type table struct {
	w   io.Writer
	buf bytes.Buffer
}

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the table, two spaces between columns.
func (t *table) Flush() error {
	var rows [][]string
	var widths []int
	for _, line := range strings.Split(strings.TrimRight(t.buf.String(), "\n"), "\n") {
		cells := strings.Split(line, "\t")
		for i, c := range cells {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
		rows = append(rows, cells)
	}
	var b strings.Builder
	for _, cells := range rows {
		for i, c := range cells {
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	t.buf.Reset()
	_, err := io.WriteString(t.w, b.String())
	return err
}

// displayWidth is how many terminal columns s takes: East Asian wide and
// full-width characters take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if wide(r) {
			n++
		}
	}
	return n
}

func wide(r rune) bool {
	return r >= 0x1100 && r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF && r != 0x303F || r >= 0xAC00 && r <= 0xD7A3 ||
		r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFF60 || r >= 0xFFE0 && r <= 0xFFE6 ||
		r >= 0x20000 && r <= 0x3FFFD
}
