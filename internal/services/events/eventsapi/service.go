// Package eventsapi is EventBridge's wire package: its operations,
// declared to the wire layer, which serves them in AWS JSON 1.1
// (X-Amz-Target: AWSEvents.<Op>, signing name "events").
package eventsapi

import (
	"log/slog"
	"net/http"
	"strings"

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
		Log:            log,
		Home:           svc.Account(),
		ResourcePolicy: h.policy,
		// PutEvents matches the rules this node has, as EventBridge's own
		// rules take effect within moments.
		Wrap: wire.Synced(svc.Sync, log, func(r *http.Request) bool {
			return strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".PutEvents")
		}),
		Ops: []wire.Op{
			wire.ResourceFrom(wire.Operation("CreateEventBus", h.createEventBus), h.busOf),
			wire.ResourceFrom(wire.Operation("UpdateEventBus", h.updateEventBus), h.busOf),
			wire.ResourceFrom(wire.Operation("DescribeEventBus", h.describeEventBus), h.busNamed),
			wire.ResourceFrom(wire.NoOutput("DeleteEventBus", h.deleteEventBus), h.busNamed),
			wire.Operation("ListEventBuses", h.listEventBuses).AnyResource(),
			wire.ResourceFrom(wire.NoOutput("PutPermission", h.putPermission), h.permissionBus),
			wire.ResourceFrom(wire.NoOutput("RemovePermission", h.removePermission), h.permissionRemoved),
			wire.ResourceFrom(wire.Operation("TagResource", h.tagResource), tagged),
			wire.ResourceFrom(wire.Operation("UntagResource", h.untagResource), tagged),
			wire.ResourceFrom(wire.Operation("ListTagsForResource", h.listTagsForResource), tagged),

			wire.ResourceFrom(wire.Operation("PutRule", h.putRule), h.ruleOf),
			wire.ResourceFrom(wire.Operation("DescribeRule", h.describeRule), h.ruleNamed),
			wire.ResourceFrom(wire.NoOutput("DeleteRule", h.deleteRule), h.ruleNamed),
			wire.ResourceFrom(wire.NoOutput("EnableRule", h.enableRule), h.ruleNamed),
			wire.ResourceFrom(wire.NoOutput("DisableRule", h.disableRule), h.ruleNamed),
			wire.ResourceFrom(wire.Operation("ListRules", h.listRules), h.rulesOf),
			wire.ResourceFrom(wire.Operation("ListRuleNamesByTarget", h.listRuleNamesByTarget), h.rulesTargeting),
			wire.ResourceFrom(wire.Operation("PutTargets", h.putTargets), h.targetsRule),
			wire.ResourceFrom(wire.Operation("RemoveTargets", h.removeTargets), h.targetsRule),
			wire.ResourceFrom(wire.Operation("ListTargetsByRule", h.listTargetsByRule), h.targetsRule),
			wire.Operation("TestEventPattern", h.testEventPattern).AnyResource(),
			wire.AccessFrom(wire.Operation("PutEvents", h.putEvents), h.putEventsAccess),

			wire.AccessFrom(wire.Operation("CreateArchive", h.createArchive), h.createArchiveAccess),
			wire.ResourceFrom(wire.Operation("UpdateArchive", h.updateArchive), h.archiveOf),
			wire.ResourceFrom(wire.Operation("DescribeArchive", h.describeArchive), h.archiveOf),
			wire.ResourceFrom(wire.Operation("DeleteArchive", h.deleteArchive), h.archiveOf),
			wire.Operation("ListArchives", h.listArchives).AnyResource(),
			wire.AccessFrom(wire.Operation("StartReplay", h.startReplay), h.startReplayAccess),
			wire.ResourceFrom(wire.Operation("DescribeReplay", h.describeReplay), h.replayOf),
			wire.ResourceFrom(wire.Operation("CancelReplay", h.cancelReplay), h.replayOf),
			wire.Operation("ListReplays", h.listReplays).AnyResource(),

			wire.ResourceFrom(wire.Operation("CreateConnection", h.createConnection), h.connectionOf),
			wire.ResourceFrom(wire.Operation("UpdateConnection", h.updateConnection), h.connectionOf),
			wire.ResourceFrom(wire.Operation("DescribeConnection", h.describeConnection), h.connectionOf),
			wire.ResourceFrom(wire.Operation("DeauthorizeConnection", h.deauthorizeConnection), h.connectionOf),
			wire.ResourceFrom(wire.Operation("DeleteConnection", h.deleteConnection), h.connectionOf),
			wire.Operation("ListConnections", h.listConnections).AnyResource(),
			wire.ResourceFrom(wire.Operation("CreateApiDestination", h.createApiDestination), h.destinationOf),
			wire.ResourceFrom(wire.Operation("UpdateApiDestination", h.updateApiDestination), h.destinationOf),
			wire.ResourceFrom(wire.Operation("DescribeApiDestination", h.describeApiDestination), h.destinationOf),
			wire.ResourceFrom(wire.Operation("DeleteApiDestination", h.deleteApiDestination), h.destinationOf),
			wire.Operation("ListApiDestinations", h.listApiDestinations).AnyResource(),
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
