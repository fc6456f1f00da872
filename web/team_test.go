package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
	"github.com/fieldcrm/fieldcrm/scheduler"
	"github.com/fieldcrm/fieldcrm/templates"
)

// escalate runs the scheduler's real escalation job at the harness's time:
// the demo's urgent work Liu assigned two days ago comes to him.
func escalate(t *testing.T, e *env) int {
	t.Helper()
	tpl, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	sch, err := scheduler.New(scheduler.Config{Store: e.Store, Templates: tpl, Now: e.Clock.Now, Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sch.Escalate(context.Background(), e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c["escalated"]
}

// smsPipes are the SMS gateway's pipelines of the tests' databases: the
// same gateway.Pipeline as the console's, over the same store.
var (
	smsPipes sync.Map // *env → *gateway.Pipeline
	smsSeq   atomic.Int64
)

// sms sends body as the user named, by SMS through the pipeline, and
// returns the reply.
func (e *env) sms(name, body string) string {
	e.t.Helper()
	p, ok := smsPipes.Load(e)
	if !ok {
		tpl, err := templates.New()
		if err != nil {
			e.t.Fatal(err)
		}
		pipe, err := gateway.New(gateway.Config{Store: e.Store, Templates: tpl, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: e.Clock.Now})
		if err != nil {
			e.t.Fatal(err)
		}
		p, _ = smsPipes.LoadOrStore(e, pipe)
		e.t.Cleanup(func() { smsPipes.Delete(e) })
	}
	u := e.Users[name]
	res, err := p.(*gateway.Pipeline).Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS,
		ID: fmt.Sprintf("SM%d", smsSeq.Add(1)), From: u.Phones[0], Body: body, Received: e.Clock.Now()}, gateway.Options{})
	if err != nil || res.Code != "" {
		e.t.Fatalf("%s texts %q: %v %+v", name, body, err, res)
	}
	return res.Reply
}

// figures is one row of the team table: data-f name → cell text.
type figures map[string]string

var (
	teamCellRE = regexp.MustCompile(`(?s)<td[^>]*data-f="([a-z-]+)"[^>]*>(.*?)</td>`)
	teamRowRE  = func(id int64) *regexp.Regexp {
		return regexp.MustCompile(`(?s)<tr id="u` + strconv.FormatInt(id, 10) + `">(.*?)</tr>`)
	}
)

func rowOf(t *testing.T, body string, u *crm.User) figures {
	t.Helper()
	m := teamRowRE(u.ID).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row for %s:\n%s", u.Name, visible(body))
	}
	f := figures{}
	for _, c := range teamCellRE.FindAllStringSubmatch(m[1], -1) {
		f[c[1]] = strings.TrimSpace(tagRE.ReplaceAllString(c[2], ""))
	}
	return f
}

// expected computes a salesman's row from the stored activities, as the
// test reads the rules: done today / since Monday by type (notes aside),
// open, overdue (due before now), escalated and not acknowledged.
func expected(t *testing.T, e *env, u *crm.User) (f figures, last time.Time) {
	now := e.Clock.Now()
	y, m, d := now.In(shanghai).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, shanghai)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	n := map[string]int{}
	err := e.Store.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(crm.KindActivity, func(r crm.Record) bool {
			a := r.(*crm.Activity)
			if a.Owner != u.ID {
				return true
			}
			switch a.Status {
			case crm.StatusDone:
				if a.Type == crm.ActNote {
					return true
				}
				if a.DoneAt.After(last) {
					last = a.DoneAt
				}
				what := "other"
				switch a.Type {
				case crm.ActVisit, crm.ActRevisit:
					what = "visits"
				case crm.ActCall:
					what = "calls"
				}
				if !a.DoneAt.Before(today) && a.DoneAt.Before(today.AddDate(0, 0, 1)) {
					n["today-"+what]++
				}
				if !a.DoneAt.Before(monday) && a.DoneAt.Before(monday.AddDate(0, 0, 7)) {
					n["week-"+what]++
				}
			case crm.StatusOpen:
				n["open"]++
				if !a.Due.IsZero() && a.Due.Before(now) {
					n["overdue"]++
				}
				if !a.Escalated.IsZero() && a.Acked.IsZero() {
					n["escalated"]++
				}
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	f = figures{}
	for _, k := range []string{"today-visits", "today-calls", "today-other", "week-visits", "week-calls", "week-other", "open", "overdue", "escalated"} {
		f[k] = strconv.Itoa(n[k])
	}
	return f, last
}

func TestTeamShowsHisSalesmenWithTEAMFigures(t *testing.T) {
	e := start(t)
	if n := escalate(t, e); n == 0 {
		t.Fatal("the escalation job escalated nothing: the demo's urgent work assigned two days ago should come to Liu")
	}
	// some work done today, by SMS and on the web
	e.sms("Wang Jun", "V fushun coal; met Gao Peng; wants a quote")
	e.sms("Li Na", "电话 本溪钢铁物流；周强说下周再谈")
	zhao := e.signIn("Zhao Lei")
	zhao.Get("/day")
	_, body := zhao.PostFollow("/do", url.Values{"command": {"MEETING 营口港; 刘洋; 谈了保养合同"}, "back": {"/day"}, "nonce": {"z1"}})
	mustContain(t, body, `class="flash ok"`)

	c := e.signIn("Liu Yang")
	st, body := c.Get("/team")
	if st != http.StatusOK {
		t.Fatalf("/team: %d", st)
	}
	mustContain(t, body, "Wang Jun", "Li Na", "Zhao Lei", `href="/team/`+itoa(e.Users["Wang Jun"].ID)+`"`)
	mustNotContain(t, body, "Ma Qiang", "Sun Tao", "Zhou Min")

	team := e.sms("Liu Yang", "TEAM")
	var anyToday, anyEsc bool
	for _, name := range []string{"Wang Jun", "Li Na", "Zhao Lei"} {
		u := e.Users[name]
		got := rowOf(t, body, u)
		want, last := expected(t, e, u)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s: page %q, store %q", name, k, got[k], v)
			}
		}
		if last.IsZero() {
			t.Errorf("%s has done nothing in the demo", name)
		} else if wantLast := templates.Date(last.In(shanghai), "en"); got["last"] != wantLast {
			t.Errorf("%s last activity: page %q, store %q", name, got["last"], wantLast)
		}
		// where the page and TEAM overlap they agree
		line := fmt.Sprintf("%s: %s, %s, %s open", name, templates.Plural(int64(atoi(want["today-visits"])), "visit", "en"),
			templates.Plural(int64(atoi(want["today-calls"])), "call", "en"), want["open"])
		if want["overdue"] != "0" {
			line += ", " + want["overdue"] + " overdue"
		}
		if !strings.Contains(team, line) {
			t.Errorf("TEAM by SMS lacks %q:\n%s", line, team)
		}
		anyToday = anyToday || got["today-visits"] != "0" || got["today-calls"] != "0" || got["today-other"] != "0"
		anyEsc = anyEsc || got["escalated"] != "0"
	}
	if !anyToday || !anyEsc {
		t.Errorf("the fixture shows no work today (%v) or no escalation (%v): the comparison proves little", anyToday, anyEsc)
	}
	// the totals row adds them up
	tot := regexp.MustCompile(`(?s)<tr id="total">(.*?)</tr>`).FindStringSubmatch(body)
	if tot == nil {
		t.Fatal("no totals row")
	}
	sum := 0
	for _, name := range []string{"Wang Jun", "Li Na", "Zhao Lei"} {
		sum += atoi(rowOf(t, body, e.Users[name])["open"])
	}
	if !strings.Contains(tot[1], `data-f="open">`+strconv.Itoa(sum)+`<`) {
		t.Errorf("total open is not %d: %s", sum, tot[1])
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func TestTeamInChineseForSunTaoShowsDalianOnly(t *testing.T) {
	e := start(t)
	c := e.signIn("Sun Tao")
	st, body := c.Get("/team")
	if st != http.StatusOK {
		t.Fatalf("/team: %d", st)
	}
	mustContain(t, body, "<title>团队", "销售员", "本周", "未完成", "逾期", `title="待处理升级">升级<`, "最近活动", "Ma Qiang")
	mustNotContain(t, body, "Wang Jun", "Li Na", "Zhao Lei", "Escalated", "Salesman", "This week")
	ma := e.Users["Ma Qiang"]
	want, _ := expected(t, e, ma)
	got := rowOf(t, body, ma)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Ma Qiang %s: page %q, store %q", k, got[k], v)
		}
	}
	if got["last"] != "从未" {
		t.Errorf("Ma Qiang has done nothing; last activity says %q", got["last"])
	}
	// work he gives Ma Qiang by SMS shows on Ma Qiang's page; nobody else to give it to
	e.sms("Sun Tao", "PLAN ma qiang visit 大连重工机械 fri")
	st, body = c.Get("/team/" + itoa(ma.ID))
	if st != http.StatusOK {
		t.Fatalf("/team/<Ma Qiang>: %d", st)
	}
	mustContain(t, body, "Ma Qiang", "返回团队", "以后到期", "大连重工机械", "由Sun Tao分配", "延期", "团队中没有其他人可以转派", `href="tel:&#43;8613800000012"`)
	mustNotContain(t, body, "Back to the team", "Re-assign")
}

func TestTeamIsForManagersOnly(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	for _, p := range []string{"/team", "/team/" + itoa(e.Users["Wang Jun"].ID), "/team/" + itoa(e.Users["Li Na"].ID)} {
		st, body := c.Get(p)
		if st != http.StatusForbidden {
			t.Errorf("Wang on %s: %d, want 403", p, st)
		}
		mustNotContain(t, body, "Li Na", "Zhao Lei")
	}
	c.Get("/day")
	id := firstOpen(t, e, "Li Na")
	st, _ := c.Post("/team/"+itoa(e.Users["Li Na"].ID)+"/act", url.Values{"id": {itoa(id)}, "do": {"assign"}, "to": {itoa(e.Users["Wang Jun"].ID)}, "nonce": {"w1"}})
	if st != http.StatusForbidden {
		t.Errorf("Wang posting a re-assign: %d, want 403", st)
	}
	if a := activity(t, e, id); a.Status != crm.StatusOpen || a.Owner != e.Users["Li Na"].ID {
		t.Errorf("Li Na's #%d changed: %+v", id, a)
	}
	// and the nav does not offer it
	_, body := c.Get("/day")
	mustNotContain(t, body, `href="/team"`)
}

func TestTeamOfAnotherManagerIsNotFound(t *testing.T) {
	e := start(t)
	c := e.signIn("Liu Yang")
	ma := e.Users["Ma Qiang"]
	_, missing := c.Get("/team/999999")
	for _, p := range []string{"/team/" + itoa(ma.ID), "/team/" + itoa(e.Users["Sun Tao"].ID), "/team/" + itoa(e.Users["Liu Yang"].ID), "/team/x"} {
		st, body := c.Get(p)
		if st != http.StatusNotFound {
			t.Errorf("Liu on %s: %d, want 404", p, st)
		}
		mustNotContain(t, body, "Ma Qiang", "Sun Tao", "大连")
		if visible(body) != visible(missing) {
			t.Errorf("%s differs from a missing id:\n%s\n%s", p, visible(body), visible(missing))
		}
	}
	// a forged form: Ma Qiang's page, or Wang's work given to Ma Qiang
	c.Get("/team")
	id := firstOpen(t, e, "Wang Jun")
	wang := e.Users["Wang Jun"]
	if st, _ := c.Post("/team/"+itoa(ma.ID)+"/act", url.Values{"id": {itoa(id)}, "do": {"ack"}, "nonce": {"l1"}}); st != http.StatusNotFound {
		t.Errorf("posting to Ma Qiang's page: %d, want 404", st)
	}
	_, body := c.PostFollow("/team/"+itoa(wang.ID)+"/act", url.Values{"id": {itoa(id)}, "do": {"assign"}, "to": {itoa(ma.ID)}, "nonce": {"l2"}})
	mustContain(t, body, "Choose whom to give it to, from your team. Nothing was changed.")
	mustNotContain(t, body, "Ma Qiang")
	if a := activity(t, e, id); a.Status != crm.StatusOpen || a.Owner != wang.ID {
		t.Errorf("Wang's #%d changed: %+v", id, a)
	}
}

func activity(t *testing.T, e *env, id int64) *crm.Activity {
	t.Helper()
	var a *crm.Activity
	if err := e.Store.View(crm.System, func(tx *crm.Tx) error {
		var err error
		a, err = tx.Activity(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

// outboxFor returns the SMS bodies queued for user.
func outboxFor(t *testing.T, e *env, u *crm.User) []string {
	es, err := outbox.List(e.Store.Engine(), outbox.Filter{UserID: u.ID, Channel: "sms", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range es {
		if !strings.HasPrefix(x.Key, "signin|") {
			out = append(out, x.Body)
		}
	}
	return out
}

func TestTeamReassignIsASSIGNOnTheWeb(t *testing.T) {
	e := start(t)
	escalate(t, e)
	wang, zhao := e.Users["Wang Jun"], e.Users["Zhao Lei"]
	// an escalated item of Wang's
	var id int64
	e.view("Liu Yang", func(tx *crm.Tx) error {
		return tx.OpenOf(wang.ID, func(a *crm.Activity) bool {
			if crm.EscalationWaiting(a) {
				id = a.ID
				return false
			}
			return true
		})
	})
	if id == 0 {
		t.Fatal("Wang has no escalated work")
	}
	c := e.signIn("Liu Yang")
	st, body := c.Get("/team/" + itoa(wang.ID))
	if st != http.StatusOK {
		t.Fatalf("/team/<Wang>: %d", st)
	}
	mustContain(t, body, `id="escalated"`, `id="a`+itoa(id)+`"`, `<option value="`+itoa(zhao.ID)+`">Zhao Lei</option>`,
		`<option value="`+itoa(e.Users["Li Na"].ID)+`">Li Na</option>`, "Acknowledge")
	mustNotContain(t, body, `<option value="`+itoa(wang.ID)+`"`, "Ma Qiang")
	before := map[string]int{"Wang Jun": len(outboxFor(t, e, wang)), "Zhao Lei": len(outboxFor(t, e, zhao))}

	nonce := regexp1(`name="nonce" value="([0-9a-f]+)"`, body)
	form := url.Values{"id": {itoa(id)}, "do": {"assign"}, "to": {itoa(zhao.ID)}, "nonce": {nonce}}
	_, body = c.PostFollow("/team/"+itoa(wang.ID)+"/act", form)
	// the flash is the SMS reply's words
	mustContain(t, body, "assigned to Zhao Lei", "Wang Jun told too", "UNDO", `id="undo"`, `name="command" value="UNDO"`)
	old := activity(t, e, id)
	if old.Status != crm.StatusReassigned || old.ReassignedTo == 0 {
		t.Fatalf("#%d after re-assign: %+v", id, old)
	}
	n := activity(t, e, old.ReassignedTo)
	if n.Owner != zhao.ID || n.Status != crm.StatusOpen || n.Subject != old.Subject || n.AssignedBy != e.Users["Liu Yang"].ID {
		t.Fatalf("the new activity #%d: %+v", n.ID, n)
	}
	var cs *crm.ChangeSet
	e.view("Liu Yang", func(tx *crm.Tx) error {
		h, err := tx.History(crm.KindActivity, id)
		if len(h) > 0 {
			cs = h[len(h)-1]
		}
		return err
	})
	if cs == nil || cs.Channel != "web" || cs.Summary != "ASSIGN #"+itoa(id)+" Zhao Lei" || cs.User != e.Users["Liu Yang"].ID {
		t.Fatalf("history of #%d: %+v", id, cs)
	}
	// both salesmen are told, as by SMS
	zb, wb := outboxFor(t, e, zhao), outboxFor(t, e, wang)
	if len(zb) != before["Zhao Lei"]+1 || !strings.Contains(zb[0], "Liu Yang assigned you #"+itoa(n.ID)) {
		t.Errorf("Zhao's notices: %q", zb)
	}
	if len(wb) != before["Wang Jun"]+1 || !strings.Contains(wb[0], "#"+itoa(id)) || !strings.Contains(wb[0], "to Zhao Lei. It is off your list") {
		t.Errorf("Wang's notices: %q", wb)
	}
	// the same ASSIGN by SMS in a twin database tells them the same words
	e2 := start(t)
	escalate(t, e2)
	e2.sms("Liu Yang", "ASSIGN #"+itoa(id)+" Zhao Lei")
	if z2, w2 := outboxFor(t, e2, e2.Users["Zhao Lei"]), outboxFor(t, e2, e2.Users["Wang Jun"]); len(z2) == 0 || len(w2) == 0 || z2[0] != zb[0] || w2[0] != wb[0] {
		t.Errorf("by SMS the notices are %q / %q; by the web %q / %q", z2, w2, zb[:1], wb[:1])
	}
	// the pages follow: on Zhao's, off Wang's; the team figures moved
	_, body = c.Get("/team/" + itoa(zhao.ID))
	mustContain(t, body, `id="a`+itoa(n.ID)+`"`)
	_, body = c.Get("/team/" + itoa(wang.ID))
	mustNotContain(t, body, `id="a`+itoa(id)+`"`)
	// the form sent twice counts once
	h := countHistory(t, e, id)
	c.PostFollow("/team/"+itoa(wang.ID)+"/act", form)
	if m := countHistory(t, e, id); m != h {
		t.Errorf("the re-assign sent twice: %d → %d changes of #%d", h, m, id)
	}
	// UNDO reverts it
	c.Get("/team")
	_, body = c.PostFollow("/do", url.Values{"command": {"UNDO"}, "back": {"/team/" + itoa(wang.ID)}, "nonce": {"u1"}})
	mustContain(t, body, "undone")
	if a := activity(t, e, id); a.Status != crm.StatusOpen || a.Owner != wang.ID {
		t.Errorf("#%d after UNDO: %+v", id, a)
	}
	e.Store.View(crm.System, func(tx *crm.Tx) error {
		if a, err := tx.Activity(n.ID); err == nil && a.Status == crm.StatusOpen {
			t.Errorf("Zhao's #%d still open after UNDO: %+v", n.ID, a)
		}
		return nil
	})
	mustContain(t, body, `id="a`+itoa(id)+`"`)
}

func TestTeamAckAndExtend(t *testing.T) {
	e := start(t)
	escalate(t, e)
	wang := e.Users["Wang Jun"]
	var esc []int64
	e.view("Liu Yang", func(tx *crm.Tx) error {
		return tx.OpenOf(wang.ID, func(a *crm.Activity) bool {
			if crm.EscalationWaiting(a) {
				esc = append(esc, a.ID)
			}
			return true
		})
	})
	if len(esc) == 0 {
		t.Fatal("Wang has no escalated work")
	}
	c := e.signIn("Liu Yang")
	_, body := c.Get("/team")
	before := atoi(rowOf(t, body, wang)["escalated"])
	if before != len(esc) {
		t.Fatalf("the team page says %d escalations for Wang, the store %d", before, len(esc))
	}
	_, body = c.Get("/team/" + itoa(wang.ID))
	nonce := regexp1(`name="nonce" value="([0-9a-f]+)"`, body)
	_, body = c.PostFollow("/team/"+itoa(wang.ID)+"/act", url.Values{"id": {itoa(esc[0])}, "do": {"ack"}, "nonce": {nonce}})
	mustContain(t, body, "#"+itoa(esc[0]))
	if a := activity(t, e, esc[0]); a.Acked.IsZero() || a.Owner != wang.ID || a.Status != crm.StatusOpen {
		t.Errorf("#%d after ACK: %+v", esc[0], a)
	}
	_, body = c.Get("/team")
	if n := atoi(rowOf(t, body, wang)["escalated"]); n != before-1 {
		t.Errorf("escalations after ACK: %d, want %d", n, before-1)
	}
	// extend an overdue item to Friday
	var overdue int64
	e.view("Liu Yang", func(tx *crm.Tx) error {
		return tx.OpenOf(wang.ID, func(a *crm.Activity) bool {
			if !a.Due.IsZero() && a.Due.Before(e.Clock.Now()) && !slices.Contains(esc, a.ID) {
				overdue = a.ID
				return false
			}
			return true
		})
	})
	if overdue == 0 {
		t.Fatal("Wang has nothing overdue")
	}
	friday := time.Date(2026, 3, 13, 0, 0, 0, 0, shanghai)
	c.Get("/team/" + itoa(wang.ID))
	_, body = c.PostFollow("/team/"+itoa(wang.ID)+"/act", url.Values{"id": {itoa(overdue)}, "do": {"extend"}, "to": {"2026-03-13"}, "nonce": {"e1"}})
	a := activity(t, e, overdue)
	if y, m, d := a.Due.In(shanghai).Date(); y != 2026 || m != 3 || d != 13 {
		t.Errorf("#%d due %v after EXTEND to %v: %s", overdue, a.Due, friday, visible(body))
	}
	// a date that is no date changes nothing and says so
	_, body = c.PostFollow("/team/"+itoa(wang.ID)+"/act", url.Values{"id": {itoa(overdue)}, "do": {"extend"}, "to": {"friday-ish"}, "nonce": {"e2"}})
	mustContain(t, body, "Choose the new due date. Nothing was changed.")
	if b := activity(t, e, overdue); !b.Due.Equal(a.Due) {
		t.Errorf("a bad date moved #%d: %v → %v", overdue, a.Due, b.Due)
	}
	// so does a re-assign with one
	_, body = c.PostFollow("/team/"+itoa(wang.ID)+"/act", url.Values{"id": {itoa(overdue)}, "do": {"assign"}, "to": {itoa(e.Users["Li Na"].ID)},
		"due": {"soon"}, "nonce": {"e3"}})
	mustContain(t, body, "Choose the new due date. Nothing was changed.")
	if b := activity(t, e, overdue); b.Status != crm.StatusOpen || b.Owner != wang.ID {
		t.Errorf("a re-assign with a bad date changed #%d: %+v", overdue, b)
	}
}

// TestTeamReassignToAnyName: a salesman whose name the parser would read
// otherwise ("Li Mon": Monday) or that a colleague shares still gets the
// work he is chosen for.
func TestTeamReassignToAnyName(t *testing.T) {
	e := start(t)
	liu := e.Users["Liu Yang"]
	var limon, wang2 *crm.User
	if _, err := e.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "import", Summary: "new salesmen"}, func(tx *crm.Tx) error {
		team := crm.Base{Branch: "shenyang", Dept: "machines"}
		limon = &crm.User{Base: team, Name: "Li Mon", Phones: []string{"+8613800000021"}, Role: crm.RoleSalesman, Manager: liu.ID, Locale: "en"}
		wang2 = &crm.User{Base: team, Name: "Wang Jun", Phones: []string{"+8613800000022"}, Role: crm.RoleSalesman, Manager: liu.ID, Locale: "en"}
		if err := tx.SaveUser(limon); err != nil {
			return err
		}
		return tx.SaveUser(wang2)
	}); err != nil {
		t.Fatal(err)
	}
	wang := e.Users["Wang Jun"]
	c := e.signIn("Liu Yang")
	for i, to := range []*crm.User{limon, wang2} {
		var id int64
		e.view("Liu Yang", func(tx *crm.Tx) error {
			return tx.OpenOf(e.Users["Li Na"].ID, func(a *crm.Activity) bool { id = a.ID; return false })
		})
		_, body := c.Get("/team/" + itoa(e.Users["Li Na"].ID))
		mustContain(t, body, ">Wang Jun · 13800000002<", ">Wang Jun · 13800000022<", ">Li Mon<")
		nonce := regexp1(`name="nonce" value="([0-9a-f]+)"`, body)
		form := url.Values{"id": {itoa(id)}, "do": {"assign"}, "to": {itoa(to.ID)}, "nonce": {nonce}}
		if i == 1 {
			form.Set("due", "2026-03-16") // with a new date, as "ASSIGN #id wang mon"
		}
		_, body = c.PostFollow("/team/"+itoa(e.Users["Li Na"].ID)+"/act", form)
		old := activity(t, e, id)
		if old.Status != crm.StatusReassigned {
			t.Fatalf("#%d to %s (#%d): %+v\n%s", id, to.Name, to.ID, old, visible(body))
		}
		n := activity(t, e, old.ReassignedTo)
		if n.Owner != to.ID {
			t.Errorf("#%d went to #%d, not %s #%d (Wang Jun is #%d)", id, n.Owner, to.Name, to.ID, wang.ID)
		}
		if y, m, d := n.Due.In(shanghai).Date(); i == 1 && (y != 2026 || m != 3 || d != 16) {
			t.Errorf("re-assigned with 16/3, due %v", n.Due)
		} else if i == 0 && !n.Due.Equal(old.Due) && !old.Due.Before(e.Clock.Now()) {
			t.Errorf("re-assigned without a date, due %v (was %v)", n.Due, old.Due)
		}
		mustContain(t, body, "assigned to "+to.Name)
	}
}

// TestTeamEscapesNames: a salesman named like markup is shown as text.
func TestTeamEscapesNames(t *testing.T) {
	e := start(t)
	var x *crm.User
	if _, err := e.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "import", Summary: "odd name"}, func(tx *crm.Tx) error {
		x = &crm.User{Base: crm.Base{Branch: "shenyang", Dept: "machines"}, Name: `<script>alert(1)</script>`, Phones: []string{"+8613800000031"},
			Role: crm.RoleSalesman, Manager: e.Users["Liu Yang"].ID, Locale: "en"}
		return tx.SaveUser(x)
	}); err != nil {
		t.Fatal(err)
	}
	c := e.signIn("Liu Yang")
	for _, p := range []string{"/team", "/team/" + itoa(x.ID), "/team/" + itoa(e.Users["Wang Jun"].ID)} {
		st, body := c.Get(p)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", p, st)
		}
		mustContain(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
		mustNotContain(t, body, "<script>")
	}
}

// TestTeamMemberListsHisOpenWork: a salesman's page lists every open
// activity of his (escalations waiting first, then overdue, today, later)
// and nobody else's.
func TestTeamMemberListsHisOpenWork(t *testing.T) {
	e := start(t)
	escalate(t, e)
	wang := e.Users["Wang Jun"]
	c := e.signIn("Liu Yang")
	st, body := c.Get("/team/" + itoa(wang.ID))
	if st != http.StatusOK {
		t.Fatalf("/team/<Wang>: %d", st)
	}
	now := e.Clock.Now()
	section := func(id string) string {
		return regexp.MustCompile(`(?s)<ul class="items" id="` + id + `">(.*?)</ul>`).FindString(body)
	}
	esc, over, today, later := section("escalations"), section("overdue"), section("today"), section("later")
	var n int
	e.view("Liu Yang", func(tx *crm.Tx) error {
		return tx.OpenOf(wang.ID, func(a *crm.Activity) bool {
			n++
			want, in := "later", later
			switch {
			case crm.EscalationWaiting(a):
				want, in = "escalations", esc
			case !a.Due.IsZero() && a.Due.Before(now):
				want, in = "overdue", over
			case !a.Due.IsZero() && a.Due.Before(time.Date(2026, 3, 11, 0, 0, 0, 0, shanghai)):
				want, in = "today", today
			}
			if !strings.Contains(in, `id="a`+itoa(a.ID)+`"`) {
				t.Errorf("#%d (due %v) is not under %s", a.ID, a.Due, want)
			}
			return true
		})
	})
	if got := strings.Count(body, `<li class="item`); got != n || n == 0 {
		t.Errorf("%d items listed, Wang has %d open", got, n)
	}
	e.view("Liu Yang", func(tx *crm.Tx) error {
		for _, who := range []string{"Li Na", "Zhao Lei"} {
			tx.OpenOf(e.Users[who].ID, func(a *crm.Activity) bool {
				if strings.Contains(body, `id="a`+itoa(a.ID)+`"`) {
					t.Errorf("%s's #%d on Wang's page", who, a.ID)
				}
				return true
			})
		}
		return nil
	})
	want, _ := expected(t, e, wang)
	line := want["open"] + " open · " + want["overdue"] + " overdue · " + templates.Plural(int64(atoi(want["escalated"])), "escalation", "en") + " waiting"
	mustContain(t, body, line, "Escalations waiting ("+want["escalated"]+")")
}
