package web_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

func userForm(name, phones string, manager int64) url.Values {
	return url.Values{"name": {name}, "phones": {phones}, "email": {""}, "role": {"salesman"}, "branch": {"shenyang"},
		"dept": {"machines"}, "manager": {strconv.FormatInt(manager, 10)}, "locale": {"zh"}, "tz": {""}}
}

func TestAdminAddUserSignsIn(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	liu := e.Users["Liu Yang"]
	users := countKind(t, e, crm.KindUser)

	// bad input: said clearly, the form kept, nothing stored
	for _, bad := range []struct {
		form url.Values
		want string
	}{
		{userForm("Chen Gang", "024-2281 5566", liu.ID), "is a landline: a user's own phone must be a mobile that receives SMS"},
		{userForm("Chen Gang", "13800000002", liu.ID), "is already used by user #"},
		{userForm("Chen Gang", "139 0000 0021", 9999), `Manager "9999" is not a user`},
		{userForm("Chen Gang", "14012345678", liu.ID), "14012345678"},
		{func() url.Values { f := userForm("Chen Gang", "139 0000 0021", liu.ID); f.Set("branch", ""); return f }(), "needs a branch and a department"},
		{userForm("<script>alert(1)</script>", "0411-1", liu.ID), "<script>alert(1)</script>"},
	} {
		c.Get("/admin/users/new")
		st, body := c.Post("/admin/users", bad.form)
		if st != http.StatusUnprocessableEntity {
			t.Errorf("%v: status %d, want 422", bad.form, st)
		}
		mustContain(t, html.UnescapeString(body), bad.want)
		mustContain(t, body, `id="form-error"`)
		mustNotContain(t, body, "<script>alert(1)</script>")
		if n := countKind(t, e, crm.KindUser); n != users {
			t.Fatalf("a refused user was stored: %d users", n)
		}
	}

	// a good one: stored, with history on channel web by the administrator
	c.Get("/admin/users/new")
	st, body := c.PostFollow("/admin/users", userForm("Chen Gang", "139 0000 0021", liu.ID))
	if st != http.StatusOK {
		t.Fatalf("add: %d %s", st, visible(body))
	}
	mustContain(t, body, "Added Chen Gang (#", "Chen Gang", "13900000021")
	var chen *crm.User
	e.view("Zhou Min", func(tx *crm.Tx) error {
		var err error
		chen, err = tx.UserByPhone("+8613900000021")
		return err
	})
	if chen.Name != "Chen Gang" || chen.Manager != liu.ID || chen.Branch != "shenyang" || chen.Dept != "machines" || chen.Locale != "zh" || chen.Role != crm.RoleSalesman {
		t.Fatalf("stored: %+v", chen)
	}
	e.view("Zhou Min", func(tx *crm.Tx) error {
		h, err := tx.History(crm.KindUser, chen.ID)
		if err != nil {
			return err
		}
		if len(h) != 1 || h[0].Channel != "web" || h[0].User != e.Users["Zhou Min"].ID || h[0].Summary != "web: add user Chen Gang" {
			t.Errorf("history: %+v", h[0])
		}
		return nil
	})

	// he signs in with a code by SMS, and sees his (Chinese) day
	e.Users["Chen Gang"] = chen
	cc := e.signIn("Chen Gang")
	_, body = cc.Get("/day")
	mustContain(t, body, "我的一天")

	// a change: only what changed is named in history
	c.Get("/admin/users/" + strconv.FormatInt(chen.ID, 10))
	f := userForm("Chen Gang", "13900000021, 13900000022", liu.ID)
	f.Set("id", strconv.FormatInt(chen.ID, 10))
	st, body = c.PostFollow("/admin/users", f)
	mustContain(t, body, "Saved Chen Gang", "13900000021, 13900000022")
	e.view("Zhou Min", func(tx *crm.Tx) error {
		h, _ := tx.History(crm.KindUser, chen.ID)
		if len(h) != 2 || h[0].Summary != "web: user #"+strconv.FormatInt(chen.ID, 10)+": phones" && h[1].Summary != "web: user #"+strconv.FormatInt(chen.ID, 10)+": phones" {
			t.Errorf("history after the change: %+v", h)
		}
		return nil
	})

	// disabled: he is signed out at once
	c.Get("/admin/users")
	_, body = c.PostFollow("/admin/users", url.Values{"id": {strconv.FormatInt(chen.ID, 10)}, "do": {"disable"}})
	mustContain(t, body, "Chen Gang is disabled and signed out.")
	if st, _ := cc.Get("/day"); st != http.StatusSeeOther {
		t.Errorf("a disabled user's browser: %d", st)
	}
	// an administrator cannot disable himself
	_, body = c.PostFollow("/admin/users", url.Values{"id": {strconv.FormatInt(e.Users["Zhou Min"].ID, 10)}, "do": {"disable"}})
	mustContain(t, body, "You cannot disable yourself")
	e.view("Zhou Min", func(tx *crm.Tx) error {
		if u, _ := tx.User(e.Users["Zhou Min"].ID); u.Disabled {
			t.Error("Zhou Min disabled herself")
		}
		return nil
	})
}

// sendOutbox runs the real outbox worker with the Twilio sender against the
// fake Twilio API until nothing is due.
func sendOutbox(t *testing.T, e *env, api *twiliotest.Server) {
	t.Helper()
	sender, err := twilio.NewSender(twilio.Config{AccountSID: api.AccountSID, AuthToken: api.AuthToken, APIURL: api.URL, From: "+8613800009999"})
	if err != nil {
		t.Fatal(err)
	}
	w := outbox.New(e.Store.Engine(), outbox.Config{MaxAttempts: 1, BaseBackoff: time.Millisecond, Rate: -1},
		map[string]outbox.Sender{outbox.ChannelSMS: sender}, slog.New(slog.DiscardHandler), e.Clock.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := outbox.Pending(e.Store.Engine(), e.Clock.Now())
		if err == nil && b.Due == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox still has %d due", b.Due)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestAdminOutboxRetryAndMaskedCodes(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	code := e.code(e.Users["Zhou Min"])
	wang := e.Users["Wang Jun"]
	id, _, err := outbox.EnqueueDB(e.Store.Engine(), &outbox.Entry{Channel: outbox.ChannelSMS, To: wang.Phones[0], UserID: wang.ID,
		Body: "Visit <script>alert(1)</script> due today", Key: "test|1"}, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	api := twiliotest.NewServer(t)
	api.FailTo(wang.Phones[0], 400, 21211) // invalid number: failed for good
	sendOutbox(t, e, api)
	if x, _ := outbox.Get(e.Store.Engine(), id); x.State != outbox.StateFailed {
		t.Fatalf("entry: %+v", x)
	}

	st, body := c.Get("/admin/outbox?state=failed")
	if st != http.StatusOK {
		t.Fatal(st)
	}
	mustContain(t, body, "#"+strconv.FormatInt(id, 10), "Wang Jun", "13800000002", "Visit &lt;script&gt;alert(1)&lt;/script&gt; due today",
		`action="/admin/outbox/retry"`, "failed")
	mustNotContain(t, body, "<script>alert(1)</script>")
	// every list: the sign-in codes are never shown
	for _, p := range []string{"/admin/outbox", "/admin/outbox?state=sent", "/admin/outbox?state=pending"} {
		_, body := c.Get(p)
		mustNotContain(t, body, code, "verification code", "验证码是")
	}
	_, body = c.Get("/admin/outbox?state=sent")
	mustContain(t, body, "(a sign-in code: never shown)")

	// the messages to one user only
	_, body = c.Get("/admin/outbox?user=" + strconv.FormatInt(wang.ID, 10))
	mustContain(t, body, "to Wang Jun", "#"+strconv.FormatInt(id, 10))
	mustNotContain(t, body, "(a sign-in code: never shown)")
	_, body = c.Get("/admin/outbox?user=" + strconv.FormatInt(e.Users["Zhou Min"].ID, 10))
	mustContain(t, body, "(a sign-in code: never shown)")
	mustNotContain(t, body, "Visit &lt;script&gt;")

	// send it again: queued, its history says who asked
	api.FailTo(wang.Phones[0], 0, 0)
	c.Get("/admin/outbox?state=failed")
	_, body = c.PostFollow("/admin/outbox/retry", url.Values{"id": {strconv.FormatInt(id, 10)}, "back": {"/admin/outbox?state=failed"}})
	mustContain(t, body, "#"+strconv.FormatInt(id, 10)+" is queued again")
	x, _ := outbox.Get(e.Store.Engine(), id)
	last := x.StatusHistory[len(x.StatusHistory)-1]
	if x.State != outbox.StateQueued || x.Attempts != 0 || !strings.Contains(last.Note, "Zhou Min") {
		t.Fatalf("requeued: %+v", x)
	}
	sendOutbox(t, e, api)
	if x, _ := outbox.Get(e.Store.Engine(), id); x.State != outbox.StateSent {
		t.Fatalf("sent again: %+v", x)
	}
	// a sent message, and a sign-in code, are not sent again
	_, body = c.PostFollow("/admin/outbox/retry", url.Values{"id": {strconv.FormatInt(id, 10)}})
	mustContain(t, body, "only a dead, failed or undelivered message can be sent again; nothing changed")
	var codeID int64
	outbox.Each(e.Store.Engine(), func(x *outbox.Entry) bool {
		if strings.HasPrefix(x.Key, "signin|") {
			codeID = x.ID
		}
		return true
	})
	_, body = c.PostFollow("/admin/outbox/retry", url.Values{"id": {strconv.FormatInt(codeID, 10)}})
	mustContain(t, body, "is a sign-in code: it is not sent again")
}

// A Chinese-speaking administrator reads the refusals in Chinese.
func TestAdminUserRefusedInChinese(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	c.Post("/lang", url.Values{"lang": {"zh"}, "back": {"/admin/users/new"}})
	c.Get("/admin/users/new")
	_, body := c.Post("/admin/users", userForm("陈刚", "139 0000 0021", 9999))
	mustContain(t, html.UnescapeString(body), `上级经理"9999"不是系统用户`, "添加用户")
	_, body = c.Post("/admin/users", userForm("陈刚", "024-2281 5566", e.Users["Liu Yang"].ID))
	mustContain(t, html.UnescapeString(body), "024-2281 5566")
	mustNotContain(t, body, "is a landline")
}
