package report

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

// Formats lists the output formats.
var Formats = []string{"text", "csv", "xlsx", "html"}

// Write writes t in format (text, csv, xlsx or html).
func Write(w io.Writer, format string, t *Table) error {
	switch format {
	case "", "text":
		return WriteText(w, t)
	case "csv":
		return csvio.WriteCSV(w, t.Columns, t.Rows)
	case "xlsx":
		return csvio.WriteSheet(w, &csvio.Sheet{Name: t.Name, Header: t.Columns, Rows: t.Rows, Cells: t.Types})
	case "html":
		return WriteHTML(w, t)
	}
	return fmt.Errorf("unknown format %q (%s)", format, strings.Join(Formats, ", "))
}

// WriteText writes the title (with the money unit when the report has
// amounts), then the header and rows in columns separated by at least two
// spaces (cells never hold two spaces in a row, so the text splits back
// into the CSV's cells). Amounts and counts have their thousands grouped
// (1,234,567.89) and stand right-aligned. Widths count runes, a Han
// character as two.
func WriteText(w io.Writer, t *Table) error {
	all := t.shown()
	width := make([]int, len(t.Columns))
	for _, r := range all {
		for i, c := range r {
			width[i] = max(width[i], textWidth(c))
		}
	}
	var b strings.Builder
	b.WriteString(t.titleWithUnit() + "\n")
	for ri, r := range all {
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-textWidth(c))
			right := ri > 0 && t.numeric(ri-1, i) || ri == 0 && t.numeric(0, i) // a number column's header too
			if right {
				b.WriteString(pad)
			}
			b.WriteString(c)
			if i < len(r)-1 {
				if !right {
					b.WriteString(pad)
				}
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// titleWithUnit is the title, saying the money unit when the table holds
// an amount.
func (t *Table) titleWithUnit() string {
	for _, r := range t.Types {
		if slices.Contains(r, csvio.MoneyCell) {
			return t.Title + "; amounts in ¥"
		}
	}
	return t.Title
}

func (t *Table) numeric(i, j int) bool {
	switch t.typeOf(i, j) {
	case csvio.MoneyCell, csvio.IntCell, csvio.PercentCell:
		return true
	}
	return false
}

// shown is the header and the rows as the text and HTML forms show them:
// amounts and counts with their thousands grouped.
func (t *Table) shown() [][]string {
	all := make([][]string, 0, len(t.Rows)+1)
	all = append(all, t.Columns)
	for i, r := range t.Rows {
		out := slices.Clone(r)
		for j, c := range r {
			switch t.typeOf(i, j) {
			case csvio.MoneyCell, csvio.IntCell:
				out[j] = Group(c)
			}
		}
		all = append(all, out)
	}
	return all
}

// Group writes a decimal number with a comma between thousands:
// 2400000.00 → 2,400,000.00, -12345 → -12,345. Anything else is returned
// as it is.
func Group(s string) string {
	neg := strings.HasPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" {
		return s
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

func textWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && utf8.RuneLen(r) == 3 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

var htmlTable = template.Must(template.New("t").Parse(`<table class="report" border="1" cellpadding="4" style="border-collapse:collapse">
<caption>{{.Title}}</caption>
<tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td{{if .Right}} align="right"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</table>
`))

type htmlCell struct {
	Text  string
	Right bool
}

// WriteHTML writes t as an HTML table (a fragment), numbers grouped by
// thousands and right-aligned.
func WriteHTML(w io.Writer, t *Table) error {
	all := t.shown()
	d := struct {
		Title  string
		Header []string
		Rows   [][]htmlCell
	}{Title: t.titleWithUnit(), Header: all[0]}
	for i, r := range all[1:] {
		row := make([]htmlCell, len(r))
		for j, c := range r {
			row[j] = htmlCell{c, t.numeric(i, j)}
		}
		d.Rows = append(d.Rows, row)
	}
	return htmlTable.Execute(w, d)
}
