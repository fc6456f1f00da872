package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// adminURLs are every page and form of /admin.
var adminURLs = []struct{ method, path string }{
	{"GET", "/admin"}, {"GET", "/admin/users"}, {"GET", "/admin/users/new"}, {"GET", "/admin/users/1"},
	{"POST", "/admin/users"}, {"GET", "/admin/import"}, {"POST", "/admin/import"}, {"POST", "/admin/import/confirm"},
	{"GET", "/admin/export/accounts.csv"}, {"GET", "/admin/export/users.xlsx"}, {"GET", "/admin/outbox"},
	{"GET", "/admin/outbox?state=dead"}, {"POST", "/admin/outbox/retry"}, {"GET", "/admin/unresolved"},
	{"GET", "/admin/sessions"}, {"POST", "/admin/sessions/revoke"}, {"GET", "/admin/"},
	{"POST", "/admin/unresolved/check"}, {"POST", "/admin/unresolved/rerun"},
}

func TestAdminPagesForAdmin(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	for _, p := range []struct {
		path string
		want []string
	}{
		{"/admin", []string{`id="count-users">7<`, `href="/admin/users"`, `href="/admin/import"`, `href="/admin/outbox?state=dead"`,
			`href="/admin/unresolved"`, `href="/admin/sessions"`, `href="/admin/export/accounts.xlsx"`, `id="count-sessions">1<`}},
		{"/admin/users", []string{"Wang Jun", "13800000002", "wang.jun@dealer.example", "Liu Yang", "Sun Tao", "dalian", "Salesman", "中文"}},
		{"/admin/users/new", []string{`name="phones"`, `<option value="sales_manager">Sales manager</option>`}},
		{"/admin/import", []string{`enctype="multipart/form-data"`, `<option value="accounts"`, "客户名称"}},
		{"/admin/outbox", []string{"Outbox", "(a sign-in code: never shown)"}},
		{"/admin/unresolved", []string{"Messages not carried out"}},
	} {
		st, body := c.Get(p.path)
		if st != http.StatusOK {
			t.Errorf("%s: status %d: %s", p.path, st, visible(body))
			continue
		}
		mustContain(t, body, p.want...)
	}
	// the users of the list are every user, their phones as people write them
	_, body := c.Get("/admin/users")
	mustNotContain(t, body, "+8613800000002")
}

func TestAdminForbiddenToSalesman(t *testing.T) {
	e := start(t)
	for _, name := range []string{"Wang Jun", "Liu Yang"} {
		c := e.signIn(name)
		for _, u := range adminURLs {
			var st int
			var body string
			if u.method == "GET" {
				st, body = c.Get(u.path)
			} else {
				st, body = c.Post(u.path, url.Values{"id": {"1"}, "kind": {"users"}})
			}
			if st != http.StatusForbidden {
				t.Errorf("%s: %s %s: status %d, want 403", name, u.method, u.path, st)
			}
			mustContain(t, body, "Your role may not do this.")
			mustNotContain(t, body, "wang.jun@dealer.example")
		}
	}
	// and before sign-in: the sign-in page
	c := e.client()
	if st, _ := c.Get("/admin/users"); st != http.StatusSeeOther || c.Last.Header.Get("Location") != "/signin" {
		t.Errorf("signed out: %d %s", st, c.Last.Header.Get("Location"))
	}
}

// postFile sends a multipart form with one file, as a browser's upload.
func (c *client) postFile(path string, fields url.Values, file, content string) (int, string) {
	c.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if fields.Get("csrf") == "" {
		fields.Set("csrf", c.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", file)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.e.Srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.e.Srv.URL)
	return c.do(req)
}

var uploadRE = regexp.MustCompile(`name="upload" value="([0-9a-f]+)"`)

func countKind(t *testing.T, e *env, k crm.Kind) int {
	n := 0
	e.view("Zhou Min", func(tx *crm.Tx) error {
		return tx.Each(k, func(crm.Record) bool { n++; return true })
	})
	return n
}

func TestAdminImportPreviewThenConfirm(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	before := countKind(t, e, crm.KindAccount)
	// Chinese headers; line 3 has a phone no one has, line 4 an unknown owner
	bad := "客户名称,电话,负责人,联系人,联系电话\n" +
		"鞍山重型机械,024-2281 7000,Wang Jun,张工,13901230001\n" +
		"抚顺矿业,14012345678,Wang Jun,李工,13901230002\n" +
		"本溪钢铁,024-2281 7001,Nobody Here,赵工,13901230003\n"
	c.Get("/admin/import")
	st, body := c.postFile("/admin/import", url.Values{"kind": {"accounts"}}, "客户.csv", bad)
	if st != http.StatusOK {
		t.Fatalf("preview: %d %s", st, visible(body))
	}
	mustContain(t, body, "Bad rows (2)", "Line 3:", "14012345678", "Line 4:", "Nobody Here", "Nothing is written yet",
		"Import the good rows (1) and skip the bad ones (2)")
	if n := countKind(t, e, crm.KindAccount); n != before {
		t.Fatalf("the preview wrote: %d accounts, were %d", n, before)
	}
	// confirming without skipping the bad rows writes nothing
	m := uploadRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no upload id")
	}
	st, body = c.Post("/admin/import/confirm", url.Values{"upload": {m[1]}})
	if st != http.StatusConflict || countKind(t, e, crm.KindAccount) != before {
		t.Fatalf("confirm without skip: %d, %d accounts: %s", st, countKind(t, e, crm.KindAccount), visible(body))
	}
	mustContain(t, body, "Nothing was imported: the file has bad rows.", "Line 3:")
	mustNotContain(t, body, "The data changed")

	// a good file: the preview says what it will do, the confirmation does exactly that
	good := "客户名称,电话,负责人,联系人,联系电话\n" +
		"鞍山重型机械,024-2281 7000,Wang Jun,张工,13901230001\n" +
		"抚顺<b>矿业</b>,024-2281 7002,Li Na,李工,13901230002\n"
	st, body = c.postFile("/admin/import", url.Values{"kind": {"accounts"}}, "good.csv", good)
	if st != http.StatusOK {
		t.Fatalf("preview: %d %s", st, visible(body))
	}
	mustContain(t, body, "would create 2, update 0 and leave 0 unchanged", "Import all rows (2)", "抚顺&lt;b&gt;矿业&lt;/b&gt;")
	mustNotContain(t, body, "Bad rows", "<b>矿业</b>")
	m = uploadRE.FindStringSubmatch(body)
	st, body = c.Post("/admin/import/confirm", url.Values{"upload": {m[1]}})
	if st != http.StatusOK {
		t.Fatalf("confirm: %d %s", st, visible(body))
	}
	mustContain(t, body, "Imported: 2 created, 0 updated, 0 unchanged.")
	if n := countKind(t, e, crm.KindAccount); n != before+2 {
		t.Fatalf("%d accounts after the import, want %d", n, before+2)
	}
	var found *crm.Account
	e.view("Zhou Min", func(tx *crm.Tx) error {
		return tx.Each(crm.KindAccount, func(r crm.Record) bool {
			if a := r.(*crm.Account); a.Name == "鞍山重型机械" {
				found = a
			}
			return true
		})
	})
	if found == nil || found.Owner != e.Users["Wang Jun"].ID || strings.Join(found.Phones, ",") != "+862422817000" {
		t.Fatalf("imported account: %+v", found)
	}
	// recorded in history on channel web, by the administrator
	e.view("Zhou Min", func(tx *crm.Tx) error {
		h, err := tx.History(crm.KindAccount, found.ID)
		if err != nil {
			return err
		}
		if len(h) == 0 || h[0].Channel != "web" || h[0].User != e.Users["Zhou Min"].ID || !strings.Contains(h[0].Summary, "good.csv") {
			t.Errorf("history: %+v", h)
		}
		return nil
	})
	// the same confirmation again imports nothing more
	st, body = c.Post("/admin/import/confirm", url.Values{"upload": {m[1]}})
	if st != http.StatusUnprocessableEntity || countKind(t, e, crm.KindAccount) != before+2 {
		t.Fatalf("second confirm: %d, %d accounts", st, countKind(t, e, crm.KindAccount))
	}
	mustContain(t, body, "already imported")
}

// Forms of /admin refuse a post without the session's token, and a file too
// large is said so; nothing changes.
func TestAdminCSRFAndLimits(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	users := countKind(t, e, crm.KindUser)
	c.Get("/admin/users/new")
	f := url.Values{"name": {"Chen Gang"}, "phones": {"13900000021"}, "role": {"salesman"}, "branch": {"shenyang"}, "dept": {"machines"},
		"csrf": {"0123456789abcdef0123456789abcdef"}}
	if st, body := c.Post("/admin/users", f); st != http.StatusForbidden {
		t.Errorf("no token: %d %s", st, visible(body))
	}
	if n := countKind(t, e, crm.KindUser); n != users {
		t.Fatal("stored without a token")
	}
	c.Get("/admin/import")
	big := strings.Repeat("客户名称,电话\n", (9<<20)/20)
	st, body := c.postFile("/admin/import", url.Values{"kind": {"accounts"}}, "big.csv", big)
	if st != http.StatusRequestEntityTooLarge {
		t.Errorf("9 MB: %d", st)
	}
	mustContain(t, body, "The file is too large: at most 8 MB")

	// a data administrator added on the web administers too
	c.Get("/admin/users/new")
	f = url.Values{"name": {"Gao Yan"}, "phones": {"13900000041"}, "role": {"data_admin"}, "branch": {"shenyang"}, "dept": {"admin"}, "locale": {"zh"}}
	if st, body := c.PostFollow("/admin/users", f); st != http.StatusOK || !strings.Contains(body, "Gao Yan") {
		t.Fatalf("add data admin: %d %s", st, visible(body))
	}
	e.view("Zhou Min", func(tx *crm.Tx) error {
		u, err := tx.UserByPhone("13900000041")
		e.Users["Gao Yan"] = u
		return err
	})
	g := e.signIn("Gao Yan")
	st, body = g.Get("/admin")
	if st != http.StatusOK {
		t.Fatalf("data admin: %d", st)
	}
	mustContain(t, body, "系统管理", "用户")
}
