package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// The demo, driven through its prompt as a person would: replies and the
// SMS the others get appear, and what was typed is stored.
func TestDemoScript(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	script := strings.Join([]string{
		"TODAY",
		"V acme mining; met Zhang Wei; wants 2x 320D; next: quote fri",
		"/as liu",
		"PLAN wang visit acme mining fri urgent",
		"/as li",
		"今天",
		"/quit",
		"HELP", // after /quit: never read
	}, "\n") + "\n"
	var out, errOut bytes.Buffer
	code := runDemoIn(context.Background(), []string{"--db", db}, strings.NewReader(script), &out, &errOut)
	got := out.String()
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, got, errOut.String())
	}
	t.Logf("demo output:\n%s", got)

	e2eContains(t, "demo output", got,
		"fieldcrm demo: "+db,
		"wang> ",
		"now texting as Liu Yang (sales_manager)",
		"liu> ",
		"now texting as Li Na (salesman)",
		"li> ",
		"SMS segment",
	)
	// TODAY as Wang: his day, with ids
	if !regexp.MustCompile(`wang> +(Overdue \(\d+\):|Today \d+/\d+:|Nothing due today)`).MatchString(got) {
		t.Errorf("no answer to TODAY")
	}
	// the visit: confirmed with its id and its follow-up's; it carries out
	// the visit the demo planned at ACME Mining for today
	m := regexp.MustCompile(`OK visit #(\d+) ACME Mining, Zhang Wei\. Your planned visit, now done\. Next: quote \w{3} \d+/\d+ #(\d+)\. UNDO to undo`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no visit confirmation")
	}
	// ACME Mining has no machine on file in the demo: Wang is asked for them
	e2eContains(t, "demo output", got, "↳ SMS to Wang Jun: Please record the machines at ACME Mining")
	// the plan: confirmed to Liu, and Wang gets the assignment by SMS
	p := regexp.MustCompile(`OK planned #(\d+) visit ACME Mining \w{3} \d+/\d+, urgent, for Wang Jun \(told\)`).FindStringSubmatch(got)
	if p == nil {
		t.Fatalf("no plan confirmation")
	}
	e2eContains(t, "demo output", got, fmt.Sprintf("↳ SMS to Wang Jun: Liu Yang assigned you #%s visit ACME Mining", p[1]))
	// Li asks in Chinese and is answered in Chinese
	li := got[strings.Index(got, "now texting as Li Na"):]
	if !regexp.MustCompile(`今天\d+月\d+日`).MatchString(li) {
		t.Errorf("今天 not answered in Chinese:\n%s", li)
	}
	if strings.Contains(got, "命令：") {
		t.Error("a line after /quit was handled")
	}

	// what was typed is in the database the demo kept
	s, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var visitID, planID int64
	fmt.Sscan(m[1], &visitID)
	fmt.Sscan(p[1], &planID)
	e2eView(t, s, func(tx *crm.Tx) error {
		v, err := tx.Activity(visitID)
		if err != nil {
			return err
		}
		acct, err := tx.Account(v.Account)
		if err != nil {
			return err
		}
		c, err := tx.Contact(v.Contact)
		if err != nil {
			return err
		}
		wang, err := tx.UserByPhone("+8613800000002")
		if err != nil {
			return err
		}
		if v.Type != crm.ActVisit || acct.Name != "ACME Mining Co." || c.Name != "Zhang Wei" || v.Owner != wang.ID || !strings.Contains(v.Notes, "2x 320D") {
			t.Errorf("visit %+v at %s with %s", v, acct.Name, c.Name)
		}
		pl, err := tx.Activity(planID)
		if err != nil {
			return err
		}
		liu, _ := tx.UserByPhone("+8613800000001")
		if pl.Owner != wang.ID || pl.AssignedBy != liu.ID || pl.Priority != crm.PriorityUrgent || pl.Account != acct.ID {
			t.Errorf("planned %+v", pl)
		}
		return nil
	})
}

func TestDemoUnknownUser(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runDemoIn(context.Background(), []string{"--db", filepath.Join(t.TempDir(), "d.db")},
		strings.NewReader("/as nobody\n/who\n"), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	e2eContains(t, "demo output", out.String(), "no such user; /who lists them", "Liu Yang", "+8613800000004")
}

// The demo's e-mail: its servers are announced, `fieldcrm mail` sends a
// command through them and prints the answer, the console shows the mail.
func TestDemoMail(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	stdin, feed := io.Pipe()
	out := &syncBuffer{}
	done := make(chan int)
	go func() {
		done <- runDemoIn(context.Background(), []string{"--db", db, "--imap", "127.0.0.1:0", "--smtp", "127.0.0.1:0"}, stdin, out, io.Discard)
	}()
	var imapAddr, smtpAddr string
	re := regexp.MustCompile(`IMAP (127\.0\.0\.1:\d+) +SMTP (127\.0\.0\.1:\d+)`)
	mailWaitUntil(t, "the demo's mail servers", func() bool {
		m := re.FindStringSubmatch(out.String())
		if m != nil {
			imapAddr, smtpAddr = m[1], m[2]
		}
		return m != nil
	})
	var mout, merr bytes.Buffer
	code := runMailCmd(context.Background(), []string{"--smtp", smtpAddr, "--imap", imapAddr, "--from", "wang.jun@dealer.example",
		"--subject", "VISIT acme mining; met Zhang Wei", "OPPS"}, &mout, &merr)
	if code != 0 {
		t.Fatalf("mail: exit %d\n%s\n%s\ndemo:\n%s", code, mout.String(), merr.String(), out.String())
	}
	e2eContains(t, "fieldcrm mail output", mout.String(), "answer: Re: VISIT acme mining; met Zhang Wei", "> VISIT acme mining; met Zhang Wei",
		"OK visit #", "> OPPS")
	mailWaitUntil(t, "the answer on the console", func() bool {
		return strings.Contains(out.String(), "↳ e-mail to Wang Jun: Re: VISIT acme mining; met Zhang Wei")
	})
	io.WriteString(feed, "/quit\n")
	if c := <-done; c != 0 {
		t.Fatalf("demo exit %d", c)
	}
	st, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := regexp.MustCompile(`OK visit #(\d+)`).FindStringSubmatch(mout.String())
	if m == nil {
		t.Fatal("no visit id in the answer")
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	st.View(crm.System, func(tx *crm.Tx) error {
		a, err := tx.Activity(id)
		if err != nil || a.Type != "visit" || tx.AccountName(a.Account) != "ACME Mining Co., Ltd." && !strings.HasPrefix(tx.AccountName(a.Account), "ACME") {
			t.Errorf("visit #%d as stored: %+v %v", id, a, err)
		}
		return nil
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// /aliyun shows, under each SMS, the Alibaba Cloud template it would go out
// as in China, with its variable and the segments the signature costs.
func TestDemoShowsAliyunTemplates(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	script := "/aliyun\n/as li\n拜访 华鑫 见了李总 要2台320D\n/as liu\nPLAN wang visit acme mining fri urgent\n/aliyun\nTODAY\n/quit\n"
	var out, errOut bytes.Buffer
	if code := runDemoIn(context.Background(), []string{"--db", db, "--imap", "off"}, strings.NewReader(script), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := out.String()
	t.Logf("demo output:\n%s", got)
	if !regexp.MustCompile(`\(Alibaba Cloud 1/1: template reply_zh, \$\{content\}="已记录拜访 #\d+ 华鑫矿业，李刚。回复撤销可撤回"; 1 segment with 【鞍山重机】\)`).MatchString(got) {
		t.Errorf("Li Na's reply does not show its template")
	}
	if !regexp.MustCompile(`↳ SMS to Wang Jun: Liu Yang assigned you #\d+ visit ACME Mining[^\n]*\n +\(Alibaba Cloud 1/1: template notice_en, \$\{content\}="Liu Yang assigned you #\d+`).MatchString(got) {
		t.Errorf("the notice to Wang does not show its template")
	}
	after := got[strings.LastIndex(got, "Alibaba Cloud templates no longer shown"):]
	if strings.Contains(after, "(Alibaba Cloud") {
		t.Errorf("templates still shown after /aliyun again:\n%s", after)
	}
}
