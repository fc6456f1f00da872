package report

import (
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// ChartCID is the Content-ID of the chart image in the report email (the
// HTML shows it as <img src="cid:report-chart">).
const ChartCID = "report-chart"

// Outbox header keys that carry the inline chart until the email channel
// exists: the sender must remove them from the headers it writes and attach
// the base64 PNG of HeaderInlinePNG as an inline part (Content-Type
// image/png, Content-Disposition inline, Content-ID <HeaderInlineCID>) of a
// multipart/related body with the HTML. See docs/reports/README.md.
const (
	HeaderInlineCID = "X-Fieldcrm-Inline-Cid"
	HeaderInlinePNG = "X-Fieldcrm-Inline-Png"
)

// Email is the data of the report_weekly email template (weekly and monthly
// reports to managers). Amounts are int64 cents, shares percentages.
type Email struct {
	Name          string
	Monthly       bool
	From          time.Time // first day of the period
	To            time.Time // last day of the period
	Week          int
	Stages        []EmailStage
	Open          EmailStage
	Rows          []EmailSalesman
	Months        []EmailMonth
	Lost          []EmailLost
	Won           int
	WonAmt        int64
	Closed        int
	CloseRate     float64
	Active        int
	Salesmen      int
	Participation float64
	ChartCID      string // "" no chart
	// the report's one money unit (the chart's too), chosen from its
	// largest amount: its name ("¥ million", "万元"), yuan per unit and
	// decimals shown
	Unit         string
	UnitYuan     int64
	UnitDecimals int
}

type EmailStage struct {
	Stage            string
	Count            int
	Amount, Weighted int64
}

type EmailSalesman struct {
	Name                                                string
	Visits, Calls, Meetings, Other, Done, Open, Overdue int
}

type EmailMonth struct {
	Month            string
	Count            int
	Amount, Weighted int64
}

type EmailLost struct {
	Name, Account, Competitor, Reason string
	Amount                            int64
}

// MaxEmailLost is how many lost opportunities the email lists (largest).
const MaxEmailLost = 10

// BuildEmail computes the report email of one manager over f (f.From and
// f.To are the period's midnights) and its chart PNG for locale.
func BuildEmail(tx *crm.Tx, f Filter, name, locale string, monthly bool) (*Email, []byte, error) {
	f.norm(tx)
	fu, err := Funnel(tx, f)
	if err != nil {
		return nil, nil, err
	}
	ac, err := Activity(tx, f)
	if err != nil {
		return nil, nil, err
	}
	fc, err := Forecast(tx, f)
	if err != nil {
		return nil, nil, err
	}
	cr, err := CloseRate(tx, f)
	if err != nil {
		return nil, nil, err
	}
	lo, err := Lost(tx, f)
	if err != nil {
		return nil, nil, err
	}
	e := &Email{Name: name, Monthly: monthly, From: f.From.In(f.Loc), To: f.To.In(f.Loc).AddDate(0, 0, -1),
		Won: cr.Total.Won, WonAmt: int64(cr.Total.WonAmount), Closed: cr.Total.Closed(), CloseRate: cr.Total.Rate(),
		Active: ac.Active, Salesmen: len(ac.Rows), Participation: ac.Participation(), ChartCID: ChartCID}
	_, e.Week = e.From.ISOWeek()
	for _, s := range fu.Stages {
		e.Stages = append(e.Stages, EmailStage{Stage: s.Stage.String(), Count: s.Count, Amount: int64(s.Amount), Weighted: int64(s.Weighted)})
	}
	e.Open = EmailStage{Stage: "open", Count: fu.Open.Count, Amount: int64(fu.Open.Amount), Weighted: int64(fu.Open.Weighted)}
	for _, r := range ac.Rows {
		e.Rows = append(e.Rows, EmailSalesman{Name: r.Name, Visits: r.Visits, Calls: r.Calls, Meetings: r.Meetings,
			Other: r.Other, Done: r.Done, Open: r.Open, Overdue: r.Overdue})
	}
	for _, m := range fc.Months {
		e.Months = append(e.Months, EmailMonth{Month: m.Month, Count: m.Count, Amount: int64(m.Amount), Weighted: int64(m.Weighted)})
	}
	for _, l := range lo.Lost[:min(len(lo.Lost), MaxEmailLost)] {
		e.Lost = append(e.Lost, EmailLost{Name: l.Name, Account: l.Account, Competitor: l.Competitor, Reason: l.Reason, Amount: int64(l.Amount)})
	}
	// one money unit for the whole report, from its largest amount
	top := max(fu.Open.Amount, cr.Total.WonAmount)
	for _, st := range fu.Stages {
		top = max(top, st.Amount)
	}
	for _, m := range fc.Months {
		top = max(top, m.Amount)
	}
	u := ChooseUnit(locale, top)
	e.Unit, e.UnitYuan, e.UnitDecimals = u.Label, u.Yuan, u.Decimals
	png, err := Chart(ChartData{Locale: locale, Funnel: fu, Activity: ac, Forecast: fc, Unit: u})
	if err != nil {
		return nil, nil, err
	}
	return e, png, nil
}
