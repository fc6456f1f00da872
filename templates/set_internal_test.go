package templates

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestCollapse(t *testing.T) {
	nl := string(newline)
	tests := []struct{ in, want string }{
		{"  OK visit  #231\n  ACME,\tZhang.  ", "OK visit #231 ACME, Zhang."},
		{"Today:" + nl + "\n  #17 visit" + nl + "  #18 call\n", "Today:\n#17 visit\n#18 call"},
		{"已记录拜访\n  华鑫矿业", "已记录拜访华鑫矿业"},    // line break between Han: gone
		{"拜访 客户；见了谁", "拜访 客户；见了谁"},        // typed space between Han: kept
		{"华鑫矿业 ，张伟 。", "华鑫矿业，张伟。"},        // next to Chinese punctuation: gone
		{"拜访 #231\n华鑫矿业", "拜访 #231 华鑫矿业"}, // Han and Latin: one space
		{"A" + nl + nl + "B", "A\n\nB"},
	}
	for _, tt := range tests {
		if got := collapse(tt.in); got != tt.want {
			t.Errorf("collapse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseFailsFast(t *testing.T) {
	fsys := fstest.MapFS{
		"sms/en/ok.tmpl":  {Data: []byte("OK {{.ID}")},
		"sms/zh/ok.tmpl":  {Data: []byte("好")},
		"email/en/x.txt":  {Data: []byte(`{{define "subject"}}s{{end}}t`)},
		"email/en/x.html": {Data: []byte(`h`)},
	}
	if _, err := parse(fsys); err == nil || !strings.Contains(err.Error(), "sms/en/ok.tmpl") {
		t.Errorf("parse: err = %v, want a syntax error naming the file", err)
	}
	fsys["sms/en/ok.tmpl"] = &fstest.MapFile{Data: []byte("OK")}
	fsys["email/en/x.txt"] = &fstest.MapFile{Data: []byte(`no subject`)}
	if _, err := parse(fsys); err == nil || !strings.Contains(err.Error(), "subject") {
		t.Errorf("parse: err = %v, want missing subject", err)
	}
	delete(fsys, "email/en/x.html")
	fsys["email/en/x.txt"] = &fstest.MapFile{Data: []byte(`{{define "subject"}}s{{end}}t`)}
	if _, err := parse(fsys); err == nil {
		t.Errorf("parse without the .html: no error")
	}
}

func TestFallback(t *testing.T) {
	fsys := fstest.MapFS{
		"sms/en/hello.tmpl": {Data: []byte("Hello {{.Name}}")},
		"sms/en/bye.tmpl":   {Data: []byte("Bye {{.Name}}")},
		"sms/zh/hello.tmpl": {Data: []byte("你好{{.Name}}")},
		"email/en/n.txt":    {Data: []byte(`{{define "subject"}}Hi {{.Name}}{{end}}Text {{.Name}}`)},
		"email/en/n.html":   {Data: []byte(`<p>{{.Name}}</p>`)},
	}
	s, err := parse(fsys)
	if err != nil {
		t.Fatal(err)
	}
	data := struct{ Name string }{"<Wang>"}
	for _, c := range []struct{ loc, name, want string }{
		{"zh", "hello", "你好<Wang>"},
		{"zh-CN", "hello", "你好<Wang>"},
		{"fr", "hello", "Hello <Wang>"},
		{"", "hello", "Hello <Wang>"},
		{"zh", "bye", "Bye <Wang>"}, // missing in zh
	} {
		got, err := s.SMS(c.loc, c.name, data)
		if err != nil || got != c.want {
			t.Errorf("SMS(%q, %q) = %q, %v; want %q", c.loc, c.name, got, err, c.want)
		}
	}
	if got := s.Missing("zh"); strings.Join(got, ",") != "sms/bye,email/n" {
		t.Errorf("Missing(zh) = %q", got)
	}
	subj, text, html, err := s.Email("zh", "n", data)
	if err != nil || subj != "Hi <Wang>" || text != "Text <Wang>\n" || html != "<p>&lt;Wang&gt;</p>" {
		t.Errorf("Email = %q %q %q %v", subj, text, html, err)
	}
	if _, err := s.SMS("en", "nope", data); err == nil {
		t.Error("unknown template: no error")
	}
}
