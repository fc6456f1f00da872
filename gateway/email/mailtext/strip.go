package mailtext

import (
	"regexp"
	"strings"
)

// Attribution lines ("On … wrote:") introduce a quote. Each pattern is
// matched against a whole (trimmed) line, or two lines joined when a mail
// client wrapped it.
var attributionRes = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^on\s.{4,}\swrote:$`),                    // Gmail, Apple Mail, Thunderbird
	regexp.MustCompile(`(?i)^am\s.{4,}\sschrieb\s.*:$`),              // German
	regexp.MustCompile(`(?i)^le\s.{4,}\sa\sécrit\s?:$`),              // French
	regexp.MustCompile(`^.{2,}(写道|寫道)\s?[:：]$`),                      // Chinese Gmail, 163, Apple Mail
	regexp.MustCompile(`(?i)^.{1,100}\s(wrote|writes|schrieb)\s?:$`), // "Liu Yang wrote:" (weak)
}

// Separators after which everything is the earlier message (or a
// forwarded one): cut there.
var separatorRes = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^-{2,}\s*(original message|original|原始邮件|邮件原件|原邮件|原始郵件|forwarded message|转发的邮件|轉寄的郵件|转发邮件|message d'origine|ursprüngliche nachricht|weitergeleitete nachricht|reply message|回复的原邮件)\s*-{2,}$`),
	regexp.MustCompile(`(?i)^(begin forwarded message|anfang der weitergeleiteten nachricht|以下是转发的邮件|转发的邮件|下面是被转发的邮件)\s?[:：]?$`),
}

// Mobile and webmail footers, matched against a whole line.
var footerRes = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^sent from my [\pL\pN .,'()_-]{1,40}$`),
	regexp.MustCompile(`(?i)^sent from (mail for windows( 1[01])?|outlook( for (ios|android))?|yahoo mail( for (iphone|android))?|samsung mobile|huawei mobile|my mobile|gmail mobile|the mail app)\s*(<[^>]*>)?$`),
	regexp.MustCompile(`(?i)^get outlook for (ios|android)\s*(<[^>]*>)?$`),
	regexp.MustCompile(`(?i)^(envoyé de mon|enviado desde mi|von meinem|gesendet von meinem) [\pL\pN .,'()_-]{1,40}$`),
	regexp.MustCompile(`^(发自|來自|来自)我的.{1,20}$`),
	regexp.MustCompile(`^从我的.{0,20}发送$`),
	regexp.MustCompile(`(?i)^(发自|来自)\s?.{0,12}(邮箱|邮件|郵件|客户端|mail)(大师|app)?$`),
}

// Header-like lines of an Outlook/QQ/Foxmail "From: … Sent: …" block.
var (
	headerFromRe = regexp.MustCompile(`(?i)^\*?(from|发件人|寄件者|寄件人|von|de)\*?\s?[:：]\s*\S`)
	headerNextRe = regexp.MustCompile(`(?i)^\*?(sent|date|to|cc|subject|发送时间|时间|日期|收件人|抄送|主题|寄件日期|收件者|副本|主旨|gesendet|datum|an|betreff|envoyé|objet|à)\*?\s?[:：]`)
	underscoreRe = regexp.MustCompile(`^_{10,}$`)
)

// Strip removes from text what follows the sender's own words: quoted
// earlier messages (">" lines and their "On … wrote:" attribution),
// Outlook, QQ Mail and Foxmail original-message blocks, forwarded messages
// (the sender's note above the marker is kept), signatures after a "-- "
// line and mobile footers ("Sent from my iPhone", "发自我的iPhone").
//
// It works line by line and only acts on lines that match a marker as a
// whole, so own text such as "A17 done -- wants quote" or "From Monday on"
// survives. Text written below or between quotes (bottom posting,
// interleaved replies) is kept. Lines lose trailing white space; leading
// and trailing blank lines and blank lines left doubled by a removal go.
func Strip(text string) string {
	lines := strings.Split(text, "\n")
	var out []string
	gap := false // something was removed since the last kept line
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if isQuoted(line) {
			gap = true
			continue
		}
		if n, strong := attribution(lines, i); n > 0 {
			j := nextNonBlank(lines, i+n)
			if j == len(lines) || isQuoted(lines[j]) {
				i += n - 1
				gap = true
				continue
			}
			if strong {
				break
			}
		}
		if isCut(lines, i) {
			break
		}
		line = strings.TrimRight(line, " \t\r")
		if norm(line) == "" {
			if len(out) == 0 || (gap && out[len(out)-1] == "") {
				continue
			}
			line = ""
		} else {
			gap = false
		}
		out = append(out, line)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}

// norm trims a line and turns non-breaking spaces (also a literal
// "&nbsp;" left by QQ Mail) into plain spaces.
func norm(line string) string {
	line = strings.ReplaceAll(line, "&nbsp;", " ")
	line = strings.ReplaceAll(line, "\u00a0", " ")
	line = strings.ReplaceAll(line, "\u3000", " ")
	return strings.TrimSpace(line)
}

// isQuoted reports a ">"-quoted line.
func isQuoted(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), ">")
}

// nextNonBlank returns the index of the first non-blank line from i on,
// len(lines) if none.
func nextNonBlank(lines []string, i int) int {
	for i < len(lines) && norm(lines[i]) == "" {
		i++
	}
	return i
}

// attribution reports whether lines[i] (or lines[i] and lines[i+1]
// joined) is a quote attribution, how many lines it takes, and whether it
// is strong (carries a date or an address), so that it may cut even when
// no ">" quote follows.
func attribution(lines []string, i int) (n int, strong bool) {
	t := norm(lines[i])
	if t == "" || len(t) > 300 {
		return 0, false
	}
	if matchAny(attributionRes, t) {
		return 1, strongAttribution(t)
	}
	if i+1 < len(lines) && !isQuoted(lines[i+1]) {
		if next := norm(lines[i+1]); next != "" && len(next) < 120 {
			j := t + " " + next
			if strings.HasSuffix(t, "<") || strings.HasSuffix(t, "\uff0c") {
				j = t + next
			}
			if matchAny(attributionRes[:4], j) && strongAttribution(j) {
				return 2, true
			}
		}
	}
	return 0, false
}

// strongAttribution: an attribution naming an address or a date/time
// (a year, a clock time, a numeric date, 年/月/日).
func strongAttribution(t string) bool {
	return strings.Contains(t, "@") || dateLikeRe.MatchString(t)
}

var dateLikeRe = regexp.MustCompile(`\d{4}|\d{1,2}:\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d\s*[年月日]`)

// isCut reports whether lines[i] starts the part that is not the
// sender's: a signature delimiter, an original/forwarded message
// separator, a mobile footer, or an Outlook-style header block.
func isCut(lines []string, i int) bool {
	raw := strings.TrimRight(lines[i], "\r")
	if raw == "-- " || raw == "--" {
		return true
	}
	t := norm(raw)
	if t == "" {
		return false
	}
	if t == "--" || matchAny(separatorRes, t) || matchAny(footerRes, t) {
		return true
	}
	if underscoreRe.MatchString(t) {
		j := nextNonBlank(lines, i+1)
		return j == len(lines) || headerBlock(lines, j)
	}
	return headerBlock(lines, i)
}

// headerBlock reports a "From: …" line followed directly by another
// header-like line ("Sent:", "To:", "发送时间:" …) within the next two lines.
func headerBlock(lines []string, i int) bool {
	if !headerFromRe.MatchString(norm(lines[i])) {
		return false
	}
	for j := i + 1; j < len(lines) && j <= i+2; j++ {
		if headerNextRe.MatchString(norm(lines[j])) {
			return true
		}
	}
	return false
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// closingRe is a closing formula alone on its line, or before a name
// ("Regards", "Best regards,", "Thanks, Zhao", "谢谢", "此致敬礼").
var closingRe = regexp.MustCompile(`(?i)^(best |kind |warm )?(regards|rgds|br|thanks|thank you|thx|cheers|best|sincerely|yours)\b[,.!]?\s*|^(谢谢|多谢|此致敬礼|此致|祝好|顺祝商祺)[,，.。!！]?\s*`)

// signOffDashRe is a dash or tilde before a name ("- Zhao", "— 王军", "~Zhao").
var signOffDashRe = regexp.MustCompile(`^[-–—~]+\s*`)

// StripSignOff removes from the end of reply the lines that only sign it
// off: a closing formula ("Regards", "Thanks,", "谢谢") and the sender's
// name, alone or together ("Thanks, Zhao", "- Zhao Lei", "王军"), as
// mobile mail puts them above "Sent from my phone". names are the sender's
// names as known (display name, registered name, the local part of the
// address); a line counts as his name when each of its words is a word of
// one of them, or when it is one of them whole. Anything else ends the
// sign-off, so a command on the last line is kept.
func StripSignOff(reply string, names ...string) string {
	words := map[string]bool{}
	whole := map[string]bool{}
	initials := map[byte]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		whole[strings.Join(strings.Fields(n), " ")] = true
		for _, w := range strings.FieldsFunc(n, func(r rune) bool { return r == ' ' || r == '.' || r == '_' || r == '-' || r == ',' }) {
			if len(w) > 1 || w > "\x7f" {
				words[w], initials[w[0]] = true, true
			}
		}
	}
	isName := func(s string) bool {
		s = strings.ToLower(strings.TrimSpace(strings.TrimRight(s, ".,!，。")))
		if s == "" {
			return false
		}
		if whole[strings.Join(strings.Fields(s), " ")] {
			return true
		}
		for _, w := range strings.Fields(s) {
			w = strings.TrimRight(w, ".")
			if !words[w] && !(len(w) == 1 && initials[w[0]]) { // "Zhao L."
				return false
			}
		}
		return true
	}
	lines := strings.Split(reply, "\n")
	end := len(lines)
	for end > 1 { // the first line is never a sign-off: a one-line mail is a command
		t := norm(lines[end-1])
		if t == "" {
			end--
			continue
		}
		rest := signOffDashRe.ReplaceAllString(t, "")
		closing := false
		if loc := closingRe.FindStringIndex(rest); loc != nil {
			closing, rest = true, strings.TrimSpace(rest[loc[1]:])
		}
		if len(t) > 60 || (rest != "" && !isName(rest)) || (rest == "" && !closing) {
			break
		}
		end--
	}
	return strings.TrimRight(strings.Join(lines[:end], "\n"), "\n \t")
}
