package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/templates"
	"github.com/fieldcrm/fieldcrm/web"
)

// The Team page of a manager of 30 salesmen with 1,000 activities each
// (30,000: years of done visits, calls and meetings, 15% open, some of them
// overdue, assigned and escalated), built once per benchmark process
// (NoSync), beside the SMS TEAM answered through the pipeline in the same
// run. Run:
//
//	go test ./web -run '^$' -bench 'BenchmarkTeam' -benchtime 200x
//
// or one of them:
//
//	go test ./web -run '^$' -bench BenchmarkTeamPage -benchtime 300x
const (
	teamBenchSalesmen = 30
	benchActsPerSales = 1000
)

var teamBench struct {
	once  sync.Once
	e     *env
	c     *client
	built time.Duration
	err   error
}

func benchTeamEnv(b *testing.B) (*env, *client) {
	teamBench.once.Do(func() {
		t0 := time.Now()
		teamBench.e, teamBench.err = buildTeamBench()
		teamBench.built = time.Since(t0)
		if teamBench.err == nil {
			teamBench.e.t = b
			teamBench.c = teamBench.e.signIn("Manager Bench")
		}
	})
	if teamBench.err != nil {
		b.Fatal(teamBench.err)
	}
	teamBench.e.t = b
	return teamBench.e, teamBench.c
}

// buildTeamBench makes the store in a directory of its own: it lives as long
// as the benchmark process (the files are unlinked at once; the open store
// keeps them).
func buildTeamBench() (*env, error) {
	dir, err := os.MkdirTemp("", "fieldcrm-teambench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ck := &clock{t: testNow}
	st, err := crm.Open(filepath.Join(dir, "crm.db"), crm.Options{Now: ck.Now, Location: shanghai, NoSync: true})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	meta := crm.Meta{Actor: crm.System, Channel: "import", Summary: "bench"}
	team := crm.Base{Branch: "shenyang", Dept: "machines"}
	mgr := &crm.User{Base: team, Name: "Manager Bench", Phones: []string{"+8613900000000"}, Role: crm.RoleSalesManager, Locale: "en"}
	var sales []*crm.User
	var accts [][]int64 // per salesman
	if _, err := st.Update(ctx, meta, func(tx *crm.Tx) error {
		if err := tx.SaveUser(mgr); err != nil {
			return err
		}
		for i := 0; i < teamBenchSalesmen; i++ {
			u := &crm.User{Base: team, Name: fmt.Sprintf("Salesman %02d", i+1), Phones: []string{fmt.Sprintf("+86139000001%02d", i)},
				Role: crm.RoleSalesman, Manager: mgr.ID, Locale: "en"}
			if err := tx.SaveUser(u); err != nil {
				return err
			}
			sales = append(sales, u)
			var ids []int64
			for j := 0; j < 20; j++ {
				a := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: fmt.Sprintf("Bench Quarry %02d-%02d", i+1, j+1), City: "Shenyang"}
				c := &crm.Contact{Base: crm.Base{Owner: u.ID}, Name: fmt.Sprintf("Contact %02d-%02d", i+1, j+1),
					Mobile: fmt.Sprintf("1390%03d%04d", i, j)}
				if err := tx.CreateAccount(a, c); err != nil {
					return err
				}
				ids = append(ids, a.ID)
			}
			accts = append(accts, ids)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	types := []string{crm.ActVisit, crm.ActVisit, crm.ActCall, crm.ActCall, crm.ActCall, crm.ActMeeting, crm.ActRevisit, crm.ActTask, crm.ActNote, crm.ActEmail}
	for i, u := range sales {
		if _, err := st.Update(ctx, meta, func(tx *crm.Tx) error {
			for j := 0; j < benchActsPerSales; j++ {
				a := &crm.Activity{Base: crm.Base{Owner: u.ID}, Type: types[j%len(types)], Account: accts[i][j%20],
					Subject: fmt.Sprintf("bench %d", j)}
				if j%100 < 85 { // done, over the last ~2 years
					a.Status = crm.StatusDone
					a.DoneAt = testNow.Add(-time.Duration(j*17%(700*24)) * time.Hour)
					a.Outcome = "ok"
				} else { // open: from 3 weeks overdue to a month ahead
					a.Due = testNow.Add(time.Duration(j*7%(51*24)-21*24) * time.Hour)
					if j%5 == 0 {
						a.AssignedBy, a.AssignedAt, a.Priority = mgr.ID, testNow.AddDate(0, 0, -4), crm.PriorityUrgent
					}
				}
				if err := tx.CreateActivity(a); err != nil {
					return err
				}
				if a.AssignedBy != 0 && j%10 == 0 {
					if _, err := tx.MarkEscalated(a.ID, testNow.AddDate(0, 0, -3)); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	tpl, err := templates.New()
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pipe, err := gateway.New(gateway.Config{Store: st, Templates: tpl, Log: log, Now: ck.Now})
	if err != nil {
		return nil, err
	}
	w, err := web.New(web.Config{Store: st, Pipeline: pipe, Templates: tpl, Log: log, Now: ck.Now})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	w.Register(mux)
	e := &env{Store: st, Web: w, Srv: httptest.NewServer(mux), Clock: ck, Users: map[string]*crm.User{mgr.Name: mgr}}
	for _, u := range sales {
		e.Users[u.Name] = u
	}
	return e, nil
}

// teamPct returns the p-th percentile of ds (sorted in place).
func teamPct(ds []time.Duration, p float64) time.Duration {
	slices.Sort(ds)
	i := int(float64(len(ds)-1) * p)
	return ds[i]
}

func teamMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkTeamPage renders /team for the manager (over loopback HTTP, as a
// browser gets it) and, in the same iterations, answers his SMS TEAM
// through the pipeline: p50/p99 of each and their ratio; and the page's crm
// read alone (crm.Tx.TeamFigures). ns/op is the page only.
func BenchmarkTeamPage(b *testing.B) {
	e, c := benchTeamEnv(b)
	st, body := c.Get("/team")
	if st != http.StatusOK || strings.Count(body, `<tr id="u`) != teamBenchSalesmen {
		b.Fatalf("/team: %d, %d rows", st, strings.Count(body, `<tr id="u`))
	}
	reply := e.sms("Manager Bench", "TEAM") // his first message of the day opens it
	if !strings.Contains(reply, "Salesman 01") {
		b.Fatalf("TEAM: %q", reply)
	}
	page := make([]time.Duration, 0, b.N)
	sms := make([]time.Duration, 0, b.N)
	figs := make([]time.Duration, 0, b.N)
	mgr := e.Users["Manager Bench"]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if st, _ := c.Get("/team"); st != http.StatusOK {
			b.Fatalf("/team: %d", st)
		}
		page = append(page, time.Since(t0))
		b.StopTimer()
		t0 = time.Now()
		e.sms("Manager Bench", "TEAM")
		sms = append(sms, time.Since(t0))
		// the page's crm part alone: what the rest (HTTP, session, template) adds
		t0 = time.Now()
		if err := e.Store.View(mgr, func(tx *crm.Tx) error { _, err := tx.TeamFigures(shanghai); return err }); err != nil {
			b.Fatal(err)
		}
		figs = append(figs, time.Since(t0))
		b.StartTimer()
	}
	b.StopTimer()
	p50, p99, s50, s99 := teamPct(page, .5), teamPct(page, .99), teamPct(sms, .5), teamPct(sms, .99)
	b.ReportMetric(teamMs(p50), "page-p50-teamMs")
	b.ReportMetric(teamMs(p99), "page-p99-teamMs")
	b.ReportMetric(teamMs(s50), "sms-TEAM-p50-teamMs")
	b.ReportMetric(teamMs(s99), "sms-TEAM-p99-teamMs")
	b.ReportMetric(float64(p50)/float64(s50), "page/sms-p50")
	b.ReportMetric(float64(p99)/float64(s99), "page/sms-p99")
	b.ReportMetric(teamMs(teamPct(figs, .5)), "crm-TeamFigures-p50-teamMs")
	b.ReportMetric(teamBench.built.Seconds(), "build-s")
	b.ReportMetric(float64(len(body)), "page-bytes")
}

// BenchmarkTeamMemberPage renders one salesman's page (/team/{id}: his 150
// open activities, each with its forms) beside the manager's SMS
// "TODAY <name>" through the pipeline, in the same iterations.
func BenchmarkTeamMemberPage(b *testing.B) {
	e, c := benchTeamEnv(b)
	u := e.Users["Salesman 07"]
	path := "/team/" + itoa(u.ID)
	st, body := c.Get(path)
	if st != http.StatusOK || !strings.Contains(body, `<li class="item`) {
		b.Fatalf("%s: %d", path, st)
	}
	e.sms("Manager Bench", "TODAY salesman 07")
	page := make([]time.Duration, 0, b.N)
	sms := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if st, _ := c.Get(path); st != http.StatusOK {
			b.Fatalf("%s: %d", path, st)
		}
		page = append(page, time.Since(t0))
		b.StopTimer()
		t0 = time.Now()
		e.sms("Manager Bench", "TODAY salesman 07")
		sms = append(sms, time.Since(t0))
		b.StartTimer()
	}
	b.StopTimer()
	p50, p99, s50, s99 := teamPct(page, .5), teamPct(page, .99), teamPct(sms, .5), teamPct(sms, .99)
	b.ReportMetric(teamMs(p50), "page-p50-teamMs")
	b.ReportMetric(teamMs(p99), "page-p99-teamMs")
	b.ReportMetric(teamMs(s50), "sms-TODAY-p50-teamMs")
	b.ReportMetric(teamMs(s99), "sms-TODAY-p99-teamMs")
	b.ReportMetric(float64(p50)/float64(s50), "page/sms-p50")
	b.ReportMetric(float64(strings.Count(body, `<li class="item`)), "items")
	b.ReportMetric(float64(len(body)), "page-bytes")
}
