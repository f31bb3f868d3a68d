package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
)

// mountTmpfs mounts a tmpfs of size bytes for a data directory; it skips
// the test when it cannot (not root; CI runs as root).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("full-disk test needs to mount a tmpfs (root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fillDisk writes a file that leaves about leave bytes free on dir's disk
// and returns its path.
func fillDisk(t *testing.T, dir string, leave uint64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := st.Bavail * uint64(st.Bsize)
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if free > leave {
		if err := f.Truncate(0); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1<<20)
		for left := free - leave; left > 0; {
			n := min(left, uint64(len(buf)))
			if _, err := f.Write(buf[:n]); err != nil {
				break
			}
			left -= n
		}
	}
	return path
}

// unavailable checks that err is a 503 with the error code want.
func unavailable(t *testing.T, what string, err error, want string) {
	t.Helper()
	var re interface{ HTTPStatusCode() int }
	var ae smithy.APIError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 503 || !errors.As(err, &ae) || ae.ErrorCode() != want {
		t.Errorf("%s on a full disk: got %v, want a 503 %s", what, err, want)
	}
}

// retry calls op until it succeeds, for at most 30 s.
func retry(t *testing.T, what string, op func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := op()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s once the disk has room: still failing after 30 s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// refused calls op until it fails, for at most 30 s.
func refused(t *testing.T, op func() error) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); op() == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("writes still succeed on a full disk")
		}
	}
}

func groupBytes(t *testing.T, c *cloudwatchlogs.Client, name string) int64 {
	t.Helper()
	out, err := c.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	if err != nil || len(out.LogGroups) != 1 {
		t.Fatalf("DescribeLogGroups %s: %v", name, err)
	}
	return aws.ToInt64(out.LogGroups[0].StoredBytes)
}

// On a full data directory (issue 14): writes that are not stored fail
// with 503 and change nothing, deletions work, code that does not fit is
// a storage error, and nubo recovers by itself once there is room.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 64<<20)
	n := startNubo(t, dir)
	ctx := context.Background()
	lc, qc, wc := n.client, n.sqs(), n.logsClient()
	n.createNamed(t, "keep")
	n.createNamed(t, "doomed")
	url := n.createQueue(t, qc, "full", nil)
	for i := 0; i < 5; i++ {
		if _, err := qc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("m")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []string{"/full/keep", "/full/doomed"} {
		if _, err := wc.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
		if _, err := wc.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(g), LogStreamName: aws.String("s")}); err != nil {
			t.Fatal(err)
		}
	}
	put := func() error {
		_, err := wc.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("/full/keep"), LogStreamName: aws.String("s"),
			LogEvents: []logtypes.InputLogEvent{{Timestamp: aws.Int64(time.Now().UnixMilli()), Message: aws.String(strings.Repeat("x", 800))}}})
		return err
	}
	if err := put(); err != nil {
		t.Fatal(err)
	}

	filler := fillDisk(t, dir, 1<<20)
	refused(t, put) // the store measures free space at most every 100 ms
	stored := groupBytes(t, wc, "/full/keep")
	for i := 0; i < 10; i++ {
		unavailable(t, "PutLogEvents", put(), "ServiceUnavailableException")
	}
	if got := groupBytes(t, wc, "/full/keep"); got != stored {
		t.Errorf("storedBytes after refused PutLogEvents: %d, want %d", got, stored)
	}
	_, err := qc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("lost")})
	unavailable(t, "SendMessage", err, "ServiceUnavailable")
	_, err = lc.CreateFunction(ctx, createInput(t, "new"))
	unavailable(t, "CreateFunction", err, "ServiceUnavailableException")
	if _, err := lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("doomed")}); err != nil {
		t.Errorf("DeleteFunction on a full disk: %v", err)
	}
	if _, err := qc.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Errorf("PurgeQueue on a full disk: %v", err)
	}
	if _, err := wc.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/full/doomed")}); err != nil {
		t.Errorf("DeleteLogGroup on a full disk: %v", err)
	}

	os.Remove(filler)
	retry(t, "SendMessage", func() error {
		_, err := qc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("after")})
		return err
	})
	retry(t, "PutLogEvents", put)
	retry(t, "CreateFunction", func() error { _, err := lc.CreateFunction(ctx, createInput(t, "new")); return err })
	n.waitActive(t, "new")

	// A package whose files do not fit: a storage error, not a bad zip.
	fillDisk(t, dir, 12<<20)
	in := createInput(t, "big")
	in.Code.ZipFile = makeZip(t, "bootstrap", "#!/bin/sh\n", "blob", strings.Repeat("\x00", 16<<20))
	if _, err := lc.CreateFunction(ctx, in); err != nil {
		t.Fatal(err)
	}
	w := lambda.NewFunctionActiveV2Waiter(lc, fastActive)
	err = w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("big")}, waitLimit)
	out, gerr := lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("big")})
	if gerr != nil {
		t.Fatal(gerr)
	}
	if err == nil || out.Configuration.StateReasonCode != "InternalError" || !strings.Contains(aws.ToString(out.Configuration.StateReason), "disk") {
		t.Errorf("a package that does not fit on the disk: state %s, %s: %s", out.Configuration.State, out.Configuration.StateReasonCode, aws.ToString(out.Configuration.StateReason))
	}

	// What was deleted on the full disk stays deleted after a restart.
	n.stop()
	n = startNubo(t, dir)
	if _, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("doomed")}); err == nil {
		t.Error("the function deleted on a full disk is back after a restart")
	}
	if v, nv := queueCounts(t, n.sqs(), "http://"+n.addr+"/"+account+"/full"); v+nv != 1 {
		t.Errorf("after a restart the queue purged on a full disk holds %d messages, want the 1 sent after", v+nv)
	}
	groups, err := n.logsClient().DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/full/doomed")})
	if err != nil || len(groups.LogGroups) != 0 {
		t.Errorf("the log group deleted on a full disk after a restart: %v %v", groups, err)
	}
}
