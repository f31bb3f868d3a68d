// Package eventsapi is EventBridge's wire package: its operations,
// declared to the wire layer, which serves them in AWS JSON 1.1
// (X-Amz-Target: AWSEvents.<Op>, signing name "events").
package eventsapi

import (
	"log/slog"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/wire"
)

// maxBody bounds a request: PutEvents' 256 KB of entries, JSON-escaped.
const maxBody = 4 << 20

type handler struct{ svc *events.Service }

// New returns EventBridge's service for the wire layer.
func New(svc *events.Service, log *slog.Logger) *wire.Service {
	h := handler{svc}
	return &wire.Service{
		Name: "events",
		JSON: &wire.JSONProtocol{Target: "AWSEvents", Version: "1.1"},
		Errors: wire.Errors{
			Internal: events.ErrInternal,
			MaxBody:  maxBody,
			TooLarge: awserr.New(events.ErrValidation, "Total size of the entries in the request is over the limit."),
		},
		Log: log,
		Ops: []wire.Op{
			wire.Operation("CreateEventBus", h.createEventBus),
			wire.Operation("UpdateEventBus", h.updateEventBus),
			wire.Operation("DescribeEventBus", h.describeEventBus),
			wire.NoOutput("DeleteEventBus", h.deleteEventBus),
			wire.Operation("ListEventBuses", h.listEventBuses),
			wire.NoOutput("PutPermission", h.putPermission),
			wire.NoOutput("RemovePermission", h.removePermission),
			wire.Operation("TagResource", h.tagResource),
			wire.Operation("UntagResource", h.untagResource),
			wire.Operation("ListTagsForResource", h.listTagsForResource),

			wire.Operation("PutRule", h.putRule),
			wire.Operation("DescribeRule", h.describeRule),
			wire.NoOutput("DeleteRule", h.deleteRule),
			wire.NoOutput("EnableRule", h.enableRule),
			wire.NoOutput("DisableRule", h.disableRule),
			wire.Operation("ListRules", h.listRules),
			wire.Operation("ListRuleNamesByTarget", h.listRuleNamesByTarget),
			wire.Operation("PutTargets", h.putTargets),
			wire.Operation("RemoveTargets", h.removeTargets),
			wire.Operation("ListTargetsByRule", h.listTargetsByRule),
			wire.Operation("TestEventPattern", h.testEventPattern),
			wire.Operation("PutEvents", h.putEvents),

			wire.Operation("CreateArchive", h.createArchive),
			wire.Operation("UpdateArchive", h.updateArchive),
			wire.Operation("DescribeArchive", h.describeArchive),
			wire.Operation("DeleteArchive", h.deleteArchive),
			wire.Operation("ListArchives", h.listArchives),
			wire.Operation("StartReplay", h.startReplay),
			wire.Operation("DescribeReplay", h.describeReplay),
			wire.Operation("CancelReplay", h.cancelReplay),
			wire.Operation("ListReplays", h.listReplays),

			wire.Operation("CreateConnection", h.createConnection),
			wire.Operation("UpdateConnection", h.updateConnection),
			wire.Operation("DescribeConnection", h.describeConnection),
			wire.Operation("DeauthorizeConnection", h.deauthorizeConnection),
			wire.Operation("DeleteConnection", h.deleteConnection),
			wire.Operation("ListConnections", h.listConnections),
			wire.Operation("CreateApiDestination", h.createApiDestination),
			wire.Operation("UpdateApiDestination", h.updateApiDestination),
			wire.Operation("DescribeApiDestination", h.describeApiDestination),
			wire.Operation("DeleteApiDestination", h.deleteApiDestination),
			wire.Operation("ListApiDestinations", h.listApiDestinations),
		},
	}
}

// empty is the output of operations whose model output has no members.
type empty struct{}

// page is the paging members of List operations.
type page struct {
	NextToken string `json:"NextToken"`
	Limit     *int32 `json:"Limit"`
}
