package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// fieldcrm import with an office's Chinese sheet: the records stored, the
// summary on standard output, no progress on a standard error that is not a
// terminal; an unknown header refused naming it, with nothing stored.
func TestImportChineseSheet(t *testing.T) {
	db := newDB(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	users := write("用户.csv", "\ufeff序号,姓名,手机,邮箱,角色,分公司,部门,语言\r\n1,李伟,13901395136,liwei@dealer.cn,业务员,沈阳,整机,中文\r\n")
	out, errOut, code := runCmd(t, "import", "users", users, "--db", db)
	if code != 0 || out != "imported 1 users: 1 created\n" || errOut != "" {
		t.Fatalf("users: %d %q %q", code, out, errOut)
	}

	bad := write("客户-传真.csv", "客户名称,电话,传真,联系人,负责人\n华鑫矿业,400-820-8820,024-1,李总,李伟\n")
	out, errOut, code = runCmd(t, "import", "accounts", bad, "--db", db)
	if code != 1 || out != "" || !strings.Contains(errOut, `unknown column "传真" in the accounts file (its columns are: id (记录id), name (客户名称)`) {
		t.Errorf("unknown header: %d %q %q", code, out, errOut)
	}
	if n := len(records(t, db, crm.KindAccount)); n != 0 {
		t.Fatalf("%d accounts after a refused header", n)
	}

	good := write("客户.csv", "客户名称,电话,联系人,联系电话,负责人\n华鑫矿业,400-820-8820,李总,13901234501,李伟\n鞍钢,140-1234-5678,赵总,13901234502,李伟\n")
	out, errOut, code = runCmd(t, "import", "accounts", good, "--db", db, "--skip-bad")
	if code != 0 || out != "imported 1 accounts: 1 created (1 bad row skipped)\n" ||
		errOut != good+`: line 3: phones "140-1234-5678" is not a phone number in use: no Chinese operator has mobile numbers starting 140 (13901395136)`+"\n" {
		t.Errorf("accounts: %d %q %q", code, out, errOut)
	}
	a := records(t, db, crm.KindAccount)[0].(*crm.Account)
	if a.Name != "华鑫矿业" || strings.Join(a.Phones, ",") != "+864008208820" {
		t.Errorf("account: %+v", a)
	}

	if _, errOut, code := runCmd(t, "import", "accounts", good, "--db", db, "--progress", "maybe"); code != 2 || !strings.Contains(errOut, `--progress is auto, yes or no, not "maybe"`) {
		t.Errorf("--progress maybe: %d %q", code, errOut)
	}
}
