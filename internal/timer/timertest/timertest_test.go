package timertest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/timer/timertest"
)

func TestAdvanceHandlesDueJobsInOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := timertest.NewClock(start)
	q := timertest.NewQueue(clock)
	var got []string
	var seen []time.Time
	fails := 1
	go q.Consume(ctx, "s", 1, func(ctx context.Context, data []byte) error {
		got = append(got, string(data))
		seen = append(seen, clock.Now())
		if string(data) == "b" && fails > 0 {
			fails--
			return errors.New("fail once")
		}
		if string(data) == "a" {
			q.At(ctx, "s", []byte("c"), clock.Now().Add(time.Minute)) // a follow-up job
		}
		return nil
	})
	q.At(ctx, "s", []byte("b"), start.Add(2*time.Minute))
	q.At(ctx, "s", []byte("a"), start.Add(time.Minute))
	q.At(ctx, "s", []byte("late"), start.Add(time.Hour))
	n, err := q.Advance(ctx, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b", "c", "b"}
	if n != 4 || len(got) != 4 || got[0] != "a" || got[1] != "b" || got[2] != "c" || got[3] != "b" {
		t.Fatalf("handled %d: %v, want %v", n, got, want)
	}
	if !seen[0].Equal(start.Add(time.Minute)) || !seen[3].Equal(start.Add(2*time.Minute+timertest.Lease)) {
		t.Errorf("clock at the jobs: %v", seen)
	}
	if !clock.Now().Equal(start.Add(10*time.Minute)) || q.Pending("s") != 1 {
		t.Errorf("after: clock %v, pending %d", clock.Now(), q.Pending("s"))
	}
	if due, ok := q.NextDue("s"); !ok || !due.Equal(start.Add(time.Hour)) {
		t.Errorf("next due %v %v", due, ok)
	}
}
