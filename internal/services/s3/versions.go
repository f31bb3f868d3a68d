package s3

import (
	"context"
	"time"
)

// ListObjectVersionsInput is ListObjectVersions' request.
type ListObjectVersionsInput struct {
	Bucket          string `json:"Bucket"`
	Delimiter       string `json:"Delimiter,omitempty"`
	EncodingType    string `json:"EncodingType,omitempty"`
	KeyMarker       string `json:"KeyMarker,omitempty"`
	MaxKeys         *int32 `json:"MaxKeys,omitempty"`
	Prefix          string `json:"Prefix,omitempty"`
	VersionIdMarker string `json:"VersionIdMarker,omitempty"`
}

// ObjectVersion is one version in ListObjectVersions.
type ObjectVersion struct {
	Key               string    `json:"Key" xml:"Key"`
	VersionId         string    `json:"VersionId" xml:"VersionId"`
	IsLatest          bool      `json:"IsLatest" xml:"IsLatest"`
	LastModified      time.Time `json:"LastModified" xml:"LastModified"`
	ETag              string    `json:"ETag" xml:"ETag"`
	ChecksumAlgorithm []string  `json:"ChecksumAlgorithm,omitempty" xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string    `json:"ChecksumType,omitempty" xml:"ChecksumType,omitempty"`
	Size              int64     `json:"Size" xml:"Size"`
	StorageClass      string    `json:"StorageClass" xml:"StorageClass"`
	Owner             *Owner    `json:"Owner,omitempty" xml:"Owner,omitempty"`
}

// DeleteMarkerEntry is one delete marker in ListObjectVersions.
type DeleteMarkerEntry struct {
	Key          string    `json:"Key" xml:"Key"`
	VersionId    string    `json:"VersionId" xml:"VersionId"`
	IsLatest     bool      `json:"IsLatest" xml:"IsLatest"`
	LastModified time.Time `json:"LastModified" xml:"LastModified"`
	Owner        *Owner    `json:"Owner,omitempty" xml:"Owner,omitempty"`
}

// ListObjectVersionsOutput is ListObjectVersions' response.
type ListObjectVersionsOutput struct {
	XMLName             struct{}            `json:"-" xml:"ListVersionsResult"`
	Name                string              `json:"Name" xml:"Name"`
	Prefix              string              `json:"Prefix" xml:"Prefix"`
	KeyMarker           string              `json:"KeyMarker" xml:"KeyMarker"`
	VersionIdMarker     string              `json:"VersionIdMarker" xml:"VersionIdMarker"`
	NextKeyMarker       string              `json:"NextKeyMarker,omitempty" xml:"NextKeyMarker,omitempty"`
	NextVersionIdMarker string              `json:"NextVersionIdMarker,omitempty" xml:"NextVersionIdMarker,omitempty"`
	Delimiter           string              `json:"Delimiter,omitempty" xml:"Delimiter,omitempty"`
	MaxKeys             int32               `json:"MaxKeys" xml:"MaxKeys"`
	EncodingType        string              `json:"EncodingType,omitempty" xml:"EncodingType,omitempty"`
	IsTruncated         bool                `json:"IsTruncated" xml:"IsTruncated"`
	Versions            []ObjectVersion     `json:"Versions,omitempty" xml:"Version,omitempty"`
	DeleteMarkers       []DeleteMarkerEntry `json:"DeleteMarkers,omitempty" xml:"DeleteMarker,omitempty"`
	CommonPrefixes      []CommonPrefix      `json:"CommonPrefixes,omitempty" xml:"CommonPrefixes,omitempty"`
}

// ListObjectVersions lists every version and delete marker, keys in
// order and each key's versions newest first, resuming after KeyMarker
// (and, within it, after VersionIdMarker).
func (s *Service) ListObjectVersions(ctx context.Context, in *ListObjectVersionsInput) (*ListObjectVersionsOutput, error) {
	limit, err := maxKeys(in.MaxKeys, "max-keys")
	if err != nil {
		return nil, err
	}
	if err := checkEncoding(in.EncodingType); err != nil {
		return nil, err
	}
	if in.VersionIdMarker != "" && in.KeyMarker == "" {
		return nil, invalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", in.VersionIdMarker)
	}
	if in.VersionIdMarker != "" && !validVersionID(in.VersionIdMarker) {
		return nil, invalidArgument("Invalid version id specified", "version-id-marker", in.VersionIdMarker)
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	out := &ListObjectVersionsOutput{
		Name: b.name, Prefix: in.Prefix, KeyMarker: in.KeyMarker, VersionIdMarker: in.VersionIdMarker,
		Delimiter: in.Delimiter, MaxKeys: int32(limit), EncodingType: in.EncodingType,
	}
	owner := s.owner(s.bucketOwner(b))
	from := startAfter(in.KeyMarker, in.Prefix, in.Delimiter)
	if in.VersionIdMarker != "" {
		from = in.KeyMarker // resume inside the marker's key
	}
	count := 0
	add := func(v *version, latest bool) {
		if v.DeleteMarker {
			out.DeleteMarkers = append(out.DeleteMarkers, DeleteMarkerEntry{Key: v.Key, VersionId: v.ID, IsLatest: latest, LastModified: v.Modified, Owner: owner})
		} else {
			o := s.object(v, owner)
			out.Versions = append(out.Versions, ObjectVersion{
				Key: v.Key, VersionId: v.ID, IsLatest: latest, LastModified: v.Modified, ETag: v.ETag,
				ChecksumAlgorithm: o.ChecksumAlgorithm, ChecksumType: o.ChecksumType, Size: v.Size, StorageClass: o.StorageClass, Owner: owner,
			})
		}
		count++
		out.NextKeyMarker, out.NextVersionIdMarker = v.Key, v.ID
	}
	all := func(*keyEntry) bool { return true }
	b.mu.RLock()
	defer b.mu.RUnlock()
	b.walkLocked(in.Prefix, in.Delimiter, from, all, func(e *keyEntry, cp string) bool {
		if cp != "" {
			if count == limit {
				out.IsTruncated = limit > 0
				return false
			}
			out.CommonPrefixes = append(out.CommonPrefixes, CommonPrefix{Prefix: cp})
			count++
			out.NextKeyMarker, out.NextVersionIdMarker = cp, ""
			return true
		}
		versions := e.versions
		if in.VersionIdMarker != "" && e.key == in.KeyMarker {
			versions = after(versions, in.VersionIdMarker)
		}
		for _, v := range versions {
			if count == limit {
				out.IsTruncated = limit > 0
				return false
			}
			add(v, v == e.versions[0])
		}
		return true
	})
	if !out.IsTruncated {
		out.NextKeyMarker, out.NextVersionIdMarker = "", ""
	}
	return out, nil
}

// after returns the versions that follow the one of id (none if it is not
// there: the marker's key has moved on).
func after(versions []*version, id string) []*version {
	for i, v := range versions {
		if v.ID == id {
			return versions[i+1:]
		}
	}
	return nil
}
