package csvio_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

var cst = time.FixedZone("CST", 8*3600)

// openStore opens a store whose clock has fractions of a second (as
// time.Now has), so that the tests see what an Excel date cell keeps.
func openStore(tb testing.TB, now time.Time) *crm.Store {
	tb.Helper()
	s, err := crm.Open(filepath.Join(tb.TempDir(), "crm.db"), crm.Options{Now: func() time.Time { return now }, NoSync: true, Location: cst})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func update(tb testing.TB, s *crm.Store, fn func(tx *crm.Tx) error) {
	tb.Helper()
	if _, err := s.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test", Summary: "test"}, fn); err != nil {
		tb.Fatal(err)
	}
}

var seedNow = time.Date(2026, 11, 18, 9, 41, 27, 123456789, cst)

// seed: one salesman, two accounts (one Chinese), three opportunities with
// amounts, an activity done at a time with seconds, a machine with SMU and
// year.
func seed(t *testing.T) *crm.Store {
	s := openStore(t, seedNow)
	update(t, s, func(tx *crm.Tx) error {
		u := &crm.User{Name: "Wang Jun", Role: crm.RoleSalesman, Phones: []string{"+8613900000002"}, Base: crm.Base{Branch: "SY", Dept: "sales"}}
		if err := tx.SaveUser(u); err != nil {
			return err
		}
		a := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: "ACME Mining Co.", City: "Shenyang", Phones: []string{"024-85868467"}}
		if err := tx.CreateAccount(a, &crm.Contact{Name: "Zhang Wei", Mobile: "13901395136"}); err != nil {
			return err
		}
		b := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: "鑫源建筑工程有限公司沈阳分公司", City: "沈阳"}
		if err := tx.CreateAccount(b, &crm.Contact{Name: "李总", Mobile: "13901234567"}); err != nil {
			return err
		}
		for _, o := range []*crm.Opportunity{
			{Base: crm.Base{Owner: u.ID}, Name: "ACME 320D fleet", Account: a.ID, Amount: 240000000, Close: time.Date(2026, 12, 15, 0, 0, 0, 0, cst)},
			{Base: crm.Base{Owner: u.ID}, Name: "鑫源 950H", Account: b.ID, Amount: 123456789},
			{Base: crm.Base{Owner: u.ID}, Name: "parts", Account: b.ID, Amount: 5},
		} {
			if err := tx.CreateOpp(o); err != nil {
				return err
			}
		}
		act := &crm.Activity{Base: crm.Base{Owner: u.ID}, Type: "visit", Subject: "demo", Account: a.ID,
			Due: time.Date(2026, 11, 25, 9, 30, 15, 0, cst), Status: crm.StatusDone, DoneAt: time.Date(2026, 11, 18, 23, 59, 59, 0, cst)}
		if err := tx.CreateActivity(act); err != nil {
			return err
		}
		return tx.SaveEquipment(&crm.Equipment{Base: crm.Base{Owner: u.ID}, Account: a.ID, Brand: "CAT", Model: "320D",
			Serial: "CAT0320DXYZ", SMU: 14520, Year: 2018, Delivered: time.Date(2018, 6, 1, 0, 0, 0, 0, cst)})
	})
	return s
}

func exportXLSX(t testing.TB, s *crm.Store, kind string) (*excelize.File, []string) {
	t.Helper()
	header, rows, err := csvio.Export(s, crm.System, kind)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := csvio.Write(&buf, csvio.XLSX, kind, header, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, header
}

// cellOf names the cell of column col (by header name) in sheet row row (1: header).
func cellOf(t testing.TB, header []string, col string, row int) string {
	for i, h := range header {
		if h == col {
			c, _ := excelize.CoordinatesToCellName(i+1, row)
			return c
		}
	}
	t.Fatalf("no column %q in %v", col, header)
	return ""
}

// typed checks one cell: its OOXML type, its number format, its shown
// value and its raw value.
func typed(t *testing.T, f *excelize.File, sheet, cell string, wantType excelize.CellType, wantFmt, shown, raw string) {
	t.Helper()
	ct, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	if ct != wantType {
		t.Errorf("%s: type %v, want %v", cell, ct, wantType)
	}
	sid, _ := f.GetCellStyle(sheet, cell)
	st, _ := f.GetStyle(sid)
	got := ""
	if st != nil && st.CustomNumFmt != nil {
		got = *st.CustomNumFmt
	} else if st != nil {
		got = strconv.Itoa(st.NumFmt)
	}
	if got != wantFmt {
		t.Errorf("%s: number format %q, want %q", cell, got, wantFmt)
	}
	if v, _ := f.GetCellValue(sheet, cell); v != shown {
		t.Errorf("%s shows %q, want %q", cell, v, shown)
	}
	v, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if len(raw) == len("2006-01-02 15:04:05") {
		// a time: the day number read back as Import reads it
		d, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("%s holds %q: %v", cell, v, err)
		}
		tm, _ := excelize.ExcelDateToTime(d, false)
		v = tm.Format("2006-01-02 15:04:05")
	}
	if v != raw {
		t.Errorf("%s holds %q, want %q", cell, v, raw)
	}
}

// A number cell has no t attribute in OOXML (t="n" is the default):
// excelize reports it as CellTypeUnset. Text is written inline.
const (
	number = excelize.CellTypeUnset
	text   = excelize.CellTypeInlineString
)

func TestExportXLSXTypes(t *testing.T) {
	s := seed(t)
	t.Run("Opportunities", func(t *testing.T) {
		f, h := exportXLSX(t, s, "opportunities")
		sh := "opportunities"
		typed(t, f, sh, cellOf(t, h, "id", 2), text, "49", "1", "1")
		typed(t, f, sh, cellOf(t, h, "amount", 2), number, `"¥"#,##0.00;-"¥"#,##0.00`, "¥2,400,000.00", "2400000")
		typed(t, f, sh, cellOf(t, h, "amount", 3), number, `"¥"#,##0.00;-"¥"#,##0.00`, "¥1,234,567.89", "1234567.89")
		typed(t, f, sh, cellOf(t, h, "amount", 4), number, `"¥"#,##0.00;-"¥"#,##0.00`, "¥0.05", "0.05")
		typed(t, f, sh, cellOf(t, h, "probability", 2), number, `0"%"`, "10%", "10")
		typed(t, f, sh, cellOf(t, h, "close", 2), number, "yyyy-mm-dd", "2026-12-15", "46371")
		// a time: the database zone's wall clock, to the second
		typed(t, f, sh, cellOf(t, h, "created", 2), number, "yyyy-mm-dd hh:mm", "2026-11-18 09:41", "2026-11-18 09:41:27")
		typed(t, f, sh, cellOf(t, h, "name", 3), text, "49", "鑫源 950H", "鑫源 950H")
		typed(t, f, sh, cellOf(t, h, "stage", 2), text, "49", "identification", "identification")

		// SUM over the amount column adds every amount
		col, _, _ := excelize.SplitCellName(cellOf(t, h, "amount", 2))
		if err := f.SetCellFormula(sh, col+"10", fmt.Sprintf("SUM(%s2:%s4)", col, col)); err != nil {
			t.Fatal(err)
		}
		if v, err := f.CalcCellValue(sh, col+"10", excelize.Options{RawCellValue: true}); err != nil || v != "3634567.94" {
			t.Errorf("SUM(amount) = %q (%v), want 3634567.94", v, err)
		}

		// the header: bold, frozen
		sid, _ := f.GetCellStyle(sh, "A1")
		if st, _ := f.GetStyle(sid); st == nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("header style %+v is not bold", st)
		}
		p, err := f.GetPanes(sh)
		if err != nil || !p.Freeze || p.YSplit != 1 || p.XSplit != 0 || p.TopLeftCell != "A2" {
			t.Errorf("panes %+v (%v): want the first row frozen", p, err)
		}
		// widths fit: "probability" (11), a date (10), the amount ¥2,400,000.00 (13)
		for col, want := range map[string]float64{"probability": 13, "close": 12, "amount": 15, "id": 8} {
			c, _, _ := excelize.SplitCellName(cellOf(t, h, col, 1))
			if w, _ := f.GetColWidth(sh, c); w != want {
				t.Errorf("column %s width %v, want %v", col, w, want)
			}
		}
	})
	t.Run("Accounts", func(t *testing.T) {
		f, h := exportXLSX(t, s, "accounts")
		sh := "accounts"
		typed(t, f, sh, cellOf(t, h, "contact_mobile", 2), text, "49", "13901395136", "13901395136")
		typed(t, f, sh, cellOf(t, h, "phones", 2), text, "49", "02485868467", "02485868467")
		typed(t, f, sh, cellOf(t, h, "owner", 2), text, "49", "1", "1")
		// a Han character counts two: 15 of them are 30 wide
		c, _, _ := excelize.SplitCellName(cellOf(t, h, "name", 1))
		if w, _ := f.GetColWidth(sh, c); w != 32 {
			t.Errorf("name column width %v, want 32 (15 Han characters + 2)", w)
		}
	})
	t.Run("Activities", func(t *testing.T) {
		f, h := exportXLSX(t, s, "activities")
		typed(t, f, "activities", cellOf(t, h, "done_at", 2), number, "yyyy-mm-dd hh:mm", "2026-11-18 23:59", "2026-11-18 23:59:59")
		// a due time that is not a midnight is a time
		typed(t, f, "activities", cellOf(t, h, "due", 2), number, "yyyy-mm-dd hh:mm", "2026-11-25 09:30", "2026-11-25 09:30:15")
	})
	t.Run("Equipment", func(t *testing.T) {
		f, h := exportXLSX(t, s, "equipment")
		typed(t, f, "equipment", cellOf(t, h, "smu", 2), number, "3", "14,520", "14520")
		typed(t, f, "equipment", cellOf(t, h, "year", 2), number, "1", "2018", "2018")
		typed(t, f, "equipment", cellOf(t, h, "delivered", 2), number, "yyyy-mm-dd", "2018-06-01", "43252")
		typed(t, f, "equipment", cellOf(t, h, "serial", 2), text, "49", "CAT0320DXYZ", "CAT0320DXYZ")
	})
}

// TestExportXLSXReimport: every kind exported to Excel imports into an
// empty database as the same records (times to the second: an Excel date
// cell holds no fraction of a second), and back into its own database as
// unchanged.
func TestExportXLSXReimport(t *testing.T) {
	s := seed(t)
	dst := openStore(t, seedNow.Add(time.Hour))
	for _, kind := range []string{"users", "accounts", "opportunities", "activities", "equipment"} {
		header, rows, err := csvio.Export(s, crm.System, kind)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := csvio.WriteXLSX(&buf, kind, header, rows); err != nil {
			t.Fatal(err)
		}
		tab, err := csvio.ReadXLSX(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		meta := crm.Meta{Actor: crm.System, Channel: "import", Summary: "test import"}
		res, err := csvio.Import(context.Background(), dst, kind, tab, csvio.Options{Meta: meta})
		if err != nil || res.Created != len(rows) || len(res.Bad) > 0 {
			t.Fatalf("%s into an empty database: %+v %v", kind, res, err)
		}
		res, err = csvio.Import(context.Background(), s, kind, tab, csvio.Options{Meta: meta})
		if err != nil || res.Unchanged != len(rows) {
			t.Errorf("%s into its own database: %+v %v, want %d unchanged", kind, res, err, len(rows))
		}
		// the copy, exported again, is the same file (times to the second)
		h2, rows2, _ := csvio.Export(dst, crm.System, kind)
		if strings.Join(h2, ",") != strings.Join(header, ",") || len(rows2) != len(rows) {
			t.Fatalf("%s: header or rows differ", kind)
		}
		for i := range rows {
			for j := range rows[i] {
				a, b := rows[i][j], rows2[i][j]
				if header[j] == "updated" {
					continue // the import's own time
				}
				if ta, err := time.Parse(time.RFC3339Nano, a); err == nil {
					a = ta.Truncate(time.Second).Format(time.RFC3339)
				}
				if a != b {
					t.Errorf("%s row %d %s: %q, copy %q", kind, i+1, header[j], rows[i][j], b)
				}
			}
		}
	}
}

// TestCSVUnchanged: CSV keeps every cell as text, amounts and times as
// before.
func TestCSVUnchanged(t *testing.T) {
	s := seed(t)
	header, rows, err := csvio.Export(s, crm.System, "opportunities")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := csvio.Write(&buf, csvio.CSV, "opportunities", header, rows); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, ",2400000.00,") || !strings.Contains(out, ",2026-12-15,") ||
		!strings.Contains(out, ",2026-11-18T09:41:27.123456789+08:00,") {
		t.Errorf("csv:\n%s", out)
	}
}

// BenchmarkExportXLSX: 10,000 accounts exported to Excel with every cell
// as text (the former writer, kept here as the baseline) and typed.
func BenchmarkExportXLSX(b *testing.B) {
	s := openStore(b, seedNow)
	update(b, s, func(tx *crm.Tx) error {
		u := &crm.User{Name: "Wang Jun", Role: crm.RoleSalesman, Phones: []string{"+8613900000002"}, Base: crm.Base{Branch: "SY", Dept: "sales"}}
		if err := tx.SaveUser(u); err != nil {
			return err
		}
		for i := range 10000 {
			a := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: fmt.Sprintf("矿业公司 %d", i), City: "Shenyang", Industry: "mining",
				Phones: []string{fmt.Sprintf("024-8586%04d", i)}, Address: "Hunnan district, 12 Keji road"}
			if err := tx.CreateAccount(a, &crm.Contact{Name: "Zhang Wei", Mobile: fmt.Sprintf("1390139%04d", i), Title: "manager"}); err != nil {
				return err
			}
		}
		return nil
	})
	header, rows, err := csvio.Export(s, crm.System, "accounts")
	if err != nil || len(rows) != 10000 {
		b.Fatal(len(rows), err)
	}
	var size int
	b.Run("text-baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var buf bytes.Buffer
			if err := writeAllText(&buf, "accounts", header, rows); err != nil {
				b.Fatal(err)
			}
			size = buf.Len()
		}
		b.ReportMetric(float64(size), "bytes/file")
	})
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var buf bytes.Buffer
			if err := csvio.WriteXLSX(&buf, "accounts", header, rows); err != nil {
				b.Fatal(err)
			}
			size = buf.Len()
		}
		b.ReportMetric(float64(size), "bytes/file")
	})
	b.Run("export+typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h, r, err := csvio.Export(s, crm.System, "accounts")
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			if err := csvio.WriteXLSX(&buf, "accounts", h, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writeAllText is WriteXLSX as it was before cells had types: every cell
// text, a bold header, nothing else.
func writeAllText(w *bytes.Buffer, sheet string, header []string, rows [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	hv := make([]any, len(header))
	for i, h := range header {
		hv[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", hv, excelize.RowOpts{}); err != nil {
		return err
	}
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, c := range r {
			vals[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
