package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/templates"
)

func TestRunSMSTemplates(t *testing.T) {
	cat := templates.SMSCatalogue("aliyun")
	t.Run("OK", func(t *testing.T) {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"sms-templates", "--provider", "aliyun"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		got := out.String()
		for _, want := range []string{
			"16 SMS templates to submit to Alibaba Cloud SMS (阿里云短信服务), each as a notification template (通知短信) but the sign-in code, a verification code template (验证码)",
			"== reply_zh (zh, reply)\ntype:      notification (通知短信)\ntext:      销售系统已收到您的短信：${content}\nvariables:\n" +
				"  ${content}  其他 (others), at most 150 characters (ask to lift the variable length limit: 解除变量长度限制)\n" +
				"    example: 已记录拜访 #231 华鑫矿业，张伟。下次：报价 11月28日周五 #232。回复撤销可撤回\n" +
				"example:   销售系统已收到您的短信：已记录拜访 #231 华鑫矿业，张伟。下次：报价 11月28日周五 #232。回复撤销可撤回\n" +
				"purpose:   本公司（工程机械经销商）内部销售管理系统（CRM）发给本公司员工的工作短信。",
			"== continued_en (en, second and later parts of a long message)\ntype:      notification (通知短信)\n" +
				"text:      Sales CRM text, part ${part} of ${parts} continued: ${content}\nvariables:\n" +
				"  ${part}  其他号码 (other number), at most 2 characters\n    example: 2\n",
			"example:   Sales CRM reminder: Overdue 2 days: #12 task Anshan Steel: quote⏎DONE #12 <outcome> to close it\n",
			"== not_registered_en (en, reply, fixed text)\ntype:      notification (通知短信)\n" +
				"text:      This number is not registered with fieldcrm, so nothing was recorded. Ask your sales admin to add you.\nvariables: none\n",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("output lacks\n%s\n--- got\n%s", want, got)
			}
		}
		for _, tpl := range cat {
			if strings.Count(got, "\n== "+tpl.Name+" (") != 1 || !strings.Contains(got, "purpose:   "+tpl.Purpose+"\n") {
				t.Errorf("%s: not printed once with its purpose", tpl.Name)
			}
		}
	})
	t.Run("JSON", func(t *testing.T) {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"sms-templates", "--json", "--lang", "zh"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var got struct {
			Provider  string            `json:"provider"`
			MaxTotal  int               `json:"max_total"`
			Templates []smsTemplateJSON `json:"templates"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		var want []templates.SMSTemplate
		for _, tpl := range cat {
			if tpl.Lang == "zh" {
				want = append(want, tpl)
			}
		}
		if got.Provider != "aliyun" || got.MaxTotal != 500 || len(got.Templates) != len(want) || len(want) != 8 {
			t.Fatalf("provider %q, max %d, %d templates, want %d", got.Provider, got.MaxTotal, len(got.Templates), len(want))
		}
		for i, g := range got.Templates {
			w := want[i]
			if g.Name != w.Name || g.Text != w.Text || g.Purpose != w.Purpose || g.Type != w.Type || g.Kind != w.Kind ||
				g.Example != w.Example || len(g.Variables) != len(w.Vars) || g.Continues != w.Continues {
				t.Errorf("%d: %+v, want %+v", i, g, w)
				continue
			}
			for j, v := range g.Variables {
				if wv := w.Vars[j]; v.Name != wv.Name || v.Type != wv.Type || v.Max != wv.Max || v.Example != wv.Example || v.Extended != wv.Extended || v.TypeLabel == "" {
					t.Errorf("%s.%s: %+v, want %+v", g.Name, v.Name, v, wv)
				}
			}
		}
		if !strings.Contains(out.String(), `"text": "销售系统短信续，第${part}条（共${parts}条）：${content}"`) {
			t.Errorf("JSON escapes the text: %s", out.String())
		}
	})
	t.Run("Max35", func(t *testing.T) {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"sms-templates", "--max", "35", "--lang", "en"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		got := out.String()
		if strings.Contains(got, "解除变量长度限制") || strings.Contains(got, "150") || strings.Count(got, "  ${content}  其他 (others), at most 35 characters\n") != 6 ||
			!strings.Contains(got, "超过35字时系统自动分条") {
			t.Errorf("got\n%s", got)
		}
	})
	t.Run("ErrMax", func(t *testing.T) {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"sms-templates", "--max", "10"}, &out, &errb); code != 2 || out.Len() != 0 ||
			!strings.Contains(errb.String(), "bad --max 10") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
		}
	})
	t.Run("ErrProvider", func(t *testing.T) {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"sms-templates", "--provider", "tencent"}, &out, &errb); code != 2 ||
			!strings.Contains(errb.String(), `no template catalogue for provider "tencent" (known: aliyun)`) || out.Len() != 0 {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
		}
	})
	t.Run("ErrLang", func(t *testing.T) {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"sms-templates", "--lang", "fr"}, &out, &errb); code != 2 || out.Len() != 0 {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
		}
	})
}
