package browsertest

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// maxShotHeight keeps a runaway page from making a huge image.
const maxShotHeight = 16000

// Screenshot saves a PNG of the whole page (not only the visible part) as
// name (".png" added when missing) and returns its path. The file goes into
// the repository's docs/web/ when FIELDCRM_SCREENSHOTS=1, and into a
// temporary directory of the test otherwise, so that an ordinary test run
// leaves the repository as it was.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	if !strings.HasSuffix(name, ".png") {
		name += ".png"
	}
	if name != filepath.Base(name) {
		b.t.Fatalf("browsertest: screenshot %q: give a file name, not a path (ScreenshotTo takes a path)", name)
	}
	var dir string
	if os.Getenv(EnvScreenshots) == "1" {
		root, err := repoRoot()
		if err != nil {
			b.t.Fatalf("browsertest: screenshot %s: %v", name, err)
		}
		dir = filepath.Join(root, "docs", "web")
	} else {
		dir = b.t.TempDir() // removed when the test (or subtest, under With) ends
	}
	path := filepath.Join(dir, name)
	b.ScreenshotTo(path)
	return path
}

// Screenshots saves the page as it shows on a phone and on a laptop, as
// name-phone.png and name-laptop.png (see Screenshot for where), and returns
// the two paths. The page is laid out again at each size (it is not loaded
// again: a page that answered a form would post it twice); the viewport is
// then set back.
func (b *Browser) Screenshots(name string) (phone, laptop string) {
	b.t.Helper()
	name = strings.TrimSuffix(name, ".png")
	was := b.size
	defer b.SetViewport(was)
	b.SetViewport(Phone)
	phone = b.Screenshot(name + "-phone")
	b.SetViewport(Laptop)
	laptop = b.Screenshot(name + "-laptop")
	return phone, laptop
}

// ScreenshotTo saves a PNG of the whole page at path, making its directory.
func (b *Browser) ScreenshotTo(path string) {
	b.t.Helper()
	png := b.PNG()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatalf("browsertest: screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("browsertest: screenshot: %v", err)
	}
}

// PNG returns a PNG image of the whole page at the current viewport width.
func (b *Browser) PNG() []byte {
	b.t.Helper()
	return run(b, step{what: "take a screenshot"}, chromedp.Action[[]byte](func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		if m.CSSContentSize == nil || m.CSSLayoutViewport == nil {
			return nil, fmt.Errorf("the browser gave no page size")
		}
		// As wide as the viewport, or wider when the page overflows it (a
		// phone page that does not fit should show in the picture).
		w := math.Max(m.CSSContentSize.Width, float64(m.CSSLayoutViewport.ClientWidth))
		h := math.Min(math.Max(m.CSSContentSize.Height, float64(m.CSSLayoutViewport.ClientHeight)), maxShotHeight)
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  &page.Viewport{Width: math.Ceil(w), Height: math.Ceil(h), Scale: 1},
			CaptureBeyondViewport: new(true),
			FromSurface:           new(true),
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}))
}

// repoRoot is the directory holding go.mod, found upwards from the test's
// working directory (its package directory).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory: cannot find docs/web/")
		}
		dir = parent
	}
}
