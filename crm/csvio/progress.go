package csvio

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// Progress is how far an import has got: the rows of the phase done, of
// the rows of the file, and the bad rows found so far.
type Progress struct {
	Phase string // "checking" (every row, rolled back) or "writing"
	Done  int
	Total int
	Bad   int
}

// ProgressPrinter shows an import's progress on one terminal line, redrawn
// at most every Every (250 ms when zero): the phase, rows done, rows per
// second and bad rows so far. A quick import shows nothing. Not for a file
// or a pipe: IsTerminal says whether the standard error is a terminal.
type ProgressPrinter struct {
	W     io.Writer
	Now   func() time.Time
	Every time.Duration

	phase       string
	start, last time.Time
	shown       bool
	lastLen     int
}

// NewProgressPrinter returns a printer on w, or nil when w is not a
// terminal (its Update and Done do nothing then).
func NewProgressPrinter(w io.Writer, now func() time.Time, terminal bool) *ProgressPrinter {
	if !terminal {
		return nil
	}
	return &ProgressPrinter{W: w, Now: now}
}

// IsTerminal reports whether w is a terminal (a character device), so that
// progress goes to a person and not into a log file or a pipe.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update takes the progress of a row; the line is redrawn when Every has
// passed since the last redraw (or since the phase began).
func (pp *ProgressPrinter) Update(p Progress) {
	if pp == nil {
		return
	}
	now := pp.Now()
	if p.Phase != pp.phase {
		pp.phase, pp.start, pp.last = p.Phase, now, now
	}
	every := pp.Every
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	if now.Sub(pp.last) < every && p.Done < p.Total {
		return
	}
	if !pp.shown && p.Done >= p.Total && now.Sub(pp.start) < every {
		return // a phase that ended before the first redraw
	}
	pp.last = now
	line := fmt.Sprintf("%s: %s of %s rows (%d%%)", p.Phase, thousands(p.Done), thousands(p.Total), percent(p.Done, p.Total))
	if el := now.Sub(pp.start); el > 0 {
		line += fmt.Sprintf(", %s rows/s", thousands(int(float64(p.Done)/el.Seconds())))
	}
	line += fmt.Sprintf(", %s bad", thousands(p.Bad))
	pad := ""
	for n := len([]rune(line)); n < pp.lastLen; n++ {
		pad += " "
	}
	pp.lastLen = len([]rune(line))
	fmt.Fprintf(pp.W, "\r%s%s", line, pad)
	pp.shown = true
}

// Done ends the progress line, so that what is printed next starts on a
// line of its own.
func (pp *ProgressPrinter) Done() {
	if pp == nil || !pp.shown {
		return
	}
	fmt.Fprintln(pp.W)
	pp.shown = false
}

func percent(a, b int) int {
	if b <= 0 {
		return 100
	}
	return a * 100 / b
}

// thousands writes n with thousands separators: 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}
