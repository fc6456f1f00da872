package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
	"github.com/fieldcrm/fieldcrm/crm/report"
)

// closeSome closes opportunities by SMS commands carried out as their
// owners: Wang wins one and loses one to Komatsu, Ma Qiang (Dalian) loses
// one to Sany and wins one, so that every report has closed deals in both
// branches.
func closeSome(t *testing.T, e *env) {
	t.Helper()
	opps := func(name string) []int64 {
		var ids []int64
		e.view(name, func(tx *crm.Tx) error {
			return tx.OwnedBy(crm.KindOpp, e.Users[name].ID, func(r crm.Record) bool {
				ids = append(ids, r.(*crm.Opportunity).ID)
				return true
			})
		})
		if len(ids) < 2 {
			t.Fatalf("%s has %d opportunities", name, len(ids))
		}
		return ids
	}
	w, m := opps("Wang Jun"), opps("Ma Qiang")
	for _, c := range []struct{ who, cmd string }{
		{"Wang Jun", "OPP #" + itoa(w[0]) + " won"},
		{"Wang Jun", "OPP #" + itoa(w[1]) + " lost komatsu; price too high"},
		{"Ma Qiang", "OPP #" + itoa(m[0]) + " lost sany; delivery time"},
		{"Ma Qiang", "OPP #" + itoa(m[1]) + " won"},
	} {
		res, err := e.Web.Do(context.Background(), e.Users[c.who], "", c.cmd)
		if err != nil || res.Code != "" {
			t.Fatalf("%s: %q: %v %+v", c.who, c.cmd, err, res)
		}
	}
}

// cli computes the report as `fieldcrm report NAME --as USER` does: the same
// report.Run in a read transaction of the user.
func cli(t *testing.T, e *env, as, name string, f report.Filter) *report.Table {
	t.Helper()
	var tab *report.Table
	e.view(as, func(tx *crm.Tx) error {
		var err error
		tab, err = report.Run(tx, name, f)
		return err
	})
	return tab
}

// march is the period the tests ask for: 1 to 10 March 2026 (testNow's
// month up to today), as [From, To).
func march() report.Filter {
	return report.Filter{From: time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai), To: time.Date(2026, 3, 11, 0, 0, 0, 0, shanghai), Loc: shanghai}
}

const marchQuery = "?period=range&from=2026-03-01&to=2026-03-10"

var (
	tableRE = regexp.MustCompile(`(?s)<table class="report" id="report">(.*?)</table>`)
	rowRE   = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellRE  = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
)

// pageTable reads the report table of a page: header row first.
func pageTable(t *testing.T, body string) [][]string {
	t.Helper()
	m := tableRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no report table:\n%s", visible(body))
	}
	var out [][]string
	for _, r := range rowRE.FindAllStringSubmatch(m[1], -1) {
		var row []string
		for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
			row = append(row, html.UnescapeString(c[1]))
		}
		out = append(out, row)
	}
	return out
}

// shown is the table as the page must show it: amounts and counts grouped.
func shown(tab *report.Table) [][]string {
	out := [][]string{tab.Columns}
	for i, r := range tab.Rows {
		row := make([]string, len(r))
		for j, c := range r {
			row[j] = c
			if i < len(tab.Types) && j < len(tab.Types[i]) && (tab.Types[i][j] == csvio.MoneyCell || tab.Types[i][j] == csvio.IntCell) {
				row[j] = report.Group(c)
			}
		}
		out = append(out, row)
	}
	return out
}

func sameRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d:\ngot  %q\nwant %q", what, len(got), len(want), got, want)
		return
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("%s: row %d\ngot  %q\nwant %q", what, i, got[i], want[i])
		}
	}
}

// TestReportPagesEqualCLI: every report's page, CSV and Excel for the
// manager (and the administrator) hold the figures report.Run computes for
// the same period and reader, as `fieldcrm report NAME --as liu` does.
func TestReportPagesEqualCLI(t *testing.T) {
	e := start(t)
	closeSome(t, e)
	for _, who := range []string{"Liu Yang", "Zhou Min"} {
		c := e.signIn(who)
		for _, name := range report.Names {
			t.Run(strings.Fields(who)[0]+"/"+name, func(t *testing.T) {
				want := cli(t, e, who, name, march())
				st, body := c.Get("/reports/" + name + marchQuery)
				if st != http.StatusOK {
					t.Fatalf("status %d: %s", st, visible(body))
				}
				sameRows(t, "page", pageTable(t, body), shown(want))

				// CSV: byte for byte what `fieldcrm report --format csv` writes
				st, got := c.Get("/reports/" + name + ".csv" + marchQuery)
				if st != http.StatusOK || c.Last.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
					t.Fatalf("csv: %d %q", st, c.Last.Header.Get("Content-Type"))
				}
				file := "fieldcrm-" + name + "-2026-03-01_2026-03-10.csv"
				if name == "forecast" || name == "accounts" { // now: today's date
					file = "fieldcrm-" + name + "-2026-03-10.csv"
				}
				if cd := c.Last.Header.Get("Content-Disposition"); cd != `attachment; filename="`+file+`"` {
					t.Errorf("csv disposition %q, want %s", cd, file)
				}
				var wb bytes.Buffer
				report.Write(&wb, "csv", want)
				if got != wb.String() {
					t.Errorf("csv differs from the CLI's:\n%s\nwant\n%s", got, wb.String())
				}
				recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(got, "\ufeff"))).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					for j, x := range r {
						if strings.HasPrefix(x, "'") {
							r[j] = x[1:] // csvio keeps a cell like "-" or "=" from being read as a formula
						}
					}
				}
				sameRows(t, "csv", recs, append([][]string{want.Columns}, want.Rows...))

				// Excel: opens, and holds the same cells (typed)
				st, got = c.Get("/reports/" + name + ".xlsx" + marchQuery)
				if st != http.StatusOK || c.Last.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
					t.Fatalf("xlsx: %d %q", st, c.Last.Header.Get("Content-Type"))
				}
				if cd := c.Last.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="fieldcrm-`+name+`-`) || !strings.HasSuffix(cd, `.xlsx"`) {
					t.Errorf("xlsx disposition %q", cd)
				}
				f, err := excelize.OpenReader(strings.NewReader(got))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				rows, err := f.GetRows(f.GetSheetList()[0])
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != len(want.Rows)+1 {
					t.Fatalf("xlsx has %d rows, want %d", len(rows), len(want.Rows)+1)
				}
				if strings.Join(rows[0], "|") != strings.Join(want.Columns, "|") {
					t.Errorf("xlsx header %q", rows[0])
				}
				for i, r := range want.Rows {
					for j, cell := range r {
						x := ""
						if j < len(rows[i+1]) {
							x = rows[i+1][j]
						}
						if !sameCell(x, cell) {
							t.Errorf("xlsx row %d col %d: %q, want %q", i+1, j, x, cell)
						}
					}
				}
			})
		}
	}
}

// sameCell compares an Excel cell as shown (¥1,234.00, 33.3%, 2026-03-08)
// with the table's cell (1234.00, 33.3, 2026-03-08).
func sameCell(xl, cell string) bool {
	if xl == cell {
		return true
	}
	num := strings.NewReplacer("¥", "", ",", "", "%", "").Replace(xl)
	a, err1 := strconv.ParseFloat(num, 64)
	b, err2 := strconv.ParseFloat(cell, 64)
	return err1 == nil && err2 == nil && a == b
}

// TestReportFunnelFigures checks the page against figures counted here,
// not only against report.Run: the manager's funnel counts his branch's
// open opportunities and the one won and one lost this month.
func TestReportFunnelFigures(t *testing.T) {
	e := start(t)
	closeSome(t, e)
	open := map[string]int{}
	e.view("Zhou Min", func(tx *crm.Tx) error {
		return tx.Each(crm.KindOpp, func(r crm.Record) bool {
			if o := r.(*crm.Opportunity); o.Branch == "shenyang" {
				open[o.Stage.String()]++
			}
			return true
		})
	})
	c := e.signIn("Liu Yang")
	_, body := c.Get("/reports/funnel")
	rows := pageTable(t, body)
	for _, r := range rows[1:] {
		if r[0] == "open total" {
			continue
		}
		if r[1] != strconv.Itoa(open[r[0]]) {
			t.Errorf("%s: page says %s, the store holds %d", r[0], r[1], open[r[0]])
		}
	}
	if open["won"] != 1 || open["lost"] != 1 {
		t.Fatalf("closeSome did not close: %v", open)
	}
	mustNotContain(t, body, "Ma Qiang", "dalian")
}

// TestReportChineseForLiNa: Li Na's pages are in Chinese: title, every
// column heading, stage names, totals; the chart too.
func TestReportChineseForLiNa(t *testing.T) {
	e := start(t)
	closeSome(t, e)
	c := e.signIn("Li Na")
	_, body := c.Get("/reports")
	mustContain(t, body, "报表", "销售漏斗", "本周", "上月", "指定日期", "仅统计您本人的数据")
	han := regexp.MustCompile(`\p{Han}`)
	for _, name := range report.Names {
		st, body := c.Get("/reports/" + name + marchQuery)
		if st != http.StatusOK {
			t.Fatalf("%s: %d %s", name, st, visible(body))
		}
		rows := pageTable(t, body)
		for _, h := range rows[0] {
			if !han.MatchString(h) {
				t.Errorf("%s: heading %q is not Chinese", name, h)
			}
		}
		mustContain(t, body, "下载", "CSV文件", "Excel表格")
	}
	_, body = c.Get("/reports/funnel")
	mustContain(t, body, "<h1>销售漏斗 <small>本月 <span id=\"period\">", "金额单位：元", "<th>阶段</th>", `<th class="num">加权金额</th>`, "<td>识别</td>", "<td>未结合计</td>")
	mustNotContain(t, body, "weighted", "identification", "open total")
	// her CSV has the Chinese headings too, the figures unchanged
	_, got := c.Get("/reports/funnel.csv")
	if !strings.HasPrefix(got, "\ufeff阶段,数量,金额,加权金额\r\n识别,") {
		t.Errorf("Li Na's CSV: %q", got[:min(len(got), 80)])
	}
}

// TestReportSalesmanSeesOwnOnly: a salesman's reports hold his own
// figures, never Dalian's or a colleague's; a filter naming another branch
// or salesman is refused.
func TestReportSalesmanSeesOwnOnly(t *testing.T) {
	e := start(t)
	closeSome(t, e)
	wang := e.Users["Wang Jun"]
	c := e.signIn("Wang Jun")
	_, body := c.Get("/reports")
	mustNotContain(t, body, `name="branch"`, `name="user"`, "Ma Qiang", "dalian")
	for _, name := range report.Names {
		st, body := c.Get("/reports/" + name + marchQuery)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", name, st)
		}
		mustNotContain(t, body, "大连", "Dalian", "dalian", "Ma Qiang", "Sun Tao", "Li Na", "Zhao Lei", "sany", "Sany")
		f := march()
		f.User = wang.ID
		sameRows(t, name, pageTable(t, body), shown(cli(t, e, "Wang Jun", name, f)))
		_, got := c.Get("/reports/" + name + ".csv" + marchQuery)
		for _, bad := range []string{"大连", "Dalian", "Ma Qiang", "Sany"} {
			if strings.Contains(got, bad) {
				t.Errorf("%s.csv shows %q", name, bad)
			}
		}
	}
	// his funnel counts his own opportunities only
	mine := 0
	e.view("Zhou Min", func(tx *crm.Tx) error {
		return tx.OwnedBy(crm.KindOpp, wang.ID, func(r crm.Record) bool {
			if !r.(*crm.Opportunity).Stage.Closed() {
				mine++
			}
			return true
		})
	})
	_, body = c.Get("/reports/funnel")
	rows := pageTable(t, body)
	if last := rows[len(rows)-1]; last[0] != "open total" || last[1] != strconv.Itoa(mine) {
		t.Errorf("Wang's open total %q, he owns %d open", last, mine)
	}
	for _, q := range []string{"?branch=dalian", "?user=" + itoa(e.Users["Ma Qiang"].ID), "?user=" + itoa(e.Users["Li Na"].ID)} {
		if st, body := c.Get("/reports/lost" + q); st != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400: %s", q, st, visible(body))
		} else {
			mustContain(t, body, "among those you may see")
			mustNotContain(t, body, "Ma Qiang", "大连")
		}
	}
	// the manager of Shenyang may not name Dalian's salesman either
	m := e.signIn("Liu Yang")
	if st, _ := m.Get("/reports/funnel?user=" + itoa(e.Users["Ma Qiang"].ID)); st != http.StatusBadRequest {
		t.Errorf("Liu naming Ma Qiang: %d, want 400", st)
	}
	_, body = m.Get("/reports/participation")
	mustContain(t, body, "Wang Jun", "Li Na", "Zhao Lei")
	mustNotContain(t, body, "Ma Qiang")
	// Liu filters on Li Na: her figures only
	_, body = m.Get("/reports/participation?user=" + itoa(e.Users["Li Na"].ID))
	rows = pageTable(t, body)
	if len(rows) != 4 || rows[1][0] != "Li Na" {
		t.Errorf("Liu's participation of Li Na: %q", rows)
	}
	// the administrator sees both branches and may choose one
	a := e.signIn("Zhou Min")
	_, body = a.Get("/reports")
	mustContain(t, body, `<option>dalian</option>`, `<option>shenyang</option>`, ">Ma Qiang</option>")
	_, body = a.Get("/reports/lost?branch=dalian")
	rows = pageTable(t, body)
	if len(rows) != 3 || rows[1][3] != "Ma Qiang" || rows[1][4] != "Sany" {
		t.Errorf("Dalian's lost sales: %q", rows)
	}
}

// TestReportChart: the chart is a PNG of the announced size, also in
// Chinese, for every report; the page shows it inline.
func TestReportChart(t *testing.T) {
	e := start(t)
	closeSome(t, e)
	for _, who := range []string{"Liu Yang", "Li Na"} {
		c := e.signIn(who)
		for _, name := range report.Names {
			_, body := c.Get("/reports/" + name)
			src := regexp1(`<img class="chart" id="chart" src="([^"]+)"`, body)
			if src == "" {
				if !strings.Contains(body, `class="empty"`) {
					t.Errorf("%s/%s: no chart and no empty note", who, name)
				}
				continue
			}
			st, got := c.Get(html.UnescapeString(src))
			if st != http.StatusOK || c.Last.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("%s %s: %d %q", who, src, st, c.Last.Header.Get("Content-Type"))
			}
			if dir := os.Getenv("REPORTS_CHART_OUT"); dir != "" {
				os.WriteFile(filepath.Join(dir, strings.Fields(who)[0]+"-"+name+".png"), []byte(got), 0o644)
				os.WriteFile(filepath.Join(dir, strings.Fields(who)[0]+"-"+name+".html"), []byte(body), 0o644)
			}
			img, err := png.Decode(strings.NewReader(got))
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if b := img.Bounds(); b.Dx() != report.ChartWidth || b.Dy() != report.BarChartHeight {
				t.Errorf("%s: %v, want %dx%d", src, b, report.ChartWidth, report.BarChartHeight)
			}
		}
	}
	c := e.signIn("Liu Yang")
	_, body := c.Get("/reports/funnel" + marchQuery)
	mustContain(t, body, `src="/reports/funnel/chart.png?from=2026-03-01&amp;period=range&amp;to=2026-03-10"`,
		`href="/reports/funnel.csv?from=2026-03-01&amp;period=range&amp;to=2026-03-10"`,
		`href="/reports/funnel.xlsx?from=2026-03-01&amp;period=range&amp;to=2026-03-10"`)
}

// TestReportPeriods: the period choices give the days they say.
func TestReportPeriods(t *testing.T) {
	e := start(t) // Tuesday 10 March 2026
	c := e.signIn("Liu Yang")
	for q, want := range map[string]string{
		"":                               "2026-03-01 – 2026-03-10",
		"?period=this_week":              "2026-03-09 – 2026-03-10",
		"?period=last_week":              "2026-03-02 – 2026-03-08",
		"?period=this_month":             "2026-03-01 – 2026-03-10",
		"?period=last_month":             "2026-02-01 – 2026-02-28",
		"?from=2026-01-05&to=2026-02-03": "2026-01-05 – 2026-02-03",
		"?period=range&from=2026-03-04":  "2026-03-04 – 2026-03-10",
	} {
		st, body := c.Get("/reports/closerate" + q)
		if st != http.StatusOK {
			t.Errorf("%q: %d %s", q, st, visible(body))
			continue
		}
		if got := regexp1(`<span id="period">([^<]*)</span>`, body); got != want {
			t.Errorf("%q: period %q, want %q", q, got, want)
		}
	}
	_, body := c.Get("/reports/closerate?period=last_week")
	mustContain(t, body, `<option value="last_week" selected>`)
	c.Get("/reports/forecast.xlsx?period=last_month")
	if cd := c.Last.Header.Get("Content-Disposition"); cd != `attachment; filename="fieldcrm-forecast-2026-03-10.xlsx"` {
		t.Errorf("forecast (now) file name %q", cd)
	}
	c.Get("/reports/lost.xlsx?period=last_month")
	if cd := c.Last.Header.Get("Content-Disposition"); cd != `attachment; filename="fieldcrm-lost-2026-02-01_2026-02-28.xlsx"` {
		t.Errorf("lost sales file name %q", cd)
	}
}

// TestReportBadRequests: bad parameters get a clear answer and 400, an
// unknown report 404, never 500.
func TestReportBadRequests(t *testing.T) {
	e := start(t)
	for _, lang := range []string{"Liu Yang", "Sun Tao"} {
		c := e.signIn(lang)
		zh := lang == "Sun Tao"
		for _, tc := range []struct {
			path   string
			status int
			en, zh string
		}{
			{"/reports/funnel?period=range&from=2026-03-10&to=2026-03-01", 400, "The period's first day (2026-03-10) is after its last (2026-03-01)", "开始日期（2026-03-10）晚于结束日期（2026-03-01）"},
			{"/reports/funnel.csv?from=2026-03-10&to=2026-03-01", 400, "is after its last", "晚于结束日期"},
			{"/reports/funnel/chart.png?from=2026-03-10&to=2026-03-01", 400, "is after its last", "晚于结束日期"},
			{"/reports/funnel?from=2026-13-01", 400, `"2026-13-01" is not a date`, "“2026-13-01”不是有效日期"},
			{"/reports/funnel?period=range&to=2026-03-01", 400, "needs its first day", "需要填写开始日期"},
			{"/reports/funnel?period=yesterday", 400, `Unknown period "yesterday"`, "未知期间“yesterday”"},
			{"/reports/visits?days=abc", 400, `"abc" is not a number of days`, "“abc”不是有效天数"},
			{"/reports/funnel?branch=beijing", 400, `no branch "beijing"`, "没有“beijing”"},
			{"/reports/nosuch", 404, `There is no report "nosuch". The reports are: Sales funnel, Forecast by month`, "没有“nosuch”这个报表。可用的报表：销售漏斗、按月成交预测"},
			{"/reports/nosuch.csv", 404, `no report "nosuch"`, "没有“nosuch”"},
			{"/reports/funnel.pdf", 404, `no report "funnel.pdf"`, "没有“funnel.pdf”"},
			{"/reports/nosuch/chart.png", 404, `no report "nosuch"`, "没有“nosuch”"},
		} {
			st, body := c.Get(tc.path)
			if st != tc.status {
				t.Errorf("%s %s: %d, want %d: %s", lang, tc.path, st, tc.status, visible(body))
				continue
			}
			want := tc.en
			if zh {
				want = tc.zh
			}
			mustContain(t, html.UnescapeString(body), want)
		}
	}
	c := e.client()
	if st, _ := c.Get("/reports/funnel"); st != http.StatusSeeOther || c.Last.Header.Get("Location") != "/signin" {
		t.Errorf("signed out: %d %q", st, c.Last.Header.Get("Location"))
	}
	if st, _ := c.Get("/reports/funnel.csv"); st != http.StatusSeeOther {
		t.Errorf("signed out csv: %d", st)
	}
}

// TestReportListDump writes the list pages for a look in a browser
// (REPORTS_CHART_OUT=dir).
func TestReportListDump(t *testing.T) {
	dir := os.Getenv("REPORTS_CHART_OUT")
	if dir == "" {
		t.Skip("REPORTS_CHART_OUT not set")
	}
	e := start(t)
	for _, who := range []string{"Liu Yang", "Li Na"} {
		c := e.signIn(who)
		_, body := c.Get("/reports")
		os.WriteFile(filepath.Join(dir, strings.Fields(who)[0]+"-list.html"), []byte(body), 0o644)
	}
}

// TestReportEscapesAndCuts: a record named like markup shows as text; a
// table longer than a page shows its first 500 rows and says so, and the
// files hold every row.
func TestReportEscapesAndCuts(t *testing.T) {
	e := start(t)
	wang := e.Users["Wang Jun"]
	_, err := e.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "import", Summary: "test"}, func(tx *crm.Tx) error {
		a := &crm.Account{Base: crm.Base{Owner: wang.ID}, Name: `<script>alert(1)</script> Works`, Phones: []string{"024-59990001"}}
		if err := tx.CreateAccount(a, &crm.Contact{Base: crm.Base{Owner: wang.ID}, Name: "Xu Ming", Mobile: "13999990001"}); err != nil {
			return err
		}
		return tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: wang.ID}, Type: crm.ActVisit, Subject: "visit", Account: a.ID,
			Status: crm.StatusDone, DoneAt: testNow.Add(-24 * time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	c := e.signIn("Liu Yang")
	_, body := c.Get("/reports/visits")
	mustContain(t, body, "&lt;script&gt;alert(1)&lt;/script&gt; Works")
	mustNotContain(t, body, "<script>alert")
	mustNotContain(t, body, `id="cut"`)

	growDemo(t, e, 700) // 525 more Shenyang accounts, visited in the last 60 days
	want := cli(t, e, "Liu Yang", "visits", report.Filter{From: time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai), To: time.Date(2026, 3, 11, 0, 0, 0, 0, shanghai), Loc: shanghai})
	if len(want.Rows) <= 500 {
		t.Fatalf("the visit report has %d rows", len(want.Rows))
	}
	const q = "?period=range&from=2026-01-01&to=2026-03-10"
	_, body = c.Get("/reports/visits" + q)
	rows := pageTable(t, body)
	if len(rows) != 501 {
		t.Errorf("page shows %d rows, want 500 and the header", len(rows))
	}
	sameRows(t, "cut page", rows, shown(want)[:501])
	mustContain(t, body, "The first 500 of "+strconv.Itoa(len(want.Rows))+" rows")
	_, got := c.Get("/reports/visits.csv" + q)
	recs, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil || len(recs) != len(want.Rows)+1 {
		t.Errorf("csv: %d records (%v), want %d", len(recs), err, len(want.Rows)+1)
	}
}
