// Package report computes the dealer's reports (funnel, forecast, close rate,
// funnel ratio, participation, daily sales, visits, lost sales, lead quality,
// campaign ROI, competitors, account base) in one place, over a period, a
// branch/department/salesman filter and the reading actor's access level:
// every record is read through crm.Tx's Each, OwnedBy or OppsByStage, which
// keep only what the actor may see.
//
// Each report is a function of a *crm.Tx and a Filter that returns a typed
// result and its Table, the one form the text, CSV, Excel and HTML outputs
// are written from (so that they cannot disagree).
package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

// Filter says what a report covers.
type Filter struct {
	From, To time.Time      // period [From, To); zero From: since ever, zero To: until now
	Loc      *time.Location // days and months (nil: UTC)
	Branch   string         // "" any
	Dept     string         // "" any
	User     int64          // one owner (0 any)
	Owners   []int64        // or a set of owners (a manager's team); nil any
	IdleDays int            // visit report: accounts not visited for this many days (0: 30)
	Now      time.Time      // "not visited for N days" counts from here (zero: the tx's time)
}

func (f *Filter) norm(tx *crm.Tx) {
	if f.Loc == nil {
		f.Loc = time.UTC
	}
	if f.Now.IsZero() {
		f.Now = tx.Now()
	}
	if f.To.IsZero() {
		f.To = f.Now
	}
	if f.IdleDays <= 0 {
		f.IdleDays = 30
	}
}

// owns reports whether a record owned as b is inside the filter.
func (f *Filter) owns(b crm.Base) bool {
	if f.Branch != "" && !strings.EqualFold(b.Branch, f.Branch) {
		return false
	}
	if f.Dept != "" && !strings.EqualFold(b.Dept, f.Dept) {
		return false
	}
	if f.User != 0 && b.Owner != f.User {
		return false
	}
	if f.Owners != nil && !slices.Contains(f.Owners, b.Owner) {
		return false
	}
	return true
}

func (f *Filter) in(t time.Time) bool {
	return !t.IsZero() && !t.Before(f.From) && t.Before(f.To)
}

// userOK reports whether a user is one of the salesmen the filter covers.
func (f *Filter) userOK(u *crm.User) bool {
	if u.Disabled || (u.Role != crm.RoleSalesman && u.Role != crm.RoleCSR) {
		return false
	}
	return f.owns(crm.Base{Owner: u.ID, Branch: u.Branch, Dept: u.Dept})
}

// Table is a report as rows of cells: what every output format writes.
// Money cells are yuan with two decimals, shares are percentages with one.
// Types says what each cell is (an amount, a count, a percentage, a date,
// text), so that Excel holds numbers and dates and the text form groups
// thousands.
type Table struct {
	Name    string
	Title   string
	Columns []string
	Rows    [][]string
	Types   [][]csvio.CellType // by row and column, as Rows
}

// add appends a row: a crm.Money is an amount, an int a count, a float64 a
// percentage, a time.Time a date, an int64 a record's id (text), a string
// text.
func (t *Table) add(cells ...any) {
	row := make([]string, len(cells))
	types := make([]csvio.CellType, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case string:
			row[i] = cellText(v)
		case crm.Money:
			row[i], types[i] = money(v), csvio.MoneyCell
		case int:
			row[i], types[i] = fmt.Sprint(v), csvio.IntCell
		case int64:
			row[i] = fmt.Sprint(v)
		case float64:
			row[i], types[i] = fmt.Sprintf("%.1f", v), csvio.PercentCell
		case time.Time:
			row[i], types[i] = v.Format("2006-01-02"), csvio.DateCell
		default:
			row[i] = fmt.Sprint(v)
		}
	}
	t.Rows = append(t.Rows, row)
	t.Types = append(t.Types, types)
}

// typeOf is the type of the cell at row i, column j.
func (t *Table) typeOf(i, j int) csvio.CellType {
	if i < len(t.Types) && j < len(t.Types[i]) {
		return t.Types[i][j]
	}
	return csvio.TextCell
}

// cellText keeps a cell on one line with no run of spaces (the text form
// separates columns by two spaces).
func cellText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}

func money(m crm.Money) string {
	neg := ""
	if m < 0 {
		neg, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", neg, m/100, m%100)
}

// pct is 100·a/b with one decimal, 0 when b is 0.
func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(int64(a)*1000/int64(b)) / 10
}

// weighted is amount × probability / 100, rounded down to the fen.
func weighted(o *crm.Opportunity) crm.Money {
	return o.Amount * crm.Money(o.Probability) / 100
}

// Names lists the reports by CLI name.
var Names = []string{"funnel", "forecast", "closerate", "ratio", "participation", "daily", "visits",
	"lost", "leads", "campaigns", "competitors", "accounts"}

// Run computes the report called name as a table.
func Run(tx *crm.Tx, name string, f Filter) (*Table, error) {
	f.norm(tx)
	switch name {
	case "funnel":
		r, err := Funnel(tx, f)
		return tableOf(r, err)
	case "forecast":
		r, err := Forecast(tx, f)
		return tableOf(r, err)
	case "closerate", "close":
		r, err := CloseRate(tx, f)
		return tableOf(r, err)
	case "ratio", "funnelratio":
		r, err := FunnelRatio(tx, f)
		return tableOf(r, err)
	case "participation", "team":
		r, err := Activity(tx, f)
		return tableOf(r, err)
	case "daily":
		r, err := Daily(tx, f)
		return tableOf(r, err)
	case "visits":
		r, err := Visits(tx, f)
		return tableOf(r, err)
	case "lost":
		r, err := Lost(tx, f)
		return tableOf(r, err)
	case "leads":
		r, err := LeadQuality(tx, f)
		return tableOf(r, err)
	case "campaigns", "campaign", "roi":
		r, err := CampaignROI(tx, f)
		return tableOf(r, err)
	case "competitors":
		r, err := Competitors(tx, f)
		return tableOf(r, err)
	case "accounts":
		r, err := Accounts(tx, f)
		return tableOf(r, err)
	}
	return nil, fmt.Errorf("unknown report %q (%s)", name, strings.Join(Names, ", "))
}

type tabler interface{ Table() *Table }

func tableOf[T tabler](r T, err error) (*Table, error) {
	if err != nil {
		return nil, err
	}
	return r.Table(), nil
}

// names reads every user the actor may see, by id.
func names(tx *crm.Tx) (map[int64]*crm.User, error) {
	m := map[int64]*crm.User{}
	err := tx.Each(crm.KindUser, func(r crm.Record) bool {
		u := r.(*crm.User)
		m[u.ID] = u
		return true
	})
	return m, err
}

func userName(us map[int64]*crm.User, id int64) string {
	if u, ok := us[id]; ok {
		return u.Name
	}
	if id == 0 {
		return "-"
	}
	return "#" + crm.FormatID(id)
}

func sortedKeys[K ~string | ~int64, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// scoped reports whether the filter names its owners (one user or a team):
// then the owner index is cheaper than the stage index or a full scan.
func (f *Filter) scoped() bool { return f.User != 0 || f.Owners != nil }

func (f *Filter) owners() []int64 {
	if f.User != 0 {
		return []int64{f.User}
	}
	return f.Owners
}

// eachOpp calls fn for the opportunities at the given stages that the actor
// may see and the filter keeps: through the owner index when the filter
// names owners, else through the stage index.
func eachOpp(tx *crm.Tx, f *Filter, stages []crm.Stage, fn func(*crm.Opportunity)) error {
	if f.scoped() {
		for _, id := range f.owners() {
			err := tx.OwnedBy(crm.KindOpp, id, func(r crm.Record) bool {
				if o := r.(*crm.Opportunity); slices.Contains(stages, o.Stage) && f.owns(o.Base) {
					fn(o)
				}
				return true
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	for _, st := range stages {
		err := tx.OppsByStage(st, func(o *crm.Opportunity) bool {
			if f.owns(o.Base) {
				fn(o)
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}

var (
	openStages   = []crm.Stage{crm.StageIdentification, crm.StageQualification, crm.StageDevelopment, crm.StageProposal}
	closedStages = []crm.Stage{crm.StageWon, crm.StageLost, crm.StageNoDeal}
	allStages    = append(slices.Clone(openStages), closedStages...)
)
