package csvio

import (
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// CellType says how an Excel file holds a cell. CSV writes every cell as
// text; Excel writes numbers and dates as numbers with a number format, so
// that SUM adds the amounts and dates sort, and Import reads them back.
type CellType uint8

const (
	TextCell         CellType = iota // text as written: names, phones, ids
	IntCell                          // a whole number, 12,345
	YearCell                         // a whole number without a separator: 2019
	MoneyCell                        // yuan with two decimals: ¥2,400,000.00
	PercentCell                      // a percentage written as 33.3 (one decimal): the cell holds 0.333 shown as 33.3%
	WholePercentCell                 // a whole percentage as stored (probability 40): the cell holds 40 shown as 40%
	DateCell                         // 2006-01-02 (a date) or RFC 3339 (a date and time, in its own zone's wall clock)
)

// Number formats of the typed cells (Excel's own codes where one exists).
const (
	fmtText         = 49 // @
	fmtInt          = 3  // #,##0
	fmtYear         = 1  // 0
	fmtMoney        = `"¥"#,##0.00;-"¥"#,##0.00`
	fmtPercent      = `0.0%`
	fmtWholePercent = `0"%"`
	fmtDate         = `yyyy-mm-dd`
	fmtDateTime     = `yyyy-mm-dd hh:mm`
)

// exportTypes are the types of the columns Export writes that are not text
// (every id, reference and phone column stays text).
var exportTypes = map[string]CellType{
	"amount": MoneyCell, "estimated_value": MoneyCell,
	"probability": WholePercentCell,
	"smu":         IntCell, "year": YearCell,
	"created": DateCell, "updated": DateCell, "removed_at": DateCell, "converted_at": DateCell,
	"close": DateCell, "delivery": DateCell, "closed_at": DateCell, "assigned_at": DateCell,
	"due": DateCell, "done_at": DateCell, "escalated": DateCell, "smu_at": DateCell,
	"bought": DateCell, "delivered": DateCell,
}

// ColumnTypes returns the cell types of the columns Export writes, by their
// names in header (text for any other).
func ColumnTypes(header []string) []CellType {
	ts := make([]CellType, len(header))
	for i, h := range header {
		ts[i] = exportTypes[h]
	}
	return ts
}

// Sheet is a table to write as an Excel workbook.
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]string
	Types  []CellType   // per column; nil or missing: text
	Cells  [][]CellType // per cell, when a column mixes types (a total row); nil: Types
}

func (s *Sheet) typeOf(row, col int) CellType {
	if row < len(s.Cells) && col < len(s.Cells[row]) {
		return s.Cells[row][col]
	}
	if col < len(s.Types) {
		return s.Types[col]
	}
	return TextCell
}

// WriteXLSX writes a workbook with one sheet, the columns that Export
// writes typed by their names (ColumnTypes): see WriteSheet.
func WriteXLSX(w io.Writer, sheet string, header []string, rows [][]string) error {
	return WriteSheet(w, &Sheet{Name: sheet, Header: header, Rows: rows, Types: ColumnTypes(header)})
}

// style ids of one workbook
type styles struct {
	header int
	cell   [DateCell + 1]int
	dtime  int
}

func newStyles(f *excelize.File) (*styles, error) {
	st := &styles{}
	var err error
	add := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(s)
		return id
	}
	custom := func(code string) *excelize.Style { return &excelize.Style{CustomNumFmt: &code} }
	st.header = add(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEEEEE"}},
		Border: []excelize.Border{{Type: "bottom", Color: "999999", Style: 1}}})
	st.cell[TextCell] = add(&excelize.Style{NumFmt: fmtText})
	st.cell[IntCell] = add(&excelize.Style{NumFmt: fmtInt})
	st.cell[YearCell] = add(&excelize.Style{NumFmt: fmtYear})
	st.cell[MoneyCell] = add(custom(fmtMoney))
	st.cell[PercentCell] = add(custom(fmtPercent))
	st.cell[WholePercentCell] = add(custom(fmtWholePercent))
	st.cell[DateCell] = add(custom(fmtDate))
	st.dtime = add(custom(fmtDateTime))
	return st, err
}

// WriteSheet writes s as a workbook with one sheet: numbers, amounts and
// percentages as numbers with their number format, dates and times as date
// cells, text (phones and ids too) as text; a cell that does not read as its
// type (a "-" in a total row) stays text. The header row is bold and frozen,
// and each column is as wide as its longest cell (a Han character counts
// twice), within limits.
func WriteSheet(w io.Writer, s *Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	name := s.Name
	if name == "" {
		name = "Sheet1"
	}
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	// convert every cell first: the widths must be set before the first row
	vals := make([][]any, len(s.Rows))
	width := make([]int, len(s.Header))
	for j, h := range s.Header {
		width[j] = textWidth(h)
	}
	for i, r := range s.Rows {
		vals[i] = make([]any, len(r))
		for j, c := range r {
			if j >= len(width) {
				width = append(width, 0)
			}
			v, wd := st.cellValue(c, s.typeOf(i, j))
			vals[i][j] = v
			width[j] = max(width[j], wd)
		}
	}
	for j, wd := range width {
		if err := sw.SetColWidth(j+1, j+1, colWidth(wd)); err != nil {
			return err
		}
	}
	if len(s.Rows) > 0 {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
			return err
		}
	}
	hv := make([]any, len(s.Header))
	for i, h := range s.Header {
		hv[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow("A1", hv); err != nil {
		return err
	}
	for i, r := range vals {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, r); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// colWidth is the width of a column whose longest cell is n characters wide
// (Excel's unit is about one digit).
func colWidth(n int) float64 {
	return float64(min(max(n, 6), 60)) + 2
}

// cellValue converts one cell for the stream writer, with the width it
// takes on screen.
func (st *styles) cellValue(c string, t CellType) (any, int) {
	if c == "" {
		return nil, 0
	}
	text := func() (any, int) {
		return excelize.Cell{StyleID: st.cell[TextCell], Value: c}, textWidth(c)
	}
	switch t {
	case IntCell, YearCell:
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			return text()
		}
		w := len(c)
		if t == IntCell {
			w += (len(strings.TrimPrefix(c, "-")) - 1) / 3
		}
		return excelize.Cell{StyleID: st.cell[t], Value: n}, w
	case MoneyCell:
		v, err := strconv.ParseFloat(c, 64)
		if err != nil || strings.ContainsAny(c, "eEnN") {
			return text()
		}
		whole, _, _ := strings.Cut(strings.TrimPrefix(c, "-"), ".")
		return excelize.Cell{StyleID: st.cell[t], Value: v}, len(c) + (len(whole)-1)/3 + 1 // ¥ and separators
	case PercentCell, WholePercentCell:
		v, err := strconv.ParseFloat(c, 64)
		if err != nil || strings.ContainsAny(c, "eEnN") {
			return text()
		}
		if t == PercentCell {
			v /= 100
		}
		return excelize.Cell{StyleID: st.cell[t], Value: v}, len(c) + 1
	case DateCell:
		if len(c) == len("2006-01-02") {
			d, err := time.Parse("2006-01-02", c)
			if err != nil {
				return text()
			}
			if d.Before(excelMin) {
				return text()
			}
			return excelize.Cell{StyleID: st.cell[DateCell], Value: excelDays(d)}, 10
		}
		tm, err := time.Parse(time.RFC3339Nano, c)
		if err != nil {
			return text()
		}
		// Excel has no zone: the cell holds the wall clock of the zone the
		// text was written in (the database's), which is how Import reads it
		y, mo, d := tm.Date()
		h, mi, sec := tm.Clock()
		wall := time.Date(y, mo, d, h, mi, sec, 0, time.UTC)
		if wall.Before(excelMin) {
			return text()
		}
		return excelize.Cell{StyleID: st.dtime, Value: excelDays(wall)}, 16
	}
	return text()
}

// excel1900 is day 0 of Excel's 1900 date system (which counts 1900-02-29,
// so days from 1900-03-01 on are days since 1899-12-30).
var (
	excel1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	excelMin  = time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC) // earlier dates stay text
)

// excelDays is the Excel serial date of a wall-clock time given in UTC, to
// the second (float64 keeps a second exact for dates far beyond 9999).
func excelDays(t time.Time) float64 {
	secs := int64(t.Sub(excel1900) / time.Second)
	if secs%86400 == 0 {
		return float64(secs / 86400)
	}
	return float64(secs) / 86400
}

// textWidth is how many columns s takes on screen: a wide (Han, kana,
// Hangul, full-width) character counts two.
func textWidth(s string) int {
	n, longest := 0, 0
	for _, r := range s {
		switch {
		case r == '\n':
			n = 0 // the longest line of the cell counts
		case r >= 0x1100 && utf8.RuneLen(r) == 3:
			n += 2
		default:
			n++
		}
		longest = max(longest, n)
	}
	return longest
}
