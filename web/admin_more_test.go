package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

func TestAdminUnresolved(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	wang, li := e.Users["Wang Jun"], e.Users["Li Na"]
	for _, m := range []struct {
		u    *crm.User
		text string
	}{{wang, "BLAH <b>acme</b> tomorrow"}, {li, "DONE #99999"}} {
		if _, err := e.Web.Do(context.Background(), m.u, "", m.text); err != nil {
			t.Fatal(err)
		}
	}
	st, body := c.Get("/admin/unresolved")
	if st != http.StatusOK {
		t.Fatal(st)
	}
	mustContain(t, body, "Not understood (1)", "Wang Jun", "BLAH &lt;b&gt;acme&lt;/b&gt; tomorrow", "Answered:",
		"Refused: not found (1)", "Li Na", "DONE #99999", "web")
	mustNotContain(t, body, "<b>acme</b>")
	_, body = c.Get("/admin")
	mustContain(t, body, `id="count-unresolved">2<`)

	// in Chinese
	c.Post("/lang", url.Values{"lang": {"zh"}, "back": {"/admin/unresolved"}})
	_, body = c.Get("/admin/unresolved")
	mustContain(t, body, "未能执行的消息", "没看懂 (1)", "拒绝：未找到 (1)", "回复：")
}

func TestAdminExport(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	st, body := c.Get("/admin/export/accounts.csv")
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, body)
	}
	if ct := c.Last.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if cd := c.Last.Header.Get("Content-Disposition"); cd != `attachment; filename="fieldcrm-accounts-2026-03-10.csv"` {
		t.Errorf("disposition %q", cd)
	}
	// the same as fieldcrm export: every account, Dalian's too
	header, rows, err := csvio.Export(e.Store, crm.System, "accounts")
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	csvio.Write(&want, csvio.CSV, "accounts", header, rows)
	if body != want.String() {
		t.Errorf("export differs from fieldcrm export:\n%s\nwant\n%s", body, want.String())
	}
	mustContain(t, body, "大连重工机械")

	st, body = c.Get("/admin/export/opps.xlsx")
	if st != http.StatusOK || c.Last.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %s", st, c.Last.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	xrows, _ := f.GetRows(f.GetSheetName(0))
	_, orows, _ := csvio.Export(e.Store, crm.System, "opportunities")
	if len(xrows) != len(orows)+1 || len(orows) == 0 {
		t.Errorf("xlsx rows %d, opportunities %d", len(xrows), len(orows))
	}
	for _, bad := range []string{"/admin/export/accounts", "/admin/export/nothing.csv", "/admin/export/accounts.pdf"} {
		if st, _ := c.Get(bad); st != http.StatusNotFound {
			t.Errorf("%s: %d", bad, st)
		}
	}
}

// An Excel file with Chinese headers: previewed with its bad row, then its
// good rows only imported when asked, exactly those previewed.
func TestAdminImportXLSXSkipBad(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	for i, row := range [][]string{
		{"姓名", "手机号码", "角色", "分公司", "部门", "上级", "语言"},
		{"陈刚", "13900000031", "销售", "shenyang", "machines", "Liu Yang", "中文"},
		{"黄磊", "024-22815566", "销售", "shenyang", "machines", "Liu Yang", "中文"},
		{"吴芳", "13900000033", "销售", "shenyang", "machines", "Liu Yang", "中文"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow(sh, cell, &row)
	}
	var buf bytes.Buffer
	f.Write(&buf)
	users := countKind(t, e, crm.KindUser)
	c.Get("/admin/import?kind=users")
	st, body := c.postFile("/admin/import", url.Values{"kind": {"users"}}, "新员工.xlsx", buf.String())
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, visible(body))
	}
	mustContain(t, body, "Bad rows (1)", "Line 3:", "landline", "would create 2, update 0", "Import the good rows (2) and skip the bad ones (1)")
	if countKind(t, e, crm.KindUser) != users {
		t.Fatal("the preview wrote")
	}
	m := uploadRE.FindStringSubmatch(body)
	st, body = c.Post("/admin/import/confirm", url.Values{"upload": {m[1]}, "skip_bad": {"1"}})
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, visible(body))
	}
	mustContain(t, body, "Imported: 2 created, 0 updated, 0 unchanged.", "Bad rows skipped: 1.")
	if n := countKind(t, e, crm.KindUser); n != users+2 {
		t.Fatalf("%d users, want %d", n, users+2)
	}
	e.view("Zhou Min", func(tx *crm.Tx) error {
		u, err := tx.UserByPhone("13900000033")
		if err != nil || u.Name != "吴芳" || u.Manager != e.Users["Liu Yang"].ID || u.Locale != "zh" {
			t.Errorf("imported: %+v %v", u, err)
		}
		return nil
	})

	// a file that is not a table at all, and no file: said, nothing written
	st, body = c.postFile("/admin/import", url.Values{"kind": {"users"}}, "x.xlsx", "not a workbook")
	if st != http.StatusUnprocessableEntity {
		t.Errorf("junk: %d", st)
	}
	mustContain(t, body, "x.xlsx cannot be read")
	st, body = c.postFile("/admin/import", url.Values{"kind": {"accounts"}}, "h.csv", "foo,bar\n1,2\n")
	if st != http.StatusUnprocessableEntity {
		t.Errorf("bad header: %d", st)
	}
	mustContain(t, body, "h.csv was not imported")
}

// A message refused because the account was not there yet: once it is
// imported, the administrator sees what it would do now (nothing changes),
// then has it carried out as its sender.
func TestAdminUnresolvedRerun(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	wang := e.Users["Wang Jun"]
	res, err := e.Web.Do(context.Background(), wang, "", "VISIT 鞍山重型机械; met 张工; wants 2 loaders")
	if err != nil || res.Code == "" {
		t.Fatalf("first: %+v %v", res, err)
	}
	var msgID int64
	e.view("Zhou Min", func(tx *crm.Tx) error {
		l, err := tx.UnresolvedList(crm.UnresolvedFilter{})
		if err != nil || len(l) != 1 {
			t.Fatalf("unresolved: %v %v", l, err)
		}
		msgID = l[0].ID
		return nil
	})
	id := strconv.FormatInt(msgID, 10)
	c.Get("/admin/unresolved")
	st, body := c.Post("/admin/unresolved/check", url.Values{"id": {id}})
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, visible(body))
	}
	mustContain(t, body, "Now it would still not be carried out:")
	mustNotContain(t, body, "Carry it out as")

	c.Get("/admin/import")
	_, body = c.postFile("/admin/import", url.Values{"kind": {"accounts"}}, "a.csv",
		"客户名称,电话,负责人,联系人,联系电话\n鞍山重型机械,024-2281 7000,Wang Jun,张工,13901230001\n")
	m := uploadRE.FindStringSubmatch(body)
	c.Post("/admin/import/confirm", url.Values{"upload": {m[1]}})
	visits := countKind(t, e, crm.KindActivity)

	c.Get("/admin/unresolved")
	st, body = c.Post("/admin/unresolved/check", url.Values{"id": {id}})
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, visible(body))
	}
	mustContain(t, body, "Now it would be carried out", "Carry it out as Wang Jun", "VISIT 鞍山重型机械; met 张工; wants 2 loaders")
	if n := countKind(t, e, crm.KindActivity); n != visits {
		t.Fatalf("the check wrote: %d activities, were %d", n, visits)
	}
	_, body = c.PostFollow("/admin/unresolved/rerun", url.Values{"id": {id}})
	mustContain(t, body, "#"+id+" carried out as Wang Jun")
	if n := countKind(t, e, crm.KindActivity); n != visits+1 {
		t.Fatalf("%d activities after the rerun, want %d", n, visits+1)
	}
	_, body = c.Get("/admin/unresolved")
	mustContain(t, body, "Every message was carried out.")
	// a second time: refused, nothing more written
	_, body = c.PostFollow("/admin/unresolved/rerun", url.Values{"id": {id}})
	mustContain(t, body, "was already run again")
	if n := countKind(t, e, crm.KindActivity); n != visits+1 {
		t.Fatalf("%d activities after a second rerun", n)
	}
}

// A file not confirmed within the hour is gone: its confirmation writes
// nothing, and the file is not kept.
func TestAdminImportExpires(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	before := countKind(t, e, crm.KindAccount)
	c.Get("/admin/import")
	_, body := c.postFile("/admin/import", url.Values{"kind": {"accounts"}}, "a.csv",
		"客户名称,电话,负责人,联系人,联系电话\n鞍山重型机械,024-2281 7000,Wang Jun,张工,13901230001\n")
	m := uploadRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal(visible(body))
	}
	e.Clock.Add(61 * time.Minute)
	c.Get("/admin/import")
	if n := uploads(t, e); n != 0 {
		t.Errorf("%d uploads kept after the hour", n)
	}
	st, body := c.Post("/admin/import/confirm", url.Values{"upload": {m[1]}})
	if st != http.StatusUnprocessableEntity || countKind(t, e, crm.KindAccount) != before {
		t.Fatalf("late confirmation: %d, %d accounts", st, countKind(t, e, crm.KindAccount))
	}
	mustContain(t, body, "waited more than an hour")
}

func uploads(t *testing.T, e *env) int {
	n := 0
	e.Store.Engine().View(context.Background(), func(tx crm.ETx) error {
		n = tx.State("web/uploads").Count()
		return nil
	})
	return n
}

// The confirmation writes only what was previewed: when the data changed
// in between (the same file imported from another preview), it shows the
// new preview instead of writing.
func TestAdminImportChangedSincePreview(t *testing.T) {
	e := start(t)
	c := e.signIn("Zhou Min")
	file := "客户名称,电话,负责人,联系人,联系电话\n鞍山重型机械,024-2281 7000,Wang Jun,张工,13901230001\n"
	c.Get("/admin/import")
	_, body := c.postFile("/admin/import", url.Values{"kind": {"accounts"}}, "a.csv", file)
	first := uploadRE.FindStringSubmatch(body)
	_, body = c.postFile("/admin/import", url.Values{"kind": {"accounts"}}, "a.csv", file)
	second := uploadRE.FindStringSubmatch(body)
	if st, body := c.Post("/admin/import/confirm", url.Values{"upload": {second[1]}}); st != http.StatusOK {
		t.Fatalf("%d %s", st, visible(body))
	}
	accounts := countKind(t, e, crm.KindAccount)
	st, body := c.Post("/admin/import/confirm", url.Values{"upload": {first[1]}})
	if st != http.StatusConflict {
		t.Fatalf("stale confirmation: %d %s", st, visible(body))
	}
	mustContain(t, body, "The data changed since the check", "would create 0, update 0 and leave 1 unchanged")
	if countKind(t, e, crm.KindAccount) != accounts {
		t.Fatal("a stale confirmation wrote")
	}
}
