package meter

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WritePrometheus writes this month's usage and cost per function as
// Prometheus gauges (they restart from zero each month): in a cluster,
// every node's, as Report sums them; none if the stream cannot be read.
func (m *Meter) WritePrometheus(ctx context.Context, w io.Writer, prices Prices) {
	r, err := m.Report(ctx, Month(time.Now()), "", "", prices)
	if err != nil {
		m.log.Warn("the bill's gauges", "err", err)
		return
	}
	gauges := []struct {
		name, help string
		value      func(FunctionCost) float64
	}{
		{"nubo_lambda_month_requests", "Requests this month (UTC), as billed.", func(f FunctionCost) float64 { return float64(f.Requests) }},
		{"nubo_lambda_month_gb_seconds", "GB-seconds billed this month (UTC).", func(f FunctionCost) float64 { return f.GBSeconds }},
		{"nubo_lambda_month_cost_dollars", "Cost this month (UTC) before the free tier, in US dollars.", func(f FunctionCost) float64 { return f.Cost }},
	}
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	for _, g := range gauges {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", g.name, g.help, g.name)
		for _, f := range r.Functions {
			fmt.Fprintf(w, "%s{region=\"%s\",function=\"%s\"} %s\n", g.name, esc.Replace(f.Region), esc.Replace(f.Function),
				strconv.FormatFloat(g.value(f), 'g', -1, 64))
		}
	}
}
