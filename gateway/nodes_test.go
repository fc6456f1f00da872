package gateway_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
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

// TestUnknownSendersAtOnce: the unknown-sender throttle is in the database,
// read and written in one transaction, so two nodes answering at once keep
// it: a stranger writing several times at once (to both nodes) is answered
// once, and strangers writing to both nodes get UnknownPerHour answers in all.
func TestUnknownSendersAtOnce(t *testing.T) {
	_, s := pipeOpen(t)
	node := func() *gateway.Pipeline {
		p, err := gateway.New(gateway.Config{Store: s, Templates: templates.MustNew(), UnknownPerHour: 3,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	nodes := []*gateway.Pipeline{node(), node()}
	const strangers, times = 5, 8
	var mu sync.Mutex
	answered := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range strangers {
		from := fmt.Sprintf("+861390000%04d", i)
		for k := range times { // the same stranger on both nodes at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := nodes[k%2].Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS,
					ID: fmt.Sprintf("SMu%d-%d", i, k), From: from, Body: "hello"}, gateway.Options{})
				if err != nil {
					t.Error(err)
					return
				}
				if r.Code != "unknown" || r.User != nil {
					t.Errorf("%s: %+v", from, r)
				}
				if r.Reply != "" {
					if !strings.Contains(r.Reply, "not registered") {
						t.Errorf("%s answered %q", from, r.Reply)
					}
					mu.Lock()
					answered[from]++
					mu.Unlock()
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	total := 0
	for from, n := range answered {
		if n != 1 {
			t.Errorf("%s answered %d times", from, n)
		}
		total += n
	}
	if total != 3 {
		t.Errorf("%d strangers answered in all, want the hour's cap of 3", total)
	}
}
