package gateway_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/templates"
)

// TestSameMessageAtOnce delivers each message many times at once through
// two pipelines on one store (two nodes on one database): a visit (a
// write), TODAY (the read-only fast path) and DONE of an activity that does
// not exist (a refusal). Each is applied once, and every delivery gets the
// same answer: the one stored with the message's claim, also when the
// deliveries raced into the refusal's own transaction.
func TestSameMessageAtOnce(t *testing.T) {
	p1, s := pipeOpen(t)
	p2, err := gateway.New(gateway.Config{Store: s, Templates: templates.MustNew(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{"VISIT ACME Mining; met zhang about the loader", "TODAY", "DONE #999"} {
		id := fmt.Sprintf("SM%032d", i)
		const n = 16
		res := make([]*gateway.Result, n)
		var wg sync.WaitGroup
		for k := range n {
			p := p1
			if k%2 == 1 {
				p = p2
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := p.Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS, ID: id, From: "+8613800000002", Body: body}, gateway.Options{})
				if err != nil {
					t.Errorf("%s: %v", body, err)
					return
				}
				res[k] = r
			}()
		}
		wg.Wait()
		stored, err := gateway.Claim(s.Engine(), gateway.ChannelSMS, id)
		if err != nil || stored == nil || stored.Reply == "" {
			t.Fatalf("%s: claim %+v %v", body, stored, err)
		}
		firsts := 0
		for _, r := range res {
			if r == nil {
				continue
			}
			if !r.Dup {
				firsts++
			}
			if r.Reply != stored.Reply || r.Code != stored.Code {
				t.Errorf("%s: a delivery was answered %q (code %q), the stored answer is %q (code %q)", body, r.Reply, r.Code, stored.Reply, stored.Code)
			}
		}
		if firsts != 1 {
			t.Errorf("%s: applied %d times", body, firsts)
		}
	}
	acts := 0
	s.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindActivity, func(crm.Record) bool { acts++; return true })
	})
	if acts != 1 {
		t.Errorf("%d activities stored, want the one visit", acts)
	}
}
