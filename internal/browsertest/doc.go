// Package browsertest runs tests in a real browser: Debian's Chromium (its
// headless shell, or the full chromium), driven through the DevTools protocol
// by chromedp. A test walks pages as a person would, in a few lines:
//
//	func TestDayInChinese(t *testing.T) {
//		srv := startWeb(t) // the test's own: the web console on loopback, with a fake SMS outbox
//		b := browsertest.Start(t, browsertest.Lang("zh-CN"), browsertest.Size(browsertest.Phone))
//		b.Open(srv.URL + "/signin")
//		b.Fill("input[name=who]", "13800000003")
//		b.Submit("form")
//		b.Fill("input[name=code]", codeFromOutbox(t, srv, "+8613800000003"))
//		b.Submit("form")
//		if got := b.Text("h1"); got != "我的一天" {
//			t.Errorf("after signing in Li Na sees %q", got)
//		}
//		b.Screenshots("day-zh") // day-zh-phone.png, day-zh-laptop.png (in docs/web/ with FIELDCRM_SCREENSHOTS=1)
//	}
//
// Each method waits for what it needs (the element, the next page, after
// redirects) for at most 10 s (Timeout changes it), and a step that fails ends
// the test with the step, the page's URL and the first 2,000 characters of the
// text the page shows. Selectors are CSS selectors; Submit and ClickAndWait
// wait for the page that answers and keep its HTTP status (Status); Cookies
// show HttpOnly, Secure and SameSite as the browser stored them; Download
// reads what an export link or form sends. Alert and confirm boxes are
// answered OK and kept (Dialogs: a page that lets a record named
// <script>alert(1)</script> run opens one), and so are the pages' script
// errors (JSErrors).
//
// Without a browser the tests skip, saying what to install (AptPackages:
// apt-get install chromium-headless-shell fonts-wqy-microhei);
// with FIELDCRM_BROWSER_TEST=1 (as in CI) they fail instead. FIELDCRM_CHROMIUM
// names another binary. Each Start opens a fresh profile: nothing of one
// test's cookies or storage reaches another. A package with several browser
// tests shares one browser process among them (a second saved per test) with
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
// Screenshots are PNGs of the whole page. They go to a temporary directory,
// unless FIELDCRM_SCREENSHOTS=1, when they replace the ones in docs/web/:
//
//	FIELDCRM_SCREENSHOTS=1 go test -run Walk ./web
package browsertest
