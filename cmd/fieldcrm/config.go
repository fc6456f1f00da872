package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/scheduler"
)

// Config is everything serve needs, from environment variables first, then
// flags of the same names (the flag wins when given).
type Config struct {
	DB        string // FIELDCRM_DB
	Addr      string // FIELDCRM_ADDR
	PublicURL string // FIELDCRM_PUBLIC_URL: the base URL Twilio calls
	TZ        string // FIELDCRM_TZ
	LogFormat string // FIELDCRM_LOG_FORMAT: text or json
	LogLevel  string // FIELDCRM_LOG_LEVEL: debug, info, warn, error

	TwilioSID    string   // TWILIO_ACCOUNT_SID
	TwilioToken  string   // TWILIO_AUTH_TOKEN
	TwilioFrom   []string // FIELDCRM_TWILIO_FROM: numbers or one Messaging Service SID, comma-separated
	TwilioAPIURL string   // FIELDCRM_TWILIO_API_URL
	// SMSRate is the most SMS per second from one long code (FIELDCRM_SMS_RATE, 1).
	SMSRate float64
	// Schedules are the jobs' cron specs from FIELDCRM_SCHEDULE_<JOB> ("off"
	// stops a job); jobs not named keep their default.
	Schedules map[string]string
	// Mail is the email channel (mailconfig.go); off when nothing of it is set.
	Mail MailConfig

	// not from the environment: set by tests and the demo
	Now func() time.Time
	// OutboxBaseBackoff is the outbox's first retry delay (0: the outbox's default).
	OutboxBaseBackoff time.Duration
	location          *time.Location
}

type envVar struct {
	name, help string
	dest       *string
	def        string
}

func (c *Config) vars(from *string, rate *string) []envVar {
	vars := []envVar{
		{"FIELDCRM_DB", "database file", &c.DB, "fieldcrm.db"},
		{"FIELDCRM_ADDR", "address to listen on", &c.Addr, "127.0.0.1:8080"},
		{"FIELDCRM_PUBLIC_URL", "public base URL that Twilio calls, e.g. https://crm.example.com", &c.PublicURL, ""},
		{"FIELDCRM_TZ", "default time zone", &c.TZ, "Asia/Shanghai"},
		{"FIELDCRM_LOG_FORMAT", "log format: text or json", &c.LogFormat, "text"},
		{"FIELDCRM_LOG_LEVEL", "log level: debug, info, warn, error", &c.LogLevel, "info"},
		{"TWILIO_ACCOUNT_SID", "Twilio account SID (AC…)", &c.TwilioSID, ""},
		{"TWILIO_AUTH_TOKEN", "Twilio auth token", &c.TwilioToken, ""},
		{"FIELDCRM_TWILIO_FROM", "sender numbers (+86…, comma-separated) or a Messaging Service SID (MG…)", from, ""},
		{"FIELDCRM_TWILIO_API_URL", "Twilio API base URL", &c.TwilioAPIURL, "https://api.twilio.com"},
		{"FIELDCRM_SMS_RATE", "most SMS per second from one long code", rate, "1"},
	}
	return append(vars, c.Mail.vars()...)
}

// ParseConfig reads the environment (getenv) and then the flags in args.
func ParseConfig(name string, args []string, getenv func(string) string) (*Config, *flag.FlagSet, error) {
	c := &Config{}
	var from, rate string
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, v := range c.vars(&from, &rate) {
		val := v.def
		if e := getenv(v.name); e != "" {
			val = e
		}
		fs.StringVar(v.dest, v.name, val, v.help+" (env "+v.name+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, fs, err
	}
	for _, f := range strings.Split(from, ",") {
		if f = strings.TrimSpace(f); f != "" {
			c.TwilioFrom = append(c.TwilioFrom, f)
		}
	}
	c.Schedules = jobSchedules(getenv)
	if _, err := fmt.Sscan(rate, &c.SMSRate); err != nil {
		return nil, fs, fmt.Errorf("FIELDCRM_SMS_RATE: %q is not a number", rate)
	}
	return c, fs, nil
}

var (
	reSID      = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	reAlnum    = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	reService  = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	reE164     = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	errInvalid = errors.New("invalid configuration")
)

// Validate checks the configuration and says, in one message, everything
// that is missing or wrong.
func (c *Config) Validate() error {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if c.DB == "" {
		add("FIELDCRM_DB is empty: give the database file")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		add("FIELDCRM_ADDR %q is not host:port (e.g. 127.0.0.1:8080)", c.Addr)
	}
	if c.PublicURL == "" {
		add("FIELDCRM_PUBLIC_URL is missing: the https URL Twilio calls, e.g. https://crm.example.com (signatures are checked against it)")
	} else if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		add("FIELDCRM_PUBLIC_URL %q is not an http(s) URL", c.PublicURL)
	}
	loc, err := time.LoadLocation(c.TZ)
	if err != nil {
		add("FIELDCRM_TZ %q is not a time zone (e.g. Asia/Shanghai)", c.TZ)
	}
	c.location = loc
	switch c.LogFormat {
	case "text", "json":
	default:
		add("FIELDCRM_LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("FIELDCRM_LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	switch {
	case c.TwilioSID == "":
		add("TWILIO_ACCOUNT_SID is missing (AC followed by 32 hex digits, from the Twilio console)")
	case !reSID.MatchString(c.TwilioSID) && !reAlnum.MatchString(c.TwilioSID):
		add("TWILIO_ACCOUNT_SID %q is not an account SID", c.TwilioSID)
	}
	switch {
	case c.TwilioToken == "":
		add("TWILIO_AUTH_TOKEN is missing (from the Twilio console)")
	case !reAlnum.MatchString(c.TwilioToken):
		add("TWILIO_AUTH_TOKEN must be letters and digits")
	}
	if len(c.TwilioFrom) == 0 {
		add("FIELDCRM_TWILIO_FROM is missing: a sender number like +8613800000000, several comma-separated, or a Messaging Service SID (MG…)")
	}
	for _, f := range c.TwilioFrom {
		if !reE164.MatchString(f) && !reService.MatchString(f) {
			add("FIELDCRM_TWILIO_FROM %q is neither an E.164 number (+…) nor a Messaging Service SID (MG…)", f)
		}
	}
	if u, err := url.Parse(c.TwilioAPIURL); err != nil || u.Scheme == "" || u.Host == "" {
		add("FIELDCRM_TWILIO_API_URL %q is not a URL", c.TwilioAPIURL)
	}
	if c.SMSRate <= 0 {
		add("FIELDCRM_SMS_RATE must be above 0")
	}
	for _, job := range scheduler.Jobs {
		spec, set := c.Schedules[job]
		if !set || spec == "off" || loc == nil {
			continue
		}
		if _, err := scheduler.ParseSchedule(spec, loc); err != nil {
			add("%s %q: %v", scheduler.EnvName(job), spec, err)
		}
	}
	probs = append(probs, c.Mail.validate()...)
	if len(probs) > 0 {
		return fmt.Errorf("%w:\n  - %s", errInvalid, strings.Join(probs, "\n  - "))
	}
	return nil
}

func envOr(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}
