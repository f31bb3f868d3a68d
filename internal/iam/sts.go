package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam/policy"
)

// The STS API's shapes, with the member names of its query protocol
// (botocore's sts/2011-06-15).

// Credentials are temporary security credentials.
type Credentials struct {
	AccessKeyId     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken"`
	Expiration      time.Time `json:"Expiration"`
}

// AssumedRoleUser names a role session.
type AssumedRoleUser struct {
	AssumedRoleId string `json:"AssumedRoleId"`
	Arn           string `json:"Arn"`
}

// GetCallerIdentityOutput is GetCallerIdentity's result.
type GetCallerIdentityOutput struct {
	UserId  string `json:"UserId"`
	Account string `json:"Account"`
	Arn     string `json:"Arn"`
}

// GetCallerIdentity says who the caller is.
func (s *Service) GetCallerIdentity(_ context.Context, caller *Principal) (*GetCallerIdentityOutput, error) {
	return &GetCallerIdentityOutput{UserId: caller.UserId, Account: caller.Account, Arn: caller.Arn}, nil
}

// PolicyDescriptorType names a managed session policy. Its member is
// lowercase "arn", as STS's model has it.
type PolicyDescriptorType struct {
	Arn string `json:"arn"`
}

// AssumeRoleInput is AssumeRole's request.
type AssumeRoleInput struct {
	RoleArn         string                 `json:"RoleArn"`
	RoleSessionName string                 `json:"RoleSessionName"`
	PolicyArns      []PolicyDescriptorType `json:"PolicyArns,omitempty"`
	Policy          string                 `json:"Policy,omitempty"`
	DurationSeconds int                    `json:"DurationSeconds,omitempty"`
	Tags            []Tag                  `json:"Tags,omitempty"`
	// TransitiveTagKeys are the session tags that pass on to sessions
	// this one assumes (role chaining).
	TransitiveTagKeys []string `json:"TransitiveTagKeys,omitempty"`
	ExternalId        string   `json:"ExternalId,omitempty"`
	SourceIdentity    string   `json:"SourceIdentity,omitempty"`
}

// AssumeRoleOutput is AssumeRole's result.
type AssumeRoleOutput struct {
	Credentials      Credentials     `json:"Credentials"`
	AssumedRoleUser  AssumedRoleUser `json:"AssumedRoleUser"`
	PackedPolicySize int             `json:"PackedPolicySize,omitempty"`
	SourceIdentity   string          `json:"SourceIdentity,omitempty"`
}

// sessionPolicyQuota is the largest inline session policy.
const sessionPolicyQuota = 2048

// AssumeRole returns credentials of a role session, if the role's trust
// policy lets the caller assume it (and, where the trust policy names only
// the caller's account or the role is another account's, the caller's own
// policies allow sts:AssumeRole on it).
func (s *Service) AssumeRole(ctx context.Context, caller *Principal, in *AssumeRoleInput) (*AssumeRoleOutput, error) {
	if err := checkSessionName(in.RoleSessionName); err != nil {
		return nil, err
	}
	acct, roleName, ok := splitRoleARN(in.RoleArn)
	if !ok {
		return nil, invalid("%s is invalid", in.RoleArn)
	}
	denied := awserr.New(ErrAccessDenied, "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.Arn, in.RoleArn)
	if caller.root {
		return nil, awserr.New(ErrAccessDenied, "Roles may not be assumed by root accounts.")
	}
	e, _, err := s.getEntity(ctx, acct, kindRole, roleName)
	if err != nil || e.Role.Arn != in.RoleArn {
		return nil, denied
	}
	duration, err := sessionDuration(in.DurationSeconds, e.Role.MaxSessionDuration, caller.RoleArn != "")
	if err != nil {
		return nil, err
	}
	sess, err := chainedSession(caller, in)
	if err != nil {
		return nil, err
	}
	if !s.trusts(caller, e.Role, in, "sts:AssumeRole") {
		return nil, denied
	}
	for _, extra := range []struct {
		needed bool
		action string
	}{{len(in.Tags) > 0, "sts:TagSession"}, {in.SourceIdentity != "" && caller.SourceIdentity == "", "sts:SetSourceIdentity"}} {
		if extra.needed && !s.trusts(caller, e.Role, in, extra.action) {
			return nil, awserr.New(ErrAccessDenied, "User: %s is not authorized to perform: %s on resource: %s", caller.Arn, extra.action, in.RoleArn)
		}
	}
	sess.Account, sess.Role, sess.Name, sess.RoleID, sess.Policy = acct, e.Role.Arn, in.RoleSessionName, e.Role.RoleId, in.Policy
	if err := s.checkSessionPolicies(ctx, acct, in, sess); err != nil {
		return nil, err
	}
	creds, err := s.mint(sess, duration)
	if err != nil {
		return nil, err
	}
	s.log.Debug("sts: role assumed", "role", e.Role.Arn, "session", in.RoleSessionName, "by", caller.Arn, "access_key_id", creds.AccessKeyId)
	out := &AssumeRoleOutput{Credentials: *creds, SourceIdentity: sess.SourceIdentity,
		AssumedRoleUser: AssumedRoleUser{AssumedRoleId: e.Role.RoleId + ":" + in.RoleSessionName, Arn: sessionARN(acct, e.Role.RoleName, in.RoleSessionName)}}
	if in.Policy != "" {
		out.PackedPolicySize = (100*docSize(in.Policy) + sessionPolicyQuota - 1) / sessionPolicyQuota
	}
	return out, nil
}

// splitRoleARN reads arn:aws:iam::ACCOUNT:role/PATH/NAME.
func splitRoleARN(arn string) (acct, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok {
		return "", "", false
	}
	acct, res, ok := strings.Cut(rest, ":role/")
	if !ok || res == "" || len(acct) != 12 {
		return "", "", false
	}
	return acct, res[strings.LastIndexByte(res, '/')+1:], true
}

func checkSessionName(name string) error {
	switch {
	case len(name) < 2:
		return invalid("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2", name)
	case len(name) > 64:
		return invalid("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64", name)
	case !namePattern.MatchString(name):
		return invalid("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", name)
	}
	return nil
}

// sessionDuration checks DurationSeconds against the role's maximum (one
// hour for role chaining).
func sessionDuration(seconds, max int, chained bool) (time.Duration, error) {
	if seconds == 0 {
		seconds = defaultMaxSession
	}
	switch {
	case seconds < minSessionDuration:
		return 0, invalid("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", seconds, minSessionDuration)
	case chained && seconds > defaultMaxSession:
		return 0, invalid("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	case seconds > max:
		return 0, invalid("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return time.Duration(seconds) * time.Second, nil
}

// trusts decides whether caller may assume role. A trust policy that
// names the caller itself (or the caller's role) suffices within the
// account; one that names only the account, like any role of another
// account, also needs the caller's policies to allow sts:AssumeRole.
func (s *Service) trusts(caller *Principal, role *Role, in *AssumeRoleInput, action string) bool {
	trust, err := policy.Parse(role.AssumeRolePolicyDocument, policy.Trust)
	if err != nil {
		return false
	}
	extra := policy.Context{}
	if in.ExternalId != "" {
		extra.Set("sts:ExternalId", in.ExternalId)
	}
	if in.SourceIdentity != "" {
		extra.Set("sts:SourceIdentity", in.SourceIdentity)
	}
	for _, t := range in.Tags {
		extra.Set("aws:RequestTag/"+t.Key, t.Value)
	}
	if len(in.Tags) > 0 {
		keys := make([]string, len(in.Tags))
		for i, t := range in.Tags {
			keys[i] = t.Key
		}
		extra.Set("aws:TagKeys", keys...)
	}
	c := Check{Action: action, Resource: role.Arn, Context: extra, ResourcePolicy: trust}
	roleAcct, _, _ := splitRoleARN(role.Arn)
	if roleAcct != caller.Account || !namesCaller(trust, caller) {
		c.ResourceAccount = roleAcct
		if roleAcct == caller.Account {
			c.ResourceAccount = "trust:" + roleAcct // no same-account shortcut
		}
	}
	return s.Authorize(caller, c) == nil
}

// namesCaller reports whether a trust policy names the caller's own ARN
// (user, role or session) rather than its account.
func namesCaller(trust *policy.Document, caller *Principal) bool {
	for _, st := range trust.Statements {
		if st.Principal == nil {
			continue
		}
		for _, a := range st.Principal.AWS {
			if a == caller.Arn || caller.RoleArn != "" && a == caller.RoleArn {
				return true
			}
		}
	}
	return false
}

// checkSessionPolicies validates the session policies of AssumeRole and
// records the managed ones.
func (s *Service) checkSessionPolicies(ctx context.Context, acct string, in *AssumeRoleInput, sess *session) error {
	if in.Policy != "" {
		if docSize(in.Policy) > sessionPolicyQuota {
			return awserr.New(ErrPackedPolicyTooLarge, "%s", "Packed policy consumes more than 100% of the allotted space")
		}
		if _, err := policy.Parse(in.Policy, policy.Identity); err != nil {
			return malformed(err)
		}
	}
	if len(in.PolicyArns) > 10 {
		return invalid("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	for _, p := range in.PolicyArns {
		if _, err := s.policyDocument(ctx, acct, p.Arn); err != nil {
			return invalid("Policy %s does not exist or is not attachable.", p.Arn)
		}
		sess.PolicyArns = append(sess.PolicyArns, p.Arn)
	}
	return nil
}

// mint issues temporary credentials for a session.
func (s *Service) mint(sess *session, d time.Duration) (*Credentials, error) {
	now := s.now()
	salt := make([]byte, 16)
	rand.Read(salt)
	sess.Salt = base64.RawStdEncoding.EncodeToString(salt)
	sess.Issued, sess.Expires = now.Unix(), now.Add(d).Unix()
	id := newID("ASIA")
	token, err := s.keys.seal(id, sess)
	if err != nil {
		return nil, err
	}
	return &Credentials{AccessKeyId: id, SecretAccessKey: s.keys.secret(id, sess.Salt), SessionToken: token, Expiration: now.Add(d)}, nil
}

// GetSessionTokenInput is GetSessionToken's request.
type GetSessionTokenInput struct {
	DurationSeconds int `json:"DurationSeconds,omitempty"`
}

// GetSessionTokenOutput is GetSessionToken's result.
type GetSessionTokenOutput struct {
	Credentials Credentials `json:"Credentials"`
}

// GetSessionToken returns temporary credentials of the calling user (or
// root) with the caller's own permissions.
func (s *Service) GetSessionToken(_ context.Context, caller *Principal, in *GetSessionTokenInput) (*GetSessionTokenOutput, error) {
	if caller.RoleArn != "" || !caller.Expires.IsZero() {
		return nil, awserr.New(ErrAccessDenied, "Cannot call GetSessionToken with session credentials")
	}
	seconds, max := in.DurationSeconds, 129600
	if seconds == 0 {
		seconds = 43200
	}
	if caller.root {
		max = 3600
		seconds = min(seconds, max)
	}
	if seconds < minSessionDuration || seconds > max {
		return nil, invalid("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and %d", seconds, minSessionDuration, max)
	}
	creds, err := s.mint(&session{Account: caller.Account, User: caller.UserName, Root: caller.root}, time.Duration(seconds)*time.Second)
	if err != nil {
		return nil, err
	}
	return &GetSessionTokenOutput{Credentials: *creds}, nil
}
