package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The walk: every method waits for what it needs (the element, the next page)
// up to the Browser's timeout, and ends the test on failure with the step, the
// URL and the visible text of the page. Selectors are CSS selectors.

// Open loads url and waits for the page. A url without a scheme and host
// ("/day", "?page=2") is taken relative to the current page. The HTTP status
// of the page is kept for Status.
func (b *Browser) Open(rawURL string) {
	b.t.Helper()
	target := b.resolve(rawURL)
	b.navigate(step{what: "open " + target}, chromedp.Navigate(target))
}

// Fill types text into the field sel, replacing what it held. A date, time,
// month, week, colour or range field is set to text as its value instead
// ("2026-03-12", "09:30"), as typing into those depends on the locale.
// A "\n" in text presses Enter.
func (b *Browser) Fill(sel, text string) {
	b.t.Helper()
	b.do(step{fmt.Sprintf("fill %s with %q", sel, text), sel},
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			how, err := chromedp.Evaluate[string](fmt.Sprintf(`(() => {
				const e = document.querySelector(%s), text = %s;
				if (e.tagName === "SELECT") return "a select: choose its option with Select";
				if (!("value" in e)) return "not a field that takes text";
				if (["date", "time", "datetime-local", "month", "week", "color", "range"].includes(e.type)) {
					e.value = text;
					if (e.value !== text) return "a " + e.type + " field does not take that value";
					e.dispatchEvent(new Event("input", {bubbles: true}));
					e.dispatchEvent(new Event("change", {bubbles: true}));
					return "set";
				}
				e.value = ""; e.focus(); return "type"; })()`, js(sel), js(text)))(ctx, t)
			switch {
			case err != nil:
				return err
			case how == "type":
				_, err = chromedp.SendKeys(chromedp.CSS(sel), text)(ctx, t)
				return err
			case how == "set":
				return nil
			}
			return fmt.Errorf("%s", how)
		}),
	)
}

// Select chooses the option with value in the <select> sel.
func (b *Browser) Select(sel, value string) {
	b.t.Helper()
	b.do(step{fmt.Sprintf("select %q in %s", value, sel), sel},
		chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible),
		b.script(fmt.Sprintf(`(() => { const e = document.querySelector(%s);
			if (e.value !== %s) return "no option with that value";
			e.dispatchEvent(new Event("change", {bubbles: true})); return ""; })()`, js(sel), js(value))),
	)
}

// Upload sets the file of the <input type=file> sel.
func (b *Browser) Upload(sel, path string) {
	b.t.Helper()
	b.do(step{fmt.Sprintf("upload %s into %s", path, sel), sel}, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{path}))
}

// Click clicks the element sel (as a mouse would) and does not wait for a
// page: use it for checkboxes, disclosure widgets and script buttons.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.do(step{"click " + sel, sel}, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// ClickAndWait clicks the element sel (a link, a submit button) and waits for
// the page it loads.
func (b *Browser) ClickAndWait(sel string) {
	b.t.Helper()
	b.navigate(step{"click " + sel + " and wait for the next page", sel}, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// FollowLink clicks the link whose visible text is text (spaces trimmed) and
// waits for the page it loads.
func (b *Browser) FollowLink(text string) {
	b.t.Helper()
	b.navigate(step{what: fmt.Sprintf("follow the link %q", text)}, b.script(fmt.Sprintf(`(() => {
		const want = %s;
		const a = Array.from(document.querySelectorAll("a[href]")).find(a => a.innerText.trim() === want);
		if (!a) return "no link with that text; links: " + Array.from(document.querySelectorAll("a[href]"), a => JSON.stringify(a.innerText.trim())).join(", ");
		a.click(); return ""; })()`, js(text))))
}

// Submit submits a form and waits for the page that answers (after any
// redirects). sel is the form, or a submit button in it: then the button's
// name and value go with the form, as when a person presses it.
func (b *Browser) Submit(sel string) {
	b.t.Helper()
	s := step{"submit " + sel, sel}
	b.do(s, chromedp.WaitReady(chromedp.CSS(sel)))
	b.navigate(s, b.script(fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		const form = e instanceof HTMLFormElement ? e : e.form;
		if (!form) return "not a form, nor in one";
		const bad = Array.from(form.elements).filter(f => f.willValidate && !f.checkValidity());
		if (bad.length && !form.noValidate && !(e.formNoValidate))
			return "the browser will not send the form: " + bad.map(f => (f.name || f.id || f.tagName.toLowerCase()) + ": " + f.validationMessage).join("; ");
		form.requestSubmit(e === form || e.type !== "submit" ? null : e); return ""; })()`, js(sel))))
}

// Back goes back one page in the history and waits for it.
func (b *Browser) Back() {
	b.t.Helper()
	b.navigate(step{what: "go back"}, chromedp.NavigateBack())
}

// WaitVisible waits until sel is on the page and visible.
func (b *Browser) WaitVisible(sel string) {
	b.t.Helper()
	b.do(step{"wait for " + sel + " to be visible", sel}, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// WaitGone waits until nothing matches sel.
func (b *Browser) WaitGone(sel string) {
	b.t.Helper()
	b.do(step{what: "wait for " + sel + " to go"}, chromedp.WaitNotPresent(chromedp.CSS(sel)))
}

// Text returns the visible text of the first element sel, waiting for it.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return run(b, step{"read the text of " + sel, sel}, chromedp.Text(chromedp.CSS(sel)))
}

// Texts returns the visible text of every element sel on the page now (no wait).
func (b *Browser) Texts(sel string) []string {
	b.t.Helper()
	return run(b, step{what: "read the texts of " + sel}, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%s), e => e.innerText)`, js(sel))))
}

// PageText returns the visible text of the whole page.
func (b *Browser) PageText() string {
	b.t.Helper()
	return run(b, step{what: "read the page's text"}, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
}

// HTML returns the outer HTML of the first element sel, waiting for it.
func (b *Browser) HTML(sel string) string {
	b.t.Helper()
	return run(b, step{"read the HTML of " + sel, sel}, chromedp.OuterHTML(chromedp.CSS(sel)))
}

// Value returns the current value of the form field sel.
func (b *Browser) Value(sel string) string {
	b.t.Helper()
	return run(b, step{"read the value of " + sel, sel}, chromedp.Value(chromedp.CSS(sel)))
}

// Attr returns the attribute name of the first element sel ("" when absent).
func (b *Browser) Attr(sel, name string) string {
	b.t.Helper()
	r := run(b, step{fmt.Sprintf("read %s of %s", name, sel), sel}, chromedp.AttributeValue(chromedp.CSS(sel), name))
	return r.Value
}

// Count returns how many elements match sel on the page now (no wait).
func (b *Browser) Count(sel string) int {
	b.t.Helper()
	return run(b, step{what: "count " + sel}, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%s).length`, js(sel))))
}

// Title returns the page's title.
func (b *Browser) Title() string {
	b.t.Helper()
	return run(b, step{what: "read the title"}, chromedp.Title())
}

// URL returns the address of the current page.
func (b *Browser) URL() string {
	b.t.Helper()
	return run(b, step{what: "read the URL"}, chromedp.Location())
}

// SetTimeout changes how long each following step may take.
func (b *Browser) SetTimeout(d time.Duration) { b.timeout = d }

// Status returns the HTTP status of the last page that Open, Submit,
// ClickAndWait, FollowLink or Back loaded (the final one after redirects).
func (b *Browser) Status() int { return b.status }

// SetViewport resizes the page area: Phone, Laptop, or any Viewport.
func (b *Browser) SetViewport(v Viewport) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if v.Mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	b.do(step{what: fmt.Sprintf("resize to %dx%d", v.Width, v.Height)},
		chromedp.EmulateViewport(int64(v.Width), int64(v.Height), opts...))
	b.size = v
}

// SetLanguage makes the browser ask for lang ("zh-CN", "en-US"): the
// Accept-Language header of every request, navigator.language and the locale
// of dates and numbers formatted by scripts.
func (b *Browser) SetLanguage(lang string) {
	b.t.Helper()
	accept := lang // Chromium adds the q-values: "zh-CN,zh" goes out as "zh-CN,zh;q=0.9"
	if base, _, ok := strings.Cut(lang, "-"); ok {
		accept = lang + "," + base
	}
	b.do(step{what: "set the language to " + lang}, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: b.ua, AcceptLanguage: accept,
		})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, t, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{
			Locale: strings.ReplaceAll(lang, "-", "_"),
		})
		if err != nil && strings.Contains(err.Error(), "Another locale override is already in effect") {
			err = nil // the same tab set one before; Chromium keeps the first
		}
		return err
	}))
}

// Dialogs returns the alert, confirm and prompt boxes the pages opened so far,
// as "alert: message"; each was answered OK, as a person would. A page that
// escapes what it shows opens none.
func (b *Browser) Dialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// JSErrors returns the uncaught errors of the pages' scripts so far.
func (b *Browser) JSErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.jsErrors...)
}

// Cookies returns the cookies the browser would send to the current page,
// with their flags (HttpOnly, Secure, SameSite, Expires).
func (b *Browser) Cookies() []*http.Cookie {
	b.t.Helper()
	u := b.URL()
	cs := run(b, step{what: "read the cookies"}, chromedp.Action[[]*network.Cookie](func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
		return r.Cookies, err
	}))
	out := make([]*http.Cookie, 0, len(cs))
	for _, c := range cs {
		hc := &http.Cookie{
			Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
			HttpOnly: c.HTTPOnly, Secure: c.Secure,
		}
		switch c.SameSite {
		case network.CookieSameSiteStrict:
			hc.SameSite = http.SameSiteStrictMode
		case network.CookieSameSiteLax:
			hc.SameSite = http.SameSiteLaxMode
		case network.CookieSameSiteNone:
			hc.SameSite = http.SameSiteNoneMode
		}
		if !c.Session && c.Expires > 0 && !math.IsInf(c.Expires, 0) {
			sec, frac := math.Modf(c.Expires)
			hc.Expires = time.Unix(int64(sec), int64(frac*1e9))
		}
		out = append(out, hc)
	}
	return out
}

// Cookie returns the cookie name sent to the current page, or nil.
func (b *Browser) Cookie(name string) *http.Cookie {
	b.t.Helper()
	for _, c := range b.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// SetCookie stores a cookie for the current page's site, as if the site had
// set it (e.g. to plant a session id before signing in).
func (b *Browser) SetCookie(c *http.Cookie) {
	b.t.Helper()
	u := b.URL()
	p := network.SetCookieParams{Name: c.Name, Value: c.Value, URL: u, Domain: c.Domain, Path: c.Path}
	if c.HttpOnly {
		p.HTTPOnly = &c.HttpOnly
	}
	if c.Secure {
		p.Secure = &c.Secure
	}
	b.do(step{what: "set the cookie " + c.Name}, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCookie, p)
		return err
	}))
}

// Do runs chromedp actions as one step of the walk, for what the methods
// above do not cover; what names it in the failure message.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.do(step{what: what}, actions...)
}

// With returns the same tab reporting to t, for a subtest (t.Run) that walks
// on with its parent's browser: its failures must end the subtest, not the parent.
func (b *Browser) With(t testing.TB) *Browser {
	return &Browser{t: t, tabState: b.tabState}
}

// Context is the tab's chromedp context, for chromedp.Run without the
// timeout and the failure report of the walk.
func (b *Browser) Context() context.Context { return b.ctx }

// do runs actions within the timeout, or ends the test.
func (b *Browser) do(step step, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(step, err)
	}
}

// run runs one action that returns a value, within the timeout, or ends the test.
func run[T any](b *Browser, step step, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail(step, err)
	}
	return v
}

// navigate runs actions that load a page, waits for it and keeps its status.
func (b *Browser) navigate(step step, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.fail(step, err)
	}
	b.status = 0
	if resp != nil {
		b.status = int(resp.Status)
	}
}

// script is an action running a JavaScript expression that returns "" when
// it did its work and what went wrong otherwise.
func (b *Browser) script(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		msg, err := chromedp.Evaluate[string](expr)(ctx, t)
		if err != nil {
			return err
		}
		if msg != "" {
			return fmt.Errorf("%s", msg)
		}
		return nil
	})
}

// step is what a walk's step does, and the element it waits for if any.
type step struct{ what, sel string }

// fail ends the test with what a reader needs to see where the walk stopped.
func (b *Browser) fail(s step, err error) {
	b.t.Helper()
	u, text := b.where()
	var more string
	if d := b.Dialogs(); len(d) > 0 {
		more += "\n  dialogs the pages opened: " + strings.Join(d, "; ")
	}
	if e := b.JSErrors(); len(e) > 0 {
		more += "\n  script errors: " + strings.Join(e, "; ")
	}
	b.t.Fatalf("browsertest: %s: %v\n  page: %s%s\n  the page shows:\n%s", s.what, b.explain(s, err), u, more, indent(text, "    "))
}

// where returns the current URL and the start of the page's visible text, with
// a short timeout of its own: the page may be what hangs.
func (b *Browser) where() (string, string) {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")", ""
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return u, "(unreadable: " + err.Error() + ")"
	}
	const max = 2000
	if r := []rune(text); len(r) > max {
		text = string(r[:max]) + " …"
	}
	return u, text
}

// resolve takes rawURL relative to the current page when it has no host.
func (b *Browser) resolve(rawURL string) string {
	b.t.Helper()
	ref, err := url.Parse(rawURL)
	if err != nil {
		b.t.Fatalf("browsertest: open %q: %v", rawURL, err)
	}
	if ref.IsAbs() {
		return rawURL
	}
	base, err := url.Parse(b.URL())
	if err != nil || base.Host == "" {
		b.t.Fatalf("browsertest: open %q: a relative address needs a page open first (now at %q)", rawURL, base)
	}
	return base.ResolveReference(ref).String()
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

func indent(s, prefix string) string {
	if s == "" {
		return prefix + "(nothing)"
	}
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}
