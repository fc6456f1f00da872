package web

import (
	"strings"

	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

// rowReasons words the reasons of an import's bad rows in loc, in the order
// of bad: each part of a reason through the refusal catalogue
// (templates/sms/<loc>/refusals.txt), after its column. A reason none of
// whose parts the catalogue words stays csvio's English, as `fieldcrm
// import` prints it; a part it cannot word keeps its English words.
func (s *Server) rowReasons(loc string, bad []csvio.RowError) []string {
	out := make([]string, len(bad))
	for i, b := range bad {
		out[i] = s.rowReason(loc, b)
	}
	return out
}

func (s *Server) rowReason(loc string, b csvio.RowError) string {
	if s.cfg.Templates == nil || len(b.Parts) == 0 {
		return b.Reason
	}
	words := make([]string, len(b.Parts))
	worded := false
	for i, p := range b.Parts {
		words[i] = p.Text
		if p.Format == "" {
			continue
		}
		msg, ok := s.cfg.Templates.Refusal(loc, p.Format, p.Args)
		if !ok {
			continue
		}
		worded = true
		msg = strings.TrimRight(msg, ".。")
		if p.Hint != "" {
			msg += "（" + s.cfg.Templates.Hint(loc, p.Hint) + "）"
		}
		switch {
		case p.Column != "" && p.ColumnZh != "":
			msg = p.ColumnZh + "（" + p.Column + "）：" + msg
		case p.Column != "":
			msg = p.Column + "：" + msg
		}
		words[i] = msg
	}
	if !worded {
		return b.Reason
	}
	return strings.Join(words, "；")
}
