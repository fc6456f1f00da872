package web

// Reports: every report of `fieldcrm report`, computed by the same
// crm/report.Run over the same report.Filter, read as the signed-in user
// (crm's access levels apply to every record the report reads). A salesman's
// reports cover his own records (report.Filter.User = him, as `fieldcrm
// report --as` describes it: "a salesman sees his own figures"); the branch,
// department and salesman filters offer only the values of the salesmen the
// user may see, and any other value is refused. The table is shown in the
// user's language, with one chart (crm/report.BarChart) and the CSV and Excel
// files written by crm/report.Write from the same table.

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
	"github.com/fieldcrm/fieldcrm/crm/report"
	"github.com/fieldcrm/fieldcrm/templates"
)

func init() {
	pageRegistry = append(pageRegistry, func(s *Server) {
		s.handle("GET /reports", s.reports)
		s.handle("GET /reports/{$}", func(w http.ResponseWriter, r *http.Request, _ *Session) {
			http.Redirect(w, r, "/reports", http.StatusSeeOther)
		})
		s.handle("GET /reports/{name}", s.reportPage)
		s.handle("GET /reports/{name}/chart.png", s.reportChart)
	})
}

// reportDef is what the console knows of one report of crm/report: whether
// the period applies, and which of its columns the chart shows.
type reportDef struct {
	Name   string
	Period bool // false: the report is "now" (forecast, account base)
	Days   bool // the visit report's "not visited for N days"
	chart  chartSpec
}

// chartSpec: the bars are the rows' cells of column label, valued by the
// sum of the value columns; rows with the same label add up (the daily
// report's salesmen of one day). Total rows and rows whose value is not a
// number (the visit report's idle accounts) are left out.
type chartSpec struct {
	label  int
	values []int
	money  bool // amounts: shown in the report's money unit
	whole  bool // counts
	only   func(row []string) bool
}

var reportDefs = []reportDef{
	{Name: "funnel", Period: true, chart: chartSpec{label: 0, values: []int{1}, whole: true}},
	{Name: "forecast", chart: chartSpec{label: 0, values: []int{2}, money: true}},
	{Name: "closerate", Period: true, chart: chartSpec{label: 0, values: []int{5}}},
	{Name: "ratio", Period: true, chart: chartSpec{label: 0, values: []int{3}}},
	{Name: "participation", Period: true, chart: chartSpec{label: 0, values: []int{5}, whole: true}},
	{Name: "daily", Period: true, chart: chartSpec{label: 0, values: []int{2, 3, 4, 5}, whole: true}},
	{Name: "visits", Period: true, Days: true, chart: chartSpec{label: 0, values: []int{2}, whole: true}},
	{Name: "lost", Period: true, chart: chartSpec{label: 4, values: []int{6}, money: true}},
	{Name: "leads", Period: true, chart: chartSpec{label: 0, values: []int{3}}},
	{Name: "campaigns", Period: true, chart: chartSpec{label: 1, values: []int{6}, money: true}},
	{Name: "competitors", Period: true, chart: chartSpec{label: 0, values: []int{2}, money: true}},
	{Name: "accounts", chart: chartSpec{label: 1, values: []int{2}, whole: true,
		only: func(r []string) bool { return r[0] == "industry" }}},
}

func findReport(name string) *reportDef {
	for i := range reportDefs {
		if reportDefs[i].Name == name {
			return &reportDefs[i]
		}
	}
	return nil
}

// maxPageRows is how many rows a report's page shows at most.
const maxPageRows = 500

// totalRows are the first cells of the rows that sum up the others.
var totalRows = map[string]bool{"total": true, "open total": true, "participation %": true}

// Periods the forms offer.
var periodKinds = []string{"this_week", "last_week", "this_month", "last_month", "range"}

// Option is one choice of a select.
type Option struct {
	Value string
	Label string
}

// ReportForm is the period and filters of a report, as asked and as the
// forms offer them.
type ReportForm struct {
	Period   string // one of periodKinds
	From, To string // YYYY-MM-DD, both included (the period's, whatever its kind)
	Branch   string
	Dept     string
	User     int64
	Days     int
	Own      bool // a salesman: his own figures, no filters
	Periods  []Option
	Branches []string
	Depts    []string
	Salesmen []Option
}

// ReportItem is one report in the list.
type ReportItem struct {
	Name   string
	Title  string
	About  string
	Period bool
	Days   bool
}

// ReportsData is the list of reports.
type ReportsData struct {
	Reports []ReportItem
	Form    ReportForm
}

// ReportCell is a cell as shown: numbers grouped and right-aligned.
type ReportCell struct {
	Text string
	Num  bool
	Date bool // kept on one line
}

// ReportData is one report's page.
type ReportData struct {
	Report   ReportItem
	Unit     string // "amounts in ¥" when the table has amounts
	Period   string // "2026-03-01 – 2026-03-10", or "" when the period does not apply
	PeriodOf string // "This month"
	Columns  []ReportCell
	Rows     [][]ReportCell
	Empty    bool
	Shown    int // rows shown when the table was cut (0: all)
	Total    int // rows the report has
	ChartURL string
	CSVURL   string
	XLSXURL  string
	Form     ReportForm
}

// reportReq is a parsed request: the filter to run and the form to show.
type reportReq struct {
	def  *reportDef
	f    report.Filter
	form ReportForm
	q    url.Values // canonical query of the links
	loc  string     // locale
	day  string     // today, YYYY-MM-DD: the file name of a report of now
}

// reqError is a parameter the request got wrong: answered 400 with its text.
type reqError struct{ text string }

func (e *reqError) Error() string { return e.text }

func (s *Server) reports(w http.ResponseWriter, r *http.Request, sess *Session) {
	loc := localeOf(r, sess)
	form, err := s.reportForm(sess.User, r.URL.Query(), loc)
	if err != nil {
		s.reportFail(w, r, sess, err)
		return
	}
	d := &ReportsData{Form: form.form}
	for _, def := range reportDefs {
		d.Reports = append(d.Reports, reportItem(def, loc))
	}
	s.render(w, r, sess, http.StatusOK, "reports", "reports", d)
}

func reportItem(def reportDef, loc string) ReportItem {
	return ReportItem{Name: def.Name, Title: templates.WebText(loc, "report."+def.Name+".title"),
		About: templates.WebText(loc, "report."+def.Name+".about"), Period: def.Period, Days: def.Days}
}

// reportPage serves /reports/{name} (the page), {name}.csv and {name}.xlsx.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request, sess *Session) {
	name, ext := r.PathValue("name"), ""
	if n, e, ok := strings.Cut(name, "."); ok {
		name, ext = n, e
	}
	if ext != "" && ext != "csv" && ext != "xlsx" {
		s.reportUnknown(w, r, sess, r.PathValue("name"))
		return
	}
	req, t, err := s.runReport(sess.User, name, r.URL.Query(), localeOf(r, sess), false)
	if err != nil {
		s.reportFail(w, r, sess, err)
		return
	}
	if req.def == nil {
		s.reportUnknown(w, r, sess, name)
		return
	}
	lt := localTable(t, req.loc)
	if ext != "" {
		var buf bytes.Buffer
		if err := report.Write(&buf, ext, lt); err != nil {
			s.internal(w, r, sess, err)
			return
		}
		h := w.Header()
		if ext == "csv" {
			h.Set("Content-Type", "text/csv; charset=utf-8")
		} else {
			h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		}
		h.Set("Content-Disposition", `attachment; filename="`+req.fileName(ext)+`"`)
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		w.Write(buf.Bytes())
		return
	}
	d := &ReportData{Report: reportItem(*req.def, req.loc), Form: req.form}
	if hasMoney(t) {
		d.Unit = templates.WebText(req.loc, "report.unit")
	}
	if req.def.Period {
		d.Period = req.form.From + " – " + req.form.To
		k := req.form.Period
		if k == "range" {
			k = "range_of" // not "(below)"
		}
		d.PeriodOf = templates.WebText(req.loc, "reports.period."+k)
	}
	for _, c := range lt.Columns {
		d.Columns = append(d.Columns, ReportCell{Text: c})
	}
	for i, row := range lt.Rows {
		out := make([]ReportCell, len(row))
		for j, c := range row {
			switch typeOf(t, i, j) {
			case csvio.MoneyCell, csvio.IntCell:
				out[j] = ReportCell{Text: report.Group(c), Num: true}
			case csvio.PercentCell:
				out[j] = ReportCell{Text: c, Num: true}
			case csvio.DateCell:
				out[j] = ReportCell{Text: c, Date: true}
			default:
				out[j] = ReportCell{Text: c}
			}
			if j < len(d.Columns) && out[j].Num {
				d.Columns[j].Num = true
			}
		}
		d.Rows = append(d.Rows, out)
	}
	if len(d.Rows) > maxPageRows {
		// a long table (the visit report of a big branch) is cut on the
		// page, its total rows kept; the files hold every row
		d.Total = len(d.Rows)
		keep := d.Rows[:maxPageRows:maxPageRows]
		for i := maxPageRows; i < len(t.Rows); i++ {
			if len(t.Rows[i]) > 0 && totalRows[t.Rows[i][0]] {
				keep = append(keep, d.Rows[i])
			}
		}
		d.Rows, d.Shown = keep, maxPageRows
	}
	d.Empty = len(chartOf(req.def, t, lt, req.loc).Values) == 0
	qs := req.q.Encode()
	d.ChartURL = "/reports/" + name + "/chart.png?" + qs
	d.CSVURL = "/reports/" + name + ".csv?" + qs
	d.XLSXURL = "/reports/" + name + ".xlsx?" + qs
	s.render(w, r, sess, http.StatusOK, "report", "reports", d)
}

func (s *Server) reportChart(w http.ResponseWriter, r *http.Request, sess *Session) {
	req, t, err := s.runReport(sess.User, r.PathValue("name"), r.URL.Query(), localeOf(r, sess), true)
	if err != nil {
		s.reportFail(w, r, sess, err)
		return
	}
	if req.def == nil {
		s.reportUnknown(w, r, sess, r.PathValue("name"))
		return
	}
	png, err := report.BarChart(chartOf(req.def, t, localTable(t, req.loc), req.loc))
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	w.Write(png)
}

// runReport parses the request and computes the report as u, with the code
// of `fieldcrm report`: report.Run in a read transaction of the user. A nil
// req.def (and no error) is an unknown report. The table is kept a minute
// for the chart of the page (the browser asks for it right after the page):
// with cached set, a table the same user's same page computed is used, so
// the chart shows the page's figures and costs its drawing only.
func (s *Server) runReport(u *crm.User, name string, q url.Values, loc string, cached bool) (*reportReq, *report.Table, error) {
	def := findReport(name)
	if def == nil {
		return &reportReq{}, nil, nil
	}
	req, err := s.reportForm(u, q, loc)
	if err != nil {
		return nil, nil, err
	}
	req.def = def
	if !def.Days {
		req.q.Del("days")
	}
	key := fmt.Sprintf("%p\x00%d\x00%s\x00%s\x00%s", s, u.ID, u.Role, name, req.q.Encode())
	now := s.cfg.Now()
	if cached {
		if t := reportTables.get(key, now); t != nil {
			return req, t, nil
		}
	}
	var t *report.Table
	err = s.cfg.Store.View(u, func(tx *crm.Tx) error {
		var err error
		t, err = report.Run(tx, name, req.f)
		return err
	})
	if err == nil {
		reportTables.put(key, t, now)
	}
	return req, t, err
}

// tableCache keeps the report tables computed in the last minute, by user,
// report and query (at most 256).
type tableCache struct {
	mu sync.Mutex
	m  map[string]cachedTable
}

type cachedTable struct {
	t  *report.Table
	at time.Time
}

const tableCacheTTL = time.Minute

var reportTables = &tableCache{m: map[string]cachedTable{}}

func (c *tableCache) get(key string, now time.Time) *report.Table {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || now.Sub(e.at) > tableCacheTTL || now.Before(e.at) {
		return nil
	}
	return e.t
}

func (c *tableCache) put(key string, t *report.Table, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= 256 {
		for k, e := range c.m {
			if now.Sub(e.at) > tableCacheTTL || now.Before(e.at) || len(c.m) >= 256 {
				delete(c.m, k)
			}
		}
	}
	c.m[key] = cachedTable{t, now}
}

// reportForm reads the period and the filters of q and checks each filter
// against what u may see.
func (s *Server) reportForm(u *crm.User, q url.Values, loc string) (*reportReq, error) {
	tz := u.Location(s.cfg.Store.Location())
	now := s.cfg.Now().In(tz)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, tz)
	req := &reportReq{loc: loc, q: url.Values{}, day: today.Format("2006-01-02")}
	fm := &req.form
	for _, k := range periodKinds {
		fm.Periods = append(fm.Periods, Option{k, templates.WebText(loc, "reports.period."+k)})
	}
	// the period [from, to)
	kind := strings.TrimSpace(q.Get("period"))
	if kind == "" && (q.Get("from") != "" || q.Get("to") != "") {
		kind = "range"
	}
	if kind == "" {
		kind = "this_month"
	}
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, tz)
	var from, to time.Time
	switch kind {
	case "this_week":
		from, to = monday, today.AddDate(0, 0, 1)
	case "last_week":
		from, to = monday.AddDate(0, 0, -7), monday
	case "this_month":
		from, to = first, today.AddDate(0, 0, 1)
	case "last_month":
		from, to = first.AddDate(0, -1, 0), first
	case "range":
		day := func(key string, def time.Time) (time.Time, error) {
			v := strings.TrimSpace(q.Get(key))
			if v == "" {
				if def.IsZero() {
					return def, &reqError{templates.WebText(loc, "reports.err.from_needed")}
				}
				return def, nil
			}
			d, err := time.ParseInLocation("2006-01-02", v, tz)
			if err != nil {
				return d, &reqError{fmt.Sprintf(templates.WebText(loc, "reports.err.date"), v)}
			}
			return d, nil
		}
		var err error
		if from, err = day("from", time.Time{}); err != nil {
			return nil, err
		}
		if to, err = day("to", today); err != nil {
			return nil, err
		}
		if to.Before(from) {
			return nil, &reqError{fmt.Sprintf(templates.WebText(loc, "reports.err.reversed"), from.Format("2006-01-02"), to.Format("2006-01-02"))}
		}
		to = to.AddDate(0, 0, 1)
	default:
		return nil, &reqError{fmt.Sprintf(templates.WebText(loc, "reports.err.period"), kind)}
	}
	fm.Period, fm.From, fm.To = kind, from.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02")
	req.f = report.Filter{From: from, To: to, Loc: tz}
	req.q.Set("period", kind)
	if kind == "range" {
		req.q.Set("from", fm.From)
		req.q.Set("to", fm.To)
	}
	fm.Days = 30
	if v := strings.TrimSpace(q.Get("days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return nil, &reqError{fmt.Sprintf(templates.WebText(loc, "reports.err.days"), v)}
		}
		fm.Days = n
		req.q.Set("days", v)
	}
	req.f.IdleDays = fm.Days

	// the filters: only values of the salesmen u may see
	if u.Role == crm.RoleSalesman || u.Role == crm.RoleCSR {
		// his own figures: a filter naming anyone or anything else is
		// refused, not silently widened or ignored
		fm.Own = true
		req.f.User = u.ID
		for _, c := range []struct{ key, own, errKey string }{{"branch", u.Branch, "reports.err.branch"},
			{"dept", u.Dept, "reports.err.dept"}, {"user", strconv.FormatInt(u.ID, 10), "reports.err.user"}} {
			if v := strings.TrimSpace(q.Get(c.key)); v != "" && !strings.EqualFold(v, c.own) {
				return nil, &reqError{fmt.Sprintf(templates.WebText(loc, c.errKey), v)}
			}
		}
		return req, nil
	}
	err := s.cfg.Store.View(u, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(rec crm.Record) bool {
			x := rec.(*crm.User)
			if x.Disabled || (x.Role != crm.RoleSalesman && x.Role != crm.RoleCSR) {
				return true
			}
			fm.Salesmen = append(fm.Salesmen, Option{strconv.FormatInt(x.ID, 10), x.Name})
			if x.Branch != "" && !slices.Contains(fm.Branches, x.Branch) {
				fm.Branches = append(fm.Branches, x.Branch)
			}
			if x.Dept != "" && !slices.Contains(fm.Depts, x.Dept) {
				fm.Depts = append(fm.Depts, x.Dept)
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(fm.Salesmen, func(a, b Option) int { return strings.Compare(a.Label, b.Label) })
	slices.Sort(fm.Branches)
	slices.Sort(fm.Depts)
	pick := func(key string, among []string, errKey string) (string, error) {
		v := strings.TrimSpace(q.Get(key))
		if v == "" {
			return "", nil
		}
		for _, x := range among {
			if strings.EqualFold(x, v) {
				req.q.Set(key, x)
				return x, nil
			}
		}
		return "", &reqError{fmt.Sprintf(templates.WebText(loc, errKey), v)}
	}
	if fm.Branch, err = pick("branch", fm.Branches, "reports.err.branch"); err != nil {
		return nil, err
	}
	if fm.Dept, err = pick("dept", fm.Depts, "reports.err.dept"); err != nil {
		return nil, err
	}
	ids := make([]string, len(fm.Salesmen))
	for i, o := range fm.Salesmen {
		ids[i] = o.Value
	}
	id, err := pick("user", ids, "reports.err.user")
	if err != nil {
		return nil, err
	}
	if id != "" {
		fm.User, _ = strconv.ParseInt(id, 10, 64)
	}
	req.f.Branch, req.f.Dept, req.f.User = fm.Branch, fm.Dept, fm.User
	return req, nil
}

// fileName is the download's name: the report and its period.
func (req *reportReq) fileName(ext string) string {
	if !req.def.Period {
		return "fieldcrm-" + req.def.Name + "-" + req.day + "." + ext
	}
	return "fieldcrm-" + req.def.Name + "-" + req.form.From + "_" + req.form.To + "." + ext
}

func (s *Server) reportFail(w http.ResponseWriter, r *http.Request, sess *Session, err error) {
	if re, ok := err.(*reqError); ok {
		s.reportError(w, r, sess, http.StatusBadRequest, re.text)
		return
	}
	s.internal(w, r, sess, err)
}

func (s *Server) reportUnknown(w http.ResponseWriter, r *http.Request, sess *Session, name string) {
	loc := localeOf(r, sess)
	var titles []string
	for _, d := range reportDefs {
		titles = append(titles, templates.WebText(loc, "report."+d.Name+".title"))
	}
	s.reportError(w, r, sess, http.StatusNotFound, fmt.Sprintf(templates.WebText(loc, "reports.err.unknown"), name,
		strings.Join(titles, templates.WebText(loc, "reports.list_sep"))))
}

func (s *Server) reportError(w http.ResponseWriter, r *http.Request, sess *Session, status int, text string) {
	loc := localeOf(r, sess)
	s.render(w, r, sess, status, "error", "reports", struct{ Title, Text string }{templates.WebText(loc, "reports.err.title"), text})
}

func typeOf(t *report.Table, i, j int) csvio.CellType {
	if i < len(t.Types) && j < len(t.Types[i]) {
		return t.Types[i][j]
	}
	return csvio.TextCell
}

func hasMoney(t *report.Table) bool {
	for _, r := range t.Types {
		if slices.Contains(r, csvio.MoneyCell) {
			return true
		}
	}
	return false
}

// localTable is t in the locale: its column names and the words of its
// label cells (stages, totals, sources, "never"…) translated; names,
// numbers and dates as they are. In English it is t's cells unchanged (the
// CSV is then the one `fieldcrm report --format csv` writes).
func localTable(t *report.Table, loc string) *report.Table {
	lt := &report.Table{Name: t.Name, Title: t.Title, Types: t.Types}
	for _, c := range t.Columns {
		lt.Columns = append(lt.Columns, templates.WebText(loc, "report.col."+phraseKey(c)))
	}
	for i, row := range t.Rows {
		out := slices.Clone(row)
		for j, c := range row {
			if typeOf(t, i, j) == csvio.TextCell {
				out[j] = localCell(t.Name, j, c, loc)
			}
		}
		lt.Rows = append(lt.Rows, out)
	}
	return lt
}

var (
	notVisitedRE = regexp.MustCompile(`^not visited for (\d+) days$`)
	notKnownRE   = regexp.MustCompile(`^(.*) \(not a known competitor\)$`)
)

// localCell translates the fixed words of a report's label cells.
func localCell(name string, col int, c, loc string) string {
	if loc != "zh" {
		return c
	}
	switch {
	case name == "visits" && col == 2:
		if m := notVisitedRE.FindStringSubmatch(c); m != nil {
			return fmt.Sprintf(templates.WebText(loc, "report.cell.not_visited"), m[1])
		}
		return c
	case name == "visits" && col == 3, name == "accounts" && col == 1:
		return cellWord(c, loc)
	case name == "competitors" && col == 0:
		if m := notKnownRE.FindStringSubmatch(c); m != nil {
			return fmt.Sprintf(templates.WebText(loc, "report.cell.not_known"), m[1])
		}
		return c
	case col != 0:
		return c
	case name == "funnel" || name == "ratio":
		if w := templates.Stage(c, loc); w != c {
			return w
		}
	case name == "leads":
		if w := templates.Source(c, loc); w != c && w != "" {
			return w
		}
	}
	return cellWord(c, loc)
}

func cellWord(c, loc string) string {
	key := "report.cell." + phraseKey(c)
	if w := templates.WebText(loc, key); w != key {
		return w
	}
	return c
}

// phraseKey makes a column name or a cell word a phrase key: "close rate %"
// → "close_rate_pct".
func phraseKey(s string) string {
	s = strings.ReplaceAll(strings.ToLower(s), "%", "pct")
	return strings.Join(strings.Fields(s), "_")
}

// chartOf is the report's chart: one bar per label of its rows (t's cells,
// lt's words).
func chartOf(def *reportDef, t, lt *report.Table, loc string) report.Bars {
	cs := def.chart
	b := report.Bars{Title: templates.WebText(loc, "report."+def.Name+".chart"), Whole: cs.whole}
	idx := map[string]int{}
	var vals []float64
	var money []crm.Money
	for i, row := range t.Rows {
		if len(row) == 0 || totalRows[row[0]] || (cs.only != nil && !cs.only(row)) {
			continue
		}
		v, ok := 0.0, true
		for _, j := range cs.values {
			if j >= len(row) {
				ok = false
				break
			}
			x, err := strconv.ParseFloat(row[j], 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				ok = false
				break
			}
			v += x
		}
		if !ok || cs.label >= len(row) {
			continue
		}
		label := lt.Rows[i][cs.label]
		k, seen := idx[label]
		if !seen {
			k = len(b.Names)
			idx[label] = k
			b.Names = append(b.Names, label)
			vals = append(vals, 0)
			money = append(money, 0)
		}
		vals[k] += v
		money[k] += crm.Money(math.Round(v * 100))
	}
	if cs.money {
		var top crm.Money
		for _, m := range money {
			top = max(top, m)
		}
		u := report.ChooseUnit(loc, top)
		b.Title = fmt.Sprintf(b.Title, u.Label)
		for _, m := range money {
			b.Values = append(b.Values, u.Value(m))
			b.Labels = append(b.Labels, u.Format(m))
		}
		return b
	}
	b.Values = vals
	return b
}
