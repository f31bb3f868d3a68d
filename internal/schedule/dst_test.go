package schedule

import (
	"testing"
	"time"
)

// TestSchedulerOccurrences covers EventBridge Scheduler's time zones and
// daylight-saving changes as its guide documents them: a local time the
// clocks skip does not fire that day; a local time the clocks repeat fires
// once, before the change; rates count fixed durations (a day is 24 hours).
func TestSchedulerOccurrences(t *testing.T) {
	tests := []struct {
		name string
		expr string
		opts Options
		from string
		want []string
	}{
		// America/New_York: 2024-03-10 02:00 EST -> 03:00 EDT; 2024-11-03 02:00 EDT -> 01:00 EST
		{"NY daily 8:30", "cron(30 8 * * ? *)", Options{Timezone: "America/New_York"}, "2024-03-08T00:00:00Z",
			[]string{"2024-03-08T13:30:00Z", "2024-03-09T13:30:00Z", "2024-03-10T12:30:00Z", "2024-03-11T12:30:00Z"}},
		{"NY spring forward skips 2:30", "cron(30 2 * * ? *)", Options{Timezone: "America/New_York"}, "2024-03-09T00:00:00Z",
			[]string{"2024-03-09T07:30:00Z", "2024-03-11T06:30:00Z", "2024-03-12T06:30:00Z"}},
		{"NY fall back runs 1:30 once", "cron(30 1 * * ? *)", Options{Timezone: "America/New_York"}, "2024-11-02T00:00:00Z",
			[]string{"2024-11-02T05:30:00Z", "2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z"}},
		{"NY fall back: every 30 minutes does not repeat the hour", "cron(0/30 * * * ? *)", Options{Timezone: "America/New_York"}, "2024-11-03T04:45:00Z",
			[]string{"2024-11-03T05:00:00Z", "2024-11-03T05:30:00Z", "2024-11-03T07:00:00Z", "2024-11-03T07:30:00Z"}},
		{"NY fall back: from inside the repeated hour", "cron(0/30 * * * ? *)", Options{Timezone: "America/New_York"}, "2024-11-03T06:10:00Z",
			[]string{"2024-11-03T07:00:00Z"}},
		{"NY spring forward: every 30 minutes skips the missing hour", "cron(0/30 * * * ? *)", Options{Timezone: "America/New_York"}, "2024-03-10T06:15:00Z",
			[]string{"2024-03-10T06:30:00Z", "2024-03-10T07:00:00Z", "2024-03-10T07:30:00Z"}},
		// the guide's example: cron(30 2 * * ? *) in Los Angeles
		{"LA spring forward", "cron(30 2 * * ? *)", Options{Timezone: "America/Los_Angeles"}, "2024-03-09T00:00:00Z",
			[]string{"2024-03-09T10:30:00Z", "2024-03-11T09:30:00Z"}},
		{"LA fall back", "cron(30 1 * * ? *)", Options{Timezone: "America/Los_Angeles"}, "2024-11-03T00:00:00Z",
			[]string{"2024-11-03T08:30:00Z", "2024-11-04T09:30:00Z"}},
		// Europe/London: 2024-03-31 01:00 GMT -> 02:00 BST; 2024-10-27 02:00 BST -> 01:00 GMT
		{"London spring forward skips 1:30", "cron(30 1 * * ? *)", Options{Timezone: "Europe/London"}, "2024-03-30T00:00:00Z",
			[]string{"2024-03-30T01:30:00Z", "2024-04-01T00:30:00Z"}},
		{"London fall back runs 1:30 once", "cron(30 1 * * ? *)", Options{Timezone: "Europe/London"}, "2024-10-26T12:00:00Z",
			[]string{"2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"}},
		{"London weekdays 9:00 across the change", "cron(0 9 ? * MON-FRI *)", Options{Timezone: "Europe/London"}, "2024-10-25T00:00:00Z",
			[]string{"2024-10-25T08:00:00Z", "2024-10-28T09:00:00Z"}},
		{"Tokyo has no daylight saving", "cron(0 0 1 * ? *)", Options{Timezone: "Asia/Tokyo"}, "2024-01-01T00:00:00Z",
			[]string{"2024-01-31T15:00:00Z", "2024-02-29T15:00:00Z"}},
		{"UTC", "cron(0 12 * * ? *)", Options{}, "2024-03-10T00:00:00Z", []string{"2024-03-10T12:00:00Z"}},
		{"five fields", "cron(0 12 * * ?)", Options{}, "2024-03-10T00:00:00Z", []string{"2024-03-10T12:00:00Z"}},
		// rates: a day is 24 hours, so the local hour moves with the clocks
		{"NY rate(1 days) across spring forward", "rate(1 days)", Options{Timezone: "America/New_York", StartDate: utc("2024-03-09T14:00:00Z")}, "2024-03-01T00:00:00Z",
			[]string{"2024-03-09T14:00:00Z", "2024-03-10T14:00:00Z", "2024-03-11T14:00:00Z"}},
		{"rate without StartDate starts at creation", "rate(5 minutes)", Options{Created: utc("2024-05-01T10:02:30Z")}, "2024-05-01T10:02:29Z",
			[]string{"2024-05-01T10:02:30Z", "2024-05-01T10:07:30Z"}},
		{"rate bounded by EndDate", "rate(1 hour)", Options{StartDate: utc("2024-05-01T10:00:00Z"), EndDate: utc("2024-05-01T12:00:00Z")}, "2024-05-01T00:00:00Z",
			[]string{"2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z", "2024-05-01T12:00:00Z"}},
		{"cron from StartDate, inclusive", "cron(0 * * * ? *)", Options{StartDate: utc("2024-05-01T10:00:00Z"), EndDate: utc("2024-05-01T11:30:00Z")}, "2024-04-01T00:00:00Z",
			[]string{"2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"}},
		// one-time schedules
		{"at in a zone", "at(2022-11-20T13:00:00)", Options{Timezone: "America/Los_Angeles"}, "2022-11-01T00:00:00Z",
			[]string{"2022-11-20T21:00:00Z"}},
		{"at ignores start and end", "at(2022-11-20T13:00:00)", Options{StartDate: utc("2023-01-01T00:00:00Z"), EndDate: utc("2022-01-01T00:00:00Z")}, "2022-11-01T00:00:00Z",
			[]string{"2022-11-20T13:00:00Z"}},
		{"at in the past", "at(2022-11-20T13:00:00)", Options{}, "2023-01-01T00:00:00Z", nil},
		{"at a repeated time: the first", "at(2024-11-03T01:30:00)", Options{Timezone: "America/New_York"}, "2024-11-01T00:00:00Z",
			[]string{"2024-11-03T05:30:00Z"}},
		{"at a skipped time: an hour later", "at(2024-03-10T02:30:00)", Options{Timezone: "America/New_York"}, "2024-03-01T00:00:00Z",
			[]string{"2024-03-10T07:30:00Z"}},
	}
	for _, tt := range tests {
		s, err := ParseScheduler(tt.expr, tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := occurrences(s, utc(tt.from), len(tt.want)+1)
		if len(got) > len(tt.want) && tt.opts.EndDate.IsZero() && s.Kind() != At {
			got = got[:len(tt.want)]
		}
		if !equal(got, tt.want) {
			t.Errorf("%s: %s from %s:\n got %v\nwant %v", tt.name, tt.expr, tt.from, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		w      wall
		skip   bool
		want   string
		wantOK bool
	}{
		{wall{2024, 3, 10, 1, 59, 0}, true, "2024-03-10T06:59:00Z", true},
		{wall{2024, 3, 10, 2, 0, 0}, true, "", false},
		{wall{2024, 3, 10, 2, 0, 0}, false, "2024-03-10T07:00:00Z", true},
		{wall{2024, 3, 10, 3, 0, 0}, true, "2024-03-10T07:00:00Z", true},
		{wall{2024, 11, 3, 1, 0, 0}, true, "2024-11-03T05:00:00Z", true},
		{wall{2024, 11, 3, 2, 0, 0}, true, "2024-11-03T07:00:00Z", true},
	}
	for _, tt := range tests {
		got, ok := resolve(tt.w, ny, tt.skip)
		if ok != tt.wantOK || (ok && got.UTC().Format(time.RFC3339) != tt.want) {
			t.Errorf("%+v: got %v %v, want %s %v", tt.w, got.UTC(), ok, tt.want, tt.wantOK)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"rate(5 minutes)", "cron(0/15 8-17 ? * MON-FRI 2020-2030)", "cron(0 0 LW * ? *)",
		"cron(0 0 ? * 6#5 *)", "at(2024-03-10T02:30:00)", "cron(59 23 29 2 ? 2196)"} {
		f.Add(s, int64(1710000000), "America/New_York")
	}
	f.Fuzz(func(t *testing.T, expr string, unix int64, zone string) {
		after := time.Unix(unix%8e9, 0).UTC()
		if r, err := ParseRule(expr, after); err == nil {
			if next, ok := r.Next(after); ok && !next.After(after) {
				t.Fatalf("%s: Next(%v) = %v", expr, after, next)
			}
		}
		s, err := ParseScheduler(expr, Options{Timezone: zone, Created: after})
		if err != nil {
			return
		}
		for i := 0; i < 3; i++ {
			next, ok := s.Next(after)
			if !ok {
				return
			}
			if !next.After(after) {
				t.Fatalf("%s in %s: Next(%v) = %v", expr, zone, after, next)
			}
			after = next
		}
	})
}
