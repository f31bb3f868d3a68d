package browser_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/chromedp/chromedp"
)

const (
	flowArn      = "arn:aws:states:us-east-1:000000000000:stateMachine:console-flow"
	executionArn = "arn:aws:states:us-east-1:000000000000:execution:console-flow:from-the-console"
)

// flow chooses by its input, greets through a Pass and a Parallel of two,
// or fails.
const flow = `{"StartAt": "Check", "States": {
	"Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Greet"}], "Default": "Oops"},
	"Greet": {"Type": "Pass", "Result": "hello", "ResultPath": "$.greeting", "Next": "Both"},
	"Both": {"Type": "Parallel", "End": true, "Branches": [
		{"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": true}}},
		{"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": true}}}]},
	"Oops": {"Type": "Fail", "Error": "NotOk", "Cause": "ok was not true"}}}`

// stateIs is true once the graph's state name has the status class.
func stateIs(name, status string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`document.querySelector('.graph g[data-state=%q]')?.classList.contains(%q)`, name, status))
}

func testStateMachines(t *testing.T, n *nubo, b *browser) {
	ctx := context.Background()
	c := sfn.NewFromConfig(n.cfg)
	machine := func(name, definition string, typ sfntypes.StateMachineType) string {
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(definition),
			RoleArn: aws.String("arn:aws:iam::000000000000:role/console"), Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.StateMachineArn)
	}
	machine("console-flow", flow, sfntypes.StateMachineTypeStandard)
	waitArn := machine("console-wait", `{"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 3600, "End": true}}}`, sfntypes.StateMachineTypeStandard)
	expressArn := machine("console-express", `{"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}}`, sfntypes.StateMachineTypeExpress)
	href := func(arn string) string { return "/_nubo/console/state-machines/" + urlEncode(arn) }

	// A Standard execution started from the page, followed to its end.
	b.visit(t, "/state-machines", fmt.Sprintf("a[href=%q]", href(flowArn)))
	b.run(t, textIn("main table", "EXPRESS"), click(fmt.Sprintf("a[href=%q]", href(flowArn))), visible(`.graph g[data-state="Left"]`),
		textIn("main details table", "Both, branch 2"), chromedp.SetValue(chromedp.CSS("section textarea"), `{"ok": true}`),
		chromedp.SetValue(chromedp.CSS(`section input[placeholder="optional"]`), "from-the-console"),
		click("section button.primary"), until(fmt.Sprintf(`location.pathname.endsWith("/executions/" + encodeURIComponent(%q))`, executionArn)), textIn("main dl", "SUCCEEDED"),
		stateIs("Check", "succeeded"), stateIs("Greet", "succeeded"), stateIs("Right", "succeeded"), textIn("main", `"greeting": "hello"`))
	if cls := value(t, b, chromedp.Evaluate[string](`document.querySelector('.graph g[data-state="Oops"]').getAttribute("class")`)); cls != "node" {
		t.Errorf("the state the execution never entered is drawn as %q", cls)
	}
	b.shot(t, "execution")
	b.clean(t)

	// A running execution's page follows it as it changes.
	x, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(waitArn), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	b.visit(t, "/executions/"+urlEncode(aws.ToString(x.ExecutionArn)), ".graph")
	b.run(t, stateIs("Pause", "running"), textIn(".status", "Running"))
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: x.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	b.run(t, textIn("main dl", "ABORTED"), stateIs("Pause", "failed"))
	b.clean(t)

	// An Express machine runs while the page waits, and shows how it ended.
	b.visit(t, "/state-machines/"+urlEncode(expressArn), "section textarea")
	b.run(t, chromedp.SetValue(chromedp.CSS("section textarea"), `{"express": 1}`), click("section button.primary"),
		textIn(".ok", "SUCCEEDED"), textIn("section pre.code", `"express":1`))
	b.shot(t, "state-machine")
	b.clean(t)
}
