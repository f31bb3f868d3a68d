package dynamodb

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCrashChild is the child of TestCrash: it writes items (each with a
// two-item transaction) and prints each acknowledged number, until it is
// killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("NUBO_DYNAMODB_CRASH_DIR")
	if dir == "" {
		t.Skip("run by TestCrash")
	}
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := open(t, dir, c)
	createTable(t, s, "tab1")
	ctx := context.Background()
	for i := 0; ; i++ {
		_, err := s.TransactWriteItems(ctx, scope, js[*TransactWriteItemsInput](t, fmt.Sprintf(`{"TransactItems": [
			{"Put": {"TableName": "tab1", "Item": {"pk": {"S": "a"}, "sk": {"N": "%d"}}}},
			{"Put": {"TableName": "tab1", "Item": {"pk": {"S": "b"}, "sk": {"N": "%d"}}}}]}`, i, i)))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("ack %d\n", i)
	}
}

// TestCrash kills a writing child with SIGKILL and checks that every
// acknowledged write survived and that no transaction is half applied.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), "NUBO_DYNAMODB_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked, _ = strconv.Atoi(n)
			if acked == 300 {
				cmd.Process.Kill()
				break
			}
		}
	}
	// Acknowledgements printed after the one read may be in the pipe.
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked, _ = strconv.Atoi(n)
		}
	}
	cmd.Wait()
	if acked < 300 {
		t.Fatalf("child acknowledged only %d writes", acked)
	}
	s := open(t, dir, &clock{t: time.Unix(1_700_000_000, 0)})
	ctx := context.Background()
	count := func(pk string) int {
		o, err := s.Query(ctx, scope, &QueryInput{TableName: "tab1", KeyConditionExpression: "pk = :p", Select: "COUNT",
			ExpressionAttributeValues: js[map[string]AttributeValue](t, `{":p": {"S": "`+pk+`"}}`)})
		if err != nil {
			t.Fatal(err)
		}
		return o.Count
	}
	a, b := count("a"), count("b")
	if a != b {
		t.Errorf("half-applied transaction: %d items of a, %d of b", a, b)
	}
	if a < acked+1 {
		t.Errorf("lost acknowledged writes: %d stored, %d acknowledged", a, acked+1)
	}
	t.Logf("%d acknowledged, %d stored", acked+1, a)
}
