package report_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
	"github.com/fieldcrm/fieldcrm/crm/report"
	"github.com/fieldcrm/fieldcrm/parser"
)

var cst = time.FixedZone("CST", 8*3600)

func at(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, cst) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// world is the known data set of docs/reports/README.md ("The test data set").
type world struct {
	t                   *testing.T
	s                   *crm.Store
	clk                 *clock
	liu, wang, li, zhao *crm.User
	a1, a2, a3          int64
	o                   map[string]int64
}

func (w *world) do(actor *crm.User, fn func(tx *crm.Tx) error) {
	w.t.Helper()
	if _, err := w.s.Update(context.Background(), crm.Meta{Actor: actor, Channel: "test", Summary: "test"}, fn); err != nil {
		w.t.Fatal(err)
	}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	clk := &clock{t: at(10, 1)}
	s, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{Now: clk.Now, NoSync: true, Location: cst})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w := &world{t: t, s: s, clk: clk, o: map[string]int64{}}
	w.liu = &crm.User{Name: "Liu Jianguo", Role: crm.RoleSalesManager, Phones: []string{"+8613900000001"}, Locale: "en", Base: crm.Base{Branch: "SY", Dept: "sales"}}
	w.do(crm.System, func(tx *crm.Tx) error { return tx.SaveUser(w.liu) })
	w.wang = &crm.User{Name: "Wang Jun", Role: crm.RoleSalesman, Manager: w.liu.ID, Phones: []string{"+8613900000002"}, Locale: "en", Base: crm.Base{Branch: "SY", Dept: "sales"}}
	w.li = &crm.User{Name: "Li Na", Role: crm.RoleSalesman, Manager: w.liu.ID, Phones: []string{"+8613900000003"}, Locale: "en", Base: crm.Base{Branch: "SY", Dept: "sales"}}
	w.zhao = &crm.User{Name: "Zhao Gang", Role: crm.RoleSalesman, Phones: []string{"+8613900000004"}, Locale: "en", Base: crm.Base{Branch: "DL", Dept: "sales"}}
	w.do(crm.System, func(tx *crm.Tx) error {
		for _, u := range []*crm.User{w.wang, w.li, w.zhao} {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	acct := func(owner *crm.User, name, ind, phone string) (id int64) {
		w.do(crm.System, func(tx *crm.Tx) error {
			a := &crm.Account{Base: crm.Base{Owner: owner.ID}, Name: name, Industry: ind, City: "Shenyang"}
			err := tx.CreateAccount(a, &crm.Contact{Name: "Contact " + name, Mobile: phone})
			id = a.ID
			return err
		})
		return id
	}
	clk.Set(at(10, 10))
	w.a1 = acct(w.wang, "ACME Mining", "mining", "13911110001")
	w.a2 = acct(w.li, "Anshan Build", "construction", "13911110002")
	w.a3 = acct(w.zhao, "Dalian Quarry", "mining", "13911110003")
	w.do(crm.System, func(tx *crm.Tx) error {
		for _, c := range []*crm.Competitor{{Name: "Komatsu", Brands: []string{"komatsu"}}, {Name: "Sany", Brands: []string{"SANY"}}} {
			if err := tx.Save(c); err != nil {
				return err
			}
		}
		for _, e := range []*crm.Equipment{
			{Base: crm.Base{Owner: w.wang.ID}, Account: w.a1, Brand: "Komatsu", Model: "PC200", Bought: at(5, 1)},
			{Base: crm.Base{Owner: w.zhao.ID}, Account: w.a3, Brand: "SANY", Model: "SY215", Bought: at(6, 1)},
			{Base: crm.Base{Owner: w.wang.ID}, Account: w.a1, Brand: "CAT", Model: "320D", Serial: "CAT0320D1"},
		} {
			if err := tx.SaveEquipment(e); err != nil {
				return err
			}
		}
		// an old visit (before the period) and O1, created before the period
		if err := tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: w.wang.ID}, Type: crm.ActVisit, Subject: "old visit", Account: w.a1, Status: crm.StatusDone}); err != nil {
			return err
		}
		o1 := &crm.Opportunity{Base: crm.Base{Owner: w.wang.ID}, Name: "O1", Account: w.a1, Amount: 1_000_000_00}
		w.o["O1"] = o1.ID
		err := tx.CreateOpp(o1)
		w.o["O1"] = o1.ID
		return err
	})
	campaign := &crm.Campaign{Base: crm.Base{Owner: w.liu.ID}, Name: "Expo 2026", Cost: 10_000_00, Start: at(11, 1), End: at(11, 30)}
	w.do(crm.System, func(tx *crm.Tx) error { return tx.Save(campaign) })

	clk.Set(at(11, 3))
	opp := func(owner *crm.User, name string, acct int64, amount crm.Money, close time.Time) {
		w.do(crm.System, func(tx *crm.Tx) error {
			o := &crm.Opportunity{Base: crm.Base{Owner: owner.ID}, Name: name, Account: acct, Amount: amount, Close: close}
			err := tx.CreateOpp(o)
			w.o[name] = o.ID
			return err
		})
	}
	opp(w.wang, "O2", w.a1, 200_000_00, time.Date(2026, 12, 15, 0, 0, 0, 0, cst))
	opp(w.li, "O3", w.a2, 100_000_00, time.Date(2027, 1, 10, 0, 0, 0, 0, cst))
	opp(w.wang, "O4", w.a1, 300_000_00, time.Time{})
	opp(w.li, "O5", w.a2, 50_000_00, time.Time{})
	opp(w.zhao, "O6", w.a3, 80_000_00, time.Time{})
	move := func(name string, mv crm.StageMove) {
		w.do(crm.System, func(tx *crm.Tx) error { _, err := tx.SetOppStage(w.o[name], mv); return err })
	}
	move("O2", crm.StageMove{To: crm.StageQualification})
	move("O2", crm.StageMove{To: crm.StageDevelopment})
	move("O4", crm.StageMove{To: crm.StageQualification})
	w.do(crm.System, func(tx *crm.Tx) error {
		_, err := tx.UpdateOpp(w.o["O2"], func(o *crm.Opportunity) error { o.Competitors = []string{"Sany"}; return nil })
		return err
	})
	// leads: web (qualified), referral (new), campaign (converted, then won)
	var l3 int64
	w.do(crm.System, func(tx *crm.Tx) error {
		for _, l := range []*crm.Lead{
			{Base: crm.Base{Owner: w.wang.ID}, Company: "Web Co", Source: "web", Status: crm.LeadQualified},
			{Base: crm.Base{Owner: w.li.ID}, Company: "Ref Co", Source: "referral", Referrer: "Old Zhang"},
			{Base: crm.Base{Owner: w.wang.ID}, Company: "Huaxin", Person: "Li Gang", Phone: "13922220001", Source: "campaign", Campaign: campaign.ID},
		} {
			if err := tx.CreateLead(l); err != nil {
				return err
			}
			l3 = l.ID
		}
		for _, p := range []string{"Zhao", "Qian"} {
			if _, _, err := tx.AddResponse(campaign.ID, crm.Response{Person: p}); err != nil {
				return err
			}
		}
		_, _, o7, err := tx.ConvertLead(l3, crm.Conversion{City: "Fushun", Industry: "quarry", Amount: 150_000_00, OppName: "O7"})
		if err == nil {
			w.o["O7"] = o7.ID
		}
		return err
	})
	// activities in the period
	act := func(owner *crm.User, typ string, acct int64, status string, due time.Time) {
		w.do(crm.System, func(tx *crm.Tx) error {
			return tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: owner.ID}, Type: typ, Subject: typ, Account: acct, Status: status, Due: due})
		})
	}
	act(w.wang, crm.ActVisit, w.a1, crm.StatusDone, time.Time{})
	act(w.wang, crm.ActTask, w.a1, crm.StatusOpen, at(11, 20))
	clk.Set(at(11, 4))
	act(w.wang, crm.ActCall, w.a1, crm.StatusDone, time.Time{})
	clk.Set(at(11, 5))
	act(w.li, crm.ActMeeting, w.a2, crm.StatusDone, time.Time{})
	act(w.li, crm.ActNote, w.a2, crm.StatusDone, time.Time{})
	clk.Set(at(11, 10))
	move("O4", crm.StageMove{To: crm.StageWon})
	move("O7", crm.StageMove{To: crm.StageWon})
	clk.Set(at(11, 12))
	move("O5", crm.StageMove{To: crm.StageLost, Competitor: "Komatsu", Reason: "price"})
	move("O6", crm.StageMove{To: crm.StageNoDeal, Reason: "budget"})
	clk.Set(time.Date(2026, 11, 25, 9, 0, 0, 0, cst))
	return w
}

var november = report.Filter{From: time.Date(2026, 11, 1, 0, 0, 0, 0, cst), To: time.Date(2026, 12, 1, 0, 0, 0, 0, cst), Loc: cst}

func (w *world) table(actor *crm.User, name string, f report.Filter) *report.Table {
	w.t.Helper()
	var t *report.Table
	err := w.s.View(actor, func(tx *crm.Tx) error {
		var err error
		t, err = report.Run(tx, name, f)
		return err
	})
	if err != nil {
		w.t.Fatalf("%s: %v", name, err)
	}
	return t
}

func rows(t *report.Table) string {
	var b strings.Builder
	for _, r := range t.Rows {
		b.WriteString(strings.Join(r, "|") + "\n")
	}
	return b.String()
}

func want(t *testing.T, name, got, want string) {
	t.Helper()
	want = strings.TrimLeft(strings.ReplaceAll(want, "\t", ""), "\n")
	if got != want {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestReconcile asserts every report's figures over the known data set.
func TestReconcile(t *testing.T) {
	w := newWorld(t)
	cases := []struct{ name, want string }{
		{"funnel", `
			identification|2|1100000.00|110000.00
			qualification|0|0.00|0.00
			development|1|200000.00|100000.00
			proposal|0|0.00|0.00
			won|2|450000.00|450000.00
			lost|1|50000.00|0.00
			nodeal|1|80000.00|0.00
			open total|3|1300000.00|210000.00
			`},
		{"forecast", `
			2026-12|1|200000.00|100000.00
			2027-01|1|100000.00|10000.00
			none|1|1000000.00|100000.00
			total|3|1300000.00|210000.00
			`},
		{"closerate", `
			Li Na|0|1|0|1|0.0|0.00|50000.00|0.0
			Wang Jun|2|0|0|2|100.0|450000.00|450000.00|100.0
			Zhao Gang|0|0|1|1|0.0|0.00|80000.00|0.0
			total|2|1|1|4|50.0|450000.00|580000.00|77.5
			`},
		// O4 and O7, won from early stages, went through every open stage
		// on the way (crm records each move): they reached proposal and won
		{"ratio", `
			identification|6|3|50.0
			qualification|3|3|100.0
			development|3|2|66.6
			proposal|2|2|100.0
			won|2|-|-
			`},
		{"participation", `
			Li Na|0|0|1|0|1|0|0
			Wang Jun|1|1|0|0|2|1|1
			Zhao Gang|0|0|0|0|0|0|0
			total|1|1|1|0|3|1|1
			participation %|66.6|2|3|-|-|-|-
			`},
		{"daily", `
			2026-11-03|Li Na|0|0|0|0|2|0|0.00
			2026-11-03|Wang Jun|1|0|0|0|3|0|0.00
			2026-11-03|Zhao Gang|0|0|0|0|1|0|0.00
			2026-11-04|Wang Jun|0|1|0|0|0|0|0.00
			2026-11-05|Li Na|0|0|1|0|0|0|0.00
			2026-11-10|Wang Jun|0|0|0|0|0|2|450000.00
			`},
		{"visits", `
			Wang Jun|ACME Mining|1|2026-11-03
			Li Na|Anshan Build|not visited for 30 days|never
			Zhao Gang|Dalian Quarry|not visited for 30 days|never
			Wang Jun|Huaxin|not visited for 30 days|never
			`},
		{"lost", fmt.Sprintf(`
			%d|O5|Anshan Build|Li Na|Komatsu|price|50000.00|2026-11-12
			total|1|-|-|-|-|50000.00|-
			`, w.o["O5"])},
		{"leads", `
			campaign|1|1|100.0|1|100.0|150000.00|150000.00
			referral|1|0|0.0|0|0.0|0.00|0.00
			website|1|1|100.0|0|0.0|0.00|0.00
			total|3|2|66.6|1|33.3|150000.00|50000.00
			`},
		{"campaigns", `
			1|Expo 2026|10000.00|2|1|1|150000.00|1400.0
			`},
		{"competitors", `
			Komatsu|1|50000.00|0|1
			Sany|0|0.00|1|1
			`},
		{"accounts", `
			industry|construction|1|25.0
			industry|mining|2|50.0
			industry|quarry|1|25.0
			status|active|4|100.0
			owner|Li Na|1|25.0
			owner|Wang Jun|2|50.0
			owner|Zhao Gang|1|25.0
			total|-|4|100.0
			`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want(t, c.name, rows(w.table(crm.System, c.name, november)), c.want)
		})
	}
	t.Run("AccessSalesman", func(t *testing.T) {
		// Li Na reads only her own opportunities
		want(t, "funnel as Li", rows(w.table(w.li, "funnel", november)), `
			identification|1|100000.00|10000.00
			qualification|0|0.00|0.00
			development|0|0.00|0.00
			proposal|0|0.00|0.00
			won|0|0.00|0.00
			lost|1|50000.00|0.00
			nodeal|0|0.00|0.00
			open total|1|100000.00|10000.00
			`)
	})
	t.Run("AccessManagerAndBranch", func(t *testing.T) {
		// the manager of branch SY does not see Zhao's (DL) no-deal; the branch filter gives the same
		for _, tb := range []*report.Table{w.table(w.liu, "closerate", november), w.table(crm.System, "closerate", withBranch(november, "SY"))} {
			want(t, "closerate SY", rows(tb), `
				Li Na|0|1|0|1|0.0|0.00|50000.00|0.0
				Wang Jun|2|0|0|2|100.0|450000.00|450000.00|100.0
				total|2|1|0|3|66.6|450000.00|500000.00|90.0
				`)
		}
	})
	t.Run("UserFilter", func(t *testing.T) {
		f := november
		f.User = w.wang.ID
		want(t, "participation wang", rows(w.table(crm.System, "participation", f)), `
			Wang Jun|1|1|0|0|2|1|1
			total|1|1|0|0|2|1|1
			participation %|100.0|1|1|-|-|-|-
			`)
	})
}

func withBranch(f report.Filter, b string) report.Filter { f.Branch = b; return f }

// TestSMSAgrees checks that the SMS answers FUNNEL, TEAM and LOST give the
// figures of the reports over the same period and access level.
func TestSMSAgrees(t *testing.T) {
	w := newWorld(t)
	now := w.clk.Now()
	month := report.Filter{From: time.Date(2026, 11, 1, 0, 0, 0, 0, cst), To: time.Date(2026, 12, 1, 0, 0, 0, 0, cst), Loc: cst}
	week := report.Filter{From: time.Date(2026, 11, 23, 0, 0, 0, 0, cst), To: time.Date(2026, 11, 30, 0, 0, 0, 0, cst), Loc: cst}
	lastMonth := report.Filter{From: time.Date(2026, 10, 1, 0, 0, 0, 0, cst), To: time.Date(2026, 11, 1, 0, 0, 0, 0, cst), Loc: cst}
	ask := func(actor *crm.User, text string) *crm.Outcome {
		t.Helper()
		cmd, err := parser.Parse(text, parser.Context{Now: now, Loc: cst})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		var out *crm.Outcome
		if _, err := w.s.Update(context.Background(), crm.Meta{Actor: actor, Channel: "test", Summary: text}, func(tx *crm.Tx) error {
			out, err = tx.Apply(cmd, cst)
			return err
		}); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return out
	}
	for _, c := range []struct {
		actor *crm.User
		text  string
		f     report.Filter
	}{{crm.System, "FUNNEL month", month}, {w.liu, "FUNNEL month", month}, {w.li, "FUNNEL month", month},
		{w.wang, "FUNNEL", week}, {w.liu, "FUNNEL last month", lastMonth}, {w.liu, "FUNNEL month wang", withUser(month, w.wang.ID)}} {
		t.Run(c.text, func(t *testing.T) {
			sms := ask(c.actor, c.text).Data.(crm.FunnelData)
			var rep *report.FunnelReport
			w.s.View(c.actor, func(tx *crm.Tx) (err error) { rep, err = report.Funnel(tx, c.f); return })
			got := map[string]crm.StageRow{}
			for _, s := range sms.Stages {
				got[s.Stage] = s
			}
			for _, s := range rep.Stages {
				g, shown := got[s.Stage.String()]
				if !shown && (s.Stage.Closed() && s.Count == 0) {
					continue
				}
				if g.Count != s.Count || g.Amount != int64(s.Amount) {
					t.Errorf("%s as %s, %s: SMS %d %d, report %d %d", c.text, c.actor.Name, s.Stage, g.Count, g.Amount, s.Count, s.Amount)
				}
			}
		})
	}
	for _, c := range []struct {
		text string
		f    report.Filter
	}{{"TEAM month", month}, {"TEAM week", week}} {
		t.Run(c.text, func(t *testing.T) {
			sms := ask(w.liu, c.text).Data.(crm.TeamData)
			f := c.f
			f.Owners = []int64{w.wang.ID, w.li.ID} // Liu's direct reports, as TEAM takes them
			var rep *report.ActivityReport
			w.s.View(w.liu, func(tx *crm.Tx) (err error) { rep, err = report.Activity(tx, f); return })
			if len(sms.Rows) != len(rep.Rows) {
				t.Fatalf("SMS %d rows, report %d", len(sms.Rows), len(rep.Rows))
			}
			for i, r := range rep.Rows {
				s := sms.Rows[i]
				if s.Name != r.Name || s.Visits != r.Visits || s.Calls != r.Calls || s.Open != r.Open || s.Overdue != r.Overdue {
					t.Errorf("%s: SMS %+v, report %+v", c.text, s, r)
				}
			}
		})
	}
	t.Run("LOST", func(t *testing.T) {
		sms := ask(w.liu, "LOST").Data.(crm.LostData)
		var rep *report.LostReport
		w.s.View(w.liu, func(tx *crm.Tx) (err error) { rep, err = report.Lost(tx, month); return })
		if len(sms.Lost) != len(rep.Lost) || len(rep.Lost) != 1 {
			t.Fatalf("SMS %d lost, report %d", len(sms.Lost), len(rep.Lost))
		}
		for i, l := range rep.Lost {
			s := sms.Lost[i]
			if s.ID != l.ID || s.Competitor != l.Competitor || s.Reason != l.Reason || s.Amount != int64(l.Amount) || s.Account != l.Account {
				t.Errorf("SMS %+v, report %+v", s, l)
			}
		}
	})
}

var spaces = regexp.MustCompile(`  +`)

// TestExportEqualsText checks that the CSV form of every report holds the
// cells of its text form (where the text groups thousands), and that the
// Excel form holds the same values as numbers and dates where they are
// amounts, counts, percentages and dates.
func TestExportEqualsText(t *testing.T) {
	w := newWorld(t)
	for _, name := range report.Names {
		t.Run(name, func(t *testing.T) {
			tb := w.table(crm.System, name, november)
			var text, csvb, xlsx bytes.Buffer
			for _, x := range []struct {
				f string
				b *bytes.Buffer
			}{{"text", &text}, {"csv", &csvb}, {"xlsx", &xlsx}} {
				if err := report.Write(x.b, x.f, tb); err != nil {
					t.Fatal(err)
				}
			}
			lines := strings.Split(strings.TrimRight(text.String(), "\n"), "\n")[1:] // after the title
			var fromText [][]string
			for i, l := range lines {
				cells := spaces.Split(strings.TrimSpace(l), -1)
				for j, c := range cells {
					if i > 0 && j < len(tb.Types[i-1]) && (tb.Types[i-1][j] == csvio.MoneyCell || tb.Types[i-1][j] == csvio.IntCell) {
						cells[j] = strings.ReplaceAll(c, ",", "")
					}
				}
				fromText = append(fromText, cells)
			}
			got, err := csvio.Read(&csvb, csvio.CSV)
			if err != nil {
				t.Fatal(err)
			}
			all := [][]string{got.Header}
			for _, r := range got.Rows {
				all = append(all, r.Cells)
			}
			if fmt.Sprint(all) != fmt.Sprint(fromText) {
				t.Errorf("csv:\n%q\ntext:\n%q", all, fromText)
			}
			f, err := excelize.OpenReader(&xlsx)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for i, r := range tb.Rows {
				for j, c := range r {
					cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
					raw, _ := f.GetCellValue(name, cell, excelize.Options{RawCellValue: true})
					ct, _ := f.GetCellType(name, cell)
					typ := tb.Types[i][j]
					if c == "-" || c == "never" || typ == csvio.TextCell {
						if raw != c || ct != excelize.CellTypeInlineString {
							t.Errorf("%s %q: %q (type %v), want text", cell, c, raw, ct)
						}
						continue
					}
					if ct != excelize.CellTypeUnset { // a number: no t attribute
						t.Errorf("%s %q: type %v, want a number", cell, c, ct)
					}
					want, _ := strconv.ParseFloat(c, 64)
					switch typ {
					case csvio.PercentCell:
						want /= 100
					case csvio.DateCell:
						d, _ := time.Parse("2006-01-02", c)
						want = float64(d.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
					}
					if v, err := strconv.ParseFloat(raw, 64); err != nil || math.Abs(v-want) > 1e-9 {
						t.Errorf("%s %q (%v): holds %q, want %v", cell, c, typ, raw, want)
					}
				}
			}
		})
	}
}

// TestReportXLSX: the lost report in Excel: amounts as money cells whose
// SUM is the total row, the date as a date cell, the id as text, the header
// frozen; and its text form groups thousands.
func TestReportXLSX(t *testing.T) {
	w := newWorld(t)
	tb := w.table(crm.System, "lost", november)
	var xlsx, text bytes.Buffer
	if err := report.Write(&xlsx, "xlsx", tb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := len(tb.Rows) // the last row is the total
	if n < 2 {
		t.Fatalf("lost report has %d rows", n)
	}
	amount := fmt.Sprintf("G%d", n+1)
	if err := f.SetCellFormula("lost", "J1", fmt.Sprintf("SUM(G2:G%d)", n)); err != nil {
		t.Fatal(err)
	}
	sum, err := f.CalcCellValue("lost", "J1", excelize.Options{RawCellValue: true})
	total, _ := f.GetCellValue("lost", amount, excelize.Options{RawCellValue: true})
	if err != nil || sum != total || sum == "0" {
		t.Errorf("SUM(amounts) = %q (%v), total row %q", sum, err, total)
	}
	// the forecast's amounts per month add up to its total row
	fc := w.table(crm.System, "forecast", november)
	var fb bytes.Buffer
	if err := report.Write(&fb, "xlsx", fc); err != nil {
		t.Fatal(err)
	}
	ff, err := excelize.OpenReader(&fb)
	if err != nil {
		t.Fatal(err)
	}
	defer ff.Close()
	m := len(fc.Rows)
	ff.SetCellFormula("forecast", "F1", fmt.Sprintf("SUM(C2:C%d)", m))
	fsum, err := ff.CalcCellValue("forecast", "F1", excelize.Options{RawCellValue: true})
	ftotal, _ := ff.GetCellValue("forecast", fmt.Sprintf("C%d", m+1), excelize.Options{RawCellValue: true})
	if err != nil || fsum != ftotal || m < 3 {
		t.Errorf("forecast: SUM of %d months = %q (%v), total row %q", m-1, fsum, err, ftotal)
	}
	shown, _ := f.GetCellValue("lost", amount)
	if want := "¥" + report.Group(tb.Rows[n-1][6]); shown != want {
		t.Errorf("total shows %q, want %q", shown, want)
	}
	if v, _ := f.GetCellValue("lost", "H2"); !regexp.MustCompile(`^2026-11-\d\d$`).MatchString(v) {
		t.Errorf("lost on shows %q, want a date", v)
	}
	if ct, _ := f.GetCellType("lost", "A2"); ct != excelize.CellTypeInlineString {
		t.Errorf("id cell type %v, want text", ct)
	}
	if p, _ := f.GetPanes("lost"); !p.Freeze || p.YSplit != 1 {
		t.Errorf("panes %+v", p)
	}
	if err := report.Write(&text, "text", tb); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	if !strings.HasPrefix(out, "Lost sales (lost in the period), with competitor and reason; amounts in ¥\n") ||
		!strings.Contains(out, report.Group(tb.Rows[n-1][6])) || !strings.Contains(tb.Rows[n-1][6], ".") || !strings.Contains(report.Group(tb.Rows[n-1][6]), ",") {
		t.Errorf("text:\n%s", out)
	}
}

func TestGroup(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "999": "999", "1000": "1,000", "2400000.00": "2,400,000.00",
		"-12345": "-12,345", "123456.5": "123,456.5", "-": "-", "never": "never", "": ""} {
		if got := report.Group(in); got != want {
			t.Errorf("Group(%q) = %q, want %q", in, got, want)
		}
	}
}

func withUser(f report.Filter, id int64) report.Filter { f.User = id; return f }
