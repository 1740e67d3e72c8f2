//go:build integration

package systemtest

// Emulator-only: needs headless Chromium.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// chromiumPath is Debian's chromium: `make test` installs it when missing.
// Without it this test fails: a page nobody rendered is not tested.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("the tracking page is tested in headless Chromium, which is not installed: " +
		"run `apt-get install -y chromium` (Debian), or `make test`, which installs it")
	return ""
}

// browser starts a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, which lives as long as ctx.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{})
		return err
	})); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// pageFacts is what the browser reports about a rendered page.
type pageFacts struct {
	Lang        string  `json:"lang"`
	H1          string  `json:"h1"`
	Main        string  `json:"main"`
	Landmarks   int     `json:"landmarks"`
	ScrollWidth int     `json:"scrollWidth"`
	MinContrast float64 `json:"minContrast"`
	Scripts     int     `json:"scripts"`
}

// factsJS reads the page as a reader would see it. minContrast is the
// lowest WCAG contrast ratio of any element's text colour against the
// nearest opaque background behind it.
const factsJS = `(() => {
  const lum = c => {
    const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(v => {
      v = v / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bg = el => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
    }
    return 'rgb(255, 255, 255)';
  };
  let min = 21;
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(getComputedStyle(el).color), b = lum(bg(el));
    min = Math.min(min, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
  }
  return {
    lang: document.documentElement.lang,
    h1: document.querySelector('h1').innerText,
    main: document.querySelector('main').innerText,
    landmarks: document.querySelectorAll('header, main, footer').length,
    scrollWidth: document.scrollingElement.scrollWidth,
    minContrast: min,
    scripts: document.scripts.length,
  };
})()`

// visit renders url at width px in the language, saves a screenshot
// when shot is set, and returns what the page shows.
func visit(t *testing.T, ctx context.Context, url, acceptLanguage string, width int64, shot string) pageFacts {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Accept-Language": acceptLanguage}})
			return err
		}),
		chromedp.EmulateViewport(width, 900),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("main")),
	)
	if err != nil {
		t.Fatalf("rendering %s at %d px: %v", url, width, err)
	}
	facts, err := chromedp.Run(ctx, chromedp.Evaluate[pageFacts](factsJS))
	if err != nil {
		t.Fatalf("reading %s at %d px: %v", url, width, err)
	}
	if shot != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(apitest.RepoDir(), "build", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, shot), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: build/screenshots/%s", shot)
	}
	return facts
}

func TestTrackPageInABrowserReadsRightAt1280And320PxInEachLanguage(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	e := apitest.Start(t)
	_, token := e.Token(t, "inpost")
	inject(t, e, token, "ABC12345",
		seedShipment(nil),
		event(seedNumber, "confirmed", "PPN", nil, "2015-09-17T10:28:00.000+02:00"),
		event(seedNumber, "dispatched_by_sender", "NWP", "Kraków", "2015-09-17T11:28:00.000+02:00"),
		event(seedNumber, "collected_from_sender", "PWO", "Kraków", "2015-09-17T15:02:00.000+02:00"),
		event(seedNumber, "adopted_at_sorting_center", "PrzyjetoWSortowni", "Sortownia Kraków-Nowa Huta", "2015-09-17T21:40:00.000+02:00"),
		event(seedNumber, "out_for_delivery", "WD", "Warszawa", "2015-09-18T07:55:00.000+02:00"),
	)
	url := e.URL + "/track/" + seedNumber

	for _, tc := range []struct {
		lang, accept string
		width        int64
		shot         string
		h1           string
		inOrder      []string
	}{
		{"en", "en-GB,en;q=0.9", 1280, "track-en-1280.png", "Parcel " + seedNumber,
			[]string{"Current status", "Out for delivery", "Carrier: Out for delivery",
				"Progress", "Registered", "In transit", "Out for delivery", "Delivered",
				"History", "Out for delivery", "Warszawa", "At the sorting centre", "Collected from sender", "Dispatched by sender", "Confirmed"}},
		{"pl", "pl-PL,pl;q=0.9", 320, "track-pl-320.png", "Przesyłka " + seedNumber,
			[]string{"Aktualny status", "W doręczeniu", "Przewoźnik: Wydana do doręczenia",
				"Postęp", "Zarejestrowana", "W drodze", "W doręczeniu", "Historia", "Wydana do doręczenia", "W sortowni", "Potwierdzona"}},
		{"de", "de-DE", 320, "", "Sendung " + seedNumber,
			[]string{"Aktueller Status", "In Zustellung", "Fortschritt", "Angekündigt", "Unterwegs", "In Zustellung", "Verlauf", "Im Sortierzentrum"}},
		{"fr", "fr", 1280, "", "Colis " + seedNumber,
			[]string{"Statut actuel", "En cours de livraison", "Progression", "Enregistré", "En transit", "En cours de livraison", "Historique", "Au centre de tri"}},
	} {
		f := visit(t, ctx, url, tc.accept, tc.width, tc.shot)
		if f.Lang != tc.lang || f.H1 != tc.h1 {
			t.Errorf("%s: lang %q, h1 %q", tc.accept, f.Lang, f.H1)
		}
		at := 0
		for _, s := range tc.inOrder {
			i := strings.Index(f.Main[at:], s)
			if i < 0 {
				t.Fatalf("%s at %d px: %q not where expected in the rendered text:\n%s", tc.accept, tc.width, s, f.Main)
			}
			at += i + len(s)
		}
		if f.ScrollWidth > int(tc.width) {
			t.Errorf("%s at %d px: the page is %d px wide: it scrolls sideways", tc.accept, tc.width, f.ScrollWidth)
		}
		if f.MinContrast < 4.5 {
			t.Errorf("%s: some text has a contrast ratio of %.2f, below WCAG AA's 4.5", tc.accept, f.MinContrast)
		}
		if f.Landmarks != 3 || f.Scripts != 0 {
			t.Errorf("%s: %d landmarks (want header, main, footer), %d scripts", tc.accept, f.Landmarks, f.Scripts)
		}
	}

	// The friendly 404 fits a phone too.
	f := visit(t, ctx, e.URL+"/track/"+dhl(5), "en", 320, "")
	if f.H1 != "Parcel not found" || f.ScrollWidth > 320 {
		t.Errorf("404 page: h1 %q, %d px wide", f.H1, f.ScrollWidth)
	}
}
