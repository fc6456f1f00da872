package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// A manager's burst of assignments to a +86 salesman under a 1-a-minute
// route limit: the first notice goes at once, the others are held (and say
// why, in the outbox and in the metrics), survive a restart, and go out one
// by one as the window opens. None is dropped or sent twice.
func TestServeRecipientLimitHoldsBurst(t *testing.T) {
	limits, err := parseSMSLimits("+86=1/1m; +1=100/1h")
	if err != nil {
		t.Fatal(err)
	}
	e := e2eStart(t, "", func(cfg *Config, m *Main) { cfg.SMSLimits = limits })
	var ids []int64
	for _, what := range []string{"visit acme fri urgent", "call tieling mon", "visit tieling tue"} {
		ids = append(ids, e.plan("PLAN wang "+what))
	}
	e.api.WaitFor(1, 3*time.Second)
	time.Sleep(200 * time.Millisecond)
	sent := func() []string {
		var out []string
		for _, m := range e2eMessagesTo(e.api, e2eWangPhone) {
			out = append(out, m.Body)
		}
		return out
	}
	if got := sent(); len(got) != 1 || !strings.Contains(got[0], fmt.Sprintf("#%d", ids[0])) {
		t.Fatalf("at once: %q, want the first notice only", got)
	}
	held := func() []*outbox.Entry {
		var out []*outbox.Entry
		for _, x := range e2eEntriesTo(t, e.m.Store.Engine(), e2eWangPhone) {
			if x.State == outbox.StateQueued {
				out = append(out, x)
			}
		}
		return out
	}
	hs := held()
	if len(hs) != 2 {
		t.Fatalf("%d entries held, want 2", len(hs))
	}
	for _, h := range hs {
		if !strings.Contains(h.Held, "limit of 1/1m reached") || !strings.Contains(h.LastError, "held") || h.Attempts != 0 {
			t.Errorf("held entry %d: held %q, last error %q, attempts %d", h.ID, h.Held, h.LastError, h.Attempts)
		}
	}
	_, metrics := opsGet(t, e, "/metrics", "")
	for _, want := range []string{"fieldcrm_outbox_limit_held_entries 2", `fieldcrm_outbox_limit_holds_total{channel="sms",reason="recipient_limit"} 2`,
		`fieldcrm_outbox_limit_holds_total{channel="sms",reason="provider_limit"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// a restart does not forget the count
	e.restart()
	e.m.Outbox.Kick()
	time.Sleep(200 * time.Millisecond)
	if got := sent(); len(got) != 1 {
		t.Fatalf("after a restart within the minute: %d notices sent, want 1", len(got))
	}

	for n := 2; n <= 3; n++ {
		e.clock.Advance(62 * time.Second)
		e.m.Outbox.Kick()
		e2eWaitUntil(t, fmt.Sprintf("notice %d once the window opens", n), func() bool { return len(sent()) == n })
		time.Sleep(100 * time.Millisecond)
		if got := sent(); len(got) != n {
			t.Fatalf("a minute later: %d notices, want %d", len(got), n)
		}
	}
	got := sent()
	for i, id := range ids {
		if !strings.Contains(got[i], fmt.Sprintf("#%d", id)) || !strings.Contains(got[i], "Liu Yang assigned you") {
			t.Errorf("notice %d: %q, want #%d", i, got[i], id)
		}
	}
	for _, x := range e2eEntriesTo(t, e.m.Store.Engine(), e2eWangPhone) {
		if x.State != outbox.StateSent || x.Held != "" || x.Attempts != 1 {
			t.Errorf("entry %d: %s held %q attempts %d", x.ID, x.State, x.Held, x.Attempts)
		}
	}
	if n := e2eRequestsTo(e.api, e2eWangPhone); n != 3 {
		t.Errorf("%d requests to the API for Wang, want 3", n)
	}
}

func TestSMSLimitsConfig(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // routes as prefix=limits;…, or the error's words
		ok   bool
	}{
		{"", "", true},
		{"off", "", true},
		{"+86=50/24h", "+86=50/24h", true},
		{" +86 = 1/1m, 5/1h ,10/day ; *=100/24h", "+86=1/1m,5/1h,10/day;*=100/24h", true},
		{"+86=1/min", "+86=1/1m", true},
		{"+86=3/2d", "+86=3/48h", true},
		{"86=1/1m", "prefix must be", false},
		{"+86", "not prefix=limits", false},
		{"+86=1 per minute", "not a limit", false},
		{"+86=0/1m", "above 0", false},
		{"+86=1/1m;+86=2/1h", "twice", false},
		{"+86=2/3day", "calendar day", false},
		{"+86=", "no limit", false},
	} {
		got, err := parseSMSLimits(c.in)
		if !c.ok {
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), SMSLimitsEnv) {
				t.Errorf("%q: error %v, want one saying %q", c.in, err, c.want)
			}
			continue
		}
		var rs []string
		for _, r := range got {
			var ls []string
			for _, l := range r.Limits {
				ls = append(ls, l.String())
			}
			rs = append(rs, r.Prefix+"="+strings.Join(ls, ","))
		}
		if err != nil || strings.Join(rs, ";") != c.want {
			t.Errorf("%q: %q %v, want %q", c.in, strings.Join(rs, ";"), err, c.want)
		}
	}

	routes, _ := parseSMSLimits("+86=1/1m,10/day; +8613=50/24h; *=100/24h")
	fn := recipientLimits(routes, 20, e2eShanghai)
	if l := fn("+8613800000002"); len(l) != 1 || l[0].Max != 50 || l[0].Reserve != 10 || l[0].Per != 24*time.Hour {
		t.Errorf("longest prefix: %+v", l)
	}
	if l := fn("+8618600000002"); len(l) != 2 || l[1].Day != e2eShanghai || l[1].Reserve != 2 || l[0].Reserve != 0 {
		t.Errorf("+86: %+v", l)
	}
	if l := fn("+15550100"); len(l) != 1 || l[0].Max != 100 {
		t.Errorf("*: %+v", l)
	}
	if recipientLimits(nil, 20, e2eShanghai) != nil {
		t.Error("no routes, yet a limit function")
	}

	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	// Twilio alone: no cap on any number unless one is set
	cfg, _, err := ParseConfig("serve", nil, env(map[string]string{}))
	if err != nil || len(cfg.SMSLimits) != 0 || cfg.SMSReplyReserve != 20 || len(cfg.SMSDomestic) != 0 {
		t.Errorf("defaults: %+v %v", cfg, err)
	}
	// the numbers Alibaba Cloud serves get its default cap
	cfg, _, err = ParseConfig("serve", nil, env(map[string]string{"FIELDCRM_ALIYUN_ACCESS_KEY_ID": "LTAIexample"}))
	if err != nil || len(cfg.SMSLimits) != 1 || cfg.SMSLimits[0].Prefix != "+86" || len(cfg.SMSLimits[0].Limits) != 1 || cfg.SMSLimits[0].Limits[0].Max != 50 {
		t.Errorf("aliyun defaults: %+v %v", cfg.SMSLimits, err)
	}
	cfg, _, err = ParseConfig("serve", nil, env(map[string]string{"FIELDCRM_SMS_ROUTES": "*=aliyun"}))
	if err != nil || len(cfg.SMSLimits) != 1 || cfg.SMSLimits[0].Prefix != "*" {
		t.Errorf("everything by aliyun: %+v %v", cfg.SMSLimits, err)
	}
	for k, v := range map[string]string{SMSLimitsEnv: "+86=lots", SMSReplyReserveEnv: "95", SMSDomesticEnv: "86"} {
		if _, _, err := ParseConfig("serve", nil, env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	for _, c := range []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{SMSDomesticEnv: "+86, +852"}, []string{"+86", "+852"}},
		{map[string]string{"FIELDCRM_SMS_ROUTES": "+86=aliyun, +852=tencent, *=twilio"}, []string{"+86", "+852"}},
		{map[string]string{"FIELDCRM_SMS_ROUTES": "*=aliyun"}, []string{"+"}},
		{map[string]string{"FIELDCRM_SMS_ROUTES": "*=twilio"}, nil},
		{map[string]string{"FIELDCRM_ALIYUN_ACCESS_KEY_ID": "LTAIexample"}, []string{"+86"}},
		{map[string]string{"FIELDCRM_ALIYUN_ACCESS_KEY_ID": "LTAIexample", "FIELDCRM_SMS_ROUTES": "+8613=aliyun,*=twilio"}, []string{"+8613"}},
		{map[string]string{"FIELDCRM_SMS_ROUTES": "+86=aliyun,*=twilio", SMSDomesticEnv: "+852"}, []string{"+852"}},
	} {
		cfg, _, err := ParseConfig("serve", nil, env(c.env))
		if err != nil || !slices.Equal(cfg.SMSDomestic, c.want) {
			t.Errorf("%v: domestic %v %v, want %v", c.env, cfg.SMSDomestic, err, c.want)
		}
	}
}

// With +86 served by a domestic provider, Li Na's "TD" opts her out like
// STOP, confirmed in Chinese; a notice for her is not sent; 恢复 brings her
// back. Wang's "R" opts him out, confirmed in English; his "T" is TODAY.
func TestServeDomesticOptOut(t *testing.T) {
	e := e2eStart(t, "", func(cfg *Config, m *Main) { cfg.SMSDomestic = []string{"+86"} })
	reply, _ := e.sms(e2eLiPhone, "TD")
	e2eContains(t, "TD", reply, "已退订", "开始")
	if !e2eUser(t, e.m.Store, e.team.Li).OptedOut {
		t.Fatal("TD did not opt Li Na out")
	}
	e.plan("PLAN li visit 华鑫 fri")
	e.m.Outbox.Kick()
	time.Sleep(200 * time.Millisecond)
	if n := e2eRequestsTo(e.api, e2eLiPhone); n != 0 {
		t.Errorf("%d notices sent to Li Na after TD", n)
	}
	if reply, _ := e.sms(e2eLiPhone, "今天"); reply != "" {
		t.Errorf("an opted-out number was answered %q", reply)
	}
	reply, _ = e.sms(e2eLiPhone, "恢复")
	e2eContains(t, "恢复", reply, "已恢复")
	if e2eUser(t, e.m.Store, e.team.Li).OptedOut {
		t.Error("恢复 did not clear the opt-out")
	}

	reply, _ = e.sms(e2eWangPhone, "T")
	if strings.Contains(reply, "no more SMS") || e2eUser(t, e.m.Store, e.team.Wang).OptedOut {
		t.Errorf("T opted Wang out: %q", reply)
	}
	reply, _ = e.sms(e2eWangPhone, "R")
	e2eContains(t, "R", reply, "no more SMS", "START")
	if !e2eUser(t, e.m.Store, e.team.Wang).OptedOut {
		t.Error("R did not opt Wang out")
	}
}
