package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// runCmd runs the fieldcrm command line in-process.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return o.String(), e.String(), code
}

func newDB(t *testing.T) string { return testDB(t) }

// mustRun runs a command that must succeed.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("fieldcrm %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// view opens the database and reads it as the system.
func view(t *testing.T, db string, fn func(tx *crm.Tx) error) {
	t.Helper()
	s, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.View(crm.System, fn); err != nil {
		t.Fatal(err)
	}
}

func users(t *testing.T, db string) []*crm.User {
	var us []*crm.User
	view(t, db, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(r crm.Record) bool { us = append(us, r.(*crm.User)); return true })
	})
	return us
}

func TestUser(t *testing.T) {
	db := newDB(t)
	out := mustRun(t, "user", "add", "--db", db, "--name", "Zhao Min", "--email", "Zhao@Dealer.cn", "--role", "director")
	if out != "added user #1 Zhao Min (director)\n" {
		t.Errorf("add: %q", out)
	}
	out = mustRun(t, "user", "add", "--db", db, "--name", "李伟", "--phone", "13901395136, +86 139 0139 5137",
		"--role", "Salesman", "--branch", "Shenyang", "--dept", "machines", "--manager", "zhao@dealer.cn", "--locale", "zh", "--tz", "Asia/Shanghai")
	if !strings.Contains(out, "#2 李伟 (salesman, Shenyang/machines)") {
		t.Errorf("add: %q", out)
	}
	mustRun(t, "user", "add", "--db", db, "--name", "Chen Gang", "--phone", "13701234567", "--role", "csr", "--branch", "Dalian", "--dept", "parts", "--manager", "#1")

	us := users(t, db)
	if len(us) != 3 {
		t.Fatalf("%d users stored", len(us))
	}
	li := us[1]
	if li.Name != "李伟" || li.Role != crm.RoleSalesman || li.Manager != 1 || li.Locale != "zh" || li.TZ != "Asia/Shanghai" ||
		strings.Join(li.Phones, ",") != "+8613901395136,+8613901395137" || li.Branch != "Shenyang" || li.Dept != "machines" {
		t.Errorf("stored: %+v", li)
	}
	if us[0].Email != "zhao@dealer.cn" {
		t.Errorf("email not normalised: %q", us[0].Email)
	}

	t.Run("List", func(t *testing.T) {
		out := mustRun(t, "user", "list", "--db", db)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 5 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "MANAGER") || lines[4] != "3 users" {
			t.Fatalf("list:\n%s", out)
		}
		for _, want := range []string{"李伟", "salesman", "Shenyang", "#1 Zhao Min", "+8613901395136,+8613901395137", "zh,Asia/Shanghai"} {
			if !strings.Contains(lines[2], want) {
				t.Errorf("row of 李伟 lacks %q: %s", want, lines[2])
			}
		}
		out = mustRun(t, "user", "list", "--db", db, "--branch", "dalian")
		if !strings.Contains(out, "Chen Gang") || strings.Contains(out, "李伟") || !strings.Contains(out, "1 users") {
			t.Errorf("list --branch:\n%s", out)
		}
		out = mustRun(t, "user", "list", "--db", db, "--role", "director")
		if !strings.Contains(out, "Zhao Min") || strings.Contains(out, "Chen Gang") {
			t.Errorf("list --role:\n%s", out)
		}
	})

	t.Run("Set", func(t *testing.T) {
		out := mustRun(t, "user", "set", "13901395136", "--db", db, "--role", "sales_manager", "--opted-out", "--email", "li@dealer.cn")
		if !strings.Contains(out, "updated user #2 李伟") {
			t.Errorf("set: %q", out)
		}
		mustRun(t, "user", "set", "--db", db, "li@dealer.cn", "--disabled")
		mustRun(t, "user", "set", "3", "--db", db, "--manager", "none", "--phone", "13701234568")
		us := users(t, db)
		li, chen := us[1], us[2]
		if li.Role != crm.RoleSalesManager || !li.OptedOut || !li.Disabled || li.Email != "li@dealer.cn" ||
			li.Name != "李伟" || li.Manager != 1 || li.Locale != "zh" || len(li.Phones) != 2 {
			t.Errorf("after set: %+v", li)
		}
		if chen.Manager != 0 || strings.Join(chen.Phones, ",") != "+8613701234568" || chen.Role != crm.RoleCSR {
			t.Errorf("after set: %+v", chen)
		}
		out = mustRun(t, "user", "list", "--db", db)
		if !strings.Contains(out, "disabled,opted-out") {
			t.Errorf("flags not listed:\n%s", out)
		}
		mustRun(t, "user", "set", "2", "--db", db, "--disabled=false")
		if users(t, db)[1].Disabled {
			t.Error("--disabled=false did not bring him back")
		}
	})

	refusals := []struct {
		name string
		args []string
		want string
	}{
		{"ErrBadPhone", []string{"user", "add", "--name", "X", "--phone", "1390", "--role", "salesman", "--branch", "B", "--dept", "D"}, `phone "1390" is not a mobile number`},
		{"ErrUnknownRole", []string{"user", "add", "--name", "X", "--phone", "13901230000", "--role", "boss", "--branch", "B", "--dept", "D"}, `Unknown role "boss" (one of salesman, csr`},
		{"ErrDuplicatePhone", []string{"user", "add", "--name", "X", "--phone", "139 0139 5136", "--role", "salesman", "--branch", "B", "--dept", "D"}, "Phone +8613901395136 is already used by user #2"},
		{"ErrDuplicateEmail", []string{"user", "add", "--name", "X", "--email", "ZHAO@dealer.cn", "--role", "director"}, "Email zhao@dealer.cn is already used by user #1"},
		{"ErrNoBranch", []string{"user", "add", "--name", "X", "--phone", "13901230000", "--role", "salesman"}, "needs a branch and a department"},
		{"ErrUnknownManager", []string{"user", "add", "--name", "X", "--phone", "13901230000", "--role", "salesman", "--branch", "B", "--dept", "D", "--manager", "nobody@x.cn"}, `Manager "nobody@x.cn" is not a user`},
		{"ErrSetUnknownUser", []string{"user", "set", "nobody@x.cn", "--role", "csr"}, "No user with email nobody@x.cn"},
		{"ErrSetBadPhone", []string{"user", "set", "1", "--phone", "12"}, `"12" is not a mobile number`},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			before := users(t, db)
			_, errOut, code := runCmd(t, append(c.args, "--db", db)...)
			if code != 1 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, c.want)
			}
			if after := users(t, db); len(after) != len(before) || after[0].Email != before[0].Email || len(after[0].Phones) != len(before[0].Phones) {
				t.Errorf("the refusal changed the users")
			}
		})
	}

	t.Run("ErrSetNothing", func(t *testing.T) {
		_, errOut, code := runCmd(t, "user", "set", "1", "--db", db)
		if code != 2 || !strings.Contains(errOut, "nothing to change") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"user", "add", "-h"}, {"user", "list", "-h"}, {"user", "set", "-h"}, {"user", "-h"},
		{"import", "-h"}, {"export", "-h"}, {"backup", "-h"}, {"check", "-h"}} {
		out, _, code := runCmd(t, args...)
		if code != 0 || !strings.Contains(out, "usage: fieldcrm "+args[0]) {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	out, _, _ := runCmd(t, "help")
	for _, c := range []string{"user", "import", "export", "backup", "check"} {
		if !strings.Contains(out, "  "+c+" ") {
			t.Errorf("help lacks %s:\n%s", c, out)
		}
	}
}

func TestDBFromEnv(t *testing.T) {
	db := newDB(t)
	t.Setenv("FIELDCRM_DB", db)
	mustRun(t, "user", "add", "--name", "Zhao Min", "--email", "zhao@dealer.cn", "--role", "director")
	if us := users(t, db); len(us) != 1 {
		t.Fatalf("FIELDCRM_DB not used: %d users", len(us))
	}
}

func TestLocked(t *testing.T) {
	boltOnly(t) // the file's lock and its backup
	db := newDB(t)
	s, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, errOut, code := runCmd(t, "user", "list", "--db", db)
	if code != 1 || !strings.Contains(errOut, "in use by another fieldcrm process") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestBackupAndCheck(t *testing.T) {
	boltOnly(t) // the file's lock and its backup
	db := newDB(t)
	mustRun(t, "user", "add", "--db", db, "--name", "Zhao Min", "--email", "zhao@dealer.cn", "--role", "director")
	bak := filepath.Join(t.TempDir(), "copy.db")
	out := mustRun(t, "backup", "--db", db, bak)
	if !strings.HasPrefix(out, "wrote ") || !strings.HasSuffix(out, " bytes to "+bak+"\n") {
		t.Errorf("backup: %q", out)
	}
	if us := users(t, bak); len(us) != 1 || us[0].Name != "Zhao Min" {
		t.Errorf("backup holds %v", us)
	}
	out = mustRun(t, "check", "--db", bak)
	if !strings.Contains(out, "1 user") || !strings.HasSuffix(out, "ok\n") {
		t.Errorf("check: %q", out)
	}
}
