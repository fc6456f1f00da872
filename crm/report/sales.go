package report

import (
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/parser"
)

// StageRow is one stage of the funnel.
type StageRow struct {
	Stage    crm.Stage
	Count    int
	Amount   crm.Money
	Weighted crm.Money // Σ amount × probability / 100
}

// FunnelReport: open opportunities as they stand now, per stage, and those
// closed (won, lost, no deal) in the period — the figures of the SMS FUNNEL.
type FunnelReport struct {
	Stages []StageRow // 1–7, every stage
	Open   StageRow   // total of stages 1–4 (Stage 0)
}

// Funnel counts opportunities per stage through the stage index.
func Funnel(tx *crm.Tx, f Filter) (*FunnelReport, error) {
	f.norm(tx)
	r := &FunnelReport{}
	rows := make([]StageRow, 8)
	err := eachOpp(tx, &f, allStages, func(o *crm.Opportunity) {
		if o.Stage.Closed() && !f.in(o.ClosedAt) {
			return
		}
		row := &rows[o.Stage]
		row.Count++
		row.Amount += o.Amount
		row.Weighted += weighted(o)
	})
	if err != nil {
		return nil, err
	}
	for st := crm.StageIdentification; st <= crm.StageNoDeal; st++ {
		row := rows[st]
		row.Stage = st
		r.Stages = append(r.Stages, row)
		if !st.Closed() {
			r.Open.Count += row.Count
			r.Open.Amount += row.Amount
			r.Open.Weighted += row.Weighted
		}
	}
	return r, nil
}

func (r *FunnelReport) Table() *Table {
	t := &Table{Name: "funnel", Title: "Sales funnel (open now; closed in the period)",
		Columns: []string{"stage", "count", "amount", "weighted"}}
	for _, s := range r.Stages {
		t.add(s.Stage.String(), s.Count, s.Amount, s.Weighted)
	}
	t.add("open total", r.Open.Count, r.Open.Amount, r.Open.Weighted)
	return t
}

// MonthRow is the open opportunities expected to close in one month.
type MonthRow struct {
	Month    string // 2006-01, or "none" without a close date
	Count    int
	Amount   crm.Money
	Weighted crm.Money
}

// ForecastReport: open opportunities by month of estimated close. The period
// does not apply (every open opportunity is forecast); the filter does.
type ForecastReport struct{ Months []MonthRow }

func Forecast(tx *crm.Tx, f Filter) (*ForecastReport, error) {
	f.norm(tx)
	by := map[string]*MonthRow{}
	err := eachOpp(tx, &f, openStages, func(o *crm.Opportunity) {
		m := "none"
		if !o.Close.IsZero() {
			m = o.Close.In(f.Loc).Format("2006-01")
		}
		row := by[m]
		if row == nil {
			row = &MonthRow{Month: m}
			by[m] = row
		}
		row.Count++
		row.Amount += o.Amount
		row.Weighted += weighted(o)
	})
	if err != nil {
		return nil, err
	}
	r := &ForecastReport{}
	for _, k := range sortedKeys(by) { // "none" sorts after the digits
		r.Months = append(r.Months, *by[k])
	}
	return r, nil
}

func (r *ForecastReport) Table() *Table {
	t := &Table{Name: "forecast", Title: "Forecast by month of estimated close (open opportunities)",
		Columns: []string{"month", "count", "amount", "weighted"}}
	var tot MonthRow
	for _, m := range r.Months {
		t.add(m.Month, m.Count, m.Amount, m.Weighted)
		tot.Count += m.Count
		tot.Amount += m.Amount
		tot.Weighted += m.Weighted
	}
	t.add("total", tot.Count, tot.Amount, tot.Weighted)
	return t
}

// CloseRow is one salesman's closed opportunities in the period.
type CloseRow struct {
	Name                   string
	Won, Lost, NoDeal      int
	WonAmount, ClosedAmont crm.Money
}

func (c CloseRow) Closed() int { return c.Won + c.Lost + c.NoDeal }

// Rate is won / closed in count, percent.
func (c CloseRow) Rate() float64 { return pct(c.Won, c.Closed()) }

// AmountRate is won / closed in amount, percent.
func (c CloseRow) AmountRate() float64 { return pct(int(c.WonAmount/100), int(c.ClosedAmont/100)) }

// CloseRateReport: opportunities closed in the period, per owner.
type CloseRateReport struct {
	Rows  []CloseRow
	Total CloseRow
}

func CloseRate(tx *crm.Tx, f Filter) (*CloseRateReport, error) {
	f.norm(tx)
	us, err := names(tx)
	if err != nil {
		return nil, err
	}
	by := map[string]*CloseRow{}
	r := &CloseRateReport{Total: CloseRow{Name: "total"}}
	err = eachOpp(tx, &f, closedStages, func(o *crm.Opportunity) {
		if !f.in(o.ClosedAt) {
			return
		}
		n := userName(us, o.Owner)
		row := by[n]
		if row == nil {
			row = &CloseRow{Name: n}
			by[n] = row
		}
		for _, c := range []*CloseRow{row, &r.Total} {
			switch o.Stage {
			case crm.StageWon:
				c.Won++
				c.WonAmount += o.Amount
			case crm.StageLost:
				c.Lost++
			default:
				c.NoDeal++
			}
			c.ClosedAmont += o.Amount
		}
	})
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(by) {
		r.Rows = append(r.Rows, *by[k])
	}
	return r, nil
}

func (r *CloseRateReport) Table() *Table {
	t := &Table{Name: "closerate", Title: "Close rate (opportunities closed in the period)",
		Columns: []string{"salesman", "won", "lost", "nodeal", "closed", "close rate %", "won amount", "closed amount", "amount rate %"}}
	for _, c := range append(slices.Clone(r.Rows), r.Total) {
		t.add(c.Name, c.Won, c.Lost, c.NoDeal, c.Closed(), c.Rate(), c.WonAmount, c.ClosedAmont, c.AmountRate())
	}
	return t
}

// RatioRow says how many opportunities reached a stage and how many of them
// went further (a later open stage or won).
type RatioRow struct {
	Stage    crm.Stage
	Reached  int
	Advanced int
}

func (r RatioRow) Ratio() float64 { return pct(r.Advanced, r.Reached) }

// RatioReport: the funnel ratio of the opportunities created in the period,
// from their stage history.
type RatioReport struct {
	Rows []RatioRow // identification … proposal
	Won  int
}

// reached lists the stages an opportunity has been at: the one it was
// created at and every stage it moved to.
func reached(o *crm.Opportunity) (seen [8]bool) {
	if len(o.StageHistory) == 0 {
		seen[o.Stage] = true
		return seen
	}
	seen[o.StageHistory[0].From] = true
	for _, c := range o.StageHistory {
		if c.To >= 1 && c.To <= 7 {
			seen[c.To] = true
		}
	}
	return seen
}

func FunnelRatio(tx *crm.Tx, f Filter) (*RatioReport, error) {
	f.norm(tx)
	r := &RatioReport{}
	for st := crm.StageIdentification; st <= crm.StageProposal; st++ {
		r.Rows = append(r.Rows, RatioRow{Stage: st})
	}
	err := tx.Each(crm.KindOpp, func(rec crm.Record) bool {
		o := rec.(*crm.Opportunity)
		if !f.owns(o.Base) || !f.in(o.Created) {
			return true
		}
		seen := reached(o)
		if seen[crm.StageWon] {
			r.Won++
		}
		for i := range r.Rows {
			st := r.Rows[i].Stage
			if !seen[st] {
				continue
			}
			r.Rows[i].Reached++
			for next := st + 1; next <= crm.StageWon; next++ {
				if seen[next] {
					r.Rows[i].Advanced++
					break
				}
			}
		}
		return true
	})
	return r, err
}

func (r *RatioReport) Table() *Table {
	t := &Table{Name: "ratio", Title: "Funnel ratio (opportunities created in the period)",
		Columns: []string{"stage", "reached", "went further", "ratio %"}}
	for _, x := range r.Rows {
		t.add(x.Stage.String(), x.Reached, x.Advanced, x.Ratio())
	}
	t.add("won", r.Won, "-", "-")
	return t
}

// LostItem is one opportunity lost in the period.
type LostItem struct {
	ID         int64
	Name       string
	Account    string
	Owner      string
	Competitor string
	Reason     string
	Amount     crm.Money
	At         time.Time
}

// LostReport: the opportunities lost in the period, largest first — the
// figures of the SMS LOST.
type LostReport struct {
	Lost  []LostItem
	Total crm.Money
}

func Lost(tx *crm.Tx, f Filter) (*LostReport, error) {
	f.norm(tx)
	us, err := names(tx)
	if err != nil {
		return nil, err
	}
	r := &LostReport{}
	err = eachOpp(tx, &f, []crm.Stage{crm.StageLost}, func(o *crm.Opportunity) {
		if !f.in(o.ClosedAt) {
			return
		}
		acct := "-"
		if a, err := tx.Account(o.Account); err == nil {
			acct = a.Name
		}
		r.Lost = append(r.Lost, LostItem{ID: o.ID, Name: o.Name, Account: acct, Owner: userName(us, o.Owner),
			Competitor: o.LostTo, Reason: o.LostReason, Amount: o.Amount, At: o.ClosedAt.In(f.Loc)})
		r.Total += o.Amount
	})
	slices.SortStableFunc(r.Lost, func(a, b LostItem) int {
		if a.Amount != b.Amount {
			return int(b.Amount - a.Amount)
		}
		return int(a.ID - b.ID)
	})
	return r, err
}

func (r *LostReport) Table() *Table {
	t := &Table{Name: "lost", Title: "Lost sales (lost in the period), with competitor and reason",
		Columns: []string{"id", "opportunity", "account", "salesman", "competitor", "reason", "amount", "lost on"}}
	for _, l := range r.Lost {
		t.add(l.ID, l.Name, l.Account, l.Owner, l.Competitor, l.Reason, l.Amount, l.At)
	}
	t.add("total", len(r.Lost), "-", "-", "-", "-", r.Total, "-")
	return t
}

// CompetitorRow is what one competitor costs us and owns at our customers.
type CompetitorRow struct {
	Name       string
	Lost       int // opportunities lost to it in the period
	LostAmount crm.Money
	Open       int // open opportunities where it competes
	Equipment  int // its brands' machines at our customers
}

type CompetitorReport struct{ Rows []CompetitorRow }

// Competitors matches lost opportunities by the competitor's name or one of
// its brands, equipment by brand. Losses to names that are no known
// competitor are summed under their own name.
func Competitors(tx *crm.Tx, f Filter) (*CompetitorReport, error) {
	f.norm(tx)
	type comp struct {
		row    CompetitorRow
		brands []string
	}
	var cs []*comp
	err := tx.Each(crm.KindCompetitor, func(r crm.Record) bool {
		c := r.(*crm.Competitor)
		cs = append(cs, &comp{row: CompetitorRow{Name: c.Name}, brands: c.Brands})
		return true
	})
	if err != nil {
		return nil, err
	}
	find := func(name string) *comp {
		n := strings.TrimSpace(name)
		if b, ok := parser.BrandWord(n); ok {
			n = b // 小松 is Komatsu
		}
		for _, c := range cs {
			if strings.EqualFold(c.row.Name, n) || slices.Contains(c.brands, strings.ToUpper(n)) {
				return c
			}
		}
		return nil
	}
	var other []*comp
	err = tx.OppsByStage(crm.StageLost, func(o *crm.Opportunity) bool {
		if !f.owns(o.Base) || !f.in(o.ClosedAt) {
			return true
		}
		c := find(o.LostTo)
		if c == nil {
			name := strings.TrimSpace(o.LostTo)
			if b, ok := parser.BrandWord(name); ok {
				name = b // 三一 and Sany are one row
			}
			name += " (not a known competitor)"
			for _, x := range other {
				if strings.EqualFold(x.row.Name, name) {
					c = x
				}
			}
			if c == nil {
				c = &comp{row: CompetitorRow{Name: name}}
				other = append(other, c)
			}
		}
		c.row.Lost++
		c.row.LostAmount += o.Amount
		return true
	})
	if err != nil {
		return nil, err
	}
	for st := crm.StageIdentification; st <= crm.StageProposal; st++ {
		err = tx.OppsByStage(st, func(o *crm.Opportunity) bool {
			if !f.owns(o.Base) {
				return true
			}
			seen := map[*comp]bool{}
			for _, n := range o.Competitors {
				if c := find(n); c != nil && !seen[c] {
					seen[c] = true
					c.row.Open++
				}
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	err = tx.Each(crm.KindEquipment, func(r crm.Record) bool {
		e := r.(*crm.Equipment)
		if !f.owns(e.Base) {
			return true
		}
		for _, c := range cs {
			if slices.Contains(c.brands, strings.ToUpper(e.Brand)) {
				c.row.Equipment++
				break
			}
		}
		return true
	})
	rep := &CompetitorReport{}
	for _, c := range append(cs, other...) {
		rep.Rows = append(rep.Rows, c.row)
	}
	return rep, err
}

func (r *CompetitorReport) Table() *Table {
	t := &Table{Name: "competitors", Title: "Competitor analysis (lost in the period; open and equipment now)",
		Columns: []string{"competitor", "lost", "lost amount", "open opps", "equipment"}}
	for _, c := range r.Rows {
		t.add(c.Name, c.Lost, c.LostAmount, c.Open, c.Equipment)
	}
	return t
}
