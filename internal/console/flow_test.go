package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleFlows walks a new user's way through the console in a real
// browser: sign in, find a function deployed through the API, invoke it
// and read its answer and logs, see its metrics and the bill, and browse a
// queue. Every page is screenshotted; any error the page logs or request
// that fails fails the test.
func TestConsoleFlows(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: drives a browser")
	}
	b := newBrowser(t)
	deploy(t, b.addr, "hello-console")
	createQueue(t, b.addr, "console-jobs")

	b.run(chromedp.Navigate("http://"+b.addr+"/"), chromedp.WaitVisible(chromedp.CSS("form.signin")))
	b.shot("sign-in")
	b.run(chromedp.SetValue(chromedp.CSS("form.signin input[type=password]"), "test"),
		chromedp.Submit(chromedp.CSS("form.signin")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/_nubo/console/functions/hello-console"]`)))
	b.shot("functions")
	b.clean()

	b.run(chromedp.Click(chromedp.CSS(`a[href="/_nubo/console/functions/hello-console"]`)),
		chromedp.WaitVisible(chromedp.CSS(`dl.props`)))
	b.run(chromedp.SetValue(chromedp.CSS("section textarea"), `{"from": "the browser"}`),
		chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".result p.report")))
	result, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(".result")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Succeeded", `"from": "the browser"`, "hello from the console test", "REPORT RequestId:"} {
		if !strings.Contains(result, want) {
			t.Errorf("the test panel lacks %q:\n%s", want, result)
		}
	}
	b.shot("function")
	b.clean()

	b.visit("/logs/%2Faws%2Flambda%2Fhello-console", "ol.log li.report")
	b.shot("logs")
	b.run(chromedp.Click(chromedp.CSS("ol.log li.report button.request-id")), chromedp.WaitVisible(chromedp.CSS("ol.log li.marker")))
	b.clean()

	b.visit("/metrics?function=hello-console", ".chart canvas")
	b.shot("metrics")
	b.clean()

	b.visit("/cost", "p.total")
	b.shot("cost")
	b.clean()

	b.visit("/queues", `a[href="/_nubo/console/queues/console-jobs"]`)
	b.run(chromedp.Click(chromedp.CSS(`a[href="/_nubo/console/queues/console-jobs"]`)), chromedp.WaitVisible(chromedp.CSS("dl.props")),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(`div[aria-live] p`)))
	b.run(chromedp.Click(`//button[text()="Peek"]`), chromedp.WaitVisible(chromedp.CSS("table tbody tr")))
	b.shot("queue")
	b.clean()

	b.visit("/topics", "main h1")
	b.shot("topics")
	b.clean()
}
