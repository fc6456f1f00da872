package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"github.com/fieldcrm/fieldcrm/internal/demodata"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

var repShanghai = time.FixedZone("CST", 8*3600)

// repDemoDB seeds the demo database at seeded, then closes two opportunities
// (one won, one lost to Komatsu) so that the report shows closed figures.
func repDemoDB(t *testing.T, seeded time.Time) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.db")
	st, err := openDB(path, crm.Options{Now: func() time.Time { return seeded }, Location: repShanghai, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := demodata.Seed(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	var opps []*crm.Opportunity
	st.View(crm.System, func(tx *crm.Tx) error {
		return tx.OppsByStage(crm.StageProposal, func(o *crm.Opportunity) bool { opps = append(opps, o); return len(opps) < 2 })
	})
	if len(opps) < 2 {
		t.Fatalf("demo has %d opportunities at proposal", len(opps))
	}
	_, err = st.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test", Summary: "close two"}, func(tx *crm.Tx) error {
		if _, err := tx.SetOppStage(opps[0].ID, crm.StageMove{To: crm.StageWon}); err != nil {
			return err
		}
		_, err := tx.SetOppStage(opps[1].ID, crm.StageMove{To: crm.StageLost, Competitor: "Komatsu", Reason: "price 8% lower"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReportCLI runs fieldcrm report on the demo database in each format.
func TestReportCLI(t *testing.T) {
	db := repDemoDB(t, time.Date(2026, 11, 18, 10, 0, 0, 0, repShanghai))
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"report", "funnel", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "won                 1   1,490,000.00") || !strings.Contains(out.String(), "open total") {
		t.Errorf("funnel:\n%s", out.String())
	}
	for _, f := range []string{"csv", "xlsx", "html"} {
		o := filepath.Join(t.TempDir(), "r."+f)
		out.Reset()
		if code := run(context.Background(), []string{"report", "lost", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "-o", o}, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", f, code, errb.String())
		}
		b, err := os.ReadFile(o)
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %v", f, err)
		}
		if f != "xlsx" && !bytes.Contains(b, []byte("Komatsu")) {
			t.Errorf("%s: no Komatsu in\n%s", f, b)
		}
	}
	// a salesman's access level: his own opportunities only
	out.Reset()
	if code := run(context.Background(), []string{"report", "funnel", "--db", db, "--as", "Wang Jun"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run(context.Background(), []string{"report", "nosuch", "--db", db}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "unknown report") {
		t.Errorf("unknown report: exit %d, %s", code, errb.String())
	}
}

// TestReportWeeklyEmail runs the weekly job on the demo database and checks
// the outbox email: the report's HTML table, the chart's Content-ID and the
// PNG in the headers. With REPORT_DOCS=dir it writes the email and the chart
// there (docs/reports was made so).
func TestReportWeeklyEmail(t *testing.T) {
	db := repDemoDB(t, time.Date(2026, 11, 18, 10, 0, 0, 0, repShanghai))
	at := time.Date(2026, 11, 23, 7, 0, 0, 0, repShanghai)
	st, s, err := jobOpen(db, at, true, repShanghai)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := s.Weekly(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	// one per branch manager: Liu Yang (Shenyang) and Sun Tao (Dalian)
	if c["email"] != 2 {
		t.Fatalf("counts %v, want 2 emails", c)
	}
	es, err := outbox.List(st.Engine(), outbox.Filter{Channel: outbox.ChannelEmail, To: "liu.yang@dealer.example"})
	if err != nil || len(es) != 1 {
		t.Fatalf("%d emails to Liu Yang, %v", len(es), err)
	}
	e := es[0]
	if e.Headers[report.HeaderInlineCID] != report.ChartCID || !strings.Contains(e.HTML, `src="cid:`+report.ChartCID+`"`) {
		t.Errorf("chart not referenced: headers %v", e.Headers[report.HeaderInlineCID])
	}
	pngBytes, err := base64.StdEncoding.DecodeString(e.Headers[report.HeaderInlinePNG])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil || img.Bounds().Dx() != report.ChartWidth {
		t.Fatalf("chart: %v", err)
	}
	for _, want := range []string{"weekly report, week 47", "Komatsu", "Wang Jun", "Participation", "close rate 50.0%",
		"count, amount, weighted (¥ million)", "2027-01: 6, 22.05, weighted 7.21", "<th>Amount (¥ million)</th>", "won 1 (¥1.49 million)"} {
		if !strings.Contains(e.Subject+e.HTML+e.Text, want) {
			t.Errorf("email lacks %q:\n%s", want, e.Text)
		}
	}
	if dir := os.Getenv("REPORT_DOCS"); dir != "" {
		html := strings.Replace(e.HTML, `src="cid:`+report.ChartCID+`"`, `src="weekly-chart.png"`, 1)
		os.WriteFile(filepath.Join(dir, "weekly-email.html"), []byte(html), 0o644)
		os.WriteFile(filepath.Join(dir, "weekly-email.txt"), []byte("Subject: "+e.Subject+"\n\n"+e.Text), 0o644)
		os.WriteFile(filepath.Join(dir, "weekly-chart.png"), pngBytes, 0o644)
	}
}
