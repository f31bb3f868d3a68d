package sigv4

import (
	"context"
	"errors"
	"time"
)

// Form is what a browser's POST upload (S3's PostObject) says of its
// signature, in its form fields: the policy, base64-encoded as sent, and
// x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature and
// x-amz-security-token.
type Form struct {
	Policy, Algorithm, Credential, Date, Signature, Token string
}

// VerifyForm checks the signature of a POST upload's policy: the hex
// HMAC-SHA256 of the policy as sent, with the signing key of the
// credential's scope (service s3), as S3 computes it. No clock skew is
// checked: the policy's own expiration bounds its use, and its caller
// checks that. Errors are *Error, or the Lookup's store error.
func (v *Verifier) VerifyForm(ctx context.Context, f Form, lookup Lookup) (Result, error) {
	if f.Algorithm != Algorithm {
		return Result{}, fail(Incomplete, "X-Amz-Algorithm only supports \"%s\"", Algorithm)
	}
	scope, perr := parseScope(f.Credential)
	if perr != nil {
		return Result{}, perr
	}
	c := Claim{Scope: scope, Signature: f.Signature, AmzDate: f.Date, Token: f.Token}
	res := Result{Claim: c}
	t, err := time.Parse(amzDateFormat, f.Date)
	if err != nil || f.Date[:8] != scope.Date {
		return res, fail(Incomplete, "Invalid according to Policy: x-amz-date %q is not the date of the credential's scope", f.Date)
	}
	res.Time = t
	if scope.Service != "s3" {
		return res, fail(Incomplete, "Credential should be scoped to correct service: 's3'. ")
	}
	secret, lerr := lookup(ctx, c.AccessKeyID, c.Token)
	var le *Error
	if errors.As(lerr, &le) && le.Kind == UnknownKey && le.S3Fields == nil {
		le.S3Fields = map[string]any{"AWSAccessKeyId": c.AccessKeyID}
	}
	if lerr != nil {
		return res, lerr
	}
	if !equalHex(sign(v.keys.signingKey(secret, scope), f.Policy), f.Signature) {
		return res, &Error{Kind: Mismatch, S3Fields: map[string]any{"AWSAccessKeyId": c.AccessKeyID,
			"StringToSign": f.Policy, "SignatureProvided": f.Signature}}
	}
	return res, nil
}
