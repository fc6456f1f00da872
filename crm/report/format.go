package report

import (
	"fmt"
	"html/template"
	"io"
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
		return csvio.WriteXLSX(w, t.Name, t.Columns, t.Rows)
	case "html":
		return WriteHTML(w, t)
	}
	return fmt.Errorf("unknown format %q (%s)", format, strings.Join(Formats, ", "))
}

// WriteText writes the title, then the header and rows in columns separated
// by at least two spaces (cells never hold two spaces in a row, so the text
// splits back into the CSV's cells). Widths count runes, a Han character as
// two.
func WriteText(w io.Writer, t *Table) error {
	width := make([]int, len(t.Columns))
	all := append([][]string{t.Columns}, t.Rows...)
	for _, r := range all {
		for i, c := range r {
			width[i] = max(width[i], textWidth(c))
		}
	}
	var b strings.Builder
	b.WriteString(t.Title + "\n")
	for _, r := range all {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-textWidth(c)+2))
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
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
<tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
`))

// WriteHTML writes t as an HTML table (a fragment).
func WriteHTML(w io.Writer, t *Table) error { return htmlTable.Execute(w, t) }
