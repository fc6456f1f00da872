package web_test

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

// badRowRE reads the bad rows of an import's preview: line and reason.
var badRowRE = regexp.MustCompile(`<li><b>(?:Line |第)(\d+)(?:行)?[:：]</b> ([^<]*)</li>`)

func badRows(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range badRowRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// importUsers adds what the CLI's accounts_bad.csv names as owners (Li Wei
// by e-mail, Chen Gang by phone) and a Chinese-speaking administrator.
func importUsers(t *testing.T, e *env) {
	t.Helper()
	liu := e.Users["Liu Yang"]
	if _, err := e.Store.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "import", Summary: "owners and an administrator"}, func(tx *crm.Tx) error {
		team := crm.Base{Branch: "shenyang", Dept: "machines"}
		for _, u := range []*crm.User{
			{Base: team, Name: "李伟", Email: "liwei@dealer.cn", Phones: []string{"+8613901395136"}, Role: crm.RoleSalesman, Manager: liu.ID, Locale: "zh"},
			{Base: team, Name: "陈刚", Phones: []string{"+8613701234567"}, Role: crm.RoleSalesman, Manager: liu.ID, Locale: "zh"},
			{Base: crm.Base{Branch: "shenyang", Dept: "admin"}, Name: "吴敏", Phones: []string{"+8613800000031"}, Role: crm.RoleAdmin, Locale: "zh"},
		} {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
			e.Users[u.Name] = u
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// englishReasons is what `fieldcrm import` says of each bad row of file.
func englishReasons(t *testing.T, e *env, file string) map[string]string {
	t.Helper()
	tb, err := csvio.Read(bytes.NewReader([]byte(file)), csvio.CSV)
	if err != nil {
		t.Fatal(err)
	}
	res, err := csvio.Import(context.Background(), e.Store, "accounts", tb, csvio.Options{DryRun: true, Meta: crm.Meta{Actor: e.Users["Zhou Min"], Channel: "import"}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range res.Bad {
		out[itoa(int64(b.Line))] = b.Reason
	}
	return out
}

// Issue 19: the import preview says what is wrong with each bad row in the
// administrator's language: in Chinese for one whose locale is zh (the
// values as typed), in English exactly as `fieldcrm import` says it for the
// others. The preview writes nothing.
func TestAdminImportReasonsInChinese(t *testing.T) {
	e := start(t)
	importUsers(t, e)
	cliBad, err := os.ReadFile("../cmd/fieldcrm/testdata/accounts_bad.csv")
	if err != nil {
		t.Fatal(err)
	}
	// Chinese headers; line 3 a phone no one has, line 4 an unknown owner,
	// line 5 both, line 6 an owner several users are called
	mixed := "客户名称,电话,负责人,联系人,联系电话\n" +
		"鞍山重型机械,024-2281 7000,Wang Jun,张工,13901230001\n" +
		"抚顺矿业,14012345678,Wang Jun,李工,13901230002\n" +
		"本溪钢铁,024-2281 7001,Nobody Here,赵工,13901230003\n" +
		"辽阳水泥,1390,张三,钱工,13901230004\n" +
		"营口港机,,Li Na,孙工,13901230005,多出来的\n"
	files := []struct {
		name, data string
		zh         map[string]string // line → the Chinese reason
		en         map[string]string // line → the start of the English one
	}{
		{"accounts_bad.csv", string(cliBad), map[string]string{
			"3": `电话（phones）："1390"不是电话号码：位数太少（例如 13901395136 或 010-85868466）`,
			"5": `新客户需要第一个联系人：请填写联系人姓名（以及手机或座机）`,
			"7": `负责人（owner）：没有叫"nobody@dealer.cn"的用户（请填写姓名、邮箱、电话或编号）`,
		}, map[string]string{
			"3": `phones "1390" is not a phone number`,
			"5": `a new account needs its first contact`,
			"7": `owner "nobody@dealer.cn" is not a user`,
		}},
		{"客户.csv", mixed, map[string]string{
			"3": `电话（phones）："14012345678"不是在用的电话号码：国内没有以140开头的手机号段（例如 13901395136）`,
			"4": `负责人（owner）：没有叫"Nobody Here"的用户（请填写姓名、邮箱、电话或编号）`,
			"5": `电话（phones）："1390"不是电话号码：位数太少（例如 13901395136 或 010-85868466）；负责人（owner）：没有叫"张三"的用户（请填写姓名、邮箱、电话或编号）`,
			"6": `这一行有 6 个单元格，但表头只有 5 列`,
		}, map[string]string{
			"3": `phones "14012345678" is not a phone number in use`,
			"4": `owner "Nobody Here" is not a user`,
			"5": `phones "1390" is not a phone number: too few digits (13901395136 or 010-85868466); owner "张三" is not a user`,
			"6": `has 6 cells but the header names 5 columns`,
		}},
	}
	accounts, users := countKind(t, e, crm.KindAccount), countKind(t, e, crm.KindUser)
	zh, en := e.signIn("吴敏"), e.signIn("Zhou Min")
	for _, f := range files {
		english := englishReasons(t, e, f.data)

		zh.Get("/admin/import")
		st, body := zh.postFile("/admin/import", url.Values{"kind": {"accounts"}}, f.name, f.data)
		if st != http.StatusOK {
			t.Fatalf("%s: preview for 吴敏: %d %s", f.name, st, visible(body))
		}
		mustContain(t, body, "错误行（"+itoa(int64(len(f.zh)))+"）")
		got := badRows(t, body)
		if len(got) != len(f.zh) {
			t.Errorf("%s: 吴敏 sees bad rows %q, want lines of %q", f.name, got, f.zh)
		}
		for line, want := range f.zh {
			if got[line] != want {
				t.Errorf("%s line %s for 吴敏:\n got %q\nwant %q", f.name, line, got[line], want)
			}
		}
		mustNotContain(t, body, "is not a phone number", "is not a user", "a new account needs", "cells but the header")
		// confirmed without skipping the bad rows: nothing is written, and
		// the preview shown again says the same, in Chinese
		m := uploadRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no upload id", f.name)
		}
		st, body = zh.Post("/admin/import/confirm", url.Values{"upload": {m[1]}})
		if st != http.StatusConflict {
			t.Fatalf("%s: confirm without skip for 吴敏: %d %s", f.name, st, visible(body))
		}
		if again := badRows(t, body); len(again) != len(f.zh) || again["5"] != f.zh["5"] {
			t.Errorf("%s: the preview shown again: %q, want %q", f.name, again, f.zh)
		}

		en.Get("/admin/import")
		st, body = en.postFile("/admin/import", url.Values{"kind": {"accounts"}}, f.name, f.data)
		if st != http.StatusOK {
			t.Fatalf("%s: preview for Zhou Min: %d %s", f.name, st, visible(body))
		}
		got = badRows(t, body)
		if len(got) != len(f.en) || len(english) != len(f.en) {
			t.Errorf("%s: Zhou Min sees bad rows %q, the CLI says %q", f.name, got, english)
		}
		for line, start := range f.en {
			if got[line] != english[line] || len(english[line]) < len(start) || english[line][:len(start)] != start {
				t.Errorf("%s line %s for Zhou Min:\n got %q\n CLI %q\nwant %q…", f.name, line, got[line], english[line], start)
			}
		}
		mustNotContain(t, body, "不是电话号码", "的用户", "新客户需要")
	}
	if a, u := countKind(t, e, crm.KindAccount), countKind(t, e, crm.KindUser); a != accounts || u != users {
		t.Fatalf("the previews wrote: %d accounts (were %d), %d users (were %d)", a, accounts, u, users)
	}
}
