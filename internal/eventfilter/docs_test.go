package eventfilter

import (
	"slices"
	"testing"
)

// matchCase is an event, a pattern and whether AWS matches them.
type matchCase struct {
	name    string
	event   string
	pattern string
	want    bool
}

// checkCases runs cases through a Pattern and through a Machine that also
// holds every other case's pattern, which must agree.
func checkCases(t *testing.T, cases []matchCase) {
	t.Helper()
	var m Machine
	for i, c := range cases {
		p, err := Compile([]byte(c.pattern))
		if err != nil {
			t.Fatalf("%s: %s: %v", c.name, c.pattern, err)
		}
		m.Add(itoa(i), p)
	}
	for i, c := range cases {
		p, _ := Compile([]byte(c.pattern))
		if got := p.MatchJSON([]byte(c.event)); got != c.want {
			t.Errorf("%s: Pattern.Match = %v, want %v\npattern %s\nevent %s", c.name, got, c.want, c.pattern, c.event)
		}
		ids, err := m.MatchJSON([]byte(c.event))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := slices.Contains(ids, itoa(i)); got != c.want {
			t.Errorf("%s: Machine.Match has it = %v, want %v", c.name, got, c.want)
		}
		// every other rule the machine reports must match on its own
		for _, id := range ids {
			j := 0
			for k := range cases {
				if itoa(k) == id {
					j = k
				}
			}
			q, _ := Compile([]byte(cases[j].pattern))
			if !q.MatchJSON([]byte(c.event)) {
				t.Errorf("%s: machine reported %s (%s), which does not match", c.name, id, cases[j].pattern)
			}
		}
	}
}

const (
	ec2Event = `{"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
		"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
		"account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
		"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
		"detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"}}`
	autoscalingEvent = `{"version": "0", "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
		"detail-type": "EC2 Instance Launch Successful", "source": "aws.autoscaling",
		"account": "123456789012", "time": "2015-11-11T21:31:47Z", "region": "us-east-1",
		"resources": [], "detail": {"eventVersion": "", "responseElements": null}}`
	macieEvent = `{"version": "0", "id": "3e355723-fca9-4de3-9fd7-154c289d6b59", "detail-type": "Macie Alert",
		"source": "aws.macie", "account": "123456789012", "time": "2017-04-24T22:28:49Z", "region": "us-east-1",
		"resources": ["arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id",
			"arn:aws:macie:us-east-1:123456789012:trigger/trigger_id"],
		"detail": {"notification-type": "ALERT_CREATED", "name": "Scanning bucket policies",
			"tags": ["Custom_Alert", "Insider"], "risk-score": 80,
			"trigger": {"rule-arn": "arn:aws:macie:us-east-1:123456789012:trigger/trigger_id",
				"alert-type": "basic", "created-at": "2017-01-02 19:54:00.644000", "risk": 8},
			"created-at": "2017-04-18T00:21:12.059000"}}`
	pendingEvent = `{"version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
		"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
		"account": "123456789012", "time": "2015-11-11T21:29:54Z", "region": "us-east-1",
		"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
		"detail": {"instance-id": "i-abcd1111", "state": "pending"}}`
	cCountObjectEvent = `{"detail-type": ["EC2 Instance State-change Notification"],
		"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"],
		"detail": {"state": ["initializing", "running"], "c-count": {"c1": 100}}}`
	complexPattern = `{"time": [{"prefix": "2017-10-02"}], "detail": {
		"state": [{"anything-but": "initializing"}], "c-count": [{"numeric": [">", 0, "<=", 5]}],
		"d-count": [{"numeric": ["<", 10]}], "x-limit": [{"anything-but": [100, 200, 300]}]}}`
	orPattern = `{"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]},
		{"d-count": [{"numeric": ["<", 10]}]}, {"x-limit": [{"numeric": ["=", 3.018e2]}]}]}}`
)

// TestDocumentedExamples covers the examples of AWS's EventBridge user
// guide — "Event patterns", "Matching null values and empty strings",
// "Arrays in event patterns", "Content filtering" and "Comparison
// operators" — with the outcome the guide gives. Where AWS's answers differ
// from a sentence of the guide, the case follows AWS and says so.
func TestDocumentedExamples(t *testing.T) {
	checkCases(t, []matchCase{
		// Event patterns
		{"ec2 termination", ec2Event, `{"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["terminated"]}}`, true},
		{"match values: ec2 or fargate", ec2Event, `{"source": ["aws.ec2", "aws.fargate"]}`, true},
		{"field matching: null", autoscalingEvent, `{"source": ["aws.autoscaling"], "detail-type": ["EC2 Instance Launch Successful"], "detail": {"responseElements": [null]}}`, true},
		{"value matching: numbers", macieEvent, `{"source": ["aws.macie"], "detail-type": ["Macie Alert"], "detail": {"risk-score": [80], "trigger": {"risk": [8]}}}`, true},
		{"value matching: other risk", macieEvent, `{"detail": {"risk-score": [81]}}`, false},
		{"strings are case-sensitive", ec2Event, `{"detail": {"state": ["Terminated"]}}`, false},
		// The guide says 300, 300.0 and 3.0e2 are not equal; AWS's
		// TestEventPattern matches them (the Ruler also compares numbers
		// numerically), and so does nubo.
		{"numbers compare numerically", `{"number": 300.0}`, `{"number": [300]}`, true},
		{"numbers: 3.0e2", `{"number": 3.0e2}`, `{"number": [300]}`, true},
		{"dots join keys: pattern", `{"detail": {"state": {"status": "running"}}}`, `{"detail": {"state.status": ["running"]}}`, true},
		{"dots join keys: event", `{"detail": {"state.status": "running"}}`, `{"detail": {"state": {"status": ["running"]}}}`, true},
		{"a key given twice: the last counts", `{"detail": {"location": "eu-central-1"}}`, `{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}`, true},
		{"a key given twice: not the first", `{"detail": {"location": "us-east"}}`, `{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}`, false},
		// Null values and empty strings
		{"empty string", autoscalingEvent, `{"detail": {"eventVersion": [""]}}`, true},
		{"null", autoscalingEvent, `{"detail": {"responseElements": [null]}}`, true},
		{"empty string is not null", autoscalingEvent, `{"detail": {"responseElements": [""]}}`, false},
		{"null is not empty string", autoscalingEvent, `{"detail": {"eventVersion": [null]}}`, false},
		// Arrays
		{"arrays intersect", `{"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate", "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}`,
			`{"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f", "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f", "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}`, true},
		{"arrays disjoint", `{"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate"]}`,
			`{"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f", "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]}`, false},
		// Content filtering: prefix and suffix
		{"prefix", `{"time": "2017-10-02T18:43:48Z"}`, `{"time": [{"prefix": "2017-10-02"}]}`, true},
		{"prefix: other day", `{"time": "2017-10-03T18:43:48Z"}`, `{"time": [{"prefix": "2017-10-02"}]}`, false},
		{"prefix ignoring case", `{"detail": {"service": "EVENTBRIDGE"}}`, `{"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}`, true},
		{"prefix ignoring case: other", `{"detail": {"service": "eventsrc"}}`, `{"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}`, false},
		{"suffix", `{"FileName": "image.png"}`, `{"FileName": [{"suffix": ".png"}]}`, true},
		{"suffix is case-sensitive", `{"FileName": "image.PNG"}`, `{"FileName": [{"suffix": ".png"}]}`, false},
		{"suffix ignoring case", `{"detail": {"FileName": "image.PNG"}}`, `{"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}`, true},
		{"suffix ignoring case: other", `{"detail": {"FileName": "image.jpg"}}`, `{"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}`, false},
		// anything-but
		{"anything-but string", `{"detail": {"state": "pending"}}`, `{"detail": {"state": [{"anything-but": "initializing"}]}}`, true},
		{"anything-but string: excluded", `{"detail": {"state": "initializing"}}`, `{"detail": {"state": [{"anything-but": "initializing"}]}}`, false},
		{"anything-but number", `{"detail": {"x-limit": 789}}`, `{"detail": {"x-limit": [{"anything-but": 123}]}}`, true},
		{"anything-but number: excluded", `{"detail": {"x-limit": 123}}`, `{"detail": {"x-limit": [{"anything-but": 123}]}}`, false},
		{"anything-but strings", `{"detail": {"state": "pending"}}`, `{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}`, true},
		{"anything-but strings: excluded", `{"detail": {"state": "stopped"}}`, `{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}`, false},
		{"anything-but numbers", `{"detail": {"x-limit": 999}}`, `{"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}`, true},
		{"anything-but numbers: excluded", `{"detail": {"x-limit": 100}}`, `{"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}`, false},
		{"anything-but prefix", `{"detail": {"state": "post-init"}}`, `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, true},
		{"anything-but prefix: excluded", `{"detail": {"state": "init-prefix"}}`, `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, false},
		{"anything-but prefix: not in the US", `{"Region": "eu-west-1"}`, `{"Region": [{"anything-but": {"prefix": "us-"}}]}`, true},
		{"anything-but prefix: in the US", `{"Region": "us-east-1"}`, `{"Region": [{"anything-but": {"prefix": "us-"}}]}`, false},
		{"anything-but suffix", `{"detail": {"FileName": "file.txt.bak"}}`, `{"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}}`, true},
		{"anything-but suffix: excluded", `{"detail": {"FileName": "file.txt"}}`, `{"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}}`, false},
		{"anything-but suffix .png", `{"FileName": "photo.jpg"}`, `{"FileName": [{"anything-but": {"suffix": ".png"}}]}`, true},
		{"anything-but ignoring case", `{"detail": {"state": "pending"}}`, `{"detail": {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}}`, true},
		{"anything-but ignoring case: excluded", `{"detail": {"state": "INITIALIZING"}}`, `{"detail": {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}}`, false},
		{"anything-but ignoring case, list", `{"detail": {"state": "Stopped"}}`, `{"detail": {"state": [{"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}]}}`, false},
		{"anything-but wildcard", `{"FilePath": "/usr/bin/app"}`, `{"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}`, true},
		{"anything-but wildcard: excluded", `{"FilePath": "/usr/lib/libc.so"}`, `{"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}`, false},
		{"anything-but wildcard list", `{"detail": {"state": "dir/post/dir"}}`, `{"detail": {"state": [{"anything-but": {"wildcard": ["*/init/*", "*/dir/*"]}}]}}`, true},
		// numeric
		{"numeric", `{"detail": {"c-count": 3, "d-count": 9, "x-limit": 3.018e2}}`, `{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "x-limit": [{"numeric": ["=", 3.018e2]}]}}`, true},
		{"numeric: out of range", `{"detail": {"c-count": 42, "d-count": 9, "x-limit": 3.018e2}}`, `{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "x-limit": [{"numeric": ["=", 3.018e2]}]}}`, false},
		{"numeric: equals", `{"Price": 100}`, `{"Price": [{"numeric": ["=", 100]}]}`, true},
		{"numeric: more than 10, at most 20", `{"Price": 20}`, `{"Price": [{"numeric": [">", 10, "<=", 20]}]}`, true},
		{"numeric: 10 is not more than 10", `{"Price": 10}`, `{"Price": [{"numeric": [">", 10, "<=", 20]}]}`, false},
		// IP addresses
		{"cidr", `{"detail": {"sourceIPAddress": "10.0.0.255"}}`, `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, true},
		{"cidr: not an address", `{"detail": {"sourceIPAddress": "10.0.0.256"}}`, `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, false},
		{"cidr: other network", `{"detail": {"sourceIPAddress": "10.0.1.1"}}`, `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, false},
		{"cidr IPv6", `{"detail": {"sourceIPAddress": "2001:0db8:1234:1a00:0000:0000:0000:0000"}}`, `{"detail": {"sourceIPAddress": [{"cidr": "2001:db8:1234:1a00::/64"}]}}`, true},
		{"cidr IPv6: other network", `{"detail": {"sourceIPAddress": "2001:0db8:123f:1a01:0000:0000:0000:0000"}}`, `{"detail": {"sourceIPAddress": [{"cidr": "2001:db8:1234:1a00::/64"}]}}`, false},
		// exists
		{"exists", pendingEvent, `{"detail": {"state": [{"exists": true}]}}`, true},
		{"exists: missing", `{"detail": {"c-count": {"c1": 100}}}`, `{"detail": {"state": [{"exists": true}]}}`, false},
		{"does not exist", `{"detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["initializing", "running"]}}`, `{"detail": {"c-count": [{"exists": false}]}}`, true},
		{"does not exist: only leaves exist", cCountObjectEvent, `{"detail": {"c-count": [{"exists": false}]}}`, true},
		{"does not exist: there", `{"detail": {"c-count": 5}}`, `{"detail": {"c-count": [{"exists": false}]}}`, false},
		{"ProductName exists", `{"ProductName": "x"}`, `{"ProductName": [{"exists": true}]}`, true},
		{"ProductName does not exist", `{"Name": "x"}`, `{"ProductName": [{"exists": false}]}`, true},
		// equals-ignore-case
		{"equals-ignore-case", ec2Event, `{"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}`, true},
		{"equals-ignore-case: other", ec2Event, `{"detail-type": [{"equals-ignore-case": "I do not match"}]}`, false},
		// wildcard
		{"wildcard", `{"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"}`, `{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}`, true},
		{"wildcard: png in dir", `{"FileName": "dir/a/b.png"}`, `{"FileName": [{"wildcard": "dir/*.png"}]}`, true},
		{"wildcard: png elsewhere", `{"FileName": "other/b.png"}`, `{"FileName": [{"wildcard": "dir/*.png"}]}`, false},
		{"wildcard: repeating sequence", `{"FileName": "/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"}`, `{"FileName": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}`, true},
		{"wildcard: star escaped", `{"FileName": "a*b"}`, `{"FileName": [{"wildcard": "a\\*b"}]}`, true},
		{"wildcard: escaped star is literal", `{"FileName": "axb"}`, `{"FileName": [{"wildcard": "a\\*b"}]}`, false},
		// combinations
		{"complex", `{"time": "2017-10-02T18:43:48Z", "detail": {"state": "running", "c-count": 3, "d-count": 9, "x-limit": 999}}`, complexPattern, true},
		{"complex: x-limit excluded", `{"time": "2017-10-02T18:43:48Z", "detail": {"state": "running", "c-count": 3, "d-count": 9, "x-limit": 300}}`, complexPattern, false},
		{"$or", `{"detail": {"c-count": 0, "d-count": 0, "x-limit": 9.018e2}}`, orPattern, true},
		{"$or: none", `{"detail": {"c-count": 0, "d-count": 10, "x-limit": 9.018e2}}`, orPattern, false},
		{"$or with and", `{"source": "aws.cloudwatch", "namespace": "AWS/ES"}`, `{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}]}`, true},
		{"$or with and: other source", `{"source": "aws.ec2", "namespace": "AWS/ES"}`, `{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}]}`, false},
		{"or: New York or Monday", `{"Location": "Paris", "Day": "Monday"}`, `{"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}`, true},
		{"and", `{"Location": "New York", "Day": "Monday"}`, `{"Location": ["New York"], "Day": ["Monday"]}`, true},
		{"and: one only", `{"Location": "New York", "Day": "Sunday"}`, `{"Location": ["New York"], "Day": ["Monday"]}`, false},
		{"empty value", `{"LastName": ""}`, `{"LastName": [""]}`, true},
		{"UserID is null", `{"UserID": null}`, `{"UserID": [null]}`, true},
		{"Weather anything but Raining", `{"Weather": "Sunny"}`, `{"Weather": [{"anything-but": ["Raining"]}]}`, true},
		{"PaymentType Credit or Debit", `{"PaymentType": "Debit"}`, `{"PaymentType": ["Credit", "Debit"]}`, true},
	})
}
