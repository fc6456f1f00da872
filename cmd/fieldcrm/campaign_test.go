package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

func campRun(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errb.String())
	}
	return out.String()
}

// TestCampaignCLI creates and changes a campaign, imports two responses
// from CSV, turns one into a lead and checks it in the campaign ROI report.
func TestCampaignCLI(t *testing.T) {
	db := repDemoDB(t, time.Date(2026, 11, 18, 10, 0, 0, 0, repShanghai))
	campRun(t, "campaign", "add", "--db", db, "--name", "Quarry Days", "--owner", "Liu Yang", "--objective", "demo days",
		"--segment", "quarries", "--products", "320D, 950H", "--budget", "50,000", "--start", "2026-11-01", "--end", "2026-11-30", "--tasks", "book hall; invite 40")
	campRun(t, "campaign", "set", "Quarry Days", "--db", db, "--cost", "12000.50")
	csvFile := filepath.Join(t.TempDir(), "resp.csv")
	os.WriteFile(csvFile, []byte("person,phone,note\nZhao Gang,13912345678,wants 2x 320D\nQian Li,,brochure\n"), 0o644)
	if out := campRun(t, "campaign", "import", "Quarry Days", csvFile, "--db", db); !strings.Contains(out, "recorded 2 responses") {
		t.Errorf("import: %s", out)
	}
	if out := campRun(t, "campaign", "lead", "Quarry Days", "1", "--db", db); !strings.Contains(out, "response #1 is now lead #") {
		t.Errorf("lead: %s", out)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"campaign", "lead", "Quarry Days", "1", "--db", db}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "already lead") {
		t.Errorf("second lead from one response: exit %d %s", code, errb.String())
	}
	list := campRun(t, "campaign", "list", "--db", db)
	if !strings.Contains(list, "Quarry Days") || !strings.Contains(list, "50000.00") || !strings.Contains(list, "12000.50") {
		t.Errorf("list:\n%s", list)
	}
	st, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var c *crm.Campaign
	st.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindCampaign, func(r crm.Record) bool {
			if x := r.(*crm.Campaign); x.Name == "Quarry Days" {
				c = x
			}
			return true
		})
	})
	st.Close()
	if c == nil || len(c.Products) != 2 || len(c.Tasks) != 2 || c.Responses[0].Lead == 0 || c.Segment != "quarries" {
		t.Fatalf("stored campaign %+v", c)
	}
	rep := campRun(t, "report", "campaigns", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30")
	if !strings.Contains(rep, "Quarry Days  12,000.50          2      1") {
		t.Errorf("campaign ROI:\n%s", rep)
	}
}
