// Reading metrics for the console: GetMetricData through CloudWatch's
// AWS JSON 1.0 protocol, in batches of the API's 500 queries.
import { json } from "./aws.js";

const MAX_QUERIES = 500;

// metricData answers queries ({id, name, dims, stat, period}) over the
// last `seconds`, as a map from id to {timestamps, values}.
export async function metricData(queries, seconds, end = new Date()) {
  const start = new Date(end.getTime() - seconds * 1000);
  const out = {};
  for (let i = 0; i < queries.length; i += MAX_QUERIES) {
    const batch = queries.slice(i, i + MAX_QUERIES).map((q) => ({
      Id: q.id,
      MetricStat: {
        Metric: { Namespace: q.namespace || "AWS/Lambda", MetricName: q.name, Dimensions: q.dims || [] },
        Period: q.period, Stat: q.stat,
      },
    }));
    const res = await json("monitoring", "GraniteServiceVersion20100801", "1.0", "GetMetricData", {
      MetricDataQueries: batch, StartTime: start.getTime() / 1000, EndTime: end.getTime() / 1000, ScanBy: "TimestampAscending",
    });
    for (const r of res.MetricDataResults || []) out[r.Id] = { timestamps: r.Timestamps || [], values: r.Values || [] };
  }
  return out;
}

export function sum(series) {
  return (series?.values || []).reduce((a, b) => a + b, 0);
}
