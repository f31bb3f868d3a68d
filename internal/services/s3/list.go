package s3

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Object is one object of a listing.
type Object struct {
	Key               string    `json:"Key" xml:"Key"`
	LastModified      time.Time `json:"LastModified" xml:"LastModified"`
	ETag              string    `json:"ETag" xml:"ETag"`
	ChecksumAlgorithm []string  `json:"ChecksumAlgorithm,omitempty" xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string    `json:"ChecksumType,omitempty" xml:"ChecksumType,omitempty"`
	Size              int64     `json:"Size" xml:"Size"`
	StorageClass      string    `json:"StorageClass" xml:"StorageClass"`
	Owner             *Owner    `json:"Owner,omitempty" xml:"Owner,omitempty"`
}

// CommonPrefix is a prefix keys roll up into under a delimiter.
type CommonPrefix struct {
	Prefix string `json:"Prefix" xml:"Prefix"`
}

// ListObjectsV2Input is ListObjectsV2's request. Keys are returned raw;
// with EncodingType "url" the wire layer encodes them.
type ListObjectsV2Input struct {
	Bucket            string `json:"Bucket"`
	Delimiter         string `json:"Delimiter,omitempty"`
	EncodingType      string `json:"EncodingType,omitempty"`
	MaxKeys           *int32 `json:"MaxKeys,omitempty"`
	Prefix            string `json:"Prefix,omitempty"`
	ContinuationToken string `json:"ContinuationToken,omitempty"`
	FetchOwner        bool   `json:"FetchOwner,omitempty"`
	StartAfter        string `json:"StartAfter,omitempty"`
}

// ListObjectsV2Output is ListObjectsV2's response.
type ListObjectsV2Output struct {
	XMLName      struct{} `json:"-" xml:"ListBucketResult"`
	Name         string   `json:"Name" xml:"Name"`
	Prefix       string   `json:"Prefix" xml:"Prefix"`
	Delimiter    string   `json:"Delimiter,omitempty" xml:"Delimiter,omitempty"`
	MaxKeys      int32    `json:"MaxKeys" xml:"MaxKeys"`
	EncodingType string   `json:"EncodingType,omitempty" xml:"EncodingType,omitempty"`
	KeyCount     int32    `json:"KeyCount" xml:"KeyCount"`
	IsTruncated  bool     `json:"IsTruncated" xml:"IsTruncated"`
	// ContinuationToken echoes the request's (set, even empty, when the
	// request had one).
	ContinuationToken     *string        `json:"ContinuationToken,omitempty" xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `json:"NextContinuationToken,omitempty" xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `json:"StartAfter,omitempty" xml:"StartAfter,omitempty"`
	Contents              []Object       `json:"Contents,omitempty" xml:"Contents,omitempty"`
	CommonPrefixes        []CommonPrefix `json:"CommonPrefixes,omitempty" xml:"CommonPrefixes,omitempty"`
}

// ListObjectsInput is ListObjects' (version 1) request.
type ListObjectsInput struct {
	Bucket       string `json:"Bucket"`
	Delimiter    string `json:"Delimiter,omitempty"`
	EncodingType string `json:"EncodingType,omitempty"`
	Marker       string `json:"Marker,omitempty"`
	MaxKeys      *int32 `json:"MaxKeys,omitempty"`
	Prefix       string `json:"Prefix,omitempty"`
}

// ListObjectsOutput is ListObjects' response. NextMarker is given only
// with a delimiter, as S3 does; otherwise the last key is the next marker.
type ListObjectsOutput struct {
	XMLName        struct{}       `json:"-" xml:"ListBucketResult"`
	Name           string         `json:"Name" xml:"Name"`
	Prefix         string         `json:"Prefix" xml:"Prefix"`
	Marker         string         `json:"Marker" xml:"Marker"`
	NextMarker     string         `json:"NextMarker,omitempty" xml:"NextMarker,omitempty"`
	Delimiter      string         `json:"Delimiter,omitempty" xml:"Delimiter,omitempty"`
	MaxKeys        int32          `json:"MaxKeys" xml:"MaxKeys"`
	EncodingType   string         `json:"EncodingType,omitempty" xml:"EncodingType,omitempty"`
	IsTruncated    bool           `json:"IsTruncated" xml:"IsTruncated"`
	Contents       []Object       `json:"Contents,omitempty" xml:"Contents,omitempty"`
	CommonPrefixes []CommonPrefix `json:"CommonPrefixes,omitempty" xml:"CommonPrefixes,omitempty"`
}

// maxKeys reads a max-keys argument: 1,000 by default and at most.
func maxKeys(v *int32, name string) (int, error) {
	if v == nil {
		return 1000, nil
	}
	if *v < 0 {
		return 0, invalidArgument("Argument "+name+" must be an integer between 0 and 2147483647", name, strconv.Itoa(int(*v)))
	}
	return min(int(*v), 1000), nil
}

func checkEncoding(e string) error {
	if e != "" && e != "url" {
		return invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", e)
	}
	return nil
}

// listing is one page of keys and common prefixes.
type listing struct {
	objects   []*version
	prefixes  []string
	truncated bool
	last      string // the last key or prefix returned
}

// listCurrent pages through the current versions (not delete markers)
// under prefix, strictly after after.
func (b *bucket) listCurrent(prefix, delimiter, after string, limit int) listing {
	var l listing
	visible := func(e *keyEntry) bool { c := e.current(); return c != nil && !c.DeleteMarker }
	b.mu.RLock()
	defer b.mu.RUnlock()
	b.walkLocked(prefix, delimiter, startAfter(after, prefix, delimiter), visible, func(e *keyEntry, cp string) bool {
		if len(l.objects)+len(l.prefixes) == limit {
			l.truncated = limit > 0
			return false
		}
		if cp != "" {
			l.prefixes, l.last = append(l.prefixes, cp), cp
		} else {
			l.objects, l.last = append(l.objects, e.current()), e.key
		}
		return true
	})
	return l
}

// startAfter is the first key a listing that resumes after after looks at:
// the one right after it, or, when after is a common prefix already
// returned, the first key past everything under it.
func startAfter(after, prefix, delimiter string) string {
	if after < prefix {
		return prefix
	}
	if strings.HasPrefix(after, prefix) && delimiter != "" && commonPrefix(after, prefix, delimiter) == after {
		if end := prefixEnd(after); end != "" {
			return end
		}
	}
	return after + "\x00"
}

// walkLocked calls fn, in key order from from on, with each key under
// prefix that visible accepts, or with the common prefix it rolls up into
// (once; the keys under a common prefix are skipped). fn returning false
// stops the walk.
func (b *bucket) walkLocked(prefix, delimiter, from string, visible func(*keyEntry) bool, fn func(e *keyEntry, cp string) bool) {
	for {
		next, stop := "", true
		b.keys.AscendGreaterOrEqual(&keyEntry{key: from}, func(e *keyEntry) bool {
			if !strings.HasPrefix(e.key, prefix) {
				return false // past the prefix: keys are in order
			}
			if !visible(e) {
				return true
			}
			if cp := commonPrefix(e.key, prefix, delimiter); cp != "" {
				if fn(nil, cp) {
					next = prefixEnd(cp)
					stop = next == ""
				}
				return false
			}
			return fn(e, "")
		})
		if stop {
			return
		}
		from = next
	}
}

func (s *Service) object(v *version, owner *Owner) Object {
	o := Object{Key: v.Key, LastModified: v.Modified, ETag: v.ETag, Size: v.Size, StorageClass: v.storageClass(), Owner: owner}
	if v.Checksum.Algorithm != "" {
		o.ChecksumAlgorithm, o.ChecksumType = []string{v.Checksum.Algorithm}, v.Checksum.Type
	}
	return o
}

// ListObjectsV2 lists current objects in key order, with prefix,
// delimiter (CommonPrefixes), StartAfter and an opaque ContinuationToken.
func (s *Service) ListObjectsV2(ctx context.Context, in *ListObjectsV2Input) (*ListObjectsV2Output, error) {
	limit, err := maxKeys(in.MaxKeys, "max-keys")
	if err != nil {
		return nil, err
	}
	if err := checkEncoding(in.EncodingType); err != nil {
		return nil, err
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	after := in.StartAfter
	if in.ContinuationToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.ContinuationToken)
		if err != nil {
			return nil, invalidArgument("The continuation token provided is incorrect", "continuation-token", in.ContinuationToken)
		}
		after = string(raw)
	}
	l := b.listCurrent(in.Prefix, in.Delimiter, after, limit)
	out := &ListObjectsV2Output{
		Name: b.name, Prefix: in.Prefix, Delimiter: in.Delimiter, MaxKeys: int32(limit), EncodingType: in.EncodingType,
		KeyCount: int32(len(l.objects) + len(l.prefixes)), IsTruncated: l.truncated,
		StartAfter: in.StartAfter,
	}
	if in.ContinuationToken != "" {
		out.ContinuationToken = &in.ContinuationToken
	}
	if l.truncated {
		out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(l.last))
	}
	var owner *Owner
	if in.FetchOwner {
		owner = s.owner(s.bucketOwner(b))
	}
	for _, v := range l.objects {
		out.Contents = append(out.Contents, s.object(v, owner))
	}
	for _, p := range l.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, CommonPrefix{Prefix: p})
	}
	return out, nil
}

// ListObjects is version 1 of the listing, with Marker.
func (s *Service) ListObjects(ctx context.Context, in *ListObjectsInput) (*ListObjectsOutput, error) {
	limit, err := maxKeys(in.MaxKeys, "max-keys")
	if err != nil {
		return nil, err
	}
	if err := checkEncoding(in.EncodingType); err != nil {
		return nil, err
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	l := b.listCurrent(in.Prefix, in.Delimiter, in.Marker, limit)
	out := &ListObjectsOutput{
		Name: b.name, Prefix: in.Prefix, Marker: in.Marker, Delimiter: in.Delimiter,
		MaxKeys: int32(limit), EncodingType: in.EncodingType, IsTruncated: l.truncated,
	}
	if l.truncated && in.Delimiter != "" {
		out.NextMarker = l.last
	}
	owner := s.owner(s.bucketOwner(b))
	for _, v := range l.objects {
		out.Contents = append(out.Contents, s.object(v, owner))
	}
	for _, p := range l.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, CommonPrefix{Prefix: p})
	}
	return out, nil
}

func (s *Service) bucketOwner(b *bucket) string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.rec.Owner
}
