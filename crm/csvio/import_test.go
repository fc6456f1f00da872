package csvio_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the header tables of docs/import.md from the code")

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// openStore opens an empty store on a real bbolt file.
func openStore(t *testing.T) *crm.Store {
	t.Helper()
	s, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{Now: func() time.Time { return t0 }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var importMeta = crm.Meta{Actor: crm.System, Channel: "import", Summary: "test import"}

// importCSV imports text as a CSV file of kind.
func importCSV(t *testing.T, s *crm.Store, kind, text string, o csvio.Options) (*csvio.Result, error) {
	t.Helper()
	tab, err := csvio.ReadCSV(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	o.Meta = importMeta
	return csvio.Import(context.Background(), s, kind, tab, o)
}

// mustImport imports text and fails the test on an error or a bad row.
func mustImport(t *testing.T, s *crm.Store, kind, text string) *csvio.Result {
	t.Helper()
	res, err := importCSV(t, s, kind, text, csvio.Options{})
	if err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
	if len(res.Bad) > 0 || !res.Imported {
		t.Fatalf("import %s: bad rows %v", kind, res.Bad)
	}
	return res
}

func all[T crm.Record](t *testing.T, s *crm.Store, k crm.Kind) []T {
	t.Helper()
	var out []T
	err := s.View(crm.System, func(tx *crm.Tx) error {
		return tx.Each(k, func(r crm.Record) bool { out = append(out, r.(T)); return true })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func countAll(t *testing.T, s *crm.Store) int {
	n := 0
	for _, k := range []crm.Kind{crm.KindUser, crm.KindAccount, crm.KindContact, crm.KindLead, crm.KindOpp, crm.KindActivity, crm.KindEquipment} {
		err := s.View(crm.System, func(tx *crm.Tx) error {
			return tx.Each(k, func(crm.Record) bool { n++; return true })
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

const zhUsers = "序号,姓名,手机号码（必填）,邮箱,角色,分公司,部门,上级,语言\r\n" +
	"1,王军,13801234567,wang.jun@dealer.cn,销售经理,沈阳,整机,,中文\r\n" +
	"2,李伟,139-0139-5136,liwei@dealer.cn,业务员,沈阳,整机,wang.jun@dealer.cn,中文\r\n"

// An office's sheets, headers in Chinese: every kind is read into the
// records the columns name.
func TestImportChineseHeadersCSV(t *testing.T) {
	s := openStore(t)
	mustImport(t, s, "users", zhUsers)
	us := all[*crm.User](t, s, crm.KindUser)
	if len(us) != 2 {
		t.Fatalf("%d users", len(us))
	}
	wang, li := us[0], us[1]
	if wang.Name != "王军" || wang.Role != crm.RoleSalesManager || wang.Locale != "zh" || wang.Branch != "沈阳" || wang.Dept != "整机" ||
		li.Name != "李伟" || li.Role != crm.RoleSalesman || li.Manager != wang.ID || strings.Join(li.Phones, ",") != "+8613901395136" || li.Email != "liwei@dealer.cn" {
		t.Errorf("users: %+v %+v", wang, li)
	}

	// 联系电话 is the contact's number: a mobile goes to the mobile, a
	// landline to the landline; 电话 is the company's
	mustImport(t, s, "accounts", "序号,客户名称,电话,地址,行业,区域,负责人,联系人,联系电话,职位\n"+
		"1,华鑫矿业,024-2281 5566,沈阳市浑南区,矿业,沈阳,李伟,李总,13901234501,总经理\n"+
		"2,大连港务,0411-82345678,大连,港口,大连,liwei@dealer.cn,孙工,0411-82345679,工程师\n")
	as := all[*crm.Account](t, s, crm.KindAccount)
	if len(as) != 2 {
		t.Fatalf("%d accounts", len(as))
	}
	hx := as[0]
	if hx.Name != "华鑫矿业" || strings.Join(hx.Phones, ",") != "+862422815566" || hx.Address != "沈阳市浑南区" || hx.Industry != "矿业" ||
		hx.City != "沈阳" || hx.Owner != li.ID {
		t.Errorf("account: %+v", hx)
	}
	cs := all[*crm.Contact](t, s, crm.KindContact)
	if len(cs) != 2 || cs[0].Name != "李总" || cs[0].Mobile != "+8613901234501" || cs[0].Landline != "" || cs[0].Title != "总经理" ||
		cs[1].Name != "孙工" || cs[1].Landline != "+8641182345679" || cs[1].Mobile != "" {
		t.Errorf("first contacts: %+v %+v", cs[0], cs[1])
	}

	mustImport(t, s, "contacts", "客户名称,姓名,手机,座机,邮箱,职位,备注\n"+
		"华鑫矿业,王工,13901234502,024-22815567,wg@huaxin.cn,设备主管,管三台挖机\n")
	cs = all[*crm.Contact](t, s, crm.KindContact)
	if c := cs[len(cs)-1]; len(cs) != 3 || c.Name != "王工" || c.Account != hx.ID || c.Mobile != "+8613901234502" ||
		c.Landline != "+862422815567" || c.Email != "wg@huaxin.cn" || c.Title != "设备主管" || c.Background != "管三台挖机" {
		t.Errorf("contact: %+v", c)
	}

	mustImport(t, s, "leads", "公司名称,联系人,电话,来源,介绍人,需求,预计金额,负责人\n"+
		"鞍钢矿业,赵总,13901234503,referral,王军,两台装载机,\"1,350,000\",李伟\n")
	ls := all[*crm.Lead](t, s, crm.KindLead)
	if len(ls) != 1 || ls[0].Company != "鞍钢矿业" || ls[0].Person != "赵总" || ls[0].Phone != "+8613901234503" || ls[0].Referrer != "王军" ||
		ls[0].Needs != "两台装载机" || ls[0].EstimatedValue != 135000000 || ls[0].Owner != li.ID {
		t.Errorf("lead: %+v", ls)
	}

	mustImport(t, s, "opps", "客户名称,商机名称,产品,金额,预计成交日期,阶段,竞争对手,负责人\n"+
		"华鑫矿业,华鑫 320D,2x 320D,2400000,2026-12-15,qualification,小松；三一,李伟\n")
	os := all[*crm.Opportunity](t, s, crm.KindOpp)
	if len(os) != 1 || os[0].Name != "华鑫 320D" || os[0].Account != hx.ID || os[0].Amount != 240000000 || os[0].Stage != crm.StageQualification ||
		os[0].Close.Format("2006-01-02") != "2026-12-15" || strings.Join(os[0].Competitors, "|") != "小松|三一" {
		t.Errorf("opp: %+v", os)
	}

	mustImport(t, s, "activities", "类型,主题,客户名称,负责人,截止时间,优先级,备注\n"+
		"visit,演示 320D,华鑫矿业,李伟,2026-11-25 09:30,urgent,带上报价单\n")
	acts := all[*crm.Activity](t, s, crm.KindActivity)
	if len(acts) != 1 || acts[0].Subject != "演示 320D" || acts[0].Account != hx.ID || acts[0].Owner != li.ID || acts[0].Notes != "带上报价单" ||
		acts[0].Priority != "urgent" || acts[0].Due.In(t0.Location()).Format("2006-01-02 15:04") != "2026-11-25 09:30" {
		t.Errorf("activity: %+v", acts)
	}

	mustImport(t, s, "equipment", "客户名称,品牌,型号,序列号,小时数,位置,购买日期,工况\n"+
		"华鑫矿业,CAT,320D,CAT0320DXYZ,4520,南坑,,良好\n"+
		"华鑫矿业,小松,PC200,,,,2019-05-01,\n")
	eq := all[*crm.Equipment](t, s, crm.KindEquipment)
	if len(eq) != 2 || eq[0].Serial != "CAT0320DXYZ" || eq[0].SMU != 4520 || eq[0].Location != "南坑" || eq[0].Condition != "良好" ||
		eq[1].Brand != "小松" || eq[1].Bought.Format("2006-01-02") != "2019-05-01" {
		t.Errorf("equipment: %+v", eq)
	}
}

// The same in an Excel workbook, with English synonyms and full-width
// letters in the header.
func TestImportXLSXSynonyms(t *testing.T) {
	s := openStore(t)
	mustImport(t, s, "users", zhUsers)
	f := excelize.NewFile()
	rows := [][]any{
		{"No.", "Company", "Phone", "E-Mail Address", "Salesman", "ＣＯＮＴＡＣＴ", "Mobile", "Job Title", "Industry", "Addr"},
		{1, "Huaxin Mining", "400-820-8820", "x", "liwei@dealer.cn", "Li Zong", "13901234501", "GM", "mining", "Shenyang"},
	}
	// e-mail is not a column of accounts: the first try is refused
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	var buf bytes.Buffer
	f.WriteTo(&buf)
	tab, err := csvio.ReadXLSX(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = csvio.Import(context.Background(), s, "accounts", tab, csvio.Options{Meta: importMeta})
	if err == nil || !strings.Contains(err.Error(), `unknown column "e-mail address" in the accounts file`) ||
		!strings.Contains(err.Error(), "phones (电话)") {
		t.Fatalf("e-mail in an accounts file: %v", err)
	}
	if n := len(all[*crm.Account](t, s, crm.KindAccount)); n != 0 {
		t.Fatalf("%d accounts stored after a refused header", n)
	}

	f.RemoveCol("Sheet1", "D")
	buf.Reset()
	f.WriteTo(&buf)
	tab, err = csvio.ReadXLSX(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := csvio.Import(context.Background(), s, "accounts", tab, csvio.Options{Meta: importMeta})
	if err != nil || len(res.Bad) > 0 || res.Created != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	a := all[*crm.Account](t, s, crm.KindAccount)[0]
	li := all[*crm.User](t, s, crm.KindUser)[1]
	if a.Name != "Huaxin Mining" || strings.Join(a.Phones, ",") != "+864008208820" || a.Owner != li.ID || a.Industry != "mining" || a.Address != "Shenyang" {
		t.Errorf("account: %+v", a)
	}
	c := all[*crm.Contact](t, s, crm.KindContact)[0]
	if c.Name != "Li Zong" || c.Mobile != "+8613901234501" || c.Title != "GM" {
		t.Errorf("contact: %+v", c)
	}
}

// Bad headers are refused before any row is read: nothing is stored, and
// the message names the header cell and what to write instead.
func TestImportHeaderRefused(t *testing.T) {
	s := openStore(t)
	mustImport(t, s, "users", zhUsers)
	before := countAll(t, s)
	for _, c := range []struct{ name, kind, file, want string }{
		{"Unknown", "accounts", "客户名称,传真,负责人,联系人\nACME,010-1,李伟,张伟\n",
			`unknown column "传真" in the accounts file (its columns are: id (记录id), name (客户名称), aliases (别名), phones (电话)`},
		{"UnknownTwo", "contacts", "客户,姓名,微信,QQ\nACME,张伟,zw,123\n", `unknown columns "微信", "qq" in the contacts file`},
		{"Ambiguous", "equipment", "客户,品牌,型号,日期\nACME,CAT,320D,2020-01-01\n",
			`column "日期" could be bought (购买日期), delivered (交付日期) or smu_at (读表时间): rename it to one of these`},
		{"AmbiguousLeadName", "leads", "name,phone\nACME,13901234567\n", `column "name" could be subject (主题), company (公司名称) or person (联系人)`},
		{"TwoNamesOneColumn", "accounts", "客户名称,电话,phones,联系人\nACME,010-85868466,,张伟\n", `columns "电话" and "phones" are both phones (电话): keep one`},
		{"Twice", "accounts", "name,Name\nACME,ACME\n", `column "name" appears twice in the header`},
		{"Missing", "accounts", "电话,联系人\n010-85868466,张伟\n", `the accounts file needs the column(s) "name" (客户名称)`},
		{"Empty", "accounts", "客户名称,,联系人\nACME,x,张伟\n", `column 2 of the header has no name`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := importCSV(t, s, c.kind, c.file, csvio.Options{SkipBad: true})
			var he *csvio.HeaderError
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant %s", err, c.want)
			}
			if !asHeaderError(err, &he) {
				t.Errorf("%T is not a HeaderError", err)
			}
			if n := countAll(t, s); n != before {
				t.Errorf("%d records after a refused header, %d before", n, before)
			}
		})
	}
}

func asHeaderError(err error, he **csvio.HeaderError) bool {
	e, ok := err.(*csvio.HeaderError)
	*he = e
	return ok
}

// Header names are compared without case, spaces, punctuation, full width
// and a note in brackets.
func TestHeaderNormalised(t *testing.T) {
	for in, want := range map[string]string{
		"Contact_Mobile": "contactmobile", " contact mobile ": "contactmobile", "ＣＯＮＴＡＣＴ－ＭＯＢＩＬＥ": "contactmobile",
		"手机号码（必填）": "手机号码", "*客户名称【必填】": "客户名称", "E-Mail": "email", "No.": "no", "#": "#", "（备注）": "备注",
	} {
		if got := csvio.HeaderKey(in); got != want {
			t.Errorf("HeaderKey(%q) = %q, want %q", in, got, want)
		}
	}
	s := openStore(t)
	mustImport(t, s, "users", zhUsers)
	mustImport(t, s, "accounts", "客户名称,联系人,手机,负责人\nACME,张伟,13901234500,李伟\n")
	mustImport(t, s, "contacts", " 客户名称【必填】 ,*姓名*,Ｅ－ｍａｉｌ,Tel.,Mobile Phone\nACME,Y,a@b.cn,010-85868466,13901234599\n")
	c := all[*crm.Contact](t, s, crm.KindContact)[1]
	if c.Name != "Y" || c.Email != "a@b.cn" || c.Landline != "+861085868466" || c.Mobile != "+8613901234599" {
		t.Errorf("contact: %+v", c)
	}
}

// A contacts file's 电话 is filed as mobile or landline by the number; a
// mobile column of its own wins.
func TestContactPhoneColumn(t *testing.T) {
	s := openStore(t)
	mustImport(t, s, "users", zhUsers)
	mustImport(t, s, "accounts", "客户名称,联系人,手机,负责人\nACME,张伟,13901234500,李伟\n")
	mustImport(t, s, "contacts", "客户,姓名,电话\nACME,王工,010-85868467\nACME,赵工,13901234509\n")
	cs := all[*crm.Contact](t, s, crm.KindContact)
	if len(cs) != 3 || cs[1].Landline != "+861085868467" || cs[1].Mobile != "" || cs[2].Mobile != "+8613901234509" || cs[2].Landline != "" {
		t.Errorf("contacts: %+v %+v", cs[1], cs[2])
	}
}

// Progress is drawn on a terminal at most every 250 ms of the (fake)
// clock, with rows done, rows/s and bad rows; nothing when not a terminal.
func TestImportProgress(t *testing.T) {
	s := openStore(t)
	mustImport(t, s, "users", zhUsers)
	var b strings.Builder
	b.WriteString("客户名称,联系人,手机,负责人\n")
	for i := range 400 {
		phone := fmt.Sprintf("1390000%04d", i)
		if i%100 == 7 {
			phone = "1390" // bad
		}
		fmt.Fprintf(&b, "客户%04d,张%04d,%s,李伟\n", i, i, phone)
	}
	clock := t0
	now := func() time.Time { clock = clock.Add(time.Millisecond); return clock } // 1 ms a row
	var out bytes.Buffer
	pp := csvio.NewProgressPrinter(&out, now, true)
	res, err := importCSV(t, s, "accounts", b.String(), csvio.Options{SkipBad: true, Progress: pp.Update})
	pp.Done()
	if err != nil || res.Created != 396 || len(res.Bad) != 4 {
		t.Fatalf("%v %+v", err, res)
	}
	text := out.String()
	draws := strings.Split(strings.TrimSuffix(text, "\n"), "\r")[1:]
	// 400 rows checked and 396 written at 1 ms each, drawn every 250 ms
	// and at the end of each phase
	if len(draws) != 4 {
		t.Errorf("%d redraws: %q", len(draws), text)
	}
	if !strings.Contains(text, "\rchecking: 250 of 400 rows (62%), 1,000 rows/s, 3 bad\r") {
		t.Errorf("first redraw: %q", text)
	}
	if !strings.Contains(text, "\rchecking: 400 of 400 rows (100%), 1,000 rows/s, 4 bad\r") ||
		!strings.Contains(text, "\rwriting: 250 of 396 rows (63%), 1,000 rows/s, 4 bad  \r") ||
		!strings.HasSuffix(text, "\rwriting: 396 of 396 rows (100%), 1,000 rows/s, 4 bad\n") || !strings.HasSuffix(text, "\n") {
		t.Errorf("progress: %q", text)
	}

	// not a terminal: nothing, and the nil printer is safe to call
	out.Reset()
	quiet := csvio.NewProgressPrinter(&out, now, false)
	if _, err := importCSV(t, s, "accounts", b.String(), csvio.Options{SkipBad: true, Progress: quiet.Update}); err != nil {
		t.Fatal(err)
	}
	quiet.Done()
	if out.Len() != 0 {
		t.Errorf("progress when not a terminal: %q", out.String())
	}
	if csvio.IsTerminal(&out) {
		t.Error("a buffer is not a terminal")
	}
}

// Every alias names one column of its kind, and every column it names
// exists.
func TestHeaderNamesConsistent(t *testing.T) {
	for _, k := range csvio.Kinds {
		cols, names, amb := csvio.HeaderNames(k)
		seen := map[string]string{}
		for _, c := range cols {
			for _, n := range names[c] {
				key := csvio.HeaderKey(n)
				if prev, ok := seen[key]; ok && prev != c {
					t.Errorf("%s: %q names %s and %s", k, n, prev, c)
				}
				seen[key] = c
			}
		}
		for n, cs := range amb {
			for _, c := range cs {
				if !contains(cols, c) {
					t.Errorf("%s: ambiguous %q names %s, not a column", k, n, c)
				}
			}
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// docs/import.md carries the header names as the code has them.
func TestImportDoc(t *testing.T) {
	const path = "../../docs/import.md"
	const begin, end = "<!-- header names: generated by go test ./crm/csvio -run TestImportDoc -update -->\n", "<!-- end of header names -->\n"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no section between %q and %q", path, begin, end)
	}
	want := doc[:i+len(begin)] + csvio.RenderHeaderDoc() + doc[j:]
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if doc != want {
		t.Errorf("%s differs from RenderHeaderDoc(): run go test ./crm/csvio -run TestImportDoc -update", path)
	}
}

// Phone numbers as the dealer has them, through an import: hotlines,
// landlines with area codes and extensions are an account's phones; a
// number no one has is its row's error, saying why; a user's own phone must
// take SMS.
func TestImportPhones(t *testing.T) {
	s := openStore(t)
	mustImport(t, s, "users", zhUsers)
	cases := []struct{ in, stored, bad string }{
		{"400-820-8820", "+864008208820", ""},
		{"800-820-8820", "+868008208820", ""},
		{"024-2281 5566", "+862422815566", ""},
		{"(010) 8888 6666", "+861088886666", ""},
		{"010-85868466 转 8", "+861085868466;ext=8", ""},
		{"010-85868466-8", "+861085868466;ext=8", ""},
		{"010-85868466 ext. 12", "+861085868466;ext=12", ""},
		{"13901395136", "+8613901395136", ""},
		{"+1 415 555 0100", "+14155550100", ""},
		{"14012345678", "", `phones "14012345678" is not a phone number in use: no Chinese operator has mobile numbers starting 140 (13901395136)`},
		{"+1 999 555 0100", "", `phones "+1 999 555 0100" is not a phone number in use: +1 has no such area code or range (+1 415 555 0100)`},
		{"1390", "", `phones "1390" is not a phone number`},
	}
	var b strings.Builder
	b.WriteString("客户名称,电话,联系人,负责人\n")
	for i, c := range cases {
		fmt.Fprintf(&b, "客户%d,%s,张%d,李伟\n", i, c.in, i)
	}
	res, err := importCSV(t, s, "accounts", b.String(), csvio.Options{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	bad := map[int]string{}
	for _, r := range res.Bad {
		bad[r.Line] = r.Reason
	}
	stored := map[string][]string{}
	for _, a := range all[*crm.Account](t, s, crm.KindAccount) {
		stored[a.Name] = a.Phones
	}
	for i, c := range cases {
		name := fmt.Sprintf("客户%d", i)
		if c.bad != "" {
			if !strings.Contains(bad[i+2], c.bad) || stored[name] != nil {
				t.Errorf("%q: bad %q, stored %q; want refused with %q", c.in, bad[i+2], stored[name], c.bad)
			}
			continue
		}
		if bad[i+2] != "" || strings.Join(stored[name], ",") != c.stored {
			t.Errorf("%q: bad %q, stored %q; want %s", c.in, bad[i+2], stored[name], c.stored)
		}
	}

	// exported as people write them, read back the same
	var out bytes.Buffer
	header, rows, err := csvio.Export(s, crm.System, "accounts")
	if err != nil {
		t.Fatal(err)
	}
	if err := csvio.WriteCSV(&out, header, rows); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), ",4008208820,") || !strings.Contains(out.String(), ",01085868466-8,") {
		t.Errorf("export: %s", out.String())
	}
	tab, err := csvio.ReadCSV(&out)
	if err != nil {
		t.Fatal(err)
	}
	res, err = csvio.Import(context.Background(), s, "accounts", tab, csvio.Options{Meta: importMeta})
	if err != nil || len(res.Bad) > 0 || res.Unchanged != len(tab.Rows) {
		t.Errorf("re-import of the export: %v %+v", err, res)
	}

	// a contact's mobile must be a mobile; a user's phone must take SMS
	res, _ = importCSV(t, s, "contacts", "客户名称,姓名,手机\n客户0,王工,400-820-8820\n客户0,赵工,010-85868466\n", csvio.Options{})
	if len(res.Bad) != 2 || !strings.Contains(res.Bad[0].Reason, `mobile "400-820-8820" is a 400/800 hotline, not a mobile number`) ||
		!strings.Contains(res.Bad[1].Reason, `mobile "010-85868466" is a landline, not a mobile number`) {
		t.Errorf("contacts: %+v", res.Bad)
	}
	res, _ = importCSV(t, s, "users", "姓名,手机,角色,分公司,部门\n赵六,400-820-8820,业务员,沈阳,整机\n", csvio.Options{})
	if len(res.Bad) != 1 || !strings.Contains(res.Bad[0].Reason, `"400-820-8820" is a 400/800 hotline`) {
		t.Errorf("users: %+v", res.Bad)
	}
}
