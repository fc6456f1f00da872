package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func search(t *testing.T, c *client, q string) string {
	t.Helper()
	st, body := c.Get("/search?q=" + url.QueryEscape(q))
	if st != http.StatusOK {
		t.Fatalf("search %q: %d", q, st)
	}
	return body
}

func TestSearchAccountsContactsPhones(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	acme := acctID(t, e, "ACME Mining Co.")
	// a misspelt name, as FIND reads it
	body := search(t, c, "acmee")
	mustContain(t, body, `href="/account/`+itoa(acme)+`"`, "ACME Mining Co.", "Customers")
	// a contact by name, linked to his account
	body = search(t, c, "zhang wei")
	mustContain(t, body, "Zhang Wei", "purchasing manager", "13901395136", `href="/account/`+itoa(acme)+`"`, "at ACME Mining Co.")
	// a contact by his mobile, and an account by part of its number
	body = search(t, c, "139 0139 5136")
	mustContain(t, body, "Zhang Wei", `href="/account/`+itoa(acme)+`"`)
	body = search(t, c, "024-23100000")
	mustContain(t, body, `href="/account/`+itoa(acme)+`"`, "02423100000")
	// part of a Chinese name
	huaxin := acctID(t, e, "华鑫矿业有限公司")
	body = search(t, c, "华鑫")
	mustContain(t, body, `href="/account/`+itoa(huaxin)+`"`, "华鑫矿业有限公司")
	// nothing found says so
	body = search(t, c, "zzqqxx")
	mustContain(t, body, "Nothing found for “zzqqxx”")
}

func TestSearchNeverShowsAnotherBranch(t *testing.T) {
	e := start(t)
	heavy := acctID(t, e, "大连重工机械")
	dredging := acctID(t, e, "Dalian Harbour Dredging")
	queries := []string{"大连重工机械", "大连重工", "Dalian Harbour Dredging", "dredging", "13912346001", "Qin Hai", "秦海", "Yu Bo"}
	for _, who := range []string{"Wang Jun", "Zhao Lei", "Liu Yang"} {
		c := e.signIn(who)
		for _, q := range queries {
			body := strings.ReplaceAll(search(t, c, q), q, "") // the query is echoed
			mustContain(t, body, "Nothing found", "among the records you can see")
			mustNotContain(t, body, `id="accounts"`, `id="contacts"`, `href="/account/`+itoa(heavy)+`"`, `href="/account/`+itoa(dredging)+`"`, "秦海", "Yu Bo", "13912346001", "0411")
		}
	}
	// Dalian's own salesman finds them (the test could fail)
	c := e.signIn("Ma Qiang")
	mustContain(t, search(t, c, "大连重工机械"), `href="/account/`+itoa(heavy)+`"`)
	mustContain(t, search(t, c, "Dalian Harbour Dredging"), `href="/account/`+itoa(dredging)+`"`)
	mustContain(t, search(t, c, "13912346001"), "秦海", `href="/account/`+itoa(heavy)+`"`)
}

func TestSearchChinese(t *testing.T) {
	e := start(t)
	c := e.signIn("Li Na")
	body := search(t, c, "鞍钢")
	mustContain(t, body, "搜索", "客户", "鞍钢建设集团", `href="/account/`+itoa(acctID(t, e, "鞍钢建设集团"))+`"`)
	body = search(t, c, "王强")
	mustContain(t, body, "联系人", "王强", "设备部长", "属于 鞍钢建设集团")
	body = search(t, c, "不存在的公司")
	mustContain(t, body, "在您能看到的记录里没有找到“不存在的公司”。")
	mustNotContain(t, body, "Nothing found", "Customers")
}

func TestSearchEscapes(t *testing.T) {
	e := start(t)
	c := e.signIn("Wang Jun")
	body := search(t, c, `<script>alert(1)</script>`)
	mustNotContain(t, body, "<script>")
	mustContain(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
}
