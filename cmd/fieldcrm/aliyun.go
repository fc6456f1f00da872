package main

// Alibaba Cloud SMS: configuration (FIELDCRM_ALIYUN_*, FIELDCRM_SMS_ROUTES)
// and wiring of gateway/aliyun and the router beside Twilio.

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/aliyun"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/smsroute"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/templates"
)

// AliyunConfig is Alibaba Cloud SMS's part of Config, and the SMS routes.
type AliyunConfig struct {
	AccessKeyID     string // FIELDCRM_ALIYUN_ACCESS_KEY_ID
	AccessKeySecret string // FIELDCRM_ALIYUN_ACCESS_KEY_SECRET (or _FILE)
	SignName        string // FIELDCRM_ALIYUN_SIGN_NAME: the approved signature, without 【】
	Endpoint        string // FIELDCRM_ALIYUN_ENDPOINT
	Templates       string // FIELDCRM_ALIYUN_TEMPLATES: name=SMS_code,…
	CallbackSecret  string // FIELDCRM_ALIYUN_CALLBACK_SECRET (or _FILE): the push URLs' secret segment
	CallbackAllow   string // FIELDCRM_ALIYUN_CALLBACK_ALLOW: addresses/networks pushes may come from
	TrustedProxies  string // FIELDCRM_TRUSTED_PROXIES: proxies whose X-Forwarded-For is believed
	Routes          string // FIELDCRM_SMS_ROUTES: +86=aliyun,*=twilio
	Rate            string // FIELDCRM_ALIYUN_RATE: most SendSms per second
	VarMax          string // FIELDCRM_ALIYUN_VAR_MAX: the longest variable the approved templates take

	routes  []smsroute.Route
	codes   map[string]string
	allow   []netip.Prefix
	proxies []netip.Prefix
	rate    float64
	varMax  int
}

func init() {
	secretVars["FIELDCRM_ALIYUN_ACCESS_KEY_SECRET"] = true
	secretVars["FIELDCRM_ALIYUN_CALLBACK_SECRET"] = true
}

func (a *AliyunConfig) vars() []envVar {
	return []envVar{
		{"FIELDCRM_SMS_ROUTES", "which provider sends to which numbers, longest prefix first: +86=aliyun,*=twilio (default: that when FIELDCRM_ALIYUN_ACCESS_KEY_ID is set, else *=twilio)", &a.Routes, ""},
		{"FIELDCRM_ALIYUN_ACCESS_KEY_ID", "Alibaba Cloud AccessKey ID of a RAM user allowed to send SMS (AliyunDysmsFullAccess)", &a.AccessKeyID, ""},
		{"FIELDCRM_ALIYUN_ACCESS_KEY_SECRET", "its AccessKey secret", &a.AccessKeySecret, ""},
		{"FIELDCRM_ALIYUN_SIGN_NAME", "the approved SMS signature (签名), without 【】", &a.SignName, ""},
		{"FIELDCRM_ALIYUN_ENDPOINT", "Alibaba Cloud SMS API endpoint (a host, or http(s)://host:port for a fake)", &a.Endpoint, aliyun.DefaultEndpoint},
		{"FIELDCRM_ALIYUN_TEMPLATES", "approved template codes: name=SMS_123456789 for every template that fieldcrm sms-templates --provider aliyun lists, comma-separated", &a.Templates, ""},
		{"FIELDCRM_ALIYUN_CALLBACK_SECRET", "secret path segment of the push URLs $FIELDCRM_PUBLIC_URL/aliyun/<secret>/smsup and …/smsreport (16+ letters, digits, - or _)", &a.CallbackSecret, ""},
		{"FIELDCRM_ALIYUN_CALLBACK_ALLOW", "addresses or networks Alibaba Cloud pushes from (comma-separated; empty: any, and serve warns)", &a.CallbackAllow, ""},
		{"FIELDCRM_ALIYUN_VAR_MAX", "the longest variable value the approved templates take: 150 when the length lift (解除变量长度限制) was granted, 35 when not (then register the catalogue of fieldcrm sms-templates --max 35)", &a.VarMax, "150"},
		{"FIELDCRM_ALIYUN_RATE", "most SendSms calls per second (all numbers together; the provider's per-number limits are its own)", &a.Rate, "10"},
		{"FIELDCRM_TRUSTED_PROXIES", "addresses or networks of your reverse proxies: their X-Forwarded-For names the source of a push", &a.TrustedProxies, ""},
	}
}

// On reports whether SMS are routed to Alibaba Cloud.
func (a *AliyunConfig) On() bool {
	return slices.Contains(smsroute.Providers(a.routeList()), aliyun.Provider)
}

// TwilioOn reports whether SMS are routed to Twilio.
func (a *AliyunConfig) TwilioOn() bool {
	return slices.Contains(smsroute.Providers(a.routeList()), "twilio")
}

func (a *AliyunConfig) routeList() []smsroute.Route {
	if a.routes == nil {
		a.routes, _ = a.parseRoutes()
	}
	return a.routes
}

func (a *AliyunConfig) parseRoutes() ([]smsroute.Route, error) {
	if strings.TrimSpace(a.Routes) == "" && a.AccessKeyID != "" {
		return smsroute.Parse("+86=aliyun,*=twilio")
	}
	return smsroute.Parse(a.Routes)
}

var (
	reTemplateCode = regexp.MustCompile(`^SMS_[0-9]{3,20}$`)
	reCallbackSec  = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)
)

// validate checks the SMS routes and, when Alibaba Cloud is routed, its
// settings. probs are the other problems found: those about Twilio are
// dropped when no number is routed to Twilio.
func (a *AliyunConfig) validate(probs []string) []string {
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	routes, err := a.parseRoutes()
	if err != nil {
		add("FIELDCRM_SMS_ROUTES: %v", err)
		return probs
	}
	a.routes = routes
	for _, p := range smsroute.Providers(routes) {
		if p != aliyun.Provider && p != "twilio" {
			add("FIELDCRM_SMS_ROUTES names %q: the providers are aliyun and twilio", p)
		}
	}
	if smsroute.Pick(routes, "+19999999999") == "" {
		add("FIELDCRM_SMS_ROUTES has no * route: numbers that match no prefix could not be answered (add *=twilio)")
	}
	if !a.TwilioOn() {
		probs = slices.DeleteFunc(probs, func(p string) bool {
			return strings.HasPrefix(p, "TWILIO_") || strings.HasPrefix(p, "FIELDCRM_TWILIO_")
		})
	}
	if !a.On() {
		if a.AccessKeyID != "" || a.SignName != "" || a.Templates != "" {
			add("FIELDCRM_ALIYUN_* is set but FIELDCRM_SMS_ROUTES sends nothing to aliyun (e.g. +86=aliyun,*=twilio)")
		}
		return probs
	}
	if a.AccessKeyID == "" {
		add("FIELDCRM_ALIYUN_ACCESS_KEY_ID is missing (a RAM user's AccessKey, from the Alibaba Cloud console)")
	} else if !reAlnum.MatchString(a.AccessKeyID) {
		add("FIELDCRM_ALIYUN_ACCESS_KEY_ID must be letters and digits")
	}
	if a.AccessKeySecret == "" {
		add("FIELDCRM_ALIYUN_ACCESS_KEY_SECRET is missing (or FIELDCRM_ALIYUN_ACCESS_KEY_SECRET_FILE)")
	}
	switch s := strings.TrimSpace(a.SignName); {
	case s == "":
		add("FIELDCRM_ALIYUN_SIGN_NAME is missing: the approved signature, e.g. 鞍山重机 (without 【】)")
	case strings.ContainsAny(s, "【】[]"):
		add("FIELDCRM_ALIYUN_SIGN_NAME %q: give the signature without 【】", s)
	}
	if _, _, err := aliyun.ParseEndpoint(a.Endpoint); err != nil {
		add("FIELDCRM_ALIYUN_ENDPOINT: %v", err)
	}
	codes, tprobs := parseTemplateCodes(a.Templates)
	probs = append(probs, tprobs...)
	a.codes = codes
	if missing := missingCodes(codes); len(missing) > 0 {
		add("FIELDCRM_ALIYUN_TEMPLATES has no code for %s: submit them for approval (fieldcrm sms-templates --provider aliyun) and add name=SMS_… for each",
			strings.Join(missing, ", "))
	}
	a.varMax = 150
	if strings.TrimSpace(a.VarMax) != "" {
		if _, err := fmt.Sscan(a.VarMax, &a.varMax); err != nil || a.varMax < 20 || a.varMax > 450 {
			add("FIELDCRM_ALIYUN_VAR_MAX %q must be a whole number from 20 to 450 (35 without the length lift, 150 with it)", a.VarMax)
		}
	}
	a.rate = 10
	if strings.TrimSpace(a.Rate) != "" {
		if _, err := fmt.Sscan(a.Rate, &a.rate); err != nil || a.rate <= 0 {
			add("FIELDCRM_ALIYUN_RATE %q must be a number above 0", a.Rate)
		}
	}
	if !reCallbackSec.MatchString(a.CallbackSecret) {
		add("FIELDCRM_ALIYUN_CALLBACK_SECRET must be 16 to 128 letters, digits, - or _ (it is part of the push URLs, e.g. `openssl rand -hex 16`)")
	}
	if a.allow, err = parseNetworks(a.CallbackAllow); err != nil {
		add("FIELDCRM_ALIYUN_CALLBACK_ALLOW: %v", err)
	}
	if a.proxies, err = parseNetworks(a.TrustedProxies); err != nil {
		add("FIELDCRM_TRUSTED_PROXIES: %v", err)
	}
	return probs
}

// parseTemplateCodes reads name=SMS_code pairs; every name must be one of
// the catalogue's.
func parseTemplateCodes(v string) (map[string]string, []string) {
	known := map[string]bool{}
	for _, t := range templates.SMSCatalogue(aliyun.Provider) {
		known[t.Name] = true
	}
	codes := map[string]string{}
	var probs []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		name, code, ok := strings.Cut(f, "=")
		name, code = strings.TrimSpace(name), strings.TrimSpace(code)
		switch {
		case !ok:
			probs = append(probs, fmt.Sprintf("FIELDCRM_ALIYUN_TEMPLATES: %q is not name=SMS_code", f))
		case !known[name]:
			probs = append(probs, fmt.Sprintf("FIELDCRM_ALIYUN_TEMPLATES: %q is not a template of the catalogue (fieldcrm sms-templates --provider aliyun lists them)", name))
		case !reTemplateCode.MatchString(code):
			probs = append(probs, fmt.Sprintf("FIELDCRM_ALIYUN_TEMPLATES: %s=%q is not a template code like SMS_123456789", name, code))
		case codes[name] != "":
			probs = append(probs, fmt.Sprintf("FIELDCRM_ALIYUN_TEMPLATES: %s is given twice", name))
		default:
			codes[name] = code
		}
	}
	return codes, probs
}

// missingCodes lists the catalogue's templates without a code.
func missingCodes(codes map[string]string) []string {
	var out []string
	for _, t := range templates.SMSCatalogue(aliyun.Provider) {
		if codes[t.Name] == "" {
			out = append(out, t.Name)
		}
	}
	sort.Strings(out)
	return out
}

// parseNetworks reads addresses and networks: 47.96.0.0/12, 10.1.2.3, ::1.
func parseNetworks(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a network (47.96.0.0/12)", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// smsSenders makes the SMS sender of serve: Twilio, Alibaba Cloud, or the
// router between them, as FIELDCRM_SMS_ROUTES says.
func (m *Main) smsSenders(cfg *Config, now func() time.Time) (map[string]outbox.Sender, error) {
	a := &cfg.Aliyun
	if probs := a.validate(nil); len(probs) > 0 { // a Config made in code may not have been validated
		return nil, fmt.Errorf("%w:\n  - %s", errInvalid, strings.Join(probs, "\n  - "))
	}
	senders := map[string]outbox.Sender{}
	if a.TwilioOn() {
		s, err := twilio.NewSender(twilio.Config{AccountSID: cfg.TwilioSID, AuthToken: cfg.TwilioToken,
			APIURL: cfg.TwilioAPIURL, PublicURL: cfg.PublicURL, From: first(cfg.TwilioFrom)})
		if err != nil {
			return nil, err
		}
		senders["twilio"] = s
	}
	if a.On() {
		s, err := aliyun.NewSender(aliyun.Config{AccessKeyID: a.AccessKeyID, AccessKeySecret: a.AccessKeySecret,
			Endpoint: a.Endpoint, SignName: a.SignName, Templates: a.codes, VarMax: a.varMax, Now: now, Location: cfg.location})
		if err != nil {
			return nil, err
		}
		senders[aliyun.Provider] = s
	}
	routes := a.routeList()
	if len(senders) == 1 && slices.Equal(routes, smsroute.Default) {
		return map[string]outbox.Sender{outbox.ChannelSMS: senders["twilio"]}, nil // Twilio alone, as before
	}
	r, err := smsroute.New(routes, senders)
	if err != nil {
		return nil, err
	}
	return map[string]outbox.Sender{outbox.ChannelSMS: r}, nil
}

// outboxPools gives the numbers routed to Alibaba Cloud a sender of their
// own in the outbox ("aliyun:<signature>", FIELDCRM_ALIYUN_RATE per second),
// so that they neither queue behind Twilio's long codes nor show a Twilio
// number as the sender used.
func (a *AliyunConfig) outboxPools(oc *outbox.Config) {
	if !a.On() {
		return
	}
	routes := a.routeList()
	self := []string{aliyun.Provider + ":" + strings.TrimSpace(a.SignName)}
	twilioFrom := oc.From
	oc.Pool = func(to string) []string {
		if smsroute.Pick(routes, to) == aliyun.Provider {
			return self
		}
		return twilioFrom
	}
	rates := map[string]float64{self[0]: a.rate}
	for k, v := range oc.Rates {
		rates[k] = v
	}
	oc.Rates = rates
}

// registerAliyun serves Alibaba Cloud's pushes when it is routed.
func (m *Main) registerAliyun(mux *http.ServeMux, now func() time.Time) {
	a := &m.Config.Aliyun
	if !a.On() {
		return
	}
	h := &aliyun.Handler{Pipeline: m.Pipeline, DB: m.Store.Engine(), Secret: a.CallbackSecret, Allow: a.allow,
		TrustedProxies: a.proxies, Log: m.Log, Now: now, Kick: m.Outbox.Kick}
	if m.ops != nil {
		h.OnStatus = func(id, status string) { m.ops.status(id, status, 0) }
	}
	h.Register(mux)
	base := strings.TrimRight(m.Config.PublicURL, "/")
	attrs := []any{slog.String("smsup", base+"/aliyun/<FIELDCRM_ALIYUN_CALLBACK_SECRET>/smsup"),
		slog.String("smsreport", base+"/aliyun/<FIELDCRM_ALIYUN_CALLBACK_SECRET>/smsreport"),
		slog.String("routes", routesString(a.routeList()))}
	if len(a.allow) == 0 {
		m.Log.Warn("Alibaba Cloud pushes are accepted from any address: only the secret in their URL guards them "+
			"(set FIELDCRM_ALIYUN_CALLBACK_ALLOW to the addresses they come from)", attrs...)
	} else {
		m.Log.Info("Alibaba Cloud SMS on", attrs...)
	}
}

func routesString(rs []smsroute.Route) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.String())
	}
	return strings.Join(s, ",")
}
