package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// The web console through the real Main: the sign-in code goes out through
// the outbox and Twilio's API (the fake), the browser signs in with it,
// closes an activity on My day, and the change is in history with channel
// web. With FIELDCRM_WEB=off nothing of the console is served.
func TestWebConsoleThroughServe(t *testing.T) {
	e := e2eStart(t, "", nil)
	id := e.plan("PLAN wang visit acme tomorrow 10am")
	base := e.public()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	csrfRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	get := func(path string) string {
		resp, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	post := func(path string, form url.Values, page string) string {
		form.Set("csrf", csrfRE.FindStringSubmatch(page)[1])
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	page := get("/signin")
	page = post("/signin", url.Values{"who": {"138 0000 0002"}}, page) // Wang as he would type it
	if !strings.Contains(page, "Enter your code") {
		t.Fatalf("after asking for a code: %s", page)
	}
	var code string
	for deadline := time.Now().Add(5 * time.Second); code == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, m := range e.api.Messages() {
			if m.To == e2eWangPhone && strings.Contains(m.Body, "sign-in code") {
				code = regexp.MustCompile(`\d{6}`).FindString(m.Body)
			}
		}
	}
	if code == "" {
		t.Fatalf("no code sent to Wang: %+v", e.api.Messages())
	}
	page = post("/signin/code", url.Values{"code": {code}}, page)
	if !strings.Contains(page, "My day") || !strings.Contains(page, "Wang Jun") {
		t.Fatalf("not signed in: %s", page)
	}
	e.clock.Advance(25 * time.Hour)
	page = get("/day")
	if !strings.Contains(page, `id="a`+itoa64(id)+`"`) {
		t.Fatalf("My day lacks #%d: %s", id, page)
	}
	page = post("/act", url.Values{"id": {itoa64(id)}, "do": {"done"}, "outcome": {"met Zhang Wei"}, "nonce": {"n1"}}, page)
	if !strings.Contains(page, "OK") || !strings.Contains(page, "#"+itoa64(id)) {
		t.Fatalf("no confirmation: %s", page)
	}
	var a *crm.Activity
	var cs []*crm.ChangeSet
	e.m.Store.View(crm.System, func(tx *crm.Tx) error {
		a, _ = tx.Activity(id)
		cs, _ = tx.History(crm.KindActivity, id)
		return nil
	})
	if a.Status != crm.StatusDone || len(cs) == 0 || cs[len(cs)-1].Channel != "web" {
		t.Fatalf("activity %+v, history %+v", a, cs)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestWebConsoleOff(t *testing.T) {
	e := e2eStart(t, "", func(c *Config, _ *Main) { c.NoWeb = true })
	resp, err := http.Get(e.public() + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("FIELDCRM_WEB=off still serves /signin: %d", resp.StatusCode)
	}
}

// A +86 user's sign-in code goes through Alibaba Cloud as the verification
// code template, with the code as its one variable.
func TestWebSignInCodeThroughAliyun(t *testing.T) {
	a := aliStart(t, nil)
	base := a.public()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := hc.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(b))[1]
	req, _ := http.NewRequest("POST", base+"/signin", strings.NewReader(url.Values{"who": {e2eLiPhone}, "csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	if resp, err = hc.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sends := a.ali.WaitFor(1, 5*time.Second)
	if len(sends) != 1 {
		t.Fatalf("%d sends", len(sends))
	}
	s := sends[0]
	if s.TemplateCode != a.codes["code_zh"] || len(s.Params) != 1 || !regexp.MustCompile(`^\d{6}$`).MatchString(s.Params["code"]) ||
		!strings.Contains(s.Text, "登录验证码"+s.Params["code"]) {
		t.Fatalf("code SMS through Alibaba Cloud: %+v", s)
	}
}
