package mailtext

import (
	"strings"

	"golang.org/x/net/html"
)

// Elements whose content is not shown.
var skipElems = map[string]bool{
	"script": true, "style": true, "head": true, "title": true, "noscript": true,
	"template": true, "xml": true, "object": true, "svg": true,
}

// Elements that start and end a line of their own.
var blockElems = map[string]bool{
	"p": true, "div": true, "table": true, "tr": true, "ul": true, "ol": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"pre": true, "hr": true, "center": true, "section": true, "article": true,
	"header": true, "footer": true, "address": true, "dl": true, "dt": true, "dd": true,
	"form": true, "fieldset": true, "main": true, "nav": true, "aside": true, "body": true,
	"caption": true, "tbody": true, "thead": true, "tfoot": true,
}

// htmlRenderer accumulates the text of an HTML document line by line.
type htmlRenderer struct {
	lines   []string
	cur     strings.Builder
	quote   int  // blockquote depth: lines get "> " prefixes
	skip    int  // inside script/style/head...
	pre     int  // inside <pre>
	pending bool // a collapsed space is due before the next word
}

// htmlToText renders HTML as readable plain text: block elements and <br>
// become line breaks, script/style/head are dropped, entities decoded,
// white space collapsed, and blockquote content prefixed with "> " so
// that Strip can drop it.
func htmlToText(s string) string {
	r := &htmlRenderer{}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			r.softBreak()
			return r.finish()
		case html.TextToken:
			if r.skip == 0 {
				r.text(string(z.Text()))
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			r.start(string(name), false)
		case html.SelfClosingTagToken:
			name, _ := z.TagName()
			r.start(string(name), true)
		case html.EndTagToken:
			name, _ := z.TagName()
			r.end(string(name))
		}
	}
}

// start handles an opening tag.
func (r *htmlRenderer) start(name string, selfClosing bool) {
	switch {
	case skipElems[name]:
		if !selfClosing {
			r.skip++
		}
	case name == "body":
		r.skip = 0 // a missing </head> must not hide the body
	case r.skip > 0:
	case name == "br":
		r.hardBreak()
	case name == "blockquote":
		r.softBreak()
		r.quote++
	case name == "li":
		r.softBreak()
		r.cur.WriteString("- ")
	case name == "td" || name == "th":
		r.pending = true
	case blockElems[name]:
		r.softBreak()
		if name == "pre" {
			r.pre++
		}
	}
}

// end handles a closing tag.
func (r *htmlRenderer) end(name string) {
	switch {
	case skipElems[name]:
		if r.skip > 0 {
			r.skip--
		}
	case r.skip > 0:
	case name == "blockquote":
		r.softBreak()
		if r.quote > 0 {
			r.quote--
		}
	case blockElems[name] || name == "li":
		r.softBreak()
		if name == "pre" && r.pre > 0 {
			r.pre--
		}
	}
}

// text adds character data (entities already decoded by the tokenizer).
func (r *htmlRenderer) text(s string) {
	if r.pre > 0 {
		lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
		for i, l := range lines {
			if i > 0 {
				r.hardBreak()
			}
			r.cur.WriteString(l)
		}
		return
	}
	for _, c := range s {
		switch c {
		case ' ', '\t', '\n', '\r', '\f', '\u200b':
			r.pending = true
		default:
			if r.pending && r.cur.Len() > 0 {
				r.cur.WriteByte(' ')
			}
			r.pending = false
			r.cur.WriteRune(c)
		}
	}
}

// softBreak ends the current line if it holds anything.
func (r *htmlRenderer) softBreak() {
	if r.cur.Len() > 0 {
		r.hardBreak()
	}
	r.pending = false
}

// hardBreak ends the current line, even an empty one.
func (r *htmlRenderer) hardBreak() {
	line := strings.ReplaceAll(r.cur.String(), "\u00a0", " ")
	line = strings.TrimRight(line, " ")
	if r.quote > 0 {
		prefix := strings.Repeat(">", r.quote)
		if line != "" {
			prefix += " "
		}
		line = prefix + line
	}
	r.lines = append(r.lines, line)
	r.cur.Reset()
	r.pending = false
}

// finish joins the lines, keeping at most one blank line in a row and
// none at either end.
func (r *htmlRenderer) finish() string {
	out := make([]string, 0, len(r.lines))
	for _, l := range r.lines {
		blank := strings.TrimSpace(l) == ""
		if blank && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		if blank {
			l = ""
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}
