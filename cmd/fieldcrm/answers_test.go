package main

import (
	"context"
	"fmt"
	"github.com/fieldcrm/fieldcrm/internal/demodata"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

// The people of the demo, by the phone they text from.
const (
	phLiu  = "+8613800000001"
	phWang = "+8613800000002"
	phLi   = "+8613800000003"
	phZhao = "+8613800000004"
)

// talk is the demo's database and pipeline (e-mail on) with a fixed clock:
// messages go in as a person would send them, replies and notices come out.
type talk struct {
	t     testing.TB
	s     *crm.Store
	p     *gateway.Pipeline
	now   time.Time
	n     int
	email map[string]string // phone → the user's e-mail address
	seen  map[int64]bool    // outbox entries already read
}

// newTalk seeds the demo as of now (in Asia/Shanghai).
func newTalk(t testing.TB, now time.Time) *talk {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	k := &talk{t: t, now: now, email: map[string]string{}, seen: map[int64]bool{}}
	s, err := openDB(testDB(t), crm.Options{Now: func() time.Time { return k.now }, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := demodata.Seed(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	p, err := gateway.New(gateway.Config{Store: s, Templates: templates.MustNew(), Email: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return k.now }})
	if err != nil {
		t.Fatal(err)
	}
	k.s, k.p = s, p
	s.View(crm.System, func(tx *crm.Tx) error {
		for _, ph := range []string{phLiu, phWang, phLi, phZhao} {
			if u, err := tx.UserByPhone(ph); err == nil {
				k.email[ph] = u.Email
			}
		}
		return nil
	})
	k.notices("") // the seed's own
	return k
}

// send handles body from the phone and returns the reply.
func (k *talk) send(from, body string) string {
	k.t.Helper()
	k.n++
	res, err := k.p.Handle(context.Background(), gateway.Inbound{Channel: gateway.ChannelSMS, ID: fmt.Sprintf("T%d", k.n), From: from, Body: body}, gateway.Options{})
	if err != nil {
		k.t.Fatalf("%s: %v", body, err)
	}
	k.t.Logf("%s> %s\n   %s", from[len(from)-2:], body, strings.ReplaceAll(res.Reply, "\n", "\n   "))
	return res.Reply
}

// ok sends body and fails unless it was carried out.
func (k *talk) ok(from, body string) string {
	k.t.Helper()
	r := k.send(from, body)
	if !strings.Contains(r, "OK") {
		k.t.Fatalf("%q was not carried out: %q", body, r)
	}
	return r
}

// notices returns the SMS bodies queued for the phone (all phones: "")
// since the last call, oldest first.
func (k *talk) notices(to string) []string {
	k.t.Helper()
	sms, _ := k.queued(to)
	return sms
}

// queued returns the SMS bodies to the phone and the e-mail texts to its
// user, queued since the last call.
func (k *talk) queued(to string) (sms, mail []string) {
	k.t.Helper()
	es, err := outbox.List(k.s.Engine(), outbox.Filter{Limit: 100000})
	if err != nil {
		k.t.Fatal(err)
	}
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if k.seen[e.ID] {
			continue
		}
		switch {
		case e.Channel == outbox.ChannelSMS && (to == "" || e.To == to):
			sms = append(sms, e.Body)
		case e.Channel == outbox.ChannelEmail && (to == "" || e.To == k.email[to]):
			mail = append(mail, e.Subject+"\n"+e.Text)
		default:
			continue
		}
		k.seen[e.ID] = true
	}
	return sms, mail
}

// one is the single SMS notice queued for the phone.
func (k *talk) one(to string) string {
	k.t.Helper()
	n := k.notices(to)
	if len(n) != 1 {
		k.t.Fatalf("%d notices to %s: %q", len(n), to, n)
	}
	k.t.Logf("   ↳ SMS to %s: %s", to[len(to)-2:], n[0])
	return n[0]
}

// answersNow is a Monday morning in Shenyang.
func answersNow() time.Time {
	return time.Date(2026, 12, 7, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
}

// Issue 14 point 1: a manager's assignment of an opportunity, a lead or an
// account tells the assignee what it is and offers commands that work on
// it: the assignee sends the offered command and it is carried out.
func TestAssignNoticeFitsTheKind(t *testing.T) {
	k := newTalk(t, answersNow())

	// an opportunity to Zhao (English)
	k.ok(phLiu, "ASSIGN O3 zhao")
	sms, mail := k.queued(phZhao)
	if len(sms) != 1 || len(mail) != 1 {
		t.Fatalf("notices to Zhao: %q %q", sms, mail)
	}
	n := sms[0]
	if !strings.Contains(mail[0], n) || strings.Contains(mail[0], "DONE") {
		t.Errorf("opp e-mail:\n%s", mail[0])
	}
	if !strings.Contains(n, "Liu Yang gave you opp #3") {
		t.Errorf("opp notice %q", n)
	}
	if strings.Contains(n, "DONE") || strings.Contains(n, "REJECT") {
		t.Errorf("opp notice offers activity commands: %q", n)
	}
	offer := regexp.MustCompile(`OPP #3 stage \S+`).FindString(n)
	if offer == "" {
		t.Fatalf("opp notice offers no stage move: %q", n)
	}
	k.ok(phZhao, offer)
	k.s.View(crm.System, func(tx *crm.Tx) error {
		if o, _ := tx.Opp(3); o.Owner == 0 || o.Stage != crm.StageWon {
			t.Errorf("opp 3 after %q: %+v", offer, o)
		}
		return nil
	})

	// a lead to Li Na (Chinese)
	r := k.ok(phWang, "LEAD Huaxin Quarry; Li Gang 13901234567; src: web")
	var lead int64
	fmt.Sscanf(r[strings.Index(r, "lead #")+len("lead #"):], "%d", &lead)
	k.notices("")
	k.ok(phLiu, fmt.Sprintf("ASSIGN L%d li", lead))
	n = k.one(phLi)
	offer = fmt.Sprintf("线索 #%d 确认", lead)
	for _, want := range []string{"线索", offer} {
		if !strings.Contains(n, want) {
			t.Errorf("lead notice %q lacks %q", n, want)
		}
	}
	if strings.Contains(n, "完成") || strings.Contains(n, "拒绝") {
		t.Errorf("lead notice offers activity commands: %q", n)
	}
	if r := k.send(phLi, offer); !strings.Contains(r, fmt.Sprintf("线索 #%d", lead)) || strings.Contains(r, "没看懂") {
		t.Errorf("%s: %q", offer, r)
	}
	k.s.View(crm.System, func(tx *crm.Tx) error {
		l, err := tx.Lead(lead)
		if err != nil {
			t.Fatal(err)
		}
		if l.Status != crm.LeadQualified {
			t.Errorf("lead %d after %q: %s", lead, offer, l.Status)
		}
		return nil
	})

	// an account to Li Na
	k.ok(phLiu, "ASSIGN tieling cement li")
	n = k.one(phLi)
	if !strings.Contains(n, "客户") || !strings.Contains(n, "查客户 #10") || strings.Contains(n, "完成") {
		t.Errorf("account notice %q", n)
	}
	if r := k.send(phLi, "查客户 #10"); !strings.Contains(r, "Tieling Cement #10") || !strings.Contains(r, "负责人Li Na") {
		t.Errorf("查客户 #10: %q", r)
	}
}

// Issue 14 point 10: what a person must read is never cut: the manager's
// instruction reaches the salesman whole by SMS and e-mail, a refusal keeps
// its words and its hint, a Chinese opportunity reply keeps the model, and
// OPPS names each account once.
func TestNothingCut(t *testing.T) {
	k := newTalk(t, answersNow())

	k.ok(phLiu, "PLAN li call anshan tmr; ask about loader tender")
	sms, mail := k.queued(phLi)
	if len(sms) != 1 || len(mail) != 1 {
		t.Fatalf("notices to Li Na: %q %q", sms, mail)
	}
	for _, got := range []string{sms[0], mail[0]} {
		if !strings.Contains(got, "ask about loader tender") || strings.Contains(got, "…") {
			t.Errorf("the instruction was cut: %q", got)
		}
	}

	r := k.send(phWang, "ACCOUNT Huaxin Heavy Mining; addr: Shenyang")
	for _, want := range []string{"without one, record it as a lead", "or LEAD <company>; <person> <phone>"} {
		if !strings.Contains(r, want) {
			t.Errorf("refusal %q lacks %q", r, want)
		}
	}
	if strings.Contains(r, "...") {
		t.Errorf("refusal cut: %q", r)
	}

	r = k.send(phLi, "商机 鞍钢建设集团；2台 336GC 挖掘机；120万")
	if !strings.Contains(r, "336GC") || !strings.Contains(r, "120万") {
		t.Errorf("Chinese opp reply lost the model or amount: %q", r)
	}

	r = k.send(phWang, "OPPS")
	lines := strings.Split(r, "\n")
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "#") {
			continue
		}
		words := strings.Fields(l)
		if len(words) > 2 && strings.Count(l, words[1]+" "+words[2]) > 1 {
			t.Errorf("OPPS names the account twice: %q", l)
		}
	}
	if !strings.Contains(r, "#1 ACME Mining 336 800k") {
		t.Errorf("OPPS: %q", r)
	}
}

// Issue 14 point 6: every date a person reads is in his zone. The server's
// clock runs in UTC; at 07:13 on Sunday 6/12 in Shenyang it is still
// Saturday 5/12 in UTC.
func TestDatesInTheReadersZone(t *testing.T) {
	k := newTalk(t, time.Date(2026, 12, 5, 23, 13, 0, 0, time.UTC))
	k.ok(phWang, "V acme mining; met Zhang Wei")
	if r := k.send(phWang, "ACCT acme mining"); !strings.Contains(r, "Last visit Sun 6/12.") {
		t.Errorf("ACCT: %q", r)
	}
	if r := k.send(phWang, "TODAY"); !strings.Contains(r, "6/12") || strings.Contains(r, "5/12") {
		t.Errorf("TODAY: %q", r)
	}
	k.ok(phLiu, "PLAN li call anshan tomorrow 9am; ask about loader tender")
	if n := k.one(phLi); !strings.Contains(n, "12月7日周一 09:00") {
		t.Errorf("Li Na's notice: %q", n)
	}
	// a visit made just after midnight in Shenyang is today's, not yesterday's
	k.now = time.Date(2026, 12, 6, 16, 5, 0, 0, time.UTC) // 00:05 Mon 7/12 in Shenyang
	k.ok(phWang, "V acme mining; met Zhang Wei again")
	if r := k.send(phWang, "ACCT #1"); !strings.Contains(r, "Last visit Mon 7/12.") {
		t.Errorf("ACCT after midnight: %q", r)
	}
}

// idAfter reads the id that follows prefix in s ("ACCT #" in "… ACCT #12 …").
func idAfter(t *testing.T, s, prefix string) int64 {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `(\d+)`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %q in %q", prefix, s)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

// Issue 14 point 9: a reply that points somewhere points right: the
// command it offers is sent and does what it says.
func TestRepliesPointRight(t *testing.T) {
	k := newTalk(t, answersNow())

	// FIND offers the account of the contact found, not the contact's id
	k.ok(phWang, "CONTACT acme mining; Li Wei; 13901234599; buyer")
	r := k.send(phWang, "FIND li wei")
	acct := idAfter(t, r, "ACCT #")
	if acct != 1 {
		t.Errorf("FIND offers account #%d for a contact of ACME Mining (#1): %q", acct, r)
	}
	r = k.send(phWang, fmt.Sprintf("ACCT #%d", acct))
	if !strings.HasPrefix(r, "ACME Mining #1") && !strings.Contains(r, "\nACME Mining #1") {
		t.Errorf("ACCT #%d: %q", acct, r)
	}

	// ACCT offers OPPS #1, which lists the account's open opportunities
	if !strings.Contains(r, "OPPS #1") {
		t.Fatalf("ACCT offers no OPPS: %q", r)
	}
	r = k.send(phWang, "OPPS #1")
	if !strings.Contains(r, "ACME Mining: 1 open opp") || !strings.Contains(r, "#1 ACME Mining 336") {
		t.Errorf("OPPS #1: %q", r)
	}

	// a manager asks for a salesman's opportunities
	r = k.send(phLiu, "OPPS wang")
	if !strings.Contains(r, "Wang Jun: 10 open opps") {
		t.Errorf("OPPS wang: %q", r)
	}

	// LEAD convert names what it made, and the account it offers is there
	k.ok(phWang, "LEAD Huaxin Quarry; Li Gang 13901234567; src: web")
	r = k.send(phWang, "LEAD #1 convert; city: Fushun; industry: quarry")
	if !strings.Contains(r, "OK lead #1 converted: account #") || !strings.Contains(r, "contact #") || !strings.Contains(r, "opp #") {
		t.Fatalf("convert: %q", r)
	}
	acct = idAfter(t, r, "ACCT #")
	if got := k.send(phWang, fmt.Sprintf("ACCT #%d", acct)); !strings.Contains(got, fmt.Sprintf("Huaxin Quarry #%d", acct)) || !strings.Contains(got, "Li Gang") {
		t.Errorf("ACCT #%d after convert: %q", acct, got)
	}

	// a new account tells the manager who added it, not "gave you"
	k.queued("")
	k.ok(phWang, "ACCOUNT Huaxin Heavy Mining; Gao Jun 13901234568")
	_, mail := k.queued(phLiu)
	if len(mail) != 1 || !strings.Contains(mail[0], "Wang Jun added account #") || strings.Contains(mail[0], "gave you") {
		t.Errorf("manager's notice of a new account: %q", mail)
	}

	// a rejection e-mail offers re-assignment, which works
	k.queued("")
	k.ok(phWang, "REJECT #1 no time this week")
	_, mail = k.queued(phLiu)
	if len(mail) != 1 || !strings.Contains(mail[0], "A1 ASSIGN <name>") || strings.Contains(mail[0], "DONE") {
		t.Fatalf("rejection e-mail: %q", mail)
	}
	r = k.ok(phLiu, "A1 ASSIGN zhao")
	id := idAfter(t, r, "OK #") // a rejected activity goes out again as a new one
	k.s.View(crm.System, func(tx *crm.Tx) error {
		a, err := tx.Activity(id)
		zhao, _ := tx.UserByPhone(phZhao)
		if err != nil || a.Owner != zhao.ID || a.Status != crm.StatusOpen {
			t.Errorf("activity %d after A1 ASSIGN zhao: %+v %v", id, a, err)
		}
		return nil
	})
	if n := k.one(phZhao); !strings.Contains(n, fmt.Sprintf("DONE #%d", id)) {
		t.Errorf("Zhao's notice: %q", n)
	}
}

// Issue 14 point 16: STOP is confirmed (as the docs promise), then nothing
// is answered until START, which is confirmed too.
func TestStopConfirmed(t *testing.T) {
	k := newTalk(t, answersNow())
	if r := k.send(phWang, "STOP"); !strings.Contains(r, "no more SMS from fieldcrm") || !strings.Contains(r, "START") {
		t.Errorf("STOP: %q", r)
	}
	if r := k.send(phWang, "TODAY"); r != "" {
		t.Errorf("answered while stopped: %q", r)
	}
	if r := k.send(phWang, "START"); !strings.Contains(r, "on again") {
		t.Errorf("START: %q", r)
	}
}

// Issue 14 point 16: the time given for a follow-up is echoed; another
// day's agenda is not headed "Today"; a name's own full stop is not doubled.
func TestSmallWording(t *testing.T) {
	k := newTalk(t, answersNow())
	r := k.ok(phWang, "DONE #1 met them; next: demo next tue 10am")
	if !regexp.MustCompile(`Next: demo Tue \d+/12 10:00 #\d+\.`).MatchString(r) {
		t.Errorf("the follow-up's time is not echoed: %q", r)
	}
	if strings.Contains(r, "..") {
		t.Errorf("doubled full stop: %q", r)
	}
	r = k.send(phWang, "TODAY tomorrow")
	if strings.Contains(r, "Today") || !strings.Contains(r, "Tue 8/12") {
		t.Errorf("TODAY tomorrow: %q", r)
	}
	if r := k.send(phLi, "今天 明天"); strings.Contains(r, "今天12月") || !strings.Contains(r, "12月8日周二") {
		t.Errorf("今天 明天: %q", r)
	}
}

// Issue 14 point 16: user list lines up Chinese names (a Chinese character
// takes two columns on a terminal).
func TestUserListAlignsChineseNames(t *testing.T) {
	db := newDB(t)
	mustRun(t, "user", "add", "--db", db, "--name", "Wang Jun", "--phone", "13901234567", "--role", "salesman", "--branch", "shenyang", "--dept", "machines")
	mustRun(t, "user", "add", "--db", db, "--name", "李娜", "--phone", "13901234568", "--role", "salesman", "--branch", "shenyang", "--dept", "machines")
	out := mustRun(t, "user", "list", "--db", db)
	var cols []int
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "salesman"); i >= 0 {
			cols = append(cols, displayWidth(l[:i]))
		}
	}
	if len(cols) != 2 || cols[0] != cols[1] {
		t.Errorf("ROLE column at %v:\n%s", cols, out)
	}
}

// Issue 14 point 16: every command's -h lists its flags (no empty "flags:").
func TestHelpListsFlags(t *testing.T) {
	for _, args := range [][]string{{"restore", "-h"}, {"backup", "-h"}, {"user", "list", "-h"}, {"check", "-h"}} {
		out, errOut, _ := runCmd(t, args...)
		all := out + errOut
		if i := strings.Index(all, "flags:"); i >= 0 && !strings.Contains(all[i:], "-db") {
			t.Errorf("%v: empty flags:\n%s", args, all)
		}
	}
}

// Issue 14 point 11, end to end: what Li Na (Chinese) is answered and told
// is Chinese but for the names, models and ids in the records.
func TestLiNaReadsChinese(t *testing.T) {
	k := newTalk(t, answersNow())
	data := map[string]bool{}
	latin := regexp.MustCompile(`[A-Za-z][A-Za-z0-9'&.\-]*`)
	addWords := func(ss ...string) {
		for _, s := range ss {
			for _, w := range latin.FindAllString(s, -1) {
				data[strings.Trim(w, ".-")] = true
			}
		}
	}
	k.s.View(crm.System, func(tx *crm.Tx) error {
		for _, kind := range []crm.Kind{crm.KindUser, crm.KindAccount, crm.KindContact, crm.KindOpp, crm.KindEquipment, crm.KindActivity} {
			tx.Each(kind, func(r crm.Record) bool {
				switch x := r.(type) {
				case *crm.User:
					addWords(x.Name)
				case *crm.Account:
					addWords(x.Name)
				case *crm.Contact:
					addWords(x.Name, x.Title)
				case *crm.Opportunity:
					addWords(x.Name)
				case *crm.Equipment:
					addWords(x.Brand, x.Model)
				case *crm.Activity:
					addWords(x.Subject)
				}
				return true
			})
		}
		return nil
	})
	check := func(what, text string) {
		t.Helper()
		for _, w := range latin.FindAllString(text, -1) {
			cut := strings.HasSuffix(w, ".") // a name's word shortened: "ACME Tran."
			w = strings.Trim(w, ".-")
			if cut && len(w) >= 3 && strings.Contains(text, w+".") && prefixOfData(data, w) {
				continue
			}
			if w != "" && !data[w] && !regexp.MustCompile(`^[AOL]\d+$`).MatchString(w) {
				t.Errorf("%s: English %q in %q", what, w, text)
			}
		}
	}
	addWords("bring brochure", "wu", "xx", "vist", "acme") // typed by the people: their own words
	k.ok(phLiu, "PLAN li call anshan tomorrow 9am urgent; bring brochure")
	k.ok(phLiu, "ASSIGN O3 li")
	k.ok(phLiu, "ASSIGN tieling cement li")
	for _, n := range k.notices(phLi) {
		check("notice", n)
	}
	for _, msg := range []string{"今天", "我的商机", "查客户 #10", "查找 wu", "漏斗", "拜方", "商机 #4 阶段 xx", "vist acme",
		"商机 #3 阶段 赢单", "完成 #999 好", "团队", "线索 #77 确认", "帮助", "帮助 拜访", "今天 明天", "撤销"} {
		check(msg, k.send(phLi, msg))
	}
}

// prefixOfData reports whether w starts a word of the records' names.
func prefixOfData(data map[string]bool, w string) bool {
	for d := range data {
		if len(d) > len(w) && strings.HasPrefix(d, w) {
			return true
		}
	}
	return false
}
