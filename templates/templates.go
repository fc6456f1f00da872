// Package templates words everything fieldcrm says to a person: SMS replies
// and notices (text/template) and e-mails (html/template with a text/template
// plain alternative), in English ("en") and Chinese ("zh"). The templates are
// embedded in the binary and parsed once by New. See README.md for the
// whitespace convention and the data each template expects.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	texttemplate "text/template"
	"unicode"
	"unicode/utf8"
)

//go:embed all:sms all:email
var files embed.FS

// Locales are the supported locales; the first is the fallback.
var Locales = []string{"en", "zh"}

// Fallback is the locale used for unknown locales and missing templates.
const Fallback = "en"

// Set holds every parsed template. It is safe for concurrent use.
type Set struct {
	sms   map[string]*texttemplate.Template // locale → all SMS templates of the locale
	names map[string][]string               // "sms/<locale>" or "email/<locale>" → template names
	text  map[string]*texttemplate.Template // "<locale>/<name>" → plain e-mail body, with "subject"
	html  map[string]*htmltemplate.Template // "<locale>/<name>" → HTML e-mail body

	refusals map[string]refusals // locale → crm's refusals in that locale
}

// New parses every embedded template. It fails on the first syntax error, on
// an e-mail without a "subject" block or without its other half (.txt/.html).
func New() (*Set, error) { return parse(files) }

func parse(fsys fs.FS) (*Set, error) {
	s := &Set{
		sms:   map[string]*texttemplate.Template{},
		names: map[string][]string{},
		text:  map[string]*texttemplate.Template{},
		html:  map[string]*htmltemplate.Template{},

		refusals: map[string]refusals{},
	}
	for _, loc := range Locales {
		fm := funcMap(loc)
		r, err := parseRefusals(fsys, loc)
		if err != nil {
			return nil, err
		}
		s.refusals[loc] = r
		// SMS: one template tree per locale; files whose name starts with "_"
		// hold shared {{define}} blocks and are not templates of their own.
		dir := "sms/" + loc
		paths, err := fs.Glob(fsys, dir+"/*.tmpl")
		if err != nil {
			return nil, err
		}
		root := texttemplate.New(loc).Funcs(fm).Option("missingkey=error")
		for _, p := range paths {
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, err
			}
			name := strings.TrimSuffix(path.Base(p), ".tmpl")
			if _, err := root.New(name).Parse(string(b)); err != nil {
				return nil, fmt.Errorf("templates: %s: %w", p, err)
			}
			if !strings.HasPrefix(name, "_") {
				s.names["sms/"+loc] = append(s.names["sms/"+loc], name)
			}
		}
		s.sms[loc] = root

		// E-mail: name.txt (plain body and its "subject" block) + name.html.
		dir = "email/" + loc
		txts, err := fs.Glob(fsys, dir+"/*.txt")
		if err != nil {
			return nil, err
		}
		htmls, err := fs.Glob(fsys, dir+"/*.html")
		if err != nil {
			return nil, err
		}
		if len(txts) != len(htmls) {
			return nil, fmt.Errorf("templates: %s: %d .txt but %d .html files: each e-mail needs both", dir, len(txts), len(htmls))
		}
		for _, p := range txts {
			name := strings.TrimSuffix(path.Base(p), ".txt")
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, err
			}
			t, err := texttemplate.New(name).Funcs(fm).Option("missingkey=error").Parse(string(b))
			if err != nil {
				return nil, fmt.Errorf("templates: %s: %w", p, err)
			}
			if t.Lookup("subject") == nil {
				return nil, fmt.Errorf("templates: %s: no {{define \"subject\"}} block", p)
			}
			hp := dir + "/" + name + ".html"
			hb, err := fs.ReadFile(fsys, hp)
			if err != nil {
				return nil, fmt.Errorf("templates: %s has no %s", p, hp)
			}
			h, err := htmltemplate.New(name).Funcs(htmltemplate.FuncMap(fm)).Option("missingkey=error").Parse(string(hb))
			if err != nil {
				return nil, fmt.Errorf("templates: %s: %w", hp, err)
			}
			s.text[loc+"/"+name] = t
			s.html[loc+"/"+name] = h
			s.names["email/"+loc] = append(s.names["email/"+loc], name)
		}
	}
	for _, n := range s.names {
		sort.Strings(n)
	}
	return s, nil
}

// MustNew is New for tests and program start-up: it panics on error.
func MustNew() *Set {
	s, err := New()
	if err != nil {
		panic(err)
	}
	return s
}

// Locale maps a locale tag to a supported locale: "zh", "zh-CN", "zh_Hans"
// → "zh"; anything unknown → "en".
func Locale(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	for _, l := range Locales {
		if t == l || strings.HasPrefix(t, l+"-") || strings.HasPrefix(t, l+"_") {
			return l
		}
	}
	return Fallback
}

// SMSNames returns the names of the SMS templates of locale, sorted.
func (s *Set) SMSNames(locale string) []string {
	return append([]string(nil), s.names["sms/"+Locale(locale)]...)
}

// EmailNames returns the names of the e-mail templates of locale, sorted.
func (s *Set) EmailNames(locale string) []string {
	return append([]string(nil), s.names["email/"+Locale(locale)]...)
}

// Missing lists the templates that exist in the fallback locale but not in
// locale, as "sms/<name>" and "email/<name>"; they are rendered in English.
func (s *Set) Missing(locale string) []string {
	loc := Locale(locale)
	var out []string
	for _, kind := range []string{"sms", "email"} {
		have := map[string]bool{}
		for _, n := range s.names[kind+"/"+loc] {
			have[n] = true
		}
		for _, n := range s.names[kind+"/"+Fallback] {
			if !have[n] {
				out = append(out, kind+"/"+n)
			}
		}
	}
	return out
}

// ErrNoTemplate is returned for a template name that exists in no locale.
var ErrNoTemplate = errors.New("templates: no such template")

// SMS renders the SMS template name in locale with data and returns the text
// ready to send: whitespace collapsed as README.md describes, and a text
// without Chinese transliterated to GSM-7 (see Fit). An unknown locale, or a
// template missing in locale, falls back to English. The text is not paged:
// the caller passes long lists through Page.
func (s *Set) SMS(locale, name string, data any) (string, error) {
	loc := Locale(locale)
	t := s.sms[loc].Lookup(name)
	if t == nil || strings.HasPrefix(name, "_") {
		loc = Fallback
		if t = s.sms[loc].Lookup(name); t == nil || strings.HasPrefix(name, "_") {
			return "", fmt.Errorf("%w: sms %q", ErrNoTemplate, name)
		}
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("templates: sms %s/%s: %w", loc, name, err)
	}
	out := Fit(collapse(b.String()), loc == "zh")
	// A truncated field followed by the template's full stop.
	out = strings.ReplaceAll(out, "....", "...")
	out = strings.ReplaceAll(out, "…。", "…")
	// A datum that ends its own sentence ("ACME Mining Co.") followed by
	// the template's full stop.
	out = doubleDot.ReplaceAllString(out, "$1.$2")
	return out, nil
}

// Email renders the e-mail template name in locale: its subject (the
// "subject" block of name.txt, whitespace collapsed), its plain-text body
// (name.txt) and its HTML body (name.html). Fallback as for SMS.
func (s *Set) Email(locale, name string, data any) (subject, text, html string, err error) {
	loc := Locale(locale)
	t, h := s.text[loc+"/"+name], s.html[loc+"/"+name]
	if t == nil {
		loc = Fallback
		if t, h = s.text[loc+"/"+name], s.html[loc+"/"+name]; t == nil {
			return "", "", "", fmt.Errorf("%w: email %q", ErrNoTemplate, name)
		}
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "subject", data); err != nil {
		return "", "", "", fmt.Errorf("templates: email %s/%s subject: %w", loc, name, err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := t.Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("templates: email %s/%s.txt: %w", loc, name, err)
	}
	text = strings.TrimSpace(b.String()) + "\n"
	b.Reset()
	if err := h.Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("templates: email %s/%s.html: %w", loc, name, err)
	}
	return subject, text, b.String(), nil
}

var doubleDot = regexp.MustCompile(`([^.])\.\.(\s|$)`)

// newline is what {{nl}} writes: a private-use character that survives the
// whitespace collapse and becomes "\n" afterwards.
const newline = '\uE000'

// collapse applies the SMS whitespace convention (README.md): every run of
// spaces, tabs and newlines becomes one space, except that it disappears
// when it touches Chinese punctuation (，。：（） …), when it holds a line
// break and stands between two Han characters (a template line broken in the
// middle of a Chinese sentence), and next to a {{nl}}; {{nl}} becomes a line
// break; the ends are trimmed.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var prev rune = newline // start of text behaves like a line start
	pending, broken := false, false
	for _, r := range s {
		switch r {
		case '\n', '\r', '\v', '\f':
			broken = true
			fallthrough
		case ' ', '\t':
			pending = true
			continue
		}
		if pending {
			drop := prev == newline || r == newline || isCJKPunct(prev) || isCJKPunct(r) ||
				(broken && isHan(prev) && isHan(r))
			if !drop {
				b.WriteByte(' ')
			}
			pending, broken = false, false
		}
		if r == newline {
			b.WriteByte('\n')
		} else {
			b.WriteRune(r)
		}
		prev = r
	}
	return strings.Trim(b.String(), "\n")
}

// isHan reports whether r is a Chinese character.
func isHan(r rune) bool {
	return r >= 0x2E80 && r != utf8.RuneError && unicode.Is(unicode.Han, r)
}

// isCJKPunct reports whether r is CJK or full-width punctuation, which
// carries its own spacing.
func isCJKPunct(r rune) bool {
	return (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFF0F) || (r >= 0xFF1A && r <= 0xFF20) ||
		(r >= 0xFF3B && r <= 0xFF40) || (r >= 0xFF5B && r <= 0xFF65)
}
