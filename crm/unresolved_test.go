package crm_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/templates"
)

// unresolvedWorld is a real store file with a salesman, two accounts whose
// names share "acme", and the real pipeline in front of it.
type unresolvedWorld struct {
	t     *testing.T
	s     *crm.Store
	p     *gateway.Pipeline
	clk   *testClock
	wang  *crm.User
	li    *crm.User
	msgID int
}

func newUnresolvedWorld(t *testing.T) *unresolvedWorld {
	t.Helper()
	w := &unresolvedWorld{t: t, clk: newTestClock()}
	w.s = openStoreWithClock(t, w.clk, nil)
	mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error {
		w.wang = &crm.User{Name: "Wang Jun", Phones: []string{"+8613800000002"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "sy", Dept: "m"}}
		w.li = &crm.User{Name: "Li Na", Phones: []string{"+8613800000003"}, Role: crm.RoleSalesman, Locale: "zh", Base: crm.Base{Branch: "sy", Dept: "m"}}
		for _, u := range []*crm.User{w.wang, w.li} {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		for _, n := range []string{"ACME Mining", "ACME Transport"} {
			if err := tx.CreateAccount(&crm.Account{Base: crm.Base{Owner: w.wang.ID}, Name: n}, &crm.Contact{Name: "Zhang Wei"}); err != nil {
				return err
			}
		}
		return nil
	})
	var err error
	w.p, err = gateway.New(gateway.Config{Store: w.s, Templates: templates.MustNew(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// send handles one SMS from phone and returns the result.
func (w *unresolvedWorld) send(phone, body string) *gateway.Result {
	w.t.Helper()
	w.msgID++
	res, err := w.p.Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS, ID: "SM" + strconv.Itoa(w.msgID),
		From: phone, Body: body}, gateway.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

func (w *unresolvedWorld) list(f crm.UnresolvedFilter) []*crm.Unresolved {
	w.t.Helper()
	var out []*crm.Unresolved
	mustView(w.t, w.s, crm.System, func(tx *crm.Tx) error {
		var err error
		out, err = tx.UnresolvedList(f)
		return err
	})
	return out
}

// A message not understood and one refused are kept with the reply they
// got, sender, channel, id and time; what was carried out is not.
func TestUnresolvedKeepsWhatWasNotCarriedOut(t *testing.T) {
	w := newUnresolvedWorld(t)
	ok := w.send("+8613800000002", "V acme mining; met zhang wei")
	if ok.Code != "" {
		t.Fatalf("visit not carried out: %q", ok.Reply)
	}
	bad := w.send("+8613800000002", "XYZZY plugh")
	w.clk.Advance(time.Minute)
	refused := w.send("+8613800000003", "完成 #999")
	if bad.Code != "parse" || refused.Code != crm.ENOTFOUND {
		t.Fatalf("codes %q %q", bad.Code, refused.Code)
	}
	got := w.list(crm.UnresolvedFilter{})
	if len(got) != 2 {
		t.Fatalf("kept %d, want 2: %+v", len(got), got)
	}
	e := got[0]
	if e.Cause != crm.CauseNotUnderstood || e.Text != "XYZZY plugh" || e.Reply != bad.Reply || e.User != w.wang.ID ||
		e.Channel != gateway.ChannelSMS || e.From != "+8613800000002" || e.MessageID != "SM2" || !e.At.Equal(t0) {
		t.Errorf("not understood kept as %+v", e)
	}
	e = got[1]
	if e.Cause != crm.CauseRefused || e.Code != crm.ENOTFOUND || e.Text != "完成 #999" || e.Reply != refused.Reply ||
		e.User != w.li.ID || e.Verb != "done" || !e.At.Equal(t0.Add(time.Minute)) {
		t.Errorf("refusal kept as %+v", e)
	}
	if !strings.Contains(e.Reply, "999") {
		t.Errorf("the reply kept is not the refusal: %q", e.Reply)
	}
	// filters
	if l := w.list(crm.UnresolvedFilter{User: w.li.ID}); len(l) != 1 || l[0].User != w.li.ID {
		t.Errorf("by user: %+v", l)
	}
	if l := w.list(crm.UnresolvedFilter{Since: t0.Add(30 * time.Second)}); len(l) != 1 || l[0].Text != "完成 #999" {
		t.Errorf("since: %+v", l)
	}
	// a delivery again of the same message is not kept twice
	res, err := w.p.Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS, ID: "SM2", From: "+8613800000002", Body: "XYZZY plugh"}, gateway.Options{})
	if err != nil || !res.Dup {
		t.Fatalf("retry: %v %+v", err, res)
	}
	if l := w.list(crm.UnresolvedFilter{}); len(l) != 2 {
		t.Errorf("a retried delivery was kept again: %d", len(l))
	}
	// only administrators read them
	err = w.s.View(w.wang, func(tx *crm.Tx) error { _, err := tx.UnresolvedList(crm.UnresolvedFilter{}); return err })
	wantErr(t, err, crm.EFORBIDDEN, "administrator")
}

// A numbered question answered by its number leaves nothing; one replaced by
// another command, or left to expire, is kept with the message that asked it.
func TestUnresolvedChoiceNeverMade(t *testing.T) {
	w := newUnresolvedWorld(t)
	wang := "+8613800000002"
	ask := func(text string) {
		t.Helper()
		if r := w.send(wang, text); !strings.Contains(r.Reply, "1)") {
			t.Fatalf("%q: no choice: %q", text, r.Reply)
		}
	}

	t.Run("Answered", func(t *testing.T) {
		ask("V acme; met zhang")
		if l := w.list(crm.UnresolvedFilter{}); len(l) != 0 {
			t.Fatalf("a question still open is listed: %+v", l)
		}
		if r := w.send(wang, "1"); r.Code != "" || !strings.HasPrefix(r.Reply, "OK visit") {
			t.Fatalf("answer: %q", r.Reply)
		}
		w.clk.Advance(time.Hour)
		if l := w.list(crm.UnresolvedFilter{}); len(l) != 0 {
			t.Fatalf("an answered question is kept: %+v", l)
		}
	})

	t.Run("WrongNumberThenAnswered", func(t *testing.T) {
		ask("CALL acme; price")
		if r := w.send(wang, "7"); r.Code == "" {
			t.Fatalf("7 of 2 carried out: %q", r.Reply)
		}
		if r := w.send(wang, "2"); r.Code != "" {
			t.Fatalf("answer 2: %q", r.Reply)
		}
		w.clk.Advance(time.Hour)
		l := w.list(crm.UnresolvedFilter{})
		if len(l) != 1 || l[0].Text != "7" || l[0].Cause != crm.CauseRefused {
			t.Fatalf("want only the refused 7: %+v", l)
		}
	})

	t.Run("Replaced", func(t *testing.T) {
		since := w.clk.Now()
		ask("visit acme; demo went well")
		w.clk.Advance(2 * time.Minute)
		if r := w.send(wang, "TODAY"); r.Code != "" {
			t.Fatalf("TODAY: %q", r.Reply)
		}
		l := w.list(crm.UnresolvedFilter{Since: since})
		if len(l) != 1 {
			t.Fatalf("want the question replaced: %+v", l)
		}
		e := l[0]
		if e.Cause != crm.CauseNoChoice || e.Code != crm.ChoiceReplaced || e.Text != "visit acme; demo went well" ||
			e.Next != "TODAY" || !strings.Contains(e.Reply, "1)") || !e.At.Equal(since) {
			t.Errorf("kept as %+v", e)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		w.clk.Advance(time.Hour)
		since := w.clk.Now()
		ask("V acme; met zhang; next: quote fri")
		w.clk.Advance(crm.ChoiceWindow - time.Second)
		if l := w.list(crm.UnresolvedFilter{Since: since}); len(l) != 0 {
			t.Fatalf("listed within the window: %+v", l)
		}
		w.clk.Advance(2 * time.Second)
		l := w.list(crm.UnresolvedFilter{Since: since})
		if len(l) != 1 || l[0].Code != crm.ChoiceExpired || l[0].Text != "V acme; met zhang; next: quote fri" {
			t.Fatalf("want the question expired: %+v", l)
		}
		id := l[0].ID
		// a number too late is refused (kept too); the next command closes the question as expired
		w.send(wang, "1")
		if r := w.send(wang, "V acme mining; met zhang"); r.Code != "" {
			t.Fatalf("visit: %q", r.Reply)
		}
		l = w.list(crm.UnresolvedFilter{Since: since})
		if len(l) != 2 || l[0].ID != id || l[0].Code != crm.ChoiceExpired || l[0].Next != "" || l[1].Text != "1" {
			t.Fatalf("after the next command: %+v", l)
		}
	})

	t.Run("Rerun", func(t *testing.T) {
		l := w.list(crm.UnresolvedFilter{})
		n := len(l)
		mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error {
			return tx.MarkRerun(l[0].ID, crm.Rerun{At: w.clk.Now(), Reply: "OK"})
		})
		if got := w.list(crm.UnresolvedFilter{}); len(got) != n-1 {
			t.Errorf("a message run again is still listed: %d of %d", len(got), n)
		}
		if got := w.list(crm.UnresolvedFilter{Rerun: true}); len(got) != n || got[0].Rerun == nil || got[0].Rerun.Reply != "OK" {
			t.Errorf("with Rerun: %+v", got)
		}
	})
}

// The prune job deletes what was received before its cutoff.
func TestPruneUnresolved(t *testing.T) {
	w := newUnresolvedWorld(t)
	w.send("+8613800000002", "XYZZY")
	ask := w.send("+8613800000002", "V acme; met zhang")
	if !strings.Contains(ask.Reply, "1)") {
		t.Fatalf("no question: %q", ask.Reply)
	}
	w.clk.Advance(24 * time.Hour)
	w.send("+8613800000002", "plugh")
	if n, err := w.s.PruneUnresolved(context.Background(), t0.Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v) before all", n, err)
	}
	n, err := w.s.PruneUnresolved(context.Background(), t0.Add(time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("pruned %d (%v), want the two of the first day (one an open question)", n, err)
	}
	if l := w.list(crm.UnresolvedFilter{}); len(l) != 1 || l[0].Text != "plugh" {
		t.Errorf("left %+v", l)
	}
}
