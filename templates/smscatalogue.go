package templates

// The catalogue of provider SMS templates.
//
// Domestic Chinese SMS providers (Alibaba Cloud SMS first) send only
// approved templates: fixed text with typed, length-bounded variables, under
// a registered signature. Every SMS fieldcrm sends is mapped onto a small
// set of such templates here, so that a provider can carry it.
//
// CONTRACT (shared by gateway/aliyun and cmd): the names and signatures
// below are the interface. The implementation in this file is a placeholder
// that the catalogue work replaces.

import "errors"

// SMSVar is one variable of a provider template.
type SMSVar struct {
	Name    string // as written in the template: ${Name}
	Type    string // the provider's variable type, e.g. "other", "number", "money", "time"
	Max     int    // most characters the provider accepts in it
	Example string // a value shown to the provider's reviewers
}

// SMSTemplate is one template to submit to a provider for approval.
type SMSTemplate struct {
	Name    string // fieldcrm's own name, e.g. "reply_zh"; configuration maps it to the provider's code
	Lang    string // "en" or "zh"
	Kind    string // the message family it carries: see SMSKindOfKey
	Text    string // the template text with ${Var} placeholders, without the signature
	Purpose string // the purpose / scenario text the provider's form asks for
	Vars    []SMSVar
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

// SMSKindOfKey names the message family of an outbox entry from its
// idempotency key ("reply|SM…" → "reply", a notice key → "notice", …).
func SMSKindOfKey(key string) string {
	return "reply"
}

// SMSCatalogue lists the templates of a provider ("aliyun").
func SMSCatalogue(provider string) []SMSTemplate {
	return []SMSTemplate{{Name: "reply_zh", Lang: "zh", Kind: "reply", Text: "fieldcrm：${content}",
		Purpose: "placeholder", Vars: []SMSVar{{Name: "content", Type: "other", Max: 500, Example: "OK"}}}}
}

// FitSMS maps one SMS body of the given kind onto the provider's templates:
// one or more parts, each within every variable's limits, none losing an id,
// an amount or an instruction. ErrNoSMSTemplate when nothing fits.
func FitSMS(provider, kind, body string) ([]SMSPart, error) {
	return []SMSPart{{Template: "reply_zh", Params: map[string]string{"content": body}, Text: "fieldcrm：" + body}}, nil
}
