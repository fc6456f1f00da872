package web_test

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
	"github.com/fieldcrm/fieldcrm/templates"
)

// oppsOwnedBy reads, as the system, every opportunity the people named own.
func oppsOwnedBy(t *testing.T, e *env, names ...string) []*crm.Opportunity {
	t.Helper()
	var out []*crm.Opportunity
	err := e.Store.View(crm.System, func(tx *crm.Tx) error {
		for _, n := range names {
			u := e.Users[n]
			if u == nil {
				t.Fatalf("no user %q", n)
			}
			if err := tx.OwnedBy(crm.KindOpp, u.ID, func(r crm.Record) bool {
				out = append(out, r.(*crm.Opportunity))
				return true
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// openIn keeps the open opportunities expected to close in [from, to)
// (every open one when from is zero).
func openIn(os []*crm.Opportunity, from, to time.Time) []*crm.Opportunity {
	var out []*crm.Opportunity
	for _, o := range os {
		if o.Stage.Closed() {
			continue
		}
		if !from.IsZero() && (o.Close.Before(from) || !o.Close.Before(to)) {
			continue
		}
		out = append(out, o)
	}
	return out
}

// stageCells are what the stage table shows for one row: count, revenue, weighted.
type stageCells [3]string

var (
	stageRowRE = regexp.MustCompile(`(?s)<tr id="stage-(\w+)"[^>]*>(.*?)</tr>`)
	cellRE     = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
)

// stageTable reads the stage table (and the closed one) of a pipeline page:
// by row id ("1"…"7", "open"), the number cells.
func stageTable(t *testing.T, body string) map[string]stageCells {
	t.Helper()
	out := map[string]stageCells{}
	for _, m := range stageRowRE.FindAllStringSubmatch(body, -1) {
		cells := cellRE.FindAllStringSubmatch(m[2], -1)
		var c stageCells
		for i := 1; i < len(cells) && i <= 3; i++ {
			c[i-1] = html.UnescapeString(strings.TrimSpace(tagRE.ReplaceAllString(cells[i][1], "")))
		}
		out[m[1]] = c
	}
	return out
}

// wantStages computes the stage table of os in locale, as the page must show it.
func wantStages(os []*crm.Opportunity, locale string) map[string]stageCells {
	type sum struct {
		n    int
		a, w crm.Money
	}
	by := map[string]*sum{}
	tot := &sum{}
	for st := crm.StageIdentification; st <= crm.StageProposal; st++ {
		by[strconv.Itoa(int(st))] = &sum{}
	}
	for _, o := range os {
		for _, s := range []*sum{by[strconv.Itoa(int(o.Stage))], tot} {
			s.n++
			s.a += o.Amount
			s.w += o.Amount * crm.Money(o.Probability) / 100
		}
	}
	out := map[string]stageCells{}
	cells := func(s *sum) stageCells {
		return stageCells{strconv.Itoa(s.n), templates.Money(int64(s.a), locale), templates.Money(int64(s.w), locale)}
	}
	for k, s := range by {
		out[k] = cells(s)
	}
	out["open"] = cells(tot)
	return out
}

func checkStages(t *testing.T, body string, os []*crm.Opportunity, locale string) {
	t.Helper()
	got := stageTable(t, body)
	for k, want := range wantStages(os, locale) {
		if got[k] != want {
			t.Errorf("stage row %s: page shows %q, the store says %q", k, got[k], want)
		}
	}
}

// listed returns the ids of the opportunities in the page's list, in order.
func listed(body string) []int64 {
	var ids []int64
	for _, m := range regexp.MustCompile(`<tr id="o(\d+)"`).FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// sameIDs fails unless the page lists exactly the opportunities os, by close date.
func sameIDs(t *testing.T, body string, os []*crm.Opportunity) {
	t.Helper()
	sorted := slices.Clone(os)
	slices.SortFunc(sorted, func(a, b *crm.Opportunity) int {
		if c := a.Close.Compare(b.Close); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	var want []int64
	for _, o := range sorted {
		want = append(want, o.ID)
	}
	if got := listed(body); !slices.Equal(got, want) {
		t.Errorf("the list shows %v, want %v (by close date)", got, want)
	}
}

func TestPipelineSalesmanSeesHisOwn(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	st, body := c.Get("/pipeline")
	if st != 200 {
		t.Fatalf("status %d", st)
	}
	mine := openIn(oppsOwnedBy(t, e, "Wang Jun"), time.Time{}, time.Time{})
	if len(mine) < 3 {
		t.Fatalf("the demo gives Wang %d open opportunities", len(mine))
	}
	sameIDs(t, body, mine)
	checkStages(t, body, mine, "en")
	mustContain(t, body, "Pipeline", "your opportunities", `href="/account/`, "Won, lost and no-deal opportunities are not counted here")
	// a salesman has no one to filter on, and sees no one else's
	mustNotContain(t, body, `name="salesman"`, "Li Na", "Zhao Lei", "大连重工机械", "Dalian Harbour Dredging")
	for _, o := range oppsOwnedBy(t, e, "Li Na", "Zhao Lei", "Ma Qiang") {
		mustNotContain(t, body, `id="o`+itoa(o.ID)+`"`, `href="/opp/`+itoa(o.ID)+`"`)
	}
	// each row: its account linked, its amount as the SMS writes it
	o := mine[0]
	var acct string
	e.view("Wang Jun", func(tx *crm.Tx) error {
		a, err := tx.Account(o.Account)
		acct = a.Name
		return err
	})
	row := regexp1(`(?s)(<tr id="o`+itoa(o.ID)+`".*?</tr>)`, body)
	mustContain(t, row, `href="/account/`+itoa(o.Account)+`"`, html.EscapeString(acct), templates.Money(int64(o.Amount), "en"),
		templates.WebText("en", "opp.stage."+strconv.Itoa(int(o.Stage))), templates.Date(o.Close.In(shanghai), "en"))

	// a salesman who puts another's id in the address gets his own page
	_, body = c.Get("/pipeline?salesman=" + itoa(e.Users["Li Na"].ID))
	sameIDs(t, body, mine)
	mustNotContain(t, body, "Li Na")
}

func TestPipelineManagerSeesHisTeamAndFilters(t *testing.T) {
	e := start(t)
	c := e.signIn("Liu Yang")
	_, body := c.Get("/pipeline")
	team := openIn(oppsOwnedBy(t, e, "Liu Yang", "Wang Jun", "Li Na", "Zhao Lei"), time.Time{}, time.Time{})
	sameIDs(t, body, team)
	checkStages(t, body, team, "en")
	mustContain(t, body, "your team&#39;s opportunities", `name="salesman"`, ">Wang Jun</option>", ">Li Na</option>", ">Zhao Lei</option>", ">Liu Yang</option>")
	mustNotContain(t, body, "Sun Tao", "Ma Qiang", "大连重工机械")

	// the same figures as the funnel report for his team
	var fu *report.FunnelReport
	e.view("Liu Yang", func(tx *crm.Tx) error {
		var err error
		fu, err = report.Funnel(tx, report.Filter{Owners: []int64{e.Users["Liu Yang"].ID, e.Users["Wang Jun"].ID, e.Users["Li Na"].ID, e.Users["Zhao Lei"].ID},
			Loc: shanghai})
		return err
	})
	if got := stageTable(t, body)["open"]; got[0] != strconv.Itoa(fu.Open.Count) || got[2] != templates.Money(int64(fu.Open.Weighted), "en") {
		t.Errorf("open total %q, the funnel report says %d, weighted %s", got, fu.Open.Count, templates.Money(int64(fu.Open.Weighted), "en"))
	}

	// one salesman
	li := e.Users["Li Na"]
	_, body = c.Get("/pipeline?salesman=" + itoa(li.ID))
	hers := openIn(oppsOwnedBy(t, e, "Li Na"), time.Time{}, time.Time{})
	sameIDs(t, body, hers)
	checkStages(t, body, hers, "en")
	mustContain(t, body, `<option value="`+itoa(li.ID)+`" selected>Li Na</option>`)

	// a salesman of another branch: not his to see, the filter is dropped and nothing of Dalian shows
	_, body = c.Get("/pipeline?salesman=" + itoa(e.Users["Ma Qiang"].ID))
	mustContain(t, body, "not one whose opportunities you may see")
	sameIDs(t, body, team)
	mustNotContain(t, body, "Ma Qiang", "大连重工机械")

	// a stage's link lists that stage only; the table keeps every stage
	_, body = c.Get("/pipeline?stage=3")
	var dev []*crm.Opportunity
	for _, o := range team {
		if o.Stage == crm.StageDevelopment {
			dev = append(dev, o)
		}
	}
	sameIDs(t, body, dev)
	checkStages(t, body, team, "en")
}

func TestPipelineDalianManagerInChinese(t *testing.T) {
	e := start(t)
	c := e.signIn("Sun Tao")
	_, body := c.Get("/pipeline")
	theirs := openIn(oppsOwnedBy(t, e, "Sun Tao", "Ma Qiang"), time.Time{}, time.Time{})
	if len(theirs) == 0 {
		t.Fatal("the demo gives Dalian no opportunities")
	}
	sameIDs(t, body, theirs)
	checkStages(t, body, theirs, "zh")
	mustContain(t, body, "商机管道", "团队商机", "预计成交", "加权金额", "大连重工机械", "万", "确认", "开发", "报价", ">Ma Qiang</option>")
	for _, o := range oppsOwnedBy(t, e, "Wang Jun", "Li Na", "Zhao Lei") {
		mustNotContain(t, body, `id="o`+itoa(o.ID)+`"`)
	}
	mustNotContain(t, body, "ACME", "Wang Jun", "Li Na", "Pipeline", "Weighted")
}

func TestPipelinePeriodFilter(t *testing.T) {
	e := start(t)
	c := e.signIn("Liu Yang")
	all := oppsOwnedBy(t, e, "Liu Yang", "Wang Jun", "Li Na", "Zhao Lei")
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)
	april := time.Date(2026, 4, 1, 0, 0, 0, 0, shanghai)
	july := time.Date(2026, 7, 1, 0, 0, 0, 0, shanghai)
	cases := []struct {
		period   string
		from, to time.Time
		covers   string
	}{
		{"month", march, april, "from 1/3 to 31/3"},
		{"quarter", time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai), april, "from 1/1 to 31/3"},
		{"next", april, july, "from 1/4 to 30/6"},
		{"all", time.Time{}, time.Time{}, "Every open opportunity"},
	}
	sets := map[string][]int64{}
	for _, cs := range cases {
		_, body := c.Get("/pipeline?period=" + cs.period)
		want := openIn(all, cs.from, cs.to)
		if len(want) == 0 {
			t.Fatalf("%s: the demo has nothing closing then", cs.period)
		}
		sameIDs(t, body, want)
		checkStages(t, body, want, "en")
		mustContain(t, body, cs.covers, `<option value="`+cs.period+`" selected>`)
		sets[cs.period] = listed(body)
	}
	if slices.Equal(sets["month"], sets["next"]) || len(sets["all"]) <= len(sets["next"]) {
		t.Errorf("the period does not change the set: %v", sets)
	}

	// closed deals: apart, for this month and this quarter, by the day they closed
	o := openIn(all, march, april)[0]
	c.Get("/pipeline")
	c.PostFollow("/do", url.Values{"command": {"OPP #" + itoa(o.ID) + " won"}, "back": {"/pipeline"}})
	_, body := c.Get("/pipeline?period=month")
	mustContain(t, body, "Closed this month")
	if got := stageTable(t, body)["5"]; got[0] != "1" || got[1] != templates.Money(int64(o.Amount), "en") {
		t.Errorf("closed won this month: %q, want 1 of %s", got, templates.Money(int64(o.Amount), "en"))
	}
	mustNotContain(t, body, `id="o`+itoa(o.ID)+`"`)
	checkStages(t, body, openIn(oppsOwnedBy(t, e, "Liu Yang", "Wang Jun", "Li Na", "Zhao Lei"), march, april), "en")
	_, body = c.Get("/pipeline?period=next")
	mustContain(t, body, "Won, lost and no-deal opportunities are not counted here")
	mustNotContain(t, body, `id="closed"`)
}
