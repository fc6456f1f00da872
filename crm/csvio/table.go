// Package csvio moves crm records in and out of CSV and Excel files: one file
// per kind, a header row naming the columns, one record per row. It is the
// administrator's bulk path (fieldcrm import/export); see docs/import.md.
package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Table is the content of one file: its header and its rows, each with the
// line (CSV) or row number (Excel) it came from, for error messages.
type Table struct {
	Header []string
	Rows   []Row
}

// Row is one data row of a file.
type Row struct {
	Line  int
	Cells []string
}

// Format is a file format.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat reads a format name ("csv", "xlsx", "excel").
func ParseFormat(s string) (Format, bool) {
	switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), ".")) {
	case "csv", "txt":
		return CSV, true
	case "xlsx", "excel", "xlsm":
		return XLSX, true
	}
	return "", false
}

// Read reads a table in format f.
func Read(r io.Reader, f Format) (*Table, error) {
	if f == XLSX {
		return ReadXLSX(r)
	}
	return ReadCSV(r)
}

var bom = []byte("\ufeff")

// ReadCSV reads a UTF-8 CSV file (a leading byte order mark is skipped).
// Blank rows are left out; the first non-blank row is the header.
func ReadCSV(r io.Reader) (*Table, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, bom) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	t := &Table{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d: %v", pe.Line, pe.Err)
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		for _, c := range rec {
			if !utf8.ValidString(c) {
				return nil, fmt.Errorf("line %d: the file is not UTF-8 text; in Excel save it as \"CSV UTF-8\"", line)
			}
		}
		if err := t.add(line, rec); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// ReadXLSX reads the first sheet of an Excel workbook.
func ReadXLSX(r io.Reader) (*Table, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("not an Excel (.xlsx) file: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", sheets[0], err)
	}
	t := &Table{}
	for i, rec := range rows {
		if err := t.add(i+1, rec); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Table) add(line int, rec []string) error {
	blank := true
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			blank = false
			break
		}
	}
	if blank {
		return nil
	}
	if t.Header == nil {
		t.Header = make([]string, len(rec))
		for i, c := range rec {
			t.Header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))
		}
		// trailing empty header cells (Excel leaves them) are not columns
		for len(t.Header) > 0 && t.Header[len(t.Header)-1] == "" {
			t.Header = t.Header[:len(t.Header)-1]
		}
		return nil
	}
	cells := make([]string, len(rec))
	for i, c := range rec {
		cells[i] = unescapeCell(c)
	}
	t.Rows = append(t.Rows, Row{Line: line, Cells: cells})
	return nil
}

// Write writes a table in format f; sheet names the Excel sheet.
func Write(w io.Writer, f Format, sheet string, header []string, rows [][]string) error {
	if f == XLSX {
		return WriteXLSX(w, sheet, header, rows)
	}
	return WriteCSV(w, header, rows)
}

// WriteCSV writes an Excel-friendly CSV file: a UTF-8 byte order mark (so
// that Excel reads Chinese text right), CRLF line ends, and cells that Excel
// would take for a formula prefixed with an apostrophe (which ReadCSV strips).
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	bw := bufio.NewWriter(w)
	bw.Write(bom)
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	cw.Write(header)
	esc := make([]string, len(header))
	for _, r := range rows {
		esc = esc[:0]
		for _, c := range r {
			esc = append(esc, escapeCell(c))
		}
		if err := cw.Write(esc); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// escapeCell keeps Excel from evaluating a cell that starts like a formula
// (=, @, or + and - not followed by a digit: phone numbers and negative
// amounts stay as they are).
func escapeCell(c string) string {
	if c == "" {
		return c
	}
	switch c[0] {
	case '=', '@', '\t', '\r':
		return "'" + c
	case '+', '-':
		if len(c) == 1 || c[1] < '0' || c[1] > '9' {
			return "'" + c
		}
	}
	return c
}

func unescapeCell(c string) string {
	if len(c) >= 2 && c[0] == '\'' && strings.ContainsRune("=@+-\t\r", rune(c[1])) {
		return c[1:]
	}
	return c
}
