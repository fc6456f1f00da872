package main

// The scripted working week of issue 14: the demo's manager and three
// salesmen (Li Na in Chinese) work Monday to Friday by SMS and e-mail while
// the scheduler's jobs run at their default times. Every reply, every SMS
// and every e-mail queued is written to a transcript that must equal
// testdata/week.golden (go test -run TestWorkingWeek -update rewrites it:
// read the diff as Wang and as Li Na would before committing it); the
// stored records are checked at the end.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/scheduler"
	"github.com/fieldcrm/fieldcrm/templates"
)

var updateWeek = flag.Bool("update", false, "rewrite testdata/week.golden from this run")

// week is the demo (store, SMS pipeline, e-mail handler and scheduler, all
// on one injected clock) and the transcript of what happened.
type week struct {
	*talk
	loc   *time.Location
	sched *scheduler.Scheduler
	mail  *email.Handler
	tr    strings.Builder
	who   map[string]string // phone or address → name in the transcript
	mails int
}

// weekMonday is Monday 7 December 2026, 00:00 in Shenyang.
var weekMonday = time.Date(2026, 12, 7, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newWeek(t *testing.T) *week {
	t.Helper()
	w := &week{talk: newTalk(t, weekMonday.Add(7*time.Hour)), who: map[string]string{}}
	w.loc = w.s.Location()
	var err error
	tpl := templates.MustNew()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// the scheduler as serve and `fieldcrm jobs run` make it: default schedules and delays
	w.sched, err = scheduler.New(scheduler.Config{Store: w.s, Templates: tpl, Location: w.loc, Email: true,
		Now: func() time.Time { return w.now }, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	// the e-mail handler as setupMail makes it, with its own pipeline
	pipe, err := gateway.New(gateway.Config{Store: w.s, Templates: tpl, Log: quiet, Now: func() time.Time { return w.now },
		Email: true, MaxSegments: emailSegments})
	if err != nil {
		t.Fatal(err)
	}
	w.mail, err = email.New(email.Config{Store: w.s, Pipeline: pipe, Templates: tpl, Log: quiet, Now: func() time.Time { return w.now },
		Address: mailCRM, TrustedHost: mailTrusted})
	if err != nil {
		t.Fatal(err)
	}
	for ph, name := range map[string]string{phLiu: "liu", phWang: "wang", phLi: "li", phZhao: "zhao"} {
		w.who[ph], w.who[w.email[ph]] = name, name
	}
	return w
}

// at moves the clock to the day (0 = Monday) and time of day in Shenyang.
func (w *week) at(day, hour, min int) {
	t := weekMonday.AddDate(0, 0, day).Add(time.Duration(hour)*time.Hour + time.Duration(min)*time.Minute)
	if t.Before(w.now) {
		w.t.Fatalf("the clock goes back: %v → %v", w.now, t)
	}
	w.now = t
	fmt.Fprintf(&w.tr, "\n@ %s\n", t.In(w.loc).Format("Mon 2/1 15:04"))
}

var weekPhones = map[string]string{"liu": phLiu, "wang": phWang, "li": phLi, "zhao": phZhao}

// say sends an SMS from the person and writes it, its reply and the
// messages it queued for anyone to the transcript. It returns the reply.
func (w *week) say(who, body string) string {
	w.t.Helper()
	r := w.send(weekPhones[who], body)
	fmt.Fprintf(&w.tr, "%s> %s\n%s", who, body, weekIndent("  < ", r))
	w.flush(false)
	return r
}

// job runs a scheduled job as of now, as cron does.
func (w *week) job(name string) {
	w.t.Helper()
	c, err := w.sched.Run(context.Background(), name, w.now)
	if err != nil {
		w.t.Fatalf("job %s: %v", name, err)
	}
	fmt.Fprintf(&w.tr, "[job %s: %s]\n", name, c)
	w.flush(true)
}

// mailFrom hands the e-mail handler a message from the person, as the
// mailbox reader does; inReplyTo, when set, is the outbox entry it answers.
func (w *week) mailFrom(who, subject, body string, inReplyTo *outbox.Entry) {
	w.t.Helper()
	addr := w.email[weekPhones[who]]
	w.mails++
	var b strings.Builder
	b.WriteString("Received: from pc.dealer.example by mx.dealer.example; " + w.now.Format(time.RFC1123Z) + "\r\n")
	if inReplyTo == nil { // the dealer's server vouches for the sender
		fmt.Fprintf(&b, "Authentication-Results: %s; dkim=pass header.d=dealer.example; spf=pass smtp.mailfrom=%s; dmarc=pass header.from=dealer.example\r\n", mailTrusted, addr)
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <week%d@dealer.example>\r\nDate: %s\r\n", addr, mailCRM, subject, w.mails, w.now.Format(time.RFC1123Z))
	if inReplyTo != nil { // the reply carries the token of the mail it answers
		id := email.MessageID(mailCRM, inReplyTo, w.mail.Tokens().For(inReplyTo.UserID, inReplyTo.ID, inReplyTo.Created))
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", id, id)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	res, err := w.mail.Handle(context.Background(), []byte(b.String()), false)
	if err != nil {
		w.t.Fatalf("mail %q: %v", subject, err)
	}
	fmt.Fprintf(&w.tr, "%s mails (%s) %q:\n%s", who, res.Outcome, subject, weekIndent("  | ", body))
	w.flush(false)
}

// flush writes the messages queued since the last flush: SMS with the time
// they are held until (quiet hours), e-mails with subject and text. A job's
// are sorted by recipient (its workers queue in any order).
func (w *week) flush(sorted bool) {
	w.t.Helper()
	es, err := outbox.List(w.s.Engine(), outbox.Filter{Limit: 100000})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if w.seen[e.ID] {
			continue
		}
		w.seen[e.ID] = true
		to := w.who[e.To]
		if to == "" {
			to = e.To
		}
		var s string
		if e.Channel == outbox.ChannelSMS {
			held := ""
			if e.NotBefore.After(w.now) {
				held = " (held until " + e.NotBefore.In(w.loc).Format("Mon 15:04") + ")"
			}
			s = fmt.Sprintf("  sms→%s%s:\n%s", to, held, weekIndent("    ", e.Body))
		} else {
			s = fmt.Sprintf("  mail→%s: %s\n%s", to, e.Subject, weekIndent("    ", e.Text))
		}
		out = append(out, s)
	}
	if sorted {
		sort.Strings(out)
	}
	for _, s := range out {
		w.tr.WriteString(s)
	}
}

// lastMail is the newest e-mail queued to the person.
func (w *week) lastMail(who string) *outbox.Entry {
	w.t.Helper()
	es, err := outbox.List(w.s.Engine(), outbox.Filter{Channel: outbox.ChannelEmail, To: w.email[weekPhones[who]], Limit: 1})
	if err != nil || len(es) == 0 {
		w.t.Fatalf("no e-mail to %s: %v", who, err)
	}
	return es[0]
}

func weekIndent(prefix, s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return prefix + "(nothing)\n"
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}

var weekIDRe = regexp.MustCompile(`#(\d+)`)

// weekID is the first #id in s after the word (or the first one when word is "").
func weekID(t *testing.T, s, word string) int64 {
	t.Helper()
	i := strings.Index(s, word)
	if i < 0 {
		t.Fatalf("no %q in %q", word, s)
	}
	m := weekIDRe.FindStringSubmatch(s[i:])
	if m == nil {
		t.Fatalf("no #id after %q in %q", word, s)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func TestWorkingWeek(t *testing.T) {
	w := newWeek(t)
	w.flush(false) // the seed queues nothing, and nothing is read before the summary
	w.tr.Reset()

	// which seeded records the week works on
	var acmeVisit, tielingVisit, anganOpp, tielingOpp, acmeOpp int64
	w.s.View(crm.System, func(tx *crm.Tx) error {
		tx.Each(crm.KindActivity, func(r crm.Record) bool {
			a := r.(*crm.Activity)
			if a.Status == crm.StatusOpen && a.Subject == "visit ACME Mining Co." {
				acmeVisit = a.ID
			}
			if a.Status == crm.StatusOpen && a.Subject == "visit Tieling Cement" {
				tielingVisit = a.ID
			}
			return true
		})
		tx.Each(crm.KindOpp, func(r crm.Record) bool {
			o := r.(*crm.Opportunity)
			if a, _ := tx.Account(o.Account); a != nil && a.Name == "鞍钢建设集团" {
				anganOpp = o.ID
			}
			if a, _ := tx.Account(o.Account); a != nil && a.Name == "Tieling Cement" {
				tielingOpp = o.ID
			}
			if a, _ := tx.Account(o.Account); a != nil && a.Name == "ACME Mining Co." {
				acmeOpp = o.ID
			}
			return true
		})
		return nil
	})
	if acmeVisit == 0 || tielingVisit == 0 || anganOpp == 0 {
		t.Fatalf("seed: ACME visit %d, Tieling visit %d, 鞍钢 opp %d", acmeVisit, tielingVisit, anganOpp)
	}

	// ---- Monday ----
	w.at(0, 7, 30)
	w.job(scheduler.JobSummary)
	w.at(0, 7, 45)
	w.job(scheduler.JobDigest)
	w.at(0, 9, 40)
	w.say("wang", "V acme mining; met Zhang Wei; wants 2x 336 before spring")
	w.at(0, 10, 5)
	w.say("li", "电话 营口港；刘洋；要336报价")
	w.at(0, 10, 30)
	plan := w.say("liu", "PLAN li visit 鞍钢建设集团 wed 10am urgent; ask about the loader tender and who else is bidding")
	w.at(0, 10, 40)
	zhaoPlan := weekID(t, w.say("liu", "PLAN zhao call huludao shipyard thu 3pm; ask about rental terms for the spring"), "planned")
	w.at(0, 11, 0)
	leadReply := w.say("zhao", "LEAD Benxi Sand Co; Mr Qiu 13904140000; src: web; 2x 950H")
	w.at(0, 11, 20)
	w.say("liu", fmt.Sprintf("ASSIGN L%d wang", weekID(t, leadReply, "lead")))
	w.at(0, 14, 0)
	w.say("li", fmt.Sprintf("商机 #%d 阶段 方案", anganOpp))
	w.at(0, 16, 0)
	w.say("zhao", "CONTACT 华鑫; 陈伟; 采购; 13904145678")
	w.at(0, 16, 30)
	w.say("wang", "EQ tieling cement Komatsu PC200 bought 2019-05 smu 9100")

	// ---- Tuesday ----
	w.at(1, 7, 0)
	w.job(scheduler.JobOverdue)
	w.at(1, 7, 30)
	w.job(scheduler.JobSummary)
	w.at(1, 7, 45)
	w.job(scheduler.JobDigest)
	w.at(1, 8, 30)
	w.say("wang", "V dandong forestry; met He Jun")
	w.say("wang", "UNDO")
	w.at(1, 9, 0)
	w.job(scheduler.JobEscalate)
	w.at(1, 9, 15)
	sunCall := weekID(t, w.say("wang", "CALL tieling cement; Mr Sun; wants price for 336"), "OK")
	liVisit := weekID(t, w.say("li", "拜访 鑫源建筑；见了张经理；要两台320D；下周三报价"), "已记录")
	liLead := weekID(t, w.say("li", "线索 恒通机械；孙总 13904149999；2台950H"), "线索")
	w.say("liu", "OPPS wang")
	w.at(1, 9, 30)
	w.say("zhao", "REJECT #4 华鑫 is Li Na's customer now, she should quote")
	w.at(1, 9, 50)
	reassigned := weekID(t, w.say("liu", "ASSIGN #4 li"), "OK")
	w.at(1, 11, 0)
	w.say("liu", fmt.Sprintf("ASSIGN O%d zhao", tielingOpp))
	w.at(1, 15, 0)
	w.say("zhao", fmt.Sprintf("OPP #%d stage proposal", tielingOpp))
	w.at(1, 17, 0)
	w.say("wang", fmt.Sprintf("OPP #%d stage proposal", acmeOpp))
	w.say("wang", "UNDO")

	// ---- Wednesday ----
	w.at(2, 7, 0)
	w.job(scheduler.JobOverdue)
	w.at(2, 7, 30)
	w.job(scheduler.JobSummary)
	w.at(2, 7, 45)
	w.job(scheduler.JobDigest)
	w.at(2, 8, 10)
	w.mailFrom("wang", "Re: your day", "A42 done met Jiang Bin, wants a service contract for the harbour cranes\n\nOn Wed, fieldcrm wrote:\n> [A42] visit Donggang Harbour\n", w.lastMail("wang"))
	w.at(2, 9, 0)
	w.job(scheduler.JobEscalate)
	w.at(2, 11, 15)
	w.say("li", fmt.Sprintf("完成 #%d 见了王强，装载机招标下月开标，柳工也在投；下周五报价", weekID(t, plan, "planned")))
	w.at(2, 15, 0)
	w.say("li", fmt.Sprintf("完成 #%d 已报价 2台950H", reassigned))
	w.at(2, 16, 0)
	w.mailFrom("zhao", "CALL Huludao Shipyard; Lin Tao; wants to rent 2x 336 for the spring", "-- \nZhao Lei\n", nil)

	// ---- Thursday ----
	w.at(3, 7, 0)
	w.job(scheduler.JobOverdue)
	w.at(3, 7, 30)
	w.job(scheduler.JobSummary)
	w.at(3, 7, 45)
	w.job(scheduler.JobDigest)
	w.at(3, 9, 0)
	w.job(scheduler.JobEscalate)
	w.at(3, 9, 10)
	w.say("li", "今天")
	w.at(3, 9, 20)
	w.say("liu", "ACK #15")
	w.at(3, 10, 0)
	w.say("wang", "V tieling cement; met Wu Hao; PC200 leaking, wants a 336 quote")

	// ---- Friday ----
	w.at(4, 7, 0)
	w.job(scheduler.JobOverdue)
	w.at(4, 7, 30)
	w.job(scheduler.JobSummary)
	w.at(4, 7, 45)
	w.job(scheduler.JobDigest)
	w.at(4, 9, 0)
	w.job(scheduler.JobEscalate)
	w.at(4, 9, 30)
	toLi := weekID(t, w.say("liu", "A28 assign li 14/12 10am urgent"), "OK")

	w.checkWeek(t, weekIDs{acmeVisit: acmeVisit, tielingVisit: tielingVisit, anganOpp: anganOpp, tielingOpp: tielingOpp,
		acmeOpp: acmeOpp, plan: weekID(t, plan, "planned"), lead: weekID(t, leadReply, "lead"), rejected: 4, reassigned: reassigned, toLi: toLi, zhaoPlan: zhaoPlan,
		sunCall: sunCall, liVisit: liVisit, liLead: liLead})

	out := w.tr.String()
	golden := filepath.Join("testdata", "week.golden")
	if *updateWeek {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if out != string(want) {
		t.Errorf("the week differs from %s (-update rewrites it):\n%s", golden, weekDiff(string(want), out))
	}
}

// weekDiff shows the first lines where got differs from want.
func weekDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var a, b string
		if i < len(wl) {
			a = wl[i]
		}
		if i < len(gl) {
			b = gl[i]
		}
		if a != b {
			lo := max(0, i-3)
			return fmt.Sprintf("line %d:\n  want: %q\n  got:  %q\ncontext (got):\n%s", i+1, a, b, strings.Join(gl[lo:min(len(gl), i+4)], "\n"))
		}
	}
	return ""
}

type weekIDs struct {
	acmeVisit, tielingVisit, anganOpp, tielingOpp, acmeOpp, plan, lead, rejected, reassigned, toLi, zhaoPlan, sunCall, liVisit, liLead int64
}

// checkWeek checks the stored records at the end of the week.
func (w *week) checkWeek(t *testing.T, ids weekIDs) {
	t.Helper()
	user := map[string]int64{}
	w.s.View(crm.System, func(tx *crm.Tx) error {
		for ph, name := range w.who {
			if u, err := tx.UserByPhone(ph); err == nil {
				user[name] = u.ID
			}
		}
		act := func(id int64) *crm.Activity {
			a, err := tx.Activity(id)
			if err != nil {
				t.Fatalf("activity #%d: %v", id, err)
			}
			return a
		}
		day := func(d, h, m int) time.Time {
			return weekMonday.AddDate(0, 0, d).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
		}
		// Wang's planned, urgent visit to ACME closed by his visit report, with the person met
		if a := act(ids.acmeVisit); a.Status != crm.StatusDone || a.Owner != user["wang"] || !a.DoneAt.Equal(day(0, 9, 40)) ||
			!strings.Contains(a.Outcome, "2x 336") || a.Priority != crm.PriorityUrgent {
			t.Errorf("ACME visit #%d: %+v", ids.acmeVisit, a)
		} else if c, _ := tx.Contact(a.Contact); c == nil || c.Name != "Zhang Wei" {
			t.Errorf("ACME visit #%d: contact %+v, want Zhang Wei", ids.acmeVisit, c)
		}
		// the Tieling visit: overdue four days, acknowledged by Liu, then done on Thursday
		if a := act(ids.tielingVisit); a.Status != crm.StatusDone || !a.DoneAt.Equal(day(3, 10, 0)) || !strings.Contains(a.Outcome, "PC200 leaking") {
			t.Errorf("Tieling visit #%d: %+v", ids.tielingVisit, a)
		}
		// Li Na's call to 营口港 (#16) closed by her call, 刘洋 kept as the contact
		if a := act(16); a.Status != crm.StatusDone || a.Type != crm.ActCall || a.Owner != user["li"] || !strings.Contains(a.Outcome, "336报价") {
			t.Errorf("call #16: %+v", a)
		} else if c, _ := tx.Contact(a.Contact); c == nil || c.Name != "刘洋" {
			t.Errorf("call #16: contact %+v, want 刘洋", c)
		}
		// Liu's urgent plan for Li Na: due Wed 10:00, done with her outcome, a follow-up on Fri 18/12
		if a := act(ids.plan); a.Status != crm.StatusDone || a.Owner != user["li"] || a.AssignedBy != user["liu"] || a.Priority != crm.PriorityUrgent ||
			!a.Due.Equal(day(2, 10, 0)) || !strings.Contains(a.Outcome, "柳工也在投") || a.Escalated.IsZero() {
			t.Errorf("planned visit #%d: %+v", ids.plan, a)
		}
		var follow *crm.Activity
		tx.Each(crm.KindActivity, func(r crm.Record) bool {
			if a := r.(*crm.Activity); a.FollowUpOf == ids.plan {
				follow = a
			}
			return true
		})
		if follow == nil || follow.Owner != user["li"] || follow.Status != crm.StatusOpen || follow.Due.In(w.loc).Format("2006-01-02") != "2026-12-18" {
			t.Errorf("follow-up of #%d: %+v", ids.plan, follow)
		}
		// Zhao's rejection and Liu's reassignment to Li Na, done by her
		if a := act(ids.rejected); a.Status != crm.StatusRejected || a.Owner != user["zhao"] || !strings.Contains(a.Outcome, "she should quote") {
			t.Errorf("rejected #%d: %+v", ids.rejected, a)
		}
		if a := act(ids.reassigned); a.Status != crm.StatusDone || a.Owner != user["li"] || a.AssignedBy != user["liu"] || !strings.Contains(a.Outcome, "950H") {
			t.Errorf("reassigned #%d: %+v", ids.reassigned, a)
		}
		// Wang's e-mail reply to his summary closed #42
		if a := act(42); a.Status != crm.StatusDone || !strings.Contains(a.Outcome, "service contract") || !a.DoneAt.Equal(day(2, 8, 10)) {
			t.Errorf("#42: %+v", a)
		}
		// escalated urgent visits stay Wang's, open, marked
		for _, n := range []int64{10, 19, 37} {
			if a := act(n); a.Status != crm.StatusOpen || a.Owner != user["wang"] || a.Escalated.IsZero() {
				t.Errorf("escalated #%d: %+v", n, a)
			}
		}
		// Liu's reply to the escalation of #28: Li Na's now, with the date, time and priority he gave (issue 14 point 5)
		if a := act(28); a.Status != crm.StatusReassigned || a.ReassignedTo != ids.toLi {
			t.Errorf("#28: %+v", a)
		}
		if a := act(ids.toLi); a.Status != crm.StatusOpen || a.Owner != user["li"] || a.AssignedBy != user["liu"] ||
			!a.Due.Equal(weekMonday.AddDate(0, 0, 7).Add(10*time.Hour)) || a.Priority != crm.PriorityUrgent {
			t.Errorf("#%d: %+v", ids.toLi, a)
		}
		// Wang's call keeps Mr Sun as the person, not a Sunday
		// (not on file: kept in the notes, as VISIT keeps a person not on file)
		if a := act(ids.sunCall); a.Type != crm.ActCall || a.Status != crm.StatusDone || a.Notes != "met Mr Sun; wants price for 336" || !a.Due.IsZero() {
			t.Errorf("call #%d: %+v", ids.sunCall, a)
		}
		// Li Na's visit to 鑫源建筑 with 张经理 and its follow-up on Wednesday 16/12
		if a := act(ids.liVisit); a.Type != crm.ActVisit || a.Status != crm.StatusDone || a.Owner != user["li"] {
			t.Errorf("visit #%d: %+v", ids.liVisit, a)
		} else if c, _ := tx.Contact(a.Contact); c == nil || c.Name != "张经理" {
			t.Errorf("visit #%d: contact %+v, want 张经理", ids.liVisit, c)
		}
		if a := act(ids.liVisit + 1); a.FollowUpOf != ids.liVisit || a.Status != crm.StatusOpen || a.Due.In(w.loc).Format("2006-01-02") != "2026-12-16" {
			t.Errorf("follow-up of #%d: %+v", ids.liVisit, a)
		}
		if l, err := tx.Lead(ids.liLead); err != nil || l.Owner != user["li"] || l.Company != "恒通机械" || l.Person != "孙总" || l.Phone != "+8613904149999" {
			t.Errorf("lead #%d: %+v %v", ids.liLead, l, err)
		}
		// Liu's call for Zhao, closed by Zhao's e-mailed call at Huludao Shipyard before it was due
		if a := act(ids.zhaoPlan); a.Status != crm.StatusDone || a.Owner != user["zhao"] || !a.Escalated.IsZero() || !a.Due.Equal(day(3, 15, 0)) {
			t.Errorf("Zhao's planned call #%d: %+v", ids.zhaoPlan, a)
		}
		// #19: Wang's visit report undone, the planned visit open again and escalated
		// Zhao's e-mailed call at Huludao Shipyard, with Lin Tao
		var huludao *crm.Activity
		tx.Each(crm.KindActivity, func(r crm.Record) bool {
			if a := r.(*crm.Activity); a.Type == crm.ActCall && a.Status == crm.StatusDone && a.Owner == user["zhao"] && strings.Contains(a.Outcome+a.Notes+a.Subject, "rent") {
				huludao = a
			}
			return true
		})
		if huludao == nil {
			t.Errorf("no call by Zhao at Huludao Shipyard")
		} else if c, _ := tx.Contact(huludao.Contact); c == nil || c.Name != "Lin Tao" {
			t.Errorf("Huludao call: contact %+v, want Lin Tao", c)
		}
		// opportunities: Li Na's jump, Zhao's new one moved on, Wang's move undone
		for _, o := range []struct {
			id    int64
			owner string
			stage crm.Stage
		}{{ids.anganOpp, "li", crm.StageProposal}, {ids.tielingOpp, "zhao", crm.StageProposal}, {ids.acmeOpp, "wang", crm.StageIdentification}} {
			if got, err := tx.Opp(o.id); err != nil || got.Owner != user[o.owner] || got.Stage != o.stage {
				t.Errorf("opp #%d: %+v %v, want %s's at %v", o.id, got, err, o.owner, o.stage)
			}
		}
		// the lead Zhao entered, Wang's now
		if l, err := tx.Lead(ids.lead); err != nil || l.Owner != user["wang"] || !strings.Contains(l.Company, "Benxi Sand") {
			t.Errorf("lead #%d: %+v %v", ids.lead, l, err)
		}
		// Zhao's contact 陈伟 at 华鑫, Wang's Komatsu at Tieling Cement
		var chen *crm.Contact
		tx.Each(crm.KindContact, func(r crm.Record) bool {
			if c := r.(*crm.Contact); c.Name == "陈伟" {
				chen = c
			}
			return true
		})
		if chen == nil || chen.Title != "采购" || chen.Mobile != "+8613904145678" || chen.Owner != user["zhao"] {
			t.Errorf("contact 陈伟: %+v", chen)
		}
		var pc200 *crm.Equipment
		tx.Each(crm.KindEquipment, func(r crm.Record) bool {
			if e := r.(*crm.Equipment); e.SMU == 9100 {
				pc200 = e
			}
			return true
		})
		if pc200 == nil || pc200.Brand != "KOMATSU" || pc200.Model != "PC200" || pc200.Bought.In(w.loc).Format("2006-01") != "2019-05" {
			t.Errorf("Komatsu at Tieling: %+v", pc200)
		} else if a, _ := tx.Account(pc200.Account); a == nil || a.Name != "Tieling Cement" {
			t.Errorf("Komatsu at %+v", a)
		}
		return nil
	})
}
