package s3

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// EventMessage is what S3 sends to a Lambda function, SQS queue or SNS
// topic: one record per message.
type EventMessage struct {
	Records []EventRecord `json:"Records"`
}

// EventRecord is one S3 event notification record, member for member as
// AWS writes it.
type EventRecord struct {
	EventVersion      string            `json:"eventVersion"`
	EventSource       string            `json:"eventSource"`
	AWSRegion         string            `json:"awsRegion"`
	EventTime         string            `json:"eventTime"`
	EventName         string            `json:"eventName"`
	UserIdentity      PrincipalIdentity `json:"userIdentity"`
	RequestParameters struct {
		SourceIPAddress string `json:"sourceIPAddress"`
	} `json:"requestParameters"`
	ResponseElements struct {
		RequestID string `json:"x-amz-request-id"`
		ID2       string `json:"x-amz-id-2"`
	} `json:"responseElements"`
	S3 EventS3 `json:"s3"`
}

// PrincipalIdentity names who caused an event, or owns a bucket.
type PrincipalIdentity struct {
	PrincipalID string `json:"principalId"`
}

// EventS3 is a record's s3 member.
type EventS3 struct {
	SchemaVersion   string      `json:"s3SchemaVersion"`
	ConfigurationID string      `json:"configurationId"`
	Bucket          EventBucket `json:"bucket"`
	Object          EventObject `json:"object"`
}

// EventBucket is the bucket of an event.
type EventBucket struct {
	Name          string            `json:"name"`
	OwnerIdentity PrincipalIdentity `json:"ownerIdentity"`
	ARN           string            `json:"arn"`
}

// EventObject is the object of an event. Key is URL-encoded (a space is
// "+"); size and eTag are absent for deletions.
type EventObject struct {
	Key       string `json:"key"`
	Size      *int64 `json:"size,omitempty"`
	ETag      string `json:"eTag,omitempty"`
	VersionID string `json:"versionId,omitempty"`
	Sequencer string `json:"sequencer"`
}

// TestEvent is what S3 sends each queue and topic of a new notification
// configuration.
type TestEvent struct {
	Service   string `json:"Service"`
	Event     string `json:"Event"`
	Time      string `json:"Time"`
	Bucket    string `json:"Bucket"`
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
}

// eventTimeFormat is ISO 8601 with milliseconds, as S3 writes eventTime.
const eventTimeFormat = "2006-01-02T15:04:05.000Z"

// EncodeEventKey encodes an object key as S3's event records carry it:
// form-encoded (a space becomes "+"), slashes kept.
func EncodeEventKey(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}

// eventContext is what a record says besides the object.
type eventContext struct {
	region, bucket, owner string
	caller                Caller
	now                   time.Time
	versioned             bool
}

// record builds the record of event about v for configuration id.
func (ec *eventContext) record(event, configID string, v *version) EventRecord {
	r := EventRecord{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: ec.region,
		EventTime: ec.now.UTC().Format(eventTimeFormat),
		EventName: strings.TrimPrefix(event, "s3:"),
	}
	if strings.HasPrefix(event, "s3:LifecycleExpiration:") || strings.HasPrefix(event, "s3:ObjectTagging:") {
		r.EventVersion = "2.3" // what S3 writes for lifecycle and tagging events
	}
	r.UserIdentity.PrincipalID = ec.caller.PrincipalID
	r.RequestParameters.SourceIPAddress = ec.caller.SourceIP
	r.ResponseElements.RequestID = ec.caller.RequestID
	r.ResponseElements.ID2 = ec.caller.HostID
	r.S3 = EventS3{
		SchemaVersion: "1.0", ConfigurationID: configID,
		Bucket: EventBucket{Name: ec.bucket, OwnerIdentity: PrincipalIdentity{PrincipalID: ec.owner}, ARN: bucketARN(ec.bucket)},
		Object: EventObject{Key: EncodeEventKey(v.Key), Sequencer: fmt.Sprintf("%016X", v.Seq)},
	}
	if strings.HasPrefix(event, "s3:ObjectCreated:") {
		size := v.Size
		r.S3.Object.Size = &size
	}
	if !v.DeleteMarker && !strings.HasPrefix(event, "s3:ObjectRemoved:") && !strings.HasPrefix(event, "s3:LifecycleExpiration:") {
		r.S3.Object.ETag = strings.Trim(v.ETag, `"`)
	}
	if ec.versioned {
		r.S3.Object.VersionID = v.ID
	}
	return r
}

// bridgeEvent is the event S3 puts on EventBridge's default bus.
type bridgeEvent struct {
	Version    string       `json:"version"`
	ID         string       `json:"id"`
	DetailType string       `json:"detail-type"`
	Source     string       `json:"source"`
	Account    string       `json:"account"`
	Time       string       `json:"time"`
	Region     string       `json:"region"`
	Resources  []string     `json:"resources"`
	Detail     bridgeDetail `json:"detail"`
}

type bridgeDetail struct {
	Version string `json:"version"`
	Bucket  struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      *int64 `json:"size,omitempty"`
		ETag      string `json:"etag,omitempty"`
		VersionID string `json:"version-id,omitempty"`
		Sequencer string `json:"sequencer"`
	} `json:"object"`
	RequestID       string `json:"request-id"`
	Requester       string `json:"requester"`
	SourceIPAddress string `json:"source-ip-address"`
	Reason          string `json:"reason,omitempty"`
	DeletionType    string `json:"deletion-type,omitempty"`
}

// bridgeTypes maps an event to its EventBridge detail-type, reason and
// deletion-type.
var bridgeTypes = map[string][3]string{
	eventPut:                 {"Object Created", "PutObject"},
	eventPost:                {"Object Created", "POST Object"},
	eventCopy:                {"Object Created", "CopyObject"},
	eventComplete:            {"Object Created", "CompleteMultipartUpload"},
	eventDelete:              {"Object Deleted", "DeleteObject", "Permanently Deleted"},
	eventDeleteMarker:        {"Object Deleted", "DeleteObject", "Delete Marker Created"},
	eventExpirationDelete:    {"Object Deleted", "Lifecycle Expiration", "Permanently Deleted"},
	eventExpirationDelMarker: {"Object Deleted", "Lifecycle Expiration", "Delete Marker Created"},
	eventTaggingPut:          {"Object Tags Added"},
	eventTaggingDelete:       {"Object Tags Deleted"},
}

// bridge builds the EventBridge event of event about v, or false for an
// event EventBridge does not get.
func (ec *eventContext) bridge(event, account string, v *version) (bridgeEvent, bool) {
	t, ok := bridgeTypes[event]
	if !ok {
		return bridgeEvent{}, false
	}
	e := bridgeEvent{
		Version: "0", ID: uuid.NewString(), DetailType: t[0], Source: "aws.s3", Account: account,
		Time: ec.now.UTC().Format(time.RFC3339), Region: ec.region, Resources: []string{bucketARN(ec.bucket)},
	}
	d := &e.Detail
	d.Version = "0"
	d.Bucket.Name = ec.bucket
	d.Object.Key = v.Key
	d.Object.Sequencer = fmt.Sprintf("%016X", v.Seq)
	if ec.versioned {
		d.Object.VersionID = v.ID
	}
	if t[0] == "Object Created" {
		size := v.Size
		d.Object.Size = &size
	}
	if t[0] != "Object Deleted" {
		d.Object.ETag = strings.Trim(v.ETag, `"`)
	}
	d.RequestID, d.Requester, d.SourceIPAddress = ec.caller.RequestID, ec.caller.Account, ec.caller.SourceIP
	d.Reason, d.DeletionType = t[1], t[2]
	return e, true
}
