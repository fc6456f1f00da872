package gateway

import (
	"strings"

	"golang.org/x/text/width"
)

// Domestic opt-out keywords.
//
// Chinese SMS providers and carriers act on short unsubscribe replies:
// Alibaba Cloud's promotional templates end "拒收请回复R" (reply R to refuse);
// carriers have long taken "TD"; "退订" is the word itself. A provider may
// block the number on seeing one (Huawei Cloud documents R for notifications
// too), so a salesman who sends one to a number served by a domestic
// provider is opted out here as STOP does (no more SMS, not even answers,
// until START / 开始 / 恢复), and told so in his language. Only the whole
// message counts ("TD", " td ", "ＴＤ"; not "TD acme"), and only from such
// numbers (Config.DomesticSMS): elsewhere R stays a REJECT without its #id.
//
// T is not one, though Alibaba Cloud's marketing tasks end "回T退订": T alone
// is the parser's short form of TODAY, which salesmen send every day, and
// fieldcrm sends only notification templates, which may not carry an
// unsubscribe line, so nobody is told to reply T. Should a provider block a
// number on T anyway, its next send fails with the provider's blacklist
// code, which marks the user opted out as Twilio's 21610 does.
// docs/sms-limits.md.

// domesticOptOutWords are the keywords, upper case.
var domesticOptOutWords = map[string]bool{"TD": true, "R": true, "退订": true}

// DomesticOptOut reports whether body, the whole message, is a domestic
// unsubscribe keyword, and returns it normalised ("TD", "R", "退订").
func DomesticOptOut(body string) (string, bool) {
	s := strings.TrimSpace(width.Narrow.String(body)) // ＴＤ and the ideographic space as typed on a Chinese keypad
	s = strings.ToUpper(s)
	if domesticOptOutWords[s] {
		return s, true
	}
	return "", false
}

// optOutBody returns what the parser reads for a domestic unsubscribe
// keyword from in: STOP (退订 when the keyword was Chinese, so that the
// confirmation is in Chinese), or "" when in is not one.
func (p *Pipeline) optOutBody(in Inbound) string {
	if in.Channel != ChannelSMS || p.cfg.DomesticSMS == nil || !p.cfg.DomesticSMS(in.From) {
		return ""
	}
	kw, ok := DomesticOptOut(in.Body)
	switch {
	case !ok:
		return ""
	case kw == "退订":
		return kw
	}
	return "STOP"
}
