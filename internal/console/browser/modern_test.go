package browser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

func urlEncode(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// h1Is waits until the page's heading is text.
func h1Is(text string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`document.querySelector("main h1")?.textContent === %q`, text))
}

func testHistory(t *testing.T, n *nubo, b *browser) {
	b.visit(t, "/functions", `a[href="/_nubo/console/functions/hello-console"]`)
	b.run(t, click(`a[href="/_nubo/console/functions/hello-console"]`), h1Is("hello-console"),
		// After an in-app navigation, focus is on the new page's heading.
		until(`document.activeElement === document.querySelector("main h1")`),
		click(`p.links a[href$="/metrics?function=hello-console"]`), h1Is("Metrics"))
	back := chromedp.Evaluate[chromedp.Void](`history.back()`)
	b.run(t, back, h1Is("hello-console"), until(`location.pathname === "/_nubo/console/functions/hello-console"`))
	b.run(t, back, h1Is("Functions"), until(`location.pathname === "/_nubo/console/functions"`))
	b.run(t, chromedp.Evaluate[chromedp.Void](`history.forward()`), h1Is("hello-console"))
	// Deep links load their page, as a bookmark or a reload does.
	for path, h1 := range map[string]string{"/queues/console-jobs": "console-jobs", "/tables/music": "music",
		"/logs/%2Faws%2Flambda%2Fhello-console?filter=REPORT": "/aws/lambda/hello-console", "/no/such/page": "Not found"} {
		b.visit(t, path, "main h1")
		b.run(t, h1Is(h1))
	}
	b.clean(t)
}

// pages are the pages the checks of every page visit, with what shows
// each has loaded.
var pages = []struct{ name, path, ready string }{
	{"functions", "/functions", "tbody tr"},
	{"function", "/functions/hello-console", "dl.props"},
	{"logs", "/logs", "main table"},
	{"log-group", "/logs/%2Faws%2Flambda%2Fhello-console", "ol.log li"},
	{"metrics", "/metrics?function=hello-console", ".chart canvas"},
	{"cost", "/cost", "p.total"},
	{"queues", "/queues", "main table"},
	{"queue", "/queues/console-jobs", "dl.props"},
	{"topics", "/topics", "main table"},
	{"tables", "/tables", "main table"},
	{"table", "/tables/music", "form.search"},
	{"buses", "/buses", "main table"},
	{"bus", "/buses/default", "main table"},
	{"schedules", "/schedules", "main table"},
	{"schedule", "/schedules/default/nightly", "main dl"},
	{"apis", "/apis", "main table"},
	{"buckets", "/buckets", "main table"},
	{"bucket", "/buckets/console-files?prefix=docs%2F", "main table"},
	{"state-machines", "/state-machines", "main table"},
	{"state-machine", "/state-machines/" + urlEncode(flowArn), ".graph svg"},
	{"execution", "/executions/" + urlEncode(executionArn), ".graph svg"},
}

type axNode = accessibility.Node

func axString(v *accessibility.Value) string {
	if v == nil {
		return ""
	}
	var s string
	if json.Unmarshal(v.Value, &s) == nil {
		return s
	}
	return string(v.Value)
}

// axProblems checks a page's accessibility tree: its landmarks, one
// top heading, and a name for every control.
func axProblems(nodes []*axNode) []string {
	var problems []string
	roles := map[string]int{}
	controls := map[string]bool{"button": true, "textbox": true, "combobox": true, "checkbox": true, "link": true,
		"searchbox": true, "spinbutton": true, "listbox": true, "radio": true, "img": true}
	for _, n := range nodes {
		if n.Ignored {
			continue
		}
		role := axString(n.Role)
		roles[role]++
		if role == "heading" {
			for _, p := range n.Properties {
				if p.Name == "level" && string(p.Value.Value) == "1" {
					roles["h1"]++
				}
			}
		}
		if controls[role] && strings.TrimSpace(axString(n.Name)) == "" {
			problems = append(problems, fmt.Sprintf("a %s without a name (DOM node %d)", role, n.BackendDOMNodeID))
		}
	}
	for _, want := range []string{"banner", "navigation", "main"} {
		if roles[want] == 0 {
			problems = append(problems, "no "+want+" landmark")
		}
	}
	if roles["h1"] != 1 {
		problems = append(problems, fmt.Sprintf("%d top-level headings, want 1", roles["h1"]))
	}
	return problems
}

func testAccessibility(t *testing.T, n *nubo, b *browser) {
	for _, p := range pages {
		b.visit(t, p.path, p.ready)
		tree := value(t, b, chromedp.Action[accessibility.GetFullAXTreeResult](func(ctx context.Context, tg *chromedp.Target) (accessibility.GetFullAXTreeResult, error) {
			return cdp.Call(ctx, tg, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
		}))
		for _, problem := range axProblems(tree.Nodes) {
			t.Errorf("%s: %s", p.path, problem)
		}
		if wide := value(t, b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > innerWidth`)); wide {
			t.Errorf("%s: the page is wider than the window at 1280 px", p.path)
		}
	}
	// The first Tab reaches the link that skips to the content.
	b.visit(t, "/functions", "tbody tr")
	b.run(t, chromedp.KeyEvent("\t"), until(`document.activeElement?.classList.contains("skip")`))
	b.clean(t)
}

func testPhone(t *testing.T, n *nubo, b *browser) {
	b.run(t, chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile))
	defer b.run(t, chromedp.EmulateViewport(1280, 900))
	for _, p := range pages {
		b.visit(t, p.path, p.ready)
		if wide := value(t, b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > innerWidth`)); wide {
			t.Errorf("%s: the page is wider than a phone's screen", p.path)
		}
		b.shot(t, "phone-"+p.name)
	}
	b.run(t, chromedp.WaitNotVisible(chromedp.CSS("nav#nav")), click("button.menu"), visible(`nav#nav a[href$="/queues"]`))
	b.shot(t, "phone-menu")
	b.run(t, click(`nav#nav a[href$="/queues"]`), h1Is("Queues"), chromedp.WaitNotVisible(chromedp.CSS("nav#nav")))
	b.clean(t)
}

func testDark(t *testing.T, n *nubo, b *browser) {
	media := func(scheme string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			return err
		})
	}
	b.run(t, media("dark"))
	defer b.run(t, media(""))
	for _, p := range pages[:5] {
		b.visit(t, p.path, p.ready)
		bg := value(t, b, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		if bg != "rgb(21, 23, 26)" {
			t.Errorf("%s: in the dark theme the page's background is %s", p.path, bg)
		}
		b.shot(t, "dark-"+p.name)
	}
	b.clean(t)
}
