package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/templates"
	"github.com/fieldcrm/fieldcrm/web"
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
	pipeCellRE = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
)

// stageTable reads the stage table (and the closed one) of a pipeline page:
// by row id ("1"…"7", "open"), the number cells.
func stageTable(t *testing.T, body string) map[string]stageCells {
	t.Helper()
	out := map[string]stageCells{}
	for _, m := range stageRowRE.FindAllStringSubmatch(body, -1) {
		cells := pipeCellRE.FindAllStringSubmatch(m[2], -1)
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

// benchPipeline is the benchmark's world, built once per process: a
// manager of 30 salesmen (3,000 opportunities on 900 accounts), and beside
// them another branch (a manager, 5 salesmen, 500 opportunities) that his
// pages must leave out.
var benchSeq atomic.Int64 // message ids of the benchmark's SMS

var benchPipeline struct {
	once sync.Once
	e    *env
	c    *client // signed in as the manager
	mgr  *crm.User
	pipe *gateway.Pipeline
	err  error
}

func benchWorld(b *testing.B) {
	bp := &benchPipeline
	bp.once.Do(func() {
		dir, err := os.MkdirTemp("", "fieldcrm-bench-pipeline")
		if err != nil {
			bp.err = err
			return
		}
		ck := &clock{t: testNow}
		st, err := crm.Open(filepath.Join(dir, "crm.db"), crm.Options{Now: ck.Now, Location: shanghai, NoSync: true})
		if err != nil {
			bp.err = err
			return
		}
		start := time.Now()
		if bp.err = seedBench(st, testNow); bp.err != nil {
			return
		}
		b.Logf("built 36 salesmen, 1,050 accounts, 3,500 opportunities in %v", time.Since(start).Round(time.Millisecond))
		tpl, err := templates.New()
		if err != nil {
			bp.err = err
			return
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		bp.pipe, bp.err = gateway.New(gateway.Config{Store: st, Templates: tpl, Log: log, Now: ck.Now})
		if bp.err != nil {
			return
		}
		w, err := web.New(web.Config{Store: st, Pipeline: bp.pipe, Templates: tpl, Log: log, Now: ck.Now})
		if err != nil {
			bp.err = err
			return
		}
		mux := http.NewServeMux()
		w.Register(mux)
		srv := httptest.NewServer(mux) // lives as long as the process
		bp.e = &env{t: b, Store: st, Web: w, Srv: srv, Clock: ck, Users: map[string]*crm.User{}}
		st.View(crm.System, func(tx *crm.Tx) error {
			return tx.Each(crm.KindUser, func(r crm.Record) bool {
				u := r.(*crm.User)
				bp.e.Users[u.Name] = u
				return true
			})
		})
		bp.mgr = bp.e.Users["Manager A"]
		bp.c = bp.e.signIn("Manager A")
	})
	if bp.err != nil {
		b.Fatal(bp.err)
	}
	bp.e.t = b
}

// seedBench fills st: branch A (Manager A, salesmen A01…A30, 30 accounts
// and 100 opportunities each) and branch B (Manager B, B01…B05, the same).
// Stages and close dates are spread over the funnel and the year around now.
func seedBench(st *crm.Store, now time.Time) error {
	ctx := context.Background()
	meta := crm.Meta{Actor: crm.System, Channel: "import", Summary: "bench seed"}
	phone := 13700000000
	for _, br := range []struct {
		branch, prefix string
		n              int
	}{{"a", "A", 30}, {"b", "B", 5}} {
		var sales []*crm.User
		_, err := st.Update(ctx, meta, func(tx *crm.Tx) error {
			team := crm.Base{Branch: br.branch, Dept: "machines"}
			phone++
			mgr := &crm.User{Base: team, Name: "Manager " + br.prefix, Phones: []string{"+86" + strconv.Itoa(phone)}, Role: crm.RoleSalesManager, Locale: "en"}
			if err := tx.SaveUser(mgr); err != nil {
				return err
			}
			for i := 1; i <= br.n; i++ {
				phone++
				u := &crm.User{Base: team, Name: fmt.Sprintf("%s%02d Salesman", br.prefix, i), Phones: []string{"+86" + strconv.Itoa(phone)},
					Role: crm.RoleSalesman, Manager: mgr.ID, Locale: "en"}
				if err := tx.SaveUser(u); err != nil {
					return err
				}
				sales = append(sales, u)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for si, u := range sales {
			_, err := st.Update(ctx, meta, func(tx *crm.Tx) error {
				var accts []int64
				for j := 0; j < 30; j++ {
					a := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: fmt.Sprintf("%s Customer %02d-%02d Mining", br.prefix, si, j), City: "Shenyang", Industry: "mining"}
					c := &crm.Contact{Base: crm.Base{Owner: u.ID}, Name: fmt.Sprintf("Buyer %d-%d", si, j), Mobile: fmt.Sprintf("139%04d%04d", si, j)}
					if err := tx.CreateAccount(a, c); err != nil {
						return err
					}
					accts = append(accts, a.ID)
				}
				for k := 0; k < 100; k++ {
					stage := crm.Stage(1 + (k*7+si)%7)
					o := &crm.Opportunity{Base: crm.Base{Owner: u.ID}, Account: accts[k%len(accts)],
						Products: []crm.ProductLine{{Model: []string{"320D", "336", "950H", "D6"}[k%4], Qty: 1 + k%3}},
						Amount:   crm.Money(int64(50+(k*37+si*11)%400) * 1_000_000), Close: now.AddDate(0, 0, -60+(k*13+si)%300),
						Stage: stage}
					if stage.Closed() {
						o.ClosedAt = now.AddDate(0, 0, -(k % 90))
					}
					if stage == crm.StageLost {
						o.LostTo, o.LostReason = "Komatsu", "price"
					}
					if err := tx.CreateOpp(o); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// BenchmarkPipelinePage renders the pipeline page of a manager of 30
// salesmen (3,000 opportunities, of which about 2,150 open) over HTTP, and
// beside it, in the same loop, answers the same manager's FUNNEL by SMS
// through the pipeline (the SMS path to the same figures). Reported: p50 and
// p99 of each, and the page's p50 as a multiple of the SMS answer's.
func BenchmarkPipelinePage(b *testing.B) {
	benchWorld(b)
	bp := &benchPipeline
	_, body := bp.c.Get("/pipeline")
	if !strings.Contains(body, "A30 Salesman") || strings.Contains(body, "B01 Salesman") || !strings.Contains(body, `rel="next"`) {
		b.Fatalf("not the team's page: %s", visible(body)[:500])
	}
	ctx := context.Background()
	page := make([]time.Duration, 0, b.N)
	sms := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if st, _ := bp.c.Get("/pipeline"); st != 200 {
			b.Fatalf("status %d", st)
		}
		t1 := time.Now()
		res, err := bp.pipe.Handle(ctx, gateway.Inbound{Channel: gateway.ChannelSMS, ID: fmt.Sprintf("bench-funnel-%d", benchSeq.Add(1)),
			From: bp.mgr.Phones[0], Body: "FUNNEL", Received: testNow}, gateway.Options{})
		t2 := time.Now()
		if err != nil || res.Code != "" {
			b.Fatalf("FUNNEL: %v %+v", err, res)
		}
		page = append(page, t1.Sub(t0))
		sms = append(sms, t2.Sub(t1))
	}
	b.StopTimer()
	pc := func(d []time.Duration, p float64) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[min(len(s)-1, int(float64(len(s))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pc(page, 0.50), "page-p50-ms")
	b.ReportMetric(pc(page, 0.99), "page-p99-ms")
	b.ReportMetric(pc(sms, 0.50), "sms-funnel-p50-ms")
	b.ReportMetric(pc(sms, 0.99), "sms-funnel-p99-ms")
	b.ReportMetric(pc(page, 0.50)/pc(sms, 0.50), "page/sms-p50")
}

// The period is the reader's: his time zone, the injected clock. At 01:00
// on 1 April in Shenyang it is still March in Berlin.
func TestPipelinePeriodInTheUsersTimeZone(t *testing.T) {
	e := start(t)
	e.Clock.Add(time.Date(2026, 4, 1, 1, 0, 0, 0, shanghai).Sub(testNow))
	_, err := e.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "cli", Summary: "tz"}, func(tx *crm.Tx) error {
		u, err := tx.User(e.Users["Liu Yang"].ID)
		if err != nil {
			return err
		}
		u.TZ = "Europe/Berlin"
		return tx.SaveUser(u)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, body := e.signIn("Liu Yang").Get("/pipeline?period=month")
	mustContain(t, body, "from 1/3 to 31/3")
	_, body = e.signIn("Wang Jun").Get("/pipeline?period=month")
	mustContain(t, body, "from 1/4 to 30/4")
	april := time.Date(2026, 4, 1, 0, 0, 0, 0, shanghai)
	sameIDs(t, body, openIn(oppsOwnedBy(t, e, "Wang Jun"), april, april.AddDate(0, 1, 0)))
	// and what was to close before today is flagged as past its date
	_, body = e.signIn("Wang Jun").Get("/pipeline")
	lates := 0
	for _, o := range openIn(oppsOwnedBy(t, e, "Wang Jun"), time.Time{}, time.Time{}) {
		row := regexp1(`(?s)(<tr id="o`+itoa(o.ID)+`".*?</tr>)`, body)
		late := strings.Contains(row, `class="late"`)
		if late != o.Close.Before(april) {
			t.Errorf("#%d closing %v: flagged late %v", o.ID, o.Close, late)
		}
		if late {
			lates++
			mustContain(t, row, ">past</span>")
		}
	}
	if lates == 0 {
		t.Error("nothing of Wang's is past its close date on 1 April")
	}
}

// An administrator sees every branch and may filter on anyone who owns a deal.
func TestPipelineAdministratorSeesAll(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	_, body := c.Get("/pipeline")
	all := openIn(oppsOwnedBy(t, e, "Wang Jun", "Li Na", "Zhao Lei", "Ma Qiang"), time.Time{}, time.Time{})
	sameIDs(t, body, all)
	checkStages(t, body, all, "en")
	mustContain(t, body, "every opportunity you may see", ">Ma Qiang</option>", ">Wang Jun</option>", "大连重工机械")
	mustNotContain(t, body, ">Liu Yang</option>", ">Sun Tao</option>") // they own none
	_, body = c.Get("/pipeline?salesman=" + itoa(e.Users["Ma Qiang"].ID))
	sameIDs(t, body, openIn(oppsOwnedBy(t, e, "Ma Qiang"), time.Time{}, time.Time{}))
}
