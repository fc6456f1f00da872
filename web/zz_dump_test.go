package web_test

import (
	"os"
	"strings"
	"testing"
)

func TestZZDump(t *testing.T) {
	e := start(t)
	escalate(t, e)
	e.sms("Wang Jun", "V fushun coal; met Gao Peng; wants a quote")
	c := e.signIn("Liu Yang")
	fix := func(s string) string { return strings.ReplaceAll(s, `href="/static/style.css"`, `href="file:///work/wt/team/web/static/style.css"`) }
	_, body := c.Get("/team")
	os.WriteFile("/tmp/tb/team.html", []byte(fix(body)), 0o644)
	_, body = c.Get("/team/" + itoa(e.Users["Wang Jun"].ID))
	os.WriteFile("/tmp/tb/member.html", []byte(fix(body)), 0o644)
	s := e.signIn("Sun Tao")
	_, body = s.Get("/team")
	os.WriteFile("/tmp/tb/team_zh.html", []byte(fix(body)), 0o644)
}
