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
		"FIELDCRM_SCHEDULE_MONTHLY": "CRON_TZ=Mars/Olympus 0 8 1 * *",
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
	for _, want := range []string{"FIELDCRM_SCHEDULE_SUMMARY \"30 2 * * *\": runs between 01:00 and 03:00", "FIELDCRM_SCHEDULE_DIGEST \"bogus\"",
		"FIELDCRM_SCHEDULE_MONTHLY \"CRON_TZ=Mars/Olympus 0 8 1 * *\"", "Asia/Shanghai"} {
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
	env["FIELDCRM_SCHEDULE_MONTHLY"] = "CRON_TZ=Asia/Tokyo 0 8 1 * *"
	cfg, _, _ = ParseConfig("serve", nil, func(k string) string { return env[k] })
	if err := cfg.Validate(); err != nil {
		t.Fatalf("good schedules refused: %v", err)
	}
	if cfg.Schedules["overdue"] != "off" || cfg.Schedules["digest"] != "45 6 * * 1-5" {
		t.Fatalf("schedules: %v", cfg.Schedules)
	}
}

// The email channel is all or nothing: without any of its variables serve
// runs without it; with some, whatever is missing or wrong is named.
func TestConfigMail(t *testing.T) {
	base := map[string]string{
		"FIELDCRM_PUBLIC_URL": "https://crm.example.com", "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000001",
		"TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef", "FIELDCRM_TWILIO_FROM": "+8613800000000",
	}
	parse := func(extra map[string]string) (*Config, error) {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		cfg, _, err := ParseConfig("serve", nil, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		return cfg, cfg.Validate()
	}
	cfg, err := parse(nil)
	if err != nil || cfg.Mail.Enabled() {
		t.Fatalf("no mail variables: enabled %v, %v", cfg.Mail.Enabled(), err)
	}
	_, err = parse(map[string]string{"FIELDCRM_IMAP_ADDR": "imap.dealer.example", "FIELDCRM_SMTP_TLS": "ssl", "FIELDCRM_MAIL_FROM": "not an address",
		"FIELDCRM_MAIL_MAX_REPLIES": "0"})
	if err == nil {
		t.Fatal("a broken mail configuration was accepted")
	}
	for _, want := range []string{`FIELDCRM_IMAP_ADDR "imap.dealer.example" is not host:port`, "FIELDCRM_SMTP_ADDR is missing",
		"FIELDCRM_IMAP_USER is missing", `FIELDCRM_SMTP_TLS must be tls, starttls or none, not "ssl"`, `FIELDCRM_MAIL_FROM "not an address"`,
		"FIELDCRM_MAIL_MAX_REPLIES must be a whole number above 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	cfg, err = parse(map[string]string{"FIELDCRM_IMAP_ADDR": "imap.dealer.example:993", "FIELDCRM_IMAP_USER": "crm@dealer.example",
		"FIELDCRM_SMTP_ADDR": "smtp.dealer.example:587", "FIELDCRM_MAIL_FROM": "fieldcrm <crm@dealer.example>"})
	if err != nil || !cfg.Mail.Enabled() || cfg.Mail.Address() != "crm@dealer.example" || cfg.Mail.IMAPTLS != "tls" ||
		cfg.Mail.SMTPTLS != "starttls" || cfg.Mail.IMAPFolder != "INBOX" || cfg.Mail.maxReplies != 20 {
		t.Fatalf("good mail configuration: %+v, %v", cfg.Mail, err)
	}
}
