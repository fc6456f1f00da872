package mailtext

import (
	"strings"
)

// Auto reports whether m was sent by a machine rather than a person
// (auto-reply, bounce, list or bulk mail, no-reply sender) and why:
// "auto-submitted", "auto-reply", "bounce", "bulk", "list" or "noreply".
// Such mail must not be answered (no reply loops) nor run as commands.
func Auto(m *Message) (bool, string) {
	if m == nil {
		return false, ""
	}
	hv := func(k string) string { return headerValue(m.Header, k) }
	has := func(k string) bool { _, ok := m.Header[k]; return ok }

	ctype, _ := params(hv("Content-Type"))
	switch {
	case ctype == "multipart/report":
		return true, "bounce"
	case isDaemon(localPart(m.From)) || isDaemon(localPart(m.ReturnPath)):
		return true, "bounce"
	case has("Return-Path") && m.ReturnPath == "" && strings.Contains(hv("Return-Path"), "<>"):
		return true, "bounce"
	case has("Auto-Submitted") && !strings.EqualFold(firstToken(hv("Auto-Submitted")), "no"):
		return true, "auto-submitted"
	case has("X-Autoreply") || has("X-Autorespond") || has("X-Autoresponder"):
		return true, "auto-reply"
	case suppressesAuto(hv("X-Auto-Response-Suppress")):
		return true, "auto-reply"
	}
	switch strings.ToLower(firstToken(hv("Precedence"))) {
	case "bulk", "junk":
		return true, "bulk"
	case "list":
		return true, "list"
	case "auto_reply":
		return true, "auto-reply"
	}
	switch {
	case has("List-Id") || has("List-Unsubscribe"):
		return true, "list"
	case isNoReply(localPart(m.From)) || isNoReply(localPart(m.ReturnPath)):
		return true, "noreply"
	}
	return subjectAuto(m.Subject)
}

// headerValue returns the first value of a canonical header key.
func headerValue(h map[string][]string, k string) string {
	if vs := h[k]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// firstToken returns the first word of v, without a trailing ';'.
func firstToken(v string) string {
	f := strings.Fields(strings.ReplaceAll(v, ";", " "))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// suppressesAuto reports an X-Auto-Response-Suppress value of All or
// one naming OOF (set by Exchange on out-of-office and similar replies).
func suppressesAuto(v string) bool {
	for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if strings.EqualFold(t, "all") || strings.EqualFold(t, "oof") {
			return true
		}
	}
	return false
}

// localPart returns the lower-cased local part of addr without a +tag.
func localPart(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	l := strings.ToLower(addr[:i])
	if j := strings.IndexByte(l, '+'); j >= 0 {
		l = l[:j]
	}
	return l
}

// squash removes the separators people put in "no-reply" style names.
func squash(l string) string {
	return strings.NewReplacer("-", "", "_", "", ".", "").Replace(l)
}

func isDaemon(local string) bool {
	switch squash(local) {
	case "mailerdaemon", "postmaster":
		return true
	}
	return false
}

func isNoReply(local string) bool {
	switch squash(local) {
	case "noreply", "donotreply", "dontreply", "noreplies", "bounce", "bounces":
		return true
	}
	return false
}

// Subject prefixes of auto-replies and bounces that carry no header
// telling so (QQ Mail, older Exchange, many mail robots).
var (
	autoReplySubjects = []string{"automatic reply:", "auto reply:", "autoreply:", "auto-reply:", "out of office:", "自动回复:", "自动回复：", "自動回覆:", "自動回覆："}
	bounceSubjects    = []string{"undeliverable:", "undelivered mail returned to sender", "delivery status notification (failure)", "mail delivery failed", "failure notice", "系统退信", "退信"}
)

// subjectAuto recognises auto-reply and bounce subjects.
func subjectAuto(subject string) (bool, string) {
	s := strings.ToLower(strings.TrimSpace(subject))
	for _, p := range bounceSubjects {
		if strings.HasPrefix(s, p) {
			return true, "bounce"
		}
	}
	for _, p := range autoReplySubjects {
		if strings.HasPrefix(s, p) {
			return true, "auto-reply"
		}
	}
	return false, ""
}
