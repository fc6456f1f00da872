package main

// End-to-end tests of Alibaba Cloud SMS through the real Main: pushes as
// Alibaba Cloud sends them (HTTP batch push, JSON arrays) to the loopback
// server, replies sent through the official SDK to aliyuntest, which checks
// their signature and renders the approved templates.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/aliyun"
	"github.com/fieldcrm/fieldcrm/gateway/aliyun/aliyuntest"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
	"github.com/fieldcrm/fieldcrm/templates"
)

const aliSecret = "cb0123456789abcdefSecret"

// aliEnv is e2eEnv with Alibaba Cloud routed for +86 and a fake of it.
type aliEnv struct {
	*e2eEnv
	ali   *aliyuntest.Server
	codes map[string]string
	seq   atomic.Int64
}

// aliStart starts Main with +86=aliyun,*=twilio; mod changes the Alibaba
// Cloud settings.
func aliStart(t testing.TB, mod func(*AliyunConfig)) *aliEnv {
	t.Helper()
	a := &aliEnv{ali: aliyuntest.NewServer(t), codes: map[string]string{}}
	var pairs []string
	for i, tp := range templates.SMSCatalogue(aliyun.Provider) {
		code := fmt.Sprintf("SMS_%d", 470200000+i)
		a.ali.Approve(code, tp.Text)
		a.codes[tp.Name] = code
		pairs = append(pairs, tp.Name+"="+code)
	}
	a.seq.Store(1700000000)
	a.e2eEnv = e2eStart(t, "", func(c *Config, m *Main) {
		c.Aliyun = AliyunConfig{AccessKeyID: aliyuntest.AccessKeyID, AccessKeySecret: aliyuntest.AccessKeySecret,
			SignName: aliyuntest.SignName, Endpoint: a.ali.URL, Templates: strings.Join(pairs, ","),
			CallbackSecret: aliSecret, CallbackAllow: "127.0.0.1", Routes: "+86=aliyun,*=twilio"}
		if mod != nil {
			mod(&c.Aliyun)
		}
	})
	return a
}

// restartWith restarts Main on the same database with mod applied to its
// Config.
func (a *aliEnv) restartWith(mod func(*Config)) {
	prev := a.tweak
	a.tweak = func(c *Config, m *Main) {
		if prev != nil {
			prev(c, m)
		}
		mod(c)
	}
	a.restart()
}

func (a *aliEnv) upURL() string { return "http://" + a.m.Addr() + "/aliyun/" + aliSecret + "/smsup" }
func (a *aliEnv) reportURL() string {
	return "http://" + a.m.Addr() + "/aliyun/" + aliSecret + "/smsreport"
}

// reply makes an upstream message with a new sequence id.
func (a *aliEnv) reply(from, body string) aliyuntest.Up {
	return aliyuntest.Reply(from, body, a.seq.Add(1))
}

// push pushes msgs as one batch and fails unless it was acknowledged.
func (a *aliEnv) push(msgs ...aliyuntest.Up) {
	a.t.Helper()
	if err := aliyuntest.MustPush(a.upURL(), msgs...); err != nil {
		a.t.Fatal(err)
	}
}

// replyEntry is the outbox entry of the reply to an upstream message.
func (a *aliEnv) replyEntry(t *testing.T, up aliyuntest.Up) *outbox.Entry {
	t.Helper()
	var e *outbox.Entry
	e2eWaitUntil(t, "the reply is queued", func() bool {
		var err error
		e, err = outbox.GetByKey(a.m.Store.Engine(), outbox.ChannelSMS, fmt.Sprintf("reply|aliyun:%v", up.SequenceID))
		return err == nil
	})
	return e
}

// sendOf waits for the SendSms of outbox entry id and returns its parts.
func (a *aliEnv) sendOf(t *testing.T, id int64) []aliyuntest.Send {
	t.Helper()
	var out []aliyuntest.Send
	e2eWaitUntil(t, fmt.Sprintf("entry %d is sent", id), func() bool {
		out = nil
		for _, s := range a.ali.Sends() {
			if s.OutID == fmt.Sprint(id) {
				out = append(out, s)
			}
		}
		e, _ := outbox.Get(a.m.Store.Engine(), id)
		return len(out) > 0 && e != nil && e.State == outbox.StateSent
	})
	return out
}

// An upstream reply pushed by Alibaba Cloud becomes a visit, and its
// confirmation goes out through SendSms as the catalogue's template with its
// code, variables and signature.
func TestAliyunReplyBecomesVisit(t *testing.T) {
	a := aliStart(t, nil)
	up := a.reply(e2eLiPhone, "拜访 华鑫矿业；见了李总；下周二报价")
	a.push(up)

	e := a.replyEntry(t, up)
	ids := e2eIDs(e.Body)
	if len(ids) == 0 {
		t.Fatalf("the reply names no record: %q", e.Body)
	}
	v := e2eActivity(t, a.m.Store, ids[0])
	if v.Type != crm.ActVisit || v.Account != a.team.Huaxin || v.Owner != a.team.Li {
		t.Fatalf("stored %+v", v)
	}
	e2eContains(t, "the reply", e.Body, "华鑫矿业", fmt.Sprintf("#%d", v.ID))

	sends := a.sendOf(t, e.ID)
	parts, err := templates.FitSMS(aliyun.Provider, templates.SMSKindOfKey(e.Key), e.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(sends) != len(parts) {
		t.Fatalf("%d SendSms for %d parts", len(sends), len(parts))
	}
	var shown string
	for i, p := range parts {
		s := sends[i]
		if s.Phone != "13800000003" || s.SignName != aliyuntest.SignName || s.TemplateCode != a.codes[p.Template] {
			t.Errorf("part %d sent as %+v, want template %s (%s)", i, s, p.Template, a.codes[p.Template])
		}
		for k, want := range p.Params {
			if s.Params[k] != want {
				t.Errorf("variable %s = %q, want %q", k, s.Params[k], want)
			}
		}
		shown += s.Text
	}
	e2eContains(t, "what Li Na's phone shows", shown, "【"+aliyuntest.SignName+"】", fmt.Sprintf("#%d", v.ID), "华鑫矿业")
	e, _ = outbox.Get(a.m.Store.Engine(), e.ID)
	if e.Provider != aliyun.Provider || e.ProviderID != sends[0].BizID || e.Segments < 1 {
		t.Errorf("entry recorded provider %q id %q segments %d", e.Provider, e.ProviderID, e.Segments)
	}
	if n := len(a.api.Messages()); n != 0 {
		t.Errorf("Twilio sent %d messages to a +86 number", n)
	}
}

// A push carrying a message twice, then the same push again (Alibaba Cloud
// pushes again when not acknowledged in time): each message applied once,
// answered once.
func TestAliyunDuplicatePush(t *testing.T) {
	a := aliStart(t, nil)
	m1 := a.reply(e2eWangPhone, "VISIT acme; met Zhang Wei; wants 2x 320D")
	m2 := a.reply(e2eWangPhone, "VISIT tieling cement; met Wu Hao")
	before := len(e2eActivities(t, a.m.Store))
	a.push(m1, m1, m2)
	a.push(m1, m2)
	a.push(m2)
	after := e2eActivities(t, a.m.Store)
	if len(after)-before != 2 {
		t.Fatalf("%d activities stored for 2 messages pushed 5 times", len(after)-before)
	}
	e1, e2 := a.replyEntry(t, m1), a.replyEntry(t, m2)
	a.sendOf(t, e1.ID)
	a.sendOf(t, e2.ID)
	time.Sleep(100 * time.Millisecond) // anything more would have been sent by now
	perEntry := map[string]int{}
	for _, s := range a.ali.Sends() {
		perEntry[s.OutID]++
	}
	for _, e := range []*outbox.Entry{e1, e2} {
		parts, _ := templates.FitSMS(aliyun.Provider, templates.SMSKindOfKey(e.Key), e.Body)
		if n := perEntry[fmt.Sprint(e.ID)]; n != len(parts) {
			t.Errorf("the reply %q went out %d times as %d parts", e.Body, n, len(parts))
		}
	}
	// a duplicate in a batch with a new message: the new one is applied
	m3 := a.reply(e2eWangPhone, "VISIT acme; demo went well")
	a.push(m1, m3)
	if got := len(e2eActivities(t, a.m.Store)) - before; got != 3 {
		t.Errorf("after a push of an old and a new message: %d activities, want 3", got)
	}
}

// Delivery reports pushed by Alibaba Cloud are recorded on the outbox entry
// (by BizId), with the carrier's code; a repeated report changes nothing.
func TestAliyunDeliveryReport(t *testing.T) {
	a := aliStart(t, nil)
	ok, bad := a.reply(e2eWangPhone, "TODAY"), a.reply(e2eLiPhone, "TODAY")
	a.push(ok, bad)
	eOK, eBad := a.replyEntry(t, ok), a.replyEntry(t, bad)
	sOK, sBad := a.sendOf(t, eOK.ID), a.sendOf(t, eBad.ID)
	reports := []aliyuntest.Report{aliyuntest.ReportOf(sOK[0], true, ""), aliyuntest.ReportOf(sBad[0], false, "MK:0001")}
	for range 2 {
		if err := aliyuntest.MustPush(a.reportURL(), reports...); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := outbox.Get(a.m.Store.Engine(), eOK.ID)
	if got.State != outbox.StateDelivered || got.ProviderStatus != "delivered" {
		t.Errorf("delivered report: state %s status %s", got.State, got.ProviderStatus)
	}
	got, _ = outbox.Get(a.m.Store.Engine(), eBad.ID)
	last := got.StatusHistory[len(got.StatusHistory)-1]
	if got.State != outbox.StateUndelivered || !strings.Contains(last.Note, "MK:0001") {
		t.Errorf("failed report: state %s, last history %+v", got.State, last)
	}
	n := 0
	for _, h := range got.StatusHistory {
		if h.Status == "undelivered" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the repeated report was recorded %d times", n)
	}
	// a report that names no biz_id is refused whole
	if status, _, _ := aliyuntest.PushRaw(a.reportURL(), []byte(`[{"success":true}]`)); status != http.StatusBadRequest {
		t.Errorf("a report without biz_id answered %d", status)
	}
}

// The provider's limits: a per-number frequency limit is retried (and sent
// once it lifts); a number on Alibaba Cloud's blacklist (it unsubscribed) is
// an opt-out, as Twilio's 21610 is.
func TestAliyunLimitError(t *testing.T) {
	a := aliStart(t, nil)
	a.ali.FailNext(1, aliyun.CodeBusinessLimit, "触发分钟级流控Permits:1")
	up := a.reply(e2eWangPhone, "TODAY")
	a.push(up)
	e := a.replyEntry(t, up)
	// the provider's minute limit holds the answer until the minute is over
	// (the worker honours RetryAt), without spending an attempt
	e2eWaitUntil(t, "the limit error is recorded", func() bool {
		got, _ := outbox.Get(a.m.Store.Engine(), e.ID)
		return got != nil && got.State == outbox.StateQueued && got.LastError != "" && len(a.ali.Requests()) > 0
	})
	held, _ := outbox.Get(a.m.Store.Engine(), e.ID)
	if wait := held.NextAt.Sub(a.clock.Now()); wait < 50*time.Second || wait > 70*time.Second {
		t.Errorf("held for %v after a minute limit, want about a minute (next %v)", wait, held.NextAt)
	}
	if len(a.ali.Sends()) != 0 {
		t.Fatalf("sent while limited: %+v", a.ali.Sends())
	}
	a.clock.Advance(61 * time.Second)
	a.m.Outbox.Kick()
	a.sendOf(t, e.ID)
	e, _ = outbox.Get(a.m.Store.Engine(), e.ID)
	reqs := a.ali.Requests()
	if len(reqs) < 2 || reqs[0].Code != aliyun.CodeBusinessLimit || e.Attempts > 2 {
		t.Fatalf("attempts %d, requests %+v", e.Attempts, reqs)
	}

	a.ali.FailTo("13800000003", aliyun.CodeBlacklist, "黑名单管控")
	up = a.reply(e2eLiPhone, "TODAY")
	a.push(up)
	e = a.replyEntry(t, up)
	e2eWaitUntil(t, "Li Na is marked opted out", func() bool { return e2eUser(t, a.m.Store, a.team.Li).OptedOut })
	e, _ = outbox.Get(a.m.Store.Engine(), e.ID)
	if e.State != outbox.StateFailed || !strings.Contains(e.LastError, aliyun.CodeBlacklist) || e.Provider != aliyun.Provider {
		t.Errorf("blacklisted: state %s error %q provider %q", e.State, e.LastError, e.Provider)
	}
}

// Pushes with a wrong secret, from a source outside the allow-list, or
// malformed are refused and store nothing.
func TestAliyunPushRefused(t *testing.T) {
	a := aliStart(t, nil)
	body, _ := json.Marshal([]aliyuntest.Up{a.reply(e2eWangPhone, "VISIT acme; met Zhang Wei")})
	before := e2eCounts(t, a.m.Store)
	for _, tc := range []struct {
		name, url, body string
		status          int
	}{
		{"WrongSecret", "http://" + a.m.Addr() + "/aliyun/wrong" + aliSecret[5:] + "/smsup", string(body), http.StatusForbidden},
		{"NoSecret", "http://" + a.m.Addr() + "/aliyun//smsup", string(body), http.StatusNotFound},
		{"WrongSecretReport", "http://" + a.m.Addr() + "/aliyun/x" + aliSecret + "/smsreport", `[{"biz_id":"1^0","success":true}]`, http.StatusForbidden},
		{"NotJSON", a.upURL(), `phone_number=13800000002&content=VISIT`, http.StatusBadRequest},
		{"BadItem", a.upURL(), `[{"phone_number":"13800000002","content":"VISIT acme"},` + string(body[1:]), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, resp, err := aliyuntest.PushRaw(tc.url, []byte(tc.body))
			if err != nil || status != tc.status {
				t.Errorf("answered %d %s (%v), want %d", status, resp, err, tc.status)
			}
		})
	}
	if after := e2eCounts(t, a.m.Store); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("refused pushes stored something:\nbefore %v\nafter  %v", before, after)
	}

	// a source outside the allow-list, with the right secret
	b := aliStart(t, func(c *AliyunConfig) { c.CallbackAllow = "47.96.0.0/12" })
	before = e2eCounts(t, b.m.Store)
	status, resp, _ := aliyuntest.Push(b.upURL(), b.reply(e2eWangPhone, "VISIT acme; met Zhang Wei"))
	if status != http.StatusForbidden {
		t.Errorf("a push from 127.0.0.1 outside the allow-list answered %d %s", status, resp)
	}
	if after := e2eCounts(t, b.m.Store); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a push from outside the allow-list stored something:\nbefore %v\nafter  %v", before, after)
	}
}

// One installation serves both: a +86 salesman is answered through Alibaba
// Cloud while a +1 salesman is still answered through Twilio, and a notice
// from the one to the other goes through the other's provider.
func TestAliyunBesideTwilio(t *testing.T) {
	a := aliStart(t, nil)
	const bobPhone = "+14155550100"
	var bob int64
	e2eSeed(t, a.m.Store, func(tx *crm.Tx) error {
		u := &crm.User{Base: crm.Base{Branch: "shenyang", Dept: "machines"}, Name: "Bob Smith", Phones: []string{bobPhone},
			Role: crm.RoleSalesman, Manager: a.team.Liu, Locale: "en"}
		err := tx.SaveUser(u)
		bob = u.ID
		return err
	})
	// Bob texts through Twilio and is answered in its webhook response
	reply, _ := a.sms(bobPhone, "TODAY")
	if reply == "" {
		t.Fatal("Bob got no TwiML answer")
	}
	// Liu texts through Alibaba Cloud and plans a visit for Bob
	up := a.reply(e2eLiuPhone, "PLAN bob visit acme fri; bring brochure")
	a.push(up)
	e := a.replyEntry(t, up)
	e2eContains(t, "Liu's confirmation", e.Body, "Bob Smith")
	a.sendOf(t, e.ID)
	msgs := a.api.WaitFor(1, 5*time.Second)
	i := slices.IndexFunc(msgs, func(m twiliotest.Message) bool { return m.To == bobPhone })
	if i < 0 {
		t.Fatalf("no notice to Bob through Twilio: %+v", msgs)
	}
	e2eContains(t, "Bob's notice", msgs[i].Body, "Liu Yang", "ACME")
	for _, s := range a.ali.Sends() {
		if s.Phone == strings.TrimPrefix(bobPhone, "+") {
			t.Errorf("a +1 number went through Alibaba Cloud: %+v", s)
		}
	}
	notice, err := outbox.List(a.m.Store.Engine(), outbox.Filter{UserID: bob})
	if err != nil || len(notice) == 0 {
		t.Fatalf("Bob's notices: %v %v", notice, err)
	}
	e2eWaitUntil(t, "Bob's notice is recorded as Twilio's", func() bool {
		n, _ := outbox.Get(a.m.Store.Engine(), notice[0].ID)
		return n.State == outbox.StateSent && n.Provider == "twilio" && n.Via == e2eOurNumber
	})
	// Liu's confirmation went out as Alibaba Cloud's own sender, not one of Twilio's long codes
	if e, _ = outbox.Get(a.m.Store.Engine(), e.ID); e.Via != "aliyun:"+aliyuntest.SignName || e.Provider != aliyun.Provider {
		t.Errorf("Liu's confirmation via %q provider %q", e.Via, e.Provider)
	}
}

// An unknown number is told once that it is not registered, through Alibaba
// Cloud, and nothing else is stored.
func TestAliyunUnknownSender(t *testing.T) {
	a := aliStart(t, nil)
	up := a.reply(e2eStranger, "VISIT acme")
	a.push(up)
	e := a.replyEntry(t, up)
	s := a.sendOf(t, e.ID)
	if s[0].Phone != strings.TrimPrefix(e2eStranger, "+86") || !strings.Contains(strings.ToLower(e.Body), "not registered") {
		t.Errorf("the stranger got %q as %+v", e.Body, s[0])
	}
}

// serve refuses to start when a template in use has no code, and says which.
func TestAliyunConfigRefused(t *testing.T) {
	env := map[string]string{
		"FIELDCRM_PUBLIC_URL": "https://crm.example.com", "FIELDCRM_SMS_ROUTES": "+86=aliyun,*=twilio",
		"TWILIO_ACCOUNT_SID": twiliotest.AccountSID, "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef", "FIELDCRM_TWILIO_FROM": "+8613800009999",
		"FIELDCRM_ALIYUN_ACCESS_KEY_ID": aliyuntest.AccessKeyID, "FIELDCRM_ALIYUN_ACCESS_KEY_SECRET": aliyuntest.AccessKeySecret,
		"FIELDCRM_ALIYUN_SIGN_NAME": "【鞍山重机】", "FIELDCRM_ALIYUN_TEMPLATES": "nosuch=SMS_1234, " + templates.SMSCatalogue(aliyun.Provider)[0].Name + "=123",
		"FIELDCRM_ALIYUN_CALLBACK_SECRET": "short", "FIELDCRM_ALIYUN_CALLBACK_ALLOW": "47.96.0.0/33",
	}
	cfg, _, err := ParseConfig("serve", nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"FIELDCRM_ALIYUN_SIGN_NAME", "without 【】", `"nosuch" is not a template`, "is not a template code like SMS_",
		"has no code for ", templates.SMSCatalogue(aliyun.Provider)[1].Name, "fieldcrm sms-templates --provider aliyun",
		"FIELDCRM_ALIYUN_CALLBACK_SECRET must be", "FIELDCRM_ALIYUN_CALLBACK_ALLOW"} {
		e2eContains(t, "the refusal", err.Error(), want)
	}
	// Alibaba Cloud alone: Twilio's settings are not asked for
	env = map[string]string{"FIELDCRM_PUBLIC_URL": "https://crm.example.com", "FIELDCRM_SMS_ROUTES": "*=aliyun",
		"FIELDCRM_ALIYUN_ACCESS_KEY_ID": aliyuntest.AccessKeyID, "FIELDCRM_ALIYUN_ACCESS_KEY_SECRET": aliyuntest.AccessKeySecret,
		"FIELDCRM_ALIYUN_SIGN_NAME": aliyuntest.SignName, "FIELDCRM_ALIYUN_CALLBACK_SECRET": aliSecret}
	var pairs []string
	for i, tp := range templates.SMSCatalogue(aliyun.Provider) {
		pairs = append(pairs, fmt.Sprintf("%s=SMS_%d", tp.Name, 100000+i))
	}
	env["FIELDCRM_ALIYUN_TEMPLATES"] = strings.Join(pairs, ",")
	cfg, _, err = ParseConfig("serve", nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Alibaba Cloud alone refused: %v", err)
	}
}

// A crash between the commit and the send: the reply was committed and
// handed to Alibaba Cloud, which has not answered, when the process dies.
// The database as a kill -9 leaves it (a consistent copy taken in that
// window) is started again: the visit is there once, the answer is sent
// once by the new process, and nothing is lost.
func TestAliyunCrashBetweenCommitAndSend(t *testing.T) {
	boltOnly(t) // the crash is a copy of the file as the disk held it
	a := aliStart(t, nil)
	release := a.ali.Hold()
	defer release()
	up := a.reply(e2eWangPhone, "V acme mining; met Zhang Wei; wants 2x 336")
	a.push(up)
	e := a.replyEntry(t, up)
	e2eWaitUntil(t, "the answer is with the provider, unanswered", func() bool {
		got, _ := outbox.Get(a.m.Store.Engine(), e.ID)
		return got.State == outbox.StateSending && len(a.ali.Waiting()) == 1
	})
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	if _, err := a.m.Store.BackupFile(crashed); err != nil {
		t.Fatal(err)
	}

	// the same installation restarted on what the disk held, against a
	// provider that never got the first request's answer through
	ali2 := aliyuntest.NewServer(t)
	var pairs []string
	for i, tp := range templates.SMSCatalogue(aliyun.Provider) {
		code := fmt.Sprintf("SMS_%d", 470200000+i)
		ali2.Approve(code, tp.Text)
		pairs = append(pairs, tp.Name+"="+code)
	}
	b := &e2eEnv{t: t, db: crashed, api: twiliotest.NewServer(t), clock: a.clock, tweak: func(c *Config, m *Main) {
		c.Aliyun = AliyunConfig{AccessKeyID: aliyuntest.AccessKeyID, AccessKeySecret: aliyuntest.AccessKeySecret,
			SignName: aliyuntest.SignName, Endpoint: ali2.URL, Templates: strings.Join(pairs, ","),
			CallbackSecret: aliSecret, CallbackAllow: "127.0.0.1", Routes: "+86=aliyun,*=twilio"}
	}}
	b.run()
	e2eWaitUntil(t, "the answer is sent after the restart", func() bool {
		got, _ := outbox.Get(b.m.Store.Engine(), e.ID)
		return got != nil && got.State == outbox.StateSent
	})
	if n := b.m.Outbox.InDoubt(); n != 1 {
		t.Errorf("%d entries in doubt at start, want the one crashed in its send", n)
	}
	var sent []aliyuntest.Send
	for _, s := range ali2.Sends() {
		if s.OutID == fmt.Sprint(e.ID) {
			sent = append(sent, s)
		}
	}
	if len(sent) != 1 || !strings.Contains(sent[0].Params["content"], "ACME Mining") {
		t.Fatalf("after the crash the answer was sent %d times: %+v", len(sent), sent)
	}
	// the visit is stored once, and the same push again changes nothing
	visits := 0
	for _, act := range e2eActivities(t, b.m.Store) {
		if act.Type == crm.ActVisit && act.Owner == a.team.Wang && act.Account == a.team.Acme && act.Status == crm.StatusDone {
			visits++
		}
	}
	if err := aliyuntest.MustPush("http://"+b.m.Addr()+"/aliyun/"+aliSecret+"/smsup", up); err != nil {
		t.Fatal(err)
	}
	after := 0
	for _, act := range e2eActivities(t, b.m.Store) {
		if act.Type == crm.ActVisit && act.Owner == a.team.Wang && act.Account == a.team.Acme && act.Status == crm.StatusDone {
			after++
		}
	}
	if visits != 1 || after != 1 {
		t.Errorf("visits at ACME Mining: %d after the crash, %d after the push again; want 1 and 1", visits, after)
	}
}
