package browsertest_test

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/fieldcrm/fieldcrm/internal/browsertest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// site is a small server with what the console's pages have: a sign-in form
// posted and answered with a cookie and a redirect, a page for signed-in
// users in the language the browser asks for, and a 404.
type site struct {
	*httptest.Server
	mu      sync.Mutex
	langs   []string     // Accept-Language of every request, in order
	posted  []url.Values // every form posted to /signin
	methods []string     // "METHOD /path" of every request
}

func newSite(t *testing.T) *site {
	s := &site{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		zh := strings.HasPrefix(r.Header.Get("Accept-Language"), "zh")
		title, label := "Sign in", "Your phone or e-mail"
		if zh {
			title, label = "登录", "手机号或电子邮箱"
		}
		page(w, title, fmt.Sprintf(`<h1>%s</h1>
<form id="signin" method="post" action="/signin">
  <label>%s <input name="who" autocomplete="off"></label>
  <select name="lang"><option value="en">English</option><option value="zh">中文</option></select>
  <button type="submit" name="by" value="sms">SMS</button>
  <button type="submit" name="by" value="email" id="by-email">E-mail</button>
</form>`, title, label))
	})
	mux.HandleFunc("POST /signin", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		s.mu.Lock()
		s.posted = append(s.posted, r.PostForm)
		s.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "session", Value: url.QueryEscape(r.PostForm.Get("who")),
			Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1", Path: "/", MaxAge: 3600, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/day?lang="+r.PostForm.Get("lang"), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /day", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		who, _ := url.QueryUnescape(c.Value)
		var rows strings.Builder
		for i := 1; i <= 40; i++ { // taller than a laptop screen
			fmt.Fprintf(&rows, "<li>#%d 拜访 ACME Mining %d</li>\n", i, i)
		}
		page(w, "My day", fmt.Sprintf(`<p id="greeting">Good morning, %s</p>
<p id="zh">今天的工作：40 项</p>
<p><a href="/">Sign in again</a> <a href="/missing">Gone</a></p>
<ol>%s</ol>`, html.EscapeString(who), rows.String()))
	})
	export := func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("session"); err != nil {
			http.Error(w, "sign in first", http.StatusForbidden)
			return
		}
		r.ParseForm()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="day.csv"; filename*=UTF-8''%E6%88%91%E7%9A%84%E4%B8%80%E5%A4%A9.csv`)
		fmt.Fprintf(w, "\uFEFFid,account\n1,%s ACME 矿业\n", r.Method+" "+r.Form.Get("period"))
	}
	mux.HandleFunc("GET /export.csv", export)
	mux.HandleFunc("POST /export.csv", export)
	mux.HandleFunc("GET /raw", func(w http.ResponseWriter, r *http.Request) {
		page(w, "raw", r.URL.Query().Get("body"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		page(w, "Not found", "<p>No such page.</p>")
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.langs = append(s.langs, r.Header.Get("Accept-Language"))
		s.methods = append(s.methods, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func page(w http.ResponseWriter, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title><style>body{font-family:sans-serif;margin:1em}</style></head><body>%s</body></html>`, title, body)
}

func (s *site) lastLang() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.langs[len(s.langs)-1]
}

func (s *site) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.methods...)
}

func (s *site) forms() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.posted...)
}

func TestWalk(t *testing.T) {
	s := newSite(t)
	b := browsertest.Start(t)

	b.Open(s.URL)
	if got := b.Title(); got != "Sign in" {
		t.Errorf("title %q, want Sign in", got)
	}
	if b.Status() != http.StatusOK {
		t.Errorf("status %d, want 200", b.Status())
	}
	b.Fill(`input[name=who]`, "wrong")
	b.Fill(`input[name=who]`, "李娜 +8613800000002") // replaces, and Chinese types through
	b.Select(`select[name=lang]`, "zh")
	b.Submit(`#by-email`) // the button pressed goes with the form

	if !strings.HasSuffix(b.URL(), "/day?lang=zh") {
		t.Errorf("after the redirect the page is %s, want /day?lang=zh", b.URL())
	}
	if b.Status() != http.StatusOK {
		t.Errorf("status after the redirect %d, want 200", b.Status())
	}
	if got, want := b.Text("#greeting"), "Good morning, 李娜 +8613800000002"; got != want {
		t.Errorf("greeting %q, want %q", got, want)
	}
	if got := b.Text("#zh"); got != "今天的工作：40 项" {
		t.Errorf("Chinese text %q", got)
	}
	forms := s.forms()
	if len(forms) != 1 {
		t.Fatalf("%d forms posted, want 1", len(forms))
	}
	if f := forms[0]; f.Get("who") != "李娜 +8613800000002" || f.Get("lang") != "zh" || f.Get("by") != "email" {
		t.Errorf("posted %v, want who=李娜 +8613800000002 lang=zh by=email", f)
	}
	reqs := strings.Join(s.requests(), ", ")
	if !strings.Contains(reqs, "POST /signin, GET /day") {
		t.Errorf("requests %s: want the POST answered with a redirect to GET /day", reqs)
	}

	session := b.Cookie("session")
	if session == nil {
		t.Fatalf("no session cookie; cookies: %v", b.Cookies())
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || !session.Expires.IsZero() {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure, no expiry", session)
	}
	seen := b.Cookie("seen")
	if seen == nil || seen.HttpOnly || seen.SameSite != http.SameSiteStrictMode ||
		seen.Expires.Before(time.Now().Add(59*time.Minute)) || seen.Expires.After(time.Now().Add(61*time.Minute)) {
		t.Errorf("seen cookie %+v: want SameSite=Strict, not HttpOnly, expiring in an hour", seen)
	}
	if n := b.Count("li"); n != 40 {
		t.Errorf("%d list items, want 40", n)
	}
	if items := b.Texts("li"); len(items) != 40 || items[39] != "#40 拜访 ACME Mining 40" {
		t.Errorf("items %q", items)
	}

	b.Open("/raw?body=" + url.QueryEscape(`<a id="csv" href="/export.csv?period=week">CSV</a>
<form id="export" method="post" action="/export.csv"><input name="period" value="month"><button>Export</button></form>`))
	for sel, want := range map[string]string{"#csv": "GET week", "#export": "POST month"} {
		d := b.Download(sel)
		if d.Status != 200 || d.Filename != "我的一天.csv" || d.ContentType != "text/csv; charset=utf-8" ||
			string(d.Data) != "\uFEFFid,account\n1,"+want+" ACME 矿业\n" {
			t.Errorf("download %s: %d %q %q %q", sel, d.Status, d.ContentType, d.Filename, d.Data)
		}
	}
	if u := b.URL(); !strings.Contains(u, "/raw?") {
		t.Errorf("a download left the page for %s", u)
	}
	b.Back()

	b.FollowLink("Gone")
	if b.Status() != http.StatusNotFound || b.Text("p") != "No such page." {
		t.Errorf("status %d, text %q: want the 404 page", b.Status(), b.Text("p"))
	}
	b.Back()
	t.Run("subtest", func(t *testing.T) {
		b := b.With(t) // failures end the subtest
		b.WaitVisible("#greeting")
		b.FollowLink("Gone")
	})
	if b.Status() != http.StatusNotFound {
		t.Errorf("status %d after a subtest followed a link to a 404: With must share the tab's state", b.Status())
	}
	b.Back()
	b.Open("/") // relative to the current page
	if got := b.URL(); got != s.URL+"/" {
		t.Errorf("relative open went to %s, want %s/", got, s.URL)
	}
	b.ClickAndWait(`button[value=sms]`)
	if f := s.forms(); len(f) != 2 || f[1].Get("by") != "sms" {
		t.Errorf("second post %v: want by=sms", f)
	}
}

// TestDialogsAndScriptErrors: a page that lets a record's name run as script
// is caught by the alert it opens, and the walk goes on (an unanswered alert
// would stop the page).
func TestDialogsAndScriptErrors(t *testing.T) {
	s := newSite(t)
	b := browsertest.Start(t)
	b.Open(s.URL + "/raw?body=" + url.QueryEscape(`<p id="name">ACME<script>alert("xss")</script></p>
<script>if (confirm("Delete ACME?")) document.getElementById("name").textContent = "deleted"</script>
<script>nosuchfunction()</script>`))
	if got := b.Text("#name"); got != "deleted" {
		t.Errorf("the page shows %q: the confirm box was not answered OK", got)
	}
	if got, want := strings.Join(b.Dialogs(), " | "), "alert: xss | confirm: Delete ACME?"; got != want {
		t.Errorf("dialogs %q, want %q", got, want)
	}
	deadline := time.Now().Add(5 * time.Second) // the errors come as events, after the page
	for len(b.JSErrors()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if e := b.JSErrors(); len(e) != 1 || !strings.Contains(e[0], "nosuchfunction is not defined") {
		t.Errorf("script errors %q, want the one of nosuchfunction", e)
	}

	b.Open("/raw?body=" + url.QueryEscape(`<p>&lt;script&gt;alert("xss")&lt;/script&gt;</p>`))
	if n := len(b.Dialogs()); n != 2 {
		t.Errorf("an escaped name opened a dialog: %q", b.Dialogs())
	}
}

func TestEachBrowserHasItsOwnCookies(t *testing.T) {
	s := newSite(t)
	a := browsertest.Start(t)
	a.Open(s.URL)
	a.Fill(`input[name=who]`, "wang")
	a.Submit(`#signin`)
	a.WaitVisible("#greeting")

	b := browsertest.Start(t)
	b.Open(s.URL + "/day")
	if got := b.URL(); got != s.URL+"/" {
		t.Errorf("a second browser opened /day at %s: it must not have the first one's session", got)
	}
	if c := b.Cookies(); len(c) != 0 {
		t.Errorf("second browser has cookies %v", c)
	}

	// A planted cookie is sent as if the site had set it.
	b.SetCookie(&http.Cookie{Name: "session", Value: "planted", Path: "/"})
	b.Open("/day")
	if got := b.Text("#greeting"); got != "Good morning, planted" {
		t.Errorf("greeting %q with a planted cookie", got)
	}
}

func TestLanguage(t *testing.T) {
	s := newSite(t)
	b := browsertest.Start(t, browsertest.Lang("zh-CN"))
	b.Open(s.URL)
	if got := s.lastLang(); got != "zh-CN,zh;q=0.9" {
		t.Errorf("Accept-Language %q, want zh-CN,zh;q=0.9", got)
	}
	if got := b.Title(); got != "登录" {
		t.Errorf("title %q, want 登录", got)
	}
	if got := strings.TrimSpace(b.Text("label")); got != "手机号或电子邮箱" {
		t.Errorf("label %q", got)
	}

	b.SetLanguage("en-US")
	b.Open("/")
	if got := s.lastLang(); got != "en-US,en;q=0.9" {
		t.Errorf("Accept-Language %q after SetLanguage(en-US)", got)
	}
	if got := b.Title(); got != "Sign in" {
		t.Errorf("title %q, want Sign in", got)
	}
}

// TestEachBrowser walks with each of Debian's two Chromium packages that is
// installed: the headless shell (first choice) and the full chromium.
func TestEachBrowser(t *testing.T) {
	s := newSite(t)
	ran := 0
	for _, bin := range []string{"/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium"} {
		if _, err := os.Stat(bin); err != nil {
			continue
		}
		ran++
		t.Run(filepath.Base(bin), func(t *testing.T) {
			t.Setenv(browsertest.EnvChromium, bin)
			b := browsertest.Start(t, browsertest.OwnProcess(), browsertest.Lang("zh-CN"))
			b.Open(s.URL)
			b.Fill("input[name=who]", "李娜")
			b.Submit("#signin")
			if got := b.Text("#greeting"); got != "Good morning, 李娜" {
				t.Errorf("greeting %q", got)
			}
			if c := b.Cookie("session"); c == nil || !c.HttpOnly {
				t.Errorf("session cookie %+v", c)
			}
			if w := decode(t, b.Screenshot("day")).Bounds().Dx(); w != 1280 {
				t.Errorf("screenshot %d wide", w)
			}
		})
	}
	if ran == 0 {
		t.Skip("neither of Debian's Chromium packages is installed")
	}
}

func TestDefaultLanguageIsEnglish(t *testing.T) {
	t.Setenv("LANG", "zh_CN.UTF-8") // the machine's locale must not leak into the tests
	s := newSite(t)
	b := browsertest.Start(t, browsertest.OwnProcess())
	b.Open(s.URL)
	if got := s.lastLang(); !strings.HasPrefix(got, "en-US") {
		t.Errorf("Accept-Language %q, want en-US first", got)
	}
}

func TestScreenshot(t *testing.T) {
	s := newSite(t)
	b := browsertest.Start(t, browsertest.Lang("zh-CN"))
	b.Open(s.URL)
	b.Fill(`input[name=who]`, "李娜")
	b.Submit(`#signin`)
	b.WaitVisible("#greeting")

	laptop := decode(t, b.Screenshot("day-laptop"))
	if w, h := laptop.Bounds().Dx(), laptop.Bounds().Dy(); w != 1280 || h <= 800 {
		t.Errorf("laptop screenshot %dx%d: want 1280 wide and taller than the 800 of the screen (the whole page)", w, h)
	}
	if n := inked(laptop); n < 2000 {
		t.Errorf("laptop screenshot has %d dark pixels: is anything drawn?", n)
	}

	b.SetViewport(browsertest.Phone)
	phone := decode(t, b.Screenshot("day-phone.png"))
	if w, h := phone.Bounds().Dx(), phone.Bounds().Dy(); w != 390 || h <= 844 {
		t.Errorf("phone screenshot %dx%d: want 390 wide and taller than 844", w, h)
	}

	// Both sizes at once, and the viewport set back.
	b.SetViewport(browsertest.Viewport{Width: 800, Height: 600})
	p, l := b.Screenshots("day")
	if filepath.Base(p) != "day-phone.png" || filepath.Base(l) != "day-laptop.png" {
		t.Errorf("Screenshots wrote %s and %s", p, l)
	}
	if w := decode(t, p).Bounds().Dx(); w != 390 {
		t.Errorf("phone screenshot %d wide", w)
	}
	if w := decode(t, l).Bounds().Dx(); w != 1280 {
		t.Errorf("laptop screenshot %d wide", w)
	}
	if w := decode(t, b.Screenshot("after")).Bounds().Dx(); w != 800 {
		t.Errorf("after Screenshots the page is %d wide, want the 800 it had", w)
	}

	// The Chinese line is drawn with a CJK font, not as empty boxes ("tofu"):
	// six different characters make many different columns of ink, six
	// identical boxes only a few.
	b.SetViewport(browsertest.Laptop)
	b.Open("/raw?body=" + url.QueryEscape(`<p style="font-size:40px">今天的工作项目</p>`))
	zh := decode(t, b.Screenshot("zh"))
	n := columns(zh)
	t.Logf("the Chinese line has %d distinct columns of ink (6 boxes would have 3)", n)
	if n < 80 {
		t.Errorf("the Chinese line has %d distinct columns of ink: are the CJK fonts missing (apt-get install %s)?", n, browsertest.AptPackages)
	}
}

func TestScreenshotsGoToDocsWhenAsked(t *testing.T) {
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(repo, "web")
	os.Mkdir(pkg, 0o755)
	t.Chdir(pkg)

	s := newSite(t)
	b := browsertest.Start(t)
	b.Open(s.URL)
	if p := b.Screenshot("signin"); filepath.Dir(p) == filepath.Join(repo, "docs", "web") {
		t.Errorf("without %s=1 the screenshot went to %s", browsertest.EnvScreenshots, p)
	}
	t.Setenv(browsertest.EnvScreenshots, "1")
	p := b.Screenshot("signin")
	if want := filepath.Join(repo, "docs", "web", "signin.png"); p != want {
		t.Errorf("with %s=1 the screenshot went to %s, want %s", browsertest.EnvScreenshots, p, want)
	}
	decode(t, p)
	explicit := filepath.Join(t.TempDir(), "a", "b.png")
	b.ScreenshotTo(explicit)
	decode(t, explicit)
}

// TestFailureReport checks that a failing step says what it was doing, where
// and what the page showed, and that it gives up after the timeout.
func TestFailureReport(t *testing.T) {
	s := newSite(t)
	b := browsertest.Start(t)
	b.Open(s.URL)

	msg, stopped := failure(t, func(tb testing.TB) {
		start := time.Now()
		defer func() { t.Logf("gave up after %v", time.Since(start).Round(time.Millisecond)) }()
		b.SetTimeout(300 * time.Millisecond)
		defer b.SetTimeout(browsertest.DefaultTimeout)
		b.With(tb).Click("#no-such-button")
	})
	if !stopped {
		t.Fatal("a click on a missing element did not end the test")
	}
	t.Logf("what a failing step reports:\n%s", msg)
	for _, want := range []string{
		"click #no-such-button", "nothing on the page matches it (waited 300ms)", "page: " + s.URL + "/",
		"the page shows:", "Your phone or e-mail",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, msg)
		}
	}

	b.Do("hide a button", chromedp.SetAttributeValue(chromedp.CSS("#by-email"), "hidden", ""))
	msg, _ = failure(t, func(tb testing.TB) {
		b.SetTimeout(300 * time.Millisecond)
		defer b.SetTimeout(browsertest.DefaultTimeout)
		b.With(tb).Click("#by-email")
	})
	if !strings.Contains(msg, "click #by-email: it is on the page but hidden (waited 300ms)") {
		t.Errorf("failure message for a hidden button:\n%s", msg)
	}

	b.Do("make the name required", chromedp.SetAttributeValue(chromedp.CSS("input[name=who]"), "required", ""))
	msg, _ = failure(t, func(tb testing.TB) { b.With(tb).Submit("#signin") })
	t.Logf("and a form the browser will not send:\n%s", msg)
	if !strings.Contains(msg, "submit #signin: the browser will not send the form: who: ") {
		t.Errorf("failure message for a form with an empty required field:\n%s", msg)
	}
	if n := len(s.forms()); n != 0 {
		t.Errorf("%d forms posted, want none", n)
	}

	b.Open("/raw?body=" + url.QueryEscape(`<input id="d" type="date"> <select id="s"><option>a</option></select>`))
	b.Fill("#d", "2026-03-12")
	if got := b.Value("#d"); got != "2026-03-12" {
		t.Errorf("date field holds %q after Fill 2026-03-12", got)
	}
	msg, _ = failure(t, func(tb testing.TB) { b.With(tb).Fill("#d", "12/03/2026") })
	if !strings.Contains(msg, `fill #d with "12/03/2026": a date field does not take that value`) {
		t.Errorf("failure message for a date written as people write it:\n%s", msg)
	}
	msg, _ = failure(t, func(tb testing.TB) { b.With(tb).Fill("#s", "a") })
	if !strings.Contains(msg, `fill #s with "a": a select: choose its option with Select`) {
		t.Errorf("failure message for Fill on a select:\n%s", msg)
	}

	msg, _ = failure(t, func(tb testing.TB) { b.With(tb).FollowLink("Pipeline") })
	if !strings.Contains(msg, `follow the link "Pipeline": no link with that text`) {
		t.Errorf("failure message for a missing link:\n%s", msg)
	}
}

func TestNoBrowser(t *testing.T) {
	t.Setenv(browsertest.EnvChromium, "/nonexistent/chromium")

	t.Setenv(browsertest.EnvRequire, "")
	msg, stopped := failure(t, func(tb testing.TB) { browsertest.Start(tb) })
	if !stopped || !strings.HasPrefix(msg, "skip: ") || !strings.Contains(msg, browsertest.EnvRequire) ||
		!strings.Contains(msg, "apt-get install "+browsertest.AptPackages) {
		t.Errorf("without a browser: %q; want a skip naming %s and the package", msg, browsertest.EnvRequire)
	}

	t.Setenv(browsertest.EnvRequire, "1")
	msg, stopped = failure(t, func(tb testing.TB) { browsertest.Start(tb) })
	if !stopped || !strings.HasPrefix(msg, "fatal: ") || !strings.Contains(msg, "/nonexistent/chromium") {
		t.Errorf("without a browser and %s=1: %q; want a failure", browsertest.EnvRequire, msg)
	}
}

// recorder is a testing.TB whose Fatalf and Skipf record the message and stop
// the goroutine, as the real ones do, without failing the real test.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = "fatal: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.msg = "skip: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failure runs f with a recorder and returns what it recorded and whether f
// was stopped.
func failure(t *testing.T, f func(tb testing.TB)) (msg string, stopped bool) {
	r := &recorder{TB: t}
	done := make(chan bool)
	go func() {
		finished := false
		defer func() { done <- !finished }()
		f(r)
		finished = true
	}()
	stopped = <-done
	return r.msg, stopped
}

func decode(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// inked counts the pixels darker than mid-grey.
func inked(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r+g+bl < 3*0x8000 {
				n++
			}
		}
	}
	return n
}

// columns counts the distinct patterns of ink in the image's columns.
func columns(img image.Image) int {
	seen := map[string]bool{}
	b := img.Bounds()
	for x := b.Min.X; x < b.Max.X; x++ {
		var col []byte
		for y := b.Min.Y; y < b.Max.Y; y++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r+g+bl < 3*0x8000 {
				col = append(col, 1)
			} else {
				col = append(col, 0)
			}
		}
		seen[string(col)] = true
	}
	return len(seen)
}

// BenchmarkStart measures Start until the tab is ready, and its cleanup: the
// full chromium in a process of its own (the baseline), the headless shell in
// a process of its own, and a tab in the headless shell's process that the
// tests share under Main.
//
//	go test -run '^$' -bench Start -benchtime 10x ./internal/browsertest
func BenchmarkStart(b *testing.B) {
	for _, c := range []struct {
		name, bin string
		own       bool
	}{
		{"chromium/own-process", "/usr/bin/chromium", true},
		{"headless-shell/own-process", "/usr/lib/chromium/chromium-headless-shell", true},
		{"headless-shell/shared-process", "/usr/lib/chromium/chromium-headless-shell", false},
	} {
		b.Run(c.name, func(b *testing.B) {
			if _, err := os.Stat(c.bin); err != nil {
				b.Skip(err)
			}
			b.Setenv(browsertest.EnvChromium, c.bin)
			var opts []browsertest.Option
			if c.own {
				opts = append(opts, browsertest.OwnProcess())
			} else { // start the shared process outside the timing
				browsertest.Start(b)
				b.ResetTimer()
			}
			for b.Loop() {
				s := &scope{TB: b}
				browsertest.Start(s, opts...)
				s.close()
			}
		})
	}
}

// scope is a testing.TB whose cleanups run when close is called, so that a
// benchmark can stop each browser it starts within its loop.
type scope struct {
	testing.TB
	cleanups []func()
}

func (s *scope) Helper()          {}
func (s *scope) Cleanup(f func()) { s.cleanups = append(s.cleanups, f) }
func (s *scope) close() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
}
