package templates_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/fieldcrm/fieldcrm/templates"
)

// smsKindOf is the family each SMS template goes out as: the kind
// SMSKindOfKey gives the outbox key it is queued with (replies "reply|sid",
// crm's notices, the scheduler's "overdue|…", "escalate|…", "takeback|…",
// "summary|…", "digest|…"). day_reminder, read_as and kept_note are put into
// a reply.
func smsKindOf(name string) string {
	switch {
	case strings.HasPrefix(name, "notice_"):
		return templates.SMSKindNotice
	case name == "job_overdue":
		return templates.SMSKindReminder
	case name == "job_escalation", name == "job_takeback", name == "job_takeback_manager":
		return templates.SMSKindEscalation
	case name == "job_summary", name == "job_digest":
		return templates.SMSKindSummary
	}
	return templates.SMSKindReply
}

// smsMessage is one SMS fieldcrm sends: a template's variant, one page of it.
type smsMessage struct {
	loc, name, label, kind, body string
}

// allSMS renders every variant of every SMS template in both languages, as
// TestGoldenSMS does, and pages the lists as the pipeline does.
func allSMS(t testing.TB) []smsMessage {
	set := templates.MustNew()
	var out []smsMessage
	for _, loc := range templates.Locales {
		cases := smsCases(loc == "zh")
		for _, name := range set.SMSNames(loc) {
			vs, ok := cases[name]
			if !ok {
				t.Fatalf("sms/%s/%s: no golden case", loc, name)
			}
			for _, v := range vs {
				text, err := set.SMS(loc, name, v.data)
				if err != nil {
					t.Fatalf("%s/%s %s: %v", loc, name, v.label, err)
				}
				pages := []string{text}
				if paged[name] {
					first, rest := templates.Page(text, 2, templates.More(loc))
					pages = append([]string{first}, rest...)
				}
				for i, p := range pages {
					label := v.label
					if len(pages) > 1 {
						label = fmt.Sprintf("%s, page %d", v.label, i+1)
					}
					out = append(out, smsMessage{loc, name, label, smsKindOf(name), p})
				}
			}
		}
	}
	// what the pipeline puts together: the day's reminder on a line before
	// the reply, how a misspelt verb was read before it, what was kept as a
	// note after it (gateway/pipeline.go)
	body := func(loc, name, label string) string {
		for _, m := range out {
			if m.loc == loc && m.name == name && m.label == label {
				return m.body
			}
		}
		t.Fatalf("no %s/%s %s", loc, name, label)
		return ""
	}
	for _, loc := range templates.Locales {
		reply := body(loc, "read_as", "typical") + " " + body(loc, "ok_activity", "longest")
		switch {
		case strings.HasSuffix(reply, ".") || strings.HasSuffix(reply, "。"):
			reply += " "
		case loc == "zh":
			reply += "。"
		default:
			reply += ". "
		}
		out = append(out,
			smsMessage{loc, "day_reminder+read_as+ok_activity+kept_note", "longest", templates.SMSKindReply,
				body(loc, "day_reminder", "longest") + "\n" + reply + body(loc, "kept_note", "longest")},
			smsMessage{loc, "day_reminder+today", "longest, page 1", templates.SMSKindReply,
				body(loc, "day_reminder", "longest") + "\n" + body(loc, "today", "longest, page 1")})
	}
	return out
}

// The provider's rules for a variable value (docs/sms-templates.md).
var (
	reLink      = regexp.MustCompile(`(?i)(https?://|www\.|\b[a-z0-9-]+\.(com|cn|net|org|io|gov|edu|info|biz|co|me|xyz|top|vip|cc|tv)\b)`)
	badSymbols  = "【】『』「」〖〗★☆※→•²③①②"
	reVarName   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	reVarInText = regexp.MustCompile(`\$\{([^}]*)\}`)
)

// checkPart returns what breaks a rule in one part.
func checkPart(cat map[string]templates.SMSTemplate, p templates.SMSPart) []string {
	var bad []string
	tpl, ok := cat[p.Template]
	if !ok {
		return []string{fmt.Sprintf("template %q is not in the catalogue", p.Template)}
	}
	want := tpl.Text
	if len(p.Params) != len(tpl.Vars) {
		bad = append(bad, fmt.Sprintf("%d params for %d variables", len(p.Params), len(tpl.Vars)))
	}
	for _, v := range tpl.Vars {
		val, ok := p.Params[v.Name]
		if !ok {
			bad = append(bad, "no value for "+v.Name)
			continue
		}
		n := len([]rune(val))
		switch {
		case n == 0:
			bad = append(bad, v.Name+" is empty")
		case n > v.Max:
			bad = append(bad, fmt.Sprintf("%s has %d characters, at most %d", v.Name, n, v.Max))
		}
		if strings.TrimSpace(val) != val {
			bad = append(bad, v.Name+" starts or ends with white space")
		}
		switch v.Type {
		case "other_number":
			if strings.TrimFunc(val, unicode.IsDigit) != "" {
				bad = append(bad, fmt.Sprintf("%s=%q is not a number", v.Name, val))
			}
		case "other":
			if strings.ContainsAny(val, badSymbols) {
				bad = append(bad, fmt.Sprintf("%s holds a symbol the provider refuses: %q", v.Name, val))
			}
			if m := reLink.FindString(val); m != "" {
				bad = append(bad, fmt.Sprintf("%s holds a link %q", v.Name, m))
			}
		default:
			bad = append(bad, "unknown variable type "+v.Type)
		}
		want = strings.ReplaceAll(want, "${"+v.Name+"}", val)
	}
	if p.Text != want {
		bad = append(bad, fmt.Sprintf("text %q, the template filled reads %q", p.Text, want))
	}
	if n := len([]rune(p.Text)) + templates.SMSMaxSignature + 2; n > templates.SMSMaxTotal {
		bad = append(bad, fmt.Sprintf("%d characters with the longest signature, at most %d", n, templates.SMSMaxTotal))
	}
	return bad
}

func catalogueByName(t testing.TB) map[string]templates.SMSTemplate {
	list := templates.SMSCatalogue("aliyun")
	if len(list) == 0 {
		t.Fatal("no aliyun catalogue")
	}
	m := map[string]templates.SMSTemplate{}
	for _, tpl := range list {
		m[tpl.Name] = tpl
	}
	return m
}

// TestGoldenSMSCatalogue puts every SMS fieldcrm can send, in both
// languages, through FitSMS: each must fit, every part must keep every rule
// of the template it goes out as, and the golden file shows the template and
// the values of each.
func TestGoldenSMSCatalogue(t *testing.T) {
	cat := catalogueByName(t)
	msgs := allSMS(t)
	golden := map[string]*strings.Builder{}
	split := 0
	for _, m := range msgs {
		parts, err := templates.FitSMS("aliyun", m.kind, m.body)
		if err != nil {
			t.Errorf("%s/%s %s: %v\n%s", m.loc, m.name, m.label, err, m.body)
			continue
		}
		b := golden[m.loc]
		if b == nil {
			b = &strings.Builder{}
			golden[m.loc] = b
		}
		fmt.Fprintf(b, "=== %s / %s (%s)", m.name, m.label, m.kind)
		if len(parts) > 1 {
			fmt.Fprintf(b, ", %d parts", len(parts))
			split++
		}
		b.WriteString("\n")
		for i, p := range parts {
			tpl := cat[p.Template]
			if bad := checkPart(cat, p); len(bad) > 0 {
				t.Errorf("%s/%s %s, part %d (%s): %s", m.loc, m.name, m.label, i+1, p.Template, strings.Join(bad, "; "))
			}
			switch {
			case i == 0 && len(tpl.Vars) > 0 && (tpl.Continues || tpl.Kind != m.kind):
				t.Errorf("%s/%s %s: first part as %s, want the %s template", m.loc, m.name, m.label, p.Template, m.kind)
			case i > 0 && !tpl.Continues:
				t.Errorf("%s/%s %s: part %d as %s, want the continuation", m.loc, m.name, m.label, i+1, p.Template)
			}
			if tpl.Lang != m.loc {
				t.Errorf("%s/%s %s: a %s message as the %s template %s", m.loc, m.name, m.label, m.loc, tpl.Lang, p.Template)
			}
			fmt.Fprintf(b, "[%s]", p.Template)
			for _, v := range tpl.Vars {
				fmt.Fprintf(b, " %s=%q", v.Name, p.Params[v.Name])
			}
			b.WriteString("\n")
		}
	}
	if split == 0 {
		t.Error("no message was split: the golden data no longer tests splitting")
	}
	for loc, b := range golden {
		golden1(t, filepath.Join("testdata", "golden", "smscatalogue", "aliyun_"+loc+".txt"), b.String())
	}
}

func golden1(t *testing.T, path, got string) {
	t.Helper()
	t.Run(filepath.Base(path), func(t *testing.T) { golden(t, path, got) })
}

// smsTokens are what a reader must find whole in one SMS: ids, amounts,
// placeholders, numbered choices, command words and, in Chinese, what
// follows 回复 up to the end of its clause.
var reTokens = regexp.MustCompile(`#[0-9A-Za-z]+|<[^<>\n]+>|\d[\d,.]*(?:m|k|万|亿)|\b\d+\)|\b(?:UNDO|MORE|DONE|REJECT|ASSIGN|EXTEND|ACK|APPROVE|REFUSE|TODAY|OPPS?|ACCT|FIND|LEAD|CONTACT|EQ|TEAM|FUNNEL|HELP|STOP|START|DOC|Reply)\b(?:[^.;,\n]*)|回复[^。，；、\n]*`)

// TestFitSMSKeepsTokens: the parts of every message, put together, are the
// message, and every id, amount, placeholder, choice and instruction of it
// is whole in one part.
func TestFitSMSKeepsTokens(t *testing.T) {
	squash := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	for _, m := range allSMS(t) {
		parts, err := templates.FitSMS("aliyun", m.kind, m.body)
		if err != nil {
			t.Errorf("%s/%s %s: %v", m.loc, m.name, m.label, err)
			continue
		}
		var joined strings.Builder
		for _, p := range parts {
			if c, ok := p.Params["content"]; ok {
				joined.WriteString(c)
			} else {
				joined.WriteString(p.Text)
			}
		}
		if squash(joined.String()) != squash(m.body) {
			t.Errorf("%s/%s %s: parts put together\n%s\nare not the message\n%s", m.loc, m.name, m.label, joined.String(), m.body)
		}
		tokens := reTokens.FindAllString(m.body, -1)
		if len(tokens) == 0 && m.name != "not_registered" && m.name != "err_internal" && m.name != "opted_out" && m.name != "read_as" && m.name != "kept_note" && !strings.HasPrefix(m.name, "notice_") && m.name != "lost" {
			t.Logf("%s/%s %s: no token", m.loc, m.name, m.label)
		}
		for _, tok := range tokens {
			n := 0
			for _, p := range parts {
				n += strings.Count(p.Text, tok)
			}
			if want := strings.Count(m.body, tok); n < want {
				t.Errorf("%s/%s %s: %q is in the message %d times, whole in the parts %d times:\n%s\n%v", m.loc, m.name, m.label, tok, want, n, m.body, parts)
			}
		}
	}
}

// TestSMSCatalogueRules checks each template against the provider's rules
// for a template (not for the values): length, no 【】, variables named,
// typed, bounded, used once and never side by side, enough fixed text to
// state the scenario, a purpose, and an example that FitSMS sends as it.
func TestSMSCatalogueRules(t *testing.T) {
	for _, max := range []int{0, 35, 70} {
		t.Run(fmt.Sprintf("max=%d", max), func(t *testing.T) { checkCatalogue(t, max) })
	}
	t.Run("ErrMax", func(t *testing.T) {
		if _, err := templates.FitSMSMax("aliyun", "reply", "OK", 10); !errors.Is(err, templates.ErrNoSMSTemplate) {
			t.Errorf("a limit of 10: %v", err)
		}
	})
}

func checkCatalogue(t *testing.T, max int) {
	list := templates.SMSCatalogueMax("aliyun", max)
	kinds := map[string]map[string]bool{}
	for _, tpl := range list {
		t.Run(tpl.Name, func(t *testing.T) {
			wantType := "notification"
			if tpl.Kind == templates.SMSKindCode {
				wantType = "verification"
			}
			if tpl.Type != wantType || tpl.Purpose == "" || tpl.Example == "" || (tpl.Lang != "zh" && tpl.Lang != "en") {
				t.Errorf("type %q, lang %q, purpose %q, example %q", tpl.Type, tpl.Lang, tpl.Purpose, tpl.Example)
			}
			if n := len([]rune(tpl.Text)); n == 0 || n > templates.SMSMaxTotal {
				t.Errorf("text of %d characters", n)
			}
			if strings.ContainsAny(tpl.Text, badSymbols) || strings.HasPrefix(tpl.Text, "[") || strings.HasSuffix(tpl.Text, "]") {
				t.Errorf("text %q has a refused symbol or brackets at an end", tpl.Text)
			}
			used := reVarInText.FindAllStringSubmatchIndex(tpl.Text, -1)
			if len(used) != len(tpl.Vars) {
				t.Errorf("%d variables in the text, %d declared", len(used), len(tpl.Vars))
			}
			seen := map[string]bool{}
			for i, u := range used {
				name := tpl.Text[u[2]:u[3]]
				if seen[name] {
					t.Errorf("${%s} twice", name)
				}
				seen[name] = true
				if i > 0 {
					between := tpl.Text[used[i-1][1]:u[0]]
					if strings.TrimFunc(between, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) == "" {
						t.Errorf("${%s} is next to the variable before it (%q between)", name, between)
					}
				}
			}
			fixed := reVarInText.ReplaceAllString(tpl.Text, "")
			if len(tpl.Vars) > 0 && len([]rune(strings.TrimSpace(fixed))) < 8 {
				t.Errorf("fixed text %q does not state the scenario", fixed)
			}
			for _, v := range tpl.Vars {
				if !seen[v.Name] || !reVarName.MatchString(v.Name) || strings.Contains(" email mobile id nick site ", " "+v.Name+" ") {
					t.Errorf("variable %q: not in the text or not a name the provider takes", v.Name)
				}
				if v.Type != "other" && v.Type != "other_number" && !(tpl.Kind == templates.SMSKindCode && v.Type == "verification_code") {
					t.Errorf("variable %s: type %q", v.Name, v.Type)
				}
				if v.Max <= 0 || v.Max > 35 != v.Extended || len([]rune(v.Example)) > v.Max || v.Example == "" {
					t.Errorf("variable %s: max %d (extended %v), example %q", v.Name, v.Max, v.Extended, v.Example)
				}
				if want := max; v.Name == "content" && want != 0 && v.Max != want {
					t.Errorf("content: max %d, want %d", v.Max, want)
				}
				if v.Name == "content" && v.Extended != strings.Contains(tpl.Purpose, "解除变量长度限制") {
					t.Errorf("variable %s extended %v, but the purpose says otherwise: %s", v.Name, v.Extended, tpl.Purpose)
				}
			}
			if tpl.Kind != "" {
				if kinds[tpl.Lang] == nil {
					kinds[tpl.Lang] = map[string]bool{}
				}
				if len(tpl.Vars) > 0 {
					kinds[tpl.Lang][tpl.Kind] = true
				}
				example := tpl.Example
				if len(tpl.Vars) > 0 && tpl.Kind != templates.SMSKindCode { // a code SMS is the whole text
					example = tpl.Vars[0].Example
				}
				parts, err := templates.FitSMSMax("aliyun", tpl.Kind, example, max)
				if err != nil || len(parts) != 1 || parts[0].Template != tpl.Name || parts[0].Text != tpl.Example {
					t.Errorf("example %q goes out as %v, %v; want one part %s reading %q", example, parts, err, tpl.Name, tpl.Example)
				}
			}
		})
	}
	for _, lang := range templates.Locales {
		for _, k := range []string{templates.SMSKindReply, templates.SMSKindNotice, templates.SMSKindReminder, templates.SMSKindEscalation, templates.SMSKindSummary} {
			if !kinds[lang][k] {
				t.Errorf("%s: no template for kind %s", lang, k)
			}
		}
	}
}

func TestSMSKindOfKey(t *testing.T) {
	for key, want := range map[string]string{
		"reply|SM0123456789abcdef":            templates.SMSKindReply,
		"reply|":                              templates.SMSKindReply,
		"assigned|5|activity|17|99":           templates.SMSKindNotice,
		"lead_created|5|lead|51|100":          templates.SMSKindNotice,
		"activity_rejected|3|activity|17|101": templates.SMSKindNotice,
		"request_decided|5|request|88|102":    templates.SMSKindNotice,
		"equipment_missing|5|account|12|103":  templates.SMSKindNotice,
		"colleague_activity|5|231":            templates.SMSKindNotice,
		"contact_removed|5|88":                templates.SMSKindNotice,
		"overdue|5|17|2025-11-25":             templates.SMSKindReminder,
		"escalate|3|17|1732500000":            templates.SMSKindEscalation,
		"takeback|5|17|2025-11-25":            templates.SMSKindEscalation,
		"summary|5|-|2025-11-25":              templates.SMSKindSummary,
		"digest|3|-|2025-11-24":               templates.SMSKindSummary,
		"":                                    templates.SMSKindNotice,
	} {
		if got := templates.SMSKindOfKey(key); got != want {
			t.Errorf("SMSKindOfKey(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestFitSMS(t *testing.T) {
	cat := catalogueByName(t)
	t.Run("OK", func(t *testing.T) {
		parts, err := templates.FitSMS("aliyun", "reply", "OK visit #231 ACME Mining, Zhang Wei. UNDO to undo")
		if err != nil || len(parts) != 1 || parts[0].Template != "reply_en" ||
			parts[0].Text != "Sales CRM got your text: OK visit #231 ACME Mining, Zhang Wei. UNDO to undo" ||
			parts[0].Params["content"] != "OK visit #231 ACME Mining, Zhang Wei. UNDO to undo" {
			t.Errorf("%+v, %v", parts, err)
		}
	})
	t.Run("NotRegistered", func(t *testing.T) {
		set := templates.MustNew()
		for _, loc := range templates.Locales {
			body, _ := set.SMS(loc, "not_registered", struct{}{})
			parts, err := templates.FitSMS("aliyun", "reply", body)
			if err != nil || len(parts) != 1 || parts[0].Template != "not_registered_"+loc || parts[0].Text != body || len(parts[0].Params) != 0 {
				t.Errorf("%s: %+v, %v", loc, parts, err)
			}
		}
	})
	t.Run("Split", func(t *testing.T) {
		body := "Ouyang Zhongming rejected #100017 visit Liaoning Great Wall Heavy Construction Machinery Co. Ltd: customer is away until December, their site manager asked to come back after the new year. ASSIGN #100017 <name> to re-assign"
		parts, err := templates.FitSMS("aliyun", "notice", body)
		if err != nil || len(parts) != 2 {
			t.Fatalf("%+v, %v", parts, err)
		}
		if parts[0].Template != "notice_en" || parts[1].Template != "continued_en" || parts[1].Params["part"] != "2" || parts[1].Params["parts"] != "2" {
			t.Errorf("%+v", parts)
		}
		if !strings.HasSuffix(parts[1].Text, "ASSIGN #100017 <name> to re-assign") || !strings.HasPrefix(parts[1].Text, "Sales CRM text, part 2 of 2 continued: ") {
			t.Errorf("the instruction is not whole in the last part: %q", parts[1].Text)
		}
	})
	t.Run("Clean", func(t *testing.T) {
		for body, want := range map[string]string{
			`Kept as note: "see www.acme-mining.com/320d and mail li@acme.cn".`: `Kept as note: "see (link left out) and mail (link left out)".`,
			"已记为备注：\"【急】看http://t.cn/abc ★\"。":                                  "已记为备注：\"（急）看（链接已略去） \"。",
			"已记为备注：\"合同.pdf 第①页 2.4m 11:30 ACME Co. Ltd\"。":                     "已记为备注：\"合同.pdf 第1页 2.4m 11:30 ACME Co. Ltd\"。",
		} {
			parts, err := templates.FitSMS("aliyun", "reply", body)
			if err != nil || len(parts) != 1 || parts[0].Params["content"] != want {
				t.Errorf("%q: %+v, %v; want %q", body, parts, err, want)
				continue
			}
			if bad := checkPart(cat, parts[0]); len(bad) > 0 {
				t.Errorf("%q: %v", body, bad)
			}
		}
	})
	t.Run("ErrNoSMSTemplate", func(t *testing.T) {
		for _, c := range []struct{ provider, kind, body string }{
			{"twilio", "reply", "OK"},
			{"aliyun", "reply", "  "},
			{"aliyun", "weekly", "OK"},
			{"aliyun", "notice", strings.Repeat("All work and no play makes Jack a dull boy. ", 40)},
		} {
			if parts, err := templates.FitSMS(c.provider, c.kind, c.body); !errors.Is(err, templates.ErrNoSMSTemplate) {
				t.Errorf("%s %s %.20q: %v, %v; want ErrNoSMSTemplate", c.provider, c.kind, c.body, parts, err)
			}
		}
		if templates.SMSCatalogue("twilio") != nil {
			t.Error("a catalogue for twilio")
		}
	})
}

// TestFitSMSDefaultLimit splits every message to the provider's default
// limit of an "other" variable (35 characters), as a dealer whose request to
// lift it was refused would have to: every part within it, the message
// whole when put together, and no id, amount or placeholder broken.
func TestFitSMSDefaultLimit(t *testing.T) {
	reHard := regexp.MustCompile(`#[0-9A-Za-z]+|<[^<>\n]+>|\d[\d,.]*(?:m|k|万|亿)`)
	for _, m := range allSMS(t) {
		parts, err := templates.FitSMSMax("aliyun", m.kind, m.body, 35)
		if err != nil {
			t.Errorf("%s/%s %s: %v", m.loc, m.name, m.label, err)
			continue
		}
		var joined strings.Builder
		for i, p := range parts {
			c, ok := p.Params["content"]
			if !ok {
				c = p.Text
			} else if n := len([]rune(c)); n > 35 || n == 0 {
				t.Errorf("%s/%s %s: part %d has %d characters: %q", m.loc, m.name, m.label, i+1, n, c)
			}
			joined.WriteString(c)
		}
		if strings.Join(strings.Fields(joined.String()), "") != strings.Join(strings.Fields(m.body), "") {
			t.Errorf("%s/%s %s: parts put together\n%q\nare not\n%q", m.loc, m.name, m.label, joined.String(), m.body)
		}
		for _, tok := range reHard.FindAllString(m.body, -1) {
			n := 0
			for _, p := range parts {
				n += strings.Count(p.Params["content"], tok)
			}
			if len(parts) == 1 && len(parts[0].Params) == 0 {
				continue // the fixed not-registered answer
			}
			if want := strings.Count(m.body, tok); n < want {
				t.Errorf("%s/%s %s: %q broken across parts: %v", m.loc, m.name, m.label, tok, parts)
			}
		}
	}
}

// TestCheckPart: the golden test's checker finds each broken rule.
func TestCheckPart(t *testing.T) {
	cat := catalogueByName(t)
	ok := templates.SMSPart{Template: "notice_zh", Params: map[string]string{"content": "刘建国给你分配了拜访 #17"},
		Text: "销售系统工作通知：刘建国给你分配了拜访 #17"}
	if bad := checkPart(cat, ok); len(bad) != 0 {
		t.Fatalf("a good part: %v", bad)
	}
	for name, p := range map[string]templates.SMSPart{
		"no such template": {Template: "notice_fr", Params: ok.Params, Text: ok.Text},
		"too long":         {Template: "notice_zh", Params: map[string]string{"content": strings.Repeat("长", 151)}, Text: "销售系统工作通知：" + strings.Repeat("长", 151)},
		"empty":            {Template: "notice_zh", Params: map[string]string{"content": ""}, Text: "销售系统工作通知："},
		"signature":        {Template: "notice_zh", Params: map[string]string{"content": "【急】拜访 #17"}, Text: "销售系统工作通知：【急】拜访 #17"},
		"link":             {Template: "notice_en", Params: map[string]string{"content": "see www.acme.com"}, Text: "Sales CRM work notice: see www.acme.com"},
		"not a number":     {Template: "continued_en", Params: map[string]string{"part": "2a", "parts": "2", "content": "x"}, Text: "Sales CRM text, part 2a of 2 continued: x"},
		"missing variable": {Template: "continued_en", Params: map[string]string{"part": "2", "content": "x"}, Text: "Sales CRM text, part 2 of ${parts} continued: x"},
		"text not filled":  {Template: "notice_zh", Params: ok.Params, Text: "刘建国给你分配了拜访 #17"},
	} {
		if bad := checkPart(cat, p); len(bad) == 0 {
			t.Errorf("%s: not found", name)
		}
	}
}
