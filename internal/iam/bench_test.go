package iam

import (
	"context"
	"io"
	"strings"
	"testing"
)

// BenchmarkAuthenticate is what identifying a caller costs a request once
// its principal is cached: the signature's verification and a cache hit.
func BenchmarkAuthenticate(b *testing.B) {
	h := newHarness(&testing.T{})
	key, secret := h.user("alice")
	r := h.request(key, secret, "", "sqs")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r.Body = io.NopCloser(strings.NewReader(`{}`))
		if _, err := h.svc.Authenticate(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorize is one decision over a user's managed and inline
// policies.
func BenchmarkAuthorize(b *testing.B) {
	h := newHarness(&testing.T{})
	ctx := context.Background()
	key, secret := h.user("alice")
	must(struct{}{}, h.svc.AttachUserPolicy(ctx, h.root, &PolicyAttachmentInput{UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/AmazonSQSFullAccess"}))
	must(struct{}{}, h.svc.PutUserPolicy(ctx, h.root, &InlinePolicyInput{UserName: "alice", PolicyName: "p",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sqs:DeleteQueue","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`}))
	p := h.mustLogin(key, secret, "")
	c := Check{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:123456789012:q"}
	b.ReportAllocs()
	for b.Loop() {
		if err := h.svc.Authorize(p, c); err != nil {
			b.Fatal(err)
		}
	}
}
