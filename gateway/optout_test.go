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

func TestDomesticOptOutWords(t *testing.T) {
	for in, want := range map[string]string{"TD": "TD", " td ": "TD", "R": "R", "r\n": "R", "退订": "退订", "ＴＤ": "TD", "\u3000Ｒ\u3000": "R",
		"T": "", "t": "", "TD acme": "", "T 退订": "", "回T退订": "", "TODAY": "", "RD": "", "STOP": "", "": "", "N": ""} {
		got, ok := gateway.DomesticOptOut(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
}

// optOutOpen is a pipeline whose +86 numbers are served by a domestic
// provider, with Wang (en) and Li Na (zh) there and Mike (en) in the US.
func optOutOpen(t *testing.T) (*gateway.Pipeline, *crm.Store, map[string]int64) {
	t.Helper()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ids := map[string]int64{}
	_, err = s.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		for _, u := range []*crm.User{
			{Name: "Wang Jun", Phones: []string{"+8613800000002"}, Locale: "en"},
			{Name: "Li Na", Phones: []string{"+8613800000003"}, Locale: "zh"},
			{Name: "Mike Ross", Phones: []string{"+15550100"}, Locale: "en"},
		} {
			u.Role, u.Base = crm.RoleSalesman, crm.Base{Branch: "sy", Dept: "m"}
			if err := tx.SaveUser(u); err != nil {
				return err
			}
			ids[u.Phones[0]] = u.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gateway.New(gateway.Config{Store: s, Templates: templates.MustNew(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DomesticSMS: func(n string) bool { return strings.HasPrefix(n, "+86") }})
	if err != nil {
		t.Fatal(err)
	}
	return p, s, ids
}

func optedOut(t *testing.T, s *crm.Store, id int64) bool {
	t.Helper()
	var u *crm.User
	s.View(crm.System, func(tx *crm.Tx) error {
		var err error
		u, err = tx.User(id)
		return err
	})
	return u != nil && u.OptedOut
}

// TD, R and 退订 alone from a number served by a domestic provider opt out
// as STOP does, confirmed in the sender's language; START (开始, 恢复) undoes
// it. T stays TODAY everywhere; from a Twilio number R is still a REJECT
// without its #id; with anything else in the message the keyword is not one.
func TestDomesticOptOut(t *testing.T) {
	p, s, ids := optOutOpen(t)
	n := 0
	send := func(from, body string) *gateway.Result {
		t.Helper()
		n++
		res, err := p.Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS, ID: "SM" + string(rune('a'+n)) + body, From: from, Body: body}, gateway.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	const wang, li, mike = "+8613800000002", "+8613800000003", "+15550100"
	for _, kw := range []string{"TD", "td", " R ", "ＴＤ"} {
		res := send(wang, kw)
		if res.Verb != "stop" || !strings.Contains(res.Reply, "no more SMS") || !strings.Contains(res.Reply, "START") || !optedOut(t, s, ids[wang]) {
			t.Errorf("%q from a domestic number: verb %q reply %q opted out %v", kw, res.Verb, res.Reply, optedOut(t, s, ids[wang]))
		}
		// nothing but START is answered now
		if res := send(wang, "TODAY"); res.Reply != "" {
			t.Errorf("after %q, TODAY answered %q", kw, res.Reply)
		}
		res = send(wang, "START")
		if res.Verb != "start" || !strings.Contains(res.Reply, "on again") || optedOut(t, s, ids[wang]) {
			t.Errorf("START after %q: %q", kw, res.Reply)
		}
	}
	// Li Na writes Chinese: the confirmation is Chinese, whatever the keyword
	for _, kw := range []string{"TD", "R", "退订"} {
		res := send(li, kw)
		if res.Verb != "stop" || !strings.Contains(res.Reply, "已退订") || !strings.Contains(res.Reply, "开始") || !optedOut(t, s, ids[li]) {
			t.Errorf("%q from Li Na: %q", kw, res.Reply)
		}
		res = send(li, "恢复")
		if res.Verb != "start" || !strings.Contains(res.Reply, "已恢复") || optedOut(t, s, ids[li]) {
			t.Errorf("恢复 after %q: %q", kw, res.Reply)
		}
	}
	// T is TODAY, on a domestic number too
	if res := send(wang, "T"); res.Verb != "today" || optedOut(t, s, ids[wang]) {
		t.Errorf("T from a domestic number: verb %q reply %q", res.Verb, res.Reply)
	}
	// not the whole message: not a keyword
	if res := send(wang, "TD acme"); res.Verb == "stop" || optedOut(t, s, ids[wang]) {
		t.Errorf("TD acme opted out: %q", res.Reply)
	}
	// a Twilio number: T is TODAY, R asks for the activity, TD is unknown
	if res := send(mike, "T"); res.Verb != "today" || optedOut(t, s, ids[mike]) {
		t.Errorf("T from a US number: verb %q reply %q", res.Verb, res.Reply)
	}
	for _, kw := range []string{"R", "TD"} {
		if res := send(mike, kw); res.Verb == "stop" || res.Code == "" || optedOut(t, s, ids[mike]) {
			t.Errorf("%s from a US number: verb %q code %q", kw, res.Verb, res.Code)
		}
	}
}
