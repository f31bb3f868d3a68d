package sqs

import "testing"

func TestTaskHandleNamesItsSource(t *testing.T) {
	src := "arn:aws:sqs:us-east-1:000000000000:dead"
	if got := TaskSource(newTaskHandle(src)); got != src {
		t.Errorf("TaskSource = %q, want %q", got, src)
	}
	for _, bad := range []string{"", "not base64!", "bm90IGpzb24="} {
		if got := TaskSource(bad); got != "" {
			t.Errorf("TaskSource(%q) = %q", bad, got)
		}
	}
}

func FuzzTaskSource(f *testing.F) {
	f.Add(newTaskHandle("arn:aws:sqs:us-east-1:000000000000:q"))
	f.Add("eyJ0YXNrSWQiOjF9")
	f.Fuzz(func(t *testing.T, handle string) {
		TaskSource(handle) // any string: a source or "", never a panic
	})
}
