package templates

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// crmRefusals reads crm's source for the refusals it can give: the format of
// every Errorf whose code is not EINTERNAL (internal errors are never shown),
// and every string literal (hints are among them).
func crmRefusals(t *testing.T) (formats map[string]string, literals map[string]bool) {
	t.Helper()
	files, err := filepath.Glob("../crm/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("crm's source: %v", err)
	}
	formats, literals = map[string]string{}, map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil {
						literals[s] = true
					}
				}
			case *ast.CallExpr:
				id, ok := n.Fun.(*ast.Ident)
				if !ok || id.Name != "Errorf" || len(n.Args) < 2 {
					return true
				}
				if code, ok := n.Args[0].(*ast.Ident); ok && code.Name == "EINTERNAL" {
					return true
				}
				lit, ok := n.Args[1].(*ast.BasicLit)
				if !ok {
					t.Errorf("%s: Errorf with a format that is not a literal: it cannot be translated", fset.Position(n.Pos()))
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				formats[s] = fset.Position(n.Pos()).String()
			}
			return true
		})
	}
	for f, where := range csvioReasons(t) {
		formats[f] = where
	}
	return formats, literals
}

// csvioReasons are the formats of the reasons crm/csvio gives for a bad row
// of an import (cellError(col, format, args…)): the web console words them
// in the administrator's language, as crm's refusals.
func csvioReasons(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../crm/csvio/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("csvio's source: %v", err)
	}
	formats := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := c.Fun.(*ast.Ident); !ok || id.Name != "cellError" || len(c.Args) < 2 {
				return true
			}
			lit, ok := c.Args[1].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: cellError with a format that is not a literal: it cannot be translated", fset.Position(c.Pos()))
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			formats[s] = fset.Position(c.Pos()).String()
			return true
		})
	}
	if len(formats) < 15 {
		t.Fatalf("found only %d reasons in csvio's source", len(formats))
	}
	return formats
}

// Every refusal crm can give has its Chinese form, which takes the same
// arguments; every entry of the catalogue is still something crm says.
func TestRefusalCatalogue(t *testing.T) {
	set := MustNew()
	formats, literals := crmRefusals(t)
	if len(formats) < 100 {
		t.Fatalf("found only %d refusals in crm's source", len(formats))
	}
	cat := set.refusals["zh"]
	for f, where := range formats {
		zh, ok := cat[f]
		if !ok {
			t.Errorf("%s: refusal %q has no Chinese form in sms/zh/refusals.txt", where, f)
			continue
		}
		var args []any
		for i, v := range formatVerbs(f) {
			switch v {
			case 'd':
				args = append(args, 40+i)
			default:
				args = append(args, "arg"+strconv.Itoa(i))
			}
		}
		got, _ := set.Refusal("zh", f, args)
		if strings.Contains(got, "%!") {
			t.Errorf("%q → %q: the Chinese form does not take the English arguments (%q)", f, got, zh)
		}
		for i := range args {
			if !strings.Contains(got, "arg"+strconv.Itoa(i)) && !strings.Contains(got, strconv.Itoa(40+i)) {
				t.Errorf("%q → %q: argument %d is lost", f, got, i+1)
			}
		}
	}
	for en := range cat {
		if _, ok := formats[en]; !ok && !literals[en] {
			t.Errorf("sms/zh/refusals.txt: %q is no longer said by crm", en)
		}
	}
}

func TestRefusalArguments(t *testing.T) {
	set := MustNew()
	for _, c := range []struct {
		format string
		args   []any
		want   string
	}{
		{"No %s matches %q.", []any{"account", "lead"}, `没有与"lead"匹配的客户。`},
		{"You cannot create %s for someone outside your team.", []any{"an opportunity"}, "不能为团队外的人新建商机。"},
		{"%s #%d is not yours to change.", []any{"Activity", 7}, "活动 #7 不归你，不能修改。"},
		{"Activity #%d is finished (%s) and cannot be changed.", []any{5, "done"}, "活动 #5 已结束（已完成），不能再改。"},
		{"Opportunity #%d is open (at %s): there is nothing to reopen.", []any{4, "qualification"}, "商机 #4 未关闭（处于确认阶段），无需重新打开。"},
		{"Lead #%d cannot be converted yet: missing %s.", []any{9, "phone, industry"}, "线索 #9 还不能转化：缺少电话、行业。"},
		{"Response #%d of %s is already lead #%d.", []any{3, "Spring Expo", 12}, "Spring Expo的回应 #3 已是线索 #12。"},
		{"A %s cannot be logged in the future.", []any{"visit"}, "拜访不能记在将来的时间。"},
		{"Only an administrator can make someone %s.", []any{"sales_manager"}, "只有管理员能把人设为销售经理。"},
	} {
		got, ok := set.Refusal("zh", c.format, c.args)
		if !ok || got != c.want {
			t.Errorf("%q %v → %q %v, want %q", c.format, c.args, got, ok, c.want)
		}
		if en, ok := set.Refusal("en", c.format, c.args); ok {
			t.Errorf("en has its own form %q: crm's English is the English", en)
		}
	}
	if h := set.Hint("zh", "TODAY for your list"); h != "发“今天”查看你的清单" {
		t.Errorf("hint: %q", h)
	}
	// a command form in the Chinese words the parser reads; what she types
	// as it is (models, amounts, dates) stays
	if h := set.Hint("zh", "OPP <account>; 2x 320D; 2.4m; close 15/12"); h != "商机 <客户>；2x 320D；2.4m；成交日期 15/12" {
		t.Errorf("a command form: %q", h)
	}
	if h := set.Hint("en", "OPP <account>; 2x 320D; 2.4m; close 15/12"); h != "OPP <account>; 2x 320D; 2.4m; close 15/12" {
		t.Errorf("an English command form changed: %q", h)
	}
}
