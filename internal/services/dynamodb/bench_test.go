package dynamodb

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// Benchmarks of the domain on Pebble with synced writes, for comparison
// as the engine changes: go test -bench . -run ^$ ./internal/services/dynamodb
// Each reports cpu-ns/op besides ns/op.

// reportCPU starts counting the process's CPU time (every thread's: the
// request's, Pebble's, the GC's); the returned func reports it per
// operation. Unlike ns/op it does not grow when other processes load the
// machine, and it leaves out the wait for fsync.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkPutItem(b *testing.B) {
	s, _ := newService(b)
	createTable(b, s, "tab1")
	ctx := context.Background()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		item := js[Item](b, fmt.Sprintf(`{"pk": {"S": "p%d"}, "sk": {"N": "1"}, "v": {"S": "some payload of a few bytes"}}`, i))
		if _, err := s.PutItem(ctx, scope, &PutItemInput{TableName: "tab1", Item: item}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetItem(b *testing.B) {
	s, _ := newService(b)
	createTable(b, s, "tab1")
	put(b, s, `{"pk": {"S": "p"}, "sk": {"N": "1"}, "v": {"S": "x"}}`)
	ctx := context.Background()
	in := &GetItemInput{TableName: "tab1", Key: js[Item](b, `{"pk": {"S": "p"}, "sk": {"N": "1"}}`)}
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		if _, err := s.GetItem(ctx, scope, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuery100(b *testing.B) {
	s, _ := newService(b)
	createTable(b, s, "tab1")
	for i := range 100 {
		put(b, s, fmt.Sprintf(`{"pk": {"S": "p"}, "sk": {"N": "%d"}, "v": {"S": "x"}}`, i))
	}
	ctx := context.Background()
	in := &QueryInput{TableName: "tab1", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: js[map[string]AttributeValue](b, `{":p": {"S": "p"}}`)}
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		if o, err := s.Query(ctx, scope, in); err != nil || o.Count != 100 {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransaction10(b *testing.B) {
	s, _ := newService(b)
	createTable(b, s, "tab1")
	ctx := context.Background()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		in := &TransactWriteItemsInput{}
		for j := range 10 {
			in.TransactItems = append(in.TransactItems, TransactWriteItem{Put: &TransactAction{TableName: "tab1",
				Item: js[Item](b, fmt.Sprintf(`{"pk": {"S": "p%d"}, "sk": {"N": "%d"}}`, i, j))}})
		}
		if _, err := s.TransactWriteItems(ctx, scope, in); err != nil {
			b.Fatal(err)
		}
	}
}
