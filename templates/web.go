package templates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

// The web console's pages: html/template files under web/. layout.html
// holds the page shell (head, navigation, flash) and the shared blocks, as
// do the files named _*.html; each other file is one page that defines
// "title" and "content". Every page is
// parsed once per locale with the layout and the locale's functions, among
// them t (a phrase of the dictionary, webtext*.go) and tf (one with
// fmt.Sprintf arguments).

//go:embed all:web
var webFiles embed.FS

// WebPages holds the parsed pages of every locale. Safe for concurrent use.
type WebPages struct {
	pages map[string]*htmltemplate.Template // "<locale>/<page>"
}

var (
	webOnce   sync.Once
	webParsed *WebPages
	webErr    error
)

// Web parses (once) and returns the web console's pages.
func Web() (*WebPages, error) {
	webOnce.Do(func() { webParsed, webErr = parseWeb(webFiles) })
	return webParsed, webErr
}

func parseWeb(fsys fs.FS) (*WebPages, error) {
	layout, err := fs.ReadFile(fsys, "web/layout.html")
	if err != nil {
		return nil, err
	}
	paths, err := fs.Glob(fsys, "web/*.html")
	if err != nil {
		return nil, err
	}
	w := &WebPages{pages: map[string]*htmltemplate.Template{}}
	for _, loc := range Locales {
		fm := htmltemplate.FuncMap{}
		for k, v := range funcMap(loc) {
			fm[k] = v
		}
		fm["t"] = func(key string) string { return WebText(loc, key) }
		fm["tf"] = func(key string, args ...any) string { return fmt.Sprintf(WebText(loc, key), args...) }
		fm["locale"] = func() string { return loc }
		fm["dict"] = dict
		fm["nz"] = func(v any) bool { return toInt64(v) != 0 }
		root, err := htmltemplate.New("layout").Funcs(fm).Option("missingkey=error").Parse(string(layout))
		if err != nil {
			return nil, fmt.Errorf("templates: web/layout.html: %w", err)
		}
		// files named _*.html hold blocks several pages share
		for _, p := range paths {
			if strings.HasPrefix(path.Base(p), "_") {
				b, err := fs.ReadFile(fsys, p)
				if err != nil {
					return nil, err
				}
				if _, err := root.New(path.Base(p)).Parse(string(b)); err != nil {
					return nil, fmt.Errorf("templates: %s: %w", p, err)
				}
			}
		}
		for _, p := range paths {
			name := strings.TrimSuffix(path.Base(p), ".html")
			if name == "layout" || strings.HasPrefix(name, "_") {
				continue
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, err
			}
			t, err := root.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.New(name).Parse(string(b)); err != nil {
				return nil, fmt.Errorf("templates: %s: %w", p, err)
			}
			w.pages[loc+"/"+name] = t
		}
	}
	return w, nil
}

// Render writes page in locale with data. A page is the layout around the
// page's "content": the layout executes "title" and "content", which every
// page defines. Rendering goes to a buffer first so that a failing template
// never sends half a page.
func (w *WebPages) Render(out io.Writer, locale, page string, data any) error {
	if !hasLocale(locale) {
		locale = Fallback
	}
	t := w.pages[locale+"/"+page]
	if t == nil {
		return fmt.Errorf("templates: no web page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	_, err := buf.WriteTo(out)
	return err
}

func hasLocale(l string) bool {
	for _, x := range Locales {
		if x == l {
			return true
		}
	}
	return false
}

// dict builds a map from key, value pairs: to pass several values to a block.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// webText is the dictionary of the web pages: key → {English, Chinese}.
// Each file webtext_<part>.go adds its part in an init.
var webText = map[string][2]string{}

// addWebText adds phrases; a key given twice is a programming error.
func addWebText(m map[string][2]string) {
	for k, v := range m {
		if _, dup := webText[k]; dup {
			panic("templates: web text " + k + " defined twice")
		}
		webText[k] = v
	}
}

// WebText returns the phrase key in locale: the English one when the locale
// has none, the key itself when there is no such phrase (a test finds those).
func WebText(locale, key string) string {
	v, ok := webText[key]
	if !ok {
		return key
	}
	if locale == "zh" && v[1] != "" {
		return v[1]
	}
	return v[0]
}

// WebTextKeys lists the dictionary's keys (tests check both languages).
func WebTextKeys() []string {
	keys := make([]string, 0, len(webText))
	for k := range webText {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SigninCodeData is the data of sms/<locale>/signin_code.tmpl: the web
// console's one-time code and how many minutes it works.
type SigninCodeData struct {
	Code    string
	Minutes int
}
