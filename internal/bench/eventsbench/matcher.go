package eventsbench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/nubo-dev/nubo/internal/eventfilter"
)

// MatcherStats is the rule matcher's cost per event on a bus of Rules
// rules.
type MatcherStats struct {
	Rules    int
	PerEvent time.Duration
	Matches  float64 // rules matched per event
}

// Matcher times eventfilter.Machine on buses of 10, 1,000 and 10,000
// rules, each event parsed once and matched against the whole bus. Every
// bus has the same ten broad rules (by source); the rest are what buses
// grow with: one per customer, bucket or instance, with the operators mixed
// in. Events draw on the same values, so each matches about as many rules
// whatever the bus's size.
func Matcher(logf func(string, ...any)) []MatcherStats {
	var out []MatcherStats
	for _, n := range []int{10, 1000, 10000} {
		r := rand.New(rand.NewPCG(7, uint64(n)))
		var m eventfilter.Machine
		for i := range n {
			p, err := eventfilter.Compile([]byte(rule(r, i)))
			if err != nil {
				panic(err) // the generator's rules are valid
			}
			m.Add(fmt.Sprint(i), p)
		}
		events := make([]*eventfilter.Event, 256)
		for i := range events {
			events[i], _ = eventfilter.ParseEvent([]byte(event(r)))
		}
		s := MatcherStats{Rules: n, PerEvent: time.Hour}
		for range 5 { // the best of five: other work on the machine only adds
			runtime.GC() // not the garbage of what ran before
			matched, rounds := 0, 0
			start := time.Now()
			for time.Since(start) < 100*time.Millisecond {
				for _, e := range events {
					matched += len(m.Match(e))
				}
				rounds++
			}
			s.PerEvent = min(s.PerEvent, time.Since(start)/time.Duration(rounds*len(events)))
			s.Matches = float64(matched) / float64(rounds*len(events))
		}
		logf("matcher rules=%-5d %v per event, %.1f matches per event", s.Rules, s.PerEvent, s.Matches)
		out = append(out, s)
	}
	return out
}

// broad are the rules every bus has.
var broad = []string{
	`{"source":["shop.orders"],"detail":{"total":[{"numeric":[">",900]}]}}`,
	`{"source":["shop.payments"],"detail":{"state":["failed"]}}`,
	`{"source":["aws.s3"],"detail":{"object":{"key":[{"suffix":".exe"}]}}}`,
	`{"source":["aws.ec2"],"detail":{"state":["terminated"]}}`,
	`{"source":[{"prefix":"shop."}],"detail-type":["OrderFailed"]}`,
	`{"detail":{"ip":[{"cidr":"10.200.0.0/16"}]}}`,
	`{"source":["aws.ec2"],"detail":{"state":["stopped"]}}`,
	`{"resources":[{"wildcard":"arn:aws:ec2:*:instance/i-00*"}]}`,
	`{"$or":[{"detail":{"priority":["high"]}},{"detail-type":["Alarm"]}]}`,
	`{"source":["shop.orders"],"detail":{"customer":[{"prefix":"c-000"}]}}`,
}

func rule(r *rand.Rand, i int) string {
	if i < len(broad) {
		return broad[i]
	}
	switch i % 5 {
	case 0:
		return fmt.Sprintf(`{"source":["shop.orders"],"detail":{"customer":["c-%06d"],"total":[{"numeric":[">=",%d]}]}}`, r.IntN(1e6), r.IntN(500))
	case 1:
		return fmt.Sprintf(`{"source":["aws.s3"],"detail":{"bucket":{"name":["b-%06d"]},"object":{"key":[{"prefix":"uploads/"},{"suffix":".png"}]}}}`, r.IntN(1e6))
	case 2:
		return fmt.Sprintf(`{"source":["aws.ec2"],"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-%06x"],"detail":{"state":[{"anything-but":"running"}]}}`, r.IntN(1e6))
	case 3:
		return fmt.Sprintf(`{"detail":{"ip":[{"cidr":"10.%d.%d.%d/30"}],"event":[{"equals-ignore-case":"delete"}]}}`, r.IntN(256), r.IntN(256), 4*r.IntN(64))
	}
	return fmt.Sprintf(`{"source":["shop.payments"],"$or":[{"detail":{"customer":["c-%06d"]}},{"detail":{"user":[{"wildcard":"u-%06d*"}]}}]}`, r.IntN(1e6), r.IntN(1e6))
}

func event(r *rand.Rand) string {
	sources := []string{"shop.orders", "shop.payments", "aws.s3", "aws.ec2"}
	return fmt.Sprintf(`{"version":"0","id":"1","detail-type":"t","source":%q,"account":"123456789012","time":"2024-01-01T00:00:00Z",`+
		`"region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-%06x"],"detail":{"customer":"c-%06d","total":%d,`+
		`"bucket":{"name":"b-%06d"},"object":{"key":"uploads/p-%d.png"},"state":"stopped","ip":"10.%d.%d.%d","event":"Delete","user":"u-%08d"}}`,
		sources[r.IntN(len(sources))], r.IntN(1e6), r.IntN(1e6), r.IntN(1000), r.IntN(1e6), r.IntN(1000),
		r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(1e8))
}
