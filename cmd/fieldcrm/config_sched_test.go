package main

import (
	"strings"
	"testing"
)

// A job schedule that cannot be used stops serve at start with the other
// configuration problems, naming the variable and why.
func TestConfigSchedules(t *testing.T) {
	env := map[string]string{
		"FIELDCRM_PUBLIC_URL": "https://crm.example.com", "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000001",
		"TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef", "FIELDCRM_TWILIO_FROM": "+8613800000000",
		"FIELDCRM_SCHEDULE_SUMMARY": "30 2 * * *", "FIELDCRM_SCHEDULE_DIGEST": "bogus",
		"FIELDCRM_SCHEDULE_OVERDUE": "off", "FIELDCRM_SCHEDULE_WEEKLY": "0 8 * * 1",
	}
	cfg, _, err := ParseConfig("serve", nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	if err == nil {
		t.Fatal("bad schedules accepted")
	}
	msg := err.Error()
	for _, want := range []string{"FIELDCRM_SCHEDULE_SUMMARY \"30 2 * * *\": runs between 01:00 and 03:00", "FIELDCRM_SCHEDULE_DIGEST \"bogus\""} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	for _, not := range []string{"OVERDUE", "WEEKLY", "TWILIO", "PUBLIC_URL"} {
		if strings.Contains(msg, not) {
			t.Errorf("error names %s, which is fine:\n%s", not, msg)
		}
	}
	env["FIELDCRM_SCHEDULE_SUMMARY"], env["FIELDCRM_SCHEDULE_DIGEST"] = "30 6 * * *", "45 6 * * 1-5"
	cfg, _, _ = ParseConfig("serve", nil, func(k string) string { return env[k] })
	if err := cfg.Validate(); err != nil {
		t.Fatalf("good schedules refused: %v", err)
	}
	if cfg.Schedules["overdue"] != "off" || cfg.Schedules["digest"] != "45 6 * * 1-5" {
		t.Fatalf("schedules: %v", cfg.Schedules)
	}
}
