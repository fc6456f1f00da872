package csvio

import (
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Export returns every record of kind that actor may see, as a header and
// rows in id order: the layout Import reads back.
func Export(s *crm.Store, actor *crm.User, kind string) (header []string, rows [][]string, err error) {
	sp, ok := specFor(kind)
	if !ok {
		return nil, nil, fmt.Errorf("unknown kind %q (one of %s; opps for opportunities)", kind, strings.Join(Kinds, ", "))
	}
	var cols []column
	for _, c := range sp.cols {
		if !c.noExport {
			cols = append(cols, c)
			header = append(header, c.name)
		}
	}
	err = s.View(actor, func(tx *crm.Tx) error {
		x := &ctx{tx: tx, loc: s.Location()}
		return tx.Each(sp.kind, func(r crm.Record) bool {
			row := make([]string, len(cols))
			for i, c := range cols {
				row[i] = c.get(x, r)
			}
			rows = append(rows, row)
			return true
		})
	})
	return header, rows, err
}
