package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

// counts are the crash test's figures, read from the closed file and the
// fake API's record.
type counts struct {
	Kills      int
	Nodes      int
	Twice      int // posted to two nodes at once (the same MessageSid)
	TwiceBoth  int // of those, both nodes answered 200 (with the same reply)
	Sent       int // messages posted (distinct MessageSids)
	Acked      int // answered 200
	Unacked    int // never answered 200 (given up)
	Stored     int // claims of acknowledged messages
	Claims     int // claims in the file
	Changes    int // acknowledged carried-out writes with exactly one change set
	Tokens     int // acknowledged VISITs whose token is in exactly one activity
	Outbox     int // outbox entries
	OutboxSent int // sent or delivered, each seen by the fake API
	Held       int // queued and held until later (quiet hours): not due yet
	InDoubt    int // entries found in the send window after a crash
	Resent     int // extra sends (same To and Body) of in-doubt entries
	FakeSent   int // messages the fake API accepted
	Outcomes   map[string]int
	Problems   []string
}

func (c *counts) problem(format string, args ...any) {
	if len(c.Problems) < 20 {
		c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
	} else if len(c.Problems) == 20 {
		c.Problems = append(c.Problems, "…")
	}
}

var reToken = regexp.MustCompile(`ref (qz[a-z]+)`)

// verify opens the database (serve stopped) and checks that every
// acknowledged webhook is stored exactly once with its change, and that
// every outbox entry was sent (at least once; more only when it was in the
// send window at a crash).
//
// now is serve's clock when it stopped: a queued entry held until after it
// (quiet hours) is not due, so not missing.
//
// A message posted to two nodes at once must be applied once, and when both
// answered 200 their answers must be the same (the reply is sent once, in
// the claim both read).
func verify(path string, lr *loadRun, api []twiliotest.Message, kills, nodes int, now time.Time) (*counts, error) {
	s, err := openStore(path, crm.Options{Now: func() time.Time { return now }})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	c := &counts{Kills: kills, Nodes: nodes, FakeSent: len(api), Outcomes: map[string]int{}}
	// every index agrees with the records after the kills (the bbolt
	// file's own buckets; on PostgreSQL the indexes are the server's)
	if !isPostgres(path) {
		if rep, err := s.Check(false); err != nil {
			return nil, err
		} else if !rep.OK() {
			c.problem("index check: %s", strings.Join(rep.Problems, "; "))
		}
	}

	// what the file holds: claims, change sets per message, tokens in activities
	perMsg := map[string]int{}
	tokens := map[string]int{}
	sids := map[string]bool{}
	err = s.Engine().View(context.Background(), func(tx crm.ETx) error {
		claims := tx.State("gw/claims")
		c.Claims = claims.Count()
		claims.Scan(nil, nil, false, func(k, _ []byte) bool {
			sids[strings.TrimPrefix(string(k), "sms\x00")] = true
			return true
		})
		var err error
		tx.ChangeSetsAfter(0, func(_ int64, v []byte) bool {
			var cs crm.ChangeSet
			if err = json.Unmarshal(v, &cs); err != nil {
				return false
			}
			if cs.MessageID != "" && len(cs.Changes) > 0 {
				perMsg[cs.MessageID]++
			}
			return true
		})
		if err != nil {
			return err
		}
		return tx.Scan(crm.KindActivity, func(_ int64, v []byte) bool {
			seen := map[string]bool{} // a token counts once per activity
			for _, m := range reToken.FindAllSubmatch(v, -1) {
				if t := string(m[1]); !seen[t] {
					seen[t] = true
					tokens[t]++
				}
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}

	sentSids := map[string]bool{}
	for _, os := range lr.outs {
		for _, o := range os {
			c.Sent++
			sentSids[o.sid] = true
			if o.twice {
				c.Twice++
				if o.statuses[0] == 200 && o.statuses[1] == 200 {
					c.TwiceBoth++
					if o.bodies[0] != o.bodies[1] {
						c.problem("%s, posted to two nodes at once, got two different answers: %q and %q", o.sid, o.bodies[0], o.bodies[1])
					}
				}
			}
			if !o.acked {
				c.Unacked++
				continue
			}
			c.Acked++
			cl, err := gateway.Claim(s.Engine(), gateway.ChannelSMS, o.sid)
			if err != nil {
				return nil, err
			}
			if cl == nil {
				c.problem("%s answered 200 but has no claim", o.sid)
				continue
			}
			c.Stored++
			t := templates[o.tpl]
			code := cl.Code
			if code == "" {
				code = "ok"
			}
			c.Outcomes[t.name+":"+code]++
			n := perMsg[o.sid]
			switch {
			case n > 1:
				c.problem("%s (%s) has %d change sets", o.sid, t.name, n)
			case t.write && cl.Code == "" && n == 0:
				c.problem("%s (%s) answered 200 and carried out, but no change set", o.sid, t.name)
			case t.write && cl.Code == "":
				c.Changes++
			}
			if o.token != "" && cl.Code == "" {
				if k := tokens[o.token]; k != 1 {
					c.problem("%s: token %s in %d activities, want 1", o.sid, o.token, k)
				} else {
					c.Tokens++
				}
			}
		}
	}
	for sid := range sids {
		if !sentSids[sid] {
			c.problem("claim for %q, a message never sent", sid)
		}
	}
	for id, n := range perMsg {
		if !sentSids[id] && n > 0 {
			c.problem("change set for %q, a message never sent", id)
		}
	}

	// the outbox against what the fake API accepted
	entries, err := outbox.List(s.Engine(), outbox.Filter{Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	c.Outbox = len(entries)
	bySID := map[string]twiliotest.Message{}
	type group struct{ sends, entries, inDoubt int }
	groups := map[string]*group{}
	key := func(to, body string) string { return to + "\x00" + body }
	for _, m := range api {
		bySID[m.SID] = m
		g := groups[key(m.To, m.Body)]
		if g == nil {
			g = &group{}
			groups[key(m.To, m.Body)] = g
		}
		g.sends++
	}
	keys := map[string]int64{}
	for _, e := range entries {
		if e.Key != "" {
			if id, dup := keys[e.Channel+"\x00"+e.Key]; dup {
				c.problem("idempotency key %q on entries %d and %d", e.Key, id, e.ID)
			}
			keys[e.Channel+"\x00"+e.Key] = e.ID
		}
		if e.Channel != outbox.ChannelSMS {
			continue
		}
		g := groups[key(e.To, e.Body)]
		if g == nil {
			g = &group{}
			groups[key(e.To, e.Body)] = g
		}
		g.entries++
		for _, h := range e.StatusHistory {
			if strings.HasPrefix(h.Note, "in doubt") {
				g.inDoubt++
				c.InDoubt++
				break
			}
		}
		switch e.State {
		case outbox.StateSent, outbox.StateDelivered:
			if m, ok := bySID[e.ProviderID]; !ok || m.To != e.To || m.Body != e.Body {
				c.problem("outbox %d (%s) is %s as %s, which the fake API never accepted", e.ID, e.Key, e.State, e.ProviderID)
			} else {
				c.OutboxSent++
			}
		case outbox.StateQueued:
			if e.NotBefore.After(now) && e.ProviderID == "" && e.Attempts == 0 {
				c.Held++
				g.entries-- // not sent: a send of the same text counts as a duplicate
				continue
			}
			c.problem("outbox %d (%s) is still queued (due %s, serve's clock %s): %s", e.ID, e.Key,
				e.NotBefore.Format(time.RFC3339), now.Format(time.RFC3339), e.LastError)
		default:
			c.problem("outbox %d (%s) is %s: %s", e.ID, e.Key, e.State, e.LastError)
		}
	}
	for _, g := range groups {
		switch {
		case g.entries == 0 && g.sends == 0:
		case g.entries == 0:
			c.problem("the fake API got %d messages no outbox entry asked for", g.sends)
		case g.sends > g.entries+g.inDoubt:
			c.problem("%d sends for %d entries (%d in doubt): a duplicate outside the send window", g.sends, g.entries, g.inDoubt)
		case g.sends > g.entries:
			c.Resent += g.sends - g.entries
		}
	}
	return c, nil
}

func (c *counts) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nodes %d; ", c.Nodes)
	if c.Nodes > 1 {
		fmt.Fprintf(&b, "posted to two nodes at once %d (both answered 200 with the same reply %d); ", c.Twice, c.TwiceBoth)
	}
	fmt.Fprintf(&b, "kills %d; webhooks sent %d, acknowledged (200) %d, stored exactly once %d, never acknowledged %d; claims stored %d\n",
		c.Kills, c.Sent, c.Acked, c.Stored, c.Unacked, c.Claims)
	fmt.Fprintf(&b, "carried-out writes with exactly one change set %d; VISIT tokens found exactly once %d\n", c.Changes, c.Tokens)
	fmt.Fprintf(&b, "outbox entries %d, sent and seen by the fake API %d, held for later (quiet hours) %d; in doubt after a crash %d, resent in the send window %d; fake API accepted %d",
		c.Outbox, c.OutboxSent, c.Held, c.InDoubt, c.Resent, c.FakeSent)
	return b.String()
}
