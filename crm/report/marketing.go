package report

import (
	"github.com/fieldcrm/fieldcrm/crm"
)

// SourceRow is the quality of the leads of one source.
type SourceRow struct {
	Source     string
	Leads      int
	Qualified  int // qualified or converted
	Converted  int
	WonRevenue crm.Money // won opportunities converted from these leads
}

func (s SourceRow) QualifiedPct() float64 { return pct(s.Qualified, s.Leads) }
func (s SourceRow) ConvertedPct() float64 { return pct(s.Converted, s.Leads) }

// PerLead is the won revenue per lead.
func (s SourceRow) PerLead() crm.Money {
	if s.Leads == 0 {
		return 0
	}
	return s.WonRevenue / crm.Money(s.Leads)
}

// LeadReport: leads created in the period, by source.
type LeadReport struct {
	Rows  []SourceRow
	Total SourceRow
}

func LeadQuality(tx *crm.Tx, f Filter) (*LeadReport, error) {
	f.norm(tx)
	by := map[string]*SourceRow{}
	r := &LeadReport{Total: SourceRow{Source: "total"}}
	err := tx.Each(crm.KindLead, func(rec crm.Record) bool {
		l := rec.(*crm.Lead)
		if !f.owns(l.Base) || !f.in(l.Created) {
			return true
		}
		src := l.Source
		if src == "" {
			src = "unknown"
		}
		row := by[src]
		if row == nil {
			row = &SourceRow{Source: src}
			by[src] = row
		}
		var won crm.Money
		if l.Status == crm.LeadConverted && l.ConvOpp != 0 {
			if o, err := tx.Opp(l.ConvOpp); err == nil && o.Stage == crm.StageWon {
				won = o.Amount
			}
		}
		for _, x := range []*SourceRow{row, &r.Total} {
			x.Leads++
			if l.Status == crm.LeadQualified || l.Status == crm.LeadConverted {
				x.Qualified++
			}
			if l.Status == crm.LeadConverted {
				x.Converted++
			}
			x.WonRevenue += won
		}
		return true
	})
	for _, k := range sortedKeys(by) {
		r.Rows = append(r.Rows, *by[k])
	}
	return r, err
}

func (r *LeadReport) Table() *Table {
	t := &Table{Name: "leads", Title: "Lead quality (leads created in the period, by source)",
		Columns: []string{"source", "leads", "qualified", "qualified %", "converted", "converted %", "won revenue", "revenue per lead"}}
	for _, s := range append(r.Rows, r.Total) {
		t.add(s.Source, s.Leads, s.Qualified, s.QualifiedPct(), s.Converted, s.ConvertedPct(), s.WonRevenue, s.PerLead())
	}
	return t
}

// CampaignRow is one campaign's return.
type CampaignRow struct {
	ID         int64
	Name       string
	Cost       crm.Money
	Responses  int
	Leads      int
	Won        int
	WonRevenue crm.Money
}

// ROI is (won revenue − cost) / cost in percent (0 without a cost).
func (c CampaignRow) ROI() float64 {
	if c.Cost == 0 {
		return 0
	}
	return float64((c.WonRevenue-c.Cost)*1000/c.Cost) / 10
}

// CampaignReport: campaigns running in the period (start before its end, end
// after its start; no dates: always), with their responses, leads (by the
// lead's campaign) and won opportunities (by the opportunity's campaign),
// whenever they happened. The filter applies to leads and opportunities.
type CampaignReport struct{ Rows []CampaignRow }

func CampaignROI(tx *crm.Tx, f Filter) (*CampaignReport, error) {
	f.norm(tx)
	idx := map[int64]int{}
	r := &CampaignReport{}
	err := tx.Each(crm.KindCampaign, func(rec crm.Record) bool {
		c := rec.(*crm.Campaign)
		if (!c.Start.IsZero() && !c.Start.Before(f.To)) || (!c.End.IsZero() && c.End.Before(f.From)) {
			return true
		}
		idx[c.ID] = len(r.Rows)
		r.Rows = append(r.Rows, CampaignRow{ID: c.ID, Name: c.Name, Cost: c.Cost, Responses: len(c.Responses)})
		return true
	})
	if err != nil {
		return nil, err
	}
	err = tx.Each(crm.KindLead, func(rec crm.Record) bool {
		l := rec.(*crm.Lead)
		if i, ok := idx[l.Campaign]; ok && l.Campaign != 0 && f.owns(l.Base) {
			r.Rows[i].Leads++
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	err = tx.OppsByStage(crm.StageWon, func(o *crm.Opportunity) bool {
		if i, ok := idx[o.Campaign]; ok && o.Campaign != 0 && f.owns(o.Base) {
			r.Rows[i].Won++
			r.Rows[i].WonRevenue += o.Amount
		}
		return true
	})
	return r, err
}

func (r *CampaignReport) Table() *Table {
	t := &Table{Name: "campaigns", Title: "Campaign ROI",
		Columns: []string{"id", "campaign", "cost", "responses", "leads", "won", "won revenue", "roi %"}}
	for _, c := range r.Rows {
		t.add(c.ID, c.Name, c.Cost, c.Responses, c.Leads, c.Won, c.WonRevenue, c.ROI())
	}
	return t
}

// CountRow is a number of accounts with one value of a dimension.
type CountRow struct {
	Dimension string // industry, status, owner
	Value     string
	Accounts  int
}

// AccountReport: the account base by industry, status and owner (now; the
// period does not apply).
type AccountReport struct {
	Rows  []CountRow
	Total int
}

func Accounts(tx *crm.Tx, f Filter) (*AccountReport, error) {
	f.norm(tx)
	us, err := names(tx)
	if err != nil {
		return nil, err
	}
	dims := []string{"industry", "status", "owner"}
	by := map[string]map[string]int{}
	for _, d := range dims {
		by[d] = map[string]int{}
	}
	r := &AccountReport{}
	err = tx.Each(crm.KindAccount, func(rec crm.Record) bool {
		a := rec.(*crm.Account)
		if !f.owns(a.Base) {
			return true
		}
		r.Total++
		ind := a.Industry
		if ind == "" {
			ind = "unknown"
		}
		by["industry"][ind]++
		by["status"][a.Status]++
		by["owner"][userName(us, a.Owner)]++
		return true
	})
	for _, d := range dims {
		for _, v := range sortedKeys(by[d]) {
			r.Rows = append(r.Rows, CountRow{Dimension: d, Value: v, Accounts: by[d][v]})
		}
	}
	return r, err
}

func (r *AccountReport) Table() *Table {
	t := &Table{Name: "accounts", Title: "Account base by industry, status and owner",
		Columns: []string{"by", "value", "accounts", "share %"}}
	for _, c := range r.Rows {
		t.add(c.Dimension, c.Value, c.Accounts, pct(c.Accounts, r.Total))
	}
	t.add("total", "-", r.Total, pct(r.Total, r.Total))
	return t
}
