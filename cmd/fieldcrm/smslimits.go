package main

// Per-number SMS frequency limits by route (FIELDCRM_SMS_LIMITS) and the
// numbers whose provider is a domestic Chinese one (FIELDCRM_SMS_DOMESTIC):
// see docs/sms-limits.md.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// Environment variables of this file.
const (
	SMSLimitsEnv       = "FIELDCRM_SMS_LIMITS"
	SMSReplyReserveEnv = "FIELDCRM_SMS_REPLY_RESERVE"
	SMSDomesticEnv     = "FIELDCRM_SMS_DOMESTIC"
)

// DefaultSMSLimits is Alibaba Cloud's default for notification SMS: 50 a day
// (the 24 hours before a send) to one number with the same signature and
// template. fieldcrm counts every template together, which stays inside it.
// It applies by default to the numbers a domestic provider serves
// (FIELDCRM_SMS_DOMESTIC, or what FIELDCRM_SMS_ROUTES sends to one); numbers
// Twilio serves have no cap unless FIELDCRM_SMS_LIMITS sets one.
const DefaultSMSLimits = "50/24h"

// defaultSMSLimits is FIELDCRM_SMS_LIMITS when it is not set: DefaultSMSLimits
// for each domestic prefix ("off" when there is none).
func defaultSMSLimits(domestic []string) string {
	var out []string
	for _, p := range domestic {
		if p == "+" {
			p = "*"
		}
		out = append(out, p+"="+DefaultSMSLimits)
	}
	if len(out) == 0 {
		return "off"
	}
	return strings.Join(out, ";")
}

// routeLimits are the limits of the numbers that start with Prefix ("*":
// every number no other prefix matches).
type routeLimits struct {
	Prefix string
	Limits []smsLimit
}

type smsLimit struct {
	Max int
	Per time.Duration // 0 with Day
	Day bool          // per calendar day in FIELDCRM_TZ
}

func (l smsLimit) String() string {
	if l.Day {
		return fmt.Sprintf("%d/day", l.Max)
	}
	return fmt.Sprintf("%d/%s", l.Max, strings.TrimSuffix(strings.TrimSuffix(l.Per.String(), "0s"), "0m"))
}

var (
	reLimitPrefix = regexp.MustCompile(`^\+[0-9]{1,15}$`)
	reLimit       = regexp.MustCompile(`^([0-9]+)\s*/\s*([0-9]*)\s*(s|m|min|h|d|day)$`)
)

// parseSMSLimits reads FIELDCRM_SMS_LIMITS: routes separated by ";", each
// prefix=limits, limits separated by ",", each N/window where the window is
// a number of s, m, h or d (rolling) or "day" (the calendar day in
// FIELDCRM_TZ): "+86=1/1m,5/1h,10/day; *=100/24h". "off" or empty: none.
func parseSMSLimits(v string) ([]routeLimits, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "off") {
		return nil, nil
	}
	var out []routeLimits
	seen := map[string]bool{}
	for _, r := range strings.Split(v, ";") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		prefix, lims, ok := strings.Cut(r, "=")
		prefix = strings.TrimSpace(prefix)
		switch {
		case !ok:
			return nil, fmt.Errorf("%s: %q is not prefix=limits (e.g. +86=1/1m,5/1h,10/day)", SMSLimitsEnv, r)
		case prefix != "*" && !reLimitPrefix.MatchString(prefix):
			return nil, fmt.Errorf("%s: %q: the prefix must be + and digits (+86) or * for every other number", SMSLimitsEnv, r)
		case seen[prefix]:
			return nil, fmt.Errorf("%s: prefix %s is given twice", SMSLimitsEnv, prefix)
		}
		seen[prefix] = true
		rl := routeLimits{Prefix: prefix}
		for _, f := range strings.Split(lims, ",") {
			f = strings.ToLower(strings.TrimSpace(f))
			if f == "" {
				continue
			}
			m := reLimit.FindStringSubmatch(f)
			if m == nil {
				return nil, fmt.Errorf("%s: %q is not a limit like 1/1m, 5/1h, 50/24h or 10/day", SMSLimitsEnv, f)
			}
			max, _ := strconv.Atoi(m[1])
			n := 1
			if m[2] != "" {
				n, _ = strconv.Atoi(m[2])
			}
			if max < 1 || n < 1 {
				return nil, fmt.Errorf("%s: %q: the count and the window must be above 0", SMSLimitsEnv, f)
			}
			l := smsLimit{Max: max}
			switch m[3] {
			case "day":
				if m[2] != "" {
					return nil, fmt.Errorf("%s: %q: day is the calendar day; for a rolling window write %d/%dd", SMSLimitsEnv, f, max, n)
				}
				l.Day = true
			case "s":
				l.Per = time.Duration(n) * time.Second
			case "m", "min":
				l.Per = time.Duration(n) * time.Minute
			case "h":
				l.Per = time.Duration(n) * time.Hour
			case "d":
				l.Per = time.Duration(n) * 24 * time.Hour
			}
			rl.Limits = append(rl.Limits, l)
		}
		if len(rl.Limits) == 0 {
			return nil, fmt.Errorf("%s: %q gives no limit", SMSLimitsEnv, r)
		}
		out = append(out, rl)
	}
	return out, nil
}

// recipientLimits returns the outbox's limit function: the limits of the
// longest prefix that matches the number, each keeping reservePct percent of
// its count for replies.
func recipientLimits(routes []routeLimits, reservePct int, loc *time.Location) func(string) []outbox.Limit {
	if len(routes) == 0 {
		return nil
	}
	table := map[string][]outbox.Limit{}
	for _, r := range routes {
		for _, l := range r.Limits {
			ol := outbox.Limit{Max: l.Max, Per: l.Per, Reserve: l.Max * reservePct / 100}
			if l.Day {
				ol.Day = loc
			}
			table[r.Prefix] = append(table[r.Prefix], ol)
		}
	}
	return func(to string) []outbox.Limit {
		best, lims := -1, table["*"]
		for p, ls := range table {
			if p != "*" && strings.HasPrefix(to, p) && len(p) > best {
				best, lims = len(p), ls
			}
		}
		return lims
	}
}

// parsePrefixes reads a comma-separated list of calling-code prefixes.
func parsePrefixes(name, v string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !reLimitPrefix.MatchString(f) {
			return nil, fmt.Errorf("%s: %q is not a calling-code prefix like +86", name, f)
		}
		out = append(out, f)
	}
	return out, nil
}

// hasPrefix reports whether number starts with one of prefixes.
func hasPrefix(number string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(number, p) {
			return true
		}
	}
	return false
}

// domesticProviders are the providers whose numbers are domestic Chinese ones.
var domesticProviders = map[string]bool{"aliyun": true, "tencent": true}

// domesticFromRoutes is FIELDCRM_SMS_DOMESTIC when it is not set: the
// prefixes FIELDCRM_SMS_ROUTES sends to a domestic provider ("+86=aliyun,
// *=twilio" → +86; "*=aliyun" → every number), or +86 when the routes are
// left to their default and FIELDCRM_ALIYUN_ACCESS_KEY_ID is set (the
// default is then +86=aliyun,*=twilio).
func domesticFromRoutes(getenv func(string) string) []string {
	routes := strings.TrimSpace(getenv("FIELDCRM_SMS_ROUTES"))
	if routes == "" {
		if getenv("FIELDCRM_ALIYUN_ACCESS_KEY_ID") != "" || getenv("FIELDCRM_ALIYUN_ACCESS_KEY_ID_FILE") != "" {
			return []string{"+86"}
		}
		return nil
	}
	var out []string
	for _, r := range strings.Split(routes, ",") {
		prefix, provider, ok := strings.Cut(r, "=")
		prefix, provider = strings.TrimSpace(prefix), strings.ToLower(strings.TrimSpace(provider))
		if !ok || !domesticProviders[provider] {
			continue
		}
		if prefix == "*" {
			prefix = "+"
		}
		out = append(out, prefix)
	}
	return out
}
