package templates_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/templates"
)

// checkPages verifies the invariants of Page: every page fits, every page
// but the last ends with the prompt, and the pages hold exactly the words of
// the text, in order, none cut.
func checkPages(t *testing.T, text string, max int, more string, first string, rest []string) {
	t.Helper()
	pages := append([]string{first}, rest...)
	var words []string
	for i, p := range pages {
		if n, enc := templates.Segments(p); n > max {
			t.Errorf("page %d: %d %s segments > %d:\n%s", i+1, n, enc, max, p)
		}
		body := p
		if i < len(pages)-1 {
			k := strings.LastIndex(p, strings.SplitN(more, "%d", 2)[0])
			if k < 0 {
				t.Errorf("page %d has no prompt:\n%s", i+1, p)
				continue
			}
			body = p[:k]
		}
		words = append(words, strings.Fields(body)...)
	}
	if want := strings.Fields(text); strings.Join(words, " ") != strings.Join(want, " ") {
		t.Errorf("pages do not hold the text's words:\n got %q\nwant %q", words, want)
	}
}

func TestPage(t *testing.T) {
	t.Run("Fits", func(t *testing.T) {
		first, rest := templates.Page("Today 25/11:\n#17 visit ACME", 1, templates.More("en"))
		if first != "Today 25/11:\n#17 visit ACME" || rest != nil {
			t.Errorf("got %q %q", first, rest)
		}
	})
	t.Run("Lines", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Today 25/11:")
		for i := range 20 {
			fmt.Fprintf(&b, "\n#%d 10:%02d visit Shenyang Northern Mining: demo", 100+i, i)
		}
		b.WriteString("\nDONE #n to close")
		text := b.String()
		more := templates.More("en")
		first, rest := templates.Page(text, 2, more)
		checkPages(t, text, 2, more, first, rest)
		if len(rest) < 2 {
			t.Fatalf("want at least 3 pages, got %d", len(rest)+1)
		}
		// Lines are kept whole, and the count names the next page's items.
		next := strings.Count("\n"+rest[0], "\n#")
		if !strings.HasSuffix(first, fmt.Sprintf("MORE for next %d", next)) {
			t.Errorf("first page ends %q, next page has %d items", first[len(first)-20:], next)
		}
		for _, p := range append([]string{first}, rest...) {
			for _, line := range strings.Split(p, "\n") {
				if strings.HasPrefix(line, "#") && !strings.HasSuffix(line, "demo") {
					t.Errorf("line cut: %q", line)
				}
			}
		}
		if !strings.HasSuffix(rest[len(rest)-1], "DONE #n to close") {
			t.Errorf("last page: %q", rest[len(rest)-1])
		}
	})
	t.Run("LongLineAtItems", func(t *testing.T) {
		var items []string
		for i := range 12 {
			items = append(items, fmt.Sprintf("#%d visit Liaoning Great Wall", 1000+i))
		}
		text := "Today: " + strings.Join(items, "; ")
		more := " MORE for next %d"
		first, rest := templates.Page(text, 1, more)
		checkPages(t, text, 1, more, first, rest)
		if !strings.Contains(first, "Wall; ") && !strings.HasSuffix(strings.TrimSuffix(first, " MORE for next 3"), "Wall;") {
			// every page break falls after a "; "
			body := first[:strings.LastIndex(first, " MORE")]
			if !strings.HasSuffix(body, ";") {
				t.Errorf("page broken inside an item: %q", first)
			}
		}
	})
	t.Run("Words", func(t *testing.T) {
		text := strings.Repeat("Contacts Ouyang Zhongming #1088 and Zhang Wei #1089 ", 12)
		more := templates.More("en")
		first, rest := templates.Page(text, 1, more)
		checkPages(t, text, 1, more, first, rest)
	})
	t.Run("Chinese", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("今天11月25日：")
		for i := range 10 {
			fmt.Fprintf(&b, "\n#%d 10:00 拜访辽宁长城重型工程机械：试机", 1000+i)
		}
		text := b.String()
		more := templates.More("zh")
		first, rest := templates.Page(text, 2, more)
		checkPages(t, text, 2, more, first, rest)
		if !strings.Contains(first, "回复更多看下") {
			t.Errorf("no Chinese prompt: %q", first)
		}
	})
}

// A heading is never left alone at the foot of a page: Wang's TODAY ended
// its first page with "Overdue:" and the overdue items on the next.
func TestPageKeepsHeadingWithItems(t *testing.T) {
	text := "Today 6/12:\n#15 10:00 visit Tieling Cement\n#28 11:00 visit Liaoyang Steel URGENT\n" +
		"#42 12:00 visit Donggang Harbour\n#19 13:00 visit Dandong Forestry URGENT\n#33 14:00 visit Wafangdian Bearings\n" +
		"#10 15:00 visit Fushun Coal Works URGENT\n#24 16:00 visit Chaoyang Aggregates\nOverdue:\n" +
		"#37 visit Kaiyuan Gravel URGENT (5d)\n#12 visit Benxi Steel Logistics (2d)\nDONE #<id> <outcome> to close one"
	for _, tc := range []struct{ text, more string }{
		{text, " MORE for next %d"},
		{strings.ReplaceAll(strings.ReplaceAll(text, "Overdue:", "逾期："), "Today 6/12:", "今天12月6日："), "\n回复更多看下%d条"},
	} {
		first, rest := templates.Page(tc.text, 2, tc.more)
		if len(rest) == 0 {
			t.Fatalf("fits on one page; the test needs two:\n%s", first)
		}
		for k, page := range append([]string{first}, rest[:len(rest)-1]...) {
			body := page[:strings.LastIndex(page, strings.SplitN(tc.more, "%d", 2)[0])]
			lines := strings.Split(strings.TrimRight(body, " \n"), "\n")
			if last := lines[len(lines)-1]; strings.HasSuffix(last, ":") || strings.HasSuffix(last, "：") {
				t.Errorf("page %d ends with the heading %q:\n%s", k+1, last, page)
			}
		}
		heading := strings.Split(tc.text, "\n")[8]
		for _, page := range append([]string{first}, rest...) {
			if strings.Contains(page, "#37") != strings.Contains(page, heading) {
				t.Errorf("the heading %q and its first item are on different pages:\n%s", heading, page)
			}
		}
	}
}

// MORE never promises "next 0": Li Na's five overdue calls filled the first
// page and only the closing line was left for the second.
func TestPageMoreLeadsToAnItem(t *testing.T) {
	text := "逾期5项：\n#3 10:00 电话ACME（1天）\n#12 10:00 电话鑫源建筑工程（1天）\n#21 10:00 电话盘锦石化工程（1天）\n" +
		"#30 10:00 电话Shenyang（1天）\n#39 10:00 电话Xinmin（1天）\n今天12月10日没有其他安排。\n以后还有6项。\n回复完成 #编号 可关闭"
	more := templates.More("zh")
	first, rest := templates.Page(text, 2, more)
	pages := append([]string{first}, rest...)
	for k, p := range pages {
		if strings.Contains(p, "看下0条") {
			t.Errorf("page %d promises nothing: %q", k+1, p)
		}
	}
	if len(rest) > 0 && !strings.Contains(rest[0], "#39") {
		t.Errorf("the second page carries no item: %q", rest[0])
	}
	checkPages(t, text, 2, more, first, rest)
}
