package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: drives a browser")
	}
	needPython(t)
	n := startNubo(t)
	b := newBrowser(t, n.console())
	// Without STS (nubo serves no IAM yet), signing in keeps the key.
	b.expect(`^HTTP 400 for POST http://[^ ]+/ \(sts\)$`)

	t.Run("sign in", func(t *testing.T) {
		b.run(t, chromedp.Navigate("http://"+n.addr+"/"), visible("form.signin"))
		b.shot(t, "sign-in")
		b.run(t, chromedp.SetValue(chromedp.CSS("form.signin input[type=password]"), "test"),
			click("form.signin button[type=submit]"), visible("main h1"))
		b.clean(t)
	})
	t.Run("functions", func(t *testing.T) {
		n.deploy(t, "hello-console", map[string]string{"GREETING": "hi"})
		b.visit(t, "/functions", `a[href="/_nubo/console/functions/hello-console"]`)
		b.shot(t, "functions")
		b.clean(t)
	})
	t.Run("function", func(t *testing.T) {
		b.run(t, click(`a[href="/_nubo/console/functions/hello-console"]`), visible("dl.props"))
		b.run(t, chromedp.SetValue(chromedp.CSS("section textarea"), `{"from": "the browser"}`),
			click("button.primary"), visible(".result p.report"))
		result := value(t, b, chromedp.Text(chromedp.CSS(".result")))
		for _, want := range []string{"Succeeded", `"from": "the browser"`, "hello from the console test", "REPORT RequestId:"} {
			if !strings.Contains(result, want) {
				t.Errorf("the test panel lacks %q:\n%s", want, result)
			}
		}
		b.shot(t, "function")
		b.clean(t)
	})
	t.Run("logs", func(t *testing.T) {
		b.visit(t, "/logs/%2Faws%2Flambda%2Fhello-console", "ol.log li.report")
		b.shot(t, "logs")
		b.run(t, click("ol.log li.report button.request-id"), visible("ol.log li.marker"))
		b.clean(t)
	})
	t.Run("metrics", func(t *testing.T) {
		b.visit(t, "/metrics?function=hello-console", ".chart canvas")
		b.shot(t, "metrics")
		b.clean(t)
	})
	t.Run("cost", func(t *testing.T) {
		b.visit(t, "/cost", "p.total")
		b.shot(t, "cost")
		b.clean(t)
	})
}
