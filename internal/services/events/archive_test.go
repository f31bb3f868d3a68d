package events_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/events"
)

func TestArchiveAndReplay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	busARN := "arn:aws:events:us-east-1:123456789012:event-bus/default"
	all, err := f.svc.CreateArchive(ctx, region, events.ArchiveInput{ArchiveName: "all", EventSourceArn: busARN})
	if err != nil || all.State != "ENABLED" {
		t.Fatalf("%+v %v", all, err)
	}
	if _, err := f.svc.CreateArchive(ctx, region, events.ArchiveInput{ArchiveName: "big", EventSourceArn: busARN,
		EventPattern: `{"detail": {"n": [{"numeric": [">=", 3]}]}}`}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.CreateArchive(ctx, region, events.ArchiveInput{ArchiveName: "all", EventSourceArn: busARN})
	if err == nil || err.Error() != "ResourceAlreadyExistsException: Archive all already exists." {
		t.Errorf("duplicate: %v", err)
	}
	ruleARN := f.putRule("r", "", `{"source": ["shop"]}`)
	f.putTargets("r", "", events.Target{Id: "q", Arn: queueA})
	for i := range 5 {
		f.putEvents(order(fmt.Sprintf(`{"n": %d}`, i)))
	}
	f.advance(0)
	f.targets.to(queueA)
	for name, want := range map[string]int64{"all": 5, "big": 2} {
		d, err := f.svc.DescribeArchive(ctx, region, name)
		if err != nil || d.EventCount != want || d.SizeBytes == 0 {
			t.Errorf("archive %s: %+v %v", name, d, err)
		}
	}
	// The archive's times are the store's, which is the real clock.
	now := time.Now()
	r, err := f.svc.StartReplay(ctx, region, events.ReplayInput{ReplayName: "again", EventSourceArn: all.ArchiveArn,
		DestinationArn: busARN, FilterArns: []string{ruleARN}, EventStartTime: now.Add(-time.Hour), EventEndTime: now.Add(time.Hour)})
	if err != nil || r.State != "STARTING" {
		t.Fatalf("%+v %v", r, err)
	}
	f.advance(0)
	got := f.targets.to(queueA)
	if len(got) != 5 {
		t.Fatalf("replayed %d events, want 5", len(got))
	}
	env := envelope(t, got[0].Body)
	if env["replay-name"] != "again" {
		t.Errorf("replayed event without replay-name: %s", got[0].Body)
	}
	if d, _ := f.svc.DescribeReplay(ctx, region, "again"); d.State != "COMPLETED" || d.EventLastReplayedTime.IsZero() {
		t.Errorf("replay %+v", d)
	}
	if d, _ := f.svc.DescribeArchive(ctx, region, "all"); d.EventCount != 5 {
		t.Errorf("replayed events were archived again: %d", d.EventCount)
	}
	_, err = f.svc.StartReplay(ctx, region, events.ReplayInput{ReplayName: "bad", EventSourceArn: all.ArchiveArn,
		DestinationArn: busARN, EventStartTime: now, EventEndTime: now.Add(-time.Hour)})
	if err == nil || err.Error() != "ValidationException: Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime." {
		t.Errorf("window: %v", err)
	}
	if err := f.svc.DeleteArchive(ctx, region, "all"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DescribeArchive(ctx, region, "all"); err == nil || err.Error() != "ResourceNotFoundException: Archive all does not exist." {
		t.Errorf("deleted: %v", err)
	}
}
