package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

const benchRows = 500

// BenchmarkAdminImportPreview: the web preview of a 2,000-row accounts file
// (upload, read, check every row, keep the file) beside its baseline, the
// same check as `fieldcrm import` makes it (csvio.Import, dry run), in the
// same run. The ratio is reported as x_baseline.
func BenchmarkAdminImportPreview(b *testing.B) {
	e := start(b)
	c := e.signIn("Zhou Min")
	var sb strings.Builder
	sb.WriteString("客户名称,电话,负责人,联系人,联系电话\n")
	for i := 0; i < benchRows; i++ {
		fmt.Fprintf(&sb, "测试客户%04d,024-2%07d,Wang Jun,张工%d,139%08d\n", i, 2000000+i, i, 10000000+i)
	}
	file := sb.String()
	t, err := csvio.ReadCSV(strings.NewReader(file))
	if err != nil {
		b.Fatal(err)
	}
	meta := crm.Meta{Actor: e.Users["Zhou Min"], Channel: "web", Import: true}
	base := func() {
		res, err := csvio.Import(context.Background(), e.Store, "accounts", t, csvio.Options{DryRun: true, Meta: meta})
		if err != nil || res.Created != benchRows {
			b.Fatalf("%+v %v", res, err)
		}
	}
	web := func() {
		st, body := c.postFile("/admin/import", url.Values{"kind": {"accounts"}}, "big.csv", file)
		if st != http.StatusOK || !strings.Contains(body, fmt.Sprintf("would create %d", benchRows)) {
			b.Fatalf("%d %s", st, visible(body))
		}
	}
	c.Get("/admin/import")
	var baseT, webT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		base()
		t1 := time.Now()
		web()
		baseT += t1.Sub(t0)
		webT += time.Since(t1)
	}
	b.ReportMetric(float64(baseT.Microseconds())/float64(b.N)/1000, "baseline_ms/op")
	b.ReportMetric(float64(webT.Microseconds())/float64(b.N)/1000, "web_ms/op")
	b.ReportMetric(float64(webT)/float64(baseT), "x_baseline")
}
