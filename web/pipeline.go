package web

// The pipeline page: open opportunities by stage (count, revenue, weighted
// revenue), for a salesman his own, for a manager his team, for a director
// or an administrator what his access level allows; filtered by salesman
// and by the month or quarter they are expected to close in; and below, the
// list of the open opportunities by close date.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
	"github.com/fieldcrm/fieldcrm/templates"
)

func init() {
	pageRegistry = append(pageRegistry, func(s *Server) {
		s.handle("GET /pipeline", s.pipeline)
	})
}

// pipelinePageSize is how many opportunities one page of the list shows.
const pipelinePageSize = 100

// Pipeline periods (the "period" query parameter): when the open
// opportunities are expected to close.
const (
	periodAll     = "all"     // every open one
	periodMonth   = "month"   // closing this month
	periodQuarter = "quarter" // closing this quarter
	periodNext    = "next"    // closing next quarter
)

var pipelinePeriods = []string{periodAll, periodMonth, periodQuarter, periodNext}

// StageSum is one row of the stage table.
type StageSum struct {
	Stage    crm.Stage
	Count    int
	Amount   crm.Money
	Weighted crm.Money // Σ amount × probability / 100, as the funnel report counts it
	Link     string    // the page with the list at this stage only
	Current  bool      // the list shows this stage only
}

// PipelineRow is one open opportunity of the list.
type PipelineRow struct {
	ID        int64
	Name      string // the opportunity's name, as stored
	What      string // what it is beside its account: products (2×320D) or its name
	AccountID int64  // 0 when the reader may not open the account
	Account   string
	Products  []crm.ProductLine
	Stage     crm.Stage
	Amount    crm.Money
	Close     time.Time // in the reader's time zone; zero when none was given
	Late      bool      // the close date has passed and it is still open
	Owner     string
}

// Choice is an option of a filter.
type Choice struct {
	Value    string
	Name     string
	Selected bool
}

// PipelineData is the pipeline page.
type PipelineData struct {
	Scope    string // "own", "team" or "all": whose opportunities these are
	Period   string
	From, To time.Time // the period's first and last day (zero for "all")
	Periods  []Choice
	Owners   []Choice // the salesman filter; none for a salesman
	Owner    int64    // the salesman filtered on (0: everyone in scope)
	Unknown  bool     // the salesman asked for is not one the reader may see: the filter was dropped
	Year     int      // this year: close dates in another show theirs

	Stages []StageSum // identification … proposal
	Open   StageSum   // their total
	// Closed: won, lost and no deal closed in the period (this month, this
	// quarter), apart from the open figures; ShowClosed false for the periods
	// that have no past (next quarter) or no bounds (all open).
	ShowClosed bool
	Closed     []StageSum

	Stage     crm.Stage // the list shows this stage only (0: every open stage)
	AllStages string    // the page with the list at every stage
	List      []PipelineRow
	Listed    int // open opportunities the list has on all its pages
	Page      int
	Pages     int
	PrevPage  string
	NextPage  string
}

func (s *Server) pipeline(w http.ResponseWriter, r *http.Request, sess *Session) {
	d, err := s.pipelineData(sess.User, r.URL.Query())
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "pipeline", "pipeline", d)
}

// pipelinePeriod is [from, to) of a period around now in loc; zero for "all".
func pipelinePeriod(name string, now time.Time, loc *time.Location) (from, to time.Time) {
	now = now.In(loc)
	switch name {
	case periodMonth:
		from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 1, 0)
	case periodQuarter, periodNext:
		from = time.Date(now.Year(), (now.Month()-1)/3*3+1, 1, 0, 0, 0, 0, loc)
		if name == periodNext {
			from = from.AddDate(0, 3, 0)
		}
		return from, from.AddDate(0, 3, 0)
	}
	return time.Time{}, time.Time{}
}

// pipelineData reads u's pipeline as u, filtered by q (period, salesman,
// stage, p).
func (s *Server) pipelineData(u *crm.User, q url.Values) (*PipelineData, error) {
	now := s.cfg.Now()
	loc := u.Location(s.cfg.Store.Location())
	d := &PipelineData{Period: q.Get("period"), Year: now.In(loc).Year()}
	if !slices.Contains(pipelinePeriods, d.Period) {
		d.Period = periodAll
	}
	from, to := pipelinePeriod(d.Period, now, loc)
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	if !from.IsZero() {
		d.From, d.To = from, to.AddDate(0, 0, -1)
	}
	d.ShowClosed = d.Period == periodMonth || d.Period == periodQuarter
	if st, err := strconv.Atoi(q.Get("stage")); err == nil && st >= int(crm.StageIdentification) && st <= int(crm.StageProposal) {
		d.Stage = crm.Stage(st)
	}
	d.Page, _ = strconv.Atoi(q.Get("p"))
	d.Page = max(d.Page, 1)

	var rows []PipelineRow
	var opps []*crm.Opportunity // rows' opportunities, to read their accounts for the page shown
	err := s.cfg.Store.View(u, func(tx *crm.Tx) error {
		sc := tx.PipelineScope()
		names := map[int64]string{}
		for _, x := range sc.Users {
			names[x.ID] = x.Name
		}
		switch {
		case sc.All:
			d.Scope = "all"
		case len(sc.Users) > 1:
			d.Scope = "team"
		default:
			d.Scope = "own"
		}
		if d.Scope != "own" {
			if id, err := strconv.ParseInt(q.Get("salesman"), 10, 64); err == nil && id > 0 {
				if sc.Has(id) {
					d.Owner = id
				} else {
					d.Unknown = true
				}
			}
			d.Owners = append(d.Owners, Choice{Value: "", Selected: d.Owner == 0})
			for _, x := range sc.Users {
				d.Owners = append(d.Owners, Choice{Value: strconv.FormatInt(x.ID, 10), Name: x.Name, Selected: x.ID == d.Owner})
			}
		}

		sums := make([]StageSum, 8)
		add := func(o *crm.Opportunity) {
			if o.Stage.Closed() {
				if d.ShowClosed && !o.ClosedAt.Before(from) && o.ClosedAt.Before(to) {
					sum := &sums[o.Stage]
					sum.Count++
					sum.Amount += o.Amount
					sum.Weighted += report.Weighted(o)
				}
				return
			}
			if !from.IsZero() && (o.Close.Before(from) || !o.Close.Before(to)) {
				return // no close date, or another period's
			}
			sum := &sums[o.Stage]
			sum.Count++
			sum.Amount += o.Amount
			sum.Weighted += report.Weighted(o)
			if d.Stage != 0 && o.Stage != d.Stage {
				return
			}
			row := PipelineRow{ID: o.ID, Name: o.Name, Products: o.Products, Stage: o.Stage, Amount: o.Amount, Owner: names[o.Owner]}
			if !o.Close.IsZero() {
				row.Close = o.Close.In(loc)
				row.Late = row.Close.Before(today)
			}
			if row.Owner == "" {
				if x, err := tx.Recipient(o.Owner); err == nil && o.Owner != 0 {
					row.Owner = x.Name
				}
			}
			rows = append(rows, row)
			opps = append(opps, o)
		}
		switch {
		case d.Owner != 0:
			if err := tx.OwnedBy(crm.KindOpp, d.Owner, func(r crm.Record) bool { add(r.(*crm.Opportunity)); return true }); err != nil {
				return err
			}
		case sc.All:
			last := crm.StageProposal
			if d.ShowClosed {
				last = crm.StageNoDeal
			}
			for st := crm.StageIdentification; st <= last; st++ {
				if err := tx.OppsByStage(st, func(o *crm.Opportunity) bool { add(o); return true }); err != nil {
					return err
				}
			}
		default:
			for _, x := range sc.Users {
				if err := tx.OwnedBy(crm.KindOpp, x.ID, func(r crm.Record) bool { add(r.(*crm.Opportunity)); return true }); err != nil {
					return err
				}
			}
		}

		base := url.Values{}
		if d.Period != periodAll {
			base.Set("period", d.Period)
		}
		if d.Owner != 0 {
			base.Set("salesman", strconv.FormatInt(d.Owner, 10))
		}
		for st := crm.StageIdentification; st <= crm.StageNoDeal; st++ {
			sum := sums[st]
			sum.Stage = st
			if st.Closed() {
				if d.ShowClosed {
					d.Closed = append(d.Closed, sum)
				}
				continue
			}
			v := cloneValues(base)
			v.Set("stage", strconv.Itoa(int(st)))
			sum.Link, sum.Current = pagePath("/pipeline", v), st == d.Stage
			d.Stages = append(d.Stages, sum)
			d.Open.Count += sum.Count
			d.Open.Amount += sum.Amount
			d.Open.Weighted += sum.Weighted
		}
		d.AllStages = pagePath("/pipeline", base)

		// the list: by close date (none last), then id, as OPPS lists them
		idx := make([]int, len(rows))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			x, y := rows[a], rows[b]
			switch {
			case x.Close.IsZero() != y.Close.IsZero():
				if x.Close.IsZero() {
					return 1
				}
				return -1
			case !x.Close.Equal(y.Close):
				return x.Close.Compare(y.Close)
			}
			return int(x.ID - y.ID)
		})
		d.Listed = len(rows)
		d.Pages = max(1, (len(rows)+pipelinePageSize-1)/pipelinePageSize)
		d.Page = min(d.Page, d.Pages)
		lo := (d.Page - 1) * pipelinePageSize
		hi := min(lo+pipelinePageSize, len(rows))
		for _, i := range idx[lo:hi] {
			row := rows[i]
			if a, err := tx.Account(opps[i].Account); err == nil {
				row.AccountID, row.Account = a.ID, a.Name
			}
			row.What = oppWhat(row.Name, row.Account, row.Products)
			d.List = append(d.List, row)
		}
		listQ := cloneValues(base)
		if d.Stage != 0 {
			listQ.Set("stage", strconv.Itoa(int(d.Stage)))
		}
		if d.Page > 1 {
			v := cloneValues(listQ)
			if d.Page > 2 {
				v.Set("p", strconv.Itoa(d.Page-1))
			}
			d.PrevPage = pagePath("/pipeline", v)
		}
		if d.Page < d.Pages {
			v := cloneValues(listQ)
			v.Set("p", strconv.Itoa(d.Page+1))
			d.NextPage = pagePath("/pipeline", v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range pipelinePeriods {
		d.Periods = append(d.Periods, Choice{Value: p, Selected: p == d.Period})
	}
	return d, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// pagePath is path with the query v (none when v is empty).
func pagePath(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// oppWhat says what an opportunity is beside its account's name: its name
// without the account's ("ACME Mining Co. 336" at ACME Mining Co. is "336"),
// and its products as model × quantity; the products alone when the name
// says no more than they do.
func oppWhat(name, account string, products []crm.ProductLine) string {
	b := templates.Beyond(name, account)
	var ps []string
	for _, p := range products {
		ps = append(ps, strconv.Itoa(p.Qty)+"×"+p.Model)
	}
	switch {
	case len(ps) == 0 && b == "":
		return name
	case len(ps) == 0:
		return b
	case b == "" || strings.EqualFold(b, products[0].Model):
		return strings.Join(ps, ", ")
	}
	return b + " · " + strings.Join(ps, ", ")
}
