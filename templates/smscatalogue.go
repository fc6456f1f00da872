package templates

// The catalogue of provider SMS templates.
//
// Domestic Chinese SMS providers (Alibaba Cloud SMS first) send only
// approved templates: fixed text with typed, length-bounded variables, under
// a registered signature. Every SMS fieldcrm sends is mapped onto a small
// set of such templates here, so that a provider can carry it.
//
// The design (docs/sms-templates.md): one notification template per message
// family and language, whose fixed text names the scenario (a company CRM
// writing to its own staff) and whose one variable carries the message as
// templates/ words it; a continuation template for the parts of a message
// longer than that variable; and a fully fixed template for the answer to a
// number that is not registered. The wording of the messages stays in
// sms/*.tmpl and can change without a new approval; what the provider
// approves is the frame and the limits.
//
// CONTRACT (shared by gateway/aliyun and cmd): SMSVar, SMSTemplate, SMSPart,
// SMSKindOfKey, SMSCatalogue, FitSMS and ErrNoSMSTemplate keep their names
// and signatures; fields are only added.

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// SMSVar is one variable of a provider template.
type SMSVar struct {
	Name    string // as written in the template: ${Name}
	Type    string // the provider's variable type: "other" (其他) or "other_number" (其他号码)
	Max     int    // most characters the provider accepts in it
	Example string // a value shown to the provider's reviewers
	// Extended is set when Max is above the provider's default for Type
	// (35 for "other" at Alibaba Cloud): the application must ask to lift
	// the variable length limit (解除变量长度限制), as the purpose says.
	Extended bool
}

// SMSTemplate is one template to submit to a provider for approval.
type SMSTemplate struct {
	Name    string // fieldcrm's own name, e.g. "reply_zh"; configuration maps it to the provider's code
	Lang    string // "en" or "zh"
	Kind    string // the message family it carries: see SMSKindOfKey; "" for the continuation template
	Text    string // the template text with ${Var} placeholders, without the signature
	Purpose string // the purpose / scenario text the provider's form asks for
	Vars    []SMSVar

	// Type is the provider's template type: "notification" (通知短信) for
	// everything but the web console's sign-in code, which goes out as a
	// "verification" (验证码) template; fieldcrm sends no marketing.
	Type string
	// Continues is set on the template that carries the second and later
	// parts of a message split to the variables' limits.
	Continues bool
	// Example is a whole message as the recipient reads it (signature
	// excluded), for the reviewers.
	Example string
}

// SMSPart is one SMS to send through a provider template.
type SMSPart struct {
	Template string            // SMSTemplate.Name
	Params   map[string]string // variable → value, every variable of the template set
	Text     string            // what the recipient reads (template filled), without the signature
}

// ErrNoSMSTemplate is returned by FitSMS when no template of the catalogue
// can carry a message.
var ErrNoSMSTemplate = errors.New("templates: no SMS template fits the message")

// Message families (SMSTemplate.Kind, SMSKindOfKey).
const (
	SMSKindReply      = "reply"      // the answer to a message the user sent: confirmations, refusals, choices, lists, MORE pages, help
	SMSKindNotice     = "notice"     // something a colleague did that concerns the user: assignments, rejections, approvals, new leads, changes to his customers
	SMSKindReminder   = "reminder"   // the user's own activity is due or overdue
	SMSKindEscalation = "escalation" // an assigned activity not done in time: escalated to the manager, or taken back
	SMSKindSummary    = "summary"    // the morning summary of a salesman, the daily digest of a manager
	SMSKindCode       = "code"       // the web console's one-time sign-in code (a verification template)
)

// SMSKindOfKey names the message family of an outbox entry from its
// idempotency key: "reply|<message id>" is a reply; the scheduler's
// "job|user|item|period" keys are reminders (overdue), escalations
// (escalate, takeback) and summaries (summary, digest); every other key
// (crm's "type|to|kind|id|changeset" notices, "colleague_activity|…",
// "contact_removed|…", or none) is a notice.
func SMSKindOfKey(key string) string {
	head, _, _ := strings.Cut(key, "|")
	switch head {
	case "reply":
		return SMSKindReply
	case "overdue":
		return SMSKindReminder
	case "escalate", "takeback":
		return SMSKindEscalation
	case "summary", "digest":
		return SMSKindSummary
	case "signin":
		return SMSKindCode
	}
	return SMSKindNotice
}

// Provider limits (Alibaba Cloud SMS, docs/sms-templates.md).
const (
	// SMSMaxTotal is the most characters one SMS may have: signature, fixed
	// text and variable values together.
	SMSMaxTotal = 500
	// SMSMaxSignature is the longest signature (签名) the provider registers,
	// without its 【】.
	SMSMaxSignature = 12
	// smsDefaultOther is the provider's default limit of an "other" variable.
	smsDefaultOther = 35
	// SMSDefaultContentMax is what fieldcrm asks for its content variable:
	// with the longest fixed text and signature, one part stays within 3
	// segments of 67 characters, far below SMSMaxTotal.
	SMSDefaultContentMax = 150
	// smsMinContent is the smallest content limit FitSMSMax takes: below it
	// a long instruction could not stay whole.
	smsMinContent = 20
	// smsMaxMessage is the longest message FitSMS takes, in characters:
	// every message fieldcrm words is far below (the longest run to about
	// 330, 3 parts at 150, 12 at 35).
	smsMaxMessage = 1000
	// smsMaxParts is the most SMS one message may become (the part number
	// variables have 2 digits).
	smsMaxParts = 99
)

// catalogue is one provider's templates with what FitSMS needs to choose.
type catalogue struct {
	list []SMSTemplate
	// by language: the family template of each kind, the continuation
	// template, and the fixed templates (matched by their whole text)
	family   map[string]map[string]*frame
	cont     map[string]*frame
	fixed    map[string][]*frame
	codes    map[string]*codeFrame // by language: the verification template
	maxParts int
}

// codeFrame is the verification template: its fixed text around ${code},
// as a pattern that finds the code in the SMS as fieldcrm words it.
type codeFrame struct {
	t  *SMSTemplate
	re *regexp.Regexp
}

// frame is a template cut at its content variable: prefix + content + suffix
// (the continuation's prefix also holds its part numbers).
type frame struct {
	t              *SMSTemplate
	prefix, suffix string // around ${content} (around ${part}…${content} for the continuation)
	mid            string // continuation: between ${part} and ${parts}
	mid2           string // continuation: between ${parts} and ${content}
	max            int    // the content variable's limit
}

// catalogues caches the catalogue of each provider and content limit.
var catalogues sync.Map // "provider|max" → *catalogue

// aliyun returns the Alibaba Cloud catalogue with the content variable
// limited to max characters (SMSDefaultContentMax when max is 0).
func aliyun(max int) *catalogue {
	if max <= 0 {
		max = SMSDefaultContentMax
	}
	key := "aliyun|" + strconv.Itoa(max)
	if c, ok := catalogues.Load(key); ok {
		return c.(*catalogue)
	}
	list := aliyunTemplates(notRegisteredOnce(), signinCodeOnce())
	for i := range list {
		for j := range list[i].Vars {
			if v := &list[i].Vars[j]; v.Name == "content" {
				v.Max, v.Extended = max, max > smsDefaultOther
				list[i].Purpose = strings.ReplaceAll(list[i].Purpose, smsContentNote, contentNote(max))
				if runeLen(v.Example) > max {
					v.Example = firstPiece(v.Example, max)
					list[i].Example = strings.Replace(list[i].Text, "${content}", v.Example, 1)
					list[i].Example = strings.NewReplacer("${part}", "2", "${parts}", "2").Replace(list[i].Example)
				}
			}
		}
	}
	c, _ := catalogues.LoadOrStore(key, buildCatalogue(list, smsMaxParts))
	return c.(*catalogue)
}

// firstPiece is the first piece of s split to max characters.
func firstPiece(s string, max int) string {
	if p, err := splitContent(s, max, max, 99); err == nil && len(p) > 0 {
		return p[0]
	}
	return string([]rune(s)[:max])
}

var (
	notRegisteredOnce = sync.OnceValue(notRegistered)
	signinCodeOnce    = sync.OnceValue(signinCode)
)

// signinCode is the sign-in code SMS of each language, as
// sms/<locale>/signin_code.tmpl words it, with ${code} for the code: the
// verification template's text.
func signinCode() map[string]string {
	out := map[string]string{}
	set, err := New()
	if err != nil {
		return out
	}
	for _, loc := range Locales {
		if s, err := set.SMS(loc, "signin_code", SigninCodeData{Code: "${code}", Minutes: 10}); err == nil {
			out[loc] = s
		}
	}
	return out
}

// notRegistered is the answer to an unknown number in each language, as
// sms/<locale>/not_registered.tmpl words it: the fixed template is that text.
func notRegistered() map[string]string {
	out := map[string]string{}
	set, err := New()
	if err != nil {
		return out
	}
	for _, loc := range Locales {
		if s, err := set.SMS(loc, "not_registered", struct{}{}); err == nil {
			out[loc] = s
		}
	}
	return out
}

func catalogueOf(provider string, max int) *catalogue {
	switch strings.ToLower(strings.TrimSpace(provider)) {
	case "aliyun", "alibaba", "alibabacloud":
		return aliyun(max)
	}
	return nil
}

// SMSCatalogue lists the templates of a provider ("aliyun"); nil for a
// provider fieldcrm has no catalogue for.
func SMSCatalogue(provider string) []SMSTemplate { return SMSCatalogueMax(provider, 0) }

// SMSCatalogueMax is SMSCatalogue with the content variable limited to max
// characters instead of SMSDefaultContentMax: for a dealer whose provider
// approved a different limit (35 when it refused to lift it). 0 is the
// default.
func SMSCatalogueMax(provider string, max int) []SMSTemplate {
	c := catalogueOf(provider, max)
	if c == nil {
		return nil
	}
	out := make([]SMSTemplate, len(c.list))
	for i, t := range c.list {
		t.Vars = append([]SMSVar(nil), t.Vars...)
		out[i] = t
	}
	return out
}

// FitSMS maps one SMS body of the given kind onto the provider's templates:
// one or more parts, each within every variable's limits, none losing an id,
// an amount or an instruction. ErrNoSMSTemplate when nothing fits.
//
// The body is the text as fieldcrm would send it (templates.SMS, Fit, Page).
// Its language is Chinese when it holds Chinese characters. A body that is
// exactly a fixed template's text goes out as that template. Otherwise the
// body fills the family template of its kind; a body longer than the content
// variable is split, between lines, then sentences, then clauses, then
// words (never inside a #id, an amount, a <placeholder>, and never inside a
// sentence that tells what to reply while it fits one part), and the
// second and later parts go out as the continuation template, numbered.
// Characters the provider refuses in a variable (【】, links, a few symbols)
// are replaced (see smsClean); nothing is cut.
func FitSMS(provider, kind, body string) ([]SMSPart, error) {
	return FitSMSMax(provider, kind, body, 0)
}

// FitSMSMax is FitSMS with the content variable limited to max characters
// (see SMSCatalogueMax; 0 is the default). A message takes more parts under
// a smaller limit.
func FitSMSMax(provider, kind, body string, max int) ([]SMSPart, error) {
	if max != 0 && max < smsMinContent {
		return nil, fmt.Errorf("%w: a content limit of %d characters is below %d", ErrNoSMSTemplate, max, smsMinContent)
	}
	c := catalogueOf(provider, max)
	if c == nil {
		return nil, fmt.Errorf("%w: no catalogue for provider %q", ErrNoSMSTemplate, provider)
	}
	return c.fit(kind, body)
}

func (c *catalogue) fit(kind, body string) ([]SMSPart, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, fmt.Errorf("%w: empty message", ErrNoSMSTemplate)
	}
	cjk, dirty, runes := smsScan(body)
	lang := "en"
	if cjk {
		lang = "zh"
	}
	if kind == SMSKindCode { // only ever the verification template: the code is its one variable
		cf := c.codes[lang]
		if cf == nil {
			return nil, fmt.Errorf("%w: no %s verification template", ErrNoSMSTemplate, lang)
		}
		m := cf.re.FindStringSubmatch(body)
		if m == nil {
			return nil, fmt.Errorf("%w: the sign-in code SMS is not the verification template's text", ErrNoSMSTemplate)
		}
		return []SMSPart{{Template: cf.t.Name, Params: map[string]string{"code": m[1]}, Text: body}}, nil
	}
	for _, f := range c.fixed[lang] {
		if f.t.Text == body && (f.t.Kind == kind || kind == "") {
			return []SMSPart{{Template: f.t.Name, Params: map[string]string{}, Text: body}}, nil
		}
	}
	if kind == "" {
		kind = SMSKindNotice
	}
	fam := c.family[lang][kind]
	if fam == nil {
		return nil, fmt.Errorf("%w: no %s template for kind %q", ErrNoSMSTemplate, lang, kind)
	}
	content := body
	if dirty {
		content = smsClean(body, cjk)
		runes = runeLen(content)
	}
	if runes > smsMaxMessage {
		return nil, fmt.Errorf("%w: %d characters, at most %d", ErrNoSMSTemplate, runes, smsMaxMessage)
	}
	if runes <= fam.max {
		return []SMSPart{fam.fill(content)}, nil
	}
	cont := c.cont[lang]
	if cont == nil {
		return nil, fmt.Errorf("%w: %d characters and no continuation template", ErrNoSMSTemplate, runeLen(content))
	}
	pieces, err := splitContent(content, fam.max, cont.max, c.maxParts)
	if err != nil {
		return nil, err
	}
	parts := make([]SMSPart, len(pieces))
	parts[0] = fam.fill(pieces[0])
	for i := 1; i < len(pieces); i++ {
		parts[i] = cont.fillPart(pieces[i], i+1, len(pieces))
	}
	return parts, nil
}

func (f *frame) fill(content string) SMSPart {
	return SMSPart{Template: f.t.Name, Params: map[string]string{"content": content}, Text: f.prefix + content + f.suffix}
}

func (f *frame) fillPart(content string, n, of int) SMSPart {
	ns, ofs := strconv.Itoa(n), strconv.Itoa(of)
	return SMSPart{Template: f.t.Name, Params: map[string]string{"part": ns, "parts": ofs, "content": content},
		Text: f.prefix + ns + f.mid + ofs + f.mid2 + content + f.suffix}
}

func runeLen(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

// buildCatalogue indexes the templates; it panics on a template whose text
// does not have the variables the code fills (a programming error, caught by
// every test).
func buildCatalogue(list []SMSTemplate, maxParts int) *catalogue {
	c := &catalogue{list: list, family: map[string]map[string]*frame{}, cont: map[string]*frame{},
		fixed: map[string][]*frame{}, codes: map[string]*codeFrame{}, maxParts: maxParts}
	for i := range c.list {
		t := &c.list[i]
		f := &frame{t: t}
		switch {
		case t.Kind == SMSKindCode:
			pre, suf, ok := strings.Cut(t.Text, "${code}")
			if !ok || len(t.Vars) != 1 {
				panic("templates: verification template " + t.Name + " must have the one variable ${code}")
			}
			c.codes[t.Lang] = &codeFrame{t: t, re: regexp.MustCompile(`^` + regexp.QuoteMeta(pre) + `(\d{4,8})` + regexp.QuoteMeta(suf) + `$`)}
			continue
		case len(t.Vars) == 0:
			c.fixed[t.Lang] = append(c.fixed[t.Lang], f)
			continue
		case t.Continues:
			pre, rest, ok1 := strings.Cut(t.Text, "${part}")
			mid, rest2, ok2 := strings.Cut(rest, "${parts}")
			mid2, suf, ok3 := strings.Cut(rest2, "${content}")
			if !ok1 || !ok2 || !ok3 {
				panic("templates: continuation template " + t.Name + " lacks ${part}, ${parts} or ${content}")
			}
			f.prefix, f.mid, f.mid2, f.suffix = pre, mid, mid2, suf
			c.cont[t.Lang] = f
		default:
			pre, suf, ok := strings.Cut(t.Text, "${content}")
			if !ok || len(t.Vars) != 1 {
				panic("templates: family template " + t.Name + " must have the one variable ${content}")
			}
			f.prefix, f.suffix = pre, suf
			if c.family[t.Lang] == nil {
				c.family[t.Lang] = map[string]*frame{}
			}
			c.family[t.Lang][t.Kind] = f
		}
		for _, v := range t.Vars {
			if v.Name == "content" {
				f.max = v.Max
			}
		}
	}
	return c
}
