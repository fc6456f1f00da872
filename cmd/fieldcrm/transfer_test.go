package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

func records(t *testing.T, db string, k crm.Kind) []crm.Record {
	var rs []crm.Record
	view(t, db, func(tx *crm.Tx) error {
		return tx.Each(k, func(r crm.Record) bool { rs = append(rs, r); return true })
	})
	return rs
}

func importFixtures(t *testing.T, db string) {
	t.Helper()
	if out := mustRun(t, "import", "users", "testdata/users.csv", "--db", db); out != "imported 4 users: 4 created\n" {
		t.Fatalf("users: %q", out)
	}
}

func TestImportFixture(t *testing.T) {
	db := newDB(t)
	importFixtures(t, db)
	us := records(t, db, crm.KindUser)
	// the managers come first (rows are ordered by their references) and
	// the byte order mark does not spoil the first column's name
	byName := map[string]*crm.User{}
	for _, r := range us {
		byName[r.(*crm.User).Name] = r.(*crm.User)
	}
	li, wang, zhao, chen := byName["李伟"], byName["Wang Jun"], byName["Zhao Min"], byName["Chen, Gang"]
	if li == nil || wang == nil || zhao == nil || chen == nil {
		t.Fatalf("users: %v", byName)
	}
	if li.Manager != wang.ID || wang.Manager != zhao.ID || li.Locale != "zh" || li.Email != "liwei@dealer.cn" ||
		strings.Join(chen.Phones, ",") != "+8613701234567,+8613701234568" || zhao.Role != crm.RoleDirector {
		t.Errorf("users not as in the file: %+v %+v %+v", li, wang, chen)
	}

	out := mustRun(t, "import", "accounts", "testdata/accounts.csv", "--db", db)
	if out != "imported 3 accounts: 3 created\n" {
		t.Errorf("accounts: %q", out)
	}
	accts := records(t, db, crm.KindAccount)
	if len(accts) != 3 {
		t.Fatalf("%d accounts", len(accts))
	}
	acme, huaxin := accts[0].(*crm.Account), accts[1].(*crm.Account)
	if acme.Name != "ACME Mining Co." || strings.Join(acme.Aliases, "|") != "ACME|艾克米" || acme.Phones[0] != "+861085868466" ||
		acme.Owner != li.ID || acme.Branch != "Shenyang" || acme.City != "Shenyang" {
		t.Errorf("account: %+v", acme)
	}
	if huaxin.Name != "华鑫矿业" {
		t.Errorf("Chinese name: %q", huaxin.Name)
	}
	var cs []*crm.Contact
	view(t, db, func(tx *crm.Tx) (err error) { cs, err = tx.ContactsOf(huaxin.ID); return err })
	if len(cs) != 1 || cs[0].Name != "李总" || cs[0].Title != "总经理" || cs[0].Mobile != "+8613901234501" || cs[0].Owner != li.ID {
		t.Errorf("first contact: %+v", cs)
	}
	out = mustRun(t, "import", "opps", "testdata/opportunities.csv", "--db", db)
	if out != "imported 2 opportunities: 2 created\n" {
		t.Errorf("opps: %q", out)
	}
	o := records(t, db, crm.KindOpp)[0].(*crm.Opportunity)
	close := time.Date(2026, 12, 15, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	if o.Amount != 240000000 || o.Stage != crm.StageQualification || !o.Close.Equal(close) || len(o.Products) != 2 ||
		o.Products[0] != (crm.ProductLine{Model: "320D", Qty: 2}) || strings.Join(o.Competitors, "|") != "Komatsu|SANY" ||
		len(o.People) != 2 || o.People[1] != (crm.OppPerson{Name: "王工", Role: crm.RoleTechnical}) {
		t.Errorf("opp: %+v", o)
	}
	if o2 := records(t, db, crm.KindOpp)[1].(*crm.Opportunity); o2.Amount != 135000000 || o2.Owner != li.ID {
		t.Errorf("opp without owner takes the account's; amount with commas: %+v", o2)
	}

	t.Run("ReimportUpdatesOnly", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "accounts.csv")
		mustRun(t, "export", "accounts", "--db", db, "-o", f)
		mustRun(t, "import", "accounts", f, "--db", db)
		if n := len(records(t, db, crm.KindAccount)); n != 3 {
			t.Errorf("re-import created accounts: %d", n)
		}
		if n := len(records(t, db, crm.KindContact)); n != 3 {
			t.Errorf("re-import created contacts: %d", n)
		}
	})
}

func TestImportBadRows(t *testing.T) {
	db := newDB(t)
	importFixtures(t, db)
	wantBad := []string{
		`testdata/accounts_bad.csv: line 3: phones "1390" is not a phone number`,
		`testdata/accounts_bad.csv: line 5: a new account needs its first contact`,
		`testdata/accounts_bad.csv: line 7: owner "nobody@dealer.cn" is not a user`,
	}
	out, errOut, code := runCmd(t, "import", "accounts", "testdata/accounts_bad.csv", "--db", db)
	if code != 1 || out != "" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 4 {
		t.Fatalf("stderr:\n%s", errOut)
	}
	for i, w := range wantBad {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want %q", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[3], "nothing imported: 3 bad rows") || !strings.Contains(lines[3], "--skip-bad") {
		t.Errorf("summary: %q", lines[3])
	}
	if n := len(records(t, db, crm.KindAccount)); n != 0 {
		t.Fatalf("a file with bad rows imported %d accounts", n)
	}
	if n := len(records(t, db, crm.KindContact)); n != 0 {
		t.Fatalf("a file with bad rows imported %d contacts", n)
	}

	t.Run("SkipBad", func(t *testing.T) {
		out, errOut, code := runCmd(t, "import", "accounts", "testdata/accounts_bad.csv", "--skip-bad", "--db", db)
		if code != 0 || out != "imported 4 accounts: 4 created (3 bad rows skipped)\n" {
			t.Errorf("exit %d, stdout %q", code, out)
		}
		for _, w := range wantBad {
			if !strings.Contains(errOut, w) {
				t.Errorf("bad row not listed: %q\n%s", w, errOut)
			}
		}
		var names []string
		for _, r := range records(t, db, crm.KindAccount) {
			names = append(names, r.(*crm.Account).Name)
		}
		if strings.Join(names, ",") != "Good One Ltd,Good Two Ltd,Good Three Ltd,Good Four Ltd" {
			t.Errorf("imported %v", names)
		}
		if n := len(records(t, db, crm.KindContact)); n != 4 {
			t.Errorf("%d contacts", n)
		}
	})
}

func TestImportRefusals(t *testing.T) {
	db := newDB(t)
	importFixtures(t, db)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, kind, file, want string
	}{
		{"ErrUnknownColumn", "accounts", "testdata/accounts_unknown.csv", `unknown columns "fax", "vip" in the accounts file`},
		{"ErrMissingColumn", "contacts", write("c.csv", "account,mobile\n1,13901234567\n"), `needs the column(s) "name"`},
		{"ErrUnknownKind", "customers", "testdata/accounts.csv", `unknown kind "customers"`},
		{"ErrNotUTF8", "accounts", write("gbk.csv", "name,owner,contact_name\n\xc4\xe3\xba\xc3,3,x\n"), `line 2: the file is not UTF-8 text`},
		{"ErrNotExcel", "accounts", write("x.xlsx", "name\nfoo\n"), "not an Excel (.xlsx) file"},
		{"ErrBadCells", "opps", write("o.csv", "account,amount,close,stage,products\n1,12k,31/12,closing,x 320D\n"),
			`line 2: account "1" is not a stored account: no account has this id (import the accounts first, or give the account's name); amount "12k" is not an amount (write 2400000.00); close "31/12" is not a date`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errOut, code := runCmd(t, "import", c.kind, c.file, "--db", db)
			if code == 0 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d: %s\nwant %q", code, errOut, c.want)
			}
			if n := len(records(t, db, crm.KindAccount)); n != 0 {
				t.Errorf("%d accounts imported", n)
			}
		})
	}
}

// seed fills a database through crm's own API with records in every state
// an export must carry: stage history, lost and won deals, a removed
// contact, a converted lead, finished and reassigned activities, machines.
func seed(t *testing.T, db string) {
	t.Helper()
	s, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	do := func(fn func(tx *crm.Tx) error) {
		t.Helper()
		if _, err := s.Update(ctx, crm.Meta{Actor: crm.System, Channel: "test"}, fn); err != nil {
			t.Fatal(err)
		}
	}
	loc := s.Location()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	do(func(tx *crm.Tx) error {
		for _, u := range []*crm.User{
			{Name: "Zhao Min", Email: "zhao@dealer.cn", Role: crm.RoleDirector},
			{Name: "Wang Jun", Phones: []string{"13801234567"}, Email: "wang@dealer.cn", Role: crm.RoleSalesManager, Base: crm.Base{Branch: "Shenyang", Dept: "machines"}, Manager: 1},
			{Name: "李伟", Phones: []string{"13901395136", "13901395137"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "Shenyang", Dept: "machines"}, Manager: 2, Locale: "zh", TZ: "Asia/Shanghai", OptedOut: true},
			{Name: "Chen, Gang", Phones: []string{"+1 415 555 0100"}, Role: crm.RoleCSR, Base: crm.Base{Branch: "Dalian", Dept: "parts"}, Disabled: true},
		} {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		acme := &crm.Account{Base: crm.Base{Owner: 3}, Name: "ACME Mining Co.", Aliases: []string{"ACME", "艾克米"},
			Phones: []string{"024-85868466", "13901234599"}, Address: "1 Mine Rd, \"North\" gate", City: "Shenyang", Industry: "mining",
			Team: []int64{2}, Background: crm.Background{FuturePlans: "expand; 2 pits", Influence: "high", Assets: "=SUM(A1)", CashFlow: "ok"}}
		if err := tx.CreateAccount(acme, &crm.Contact{Name: "Zhang Wei", Mobile: "13901234500", Title: "purchasing manager"},
			&crm.Contact{Name: "王工", Landline: "0411-82345679", Email: "Wang@ACME.cn", Background: "engineer\nsecond line"}); err != nil {
			return err
		}
		sub := &crm.Account{Base: crm.Base{Owner: 3}, Name: "ACME Pit 2", Parent: acme.ID, Blacklisted: true}
		if err := tx.CreateAccount(sub, &crm.Contact{Name: "Liu Qiang", Mobile: "13901234502"}); err != nil {
			return err
		}
		old := &crm.Account{Base: crm.Base{Owner: 2}, Name: "Old Quarry", Status: crm.AccountInactive, InactiveReason: "closed down"}
		return tx.CreateAccount(old, &crm.Contact{Name: "Sun Li", Mobile: "13901234503"})
	})
	do(func(tx *crm.Tx) error {
		// a phone change leaves a history; a removed contact stays on file
		if _, err := tx.UpdateAccount(1, func(a *crm.Account) error { a.Phones = []string{"024-85868467"}; return nil }); err != nil {
			return err
		}
		_, err := tx.RemoveContact(2, "left the company")
		return err
	})
	do(func(tx *crm.Tx) error {
		for _, l := range []*crm.Lead{
			{Base: crm.Base{Owner: 3}, Company: "华鑫矿业", Person: "李总", Phone: "13901234567", Source: "referral", Referrer: "Wang Jun", Needs: "2 loaders", EstimatedValue: 135000050},
			{Base: crm.Base{Owner: 3}, Subject: "website enquiry", Source: "web", Status: crm.LeadDisqualified, Reason: "student"},
			{Base: crm.Base{Owner: 3}, Company: "Huaxin Sand", Person: "Gao Lin", Phone: "13901234568", Source: "ad"},
		} {
			if err := tx.CreateLead(l); err != nil {
				return err
			}
		}
		_, _, _, err := tx.ConvertLead(3, crm.Conversion{City: "Anshan", Industry: "sand", Amount: 50000000, Close: day(2027, 3, 1)})
		return err
	})
	do(func(tx *crm.Tx) error {
		o := &crm.Opportunity{Base: crm.Base{Owner: 3}, Name: "ACME 320D fleet", Account: 1, Category: "machines", Source: "referral",
			Products: []crm.ProductLine{{Model: "320D", Qty: 2}, {Model: "950H", Qty: 1}}, Amount: 240000000, Close: day(2026, 12, 15),
			Delivery: day(2027, 2, 1), Needs: "fleet renewal", Strengths: "service", Weaknesses: "price", Competitors: []string{"Komatsu"},
			People: []crm.OppPerson{{Contact: 1, Name: "Zhang Wei", Role: "economic_buyer"}, {Name: "Ma: the driver", Role: "user"}}}
		if err := tx.CreateOpp(o); err != nil {
			return err
		}
		for _, mv := range []crm.StageMove{{To: crm.StageQualification}, {To: crm.StageDevelopment}, {To: crm.StageQualification, Reason: "budget frozen"}} {
			if _, err := tx.SetOppStage(o.ID, mv); err != nil {
				return err
			}
		}
		lost := &crm.Opportunity{Base: crm.Base{Owner: 3}, Name: "Pit 2 dozer", Account: 2, Amount: 80000000}
		if err := tx.CreateOpp(lost); err != nil {
			return err
		}
		if _, err := tx.SetOppStage(lost.ID, crm.StageMove{To: crm.StageLost, Competitor: "SANY", Reason: "price"}); err != nil {
			return err
		}
		won := &crm.Opportunity{Base: crm.Base{Owner: 2}, Name: "Quarry parts", Account: 3, Amount: 1234567}
		if err := tx.CreateOpp(won); err != nil {
			return err
		}
		_, err := tx.SetOppStage(won.ID, crm.StageMove{To: crm.StageWon, Amount: 1300000})
		return err
	})
	do(func(tx *crm.Tx) error {
		acts := []*crm.Activity{
			{Base: crm.Base{Owner: 3}, Type: "visit", Subject: "demo 320D", Account: 1, Contact: 1, Opp: 2, Due: time.Date(2026, 11, 25, 9, 30, 0, 0, loc), Priority: crm.PriorityUrgent},
			{Base: crm.Base{Owner: 3}, Type: "call", Subject: "price follow-up", Account: 1, Status: crm.StatusDone, Outcome: "wants a quote", Notes: "called twice"},
			{Base: crm.Base{Owner: 3}, Type: "task", Subject: "send brochure", Lead: 1, Status: crm.StatusRejected, Outcome: "no brochure in stock"},
			{Base: crm.Base{Owner: 3}, Type: "meeting", Subject: "site survey", Account: 2, Due: day(2026, 12, 1), AssignedBy: 2, AssignedAt: time.Date(2026, 11, 20, 8, 0, 0, 0, loc)},
		}
		for _, a := range acts {
			if err := tx.CreateActivity(a); err != nil {
				return err
			}
		}
		_, err := tx.AssignActivity(4, 2)
		return err
	})
	do(func(tx *crm.Tx) error {
		for _, e := range []*crm.Equipment{
			{Base: crm.Base{Owner: 3}, Account: 1, Brand: "CAT", Model: "320D", Serial: "CAT0320DXYZ", SMU: 4520, GPS: "on", Location: "Shenyang pit", Year: 2018, Delivered: day(2018, 6, 1), Condition: "good"},
			{Base: crm.Base{Owner: 3}, Account: 1, Brand: "Komatsu", Model: "PC200", Bought: day(2019, 5, 1), RepairNeeds: "hydraulics"},
		} {
			if err := tx.SaveEquipment(e); err != nil {
				return err
			}
		}
		return nil
	})
}

var kindOf = map[string]crm.Kind{"users": crm.KindUser, "accounts": crm.KindAccount, "contacts": crm.KindContact, "leads": crm.KindLead,
	"opportunities": crm.KindOpp, "activities": crm.KindActivity, "equipment": crm.KindEquipment}

// comparable turns a record into its JSON fields with every time in UTC and
// what an import cannot carry over left out.
func comparable(t *testing.T, r crm.Record) map[string]any {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	delete(m, "updated") // the import's time: crm sets it on every write
	if r.RecordKind() == crm.KindEquipment {
		// crm adds a reading and sets smu_at at the import's time when it
		// creates a machine with an SMU, condition or location
		delete(m, "history")
		delete(m, "smu_at")
	}
	return utcTimes(m).(map[string]any)
}

func utcTimes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = utcTimes(x)
		}
	case []any:
		for i, x := range v {
			v[i] = utcTimes(x)
		}
	case string:
		if tm, err := time.Parse(time.RFC3339Nano, v); err == nil && strings.Contains(v, "T") {
			return tm.UTC().Format(time.RFC3339Nano)
		}
	}
	return v
}

// toSecond truncates the times (in UTC, as utcTimes wrote them) of a
// decoded record to the second, except those of its stage history (JSON in
// the file, kept whole).
func toSecond(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k != "stage_history" && k != "phone_history" && k != "history" {
				v[k] = toSecond(x)
			}
		}
	case string:
		if tm, err := time.Parse(time.RFC3339Nano, v); err == nil && strings.Contains(v, "T") {
			return tm.Truncate(time.Second).Format(time.RFC3339Nano)
		}
	}
	return v
}

func TestRoundtrip(t *testing.T) {
	src := newDB(t)
	seed(t, src)
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "copy.db")
			for _, kind := range csvio.Kinds {
				f := filepath.Join(dir, kind+"."+format)
				if out := mustRun(t, "export", kind, "--db", src, "-o", f); !strings.HasPrefix(out, "exported ") {
					t.Errorf("export: %q", out)
				}
				out := mustRun(t, "import", kind, f, "--db", dst)
				want := len(records(t, src, kindOf[kind]))
				if !strings.HasPrefix(out, "imported "+itoa(want)+" "+kind) {
					t.Errorf("import %s: %q, want %d rows", kind, out, want)
				}
			}
			for _, kind := range csvio.Kinds {
				a, b := records(t, src, kindOf[kind]), records(t, dst, kindOf[kind])
				if len(a) != len(b) {
					t.Errorf("%s: %d records, %d after the roundtrip", kind, len(a), len(b))
					continue
				}
				for i := range a {
					ca, cb := comparable(t, a[i]), comparable(t, b[i])
					if format == "xlsx" { // an Excel date cell keeps a time to the second
						ca, cb = toSecond(ca).(map[string]any), toSecond(cb).(map[string]any)
					}
					if !reflect.DeepEqual(ca, cb) {
						ja, _ := json.Marshal(ca)
						jb, _ := json.Marshal(cb)
						t.Errorf("%s #%d differs after the roundtrip:\n was %s\n now %s", kind, a[i].RecordID(), ja, jb)
					}
				}
			}
			// new records after the import get new ids: the imported ones are never reused
			mustRun(t, "user", "add", "--db", dst, "--name", "New Man", "--email", "new@dealer.cn", "--role", "director")
			if us := records(t, dst, crm.KindUser); us[len(us)-1].RecordID() != 5 {
				t.Errorf("new user got id %d", us[len(us)-1].RecordID())
			}
		})
	}
	t.Run("StdoutCSV", func(t *testing.T) {
		out := mustRun(t, "export", "contacts", "--db", src)
		if !strings.HasPrefix(out, "\ufeffid,account,name,mobile,landline,") || !strings.Contains(out, "\r\n") {
			t.Errorf("csv on stdout: %q", out)
		}
		if !strings.Contains(out, "2,1,王工,,041182345679,wang@acme.cn,,\"engineer\r\nsecond line\",3,yes,left the company,") {
			t.Errorf("removed contact row missing:\n%s", out)
		}
		out = mustRun(t, "export", "accounts", "--db", src)
		if !strings.Contains(out, ",'=SUM(A1),") {
			t.Errorf("a formula-like cell is not neutralised:\n%s", out)
		}
		_, errOut, code := runCmd(t, "export", "accounts", "--format", "xlsx", "--db", src)
		if code != 2 || !strings.Contains(errOut, "needs -o FILE") {
			t.Errorf("xlsx to stdout: exit %d %s", code, errOut)
		}
	})
}

func TestImportMovesStage(t *testing.T) {
	db := newDB(t)
	seed(t, db)
	f := filepath.Join(t.TempDir(), "opps.csv")
	mustRun(t, "export", "opps", "--db", db, "-o", f)
	b, _ := os.ReadFile(f)
	// opportunity #2 is at qualification: move it on with a file; #3 was lost
	lines := strings.Split(string(b), "\r\n")
	if !strings.Contains(lines[2], ",qualification,") {
		t.Fatalf("row: %s", lines[2])
	}
	lines[2] = strings.Replace(lines[2], ",qualification,", ",development,", 1)
	lines[2] = strings.Replace(lines[2], ",2400000.00,", ",2500000.00,", 1)
	lines[3] = strings.Replace(lines[3], ",lost,", ",proposal,", 1) // reopening needs a reason
	os.WriteFile(f, []byte(strings.Join(lines, "\r\n")), 0o600)
	_, errOut, code := runCmd(t, "import", "opps", f, "--db", db)
	if code != 1 || !strings.Contains(errOut, "line 4: Reopening a closed opportunity needs a reason") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	out := mustRun(t, "import", "opps", f, "--db", db, "--skip-bad")
	if out != "imported 3 opportunities: 1 updated, 2 unchanged (1 bad row skipped)\n" {
		t.Errorf("import: %q", out)
	}
	o := records(t, db, crm.KindOpp)[1].(*crm.Opportunity)
	h := o.StageHistory[len(o.StageHistory)-1]
	if o.Stage != crm.StageDevelopment || o.Amount != 250000000 || h.From != crm.StageQualification || h.To != crm.StageDevelopment ||
		o.Probability != crm.StageDevelopment.DefaultProbability() || len(o.StageHistory) != 4 {
		t.Errorf("opp: stage %v amount %v history %+v", o.Stage, o.Amount, h)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestReimportUnchanged: importing an export into the database it came from
// changes nothing (not even a removed contact, which crm would refuse to save).
func TestReimportUnchanged(t *testing.T) {
	db := newDB(t)
	seed(t, db)
	var files []string
	for _, kind := range csvio.Kinds {
		files = append(files, kind+".csv")
	}
	for _, kind := range csvio.Kinds {
		files = append(files, kind+".xlsx") // an Excel file keeps times to the second: still unchanged
	}
	for _, file := range files {
		kind, _, _ := strings.Cut(file, ".")
		f := filepath.Join(t.TempDir(), file)
		mustRun(t, "export", kind, "--db", db, "-o", f)
		before := map[int64]string{}
		for _, r := range records(t, db, kindOf[kind]) {
			b, _ := json.Marshal(r)
			before[r.RecordID()] = string(b)
		}
		out := mustRun(t, "import", kind, f, "--db", db)
		n := len(before)
		if want := "imported " + itoa(n) + " " + kind + ": " + itoa(n) + " unchanged\n"; out != want {
			t.Errorf("%q, want %q", out, want)
		}
		for _, r := range records(t, db, kindOf[kind]) {
			if b, _ := json.Marshal(r); before[r.RecordID()] != string(b) {
				t.Errorf("%s #%d changed:\n%s\n%s", kind, r.RecordID(), before[r.RecordID()], b)
			}
		}
	}
}
