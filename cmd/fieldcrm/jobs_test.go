package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

func jobTestDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crm.db")
	sh, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2025, 11, 24, 9, 0, 0, 0, sh)
	st, err := openDB(path, crm.Options{Now: func() time.Time { return now }, Location: sh})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.Update(context.Background(), crm.Meta{Actor: crm.System, Channel: "test"}, func(tx *crm.Tx) error {
		u := &crm.User{Name: "Wang Jun", Phones: []string{"+8613900000002"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "SY", Dept: "m"}}
		if err := tx.SaveUser(u); err != nil {
			return err
		}
		return tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: u.ID}, Type: "visit", Subject: "ACME", Due: now.Add(24 * time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func jobRun(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestJobsCommand(t *testing.T) {
	t.Setenv("FIELDCRM_TZ", "Asia/Shanghai")
	db := jobTestDB(t)
	out, errs, code := jobRun(t, "jobs", "run", "summary", "--at", "2025-11-25 06:30", "--db", db)
	if code != 0 || !strings.Contains(out, "summary as of 2025-11-25 06:30: held=1 sms=1") {
		t.Fatalf("jobs run: %d %q %q", code, out, errs)
	}
	out, _, _ = jobRun(t, "jobs", "run", "summary", "--at", "2025-11-25 06:40", "--db", db)
	if !strings.Contains(out, "dup=1") {
		t.Errorf("second run: %q", out)
	}
	out, errs, code = jobRun(t, "jobs", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "summary") || !strings.Contains(out, "30 7 * * *") || !strings.Contains(out, "2025-11-25 06:40") {
		t.Errorf("jobs list: %d %q %q", code, out, errs)
	}
	if _, errs, code = jobRun(t, "jobs", "run", "nosuch", "--db", db); code != 2 || !strings.Contains(errs, "no job") {
		t.Errorf("unknown job: %d %q", code, errs)
	}
	if _, errs, code = jobRun(t, "jobs", "run", "summary", "--at", "noon", "--db", db); code != 2 {
		t.Errorf("bad --at: %d %q", code, errs)
	}
	t.Setenv("FIELDCRM_SCHEDULE_SUMMARY", "0 2 * * *")
	if _, errs, code = jobRun(t, "jobs", "list", "--db", db); code == 0 || !strings.Contains(errs, "FIELDCRM_SCHEDULE_SUMMARY") {
		t.Errorf("bad schedule accepted: %d %q", code, errs)
	}
	st, err := openDB(db, crm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := outbox.GetByKey(st.Engine(), outbox.ChannelSMS, "summary|1|-|2025-11-25")
	if err != nil || !e.NotBefore.Equal(time.Date(2025, 11, 25, 7, 30, 0, 0, e.NotBefore.Location())) || e.NotBefore.Hour() != 7 {
		t.Errorf("entry: %+v %v", e, err)
	}
}
