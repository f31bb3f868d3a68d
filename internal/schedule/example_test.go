package schedule_test

import (
	"fmt"
	"time"

	"github.com/nubo-dev/nubo/internal/schedule"
)

// Scheduler's guide: cron(30 2 * * ? *) in Los Angeles does not fire on the
// day the clocks skip 2:30.
func ExampleParseScheduler() {
	s, err := schedule.ParseScheduler("cron(30 2 * * ? *)", schedule.Options{Timezone: "America/Los_Angeles"})
	if err != nil {
		panic(err)
	}
	t := time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 2; i++ {
		t, _ = s.Next(t)
		fmt.Println(t.In(s.Location()).Format(time.RFC3339))
	}
	// Output:
	// 2024-03-09T02:30:00-08:00
	// 2024-03-11T02:30:00-07:00
}

func ExampleParseRule() {
	created := time.Date(2024, 5, 1, 10, 2, 30, 0, time.UTC)
	s, _ := schedule.ParseRule("rate(5 minutes)", created)
	t, _ := s.Next(created)
	fmt.Println(t.Format(time.RFC3339))
	_, err := schedule.ParseRule("rate(5 minute)", created)
	fmt.Println(err)
	// Output:
	// 2024-05-01T10:07:30Z
	// Parameter ScheduleExpression is not valid.
}
