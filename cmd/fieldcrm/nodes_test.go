package main

// Issue 18: several serve processes (nodes) on one PostgreSQL database. Each
// node here is a whole Main (its HTTP server on its own loopback port, its
// pipeline, outbox worker and scheduler) as a process would run it; they
// share the database, the fake Twilio API and the clock. Signed webhooks are
// spread over the nodes, some delivered to two nodes at once: every message
// is applied once, every notice sent once, every summary of a slot queued
// and sent once.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore/pgstoretest"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
	"github.com/fieldcrm/fieldcrm/scheduler"
	"github.com/fieldcrm/fieldcrm/templates"
)

// nodesStart starts n Mains on one new PostgreSQL database and seeds the team.
func nodesStart(t *testing.T, n int) []*e2eEnv {
	t.Helper()
	db := pgstoretest.DB(t)
	api := twiliotest.NewServer(t)
	clock := e2eNewClock()
	nodes := make([]*e2eEnv, n)
	for i := range nodes {
		nodes[i] = &e2eEnv{t: t, db: db, api: api, clock: clock}
		nodes[i].run()
	}
	team := e2eSeedTeam(t, nodes[0].m.Store)
	for _, e := range nodes {
		e.team = team
	}
	return nodes
}

// deliver posts a signed webhook to node e and returns its TwiML text.
func (e *e2eEnv) deliver(form url.Values) (string, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+e.m.Addr()+twilio.SMSPath, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, e.sign(twilio.SMSPath, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	return e2eTwiML(e.t, string(b)), nil
}

// changeSetsByMessage counts the change sets of each message id.
func changeSetsByMessage(t *testing.T, s *crm.Store) map[string]int {
	t.Helper()
	n := map[string]int{}
	err := s.Engine().View(context.Background(), func(tx crm.ETx) error {
		return tx.ChangeSetsAfter(0, func(_ int64, data []byte) bool {
			var cs crm.ChangeSet
			if json.Unmarshal(data, &cs) == nil && cs.MessageID != "" {
				n[cs.MessageID]++
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNodesOneDatabase(t *testing.T) {
	nodes := nodesStart(t, 3)
	first := nodes[0]
	before := e2eCounts(t, first.m.Store)

	// 45 messages: Wang's and Li's calls and Liu's assignments to Wang,
	// each to one node; every third also to another node at the same moment
	// (the same MessageSid twice, as a retry racing its original)
	type msg struct {
		sid   string
		form  url.Values
		nodes []int
	}
	var msgs []msg
	plans := 0
	for i := range 45 {
		var from, body string
		switch i % 3 {
		case 0:
			from, body = e2eWangPhone, fmt.Sprintf("CALL acme; spoke to Zhang Wei; price list %d", i)
		case 1:
			from, body = e2eLiPhone, fmt.Sprintf("电话 华鑫；李刚；问报价 %d", i)
		case 2:
			from, body = e2eLiuPhone, fmt.Sprintf("PLAN wang call tieling tomorrow 9am; ask about order %d", i)
			plans++
		}
		sid := fmt.Sprintf("SMnodes%027d", i)
		m := msg{sid: sid, form: twiliotest.InboundForm(sid, from, e2eOurNumber, body), nodes: []int{i % len(nodes)}}
		if i%3 == 0 {
			m.nodes = append(m.nodes, (i+1)%len(nodes))
		}
		msgs = append(msgs, m)
	}
	replies := make([][]string, len(msgs))
	var wg sync.WaitGroup
	for i, m := range msgs {
		replies[i] = make([]string, len(m.nodes))
		for j, n := range m.nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := nodes[n].deliver(m.form)
				if err != nil {
					t.Errorf("message %d to node %d: %v", i, n, err)
				}
				replies[i][j] = r
			}()
		}
	}
	wg.Wait()

	for i, m := range msgs {
		if replies[i][0] == "" {
			t.Errorf("message %d (%s) answered nothing", i, m.form.Get("Body"))
		}
		for j := 1; j < len(replies[i]); j++ {
			if replies[i][j] != replies[i][0] {
				t.Errorf("message %d: node %d answered %q, node %d %q", i, m.nodes[j], replies[i][j], m.nodes[0], replies[i][0])
			}
		}
		if c, err := gateway.Claim(first.m.Store.Engine(), gateway.ChannelSMS, m.sid); err != nil || c == nil || c.Reply != replies[i][0] {
			t.Errorf("message %d: claim %+v %v, want the reply it answered", i, c, err)
		}
	}
	// applied once: one change set per message, the records counted
	per := changeSetsByMessage(t, first.m.Store)
	for i, m := range msgs {
		if per[m.sid] != 1 {
			t.Errorf("message %d (%s, answered %q): %d change sets, want 1", i, m.form.Get("Body"), replies[i][0], per[m.sid])
		}
	}
	after := e2eCounts(t, first.m.Store)
	if d := after["activity"] - before["activity"]; d != len(msgs) {
		t.Errorf("%d activities from %d messages (each makes one), want %d", d, len(msgs), len(msgs))
	}
	if d := after["gw/claims"] - before["gw/claims"]; d != len(msgs) {
		t.Errorf("%d claims for %d messages", d, len(msgs))
	}

	// every notice sent once, by whichever node's worker took it
	e2eWaitUntil(t, "the notices to Wang are sent", func() bool { return len(e2eMessagesTo(first.api, e2eWangPhone)) >= plans })
	time.Sleep(300 * time.Millisecond) // a second send would come now
	if got := e2eRequestsTo(first.api, e2eWangPhone); got != plans {
		t.Errorf("%d send requests to Wang for %d assignments, want one each", got, plans)
	}
	seen := map[string]bool{}
	for _, m := range e2eMessagesTo(first.api, e2eWangPhone) {
		if seen[m.Body] {
			t.Errorf("sent twice: %q", m.Body)
		}
		seen[m.Body] = true
		if !strings.Contains(m.Body, "Liu Yang") && !strings.Contains(m.Body, "tieling") && !strings.Contains(m.Body, "Tieling") {
			t.Errorf("notice %q does not say what was assigned", m.Body)
		}
	}
	for _, e := range e2eEntriesTo(t, first.m.Store.Engine(), e2eWangPhone) {
		if e.State != outbox.StateSent || e.Attempts != 1 {
			t.Errorf("entry #%d: %s after %d attempts, want sent after 1", e.ID, e.State, e.Attempts)
		}
	}

	// the morning summary of one slot, fired on every node at once: one run
	// queues it, each user gets it once
	tpl := templates.MustNew()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := first.clock.Now()
	slot := time.Date(now.Year(), now.Month(), now.Day()+1, 7, 30, 0, 0, first.m.Config.location)
	first.clock.Advance(slot.Sub(now)) // the next morning, on every node's clock
	var ran sync.Map
	for i, e := range nodes {
		s, err := scheduler.New(scheduler.Config{Store: e.m.Store, Templates: tpl, Location: e.m.Config.location,
			Now: e.clock.Now, Log: quiet, Kick: e.m.Outbox.Kick, Node: fmt.Sprintf("node%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, c, err := s.RunSlot(context.Background(), "summary", slot, e.clock.Now())
			if err != nil {
				t.Errorf("node %d: summary: %v", i, err)
			}
			if ok {
				ran.Store(i, c)
			}
		}()
	}
	wg.Wait()
	n := 0
	ran.Range(func(k, v any) bool { n++; t.Logf("node %v ran the summary: %v", k, v); return true })
	if n != 1 {
		t.Errorf("the summary's slot ran on %d nodes, want 1", n)
	}
	for _, ph := range []string{e2eLiuPhone, e2eWangPhone, e2eLiPhone} {
		var keys []string
		for _, e := range e2eEntriesTo(t, first.m.Store.Engine(), ph) {
			if strings.HasPrefix(e.Key, "summary|") {
				keys = append(keys, e.Key)
			}
		}
		if len(keys) > 1 || (ph == e2eWangPhone && len(keys) != 1) { // Wang has calls due; the others may have nothing
			t.Errorf("summaries queued for %s: %v, want one", ph, keys)
		}
	}
	// and Wang's is sent once, by one of the workers
	e2eWaitUntil(t, "Wang's summary is sent", func() bool { return e2eRequestsTo(first.api, e2eWangPhone) >= plans+1 })
	time.Sleep(300 * time.Millisecond)
	if got := e2eRequestsTo(first.api, e2eWangPhone); got != plans+1 {
		t.Errorf("%d send requests to Wang, want %d notices and one summary", got, plans)
	}
}
