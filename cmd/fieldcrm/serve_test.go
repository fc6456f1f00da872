package main

// End-to-end tests of `fieldcrm serve`: the real Main on a loopback port, a
// bbolt file in t.TempDir(), the fake Twilio REST API of twiliotest, webhooks
// signed as Twilio signs them, and an injectable clock.

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
	"github.com/fieldcrm/fieldcrm/templates"
	bolt "go.etcd.io/bbolt"
)

// ---- helpers (all prefixed e2e: other tests share the package) ----

const (
	e2eOurNumber = "+8613800009999" // our Twilio number (FIELDCRM_TWILIO_FROM)
	e2eLiuPhone  = "+8613800000001" // Liu Yang, sales manager
	e2eWangPhone = "+8613800000002" // Wang Jun, salesman (en)
	e2eLiPhone   = "+8613800000003" // Li Na, salesman (zh)
	e2eStranger  = "+8613900000077" // nobody
)

var e2eShanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// e2eClock is the service's clock: a fixed start (Wednesday 25 November 2026,
// 10:00 in Shanghai) that moves on with real time, so that the outbox's real
// timers and its backoff see time pass, plus whatever the test advances.
type e2eClock struct {
	mu    sync.Mutex
	base  time.Time
	start time.Time
	off   time.Duration
}

func e2eNewClock() *e2eClock {
	return &e2eClock{base: time.Date(2026, 11, 25, 10, 0, 0, 0, e2eShanghai), start: time.Now()}
}

func (c *e2eClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(c.off + time.Since(c.start))
}

func (c *e2eClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// e2eLog collects a Main's log; it is printed when the test fails.
type e2eLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *e2eLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *e2eLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// e2eEnv is one service under test with what surrounds it. Restart keeps
// the database file, the fake Twilio and the clock.
type e2eEnv struct {
	t         testing.TB
	db        string
	api       *twiliotest.Server
	clock     *e2eClock
	publicURL string // fixed public URL ("" = http://<the loopback address>)
	m         *Main
	log       *e2eLog
	seq       atomic.Int64
	team      e2eTeamIDs

	// tweak, when set, changes the Config and Main before each Run.
	tweak func(*Config, *Main)
}

type e2eTeamIDs struct {
	Liu, Wang, Li         int64
	Acme, Huaxin, Tieling int64 // accounts: ACME Mining Co. (wang, has a machine), 华鑫矿业有限公司 (li), Tieling Cement (wang, no machine)
	Zhang, LiGang, WuHao  int64 // their contacts
}

// e2eStart starts a Main on a fresh database with the team seeded.
func e2eStart(t testing.TB, publicURL string, tweak func(*Config, *Main)) *e2eEnv {
	t.Helper()
	e := &e2eEnv{t: t, db: testDB(t), api: twiliotest.NewServer(t), clock: e2eNewClock(),
		publicURL: publicURL, tweak: tweak}
	e.run()
	e.team = e2eSeedTeam(t, e.m.Store)
	return e
}

// run starts a new Main on e's database.
func (e *e2eEnv) run() {
	t := e.t
	t.Helper()
	addr, public := "127.0.0.1:0", e.publicURL
	if public == "" {
		// Twilio signs for the URL it calls, and the status callback URL is
		// PublicURL+/twilio/status: the public URL must be known before Run,
		// so take a free loopback port first.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = ln.Addr().String()
		ln.Close()
		public = "http://" + addr
	}
	cfg := &Config{DB: e.db, Addr: addr, PublicURL: public, TZ: "Asia/Shanghai", LogFormat: "text", LogLevel: "debug",
		TwilioSID: twiliotest.AccountSID, TwilioToken: twiliotest.AuthToken, TwilioFrom: []string{e2eOurNumber},
		TwilioAPIURL: e.api.URL, SMSRate: 1000, Now: e.clock.Now, OutboxBaseBackoff: 20 * time.Millisecond}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test configuration: %v", err)
	}
	lg := &e2eLog{}
	m := NewMain(cfg, lg)
	if e.tweak != nil {
		e.tweak(cfg, m)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	e.m, e.log = m, lg
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() {
			t.Logf("service log:\n%s", lg.String())
		}
	})
}

// restart closes the running Main and starts a new one on the same file.
func (e *e2eEnv) restart() {
	e.t.Helper()
	if err := e.m.Close(); err != nil {
		e.t.Fatalf("Close: %v", err)
	}
	e.run()
}

func (e *e2eEnv) public() string { return strings.TrimRight(e.m.Config.PublicURL, "/") }

// e2eSeedTeam registers a manager and two salesmen and gives them accounts.
func e2eSeedTeam(t testing.TB, s *crm.Store) e2eTeamIDs {
	t.Helper()
	var ids e2eTeamIDs
	e2eSeed(t, s, func(tx *crm.Tx) error {
		team := crm.Base{Branch: "shenyang", Dept: "machines"}
		liu := &crm.User{Base: team, Name: "Liu Yang", Phones: []string{e2eLiuPhone}, Role: crm.RoleSalesManager, Locale: "en"}
		if err := tx.SaveUser(liu); err != nil {
			return err
		}
		wang := &crm.User{Base: team, Name: "Wang Jun", Phones: []string{e2eWangPhone}, Role: crm.RoleSalesman, Manager: liu.ID, Locale: "en"}
		li := &crm.User{Base: team, Name: "Li Na", Phones: []string{e2eLiPhone}, Role: crm.RoleSalesman, Manager: liu.ID, Locale: "zh"}
		for _, u := range []*crm.User{wang, li} {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		ids.Liu, ids.Wang, ids.Li = liu.ID, wang.ID, li.ID
		mk := func(owner int64, name, contact, mobile string) (int64, int64, error) {
			a := &crm.Account{Base: crm.Base{Owner: owner}, Name: name}
			c := &crm.Contact{Base: crm.Base{Owner: owner}, Name: contact, Mobile: mobile}
			if err := tx.CreateAccount(a, c); err != nil {
				return 0, 0, fmt.Errorf("%s: %w", name, err)
			}
			return a.ID, c.ID, nil
		}
		var err error
		if ids.Acme, ids.Zhang, err = mk(wang.ID, "ACME Mining Co.", "Zhang Wei", "13901395136"); err != nil {
			return err
		}
		if ids.Huaxin, ids.LiGang, err = mk(li.ID, "华鑫矿业有限公司", "李刚", "13912345001"); err != nil {
			return err
		}
		if ids.Tieling, ids.WuHao, err = mk(wang.ID, "Tieling Cement", "Wu Hao", "13912345008"); err != nil {
			return err
		}
		for _, acct := range []int64{ids.Acme, ids.Huaxin} {
			eq := &crm.Equipment{Base: crm.Base{Owner: wang.ID}, Account: acct, Brand: "CAT", Model: "320D",
				Serial: fmt.Sprintf("CAT0320D%05d", acct), SMU: 4520}
			if err := tx.SaveEquipment(eq); err != nil {
				return err
			}
		}
		return nil
	})
	return ids
}

// e2eSeed writes as the system.
func e2eSeed(t testing.TB, s *crm.Store, fn func(tx *crm.Tx) error) {
	t.Helper()
	if _, err := s.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test", Summary: "e2e seed"}, fn); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// e2eView reads the store as the system.
func e2eView(t testing.TB, s *crm.Store, fn func(tx *crm.Tx) error) {
	t.Helper()
	if err := s.View(crm.System, fn); err != nil {
		t.Fatal(err)
	}
}

func e2eActivity(t testing.TB, s *crm.Store, id int64) *crm.Activity {
	t.Helper()
	var a *crm.Activity
	e2eView(t, s, func(tx *crm.Tx) error {
		var err error
		a, err = tx.Activity(id)
		return err
	})
	return a
}

func e2eActivityExists(t testing.TB, s *crm.Store, id int64) bool {
	t.Helper()
	found := false
	s.View(crm.System, func(tx *crm.Tx) error {
		_, err := tx.Activity(id)
		found = err == nil
		if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("activity #%d: %v", id, err)
		}
		return nil
	})
	return found
}

func e2eUser(t testing.TB, s *crm.Store, id int64) *crm.User {
	t.Helper()
	var u *crm.User
	e2eView(t, s, func(tx *crm.Tx) error {
		var err error
		u, err = tx.Recipient(id)
		return err
	})
	return u
}

// e2eActivities returns every activity, by id.
func e2eActivities(t testing.TB, s *crm.Store) map[int64]*crm.Activity {
	t.Helper()
	out := map[int64]*crm.Activity{}
	e2eView(t, s, func(tx *crm.Tx) error {
		return tx.Each(crm.KindActivity, func(r crm.Record) bool { a := r.(*crm.Activity); out[a.ID] = a; return true })
	})
	return out
}

// e2eCounts counts the records of every kind, the change sets (through the
// last one) and the outbox entries: what "nothing stored" compares.
func e2eCounts(t testing.TB, s *crm.Store) map[string]int {
	t.Helper()
	n := map[string]int{}
	e2eView(t, s, func(tx *crm.Tx) error {
		for _, k := range crm.Kinds {
			tx.Each(k, func(crm.Record) bool { n[string(k)]++; return true })
		}
		return nil
	})
	s.Engine().View(context.Background(), func(tx crm.ETx) error {
		tx.ChangeSetsAfter(0, func(int64, []byte) bool { n["changesets"]++; return true })
		for _, b := range []string{"outbox/entries", "gw/claims", "gw/pages"} {
			n[b] = tx.State(b).Count()
		}
		return nil
	})
	return n
}

// e2eSign is Twilio's signature of a POST of form to the public URL + path.
func (e *e2eEnv) sign(path string, form url.Values) string {
	return twiliotest.Sign(twiliotest.AuthToken, e.public()+path, form)
}

// post sends form to the real loopback address with signature sig ("" for none).
func (e *e2eEnv) post(path string, form url.Values, sig string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+e.m.Addr()+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	if sig != "" {
		req.Header.Set(twilio.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// form is the webhook form of a new inbound SMS.
func (e *e2eEnv) form(from, body string) (sid string, form url.Values) {
	sid = fmt.Sprintf("SM%032d", e.seq.Add(1))
	return sid, twiliotest.InboundForm(sid, from, e2eOurNumber, body)
}

// sms posts a correctly signed inbound SMS and returns the TwiML reply text
// ("" for an empty <Response/>) and the MessageSid used.
func (e *e2eEnv) sms(from, body string) (reply, sid string) {
	e.t.Helper()
	sid, form := e.form(from, body)
	return e.smsForm(form), sid
}

func (e *e2eEnv) smsForm(form url.Values) string {
	e.t.Helper()
	status, resp := e.post(twilio.SMSPath, form, e.sign(twilio.SMSPath, form))
	if status != http.StatusOK {
		e.t.Fatalf("webhook %q: %d %s", form.Get("Body"), status, resp)
	}
	return e2eTwiML(e.t, resp)
}

// e2eTwiML parses a TwiML answer: the text of its one <Message>, or "" for
// an empty <Response/>.
func e2eTwiML(t testing.TB, body string) string {
	t.Helper()
	var r struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, body)
	}
	switch len(r.Messages) {
	case 0:
		return ""
	case 1:
		if strings.TrimSpace(r.Messages[0]) == "" {
			t.Fatalf("an empty <Message>: %s", body)
		}
		return r.Messages[0]
	}
	t.Fatalf("%d <Message> in one answer: %s", len(r.Messages), body)
	return ""
}

var e2eIDRe = regexp.MustCompile(`#(\d+)`)

// e2eIDs lists the #ids a reply names, in order.
func e2eIDs(s string) []int64 {
	var ids []int64
	for _, m := range e2eIDRe.FindAllStringSubmatch(s, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

func e2eContains(t testing.TB, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

// e2eWaitUntil polls cond for up to 5 s.
func e2eWaitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// e2eMessagesTo returns the messages the fake API accepted for number.
func e2eMessagesTo(api *twiliotest.Server, to string) []twiliotest.Message {
	var out []twiliotest.Message
	for _, m := range api.Messages() {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// e2eRequestsTo counts every send request for number, refused ones too.
func e2eRequestsTo(api *twiliotest.Server, to string) int {
	n := 0
	for _, m := range api.Requests() {
		if m.To == to {
			n++
		}
	}
	return n
}

// e2eEntriesTo returns the outbox entries for number, oldest first.
func e2eEntriesTo(t testing.TB, db *bolt.DB, to string) []*outbox.Entry {
	t.Helper()
	es, err := outbox.List(db, outbox.Filter{To: to})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(es)
	return es
}

// e2eFriday is the Friday of the clock's week at 18:00 in Shanghai: what
// "fri" without a time means.
var e2eFriday = time.Date(2026, 11, 27, 18, 0, 0, 0, e2eShanghai)

// ---- the tests ----

func TestServeVisitReport(t *testing.T) {
	e := e2eStart(t, "", nil)
	before := e2eActivities(t, e.m.Store)
	start := e.clock.Now()
	reply, sid := e.sms(e2eWangPhone, "V acme; met Zhang Wei; wants 2x 320D; next: quote fri")

	after := e2eActivities(t, e.m.Store)
	if len(after) != len(before)+2 {
		t.Fatalf("%d activities stored, want 2 (the visit and its follow-up)", len(after)-len(before))
	}
	ids := e2eIDs(reply)
	if len(ids) < 2 {
		t.Fatalf("reply names %d ids, want the visit's and the follow-up's: %q", len(ids), reply)
	}
	visit, next := after[ids[0]], after[ids[1]]
	if visit == nil || next == nil || before[ids[0]] != nil || before[ids[1]] != nil {
		t.Fatalf("the ids in %q are not the new activities", reply)
	}
	e2eContains(t, "reply", reply, "OK visit", "ACME Mining", "Zhang Wei", "Next: quote", "Fri 27/11", "UNDO")
	if !strings.HasPrefix(reply, fmt.Sprintf("OK visit #%d ACME Mining", visit.ID)) {
		t.Errorf("reply does not start with the visit: %q", reply)
	}
	if n, _ := templates.Segments(reply); n != 1 {
		t.Errorf("reply is %d segments: %q", n, reply)
	}

	if visit.Type != crm.ActVisit || visit.Status != crm.StatusDone || visit.Owner != e.team.Wang ||
		visit.Account != e.team.Acme || visit.Contact != e.team.Zhang {
		t.Errorf("visit: %+v", visit)
	}
	if visit.DoneAt.Before(start) || visit.DoneAt.After(e.clock.Now()) {
		t.Errorf("visit done at %v, want the message's time %v", visit.DoneAt, start)
	}
	if !strings.Contains(visit.Notes, "2x 320D") {
		t.Errorf("visit notes %q lack the products", visit.Notes)
	}
	if next.Status != crm.StatusOpen || next.Owner != e.team.Wang || next.Account != e.team.Acme ||
		next.Contact != e.team.Zhang || next.FollowUpOf != visit.ID {
		t.Errorf("follow-up: %+v", next)
	}
	if !next.Due.Equal(e2eFriday) {
		t.Errorf("follow-up due %v, want %v", next.Due.In(e2eShanghai), e2eFriday)
	}
	if !strings.Contains(next.Subject, "quote") {
		t.Errorf("follow-up subject %q", next.Subject)
	}

	// the claim keeps the reply and its segment count (point 14)
	c, err := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid)
	if err != nil || c == nil {
		t.Fatalf("claim of %s: %v %v", sid, c, err)
	}
	if c.Reply != reply || c.Segments != 1 || c.User != e.team.Wang || c.Verb != "visit" || c.Code != "" {
		t.Errorf("claim %+v", c)
	}
	// the account has a machine on file: no reminder goes out
	time.Sleep(50 * time.Millisecond)
	if n := len(e.api.Requests()); n != 0 {
		t.Errorf("%d SMS sent for a visit that needs no notice", n)
	}
}

// Behind a proxy Twilio signs for the public URL while the request reaches
// the loopback address: only signatures over PublicURL+path are good.
func TestServeSignature(t *testing.T) {
	e := e2eStart(t, "https://crm.example.com", nil)
	body := "V acme; met Zhang Wei; next: quote fri"

	// a good one first, so that the refusals below are not a broken harness
	if reply, _ := e.sms(e2eWangPhone, body); !strings.HasPrefix(reply, "OK visit") {
		t.Fatalf("signed for the public URL: %q", reply)
	}

	sid, form := e.form(e2eWangPhone, body)
	good := e.sign(twilio.SMSPath, form)
	changed := url.Values{}
	for k, v := range form {
		changed[k] = slices.Clone(v)
	}
	changed.Set("Body", "V acme; met Zhang Wei; next: quote mon") // replay with another body
	extra := url.Values{}
	for k, v := range form {
		extra[k] = slices.Clone(v)
	}
	extra.Add("Body", "UNDO") // a second value smuggled into the signed form

	cases := []struct {
		name string
		form url.Values
		sig  string
	}{
		{"WrongToken", form, twiliotest.Sign("ffffffffffffffffffffffffffffffff", e.public()+twilio.SMSPath, form)},
		{"Garbage", form, "bm90IGEgc2lnbmF0dXJl"},
		{"Missing", form, ""},
		{"ForTheLoopbackURL", form, twiliotest.Sign(twiliotest.AuthToken, "http://"+e.m.Addr()+twilio.SMSPath, form)},
		{"ForAnotherHost", form, twiliotest.Sign(twiliotest.AuthToken, "https://evil.example.com"+twilio.SMSPath, form)},
		{"ForAnotherPath", form, e.sign(twilio.StatusPath, form)},
		{"ReplayedChangedBody", changed, good},
		{"ReplayedAddedValue", extra, good},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e2eCounts(t, e.m.Store)
			status, resp := e.post(twilio.SMSPath, c.form, c.sig)
			if status != http.StatusForbidden {
				t.Errorf("status %d, want 403: %s", status, resp)
			}
			if strings.Contains(resp, "<Message>") {
				t.Errorf("a refused webhook answered %s", resp)
			}
			if after := e2eCounts(t, e.m.Store); !e2eMapsEqual(before, after) {
				t.Errorf("something was stored:\nbefore %v\nafter  %v", before, after)
			}
			if cl, err := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid); cl != nil || err != nil {
				t.Errorf("message claimed: %+v %v", cl, err)
			}
		})
	}
	// and the genuine request is still good afterwards
	if reply := e.smsForm(form); !strings.HasPrefix(reply, "OK visit") {
		t.Errorf("genuine after the forgeries: %q", reply)
	}
}

func e2eMapsEqual(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func TestServeRetriedWebhook(t *testing.T) {
	e := e2eStart(t, "", nil)
	sid, form := e.form(e2eWangPhone, "V acme; met Zhang Wei; next: quote fri")
	before := e2eCounts(t, e.m.Store)
	first := e.smsForm(form)
	second := e.smsForm(form)
	if first == "" || second != first {
		t.Errorf("retry answered %q, first answer %q", second, first)
	}
	after := e2eCounts(t, e.m.Store)
	if d := after["activity"] - before["activity"]; d != 2 {
		t.Errorf("%d activities after a retry, want 2 (applied once)", d)
	}
	if d := after["changesets"] - before["changesets"]; d != 1 {
		t.Errorf("%d change sets, want 1", d)
	}
	if c, _ := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid); c == nil || c.Reply != first {
		t.Errorf("claim %+v", c)
	}

	t.Run("Refused", func(t *testing.T) {
		sid, form := e.form(e2eWangPhone, "REJECT #999 no time")
		before := e2eCounts(t, e.m.Store)
		first, second := e.smsForm(form), e.smsForm(form)
		if !strings.Contains(first, "#999") || second != first {
			t.Errorf("refusal %q, its retry %q", first, second)
		}
		after := e2eCounts(t, e.m.Store)
		if after["gw/claims"] != before["gw/claims"]+1 || after["changesets"] != before["changesets"] || after["activity"] != before["activity"] {
			t.Errorf("a refused message and its retry:\nbefore %v\nafter  %v", before, after)
		}
		if c, _ := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid); c == nil || c.Code == "" || c.Reply != first {
			t.Errorf("claim of a refusal %+v", c)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Twilio retries while the first delivery is still being handled
		sid, form := e.form(e2eWangPhone, "V tieling; met Wu Hao")
		before := e2eCounts(t, e.m.Store)
		const n = 6
		replies := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, body := e.post(twilio.SMSPath, form, e.sign(twilio.SMSPath, form))
				if status != http.StatusOK {
					t.Errorf("delivery %d: %d %s", i, status, body)
					return
				}
				replies[i] = body
			}()
		}
		wg.Wait()
		for i := 1; i < n; i++ {
			if replies[i] != replies[0] {
				t.Errorf("delivery %d answered %s, delivery 0 %s", i, replies[i], replies[0])
			}
		}
		after := e2eCounts(t, e.m.Store)
		if d := after["activity"] - before["activity"]; d != 1 {
			t.Errorf("%d activities from %d deliveries of one message, want 1", d, n)
		}
		c, _ := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid)
		if c == nil || !strings.HasPrefix(c.Reply, "OK visit") {
			t.Fatalf("claim %+v", c)
		}
		// the visit at an account without machines asks for them once
		msgs := e.api.WaitFor(1, 3*time.Second)
		time.Sleep(100 * time.Millisecond)
		if got := e2eMessagesTo(e.api, e2eWangPhone); len(got) != 1 || len(e.api.Messages()) != len(msgs) {
			t.Errorf("%d reminders sent for one message", len(got))
		}
	})
}

func TestServeUnknownSender(t *testing.T) {
	e := e2eStart(t, "", nil)
	before := e2eCounts(t, e.m.Store)
	reply, sid := e.sms(e2eStranger, "V acme; met Zhang Wei")
	e2eContains(t, "first answer", reply, "not registered")
	if n, _ := templates.Segments(reply); n != 1 {
		t.Errorf("not-registered answer is %d segments: %q", n, reply)
	}
	e.clock.Advance(23 * time.Hour)
	if reply, _ := e.sms(e2eStranger, "TODAY"); reply != "" {
		t.Errorf("second message within 24h answered %q, want an empty <Response/>", reply)
	}
	if after := e2eCounts(t, e.m.Store); !e2eMapsEqual(before, after) {
		t.Errorf("an unknown sender stored something:\nbefore %v\nafter  %v", before, after)
	}
	if c, _ := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid); c != nil {
		t.Errorf("unknown sender's message claimed: %+v", c)
	}
	e.clock.Advance(2 * time.Hour) // a day after the first answer
	if reply, _ := e.sms(e2eStranger, "HELP"); !strings.Contains(reply, "not registered") {
		t.Errorf("a day later: %q", reply)
	}
	e.clock.Advance(25 * time.Hour) // who writes Chinese is answered in Chinese
	if reply, _ := e.sms(e2eStranger, "今天拜访了华鑫"); !strings.Contains(reply, "此号码未在fieldcrm登记") {
		t.Errorf("a stranger writing Chinese: %q", reply)
	}
	if n := len(e.api.Requests()); n != 0 {
		t.Errorf("%d SMS sent to an unknown sender", n)
	}

	t.Run("Disabled", func(t *testing.T) {
		e2eSeed(t, e.m.Store, func(tx *crm.Tx) error {
			u, err := tx.Recipient(e.team.Wang)
			if err != nil {
				return err
			}
			u.Disabled = true
			return tx.SaveUser(u)
		})
		// the scheduler's start-up runs may queue notices to others meanwhile:
		// the outbox is compared by what is addressed to Wang
		before := e2eCounts(t, e.m.Store)
		queued := len(e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone))
		reply, _ := e.sms(e2eWangPhone, "V acme; met Zhang Wei")
		e2eContains(t, "a disabled user's answer", reply, "not registered")
		after := e2eCounts(t, e.m.Store)
		delete(before, "outbox/entries")
		delete(after, "outbox/entries")
		if !e2eMapsEqual(before, after) || len(e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone)) != queued {
			t.Errorf("a disabled user stored something:\nbefore %v\nafter  %v", before, after)
		}
	})
}

var e2eChoiceRe = regexp.MustCompile(`(\d)\) ([^#]+?) #(\d+)`)

// e2eChoices reads a numbered choice: number → account id.
func e2eChoices(t testing.TB, reply string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range e2eChoiceRe.FindAllStringSubmatch(reply, -1) {
		id, _ := strconv.ParseInt(m[3], 10, 64)
		out[m[1]] = id
	}
	return out
}

func TestServeAmbiguousName(t *testing.T) {
	e := e2eStart(t, "", nil)
	var transport int64
	e2eSeed(t, e.m.Store, func(tx *crm.Tx) error {
		a := &crm.Account{Base: crm.Base{Owner: e.team.Wang}, Name: "ACME Transport Ltd"}
		if err := tx.CreateAccount(a, &crm.Contact{Base: crm.Base{Owner: e.team.Wang}, Name: "Chen Jie", Mobile: "13901395137"}); err != nil {
			return err
		}
		transport = a.ID
		// both have machines: no reminder to muddle the outbox
		return tx.SaveEquipment(&crm.Equipment{Base: crm.Base{Owner: e.team.Wang}, Account: a.ID, Brand: "CAT", Model: "336", Serial: "CAT0336X0001"})
	})

	t.Run("ChosenInTime", func(t *testing.T) {
		before := e2eActivities(t, e.m.Store)
		reply, _ := e.sms(e2eWangPhone, "V acme; met Zhang Wei")
		ch := e2eChoices(t, reply)
		if len(ch) != 2 || !slices.Contains([]int64{ch["1"], ch["2"]}, e.team.Acme) || !slices.Contains([]int64{ch["1"], ch["2"]}, transport) {
			t.Fatalf("choice %q, want ACME Mining #%d and ACME Transport #%d numbered", reply, e.team.Acme, transport)
		}
		e2eContains(t, "choice", reply, "acme", "Reply 1 or 2")
		if n := len(e2eActivities(t, e.m.Store)); n != len(before) {
			t.Fatalf("a question stored %d activities", n-len(before))
		}
		e.clock.Advance(9 * time.Minute)
		reply, _ = e.sms(e2eWangPhone, "2")
		after := e2eActivities(t, e.m.Store)
		if len(after) != len(before)+1 {
			t.Fatalf("%d activities after the choice, want 1: %q", len(after)-len(before), reply)
		}
		ids := e2eIDs(reply)
		if len(ids) == 0 || after[ids[0]] == nil {
			t.Fatalf("reply %q names no new activity", reply)
		}
		a := after[ids[0]]
		if a.Account != ch["2"] || a.Type != crm.ActVisit {
			t.Errorf("visit stored at account #%d, want choice 2 #%d: %+v", a.Account, ch["2"], a)
		}
		if !strings.HasPrefix(reply, fmt.Sprintf("OK visit #%d ACME", a.ID)) {
			t.Errorf("reply %q", reply)
		}
		if ch["2"] == e.team.Acme && a.Contact != e.team.Zhang {
			t.Errorf("the contact of the original command was lost: %+v", a)
		}
		// the question is answered: another "2" is not taken as a choice again
		if reply, _ := e.sms(e2eWangPhone, "2"); !strings.Contains(reply, "no question waiting") {
			t.Errorf("second \"2\": %q", reply)
		}
	})

	t.Run("ChosenTooLate", func(t *testing.T) {
		reply, _ := e.sms(e2eWangPhone, "V acme; met Zhang Wei")
		if len(e2eChoices(t, reply)) != 2 {
			t.Fatalf("no choice: %q", reply)
		}
		before := e2eCounts(t, e.m.Store)
		e.clock.Advance(11 * time.Minute)
		reply, _ = e.sms(e2eWangPhone, "2")
		e2eContains(t, "late choice", reply, "no question waiting")
		after := e2eCounts(t, e.m.Store)
		if after["activity"] != before["activity"] || after["changesets"] != before["changesets"] {
			t.Errorf("a late choice stored something:\nbefore %v\nafter  %v", before, after)
		}
	})
}

func TestServeUndo(t *testing.T) {
	e := e2eStart(t, "", nil)

	t.Run("InTime", func(t *testing.T) {
		reply, _ := e.sms(e2eWangPhone, "V acme; met Zhang Wei; next: quote fri")
		ids := e2eIDs(reply)
		if len(ids) != 2 || !e2eActivityExists(t, e.m.Store, ids[0]) || !e2eActivityExists(t, e.m.Store, ids[1]) {
			t.Fatalf("visit not stored: %q", reply)
		}
		e.clock.Advance(14 * time.Minute)
		reply, _ = e.sms(e2eWangPhone, "UNDO")
		e2eContains(t, "undo", reply, "OK undone", fmt.Sprintf("visit #%d", ids[0]), fmt.Sprintf("#%d", ids[1]))
		for _, id := range ids {
			if e2eActivityExists(t, e.m.Store, id) {
				t.Errorf("activity #%d still there after UNDO", id)
			}
		}
	})

	t.Run("TooLate", func(t *testing.T) {
		reply, _ := e.sms(e2eWangPhone, "V acme; met Zhang Wei; next: call mon")
		ids := e2eIDs(reply)
		if len(ids) != 2 {
			t.Fatalf("visit: %q", reply)
		}
		e.clock.Advance(16 * time.Minute)
		before := e2eCounts(t, e.m.Store)
		reply, _ = e.sms(e2eWangPhone, "UNDO")
		e2eContains(t, "late undo", reply, "Nothing of yours to undo", "15 minutes")
		for _, id := range ids {
			if !e2eActivityExists(t, e.m.Store, id) {
				t.Errorf("activity #%d removed by a late UNDO", id)
			}
		}
		if after := e2eCounts(t, e.m.Store); after["changesets"] != before["changesets"] {
			t.Errorf("a refused UNDO recorded a change set")
		}
	})
}

// e2ePlan has the manager plan an urgent visit for Wang and returns the new
// activity's id.
func (e *e2eEnv) plan(body string) int64 {
	e.t.Helper()
	reply, _ := e.sms(e2eLiuPhone, body)
	ids := e2eIDs(reply)
	if !strings.HasPrefix(reply, "OK planned") || len(ids) == 0 {
		e.t.Fatalf("%s: %q", body, reply)
	}
	return ids[0]
}

func TestServeAssignmentNotice(t *testing.T) {
	e := e2eStart(t, "", nil)
	reply, _ := e.sms(e2eLiuPhone, "PLAN wang visit acme fri urgent")
	ids := e2eIDs(reply)
	if len(ids) != 1 {
		t.Fatalf("reply %q", reply)
	}
	id := ids[0]
	e2eContains(t, "manager's reply", reply, fmt.Sprintf("OK planned #%d", id), "ACME Mining", "Fri 27/11", "urgent", "Wang Jun")
	a := e2eActivity(t, e.m.Store, id)
	if a.Owner != e.team.Wang || a.AssignedBy != e.team.Liu || a.Priority != crm.PriorityUrgent ||
		a.Status != crm.StatusOpen || a.Type != crm.ActVisit || a.Account != e.team.Acme || !a.Due.Equal(e2eFriday) {
		t.Errorf("planned activity %+v", a)
	}

	msgs := e.api.WaitFor(1, 3*time.Second)
	msg := msgs[0]
	if msg.To != e2eWangPhone || msg.From != e2eOurNumber {
		t.Errorf("sent to %s from %s", msg.To, msg.From)
	}
	e2eContains(t, "notice", msg.Body, "Liu Yang assigned you", fmt.Sprintf("#%d", id), "ACME Mining", "urgent", fmt.Sprintf("DONE #%d", id))
	if msg.StatusCallback != e.public()+twilio.StatusPath {
		t.Errorf("status callback %q", msg.StatusCallback)
	}

	var ent *outbox.Entry
	e2eWaitUntil(t, "the notice is recorded sent", func() bool {
		es := e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone)
		if len(es) == 1 && es[0].State == outbox.StateSent {
			ent = es[0]
			return true
		}
		return false
	})
	if ent.ProviderID != msg.SID || ent.UserID != e.team.Wang || ent.Body != msg.Body || ent.Attempts != 1 {
		t.Errorf("entry %+v", ent)
	}
	var steps []string
	for _, h := range ent.StatusHistory {
		steps = append(steps, h.Status)
	}
	if !slices.Equal(steps, []string{outbox.StateQueued, outbox.StateSending, outbox.StateSent}) {
		t.Errorf("entry went %v", steps)
	}

	get := func() *outbox.Entry {
		x, err := outbox.Get(e.m.Store.DB(), ent.ID)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	if err := e.api.SendStatus(msg.StatusCallback, twiliotest.AuthToken, msg.SID, "delivered"); err != nil {
		t.Fatal(err)
	}
	got := get()
	if got.State != outbox.StateDelivered || got.ProviderStatus != "delivered" {
		t.Fatalf("after delivered: state %s provider %s", got.State, got.ProviderStatus)
	}
	n := len(got.StatusHistory)
	for _, st := range []string{"delivered", "sent"} { // a repeat, then a late "sent"
		if err := e.api.SendStatus(msg.StatusCallback, twiliotest.AuthToken, msg.SID, st); err != nil {
			t.Fatal(err)
		}
		if x := get(); x.State != outbox.StateDelivered || x.ProviderStatus != "delivered" || len(x.StatusHistory) != n {
			t.Errorf("after a late %q: state %s provider %s, %d history entries (was %d)", st, x.State, x.ProviderStatus, len(x.StatusHistory), n)
		}
	}

	// callbacks that Twilio did not sign change nothing
	form := url.Values{"MessageSid": {msg.SID}, "MessageStatus": {"failed"}, "ErrorCode": {"30003"}, "AccountSid": {twiliotest.AccountSID}}
	for name, sig := range map[string]string{
		"Unsigned":    "",
		"WrongToken":  twiliotest.Sign("ffffffffffffffffffffffffffffffff", e.public()+twilio.StatusPath, form),
		"ForSMSPath":  e.sign(twilio.SMSPath, form),
		"OtherStatus": e.sign(twilio.StatusPath, url.Values{"MessageSid": {msg.SID}, "MessageStatus": {"delivered"}}),
	} {
		if status, body := e.post(twilio.StatusPath, form, sig); status != http.StatusForbidden {
			t.Errorf("%s status callback: %d %s", name, status, body)
		}
	}
	if x := get(); x.State != outbox.StateDelivered || x.ErrorCode != 0 || len(x.StatusHistory) != n {
		t.Errorf("a forged callback changed the entry: %+v", x)
	}
	if len(e.api.Messages()) != 1 {
		t.Errorf("%d messages sent, want 1", len(e.api.Messages()))
	}
}

func TestServeNotices(t *testing.T) {
	e := e2eStart(t, "", nil)

	t.Run("Reject", func(t *testing.T) {
		id := e.plan("PLAN wang visit acme fri urgent")
		e.api.WaitFor(1, 3*time.Second) // the assignment notice
		reply, _ := e.sms(e2eWangPhone, fmt.Sprintf("REJECT #%d need pricing approval", id))
		e2eContains(t, "salesman's reply", reply, fmt.Sprintf("OK #%d", id), "rejected and sent back to Liu Yang")
		a := e2eActivity(t, e.m.Store, id)
		if a.Status != crm.StatusRejected || !strings.Contains(a.Outcome, "need pricing approval") {
			t.Errorf("rejected activity %+v", a)
		}
		e.api.WaitFor(2, 3*time.Second)
		got := e2eMessagesTo(e.api, e2eLiuPhone)
		if len(got) != 1 {
			t.Fatalf("%d messages to the manager", len(got))
		}
		e2eContains(t, "manager's notice", got[0].Body, "Wang Jun rejected", fmt.Sprintf("#%d", id), "need pricing approval", fmt.Sprintf("ASSIGN #%d", id))
	})

	t.Run("LeadAssigned", func(t *testing.T) {
		n := len(e2eMessagesTo(e.api, e2eWangPhone))
		reply, _ := e.sms(e2eLiuPhone, "LEAD Huaxin Mining; Li Gang 13901234567; src: web; needs 2 loaders")
		ids := e2eIDs(reply)
		if !strings.HasPrefix(reply, "OK lead") || len(ids) == 0 {
			t.Fatalf("lead: %q", reply)
		}
		lead := ids[0]
		reply, _ = e.sms(e2eLiuPhone, fmt.Sprintf("ASSIGN L%d wang", lead))
		e2eContains(t, "assign", reply, "OK", fmt.Sprintf("#%d", lead), "Wang Jun")
		e2eWaitUntil(t, "the new owner is told", func() bool { return len(e2eMessagesTo(e.api, e2eWangPhone)) == n+1 })
		msg := e2eMessagesTo(e.api, e2eWangPhone)[n]
		e2eContains(t, "lead notice", msg.Body, "Liu Yang gave you lead", fmt.Sprintf("#%d", lead), "Huaxin", fmt.Sprintf("LEAD #%d qualify", lead))
	})

	t.Run("LeadForSomeoneElse", func(t *testing.T) {
		n := len(e2eMessagesTo(e.api, e2eWangPhone))
		reply, _ := e.sms(e2eLiuPhone, "LEAD Fushun Coal Works; Gao Peng 13912345005; src: web; owner: wang")
		ids := e2eIDs(reply)
		if !strings.HasPrefix(reply, "OK lead") || len(ids) == 0 {
			t.Fatalf("lead: %q", reply)
		}
		var l *crm.Lead
		e2eView(t, e.m.Store, func(tx *crm.Tx) error {
			var err error
			l, err = tx.Lead(ids[0])
			return err
		})
		if l.Owner != e.team.Wang {
			t.Fatalf("LEAD ...; owner: wang created the lead for #%d", l.Owner)
		}
		e2eWaitUntil(t, "the owner is told", func() bool { return len(e2eMessagesTo(e.api, e2eWangPhone)) == n+1 })
		e2eContains(t, "lead notice", e2eMessagesTo(e.api, e2eWangPhone)[n].Body, "New lead", "Fushun Coal")
	})

	t.Run("EquipmentMissing", func(t *testing.T) {
		n := len(e2eMessagesTo(e.api, e2eWangPhone))
		reply, _ := e.sms(e2eWangPhone, "V tieling; met Wu Hao; wants a loader")
		e2eContains(t, "visit", reply, "OK visit", "Tieling Cement")
		e2eWaitUntil(t, "the salesman is reminded", func() bool { return len(e2eMessagesTo(e.api, e2eWangPhone)) == n+1 })
		msg := e2eMessagesTo(e.api, e2eWangPhone)[n]
		e2eContains(t, "equipment reminder", msg.Body, "record the machines at Tieling Cement", fmt.Sprintf("EQ #%d", e.team.Tieling))
		// a visit to an account with a machine on file asks nothing
		e.sms(e2eWangPhone, "V acme; met Zhang Wei")
		time.Sleep(100 * time.Millisecond)
		if got := len(e2eMessagesTo(e.api, e2eWangPhone)); got != n+1 {
			t.Errorf("%d reminders, want 1", got-n)
		}
	})
}

func TestServeRestartSendsQueuedOnce(t *testing.T) {
	// The first Main has no SMS sender: the notice commits with the change
	// and stays queued, as when the process dies before the worker sends.
	crashed := true
	e := e2eStart(t, "", func(cfg *Config, m *Main) {
		if crashed {
			m.Senders = map[string]outbox.Sender{}
		}
	})
	id := e.plan("PLAN wang visit acme fri urgent")
	time.Sleep(100 * time.Millisecond)
	es := e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone)
	if len(es) != 1 || es[0].State != outbox.StateQueued {
		t.Fatalf("before the restart: %+v", es)
	}
	if n := len(e.api.Requests()); n != 0 {
		t.Fatalf("%d sends before the restart", n)
	}

	crashed = false
	e.restart()
	msgs := e.api.WaitFor(1, 3*time.Second)
	e2eContains(t, "notice after the restart", msgs[0].Body, fmt.Sprintf("#%d", id), "Liu Yang assigned you")
	e2eWaitUntil(t, "the entry is sent", func() bool {
		es := e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone)
		return len(es) == 1 && es[0].State == outbox.StateSent
	})

	e.restart()
	e.m.Outbox.Kick()
	time.Sleep(200 * time.Millisecond)
	e.restart()
	time.Sleep(200 * time.Millisecond)
	if n := e2eRequestsTo(e.api, e2eWangPhone); n != 1 {
		t.Errorf("the notice went to the API %d times across three restarts, want once", n)
	}
	es = e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone)
	if len(es) != 1 || es[0].State != outbox.StateSent || es[0].ProviderID != msgs[0].SID {
		t.Errorf("after the restarts: %+v", es)
	}
}

func TestServeRestartRetriesFailedSend(t *testing.T) {
	// The API fails; the service stops while the notice waits for its retry
	// and a new one on the same file, with a working API, sends it once.
	slow := true
	e := e2eStart(t, "", func(cfg *Config, m *Main) {
		if slow {
			cfg.OutboxBaseBackoff = time.Minute
		}
	})
	e.api.FailTo(e2eWangPhone, http.StatusInternalServerError, 20500)
	id := e.plan("PLAN wang visit acme fri urgent")
	e2eWaitUntil(t, "one failed attempt", func() bool {
		es := e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone)
		return len(es) == 1 && es[0].State == outbox.StateQueued && es[0].Attempts == 1
	})
	e.api.FailTo(e2eWangPhone, 0, 0)
	slow = false
	e.restart()
	e.clock.Advance(2 * time.Minute) // the retry is due
	e.m.Outbox.Kick()
	msgs := e.api.WaitFor(1, 3*time.Second)
	e2eContains(t, "notice", msgs[0].Body, fmt.Sprintf("#%d", id))
	e.restart()
	time.Sleep(200 * time.Millisecond)
	if n := len(e2eMessagesTo(e.api, e2eWangPhone)); n != 1 {
		t.Errorf("%d notices accepted, want 1", n)
	}
}

func TestServeOptOut(t *testing.T) {
	e := e2eStart(t, "", nil)
	e.api.FailTo(e2eWangPhone, http.StatusBadRequest, 21610)
	e.plan("PLAN wang visit acme fri urgent")
	e2eWaitUntil(t, "Wang is marked opted out", func() bool { return e2eUser(t, e.m.Store, e.team.Wang).OptedOut })
	es := e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone)
	if len(es) != 1 || es[0].State != outbox.StateFailed || es[0].ErrorCode != 21610 {
		t.Fatalf("entry after 21610: %+v", es)
	}
	if n := e2eRequestsTo(e.api, e2eWangPhone); n != 1 {
		t.Errorf("%d send attempts after a 21610, want 1 (not retried)", n)
	}

	// later notices are not sent
	e.plan("PLAN wang call acme mon")
	e.m.Outbox.Kick()
	time.Sleep(150 * time.Millisecond)
	if n := e2eRequestsTo(e.api, e2eWangPhone); n != 1 {
		t.Errorf("%d send attempts to an opted-out user, want 1", n)
	}
	if es := e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone); len(es) != 1 {
		t.Errorf("%d entries queued for an opted-out user", len(es))
	}

	// Twilio refuses everything to an opted-out number: no answer either
	if reply, _ := e.sms(e2eWangPhone, "TODAY"); reply != "" {
		t.Errorf("TODAY from an opted-out user answered %q", reply)
	}
	// STOP: no answer, still opted out
	if reply, _ := e.sms(e2eWangPhone, "STOP"); reply != "" {
		t.Errorf("STOP answered %q", reply)
	}
	if !e2eUser(t, e.m.Store, e.team.Wang).OptedOut {
		t.Error("STOP cleared the opt-out")
	}
	// START: confirmed, on again
	reply, _ := e.sms(e2eWangPhone, "START")
	e2eContains(t, "START", reply, "on again")
	if e2eUser(t, e.m.Store, e.team.Wang).OptedOut {
		t.Error("START did not clear the opt-out")
	}
	// and a new notice reaches him
	e.api.FailTo(e2eWangPhone, 0, 0)
	id := e.plan("PLAN wang visit tieling tue")
	e2eWaitUntil(t, "a notice reaches Wang", func() bool { return len(e2eMessagesTo(e.api, e2eWangPhone)) == 1 })
	e2eContains(t, "notice after START", e2eMessagesTo(e.api, e2eWangPhone)[0].Body, fmt.Sprintf("#%d", id), "Tieling")
}

// The first message of a user's day carries a reminder of the activities
// others gave him; TODAY shows them itself and counts as that first message.
func TestServeDayReminder(t *testing.T) {
	e := e2eStart(t, "", nil)
	id := e.plan("PLAN wang visit acme fri urgent")
	t.Run("FirstMessage", func(t *testing.T) {
		reply, _ := e.sms(e2eWangPhone, "V tieling; met Wu Hao")
		e2eContains(t, "first message", reply, "1 item assigned to you", fmt.Sprintf("#%d", id), "OK visit")
		if reply, _ := e.sms(e2eWangPhone, "V acme; met Zhang Wei"); strings.Contains(reply, "assigned to you") {
			t.Errorf("second message of the day repeats the reminder: %q", reply)
		}
	})
	t.Run("AfterToday", func(t *testing.T) {
		e.clock.Advance(24 * time.Hour)
		e.plan("PLAN wang call tieling tomorrow")
		reply, _ := e.sms(e2eWangPhone, "TODAY")
		if strings.Contains(reply, "assigned to you") {
			t.Errorf("TODAY carries the reminder: %q", reply)
		}
		if reply, _ := e.sms(e2eWangPhone, "V acme; met Zhang Wei"); strings.Contains(reply, "assigned to you") {
			t.Errorf("the message after TODAY repeats what TODAY showed: %q", reply)
		}
	})
}

func TestServeRetryAfter429(t *testing.T) {
	e := e2eStart(t, "", nil)
	e.api.FailNext(1, http.StatusTooManyRequests, 20429)
	id := e.plan("PLAN wang visit acme fri urgent")
	msgs := e.api.WaitFor(1, 3*time.Second)
	e2eContains(t, "notice", msgs[0].Body, fmt.Sprintf("#%d", id))
	var ent *outbox.Entry
	e2eWaitUntil(t, "the entry is sent", func() bool {
		es := e2eEntriesTo(t, e.m.Store.DB(), e2eWangPhone)
		if len(es) == 1 && es[0].State == outbox.StateSent {
			ent = es[0]
			return true
		}
		return false
	})
	time.Sleep(100 * time.Millisecond)
	reqs := e.api.Requests()
	if len(reqs) != 2 || reqs[0].Failed != http.StatusTooManyRequests || reqs[1].Failed != 0 || reqs[0].Body != reqs[1].Body {
		t.Errorf("requests: %+v", reqs)
	}
	if len(e.api.Messages()) != 1 || ent.Attempts != 2 || ent.ProviderID != msgs[0].SID {
		t.Errorf("sent %d, entry %+v", len(e.api.Messages()), ent)
	}
}

func TestServePagedToday(t *testing.T) {
	e := e2eStart(t, "", nil)
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, e2eShanghai)
	var want []int64
	e2eSeed(t, e.m.Store, func(tx *crm.Tx) error {
		for i := range 15 {
			acct := []int64{e.team.Acme, e.team.Tieling}[i%2]
			a := &crm.Activity{Base: crm.Base{Owner: e.team.Wang}, Type: []string{crm.ActVisit, crm.ActCall, crm.ActTask}[i%3],
				Subject: fmt.Sprintf("check item %d", i+1), Account: acct, Due: today.Add(time.Duration(11*60+i*20) * time.Minute)}
			if err := tx.CreateActivity(a); err != nil {
				return err
			}
			want = append(want, a.ID)
		}
		return nil
	})
	seen := map[int64]bool{}
	reply, sid := e.sms(e2eWangPhone, "TODAY")
	pages := 0
	for {
		pages++
		n, _ := templates.Segments(reply)
		if n > 2 {
			t.Errorf("page %d is %d segments: %q", pages, n, reply)
		}
		if pages == 1 {
			if c, _ := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid); c == nil || c.Segments != n || c.Reply != reply {
				t.Errorf("claim of the first page: %+v, want %d segments", c, n)
			}
		}
		for _, id := range e2eIDs(reply) {
			seen[id] = true
		}
		if !strings.Contains(reply, "MORE for next") {
			break
		}
		if !regexp.MustCompile(`MORE for next \d+$`).MatchString(reply) {
			t.Errorf("page %d does not end with the MORE prompt: %q", pages, reply)
		}
		if pages > 6 {
			t.Fatal("too many pages")
		}
		reply, _ = e.sms(e2eWangPhone, "MORE")
	}
	if pages < 2 {
		t.Errorf("15 activities fit one page: %q", reply)
	}
	for _, id := range want {
		if !seen[id] {
			t.Errorf("activity #%d on no page", id)
		}
	}
	if reply, _ := e.sms(e2eWangPhone, "MORE"); !strings.Contains(reply, "Nothing more") {
		t.Errorf("MORE after the last page: %q", reply)
	}
}

func TestServeChinese(t *testing.T) {
	e := e2eStart(t, "", nil)
	reply, sid := e.sms(e2eLiPhone, "拜访 华鑫矿业；见了李总；下周二报价")
	n, enc := templates.Segments(reply)
	if n != 1 || enc != templates.UCS2 {
		t.Errorf("reply is %d segments (%v): %q", n, enc, reply)
	}
	ids := e2eIDs(reply)
	if len(ids) != 2 {
		t.Fatalf("reply %q", reply)
	}
	e2eContains(t, "reply", reply, "已记录", "拜访", fmt.Sprintf("#%d", ids[0]), "华鑫矿业", "报价", "12月1日周二", "撤销")
	v, next := e2eActivity(t, e.m.Store, ids[0]), e2eActivity(t, e.m.Store, ids[1])
	if v.Type != crm.ActVisit || v.Account != e.team.Huaxin || v.Owner != e.team.Li {
		t.Errorf("visit %+v", v)
	}
	if want := time.Date(2026, 12, 1, 18, 0, 0, 0, e2eShanghai); !next.Due.Equal(want) || next.FollowUpOf != v.ID || next.Account != e.team.Huaxin {
		t.Errorf("follow-up due %v (want %v): %+v", next.Due.In(e2eShanghai), want, next)
	}
	if c, _ := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid); c == nil || c.Segments != 1 || c.Reply != reply {
		t.Errorf("claim %+v", c)
	}
}

// Each answer's segment count is kept with its claim, long ones too.
func TestServeClaimSegments(t *testing.T) {
	e := e2eStart(t, "", nil)
	for _, body := range []string{"HELP", "V acme; met Zhang Wei", "FOO bar", "今天", "ACCT acme"} {
		for _, from := range []string{e2eWangPhone, e2eLiPhone} {
			reply, sid := e.sms(from, body)
			c, err := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, sid)
			if err != nil || c == nil {
				t.Fatalf("%s: no claim: %v", body, err)
			}
			want, _ := templates.Segments(reply)
			if c.Reply != reply || c.Segments != want || want == 0 {
				t.Errorf("%s from %s: claim %d segments %q, reply %d segments %q", body, from, c.Segments, c.Reply, want, reply)
			}
		}
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	e := e2eStart(t, "", nil)
	m := e.m
	// hold the database's write lock: the webhook below waits in the pipeline
	locked, unlock := make(chan struct{}), make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(unlock) }) }
	t.Cleanup(release) // runs before Close: a failing test must not leave Close waiting for the lock
	go m.Store.DB().Update(func(*bolt.Tx) error {
		close(locked)
		<-unlock
		return nil
	})
	<-locked
	type answer struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan answer, 1)
	_, form := e.form(e2eWangPhone, "V acme; met Zhang Wei")
	sig := e.sign(twilio.SMSPath, form)
	addr := m.Addr()
	reads := m.Store.DB().Stats().TxN
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+twilio.SMSPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.SignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			inflight <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- answer{status: resp.StatusCode, body: string(b)}
	}()
	// wait until the pipeline reads (sender, claim): the request is being
	// handled and waits for the write lock
	e2eWaitUntil(t, "the webhook is in flight", func() bool { return m.Store.DB().Stats().TxN >= reads+2 })

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	// new requests are refused once Close began, while the first one waits
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	e2eWaitUntil(t, "new requests are refused", func() bool {
		_, err := fresh.Get("http://" + addr + "/healthz")
		return err != nil
	})
	select {
	case a := <-inflight:
		t.Fatalf("the in-flight request ended before the store let it: %+v", a)
	case err := <-closed:
		t.Fatalf("Close returned %v with a request in flight", err)
	default:
	}
	release()
	a := <-inflight
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("in-flight request: %d %v %s", a.status, a.err, a.body)
	}
	e2eContains(t, "in-flight answer", e2eTwiML(t, a.body), "OK visit", "ACME Mining")
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if _, err := fresh.Post("http://"+addr+twilio.SMSPath, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); err == nil {
		t.Error("a request after Close was served")
	}
	// the answered message was committed: a new Main on the file has it
	e.run()
	if c, _ := gateway.Claim(e.m.Store.Engine(), gateway.ChannelSMS, form.Get("MessageSid")); c == nil || !strings.HasPrefix(c.Reply, "OK visit") {
		t.Errorf("claim after the restart: %+v", c)
	}
}

func TestServeConfig(t *testing.T) {
	t.Run("EmptyEnvironment", func(t *testing.T) {
		cfg, _, err := ParseConfig("serve", nil, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Validate()
		if !errors.Is(err, errInvalid) {
			t.Fatalf("Validate: %v", err)
		}
		for _, name := range []string{"FIELDCRM_PUBLIC_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "FIELDCRM_TWILIO_FROM"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%s not named in:\n%v", name, err)
			}
		}
		for _, name := range []string{"FIELDCRM_DB", "FIELDCRM_ADDR", "FIELDCRM_TZ", "FIELDCRM_SMS_RATE"} {
			if strings.Contains(err.Error(), name) {
				t.Errorf("%s has a default but is named in:\n%v", name, err)
			}
		}
	})
	env := map[string]string{
		"FIELDCRM_PUBLIC_URL": "https://crm.example.com", "TWILIO_ACCOUNT_SID": twiliotest.AccountSID,
		"TWILIO_AUTH_TOKEN": twiliotest.AuthToken, "FIELDCRM_TWILIO_FROM": "+8613800009999, +8613800009998",
	}
	getenv := func(over map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := over[k]; ok {
				return v
			}
			return env[k]
		}
	}
	t.Run("OK", func(t *testing.T) {
		cfg, _, err := ParseConfig("serve", []string{"-FIELDCRM_ADDR", "127.0.0.1:9999"}, getenv(nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		if cfg.Addr != "127.0.0.1:9999" || !slices.Equal(cfg.TwilioFrom, []string{"+8613800009999", "+8613800009998"}) || cfg.SMSRate != 1 || cfg.TZ != "Asia/Shanghai" {
			t.Errorf("config %+v", cfg)
		}
	})
	t.Run("BadValues", func(t *testing.T) {
		cfg, _, err := ParseConfig("serve", nil, getenv(map[string]string{
			"FIELDCRM_TWILIO_FROM": "13800009999", "FIELDCRM_TZ": "Mars/Olympus_Mons",
			"FIELDCRM_PUBLIC_URL": "crm.example.com", "FIELDCRM_LOG_FORMAT": "xml",
		}))
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Validate()
		if err == nil {
			t.Fatal("bad values accepted")
		}
		for _, want := range []string{`FIELDCRM_TWILIO_FROM "13800009999"`, `FIELDCRM_TZ "Mars/Olympus_Mons"`,
			`FIELDCRM_PUBLIC_URL "crm.example.com"`, `FIELDCRM_LOG_FORMAT`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s not named in:\n%v", want, err)
			}
		}
		if strings.Contains(err.Error(), "TWILIO_AUTH_TOKEN") {
			t.Errorf("a good value named:\n%v", err)
		}
	})
	t.Run("BadRate", func(t *testing.T) {
		_, _, err := ParseConfig("serve", nil, getenv(map[string]string{"FIELDCRM_SMS_RATE": "fast"}))
		if err == nil || !strings.Contains(err.Error(), "FIELDCRM_SMS_RATE") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("RunServeRefuses", func(t *testing.T) {
		t.Setenv("FIELDCRM_PUBLIC_URL", "")
		t.Setenv("TWILIO_ACCOUNT_SID", "")
		t.Setenv("TWILIO_AUTH_TOKEN", "")
		t.Setenv("FIELDCRM_TWILIO_FROM", "")
		var out, errOut bytes.Buffer
		if code := runServe(context.Background(), []string{"-FIELDCRM_DB", t.TempDir() + "/x.db"}, &out, &errOut); code != 2 {
			t.Errorf("exit %d", code)
		}
		e2eContains(t, "stderr", errOut.String(), "TWILIO_AUTH_TOKEN", "FIELDCRM_PUBLIC_URL")
	})
}
