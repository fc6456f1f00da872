package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

const campaignUsage = `usage: fieldcrm campaign add --name NAME --owner USER [fields] [--db FILE]
       fieldcrm campaign set CAMPAIGN [fields] [--db FILE]
       fieldcrm campaign list [--db FILE]
       fieldcrm campaign lead CAMPAIGN N [--owner USER] [--db FILE]
       fieldcrm campaign import CAMPAIGN FILE [--format csv|xlsx] [--db FILE]
  add     create a campaign
  set     change the fields given (the others stay)
  list    every campaign with its budget, cost, dates and responses
  lead    turn response N into a lead (source campaign), owned by the
          account's owner, or --owner, or the campaign's owner
  import  record responses from a CSV or Excel file with a header row and
          the columns person, phone, account (name or #id), note (any subset)
fields: --name --objective --segment --products "320D,950H" --budget YUAN
        --cost YUAN --start YYYY-MM-DD --end YYYY-MM-DD --tasks "a; b; c"
CAMPAIGN is its #id or name. Responses by SMS: RESP <campaign> <who>; <note>.
`

func runCampaign(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, campaignUsage)
		return 2
	}
	switch args[0] {
	case "add", "set":
		return campAddSet(ctx, args[0], args[1:], stdout, stderr)
	case "list", "ls":
		return campList(args[1:], stdout, stderr)
	case "lead":
		return campLead(ctx, args[1:], stdout, stderr)
	case "import":
		return campImport(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, campaignUsage)
		return 0
	}
	fmt.Fprintf(stderr, "fieldcrm campaign: unknown sub-command %q\n", args[0])
	fmt.Fprint(stderr, campaignUsage)
	return 2
}

// campFields are the flags of add and set; set changes only those given.
type campFields struct {
	fs                                               *flag.FlagSet
	name, objective, segment, products, tasks, owner *string
	budget, cost, start, end                         *string
}

func newCampFields(fs *flag.FlagSet) *campFields {
	return &campFields{fs: fs,
		name: fs.String("name", "", "campaign `name`"), objective: fs.String("objective", "", "`objective`"),
		segment: fs.String("segment", "", "target `segment`"), products: fs.String("products", "", "target `products`, comma-separated"),
		tasks: fs.String("tasks", "", "`tasks`, separated by ;"), owner: fs.String("owner", "", "owner `user` (name, id, phone or email)"),
		budget: fs.String("budget", "", "budget in `yuan`"), cost: fs.String("cost", "", "actual cost in `yuan`"),
		start: fs.String("start", "", "first `day` (YYYY-MM-DD)"), end: fs.String("end", "", "last `day` (YYYY-MM-DD)")}
}

func (f *campFields) apply(tx *crm.Tx, c *crm.Campaign, loc *time.Location) error {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	split := func(s, sep string) []string {
		var out []string
		for _, p := range strings.Split(s, sep) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	if set["name"] {
		c.Name = *f.name
	}
	if set["objective"] {
		c.Objective = *f.objective
	}
	if set["segment"] {
		c.Segment = *f.segment
	}
	if set["products"] {
		c.Products = split(*f.products, ",")
	}
	if set["tasks"] {
		c.Tasks = split(*f.tasks, ";")
	}
	for _, m := range []struct {
		name string
		v    string
		dst  *crm.Money
	}{{"budget", *f.budget, &c.Budget}, {"cost", *f.cost, &c.Cost}} {
		if set[m.name] {
			y, err := strconv.ParseFloat(strings.ReplaceAll(m.v, ",", ""), 64)
			if err != nil {
				return fmt.Errorf("--%s %q is not an amount in yuan", m.name, m.v)
			}
			*m.dst = crm.Money(math.Round(y * 100))
		}
	}
	for _, d := range []struct {
		name string
		v    string
		dst  *time.Time
	}{{"start", *f.start, &c.Start}, {"end", *f.end, &c.End}} {
		if set[d.name] {
			t, err := time.ParseInLocation("2006-01-02", d.v, loc)
			if err != nil {
				return fmt.Errorf("--%s %q is not a day (YYYY-MM-DD)", d.name, d.v)
			}
			*d.dst = t
		}
	}
	if set["owner"] {
		u, err := repFindUser(tx, *f.owner)
		if err != nil {
			return err
		}
		c.Owner = u.ID
	}
	return nil
}

func campAddSet(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("campaign "+verb, "campaign "+verb+" [CAMPAIGN] [fields]", campaignUsage)
	cf := newCampFields(fs)
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if verb == "add" && len(pos) != 0 || verb == "set" && len(pos) != 1 {
		return usageError(fs, stderr, "campaign add takes no argument; campaign set takes the campaign")
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	var c *crm.Campaign
	_, err := s.Update(ctx, meta("cli", "campaign "+verb, args), func(tx *crm.Tx) error {
		if verb == "add" {
			c = &crm.Campaign{}
		} else {
			var err error
			if c, err = campFind(tx, pos[0]); err != nil {
				return err
			}
		}
		if err := cf.apply(tx, c, s.Location()); err != nil {
			return err
		}
		return tx.Save(c)
	})
	if err != nil {
		return fail(stderr, "campaign "+verb, err)
	}
	fmt.Fprintf(stdout, "campaign #%d %s %s\n", c.ID, c.Name, map[string]string{"add": "created", "set": "changed"}[verb])
	return 0
}

// campFind finds a campaign by #id or name.
func campFind(tx *crm.Tx, q string) (*crm.Campaign, error) {
	if id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(q), "#"), 10, 64); err == nil {
		r, err := tx.Get(crm.KindCampaign, id)
		if err != nil {
			return nil, err
		}
		return r.(*crm.Campaign), nil
	}
	cs, err := tx.Lookup(crm.KindCampaign, q, 2)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("no campaign %q", q)
	}
	if len(cs) > 1 && cs[0].Score == cs[1].Score {
		return nil, fmt.Errorf("%q names more than one campaign: give the #id", q)
	}
	r, err := tx.Get(crm.KindCampaign, cs[0].ID)
	if err != nil {
		return nil, err
	}
	return r.(*crm.Campaign), nil
}

func campList(args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("campaign list", "campaign list [--db FILE]", "")
	if _, code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tSEGMENT\tBUDGET\tCOST\tSTART\tEND\tRESPONSES\tLEADS")
	err := s.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindCampaign, func(r crm.Record) bool {
			c := r.(*crm.Campaign)
			leads := 0
			for _, x := range c.Responses {
				if x.Lead != 0 {
					leads++
				}
			}
			day := func(t time.Time) string {
				if t.IsZero() {
					return "-"
				}
				return t.In(s.Location()).Format("2006-01-02")
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%.2f\t%.2f\t%s\t%s\t%d\t%d\n", c.ID, c.Name, c.Segment, c.Budget.Yuan(), c.Cost.Yuan(), day(c.Start), day(c.End), len(c.Responses), leads)
			return true
		})
	})
	w.Flush()
	if err != nil {
		return fail(stderr, "campaign list", err)
	}
	return 0
}

func campLead(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("campaign lead", "campaign lead CAMPAIGN N [--owner USER]", campaignUsage)
	owner := fs.String("owner", "", "owner `user` of the lead")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return usageError(fs, stderr, "give the campaign and the response's number")
	}
	n, err := strconv.Atoi(strings.TrimPrefix(pos[1], "#"))
	if err != nil {
		return usageError(fs, stderr, "%q is not a response number", pos[1])
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	var lead *crm.Lead
	_, err = s.Update(ctx, meta("cli", "campaign lead", args), func(tx *crm.Tx) error {
		c, err := campFind(tx, pos[0])
		if err != nil {
			return err
		}
		var ownerID int64
		if *owner != "" {
			u, err := repFindUser(tx, *owner)
			if err != nil {
				return err
			}
			ownerID = u.ID
		}
		lead, err = tx.ResponseToLead(c.ID, n, ownerID)
		return err
	})
	if err != nil {
		return fail(stderr, "campaign lead", err)
	}
	fmt.Fprintf(stdout, "response #%d is now lead #%d %s\n", n, lead.ID, lead.Subject)
	return 0
}

func campImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("campaign import", "campaign import CAMPAIGN FILE [--format csv|xlsx]", campaignUsage)
	format := formatFlag(fs)
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return usageError(fs, stderr, "give the campaign and the file")
	}
	ff, ok := fileFormat(*format, pos[1])
	if !ok {
		return usageError(fs, stderr, "unknown format %q: csv or xlsx", *format)
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return fail(stderr, "campaign import", err)
	}
	t, err := csvio.Read(f, ff)
	f.Close()
	if err != nil {
		return fail(stderr, "campaign import", err)
	}
	col := map[string]int{}
	for i, h := range t.Header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["person"]; !ok {
		if _, ok := col["account"]; !ok {
			fmt.Fprintf(stderr, "fieldcrm campaign import: %s: needs a person or an account column\n", pos[1])
			return 1
		}
	}
	cell := func(r csvio.Row, name string) string {
		if i, ok := col[name]; ok && i < len(r.Cells) {
			return strings.TrimSpace(r.Cells[i])
		}
		return ""
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	n := 0
	_, err = s.Update(ctx, meta("cli", "campaign import", args), func(tx *crm.Tx) error {
		c, err := campFind(tx, pos[0])
		if err != nil {
			return err
		}
		for _, r := range t.Rows {
			resp := crm.Response{Person: cell(r, "person"), Phone: cell(r, "phone"), Note: cell(r, "note")}
			if a := cell(r, "account"); a != "" {
				cs, err := tx.Lookup(crm.KindAccount, a, 1)
				if err != nil || len(cs) == 0 {
					return fmt.Errorf("line %d: no account %q", r.Line, a)
				}
				resp.Account = cs[0].ID
			}
			if _, _, err := tx.AddResponse(c.ID, resp); err != nil {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return fail(stderr, "campaign import", err)
	}
	fmt.Fprintf(stdout, "recorded %d responses\n", n)
	return 0
}
