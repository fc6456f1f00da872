package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Importing the same accounts file twice creates nothing the second time:
// rows without an id are taken for the stored account with the same name
// and phone, and the output says which (issue 14 point 14).
func TestReimportSameFileDoesNotDuplicate(t *testing.T) {
	db := newDB(t)
	importFixtures(t, db)
	mustRun(t, "import", "accounts", "testdata/accounts.csv", "--db", db)
	before := len(records(t, db, crm.KindAccount))
	out := mustRun(t, "import", "accounts", "testdata/accounts.csv", "--db", db)
	for _, want := range []string{
		"imported 3 accounts: 3 unchanged\n",
		"3 rows without an id were taken for stored accounts:\n",
		"  line 2: ACME Mining Co. is #1 (same name and phone 01085868466)\n",
		"  line 3: 华鑫矿业 is #2 (same name and phone 13901234501)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("second import says:\n%s\nwant %q", out, want)
		}
	}
	if strings.Contains(out, "duplicate") {
		t.Errorf("a re-import reports duplicates:\n%s", out)
	}
	if n := len(records(t, db, crm.KindAccount)); n != before || n != 3 {
		t.Errorf("%d accounts after the second import, %d before", n, before)
	}
	if n := len(records(t, db, crm.KindContact)); n != 3 {
		t.Errorf("%d contacts after the second import, want 3", n)
	}

	// a changed row updates the account it matches
	f := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(f, []byte("name,phones,city,owner,contact_name,contact_mobile\nacme mining co.,010-85868466,Fushun,Wang Jun,Zhang Wei,13901234500\n"), 0o600)
	out = mustRun(t, "import", "accounts", f, "--db", db)
	if !strings.HasPrefix(out, "imported 1 accounts: 1 updated\n1 row without an id was taken for stored accounts") {
		t.Errorf("update by match: %q", out)
	}
	var acme *crm.Account
	view(t, db, func(tx *crm.Tx) (err error) { acme, err = tx.Account(1); return err })
	var wang *crm.User
	view(t, db, func(tx *crm.Tx) (err error) { wang, err = tx.UserByEmail("wang.jun@dealer.cn"); return err })
	if acme.City != "Fushun" || acme.Owner != wang.ID {
		t.Errorf("matched account: city %q owner #%d (owner given by name: Wang Jun is #%d)", acme.City, acme.Owner, wang.ID)
	}
	if n := len(records(t, db, crm.KindAccount)); n != 3 {
		t.Errorf("%d accounts", n)
	}
}

// Import errors name the real problem; owners and accounts may be given by
// name (issue 14 point 15).
func TestImportErrorsNameTheProblem(t *testing.T) {
	db := newDB(t)
	importFixtures(t, db)
	mustRun(t, "import", "accounts", "testdata/accounts.csv", "--db", db)
	dir := t.TempDir()
	f := filepath.Join(dir, "c.csv")
	os.WriteFile(f, []byte("account,name,mobile,owner\n99,Li Si,13912345678,\nACME Mining Co.,Wang Wu,13912345679,Wang Jun\nNo Such Mining,Zhao Liu,13912345670,\n华鑫矿业,Qian Qi,13912345671,Nobody Here\n"), 0o600)
	_, errOut, code := runCmd(t, "import", "contacts", f, "--db", db)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		`line 2: account "99" is not a stored account: no account has this id`,
		`line 4: account "No Such Mining" is not a stored account`,
		`line 5: owner "Nobody Here" is not a user (give a name, e-mail, phone or id)`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr:\n%s\nwant %q", errOut, want)
		}
	}
	if strings.Contains(errOut, "needs an owner") || strings.Contains(errOut, "line 3") {
		t.Errorf("stderr:\n%s", errOut)
	}
	out := mustRun(t, "import", "contacts", f, "--db", db, "--skip-bad")
	if !strings.HasPrefix(out, "imported 1 contacts: 1 created") {
		t.Errorf("skip-bad: %q", out)
	}
	var wang *crm.User
	view(t, db, func(tx *crm.Tx) (err error) { wang, err = tx.UserByEmail("wang.jun@dealer.cn"); return err })
	for _, r := range records(t, db, crm.KindContact) {
		if c := r.(*crm.Contact); c.Name == "Wang Wu" && (c.Account != 1 || c.Owner != wang.ID) {
			t.Errorf("Wang Wu stored as %+v", c)
		}
	}
}

// Likely duplicates are listed after an import; merge puts one account into
// the other with everything that hangs on it, and keeps the history
// (issue 14 point 14).
func TestMergeAccountsAndContacts(t *testing.T) {
	db := newDB(t)
	importFixtures(t, db)
	mustRun(t, "import", "accounts", "testdata/accounts.csv", "--db", db)
	f := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(f, []byte("name,phones,owner,contact_name,contact_mobile\nHuaxin Mining Group,024-22334455,Wang Jun,李总,13901234501\n"), 0o600)
	out := mustRun(t, "import", "accounts", f, "--db", db)
	want := "imported 1 accounts: 1 created\n1 likely duplicate; check each, then put two together with fieldcrm merge account KEEP OTHER:\n" +
		"  #2 华鑫矿业 and #4 Huaxin Mining Group: same phone 13901234501 (fieldcrm merge account 2 4)\n"
	if out != want {
		t.Errorf("import says:\n%s\nwant:\n%s", out, want)
	}
	// a deal and a visit at the duplicate
	s, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var opp, visit int64
	_, err = s.Update(t.Context(), meta("test", "test", nil), func(tx *crm.Tx) error {
		acct, err := tx.Account(4)
		if err != nil {
			return err
		}
		o := &crm.Opportunity{Base: crm.Base{Owner: acct.Owner}, Account: 4, Name: "2x 336", Amount: 300_000_000}
		if err := tx.CreateOpp(o); err != nil {
			return err
		}
		a := &crm.Activity{Base: crm.Base{Owner: o.Owner}, Type: "visit", Account: 4, Status: crm.StatusDone}
		if err := tx.CreateActivity(a); err != nil {
			return err
		}
		opp, visit = o.ID, a.ID
		return nil
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}

	out = mustRun(t, "merge", "account", "2", "4", "--db", db)
	if !strings.HasPrefix(out, "merged account #4 Huaxin Mining Group into #2 华鑫矿业: moved 1 contact, 1 opportunity, 1 activity. #4 is deleted; its history is kept.\n") ||
		!strings.Contains(out, "likely the same person: #2 李总 and #") {
		t.Errorf("merge says:\n%s", out)
	}
	view(t, db, func(tx *crm.Tx) error {
		if _, err := tx.Account(4); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("account #4 after the merge: %v", err)
		}
		a, err := tx.Account(2)
		if err != nil {
			return err
		}
		if !strings.Contains(strings.Join(a.Aliases, "|"), "Huaxin Mining Group") || !strings.Contains(strings.Join(a.Phones, "|"), "+862422334455") {
			t.Errorf("kept account %+v", a)
		}
		if o, _ := tx.Opp(opp); o == nil || o.Account != 2 {
			t.Errorf("opportunity after the merge: %+v", o)
		}
		if v, _ := tx.Activity(visit); v == nil || v.Account != 2 {
			t.Errorf("visit after the merge: %+v", v)
		}
		cs, _ := tx.ContactsOf(2)
		if len(cs) != 2 {
			t.Errorf("contacts of #2: %d, want both 李总", len(cs))
		}
		h, err := tx.History(crm.KindAccount, 4)
		if err != nil || len(h) != 2 {
			t.Errorf("history of the merged account: %d change sets (%v), want its creation and the merge", len(h), err)
		}
		return nil
	})
	// the two 李总 are one person
	var dup int64
	view(t, db, func(tx *crm.Tx) error {
		cs, _ := tx.ContactsOf(2)
		for _, c := range cs {
			if c.ID != 2 {
				dup = c.ID
			}
		}
		return nil
	})
	out = mustRun(t, "merge", "contact", "2", itoa(int(dup)), "--db", db)
	if !strings.HasPrefix(out, "merged contact #"+itoa(int(dup))+" 李总 into #2 李总") {
		t.Errorf("merge contact says %q", out)
	}
	if n := len(records(t, db, crm.KindContact)); n != 3 {
		t.Errorf("%d contacts after the merge, want 3", n)
	}

	for _, c := range []struct{ args, want string }{
		{"merge account 2 2", "cannot be merged into itself"},
		{"merge account 2 4", "No account #4"},
		{"merge contact 1 2", "different accounts"},
		{"merge lead 1 2", `merge accounts or contacts, not "lead"`},
	} {
		_, errOut, code := runCmd(t, append(strings.Fields(c.args), "--db", db)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, %q, want %q", c.args, code, errOut, c.want)
		}
	}
}

// Leads and machines re-imported without ids are matched too: a lead by
// company and phone, a machine by its identity.
func TestReimportLeadsAndEquipment(t *testing.T) {
	db := newDB(t)
	importFixtures(t, db)
	mustRun(t, "import", "accounts", "testdata/accounts.csv", "--db", db)
	dir := t.TempDir()
	eq := filepath.Join(dir, "e.csv")
	os.WriteFile(eq, []byte("account,brand,model,serial,smu,bought\n1,CAT,320D,CAT0320DXYZ,4520,\nACME Mining Co.,KOMATSU,PC200,,,2019-05-01\n2,KOMATSU,PC200,,,2019-05-01\n"), 0o600)
	leads := filepath.Join(dir, "l.csv")
	os.WriteFile(leads, []byte("company,person,phone,owner,source\nHuaxin Steel,Li Gang,13901234567,李伟,website\n"), 0o600)
	if out := mustRun(t, "import", "equipment", eq, "--db", db); out != "imported 3 equipment: 3 created\n" {
		t.Errorf("first equipment import: %q", out)
	}
	out := mustRun(t, "import", "equipment", eq, "--db", db)
	for _, want := range []string{"imported 3 equipment: 3 unchanged\n", "line 2: CAT 320D CAT0320DXYZ is #1 (same serial number)",
		"line 3: KOMATSU PC200 is #2 (same brand, model and purchase date at the account)", "line 4: KOMATSU PC200 is #3"} {
		if !strings.Contains(out, want) {
			t.Errorf("second equipment import:\n%s\nwant %q", out, want)
		}
	}
	mustRun(t, "import", "leads", leads, "--db", db)
	if out := mustRun(t, "import", "leads", leads, "--db", db); !strings.Contains(out, "line 2: Huaxin Steel is #1 (same name and phone 13901234567)") {
		t.Errorf("second leads import: %q", out)
	}
	if n, m := len(records(t, db, crm.KindEquipment)), len(records(t, db, crm.KindLead)); n != 3 || m != 1 {
		t.Errorf("%d machines, %d leads after importing twice", n, m)
	}
}
