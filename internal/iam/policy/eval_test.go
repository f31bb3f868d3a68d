package policy

import "testing"

const (
	acct  = "123456789012"
	other = "111122223333"
	alice = "arn:aws:iam::123456789012:user/alice"
)

func doc(t *testing.T, k Kind, text string) *Document {
	t.Helper()
	d, err := Parse(text, k)
	if err != nil {
		t.Fatalf("Parse(%s): %v", text, err)
	}
	return d
}

func allowIdentity(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}}`
}

func ctxOf(kv ...string) Context {
	c := Context{}
	c.Set("aws:username", "alice")
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i]] = append(c[kv[i]], kv[i+1])
	}
	return c
}

func TestEvaluateIdentity(t *testing.T) {
	tests := []struct {
		name, policy, action, resource string
		ctx                            Context
		want                           Reason
		allowed                        bool
	}{
		{"allowed", allowIdentity("s3:GetObject", "arn:aws:s3:::bucket/*"), "s3:GetObject", "arn:aws:s3:::bucket/key", nil, Allowed, true},
		{"other action", allowIdentity("s3:GetObject", "arn:aws:s3:::bucket/*"), "s3:PutObject", "arn:aws:s3:::bucket/key", nil, NoIdentityAllow, false},
		{"action case ignored", allowIdentity("S3:getobject", "*"), "s3:GetObject", "arn:aws:s3:::b/k", nil, Allowed, true},
		{"resource case matters", allowIdentity("s3:*", "arn:aws:s3:::Bucket/*"), "s3:GetObject", "arn:aws:s3:::bucket/k", nil, NoIdentityAllow, false},
		{"question mark", allowIdentity("sqs:Send?essage", "arn:aws:sqs:*:*:q?"), "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q1", nil, Allowed, true},
		{"explicit deny wins", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`, "s3:DeleteBucket", "arn:aws:s3:::b", nil, DenyIdentity, false},
		{"not action", `{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`, "iam:CreateUser", "arn:aws:iam::1:user/x", nil, NoIdentityAllow, false},
		{"not action other", `{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", nil, Allowed, true},
		{"not resource", `{"Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}}`, "s3:GetObject", "arn:aws:s3:::secret/k", nil, NoIdentityAllow, false},
		{"variable", allowIdentity("s3:*", "arn:aws:s3:::home/${aws:username}/*"), "s3:GetObject", "arn:aws:s3:::home/alice/x", ctxOf(), Allowed, true},
		{"variable other user", allowIdentity("s3:*", "arn:aws:s3:::home/${aws:username}/*"), "s3:GetObject", "arn:aws:s3:::home/bob/x", ctxOf(), NoIdentityAllow, false},
		{"variable literal star", allowIdentity("s3:*", "arn:aws:s3:::b/${*}"), "s3:GetObject", "arn:aws:s3:::b/x", nil, NoIdentityAllow, false},
		{"variable in 2008 is literal", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}"}}`, "s3:GetObject", "arn:aws:s3:::home/${aws:username}", ctxOf(), Allowed, true},
		{"variable default", allowIdentity("s3:*", "arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*"), "s3:GetObject", "arn:aws:s3:::b/none/k", nil, Allowed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Request{Caller: Caller{ARN: alice, Account: acct}, Action: tt.action, Resource: tt.resource, Context: tt.ctx}
			got := Evaluate(r, Policies{Identity: []*Document{doc(t, Identity, tt.policy)}})
			if got.Allowed != tt.allowed || got.Reason != tt.want {
				t.Errorf("Evaluate = %+v, want allowed %v reason %v", got, tt.allowed, tt.want)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	tests := []struct {
		name, condition string
		ctx             Context
		want            bool
	}{
		{"ip in range", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctxOf("aws:sourceip", "192.0.2.10"), true},
		{"ip out of range", `{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.7"]}}`, ctxOf("aws:sourceip", "198.51.100.1"), false},
		{"not ip", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctxOf("aws:sourceip", "198.51.100.1"), true},
		{"bool", `{"Bool":{"aws:SecureTransport":"true"}}`, ctxOf("aws:securetransport", "true"), true},
		{"bool false", `{"Bool":{"aws:SecureTransport":true}}`, ctxOf("aws:securetransport", "false"), false},
		{"date before", `{"DateLessThan":{"aws:CurrentTime":"2026-06-30T00:00:00Z"}}`, ctxOf("aws:currenttime", "2026-01-02T03:04:05Z"), true},
		{"date after", `{"DateGreaterThan":{"aws:CurrentTime":"2026-06-30"}}`, ctxOf("aws:currenttime", "2026-01-02T03:04:05Z"), false},
		{"epoch", `{"NumericLessThanEquals":{"aws:EpochTime":1767323045}}`, ctxOf("aws:epochtime", "1767323045"), true},
		{"numeric", `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, ctxOf("s3:max-keys", "9"), false},
		{"string like", `{"StringLike":{"aws:userid":"AIDA*"}}`, ctxOf("aws:userid", "AIDAEXAMPLE"), true},
		{"string equals variable", `{"StringEquals":{"s3:prefix":"home/${aws:username}"}}`, ctxOf("s3:prefix", "home/alice"), true},
		{"ignore case", `{"StringEqualsIgnoreCase":{"aws:PrincipalType":"user"}}`, ctxOf("aws:principaltype", "User"), true},
		{"key names ignore case", `{"StringEquals":{"AWS:PRINCIPALACCOUNT":"123456789012"}}`, ctxOf("aws:principalaccount", acct), true},
		{"absent key", `{"StringEquals":{"aws:SourceAccount":"123456789012"}}`, ctxOf(), false},
		{"absent key negated", `{"StringNotEquals":{"aws:SourceAccount":"123456789012"}}`, ctxOf(), true},
		{"if exists absent", `{"StringEqualsIfExists":{"aws:SourceAccount":"1"}}`, ctxOf(), true},
		{"if exists present", `{"StringEqualsIfExists":{"aws:SourceAccount":"1"}}`, ctxOf("aws:sourceaccount", "2"), false},
		{"null absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctxOf(), true},
		{"null present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctxOf("aws:tokenissuetime", "x"), false},
		{"arn like", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic-*"}}`, ctxOf("aws:sourcearn", "arn:aws:sns:us-east-1:123456789012:topic-a"), true},
		{"arn like account", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}`, ctxOf("aws:sourcearn", "arn:aws:sns:us-east-1:111122223333:t"), false},
		{"all values subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctxOf("aws:tagkeys", "a"), true},
		{"all values not subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctxOf("aws:tagkeys", "a", "aws:tagkeys", "c"), false},
		{"all values absent", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, ctxOf(), true},
		{"any value", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, ctxOf("aws:tagkeys", "c", "aws:tagkeys", "a"), true},
		{"any value absent", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, ctxOf(), false},
		{"two keys are and", `{"StringEquals":{"aws:SourceAccount":"1","aws:PrincipalAccount":"2"}}`, ctxOf("aws:sourceaccount", "1", "aws:principalaccount", "3"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := doc(t, Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+tt.condition+`}}`)
			r := &Request{Caller: Caller{ARN: alice, Account: acct}, Action: "s3:GetObject", Resource: "*", Context: tt.ctx}
			if got := d.Effects(r, false).Allow; got != tt.want {
				t.Errorf("condition holds = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluateResourceAndLimits(t *testing.T) {
	queue := "arn:aws:sqs:us-east-1:123456789012:q"
	resourceFor := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":` + principal + `,"Action":"sqs:SendMessage","Resource":"` + queue + `"}}`
	}
	send := allowIdentity("sqs:SendMessage", "*")
	role := "arn:aws:iam::123456789012:role/r"
	session := Caller{ARN: role, SessionARN: "arn:aws:sts::123456789012:assumed-role/r/s", Account: acct}
	tests := []struct {
		name     string
		caller   Caller
		identity []string
		boundary string
		session  []string
		resource string
		owner    string
		want     Reason
	}{
		{"same account resource policy alone", Caller{ARN: alice, Account: acct}, nil, "", nil, resourceFor(`{"AWS":"` + alice + `"}`), acct, Allowed},
		{"same account neither", Caller{ARN: alice, Account: acct}, nil, "", nil, "", acct, NoIdentityAllow},
		{"role arn matches its sessions", session, nil, "", nil, resourceFor(`{"AWS":"` + role + `"}`), acct, Allowed},
		{"cross account needs identity", Caller{ARN: "arn:aws:iam::111122223333:user/bob", Account: other}, nil, "", nil, resourceFor(`{"AWS":"111122223333"}`), acct, NoIdentityAllow},
		{"cross account both", Caller{ARN: "arn:aws:iam::111122223333:user/bob", Account: other}, []string{send}, "", nil, resourceFor(`{"AWS":"arn:aws:iam::111122223333:root"}`), acct, Allowed},
		{"cross account no resource policy", Caller{ARN: "arn:aws:iam::111122223333:user/bob", Account: other}, []string{send}, "", nil, "", acct, NoResourceAllow},
		{"resource deny", Caller{ARN: alice, Account: acct}, []string{send}, "", nil, `{"Statement":{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*"}}`, acct, DenyResource},
		{"boundary limits", Caller{ARN: alice, Account: acct}, []string{send}, allowIdentity("s3:*", "*"), nil, "", acct, NoBoundaryAllow},
		{"boundary allows", Caller{ARN: alice, Account: acct}, []string{send}, allowIdentity("sqs:*", "*"), nil, "", acct, Allowed},
		{"session limits", session, []string{send}, "", []string{allowIdentity("s3:*", "*")}, "", acct, NoSessionAllow},
		{"service principal", Caller{Service: "sns.amazonaws.com"}, nil, "", nil, resourceFor(`{"Service":"sns.amazonaws.com"}`), acct, Allowed},
		{"other service", Caller{Service: "events.amazonaws.com"}, nil, "", nil, resourceFor(`{"Service":"sns.amazonaws.com"}`), acct, NoResourceAllow},
		{"not principal", Caller{ARN: alice, Account: acct}, []string{send}, "", nil, `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"` + role + `"},"Action":"sqs:*","Resource":"*"}}`, acct, DenyResource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Policies{ResourceAccount: tt.owner}
			for _, s := range tt.identity {
				p.Identity = append(p.Identity, doc(t, Identity, s))
			}
			if tt.boundary != "" {
				p.Boundary = doc(t, Identity, tt.boundary)
			}
			for _, s := range tt.session {
				p.Session = append(p.Session, doc(t, Identity, s))
			}
			if tt.resource != "" {
				p.Resource = doc(t, Resource, tt.resource)
			}
			got := Evaluate(&Request{Caller: tt.caller, Action: "sqs:SendMessage", Resource: queue, Context: Context{}}, p)
			if got.Reason != tt.want || got.Allowed != (tt.want == Allowed) {
				t.Errorf("Evaluate = %+v, want reason %v", got, tt.want)
			}
		})
	}
}

func TestDecisionMessage(t *testing.T) {
	fn := "arn:aws:lambda:us-east-1:123456789012:function:f"
	tests := []struct {
		d        Decision
		resource string
		want     string
	}{
		{Decision{Reason: NoIdentityAllow}, fn, "User: " + alice + " is not authorized to perform: lambda:InvokeFunction on resource: " + fn + " because no identity-based policy allows the lambda:InvokeFunction action"},
		{Decision{Reason: DenyIdentity}, fn, "User: " + alice + " is not authorized to perform: lambda:InvokeFunction on resource: " + fn + " with an explicit deny in an identity-based policy"},
		{Decision{Reason: NoResourceAllow}, "*", "User: " + alice + " is not authorized to perform: lambda:InvokeFunction because no resource-based policy allows the lambda:InvokeFunction action"},
	}
	for _, tt := range tests {
		if got := tt.d.Message(alice, "lambda:InvokeFunction", tt.resource); got != tt.want {
			t.Errorf("Message = %q\nwant %q", got, tt.want)
		}
	}
}
