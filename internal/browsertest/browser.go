package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The environment variables the package reads.
const (
	// EnvRequire set to 1 turns a missing Chromium into a test failure (CI sets it).
	EnvRequire = "FIELDCRM_BROWSER_TEST"
	// EnvChromium names the browser binary to use before the ones on the PATH.
	EnvChromium = "FIELDCRM_CHROMIUM"
	// EnvScreenshots set to 1 makes Screenshot write into the repository's docs/web/.
	EnvScreenshots = "FIELDCRM_SCREENSHOTS"
)

// AptPackages is what to install on Debian for these tests: Chromium's
// headless shell (the browser without its windows: a third of the start-up
// time of the full chromium package, which works too) and a small font with
// Chinese characters (without it Chinese pages show boxes).
const AptPackages = "chromium-headless-shell fonts-wqy-microhei"

// DefaultTimeout bounds every action of a walk.
const DefaultTimeout = 10 * time.Second

// startTimeout bounds the start of the browser process and of a tab.
const startTimeout = 60 * time.Second

// The browsers looked for, in this order, after $FIELDCRM_CHROMIUM: Debian's
// headless shell itself (its /usr/bin script does not exec it, so the browser
// would outlive a killed test), then the names on the PATH.
var (
	headlessShell = "/usr/lib/chromium/chromium-headless-shell"
	binaries      = []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
)

// Viewport is the size of the page area in CSS pixels; Mobile turns on the
// phone emulation (the page's meta viewport is honoured, touch events on).
type Viewport struct {
	Width, Height int
	Mobile        bool
}

// The two sizes the console is made for.
var (
	Phone  = Viewport{Width: 390, Height: 844, Mobile: true}
	Laptop = Viewport{Width: 1280, Height: 800}
)

// Option changes how Start opens the browser.
type Option func(*config)

type config struct {
	lang     string
	viewport Viewport
	timeout  time.Duration
	own      bool
}

// Lang sets the language the browser asks for (Accept-Language, navigator.language),
// e.g. "zh-CN". The default is "en-US", whatever the machine's locale.
func Lang(lang string) Option { return func(c *config) { c.lang = lang } }

// Size sets the starting viewport (Laptop by default).
func Size(v Viewport) Option { return func(c *config) { c.viewport = v } }

// Timeout sets how long each action may take (DefaultTimeout by default).
func Timeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// OwnProcess starts a browser process for this Browser alone even when the
// tests share one (Main); its --lang is then the one given with Lang.
func OwnProcess() Option { return func(c *config) { c.own = true } }

// Browser is one tab of a headless Chromium, private to one test: its cookies
// and storage are its own. Its methods end the test with t.Fatalf when a step
// fails, naming the step, the page's URL and the text the page shows; so, as
// with t, call them from the test's goroutine (With gives a subtest its own).
type Browser struct {
	t testing.TB
	*tabState
}

// tabState is what the copies that With makes share.
type tabState struct {
	ctx     context.Context // the tab's chromedp context
	timeout time.Duration
	size    Viewport
	ua      string // the browser's own User-Agent, kept when the language changes
	status  int    // HTTP status of the last page Open, Submit or ClickAndWait loaded

	mu       sync.Mutex
	dialogs  []string // alert, confirm and prompt boxes the pages opened
	jsErrors []string // uncaught exceptions of the pages' scripts
}

// Start opens a tab in a headless Chromium for the test and closes it when the
// test ends. Without a Chromium on the machine the test is skipped, or fails
// when FIELDCRM_BROWSER_TEST=1.
//
// Each call starts its own browser process (about a second) unless the test
// binary's TestMain calls Main, which makes the tests share one process, each
// in a fresh browser context (an incognito profile) of its own.
func Start(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	cfg := config{lang: "en-US", viewport: Laptop, timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	path, err := findChromium()
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("browsertest: %v; %s=1 requires a browser: apt-get install %s", err, EnvRequire, AptPackages)
		}
		t.Skipf("browsertest: %v; install it (apt-get install %s) or set %s; %s=1 makes this a failure",
			err, AptPackages, EnvChromium, EnvRequire)
	}

	var parent context.Context
	if !cfg.own && shared.enabled() {
		parent, err = shared.get(path)
	} else {
		var stop func()
		parent, stop, err = startProcess(path, cfg.lang)
		if err == nil {
			t.Cleanup(stop)
		}
	}
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	tab, closeTab := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(closeTab) // runs before the process is stopped
	if err := within(startTimeout, closeTab, func() error { return chromedp.Do(tab) }); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	b := &Browser{t: t, tabState: &tabState{ctx: tab, timeout: cfg.timeout}}
	v, err := chromedp.CallBrowser(tab, browser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("browsertest: asking the browser its version: %v", err)
	}
	b.ua = v.UserAgent
	b.watch()
	b.SetLanguage(cfg.lang)
	b.SetViewport(cfg.viewport)
	return b
}

// watch answers the dialogs the pages open (as a person pressing OK would:
// an unanswered alert stops the page) and keeps them, with the pages' uncaught
// script errors, for Dialogs and JSErrors.
func (b *Browser) watch() {
	ctx := b.ctx
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	console := chromedp.Console(ctx)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, fmt.Sprintf("%s: %s", ev.Type, ev.Message))
			b.mu.Unlock()
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true, PromptText: ev.DefaultPrompt})
		}
	}()
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.IsException() {
				b.mu.Lock()
				b.jsErrors = append(b.jsErrors, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
				b.mu.Unlock()
			}
		}
	}()
}

// findChromium returns the browser binary to run.
func findChromium() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		full, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s cannot be run: %v", EnvChromium, p, err)
		}
		return full, nil
	}
	if _, err := exec.LookPath(headlessShell); err == nil {
		return headlessShell, nil
	}
	for _, name := range binaries {
		if full, err := exec.LookPath(name); err == nil {
			return full, nil
		}
	}
	return "", fmt.Errorf("no Chromium on the PATH (looked for %s)", strings.Join(binaries, ", "))
}

// startProcess starts a browser process with a fresh temporary profile and
// returns its chromedp context (already connected) and the function that stops
// it and removes the profile.
func startProcess(path, lang string) (context.Context, func(), error) {
	var out syncBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(Laptop.Width, Laptop.Height),
		// Root (CI, containers) cannot use Chromium's sandbox; everyone else keeps it.
		chromedp.Flag("no-sandbox", os.Getuid() == 0),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
		// The screenshots must not depend on the machine: no GPU, sRGB, no smoothing tricks.
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("font-render-hinting", "none"),
		// Back must load the page again (a load event, a status): no back-forward cache.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,BackForwardCache"),
		chromedp.CombinedOutput(&out),
	)
	alloc, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	stop := func() { cancel(); stopAlloc() }
	if err := within(startTimeout, stop, func() error { return chromedp.Do(ctx) }); err != nil {
		stop()
		return nil, nil, fmt.Errorf("starting %s: %v\n%s", path, err, lastLines(out.String(), 20))
	}
	return ctx, stop, nil
}

// within runs f and gives up after d, calling abort so that f returns.
func within(d time.Duration, abort func(), f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		abort()
		<-done
		return fmt.Errorf("no answer within %v", d)
	}
}

// shared is the one browser process of a test binary whose TestMain calls Main.
var shared sharedBrowser

type sharedBrowser struct {
	mu   sync.Mutex
	on   bool
	ctx  context.Context
	stop func()
}

func (s *sharedBrowser) enabled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.on
}

// get starts the process on first use, so a binary whose browser tests are all
// skipped or filtered out by -run never starts one.
func (s *sharedBrowser) get(path string) (context.Context, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx != nil {
		select {
		case <-s.ctx.Done(): // the browser died: start another
			s.stop()
			s.ctx = nil
		default:
			return s.ctx, nil
		}
	}
	ctx, stop, err := startProcess(path, "en-US")
	if err != nil {
		return nil, err
	}
	s.ctx, s.stop = ctx, stop
	return ctx, nil
}

func (s *sharedBrowser) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
	}
	s.on, s.ctx, s.stop = false, nil, nil
}

// Main runs the tests of a package with one browser process shared by all of
// them; each Start still gets a tab in a browser context of its own. Call it
// from TestMain:
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.on = true
	shared.mu.Unlock()
	code := m.Run()
	shared.close()
	os.Exit(code)
}

// syncBuffer keeps what the browser prints, for the message when it fails to start.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// explain words an error for the failure message: a step that waited for an
// element in vain says whether the element is missing or hidden.
func (b *Browser) explain(s step, err error) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if s.sel != "" {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		defer cancel()
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
			const all = document.querySelectorAll(%s);
			if (!all.length) return "nothing on the page matches it";
			const e = all[0];
			if (!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)) return "it is on the page but hidden";
			if (e.disabled) return "it is disabled";
			return ""; })()`, js(s.sel))))
		if state != "" {
			return fmt.Errorf("%s (waited %v)", state, b.timeout)
		}
	}
	return fmt.Errorf("not done within %v", b.timeout)
}
