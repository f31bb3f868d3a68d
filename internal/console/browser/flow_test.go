package browser_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nubo-dev/nubo/internal/server"
)

// TestConsole walks a new user's way through the console in a real
// browser, on one nubo: sign in, see a function deployed through the API
// appear, invoke it and read its answer and logs, see its metrics and the
// bill, then every other service's pages, the URLs and the back button,
// screen readers' view, phones and the dark theme. Every page is
// screenshotted; any error the page logs or request that fails fails the
// test.
func TestConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: drives a browser")
	}
	needPython(t)
	n := startNubo(t, server.AuthSigV4)
	b := newBrowser(t, n.console())
	steps := []struct {
		name string
		run  func(*testing.T, *nubo, *browser)
	}{
		{"sign in", testSignIn},
		{"deploy and see the function", testFunctions},
		{"function", testFunction},
		{"logs", testLogs},
		{"metrics", testMetrics},
		{"cost", testCost},
		{"queues", testQueues},
		{"topics", testTopics},
		{"tables", testTables},
		{"buckets", testBuckets},
		{"event buses", testEventBuses},
		{"schedules", testSchedules},
		{"state machines", testStateMachines},
		{"APIs and triggers", testAPIs},
		{"deep links and back", testHistory},
		{"screen readers and keyboards", testAccessibility},
		{"phone", testPhone},
		{"dark theme", testDark},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) { s.run(t, n, b) }) {
			break // later steps build on this one
		}
	}
	b.logRenderTimes(t)
}

func testSignIn(t *testing.T, n *nubo, b *browser) {
	b.run(t, load("http://"+n.addr+"/"), visible("form.signin"))
	if loc := value(t, b, chromedp.Location()); loc != n.console()+"/" {
		t.Errorf("nubo's root sent the browser to %s", loc)
	}
	b.shot(t, "sign-in")
	b.run(t, chromedp.SetValue(chromedp.CSS("form.signin input[type=password]"), "test"),
		click("form.signin button[type=submit]"), textIn("main", "No functions yet"))
	if loc := value(t, b, chromedp.Location()); loc != n.console()+"/functions" {
		t.Errorf("after signing in, the console is at %s", loc)
	}
	b.clean(t)
}

func testFunctions(t *testing.T, n *nubo, b *browser) {
	n.deploy(t, "hello-console", map[string]string{"GREETING": "hi from the environment"})
	b.run(t, chromedp.Click(`//button[text()="Refresh"]`), visible(`a[href="/_nubo/console/functions/hello-console"]`))
	b.run(t, textIn("tbody tr", "python3.12"), textIn("tbody tr", "128 MB"))
	b.shot(t, "functions")
	b.clean(t)
}

func testFunction(t *testing.T, n *nubo, b *browser) {
	b.run(t, click(`a[href="/_nubo/console/functions/hello-console"]`), visible("dl.props"))
	// Environment values stay hidden until asked for.
	if strings.Contains(value(t, b, chromedp.Text(chromedp.CSS("main"))), "hi from the environment") {
		t.Error("an environment value shows before it is asked for")
	}
	b.run(t, click(`button[aria-label="Show the value of GREETING"]`), textIn("main", "hi from the environment"))
	// A sample event fills the payload; a saved one comes back.
	b.run(t, choose("section select", "sample:SQS message"), until(`document.querySelector("section textarea")?.value.includes("aws:sqs")`))
	b.run(t, chromedp.SetValue(chromedp.CSS("section textarea"), `{"from": "the browser"}`),
		chromedp.SetValue(chromedp.CSS(`input[placeholder="my-event"]`), "mine"), chromedp.Click(`//button[text()="Save event"]`),
		until(`localStorage.getItem("nubo.events.hello-console")?.includes("the browser")`),
		until(`document.querySelector("section select")?.value === "saved:mine"`))
	b.run(t, click("button.primary"), visible(".result p.report"))
	result := value(t, b, chromedp.Text(chromedp.CSS(".result")))
	for _, want := range []string{"Succeeded", `"from": "the browser"`, "hello from the console test", "REPORT RequestId:"} {
		if !strings.Contains(result, want) {
			t.Errorf("the test panel lacks %q:\n%s", want, result)
		}
	}
	// The code: the package's files, and one of them read in the page.
	b.run(t, chromedp.Click(`//button[text()="Show the code"]`), chromedp.Click(`//ul[@class="tree"]//button[text()="app.py"]`),
		textIn("pre.code[aria-label=app\\.py]", "def handler(event, context):"))
	b.shot(t, "function")
	b.clean(t)
}

func testLogs(t *testing.T, n *nubo, b *browser) {
	b.visit(t, "/logs", `a[href="/_nubo/console/logs/%2Faws%2Flambda%2Fhello-console"]`)
	b.run(t, click(`a[href="/_nubo/console/logs/%2Faws%2Flambda%2Fhello-console"]`), visible("ol.log li.report"),
		textIn("ol.log", "hello from the console test"))
	b.shot(t, "logs")
	// A REPORT line's request id filters the group to that request.
	id := value(t, b, chromedp.Text(chromedp.CSS("ol.log li.report button.request-id")))
	n.invoke(t, "hello-console", `{"another": "request"}`)
	b.run(t, click("ol.log li.report button.request-id"),
		until(fmt.Sprintf(`location.search.includes(%q) && document.querySelector("ol.log li.report")`, id)))
	lines := value(t, b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("ol.log li .message")].map((e) => e.textContent)`))
	if len(lines) < 3 {
		t.Errorf("the request's lines are %q", lines)
	}
	for _, l := range lines {
		if !strings.Contains(l, id) {
			t.Errorf("filtering to request %s shows %q", id, l)
		}
	}
	b.clean(t)
}

// metricTotal sums a chart's numbers, as its table for screen readers
// gives them.
func metricTotal(t *testing.T, b *browser, chart string) string {
	return value(t, b, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const c = [...document.querySelectorAll("figure table caption")].find((c) => c.textContent === %q);
		return String(c ? [...c.closest("table").querySelectorAll("tbody td")].reduce((a, td) => a + Number(td.textContent || 0), 0) : "no chart");
	})()`, chart)))
}

func testMetrics(t *testing.T, n *nubo, b *browser) {
	b.visit(t, "/metrics?function=hello-console", ".chart canvas")
	// Two invocations so far (the test panel's and the logs step's), in
	// the open minute, which CloudWatch serves before it closes.
	if got := metricTotal(t, b, "Invocations"); got != "2" {
		t.Errorf("the Invocations chart sums to %s, want 2", got)
	}
	n.invoke(t, "hello-console", `{}`)
	b.run(t, chromedp.Click(`//button[text()="Refresh"]`),
		until(`[...document.querySelectorAll("figure table caption")].some((c) => c.textContent === "Invocations" && [...c.closest("table").querySelectorAll("tbody td")].reduce((a, td) => a + Number(td.textContent), 0) === 3)`))
	b.shot(t, "metrics")
	b.clean(t)
}

func testCost(t *testing.T, n *nubo, b *browser) {
	b.visit(t, "/cost", "p.total")
	b.run(t, textIn("main", "hello-console"))
	row := value(t, b, chromedp.Text(chromedp.CSS(`section[aria-labelledby="s-functions"] tbody tr`)))
	if !strings.Contains(row, "hello-console") || !strings.Contains(row, "\t3\t") {
		t.Errorf("the bill's row is %q, want hello-console's 3 requests", row)
	}
	b.shot(t, "cost")
	b.clean(t)
}

// choose picks an option of a select and tells the page, as a user does.
func choose(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q;
		s.dispatchEvent(new Event("change", { bubbles: true })); })()`, sel, value))
}

// typeIn sets an input's value and tells the page, as typing does.
func typeIn(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q;
		s.dispatchEvent(new Event("input", { bubbles: true })); })()`, sel, value))
}
