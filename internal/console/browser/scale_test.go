package browser_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/chromedp/chromedp"

	"github.com/nubo-dev/nubo/internal/loadavg"
	"github.com/nubo-dev/nubo/internal/server"
)

// renderBudget is how long the functions page may take to show its first
// rows, from the start of its load.
const renderBudget = 200 * time.Millisecond

// createFunctions creates count functions of one small package through
// the API, from several goroutines.
func createFunctions(t *testing.T, n *nubo, count int) {
	c := lambda.NewFromConfig(n.cfg)
	zip := pythonZip()
	names := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	for range 16 {
		wg.Go(func() {
			for name := range names {
				_, err := c.CreateFunction(context.Background(), &lambda.CreateFunctionInput{FunctionName: aws.String(name),
					Runtime: types.RuntimePython312, Handler: aws.String("app.handler"),
					Role: aws.String("arn:aws:iam::000000000000:role/console"), Code: &types.FunctionCode{ZipFile: zip}})
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}
		})
	}
	for i := range count {
		names <- fmt.Sprintf("fn-%04d", i)
	}
	close(names)
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
}

// TestFunctionsPageScale measures the functions page's first render with
// 1,000 functions: loaded anew (as a link or a reload opens it) and
// reached from another page. The first rows need one ListFunctions call
// whatever the count, and show within renderBudget; the fastest of a few
// loads is compared, so that a busy machine's pauses do not count. On a
// machine busier than its CPUs (load average above their number) it tries
// up to 20 times, and if none is within the budget it says so rather than
// fail: the times then measure the machine's other work.
func TestFunctionsPageScale(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: drives a browser")
	}
	if raceEnabled {
		t.Skip("skipping under the race detector, which makes creating 1,000 functions take many minutes and the times meaningless (scripts/test runs this test without it)")
	}
	needPython(t)
	n := startNubo(t, server.AuthSigV4)
	b := newBrowser(t, n.console())
	start := time.Now()
	createFunctions(t, n, 1000)
	t.Logf("created 1,000 functions through the API in %v", time.Since(start).Round(time.Millisecond))
	b.run(t, load(n.console()+"/functions"), signIn("test", "test"), h1Is("Functions"), rendered)

	var loads, navigations []float64
	within := func() bool {
		budget := float64(renderBudget.Milliseconds())
		return slices.Min(loads) <= budget && slices.Min(navigations) <= budget
	}
	for round := 0; round < 5 || round < 20 && !within() && loadavg.Above(1); round++ {
		b.visit(t, "/functions", `a[href="/_nubo/console/functions/fn-0000"]`)
		loads = append(loads, b.lastRender())
		calls := value(t, b, chromedp.Evaluate[int](`performance.getEntriesByType("resource").filter((e) =>
			e.name.includes("/2015-03-31/functions") && e.startTime < performance.getEntriesByName("nubo:rendered").at(-1).duration).length`))
		if calls != 1 {
			t.Errorf("the first render waited for %d ListFunctions calls, want 1", calls)
		}
		if rows := value(t, b, chromedp.Evaluate[int](`document.querySelectorAll("main tbody tr").length`)); rows != 50 {
			t.Errorf("the page shows %d rows, want a page of 50", rows)
		}
		b.run(t, click(`nav#nav a[href$="/cost"]`), h1Is("Cost"), rendered,
			click(`nav#nav a[href$="/functions"]`), h1Is("Functions"), rendered)
		navigations = append(navigations, value(t, b, chromedp.Evaluate[float64](`performance.getEntriesByName("nubo:rendered").at(-1).duration`)))
	}
	b.run(t, textIn("p.count", "1000 functions"), textIn(".pager", "Page 1 of 20 "))
	b.shot(t, "functions-1000")
	b.clean(t)
	t.Logf("functions page with 1,000 functions, first render: loads %s ms; in-app navigations %s ms", ms(loads), ms(navigations))
	if load, _ := loadavg.Minute(); !within() && loadavg.Above(1) {
		t.Logf("not judged against the %v budget: the machine is busier than its CPUs (load average %.1f)", renderBudget, load)
		return
	}
	if best := slices.Min(loads); best > float64(renderBudget.Milliseconds()) {
		t.Errorf("the functions page took at best %.1f ms to render, over %v", best, renderBudget)
	}
	if best := slices.Min(navigations); best > float64(renderBudget.Milliseconds()) {
		t.Errorf("going to the functions page took at best %.1f ms to render, over %v", best, renderBudget)
	}
}

func ms(v []float64) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.1f", x)
	}
	return s
}
