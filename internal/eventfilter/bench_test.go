package eventfilter

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// A bus as users fill it. Ten broad rules (the same in every bus) route by
// source and detail type; every further rule is about one customer, bucket,
// instance, network or user — the way a bus grows to thousands of rules —
// and mixes the other operators in: lists, numeric ranges, anything-but,
// exists, prefix, suffix, wildcard, cidr, equals-ignore-case and "$or".
// Events are drawn from the same sources and values, so the matches per
// event stay few however many rules there are, as they do on a real bus.
type busGen struct{ r *rand.Rand }

var (
	busSources = []string{"aws.ec2", "aws.s3", "aws.signin", "com.shop.orders", "com.shop.payments", "com.shop.shipping"}
	busStates  = []string{"pending", "running", "stopping", "stopped", "terminated", "failed", "succeeded", "created", "deleted", "updated"}
	busRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"}
	busBroad   = []string{
		`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`,
		`{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"object":{"key":[{"suffix":".exe"}]}}}`,
		`{"source":[{"prefix":"com.shop."}],"detail-type":["OrderFailed"]}`,
		`{"source":["com.shop.payments"],"detail":{"amount":[{"numeric":[">",990]}]}}`,
		`{"source":["aws.signin"],"detail":{"eventName":[{"equals-ignore-case":"consolelogin"}],"responseElements":{"ConsoleLogin":["Failure"]}}}`,
		`{"detail":{"sourceIPAddress":[{"cidr":"10.200.0.0/16"}]}}`,
		`{"source":["com.shop.shipping"],"detail":{"state":[{"anything-but":["created","updated"]}],"error":[{"exists":true}]}}`,
		`{"resources":[{"wildcard":"arn:aws:ec2:*:instance/i-0000*"}]}`,
		`{"$or":[{"detail":{"priority":["high"]}},{"detail-type":["Alarm"]}]}`,
		`{"source":["com.shop.orders"],"detail":{"customerId":[{"prefix":"cust-0000"}]}}`,
	}
)

func (g busGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }
func (g busGen) customer() string        { return fmt.Sprintf("cust-%05d", g.r.IntN(20000)) }
func (g busGen) bucket() string          { return fmt.Sprintf("bucket-%04d", g.r.IntN(5000)) }
func (g busGen) instance() string        { return fmt.Sprintf("i-%08x", g.r.IntN(20000)) }
func (g busGen) user() string            { return fmt.Sprintf("user-%05d", g.r.IntN(20000)) }

// rule is the i-th rule of a bus.
func (g busGen) rule(i int) string {
	if i < len(busBroad) {
		return busBroad[i]
	}
	switch g.r.IntN(6) {
	case 0:
		return fmt.Sprintf(`{"source":["com.shop.orders"],"detail-type":["OrderPlaced","OrderFailed"],"detail":{"customerId":[%q],"amount":[{"numeric":[">=",%d,"<",%d]}]}}`,
			g.customer(), g.r.IntN(500), 500+g.r.IntN(500))
	case 1:
		return fmt.Sprintf(`{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":[%q]},"object":{"key":[{"wildcard":"uploads/*.png"},{"prefix":"logs/"}]}}}`,
			g.bucket())
	case 2:
		return fmt.Sprintf(`{"source":["aws.ec2"],"resources":["arn:aws:ec2:us-east-1:123456789012:instance/%s"],"detail":{"state":[{"anything-but":%q}]}}`,
			g.instance(), g.pick(busStates))
	case 3:
		return fmt.Sprintf(`{"detail":{"sourceIPAddress":[{"cidr":"10.%d.%d.0/24"}],"eventName":[{"prefix":"Delete"},{"suffix":"Policy"}]}}`,
			g.r.IntN(256), g.r.IntN(256))
	case 4:
		return fmt.Sprintf(`{"source":["aws.signin"],"detail":{"userIdentity":{"arn":[{"prefix":"arn:aws:iam::123456789012:user/%s"}]},"eventName":[{"equals-ignore-case":"ConsoleLogin"}],"error":[{"exists":false}]}}`,
			g.user())
	default:
		return fmt.Sprintf(`{"source":["com.shop.payments"],"detail":{"customerId":[%q,%q],"$or":[{"state":[%q,%q]},{"amount":[{"numeric":[">",%d]}]}]}}`,
			g.customer(), g.customer(), g.pick(busStates), g.pick(busStates), g.r.IntN(1000))
	}
}

func (g busGen) event() string {
	src := g.pick(busSources)
	dtype := map[string]string{"aws.ec2": "EC2 Instance State-change Notification", "aws.s3": "Object Created",
		"aws.signin": "AWS Console Sign In via CloudTrail"}[src]
	if dtype == "" {
		dtype = g.pick([]string{"OrderPlaced", "OrderFailed", "PaymentCaptured", "Shipped"})
	}
	return fmt.Sprintf(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":%q,"source":%q,`+
		`"account":"123456789012","time":"2017-12-22T18:43:48Z","region":%q,"resources":["arn:aws:ec2:us-east-1:123456789012:instance/%s"],`+
		`"detail":{"state":%q,"amount":%d,"customerId":%q,"bucket":{"name":%q},"object":{"key":"uploads/2024/photo-%d.png","size":%d},`+
		`"sourceIPAddress":"10.%d.%d.%d","eventName":%q,"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/%s"},`+
		`"responseElements":{"ConsoleLogin":"Success"},"priority":"normal","tags":["a","b"]}}`,
		dtype, src, g.pick(busRegions), g.instance(), g.pick(busStates), g.r.IntN(1000), g.customer(), g.bucket(),
		g.r.IntN(1000), g.r.IntN(1<<20), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256),
		g.pick([]string{"ConsoleLogin", "DeleteBucket", "PutBucketPolicy", "GetObject"}), g.user())
}

// bus builds a machine of n rules and parsed events.
func bus(tb testing.TB, n int) (*Machine, []*Event) {
	g := busGen{rand.New(rand.NewPCG(7, uint64(n)))}
	m := &Machine{}
	for i := 0; i < n; i++ {
		p, err := Compile([]byte(g.rule(i)))
		if err != nil {
			tb.Fatal(err)
		}
		m.Add(fmt.Sprintf("rule-%d", i), p)
	}
	var events []*Event
	for i := 0; i < 256; i++ {
		e, err := ParseEvent([]byte(g.event()))
		if err != nil {
			tb.Fatal(err)
		}
		events = append(events, e)
	}
	return m, events
}

// BenchmarkMachine matches pre-parsed events against a bus of 10, 1,000
// and 10,000 rules; ns/op is the cost of one event.
func BenchmarkMachine(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			m, events := bus(b, n)
			matched, checked := 0, 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ids, c := m.match(events[i%len(events)])
				matched += len(ids)
				checked += c
			}
			b.ReportMetric(float64(matched)/float64(b.N), "matches/event")
			b.ReportMetric(float64(checked)/float64(b.N), "verified/event")
		})
	}
}

// BenchmarkMachineJSON includes parsing the event's JSON.
func BenchmarkMachineJSON(b *testing.B) {
	g := busGen{rand.New(rand.NewPCG(9, 9))}
	var raw [][]byte
	for i := 0; i < 256; i++ {
		raw = append(raw, []byte(g.event()))
	}
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			m, _ := bus(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.MatchJSON(raw[i%len(raw)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMachineScales checks, without timing anything, that the work per
// event does not grow with the rules: the alternatives the index makes a
// 10,000-rule bus verify are within a small multiple of the matches, and
// close to a 10-rule bus's beyond them.
func TestMachineScales(t *testing.T) {
	work := func(n int) (verified, matched float64) {
		m, events := bus(t, n)
		for _, e := range events {
			ids, c := m.match(e)
			verified += float64(c)
			matched += float64(len(ids))
		}
		return verified / float64(len(events)), matched / float64(len(events))
	}
	v10, m10 := work(10)
	v10k, m10k := work(10000)
	t.Logf("10 rules: %.1f verified, %.1f matched per event; 10,000 rules: %.1f verified, %.1f matched", v10, m10, v10k, m10k)
	if v10k-m10k > 5*(v10-m10)+25 {
		t.Fatalf("a 10,000-rule bus verifies %.1f non-matching alternatives per event, a 10-rule bus %.1f", v10k-m10k, v10-m10)
	}
}

// BenchmarkLargeArray matches a pattern on two fields of the objects of a
// 5,000-element array, none of which matches: the values of one element
// must be found without scanning every element's.
func BenchmarkLargeArray(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	for i := 0; i < 5000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"n":%d,"tag":"t%d"}`, i, i)
	}
	sb.WriteString(`]}`)
	e, err := ParseEvent([]byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	p, _ := Compile([]byte(`{"items":{"n":[{"numeric":[">=",0]}],"tag":["t-none"]}}`))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if p.MatchEvent(e) {
			b.Fatal("matched")
		}
	}
}
