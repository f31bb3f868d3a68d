package s3api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/s3"
)

// postPolicy is a POST upload's policy document: until when it may be
// used and what the form's fields must be.
type postPolicy struct {
	expiration time.Time
	conditions []condition
}

// condition is one of a policy's conditions: a field equal to or starting
// with a value, or the file's length range.
type condition struct {
	op, field, value string // op: "eq", "starts-with"
	raw              string // as written, for the error message
}

// lengthRange is content-length-range.
type lengthRange struct {
	set      bool
	min, max int64
}

func policyError(format string, args ...any) error {
	return awserr.New(s3.ErrAccessDenied, "Invalid according to Policy: "+format, args...)
}

func invalidPolicy(msg string) error {
	return awserr.New(s3.ErrInvalidPolicyDocument, "Invalid Policy: %s", msg)
}

// parsePolicy decodes the base64 JSON of a policy form field.
func parsePolicy(encoded string) (*postPolicy, lengthRange, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, lengthRange{}, invalidPolicy("Invalid Base64 encoding.")
	}
	// A map, not a struct: the policy's names are case-sensitive, and
	// encoding/json matches struct fields without case.
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, lengthRange{}, invalidPolicy("Invalid JSON.")
	}
	var expiration string
	if json.Unmarshal(doc["expiration"], &expiration) != nil {
		return nil, lengthRange{}, invalidPolicy("Policy missing expiration.")
	}
	exp, err := time.Parse(time.RFC3339, expiration)
	if err != nil {
		return nil, lengthRange{}, invalidPolicy("Invalid 'expiration' value: '" + expiration + "'")
	}
	var conditions []json.RawMessage
	if json.Unmarshal(doc["conditions"], &conditions) != nil || doc["conditions"] == nil {
		return nil, lengthRange{}, invalidPolicy("Policy missing conditions.")
	}
	p := &postPolicy{expiration: exp}
	var lr lengthRange
	for _, c := range conditions {
		if err := p.addCondition(c, &lr); err != nil {
			return nil, lengthRange{}, err
		}
	}
	return p, lr, nil
}

// addCondition reads {"field": "value"} or ["eq"|"starts-with", "$field",
// "value"] or ["content-length-range", min, max].
func (p *postPolicy) addCondition(c json.RawMessage, lr *lengthRange) error {
	var obj map[string]string
	if json.Unmarshal(c, &obj) == nil {
		if len(obj) != 1 {
			return invalidPolicy("Invalid Condition: " + string(c))
		}
		for k, v := range obj {
			p.conditions = append(p.conditions, condition{op: "eq", field: strings.ToLower(k), value: v, raw: string(c)})
		}
		return nil
	}
	var arr []any
	dec := json.NewDecoder(bytes.NewReader(c))
	dec.UseNumber()
	if dec.Decode(&arr) != nil || len(arr) != 3 {
		return invalidPolicy("Invalid Condition: " + string(c))
	}
	op, _ := arr[0].(string)
	switch op = strings.ToLower(op); op {
	case "content-length-range":
		lo, err1 := number(arr[1])
		hi, err2 := number(arr[2])
		if err1 != nil || err2 != nil || lo < 0 || hi < lo {
			return invalidPolicy("Invalid content-length-range: " + string(c))
		}
		*lr = lengthRange{set: true, min: lo, max: hi}
		return nil
	case "eq", "starts-with":
		field, ok1 := arr[1].(string)
		value, ok2 := arr[2].(string)
		if !ok1 || !ok2 || !strings.HasPrefix(field, "$") {
			return invalidPolicy("Invalid Condition: " + string(c))
		}
		p.conditions = append(p.conditions, condition{op: op, field: strings.ToLower(field[1:]), value: value, raw: string(c)})
		return nil
	}
	return invalidPolicy("Invalid Condition: " + string(c))
}

func number(v any) (int64, error) {
	switch n := v.(type) {
	case json.Number:
		return n.Int64()
	case string:
		return strconv.ParseInt(n, 10, 64)
	}
	return 0, fmt.Errorf("not a number: %v", v)
}

// exempt reports whether a form field needs no policy condition: the
// policy and signature themselves, fields named to be ignored, and
// checksums, which only let S3 check the file.
func exempt(field string) bool {
	switch field {
	case "policy", "x-amz-signature", "file", "awsaccesskeyid", "signature":
		return true
	}
	return strings.HasPrefix(field, "x-ignore-") || strings.HasPrefix(field, "x-amz-checksum-")
}

// check applies the form's policy, when it has one (an upload without a
// policy is anonymous): signed, not expired, every condition held (the
// key's after ${filename} is replaced), every field named by a condition.
// The signature itself is checked before (postForm.authenticate).
func (f *postForm) check(bucket string, now time.Time) error {
	encoded := f.get("policy")
	if encoded == "" {
		return nil
	}
	if f.get("x-amz-signature") == "" && f.get("signature") == "" {
		return invalidArgument("Bucket POST must contain a field named 'X-Amz-Signature'.  If it is specified, please check the order of the fields.",
			"X-Amz-Signature", "")
	}
	p, lr, err := parsePolicy(encoded)
	if err != nil {
		return err
	}
	if !now.Before(p.expiration) {
		return policyError("Policy expired.")
	}
	f.length = lr
	values := map[string]string{}
	for k, v := range f.fields {
		values[k] = v
	}
	// The bucket is the one posted to, whatever a field says.
	values["bucket"], values["key"] = bucket, f.key()
	named := map[string]bool{}
	for _, c := range p.conditions {
		named[c.field] = true
		v := values[c.field]
		if c.op == "eq" && v != c.value || c.op == "starts-with" && !strings.HasPrefix(v, c.value) {
			return policyError("Policy Condition failed: %s", c.raw)
		}
	}
	for field := range f.fields {
		if !named[field] && !exempt(field) {
			return policyError("Extra input fields: %s", field)
		}
	}
	return nil
}
