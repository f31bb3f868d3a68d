package sqs

import (
	"encoding/base64"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/iam/policy"
)

// Policy is the queue policy (the Policy attribute) of the queue an ARN
// names: nil when it has none, or when there is no such queue (the
// operation then says so).
func (s *Service) Policy(arn string) (*policy.Document, error) {
	q, err := s.queueByARN(arn)
	if err != nil {
		return nil, nil
	}
	q.mu.Lock()
	text := q.attrs[attrPolicy]
	q.mu.Unlock()
	if text == "" {
		return nil, nil
	}
	return s.policies.Parse(text, policy.Resource)
}

// taskHandle is what a message move task's handle carries, as AWS's
// handles do: the task and its source queue.
type taskHandle struct {
	TaskID    string `json:"taskId"`
	SourceArn string `json:"sourceArn"`
}

func newTaskHandle(sourceARN string) string {
	b, _ := json.Marshal(taskHandle{TaskID: uuid.NewString(), SourceArn: sourceARN})
	return base64.StdEncoding.EncodeToString(b)
}

// TaskSource is the source queue ARN a task handle names, "" for a handle
// that is not one.
func TaskSource(handle string) string {
	b, err := base64.StdEncoding.DecodeString(handle)
	var h taskHandle
	if err != nil || json.Unmarshal(b, &h) != nil {
		return ""
	}
	return h.SourceArn
}
