package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fieldcrm/fieldcrm/templates"
)

// providerNames are the providers sms-templates knows, with the name of
// their console.
var providerNames = map[string]string{"aliyun": "Alibaba Cloud SMS (阿里云短信服务)"}

// varTypeLabel is how the provider's template form names a variable type.
var varTypeLabel = map[string]map[string]string{
	"aliyun": {"other": "其他 (others)", "other_number": "其他号码 (other number)", "verification_code": "仅数字 (numbers only), a verification code"},
}

// smsTemplateJSON is one template of `sms-templates --json`: a documented
// interface (extend it, never rename a field).
type smsTemplateJSON struct {
	Name      string       `json:"name"`
	Lang      string       `json:"lang"`
	Kind      string       `json:"kind,omitempty"`
	Type      string       `json:"type"`
	Continues bool         `json:"continues,omitempty"`
	Text      string       `json:"text"`
	Variables []smsVarJSON `json:"variables"`
	Example   string       `json:"example"`
	Purpose   string       `json:"purpose"`
}

type smsVarJSON struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	TypeLabel string `json:"type_label"`
	Max       int    `json:"max"`
	Extended  bool   `json:"extended,omitempty"`
	Example   string `json:"example"`
}

// runSMSTemplates is `fieldcrm sms-templates --provider aliyun [--lang zh|en]
// [--json]`: the SMS templates to submit to a domestic Chinese provider for
// approval, with what its form asks for. Exit status 2 for bad flags or a
// provider fieldcrm has no catalogue for.
func runSMSTemplates(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sms-templates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	provider := fs.String("provider", "aliyun", "the SMS provider: aliyun")
	lang := fs.String("lang", "", "only the templates of one language: zh or en (default both)")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	max := fs.Int("max", templates.SMSDefaultContentMax, "the limit of the content variable to ask for, in characters (35: the provider's default, no lift to ask for)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fieldcrm sms-templates [--provider aliyun] [--lang zh|en] [--max N] [--json]")
		fmt.Fprintln(stderr, "Prints the SMS templates to submit to the provider for approval (docs/sms-templates.md).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *max < 20 || *max > 400 {
		fmt.Fprintf(stderr, "fieldcrm sms-templates: bad --max %d: want 20 to 400 characters\n", *max)
		return 2
	}
	p := strings.ToLower(strings.TrimSpace(*provider))
	list := templates.SMSCatalogueMax(p, *max)
	if list == nil || providerNames[p] == "" {
		fmt.Fprintf(stderr, "fieldcrm sms-templates: no template catalogue for provider %q (known: aliyun)\n", *provider)
		return 2
	}
	if *lang != "" && *lang != "zh" && *lang != "en" {
		fmt.Fprintf(stderr, "fieldcrm sms-templates: bad --lang %q: want zh or en\n", *lang)
		return 2
	}
	var out []smsTemplateJSON
	for _, t := range list {
		if *lang != "" && t.Lang != *lang {
			continue
		}
		j := smsTemplateJSON{Name: t.Name, Lang: t.Lang, Kind: t.Kind, Type: t.Type, Continues: t.Continues,
			Text: t.Text, Example: t.Example, Purpose: t.Purpose, Variables: []smsVarJSON{}}
		for _, v := range t.Vars {
			j.Variables = append(j.Variables, smsVarJSON{Name: v.Name, Type: v.Type, TypeLabel: varTypeLabel[p][v.Type],
				Max: v.Max, Extended: v.Extended, Example: v.Example})
		}
		out = append(out, j)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			Provider  string            `json:"provider"`
			MaxTotal  int               `json:"max_total"`
			Templates []smsTemplateJSON `json:"templates"`
		}{p, templates.SMSMaxTotal, out}); err != nil {
			fmt.Fprintf(stderr, "fieldcrm sms-templates: %v\n", err)
			return 1
		}
		return 0
	}
	printSMSTemplates(stdout, providerNames[p], out)
	return 0
}

func printSMSTemplates(w io.Writer, provider string, list []smsTemplateJSON) {
	fmt.Fprintf(w, "%d SMS templates to submit to %s, each as a notification template (通知短信) but the sign-in code, a verification code template (验证码)\n", len(list), provider)
	fmt.Fprintln(w, "under your approved signature, without the signature in the text. Configuration maps each")
	fmt.Fprintln(w, "name to the template code the provider gives it. A message never exceeds 500 characters with")
	fmt.Fprintln(w, "the signature. Why these templates, and the rules they follow: docs/sms-templates.md.")
	for _, t := range list {
		fmt.Fprintf(w, "\n== %s (%s", t.Name, t.Lang)
		switch {
		case t.Continues:
			fmt.Fprint(w, ", second and later parts of a long message")
		case len(t.Variables) == 0:
			fmt.Fprintf(w, ", %s, fixed text", t.Kind)
		default:
			fmt.Fprintf(w, ", %s", t.Kind)
		}
		fmt.Fprintln(w, ")")
		if t.Type == "verification" {
			fmt.Fprintln(w, "type:      verification code (验证码)")
		} else {
			fmt.Fprintln(w, "type:      notification (通知短信)")
		}
		fmt.Fprintf(w, "text:      %s\n", oneLine(t.Text))
		if len(t.Variables) == 0 {
			fmt.Fprintln(w, "variables: none")
		} else {
			fmt.Fprintln(w, "variables:")
		}
		for _, v := range t.Variables {
			fmt.Fprintf(w, "  ${%s}  %s, at most %d characters", v.Name, v.TypeLabel, v.Max)
			if v.Extended {
				fmt.Fprint(w, " (ask to lift the variable length limit: 解除变量长度限制)")
			}
			fmt.Fprintf(w, "\n    example: %s\n", oneLine(v.Example))
		}
		fmt.Fprintf(w, "example:   %s\n", oneLine(t.Example))
		fmt.Fprintf(w, "purpose:   %s\n", t.Purpose)
	}
}

// oneLine shows a line break as ⏎ so that each field stays on its line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "⏎") }
