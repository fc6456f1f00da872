package gateway_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Messages that only the sender's names can split, and values read in
// their Chinese or spelled-out forms, go through the real pipeline into the
// store: the records carry what the salesman meant.
func TestNamesAndValuesEndToEnd(t *testing.T) {
	p, s := pipeOpen(t)
	var fushun, gao, tieling int64
	_, err := s.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		var wang *crm.User
		tx.Each(crm.KindUser, func(r crm.Record) bool { wang = r.(*crm.User); return false })
		a := &crm.Account{Base: crm.Base{Owner: wang.ID}, Name: "Fushun Coal Works"}
		c := &crm.Contact{Name: "Gao Peng"}
		if err := tx.CreateAccount(a, c); err != nil {
			return err
		}
		fushun, gao = a.ID, c.ID
		b := &crm.Account{Base: crm.Base{Owner: wang.ID}, Name: "铁岭水泥厂"}
		if err := tx.CreateAccount(b, &crm.Contact{Name: "郑华"}); err != nil {
			return err
		}
		tieling = b.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	activities := func() []*crm.Activity {
		var out []*crm.Activity
		s.View(crm.System, func(tx *crm.Tx) error {
			return tx.Each(crm.KindActivity, func(r crm.Record) bool { out = append(out, r.(*crm.Activity)); return true })
		})
		return out
	}
	t.Run("AccountThenContactWithoutSeparators", func(t *testing.T) {
		r := pipeSend(t, p, "n1", "V fushun coal gao peng happy with the demo")
		if !strings.Contains(r.Reply, "OK") || !strings.Contains(r.Reply, "Fushun Coal Works") {
			t.Fatalf("reply %q", r.Reply)
		}
		acts := activities()
		if len(acts) != 1 {
			t.Fatalf("%d activities", len(acts))
		}
		a := acts[0]
		if a.Account != fushun || a.Contact != gao || !strings.Contains(a.Notes+a.Subject+a.Outcome, "happy with the demo") {
			t.Errorf("stored %+v", a)
		}
	})
	t.Run("ChineseAccountGluedToPerson", func(t *testing.T) {
		r := pipeSend(t, p, "n2", "拜访铁岭水泥郑华 下周四报价")
		acts := activities()
		if len(acts) < 2 {
			t.Fatalf("reply %q, %d activities", r.Reply, len(acts))
		}
		var visit *crm.Activity
		for _, a := range acts {
			if a.Account == tieling && a.Status == crm.StatusDone {
				visit = a
			}
		}
		if visit == nil || visit.Contact == 0 {
			t.Fatalf("no visit at 铁岭水泥厂 with 郑华: reply %q, stored %+v", r.Reply, acts)
		}
	})
	t.Run("MisspeltAccount", func(t *testing.T) {
		before := len(activities())
		r := pipeSend(t, p, "n3", "V fushun coall; met gao peng")
		if len(activities()) != before+1 || !strings.Contains(r.Reply, "Fushun Coal Works") {
			t.Fatalf("reply %q", r.Reply)
		}
	})
	t.Run("ChineseAmount", func(t *testing.T) {
		r := pipeSend(t, p, "n4", "opp fushun coal works 2x950H 两百四十万")
		var amt crm.Money
		s.View(crm.System, func(tx *crm.Tx) error {
			return tx.Each(crm.KindOpp, func(r crm.Record) bool { amt = r.(*crm.Opportunity).Amount; return true })
		})
		if amt.Yuan() != 2_400_000 {
			t.Fatalf("reply %q, amount stored %v", r.Reply, amt)
		}
	})
	t.Run("SpelledOutMillion", func(t *testing.T) {
		r := pipeSend(t, p, "n5", "opp acme mining 2x320D RMB 1.6 mil")
		var amts []float64
		s.View(crm.System, func(tx *crm.Tx) error {
			return tx.Each(crm.KindOpp, func(r crm.Record) bool { amts = append(amts, r.(*crm.Opportunity).Amount.Yuan()); return true })
		})
		if len(amts) != 2 || amts[1] != 1_600_000 {
			t.Fatalf("reply %q, amounts stored %v", r.Reply, amts)
		}
	})
}
