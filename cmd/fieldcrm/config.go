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

	"github.com/fieldcrm/fieldcrm/gateway"
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
	// NoWeb turns the web console off (FIELDCRM_WEB=off): only the webhooks,
	// /healthz, /readyz and /metrics are served.
	NoWeb bool

	// SMS is how SMS goes out (FIELDCRM_SMS): "twilio", or "console" to
	// print it to the log (console.go): no Twilio account needed.
	SMS          string
	TwilioSID    string   // TWILIO_ACCOUNT_SID
	TwilioToken  string   // TWILIO_AUTH_TOKEN
	TwilioFrom   []string // FIELDCRM_TWILIO_FROM: numbers or one Messaging Service SID, comma-separated
	TwilioAPIURL string   // FIELDCRM_TWILIO_API_URL
	// AdminToken is the bearer token of /admin/ (FIELDCRM_ADMIN_TOKEN; empty:
	// those endpoints answer 404).
	AdminToken string
	// SMSCountries are the calling codes of the numbers an unknown sender is
	// answered at (FIELDCRM_SMS_COUNTRIES: ISO codes or +codes, "CN"; "*":
	// any). UnknownPerHour caps those answers (FIELDCRM_UNKNOWN_PER_HOUR, 30).
	SMSCountries   []string
	UnknownPerHour int
	// MinFree is the free space (bytes) next to the database below which
	// serve warns (FIELDCRM_MIN_FREE_MB, 500; "0" turns the warning off).
	// 0 in a Config made in code means the default; below 0, off.
	MinFree int64
	// SMSRate is the most SMS segments per second from one long code (FIELDCRM_SMS_RATE, 1).
	SMSRate float64
	// SMSLimits are the per-number frequency limits by route
	// (FIELDCRM_SMS_LIMITS, "+86=50/24h"); SMSReplyReserve the percent of
	// each kept for replies (FIELDCRM_SMS_REPLY_RESERVE, 20); SMSDomestic the
	// prefixes of the numbers served by a domestic Chinese provider, whose
	// TD/R/退订 opt out (FIELDCRM_SMS_DOMESTIC). smslimits.go.
	SMSLimits       []routeLimits
	SMSReplyReserve int
	SMSDomestic     []string
	// Schedules are the jobs' cron specs from FIELDCRM_SCHEDULE_<JOB> ("off"
	// stops a job); jobs not named keep their default.
	Schedules map[string]string
	// Mail is the email channel (mailconfig.go); off when nothing of it is set.
	Mail MailConfig
	// Aliyun is Alibaba Cloud SMS and the SMS routes (aliyun.go).
	Aliyun AliyunConfig

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

// secretVars are never printed (--help shows "<set>") and may come from a
// file instead: NAME_FILE names it, as container secrets and systemd's
// LoadCredential= expect.
var secretVars = map[string]bool{
	"TWILIO_AUTH_TOKEN":      true,
	"FIELDCRM_ADMIN_TOKEN":   true,
	"FIELDCRM_IMAP_PASSWORD": true,
	"FIELDCRM_SMTP_PASSWORD": true,
}

// secretFlag is a secret's flag: its value is never printed.
type secretFlag struct{ p *string }

func (f secretFlag) String() string {
	if f.p == nil || *f.p == "" {
		return ""
	}
	return "<set>"
}

func (f secretFlag) Set(v string) error { *f.p = v; return nil }

// envSecret reads the secret name from $name, or from the file $name_FILE
// (its content, without the trailing newline). Both set is an error, as is
// a file that cannot be read or is empty.
func envSecret(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	switch {
	case file == "":
		return v, nil
	case v != "":
		return "", fmt.Errorf("both %s and %s_FILE are set: keep one", name, name)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s_FILE: %s is empty", name, file)
	}
	return s, nil
}

func (c *Config) vars(from *string, rate *string) []envVar {
	vars := []envVar{
		{"FIELDCRM_DB", "database: a file (bbolt, embedded), or a postgres:// URL (PostgreSQL, several nodes)", &c.DB, "fieldcrm.db"},
		{"FIELDCRM_ADDR", "address to listen on", &c.Addr, "127.0.0.1:8080"},
		{"FIELDCRM_PUBLIC_URL", "public base URL that Twilio calls, e.g. https://crm.example.com", &c.PublicURL, ""},
		{"FIELDCRM_TZ", "default time zone", &c.TZ, "Asia/Shanghai"},
		{"FIELDCRM_LOG_FORMAT", "log format: text or json", &c.LogFormat, "text"},
		{"FIELDCRM_LOG_LEVEL", "log level: debug, info, warn, error", &c.LogLevel, "info"},
		{"FIELDCRM_SMS", "how SMS goes out: twilio, or console (printed to the log, nothing sent: to try serve without a Twilio account)", &c.SMS, SMSTwilio},
		{"TWILIO_ACCOUNT_SID", "Twilio account SID (AC…)", &c.TwilioSID, ""},
		{"TWILIO_AUTH_TOKEN", "Twilio auth token", &c.TwilioToken, ""},
		{"FIELDCRM_TWILIO_FROM", "sender numbers (+86…, comma-separated) or a Messaging Service SID (MG…)", from, ""},
		{"FIELDCRM_TWILIO_API_URL", "Twilio API base URL", &c.TwilioAPIURL, "https://api.twilio.com"},
		{"FIELDCRM_SMS_RATE", "most SMS segments per second from one long code (Twilio meters segments: a 3-segment message takes 3)", rate, "1"},
		{AdminTokenEnv, "bearer token of GET /admin/backup (empty: the admin endpoints answer 404)", &c.AdminToken, ""},
	}
	vars = append(vars, c.Aliyun.vars()...)
	return append(vars, c.Mail.vars()...)
}

// ParseConfig reads the environment (getenv) and then the flags in args.
func ParseConfig(name string, args []string, getenv func(string) string) (*Config, *flag.FlagSet, error) {
	c := &Config{}
	var from, rate, minFree, countries, perHour, limits, reserve, domestic, webOn string
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var errs []string
	vars := append(c.vars(&from, &rate), envVar{"FIELDCRM_MIN_FREE_MB",
		"warn (log and metric) when the disk of the database has less free space than this many MB", &minFree, "500"},
		envVar{"FIELDCRM_SMS_COUNTRIES", "countries whose unknown numbers get the \"not registered\" SMS: ISO codes or calling codes, comma-separated; * for any", &countries, "CN"},
		envVar{"FIELDCRM_WEB", "the web console at / (sign-in with a code by SMS or e-mail): on or off", &webOn, "on"},
		envVar{"FIELDCRM_UNKNOWN_PER_HOUR", "most \"not registered\" answers per hour, to all unknown senders together", &perHour, "30"},
		envVar{SMSLimitsEnv, "most SMS one number may receive, by route: prefix=N/window,… separated by ; (1/1m, 5/1h, 50/24h rolling; 10/day calendar); off for none", &limits, ""},
		envVar{SMSReplyReserveEnv, "percent of each per-number limit kept for answers to the recipient's own messages", &reserve, "20"},
		envVar{SMSDomesticEnv, "prefixes of the numbers served by a domestic Chinese SMS provider (+86): their TD, R or 退订 alone opts out like STOP (default: the prefixes FIELDCRM_SMS_ROUTES sends to aliyun)", &domestic, ""})
	for _, v := range vars {
		val := v.def
		if secretVars[v.name] {
			sec, err := envSecret(getenv, v.name)
			if err != nil {
				errs = append(errs, err.Error())
			}
			*v.dest = sec
			fs.Var(secretFlag{v.dest}, v.name, v.help+" (a `secret`, never printed: env "+v.name+", or a file named in "+v.name+"_FILE)")
			continue
		}
		if e := getenv(v.name); e != "" {
			val = e
		}
		fs.StringVar(v.dest, v.name, val, v.help+" (env "+v.name+")")
	}
	if len(errs) > 0 {
		return nil, fs, fmt.Errorf("%w:\n  - %s", errInvalid, strings.Join(errs, "\n  - "))
	}
	if err := fs.Parse(args); err != nil {
		return nil, fs, err
	}
	for _, f := range strings.Split(from, ",") {
		if f = strings.TrimSpace(f); f != "" {
			c.TwilioFrom = append(c.TwilioFrom, f)
		}
	}
	switch strings.ToLower(strings.TrimSpace(webOn)) {
	case "on", "1", "true", "yes":
	case "off", "0", "false", "no":
		c.NoWeb = true
	default:
		return nil, fs, fmt.Errorf("FIELDCRM_WEB: %q is neither on nor off", webOn)
	}
	c.Schedules = jobSchedules(getenv)
	now, err := envClock(getenv)
	if err != nil {
		return nil, fs, err
	}
	c.Now = now
	if _, err := fmt.Sscan(rate, &c.SMSRate); err != nil {
		return nil, fs, fmt.Errorf("FIELDCRM_SMS_RATE: %q is not a number", rate)
	}
	var mb int64
	if _, err := fmt.Sscan(minFree, &mb); err != nil || mb < 0 {
		return nil, fs, fmt.Errorf("FIELDCRM_MIN_FREE_MB: %q is not a number of MB", minFree)
	}
	if c.SMSCountries, err = parseCountries(countries); err != nil {
		return nil, fs, err
	}
	if _, err := fmt.Sscan(perHour, &c.UnknownPerHour); err != nil || c.UnknownPerHour < 1 {
		return nil, fs, fmt.Errorf("FIELDCRM_UNKNOWN_PER_HOUR: %q is not a number above 0", perHour)
	}

	if _, err := fmt.Sscan(reserve, &c.SMSReplyReserve); err != nil || c.SMSReplyReserve < 0 || c.SMSReplyReserve > 90 {
		return nil, fs, fmt.Errorf("%s: %q is not a percent from 0 to 90", SMSReplyReserveEnv, reserve)
	}
	if c.SMSDomestic, err = parsePrefixes(SMSDomesticEnv, domestic); err != nil {
		return nil, fs, err
	}
	if strings.TrimSpace(domestic) == "" {
		c.SMSDomestic = domesticFromRoutes(getenv)
	}
	if strings.TrimSpace(limits) == "" {
		limits = defaultSMSLimits(c.SMSDomestic)
	}
	if c.SMSLimits, err = parseSMSLimits(limits); err != nil {
		return nil, fs, err
	}
	c.MinFree = mb << 20
	if mb == 0 {
		c.MinFree = -1 // off
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
	console := c.consoleDefaults(add)
	if c.PublicURL == "" && !console {
		add("FIELDCRM_PUBLIC_URL is missing: the https URL Twilio calls, e.g. https://crm.example.com (signatures are checked against it)")
	} else if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
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
	case c.TwilioSID == "" && !console:
		add("TWILIO_ACCOUNT_SID is missing (AC followed by 32 hex digits, from the Twilio console)")
	case c.TwilioSID != "" && !reSID.MatchString(c.TwilioSID) && !reAlnum.MatchString(c.TwilioSID):
		add("TWILIO_ACCOUNT_SID %q is not an account SID", c.TwilioSID)
	}
	switch {
	case c.TwilioToken == "":
		add("TWILIO_AUTH_TOKEN is missing (from the Twilio console)")
	case !reAlnum.MatchString(c.TwilioToken):
		add("TWILIO_AUTH_TOKEN must be letters and digits")
	}
	if len(c.TwilioFrom) == 0 && !console {
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
	probs = c.Aliyun.validate(probs)
	if len(probs) > 0 {
		return fmt.Errorf("%w:\n  - %s", errInvalid, strings.Join(probs, "\n  - "))
	}
	return nil
}

// parseCountries reads FIELDCRM_SMS_COUNTRIES into calling codes.
func parseCountries(v string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = strings.ToUpper(strings.TrimSpace(f))
		switch {
		case f == "":
		case f == "*":
			return []string{"*"}, nil
		case strings.HasPrefix(f, "+") && reDigits.MatchString(f[1:]):
			out = append(out, f)
		case gateway.CallingCodes[f] != "":
			out = append(out, gateway.CallingCodes[f])
		default:
			return nil, fmt.Errorf("FIELDCRM_SMS_COUNTRIES: %q is neither a country code fieldcrm knows (CN, HK, US, …) nor a calling code like +86", f)
		}
	}
	return out, nil
}

var reDigits = regexp.MustCompile(`^[0-9]{1,4}$`)

// ClockEnv sets the clock of serve and of the commands that act as of now
// (sms, jobs): an RFC 3339 time that the clock reads at start and moves on
// from with real time. It is for tests and rehearsals — the crash test runs
// serve at a fixed hour so that it never depends on when CI runs — and serve
// warns when it is set.
const ClockEnv = "FIELDCRM_CLOCK"

// envClock returns the clock $FIELDCRM_CLOCK asks for, or nil (real time)
// when it is not set.
func envClock(getenv func(string) string) (func() time.Time, error) {
	v := strings.TrimSpace(envOr(getenv)(ClockEnv))
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not an RFC 3339 time (e.g. 2026-12-08T06:45:00+08:00)", ClockEnv, v)
	}
	off := time.Until(t)
	return func() time.Time { return time.Now().Add(off) }, nil
}

// clockOrNow is $FIELDCRM_CLOCK's clock, or time.Now.
func clockOrNow(getenv func(string) string) (func() time.Time, error) {
	c, err := envClock(getenv)
	if c == nil && err == nil {
		c = time.Now
	}
	return c, err
}

func envOr(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}
