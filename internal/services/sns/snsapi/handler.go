// Package snsapi is the SNS service's wire package: its operations,
// declared to the wire layer, which serves them in the query protocol
// (form-encoded Action=<Op>, XML responses) that the AWS SDKs and the CLI
// speak, and the signing certificate of its envelopes.
package snsapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/wire"
)

type handler struct{ svc *sns.Service }

// New returns SNS's service for the wire layer. Besides signed requests
// it serves the SubscribeURL and UnsubscribeURL of HTTP deliveries
// (unsigned GETs under sns.ConfirmPath, which the subscription's token or
// unguessable ARN authenticates, and which a person may open in a
// browser).
func New(svc *sns.Service, log *slog.Logger) *wire.Service {
	h := handler{svc}
	return &wire.Service{
		Name:  "sns",
		Query: &wire.QueryProtocol{Namespace: "http://sns.amazonaws.com/doc/2010-03-31/"},
		Paths: []string{sns.ConfirmPath},
		Errors: wire.Errors{
			Internal:        sns.ErrInternal,
			InternalMessage: "Internal Error",
			BadRequest:      sns.ErrInvalidParameter,
			MaxBody:         2 << 20,
			TooLarge:        awserr.New(sns.ErrInvalidParameter, "Invalid parameter: the request could not be read"),
		},
		Log:            log,
		Home:           svc.Account(),
		Unsigned:       []string{sns.ConfirmPath},
		Browsers:       confirmLink,
		ResourcePolicy: h.policy,
		AccessDenied:   accessDenied,
		Ops: []wire.Op{
			wire.Operation("CreateTopic", h.createTopic),
			wire.NoOutput("DeleteTopic", h.deleteTopic),
			wire.Operation("ListTopics", h.listTopics).AnyResource(),
			wire.Operation("GetTopicAttributes", h.getTopicAttributes),
			wire.NoOutput("SetTopicAttributes", h.setTopicAttributes),
			wire.Operation("Subscribe", h.subscribe),
			wire.Operation("ConfirmSubscription", h.confirmSubscription).Unsigned(),
			wire.NoOutput("Unsubscribe", h.unsubscribe).Unsigned(),
			wire.Operation("ListSubscriptions", h.listSubscriptions).AnyResource(),
			wire.Operation("ListSubscriptionsByTopic", h.listSubscriptionsByTopic),
			wire.Operation("GetSubscriptionAttributes", h.getSubscriptionAttributes),
			wire.NoOutput("SetSubscriptionAttributes", h.setSubscriptionAttributes),
			wire.Operation("Publish", h.publish),
			wire.Operation("PublishBatch", h.publishBatch).Action("sns:Publish"),
			wire.Operation("TagResource", h.tagResource),
			wire.Operation("UntagResource", h.untagResource),
			wire.Operation("ListTagsForResource", h.listTagsForResource),
		},
	}
}

// CertificateHandler serves the certificate that signs envelopes (their
// SigningCertURL).
func CertificateHandler(svc *sns.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(svc.Certificate())
	})
}

// confirmLink admits the browser that follows a SubscribeURL or
// UnsubscribeURL link, as AWS serves them to anyone holding the link.
func confirmLink(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, sns.ConfirmPath)
}

// policy is the access policy of the topic an ARN names.
func (h handler) policy(ctx context.Context, arn string) (*policy.Document, string, error) {
	doc, err := h.svc.Policy(arn)
	return doc, "", err
}

// accessDenied words a refusal as SNS does: AuthorizationError, with the
// action as "SNS:Publish".
func accessDenied(d *iam.Denied) *awserr.Error {
	msg := d.Message
	if rest, ok := strings.CutPrefix(d.Action, "sns:"); ok {
		msg = d.Decision.Message(d.Caller, "SNS:"+rest, d.Resource)
	}
	return awserr.New(sns.ErrAuthorization, "%s", msg)
}

// topicOf is the topic of a subscription ARN (TOPIC-ARN:ID).
func topicOf(subscriptionARN string) string {
	i := strings.LastIndexByte(subscriptionARN, ':')
	if i < 0 || !strings.HasPrefix(subscriptionARN, "arn:") {
		return ""
	}
	return subscriptionARN[:i]
}

// required refuses a missing parameter as SNS does.
func required(name, value string) error {
	if value == "" {
		return awserr.New(sns.ErrInvalidParameter, "Invalid parameter: %s", name)
	}
	return nil
}

// page cuts a list at NextToken (an index) into pages of 100.
func page[T any](items []T, token string) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", awserr.New(sns.ErrInvalidParameter, "Invalid parameter: NextToken")
		}
		start = n
	}
	end := min(start+100, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

// empty is the output of operations whose result has no members.
type empty struct{}
