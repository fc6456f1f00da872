package csvio

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Part is one thing wrong with a row, kept as what it was made of so an
// edge can word it in the reader's language (templates.Set.Refusal): the
// column it is about and the English format with its arguments, as crm's
// refusals are (crm.Error.Format/Args). Text is the English words; the
// row's Reason is its parts' Text joined by "; ".
type Part struct {
	Column   string // the column ("contact_mobile"); "" for the row as a whole
	ColumnZh string // the column's Chinese name ("联系人手机"), "" when it has none
	Format   string // "" for a fault of ours: Text is all there is
	Args     []any
	Hint     string // crm's right form, if any
	Text     string // English, with the column: `owner "x" is not a user (…)`
}

// reasonError is a bad row's reason made of parts.
type reasonError struct{ parts []Part }

func (e *reasonError) Error() string {
	s := make([]string, len(e.parts))
	for i, p := range e.parts {
		s[i] = p.Text
	}
	return strings.Join(s, "; ")
}

// cellError is a problem with one cell of col (the row's when col is ""):
// format is the problem, in English, usually starting with the cell's value
// as %q (`%q is not a whole number`). Every format csvio gives here has its
// Chinese form in templates/sms/zh/refusals.txt (templates' tests check).
func cellError(col, format string, args ...any) error {
	text := fmt.Sprintf(format, args...)
	if col != "" {
		text = col + " " + text
	}
	return &reasonError{[]Part{{Column: col, Format: format, Args: args, Text: text}}}
}

// crmCellError is crm's refusal err about the cell of col.
func crmCellError(col string, err error) error {
	p := partOf(err)
	p.Column = col
	p.Text = col + " " + p.Text
	return &reasonError{[]Part{p}}
}

// partOf is err as one part: crm's refusal with its format, or the whole
// error when it is not one of crm's refusals.
func partOf(err error) Part {
	var e *crm.Error
	if errors.As(err, &e) && crm.ErrorCode(err) != crm.EINTERNAL {
		return Part{Format: e.Format, Args: e.Args, Hint: e.Hint, Text: ErrText(err)}
	}
	return Part{Text: ErrText(err)}
}

// partsOf is what err says about a row, part by part.
func partsOf(err error) []Part {
	var re *reasonError
	if errors.As(err, &re) {
		return re.parts
	}
	return []Part{partOf(err)}
}

// joinErrors makes one reason of the errors of a row's cells.
func joinErrors(errs []error) error {
	var parts []Part
	for _, err := range errs {
		var re *reasonError
		if errors.As(err, &re) {
			parts = append(parts, re.parts...)
			continue
		}
		p := partOf(err)
		p.Text = err.Error() // as the row's reason always said it
		parts = append(parts, p)
	}
	return &reasonError{parts}
}

// reason is what is wrong with a bad row: its English text and its parts.
type reason struct {
	text  string
	parts []Part
}

// reasonOf is err about a row of sp, with the Chinese names of its columns.
func (sp *spec) reasonOf(err error) reason {
	parts := partsOf(err)
	for i := range parts {
		if parts[i].Column != "" {
			parts[i].ColumnZh = sp.chineseName(parts[i].Column)
		}
	}
	return reason{text: ErrText(err), parts: parts}
}
