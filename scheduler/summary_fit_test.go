package scheduler_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/templates"
)

// Issue 14 point 16: the morning summary is one SMS segment even when the
// accounts it names are Chinese (which makes the text UCS-2, 70 characters):
// fewer items are named and the rest counted.
func TestSummaryOneSegmentWithChineseNames(t *testing.T) {
	w := newWorld(t)
	w.clk.Set(at(0, 8, 0))
	for i, name := range []string{"辽宁长城重型工程机械有限公司", "鞍钢建设集团", "营口港建设集团"} {
		w.update(t, w.wang, func(tx *crm.Tx) error {
			acct := &crm.Account{Base: crm.Base{Owner: w.wang.ID}, Name: name}
			if err := tx.CreateAccount(acct, &crm.Contact{Name: "张伟"}); err != nil {
				return err
			}
			return tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: w.wang.ID}, Type: crm.ActVisit,
				Subject: "visit " + name, Account: acct.ID, Due: at(1, 9+i, 0)})
		})
	}
	c, err := w.scheduler(t, nil).Run(context.Background(), "summary", at(1, 7, 30))
	if err != nil || c["sms"] != 1 {
		t.Fatalf("summary: %v %v", c, err)
	}
	var body string
	for _, e := range w.entries(t) {
		if e.Channel == "sms" {
			body = e.Body
		}
	}
	if n, enc := templates.Segments(body); n != 1 || !strings.Contains(body, "more") {
		t.Errorf("%d %s segments: %q", n, enc, body)
	}
}
