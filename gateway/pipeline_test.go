package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/templates"
)

func pipeOpen(t *testing.T) (*gateway.Pipeline, *crm.Store) {
	t.Helper()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	_, err = s.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		u := &crm.User{Name: "Wang Jun", Phones: []string{"+8613800000002"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "sy", Dept: "m"}}
		if err := tx.SaveUser(u); err != nil {
			return err
		}
		for _, n := range []string{"ACME Mining", "ACME Transport"} {
			if err := tx.CreateAccount(&crm.Account{Base: crm.Base{Owner: u.ID}, Name: n}, &crm.Contact{Name: "Zhang"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gateway.New(gateway.Config{Store: s, Templates: templates.MustNew(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

func pipeSend(t *testing.T, p *gateway.Pipeline, id, body string) *gateway.Result {
	t.Helper()
	res, err := p.Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS, ID: id, From: "+8613800000002", Body: body}, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Queries are answered from a read transaction, but they still follow the
// conversation's rules: a new command drops a pending numbered question, and
// the first message of the day carries the reminder or, for TODAY, opens
// the day.
func TestQueryDropsPendingChoice(t *testing.T) {
	p, s := pipeOpen(t)
	if r := pipeSend(t, p, "m1", "V acme; met zhang"); !strings.Contains(r.Reply, "Reply 1 or 2") {
		t.Fatalf("no choice: %q", r.Reply)
	}
	if r := pipeSend(t, p, "m2", "FIND acme"); !strings.Contains(r.Reply, "ACME Transport") {
		t.Fatalf("find: %q", r.Reply)
	}
	r := pipeSend(t, p, "m3", "2")
	if r.Code == "" || strings.Contains(r.Reply, "OK visit") {
		t.Fatalf("the old question was still open after FIND: %q", r.Reply)
	}
	n := 0
	s.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindActivity, func(crm.Record) bool { n++; return true })
	})
	if n != 0 {
		t.Fatalf("%d activities stored", n)
	}
	// a repeated query gets its first answer, not a new one
	again := pipeSend(t, p, "m2", "FIND acme")
	if !again.Dup || !strings.Contains(again.Reply, "ACME Transport") {
		t.Fatalf("repeat of m2: %+v", again)
	}
}

// pipeAddLiNa adds Li Na, a salesman who reads Chinese, at +8613800000003.
func pipeAddLiNa(t *testing.T, s *crm.Store) {
	t.Helper()
	_, err := s.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		u := &crm.User{Name: "Li Na", Phones: []string{"+8613800000003"}, Role: crm.RoleSalesman, Locale: "zh", Base: crm.Base{Branch: "sy", Dept: "m"}}
		return tx.SaveUser(u)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A Chinese user's message that cannot be read is answered in Chinese, with
// the Chinese form of the command, not the parser's English message.
func TestChineseParseErrors(t *testing.T) {
	p, s := pipeOpen(t)
	pipeAddLiNa(t, s)
	for _, msg := range []string{"OPP #42 stage maybe", "拜方 华鑫", "商机 #42 阶段 也许"} {
		res, err := p.Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS, ID: "zh-" + msg, From: "+8613800000003", Body: msg}, gateway.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Code != "parse" || !templates.HasCJK(res.Reply) {
			t.Fatalf("%q: %+v", msg, res)
		}
		for _, english := range []string{"not understood", "Stage", "Unknown", "VISIT", "OPP "} {
			if strings.Contains(res.Reply, english) {
				t.Errorf("%q answered with English %q: %q", msg, english, res.Reply)
			}
		}
		if n, _ := templates.Segments(res.Reply); n > 2 {
			t.Errorf("%q: %d segments: %q", msg, n, res.Reply)
		}
		t.Logf("%s → %s", msg, res.Reply)
	}
}

// A Chinese user's refused command is answered in Chinese: crm's English
// refusal, its words (record kinds) and its prose hint are put into Chinese,
// and what he wrote himself stays as he wrote it. An English user still gets
// crm's English.
func TestChineseRefusals(t *testing.T) {
	p, s := pipeOpen(t)
	pipeAddLiNa(t, s)
	for _, c := range []struct {
		msg, code string
		want      []string
	}{
		{"DONE #999 met them", crm.ENOTFOUND, []string{"没有活动 #999"}},
		{"V nosuch mining; met Wang", crm.ENOTFOUND, []string{"没有与", "nosuch mining", "匹配的客户"}},
		{"UNDO", crm.ECONFLICT, []string{"最近15分钟内没有你可撤销的操作", "更早的记录请找经理更正"}},
		{"TEAM", crm.EFORBIDDEN, []string{"“团队”只供经理使用"}},
	} {
		res, err := p.Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS, ID: "zh-" + c.msg, From: "+8613800000003", Body: c.msg}, gateway.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Code != c.code {
			t.Errorf("%q: code %q, want %q (%q)", c.msg, res.Code, c.code, res.Reply)
		}
		for _, w := range c.want {
			if !strings.Contains(res.Reply, w) {
				t.Errorf("%q: reply %q lacks %q", c.msg, res.Reply, w)
			}
		}
		for _, english := range []string{"No ", "activity", "account", "matches", "undo", "manager", "that you can see"} {
			if strings.Contains(res.Reply, english) {
				t.Errorf("%q answered with English %q: %q", c.msg, english, res.Reply)
			}
		}
		if n, _ := templates.Segments(res.Reply); n > 2 {
			t.Errorf("%q: %d segments: %q", c.msg, n, res.Reply)
		}
		t.Logf("%s → %s", c.msg, res.Reply)
	}
	if r := pipeSend(t, p, "en-1", "DONE #999 met them"); !strings.Contains(r.Reply, "No activity #999.") {
		t.Errorf("English user: %q", r.Reply)
	}
}

// A notice e-mail's subject is its first sentence, not cut at the dot of an
// amount (the working week saw "… 140M (qual, 2").
func TestNoticeSubjectFirstSentence(t *testing.T) {
	for in, want := range map[string]string{
		"Liu Yang gave you opp #7 Tieling Cement 140M (qual, 2.4m). OPP #7 stage dev to move it": "Liu Yang gave you opp #7 Tieling Cement 140M (qual, 2.4m)",
		"刘洋给你分配了商机 #7。回复商机 #7 阶段 开发":                                                             "刘洋给你分配了商机 #7",
		"No sentence end":   "No sentence end",
		"Ends with a dot.":  "Ends with a dot",
		"v1.2 of the quote": "v1.2 of the quote",
	} {
		if got := gateway.FirstSentence(in); got != want {
			t.Errorf("FirstSentence(%q) = %q, want %q", in, got, want)
		}
	}
}
