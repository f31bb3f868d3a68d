package sqsapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

type startMessageMoveTaskInput struct {
	SourceArn                    string `json:"SourceArn"`
	DestinationArn               string `json:"DestinationArn"`
	MaxNumberOfMessagesPerSecond int    `json:"MaxNumberOfMessagesPerSecond"`
}

func (in *startMessageMoveTaskInput) Resource(ctx context.Context) string { return in.SourceArn }

type taskHandle struct {
	TaskHandle string `json:"TaskHandle"`
}

// Resource is the source queue the handle names.
func (in *taskHandle) Resource(ctx context.Context) string { return sqs.TaskSource(in.TaskHandle) }

func (h handler) startMessageMoveTask(ctx context.Context, in *startMessageMoveTaskInput) (*taskHandle, error) {
	if in.SourceArn == "" {
		return nil, awserr.New(sqs.ErrMissingParameter, "The request must contain the parameter SourceArn.")
	}
	handle, err := h.svc.StartMoveTask(ctx, in.SourceArn, in.DestinationArn, in.MaxNumberOfMessagesPerSecond)
	if err != nil {
		return nil, err
	}
	return &taskHandle{handle}, nil
}

type moveTask struct {
	TaskHandle                        string `json:"TaskHandle,omitempty"`
	Status                            string `json:"Status"`
	SourceArn                         string `json:"SourceArn"`
	DestinationArn                    string `json:"DestinationArn,omitempty"`
	MaxNumberOfMessagesPerSecond      int    `json:"MaxNumberOfMessagesPerSecond,omitempty"`
	ApproximateNumberOfMessagesMoved  int64  `json:"ApproximateNumberOfMessagesMoved"`
	ApproximateNumberOfMessagesToMove int64  `json:"ApproximateNumberOfMessagesToMove"`
	FailureReason                     string `json:"FailureReason,omitempty"`
	StartedTimestamp                  int64  `json:"StartedTimestamp"`
}

type listMessageMoveTasksInput struct {
	SourceArn  string `json:"SourceArn"`
	MaxResults int    `json:"MaxResults"`
}

func (in *listMessageMoveTasksInput) Resource(ctx context.Context) string { return in.SourceArn }

type listMessageMoveTasksOutput struct {
	Results []moveTask `json:"Results" query:"ListMessageMoveTasksResultEntry,flat"`
}

func (h handler) listMessageMoveTasks(ctx context.Context, in *listMessageMoveTasksInput) (*listMessageMoveTasksOutput, error) {
	tasks, err := h.svc.MoveTasks(in.SourceArn, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &listMessageMoveTasksOutput{Results: []moveTask{}}
	for _, t := range tasks {
		mt := moveTask{Status: t.Status, SourceArn: t.SourceArn, DestinationArn: t.DestinationArn, MaxNumberOfMessagesPerSecond: t.MaxPerSecond,
			ApproximateNumberOfMessagesMoved: t.Moved, ApproximateNumberOfMessagesToMove: t.ToMove, FailureReason: t.FailureReason,
			StartedTimestamp: t.Started.UnixMilli()}
		if t.Status == "RUNNING" {
			mt.TaskHandle = t.TaskHandle
		}
		out.Results = append(out.Results, mt)
	}
	return out, nil
}

type cancelMessageMoveTaskOutput struct {
	ApproximateNumberOfMessagesMoved int64 `json:"ApproximateNumberOfMessagesMoved"`
}

func (h handler) cancelMessageMoveTask(ctx context.Context, in *taskHandle) (*cancelMessageMoveTaskOutput, error) {
	moved, err := h.svc.CancelMoveTask(in.TaskHandle)
	if err != nil {
		return nil, err
	}
	return &cancelMessageMoveTaskOutput{moved}, nil
}
