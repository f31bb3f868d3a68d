package s3

import (
	"context"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// CORSConfiguration is PutBucketCors' body and GetBucketCors' answer.
type CORSConfiguration struct {
	XMLName   struct{}   `json:"-" xml:"CORSConfiguration"`
	CORSRules []CORSRule `json:"CORSRules" xml:"CORSRule"`
}

// CORSRule is one rule of a bucket's CORS configuration.
type CORSRule struct {
	ID             string   `json:"ID,omitempty" xml:"ID,omitempty"`
	AllowedHeaders []string `json:"AllowedHeaders,omitempty" xml:"AllowedHeader,omitempty"`
	AllowedMethods []string `json:"AllowedMethods" xml:"AllowedMethod"`
	AllowedOrigins []string `json:"AllowedOrigins" xml:"AllowedOrigin"`
	ExposeHeaders  []string `json:"ExposeHeaders,omitempty" xml:"ExposeHeader,omitempty"`
	MaxAgeSeconds  *int32   `json:"MaxAgeSeconds,omitempty" xml:"MaxAgeSeconds,omitempty"`
}

// PutBucketCorsInput is PutBucketCors' request.
type PutBucketCorsInput struct {
	Bucket            string             `json:"Bucket"`
	CORSConfiguration *CORSConfiguration `json:"CORSConfiguration"`
}

var corsMethods = setOf("GET", "PUT", "HEAD", "POST", "DELETE")

// checkCORS validates rules as S3 does: 1 to 100 rules, each with methods
// of GET, PUT, HEAD, POST, DELETE and origins and headers with at most one
// "*".
func checkCORS(rules []CORSRule) error {
	if len(rules) == 0 || len(rules) > 100 {
		return malformedXML()
	}
	for _, r := range rules {
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 || len(r.ID) > 255 {
			return malformedXML()
		}
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return invalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return invalidRequest("AllowedOrigin \"%s\" can not have more than one wildcard.", o)
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return invalidRequest("AllowedHeader \"%s\" can not have more than one wildcard.", h)
			}
		}
	}
	return nil
}

// PutBucketCors replaces the bucket's CORS rules.
func (s *Service) PutBucketCors(ctx context.Context, in *PutBucketCorsInput) error {
	if in.CORSConfiguration == nil {
		return malformedXML()
	}
	if err := checkCORS(in.CORSConfiguration.CORSRules); err != nil {
		return err
	}
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.CORS = in.CORSConfiguration.CORSRules
		return nil
	})
}

// GetBucketCors returns the bucket's CORS rules, or NoSuchCORSConfiguration.
func (s *Service) GetBucketCors(ctx context.Context, in *BucketInput) (*CORSConfiguration, error) {
	rec, err := s.record(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if len(rec.CORS) == 0 {
		return nil, awserr.New(ErrNoSuchCORSConfiguration, msgNoSuchCORS).With("BucketName", in.Bucket)
	}
	return &CORSConfiguration{CORSRules: rec.CORS}, nil
}

// DeleteBucketCors removes the bucket's CORS rules.
func (s *Service) DeleteBucketCors(ctx context.Context, in *BucketInput) error {
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.CORS = nil
		return nil
	})
}

// CORSRequest is a cross-origin request as the wire layer sees it: an
// OPTIONS preflight (Method from Access-Control-Request-Method, Headers
// from Access-Control-Request-Headers) or an actual request.
type CORSRequest struct {
	Origin  string
	Method  string
	Headers []string
}

// CORSResult is the Access-Control-* headers to send.
type CORSResult struct {
	AllowOrigin      string
	AllowMethods     string
	AllowHeaders     string
	ExposeHeaders    string
	MaxAge           string
	AllowCredentials bool
	// Vary is what the answer varies by, for caches.
	Vary string
}

// MatchCORS evaluates a request against rules as S3 does: the first rule
// whose origins, methods and headers all allow the request wins. It
// returns nil when none does.
func MatchCORS(rules []CORSRule, req CORSRequest) *CORSResult {
	if req.Origin == "" {
		return nil
	}
	for _, r := range rules {
		origin, ok := matchAny(r.AllowedOrigins, req.Origin, false)
		if !ok || !contains(r.AllowedMethods, req.Method) {
			continue
		}
		allowed := true
		for _, h := range req.Headers {
			if _, ok := matchAny(r.AllowedHeaders, h, true); !ok {
				allowed = false
				break
			}
		}
		if !allowed {
			continue
		}
		res := &CORSResult{
			AllowOrigin: req.Origin, AllowMethods: strings.Join(r.AllowedMethods, ", "),
			ExposeHeaders: strings.Join(r.ExposeHeaders, ", "), AllowCredentials: true,
			Vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
		}
		if origin == "*" {
			res.AllowOrigin, res.AllowCredentials = "*", false
		}
		if len(req.Headers) > 0 {
			res.AllowHeaders = strings.ToLower(strings.Join(req.Headers, ", "))
		}
		if r.MaxAgeSeconds != nil {
			res.MaxAge = strconv.Itoa(int(*r.MaxAgeSeconds))
		}
		return res
	}
	return nil
}

// CORS evaluates a request against the bucket's rules. A preflight that no
// rule allows (or to a bucket without CORS) is 403 AccessForbidden, as S3
// answers; for an actual request that none allows, the result is nil and
// no error (the request proceeds without CORS headers).
func (s *Service) CORS(ctx context.Context, bucket string, req CORSRequest, preflight bool) (*CORSResult, error) {
	rec, err := s.record(ctx, bucket)
	if err != nil {
		return nil, err
	}
	res := MatchCORS(rec.CORS, req)
	if res == nil && preflight {
		if len(rec.CORS) == 0 {
			return nil, awserr.New(ErrAccessForbidden, "CORSResponse: CORS is not enabled for this bucket.").With("Method", req.Method).With("ResourceType", "BUCKET")
		}
		return nil, awserr.New(ErrAccessForbidden, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.").
			With("Method", req.Method).With("ResourceType", "OBJECT")
	}
	return res, nil
}

// matchAny returns the first pattern (with at most one "*") that matches
// v; fold makes the match case-insensitive (header names).
func matchAny(patterns []string, v string, fold bool) (string, bool) {
	for _, p := range patterns {
		pp, vv := p, v
		if fold {
			pp, vv = strings.ToLower(p), strings.ToLower(v)
		}
		if wildcardMatch(pp, vv) {
			return p, true
		}
	}
	return "", false
}

func wildcardMatch(pattern, v string) bool {
	before, after, found := strings.Cut(pattern, "*")
	if !found {
		return pattern == v
	}
	return len(v) >= len(before)+len(after) && strings.HasPrefix(v, before) && strings.HasSuffix(v, after)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
