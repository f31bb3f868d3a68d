package server_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	iamdomain "github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/server"
)

// otherAccount is a second account that tests start nubo with.
const (
	otherAccount = "111122223333"
	otherKey     = "AKIAOTHERACCOUNTROOT"
	otherSecret  = "other-account-secret"
)

func withOtherAccount(c *server.Config) {
	c.Accounts = []iamdomain.Account{{ID: otherAccount, AccessKeyID: otherKey, SecretAccessKey: otherSecret}}
}

func jsonEqual(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: %v: %s", what, err, got)
	}
	json.Unmarshal([]byte(want), &w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

// AddPermission, GetPolicy and RemovePermission as Lambda serves them:
// statements by kind of principal and condition, per qualifier, with AWS's
// errors.
func TestLambdaPermissions(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createNamed(t, "perm")
	n.publish(t, "perm")
	if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("perm"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	_, err := n.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("perm")})
	checkError(t, err, notFound("The resource you requested does not exist."))
	topic := "arn:aws:sns:" + n.region + ":" + account + ":news"
	out, err := n.client.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("perm"), StatementId: aws.String("sns"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("sns.amazonaws.com"), SourceArn: aws.String(topic), SourceAccount: aws.String(account)})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "statement", aws.ToString(out.Statement), `{"Sid":"sns","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"`+
		n.arn("perm")+`","Condition":{"StringEquals":{"AWS:SourceAccount":"`+account+`"},"ArnLike":{"AWS:SourceArn":"`+topic+`"}}}`)
	add := func(sid, principal, qualifier string) error {
		in := &lambda.AddPermissionInput{FunctionName: aws.String("perm"), StatementId: aws.String(sid), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String(principal)}
		if qualifier != "" {
			in.Qualifier = aws.String(qualifier)
		}
		_, err := n.client.AddPermission(ctx, in)
		return err
	}
	if err := add("acct", otherAccount, ""); err != nil {
		t.Fatal(err)
	}
	checkError(t, add("sns", "s3.amazonaws.com", ""), conflict("The statement id (sns) provided already exists. Please provide a new statement id, or remove the existing statement."))
	checkError(t, add("bad", "nobody", ""), invalidParam("The provided principal was invalid. Please check the principal and try again."))
	checkError(t, add("latest", "s3.amazonaws.com", "$LATEST"), invalidParam("We currently do not support adding policies for $LATEST."))
	checkError(t, add("nope", "s3.amazonaws.com", "nope"), notFound("Function not found: "+n.arn("perm")+":nope"))
	checkError(t, add("bad id!", "s3.amazonaws.com", ""), validation("1 validation error detected: Value 'bad id!' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)"))
	if err := add("alias", "events.amazonaws.com", "live"); err != nil {
		t.Fatal(err)
	}
	got, err := n.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("perm")})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "function policy", aws.ToString(got.Policy), `{"Version":"2012-10-17","Id":"default","Statement":[`+aws.ToString(out.Statement)+
		`,{"Sid":"acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+otherAccount+`:root"},"Action":"lambda:InvokeFunction","Resource":"`+n.arn("perm")+`"}]}`)
	live, err := n.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("perm"), Qualifier: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "alias policy", aws.ToString(live.Policy), `{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"alias","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"`+n.arn("perm")+`:live"}]}`)
	_, err = n.client.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("perm"), StatementId: aws.String("sns"), RevisionId: aws.String("stale")})
	checkError(t, err, precondition2())
	if _, err := n.client.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("perm"), StatementId: aws.String("sns"), RevisionId: got.RevisionId}); err != nil {
		t.Fatal(err)
	}
	_, err = n.client.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("perm"), StatementId: aws.String("sns")})
	checkError(t, err, notFound("Statement sns is not found in resource policy."))
	if _, err := n.client.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("perm"), StatementId: aws.String("acct")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("perm")})
	checkError(t, err, notFound("The resource you requested does not exist."))
	// Deleting the alias forgets its policy.
	if _, err := n.client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("perm"), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("perm"), Name: aws.String("live"), FunctionVersion: aws.String("1")})
	_, err = n.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("perm"), Qualifier: aws.String("live")})
	checkError(t, err, notFound("The resource you requested does not exist."))
}

func precondition2() apiError {
	return apiError{code: "PreconditionFailedException", status: 412,
		message: "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id"}
}

// Another account's principals use a function as its policy allows, and
// need their own account's permission too; they have no functions, queues
// or topics of their own.
func TestOtherAccounts(t *testing.T) {
	n := startNuboWith(t, "", withOtherAccount)
	ctx := context.Background()
	n.createGo(t, "shared", nil)
	other := lambda.NewFromConfig(n.configAs(otherKey, otherSecret, ""))
	invoke := func(c *lambda.Client) error {
		_, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(n.arn("shared"))})
		return err
	}
	checkError(t, invoke(other), apiError{code: "AccessDeniedException", status: 403, message: "User: arn:aws:iam::" + otherAccount +
		":root is not authorized to perform: lambda:InvokeFunction on resource: " + n.arn("shared") + " because no resource-based policy allows the lambda:InvokeFunction action"})
	if _, err := n.client.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("shared"), StatementId: aws.String("other"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String(otherAccount)}); err != nil {
		t.Fatal(err)
	}
	if err := invoke(other); err != nil {
		t.Fatalf("the other account's root, allowed by the function's policy: %v", err)
	}
	_, err := other.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(n.arn("shared"))})
	checkError(t, err, apiError{code: "AccessDeniedException", status: 403})

	// The other account's users are its own, and need its permission.
	oiam := iam.NewFromConfig(n.configAs(otherKey, otherSecret, ""))
	if _, err := oiam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("visitor")}); err != nil {
		t.Fatal(err)
	}
	key, err := oiam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("visitor")})
	if err != nil {
		t.Fatal(err)
	}
	visitor := lambda.NewFromConfig(n.configAs(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	checkError(t, invoke(visitor), apiError{code: "AccessDeniedException", status: 403})
	if _, err := oiam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("visitor"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(allow("lambda:InvokeFunction", "*"))}); err != nil {
		t.Fatal(err)
	}
	if err := invoke(visitor); err != nil {
		t.Fatalf("the other account's user, allowed by both: %v", err)
	}
	if _, err := iamClient(n.addr, "test", "test", "").GetUser(ctx, &iam.GetUserInput{UserName: aws.String("visitor")}); err == nil {
		t.Error("the other account's user is in this account too")
	}

	// Nothing of its own here.
	list, err := other.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil || len(list.Functions) != 0 {
		t.Errorf("ListFunctions in the other account: %+v %v", list, err)
	}
	in := createInput(t, "mine")
	in.Role = aws.String("arn:aws:iam::" + otherAccount + ":role/any")
	_, err = other.CreateFunction(ctx, in)
	checkError(t, err, apiError{code: "AccessDeniedException", status: 403, message: "nubo keeps lambda resources in account " + account +
		" only: account " + otherAccount + " has none of its own, and uses those of " + account + " by ARN, as their policies allow."})
	queues, err := sqs.NewFromConfig(n.configAs(otherKey, otherSecret, "")).ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil || len(queues.QueueUrls) != 0 {
		t.Errorf("ListQueues in the other account: %+v %v", queues, err)
	}
}

// SNS delivers to a queue and to a function only as their policies allow
// it, for the topic its subscription is of.
func TestDeliveriesFollowResourcePolicies(t *testing.T) {
	n := startNubo(t, "")
	ctx := context.Background()
	topics, q := n.sns(), n.sqs()
	topic := topicARN("alerts")
	if _, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alerts")}); err != nil {
		t.Fatal(err)
	}
	inbox := n.createQueue(t, q, "inbox", nil)
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &topic, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN("inbox"))}); err != nil {
		t.Fatal(err)
	}
	publish := func(msg string) {
		t.Helper()
		if _, err := topics.Publish(ctx, &sns.PublishInput{TopicArn: &topic, Message: aws.String(msg)}); err != nil {
			t.Fatal(err)
		}
	}
	waiting := func() int {
		t.Helper()
		// Deliveries to queues are stored before Publish answers.
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &inbox, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Messages)
	}
	setPolicy := func(source string) {
		t.Helper()
		if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &inbox, Attributes: fromTopic("inbox", source, nil)}); err != nil {
			t.Fatal(err)
		}
	}
	publish("without a policy")
	if got := waiting(); got != 0 {
		t.Errorf("delivered to a queue whose policy does not allow SNS: %d", got)
	}
	setPolicy(topicARN("another-topic"))
	publish("allowed for another topic")
	if got := waiting(); got != 0 {
		t.Errorf("delivered for a topic the policy does not name: %d", got)
	}
	setPolicy(topic)
	publish("allowed")
	if got := waiting(); got != 1 {
		t.Errorf("delivered %d with the policy naming the topic, want 1", got)
	}

	s := newSink(t)
	n.createSQSFunction(t, "alerted", s)
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &topic, Protocol: aws.String("lambda"), Endpoint: aws.String(fnARN("alerted"))}); err != nil {
		t.Fatal(err)
	}
	publish("first, before the permission")
	if _, err := n.client.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("alerted"), StatementId: aws.String("sns"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("sns.amazonaws.com"), SourceArn: &topic}); err != nil {
		t.Fatal(err)
	}
	publish("second, with it")
	select {
	case b := <-s.events:
		var ev struct {
			Records []struct{ Sns struct{ Message string } }
		}
		json.Unmarshal(b, &ev)
		// Events run in order: had the first been delivered, it would
		// come first.
		if len(ev.Records) != 1 || ev.Records[0].Sns.Message != "second, with it" {
			t.Errorf("the function got %s", b)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the function was not invoked")
	}
}
