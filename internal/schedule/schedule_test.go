package schedule

import (
	"errors"
	"testing"
	"time"
)

// Expressions AWS accepts or refuses (recorded from AWS where noted in the
// report; the rest follow the guides' syntax tables).
func TestParseRule(t *testing.T) {
	valid := []string{
		"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(7 days)",
		"cron(0 10 * * ? *)", "cron(15 12 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
		"cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)",
		"cron(0/30 20-2 ? * MON-FRI *)", "cron(0 12 * * ? *)", "cron(5,35 14 * * ? *)",
		"cron(15 10 ? * 6L 2019-2022)", "cron(0 2 ? * SAT *)", "cron(15 10 ? * 6L 2002-2005)",
		"cron(0 2 ? * SAT#3 *)", "cron(* * ? * SAT#3 *)", "cron(0/5 5 ? JAN 1-5 2022)",
		"cron(0/30 20-23 ? * MON-FRI *)", "cron(0/30 0-2 ? * MON-FRI *)", "cron(0 5 L * ? *)",
		"cron(0 9 15W * ? *)", "cron(0 0 LW * ? *)", "cron(0 0 ? * L *)", "cron(0 0 ? jan,Feb mon *)",
		"cron(*/15 * * * ? *)", "cron(0-59/10 0-23/2 ? * * *)", "cron(1-31/30 1-1 ? * 1,7 *)",
		"cron(0 0 ? * FRI-MON 2199)", "cron(0  12   * * ? *)",
	}
	for _, e := range valid {
		if _, err := ParseRule(e, time.Time{}); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
	invalid := []string{
		// recorded from AWS
		"rate(10 seconds)", "rate(10 years)", "rate(1 minutes)", "rate(1 hours)", "rate(1 days)",
		"rate(10 minute)", "rate(10 hour)", "rate(10 day)", "rate()", "rate(10)", "rate(10 minutess)",
		"rate(foo minutes)", "rate(0 minutes)", "rate(-10 minutes)", "rate(10 MINUTES)", "rate( 10 minutes )",
		" rate(10 minutes)", "cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "cron(INVALID)",
		"cron(0 dummy ? * MON-FRI *)", "cron(71 8 1 * ? *)",
		// the syntax tables
		"cron(0 12 * * ?)", "cron(0 12 ? * ? *)", "cron(0 24 * * ? *)", "cron(0 0 32 * ? *)", "cron(0 0 0 * ? *)",
		"cron(0 0 * 13 ? *)", "cron(0 0 ? * 8 *)", "cron(0 0 * * ? 1969)", "cron(0 0 * * ? 2200)",
		"cron(0 0 ? * 3#1,6#3 *)", "cron(0 0 ? * 3#6 *)", "cron(0 0 L,1 * ? *)", "cron(0/0 * * * ? *)",
		"cron(0/61 * * * ? *)", "cron(0 0 1W,2 * ? *)", "cron(0 0 ? * MON,L *)", "cron(0 0 W * ? *)",
		"cron(0 0 * * L *)", "cron( 0 0 * * ? *)", "cron(0 0 * * ? *) ", "at(2022-11-20T13:00:00)",
		"rate(1 week)", "cron(-1 0 * * ? *)", "cron(0 0 * * ? * *)", "rate(99999999999999 days)",
		"cron(0 0 ? * 1/2 *)", "cron(0 0 1#2 * ? *)", "cron(0 0 ? * 15W *)",
	}
	for _, e := range invalid {
		_, err := ParseRule(e, time.Time{})
		var se *Error
		if !errors.As(err, &se) || se.Message != "Parameter ScheduleExpression is not valid." {
			t.Errorf("%q: got %v", e, err)
		}
	}
}

func TestParseScheduler(t *testing.T) {
	valid := []string{
		"rate(5 minutes)", "rate(1 days)", "rate(1 day)", "rate(2 hour)", "at(2022-11-20T13:00:00)",
		"at(2022-12-31T23:59:59)", "at(2024-02-29T00:00:00)", "cron(15 10 ? * 6L 2022-2023)",
		"cron(30 8 * * ? *)", "cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)", "cron(30-30 13-13 ? * 2,4,6 *)",
		"cron(1-31/30 1-1 ? * 1,7 *)", "cron(0 18 ? * MON-FRI *)", "cron(*/15 * * * ? *)",
		"cron(0-59/10 0-23/2 ? * * *)", "cron(30 2 * * ?)",
	}
	for _, e := range valid {
		if _, err := ParseScheduler(e, Options{Timezone: "America/New_York"}); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
	// recorded from AWS
	invalid := []string{
		"cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "cron(INVALID)", "cron(0 dummy ? * MON-FRI *)",
		"cron(71 8 1 * ? *)", "cron()", "rate(10 seconds)", "rate(10 years)", "rate()", "rate(10)",
		"rate(10 minutess)", "rate(foo minutes)", "rate(-10 minutes)", "rate( 10 minutes )",
		" rate(10 minutes)", "at(2021-12-31T23:59:59Z)", "at(2021-12-31)", "at(2023-02-29T00:00:00)",
		"at(2022-11-20 13:00:00)", "at(2022-11-20T24:00:00)",
	}
	for _, e := range invalid {
		_, err := ParseScheduler(e, Options{})
		var se *Error
		if !errors.As(err, &se) || se.Message != "Invalid Schedule Expression "+e+"." {
			t.Errorf("%q: got %v", e, err)
		}
	}
	for _, tz := range []string{"Mars/Olympus", "Local", "America/New_York/"} {
		if _, err := ParseScheduler("rate(1 day)", Options{Timezone: tz}); err == nil {
			t.Errorf("time zone %q accepted", tz)
		}
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// occurrences lists a schedule's next n occurrences after from, in UTC.
func occurrences(s *Schedule, from time.Time, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		t, ok := s.Next(from)
		if !ok {
			break
		}
		out = append(out, t.UTC().Format(time.RFC3339))
		from = t
	}
	return out
}

func TestRuleOccurrences(t *testing.T) {
	tests := []struct {
		expr string
		from string
		want []string
	}{
		{"cron(0 10 * * ? *)", "2024-05-01T09:59:00Z", []string{"2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z"}},
		{"cron(0 10 * * ? *)", "2024-05-01T10:00:00Z", []string{"2024-05-02T10:00:00Z"}},
		{"cron(5,35 14 * * ? *)", "2024-05-01T14:10:00Z", []string{"2024-05-01T14:35:00Z", "2024-05-02T14:05:00Z"}},
		// Friday 2024-05-03 18:00, then Monday
		{"cron(0 18 ? * MON-FRI *)", "2024-05-03T18:00:00Z", []string{"2024-05-06T18:00:00Z", "2024-05-07T18:00:00Z"}},
		{"cron(0 8 1 * ? *)", "2024-01-31T00:00:00Z", []string{"2024-02-01T08:00:00Z", "2024-03-01T08:00:00Z"}},
		{"cron(0/15 * * * ? *)", "2024-05-01T10:07:30Z", []string{"2024-05-01T10:15:00Z", "2024-05-01T10:30:00Z", "2024-05-01T10:45:00Z", "2024-05-01T11:00:00Z"}},
		{"cron(1/10 * * * ? *)", "2024-05-01T10:00:00Z", []string{"2024-05-01T10:01:00Z", "2024-05-01T10:11:00Z"}},
		{"cron(0/5 8-17 ? * MON-FRI *)", "2024-05-03T17:50:00Z", []string{"2024-05-03T17:55:00Z", "2024-05-06T08:00:00Z"}},
		// a range that wraps past midnight; Saturday's early hours are not a weekday
		{"cron(0/30 20-2 ? * MON-FRI *)", "2024-05-03T23:45:00Z", []string{"2024-05-06T00:00:00Z", "2024-05-06T00:30:00Z", "2024-05-06T01:00:00Z"}},
		// the last Friday of each month, 2019 to 2022
		{"cron(15 10 ? * 6L 2019-2022)", "2022-10-01T00:00:00Z", []string{"2022-10-28T10:15:00Z", "2022-11-25T10:15:00Z", "2022-12-30T10:15:00Z"}},
		{"cron(0 2 ? * SAT#3 *)", "2024-05-01T00:00:00Z", []string{"2024-05-18T02:00:00Z", "2024-06-15T02:00:00Z"}},
		{"cron(0 5 L * ? *)", "2024-02-01T00:00:00Z", []string{"2024-02-29T05:00:00Z", "2024-03-31T05:00:00Z", "2024-04-30T05:00:00Z"}},
		// 2024-06-15 is a Saturday: Friday the 14th; 2024-09-15 a Sunday: Monday the 16th
		{"cron(0 9 15W * ? *)", "2024-06-01T00:00:00Z", []string{"2024-06-14T09:00:00Z", "2024-07-15T09:00:00Z", "2024-08-15T09:00:00Z", "2024-09-16T09:00:00Z"}},
		// 2024-06-01 is a Saturday: the nearest weekday in June is Monday the 3rd
		{"cron(0 9 1W * ? *)", "2024-05-31T00:00:00Z", []string{"2024-06-03T09:00:00Z"}},
		// the last weekday: 2024-08-31 is a Saturday, 2024-03-31 a Sunday
		{"cron(0 0 LW * ? *)", "2024-08-01T00:00:00Z", []string{"2024-08-30T00:00:00Z", "2024-09-30T00:00:00Z"}},
		{"cron(0 0 ? * L *)", "2024-05-01T00:00:00Z", []string{"2024-05-04T00:00:00Z", "2024-05-11T00:00:00Z"}},
		{"cron(0 0 29 2 ? *)", "2024-03-01T00:00:00Z", []string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"cron(0 0 31 * ? *)", "2024-04-01T00:00:00Z", []string{"2024-05-31T00:00:00Z", "2024-07-31T00:00:00Z"}},
		{"cron(0/5 5 ? JAN 1-5 2022)", "2022-01-05T05:50:00Z", []string{"2022-01-05T05:55:00Z"}},
		{"cron(59 23 31 12 ? 2199)", "2199-12-31T23:59:00Z", nil},
		{"cron(0 0 ? * FRI-MON *)", "2024-05-02T00:00:00Z", []string{"2024-05-03T00:00:00Z", "2024-05-04T00:00:00Z", "2024-05-05T00:00:00Z", "2024-05-06T00:00:00Z", "2024-05-10T00:00:00Z"}},
	}
	for _, tt := range tests {
		s, err := ParseRule(tt.expr, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		got := occurrences(s, utc(tt.from), len(tt.want)+1)
		if len(tt.want) < len(got) {
			got = got[:len(tt.want)]
		}
		if !equal(got, tt.want) {
			t.Errorf("%s from %s:\n got %v\nwant %v", tt.expr, tt.from, got, tt.want)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRuleRate(t *testing.T) {
	created := utc("2024-05-01T10:02:30Z")
	s, err := ParseRule("rate(5 minutes)", created)
	if err != nil {
		t.Fatal(err)
	}
	got := occurrences(s, created.Add(-time.Hour), 3)
	want := []string{"2024-05-01T10:07:30Z", "2024-05-01T10:12:30Z", "2024-05-01T10:17:30Z"}
	if !equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if next, _ := s.Next(utc("2024-05-01T11:00:00Z")); !next.Equal(utc("2024-05-01T11:02:30Z")) {
		t.Errorf("after an hour: %v", next)
	}
}
