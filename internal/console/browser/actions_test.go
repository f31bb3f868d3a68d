package browser_test

// The actions the browser tests are written in: each bounded by waitFor,
// each waiting for a condition of the page rather than for time to pass.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// run runs actions, bounded by waitFor; on failure it saves a screenshot.
func (b *browser) run(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(t, err)
	}
}

// value runs an action that returns a value, bounded as run is.
func value[T any](t *testing.T, b *browser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail(t, err)
	}
	return v
}

func (b *browser) fail(t *testing.T, err error) {
	t.Helper()
	b.shot(t, "failure-"+strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
	if errors.Is(err, context.DeadlineExceeded) {
		html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		b.mu.Lock()
		pending, problems := b.pendingLocked(), b.problems
		b.mu.Unlock()
		t.Fatalf("%v; the page's main element:\n%s\nits requests without an end: %q\nits problems: %q", err, html, pending, problems)
	}
	t.Fatal(err)
}

// until waits until the JavaScript expression is true, checking it in the
// page every few milliseconds. It runs in the page's current document
// (Runtime.evaluate with no context named): chromedp.Poll names the
// context chromedp last saw created, and chromedp learns of a new
// document's context after the event that load waits for, so a Poll just
// after a load could name the old one ("Cannot find context with
// specified id").
func until(expression string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`new Promise((resolve, reject) => {
		const end = Date.now() + %d;
		const check = () => {
			try {
				if (%s) return resolve(true);
			} catch (e) {
				return reject(e);
			}
			if (Date.now() > end) return resolve(false);
			setTimeout(check, 15);
		};
		check();
	})`, waitFor.Milliseconds(), expression)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		ok, err := chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise)(ctx, t)
		if err == nil && !ok {
			err = fmt.Errorf("%w: waited %v for %s", context.DeadlineExceeded, waitFor, expression)
		}
		return err
	})
}

// textIn waits until the element sel selects contains text.
func textIn(sel, text string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`document.querySelector(%q)?.textContent.includes(%q)`, sel, text))
}

// shot saves a screenshot of the whole page under the screenshots folder.
func (b *browser) shot(t *testing.T, name string) {
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// load navigates to url, and returns once the new document has its
// scripts' context, so that what runs next runs in it and not in the
// document it replaced.
func load(url string) chromedp.Action[chromedp.Void] {
	created := chromedp.WaitEvent(runtime.ExecutionContextCreated, func(ev runtime.EventExecutionContextCreated) bool {
		var aux struct{ IsDefault bool }
		return json.Unmarshal(ev.Context.AuxData, &aux) == nil && aux.IsDefault
	}, chromedp.Navigate(url))
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := created(ctx, tg)
		return err
	})
}

// rendered waits until the router has shown the page's content.
var rendered = until(`document.documentElement.dataset.rendered`)

// visit loads a page of the console by its URL (a new load, as a deep
// link or a reload is) and waits for sel; it records how long the page
// took to show its content.
func (b *browser) visit(t *testing.T, path, sel string) {
	t.Helper()
	if loc := value(t, b, chromedp.Location()); strings.HasPrefix(loc, b.base) {
		b.settle(t) // what the page asked for ends before it goes
	}
	b.run(t, load(b.base+path), rendered, chromedp.WaitVisible(chromedp.CSS(sel)))
	ms := value(t, b, chromedp.Evaluate[float64](`performance.getEntriesByName("nubo:rendered").at(-1).duration`))
	b.mu.Lock()
	b.renders = append(b.renders, renderTime{path, ms})
	b.mu.Unlock()
}

// lastRender is the render time of the last page visited, in ms.
func (b *browser) lastRender() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.renders[len(b.renders)-1].ms
}

type renderTime struct {
	path string
	ms   float64
}

// logRenderTimes logs how long each page visited took to render, from
// the start of its load.
func (b *browser) logRenderTimes(t *testing.T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var lines []string
	for _, r := range b.renders {
		lines = append(lines, fmt.Sprintf("%6.1f ms  %s", r.ms, r.path))
	}
	t.Logf("first render of each page visited (from the start of its load):\n%s", strings.Join(lines, "\n"))
}

// click clicks the element sel selects.
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
}

// visible waits until an element sel selects is visible.
func visible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}

// download runs trigger, which makes the page download a file, and
// returns the file's content once the browser has it all.
func (b *browser) download(t *testing.T, trigger chromedp.Action[chromedp.Void]) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	dir := t.TempDir()
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	events := true
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events})
		return err
	}), trigger)
	if err != nil {
		b.fail(t, err)
	}
	for ev, err := range progress {
		if err != nil {
			b.fail(t, err)
		}
		switch ev.State {
		case cdpbrowser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				t.Fatal(err)
			}
			return data
		case cdpbrowser.DownloadProgressStateCanceled:
			t.Fatal("the browser cancelled the download")
		}
	}
	t.Fatal("the download did not end")
	return nil
}
