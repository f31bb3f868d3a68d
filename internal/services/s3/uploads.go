package s3

import (
	"context"
	"sort"
	"strings"
	"time"
)

// ListPartsInput is ListParts' request.
type ListPartsInput struct {
	Bucket           string `json:"Bucket"`
	Key              string `json:"Key"`
	UploadId         string `json:"UploadId"`
	MaxParts         *int32 `json:"MaxParts,omitempty"`
	PartNumberMarker *int32 `json:"PartNumberMarker,omitempty"`
}

// Part is one part of ListParts.
type Part struct {
	PartNumber   int32     `json:"PartNumber" xml:"PartNumber"`
	LastModified time.Time `json:"LastModified" xml:"LastModified"`
	ETag         string    `json:"ETag" xml:"ETag"`
	Size         int64     `json:"Size" xml:"Size"`
	Checksums
}

// ListPartsOutput is ListParts' response.
type ListPartsOutput struct {
	XMLName              struct{}   `json:"-" xml:"ListPartsResult"`
	Bucket               string     `json:"Bucket" xml:"Bucket"`
	Key                  string     `json:"Key" xml:"Key"`
	UploadId             string     `json:"UploadId" xml:"UploadId"`
	PartNumberMarker     int32      `json:"PartNumberMarker" xml:"PartNumberMarker"`
	NextPartNumberMarker int32      `json:"NextPartNumberMarker" xml:"NextPartNumberMarker"`
	MaxParts             int32      `json:"MaxParts" xml:"MaxParts"`
	IsTruncated          bool       `json:"IsTruncated" xml:"IsTruncated"`
	Parts                []Part     `json:"Parts,omitempty" xml:"Part,omitempty"`
	Initiator            *Owner     `json:"Initiator" xml:"Initiator"`
	Owner                *Owner     `json:"Owner" xml:"Owner"`
	StorageClass         string     `json:"StorageClass" xml:"StorageClass"`
	ChecksumAlgorithm    string     `json:"ChecksumAlgorithm,omitempty" xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType         string     `json:"ChecksumType,omitempty" xml:"ChecksumType,omitempty"`
	AbortDate            *time.Time `json:"AbortDate,omitempty" xml:"-"`
	AbortRuleId          string     `json:"AbortRuleId,omitempty" xml:"-"`
}

// ListParts lists an upload's parts by number, MaxParts (at most 1,000)
// at a time after PartNumberMarker.
func (s *Service) ListParts(ctx context.Context, in *ListPartsInput) (*ListPartsOutput, error) {
	limit, err := maxKeys(in.MaxParts, "max-parts")
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	u, err := s.findUpload(b, in.Key, in.UploadId)
	if err != nil {
		return nil, err
	}
	var marker int32
	if in.PartNumberMarker != nil {
		marker = *in.PartNumberMarker
	}
	owner := s.owner(s.bucketOwner(b))
	out := &ListPartsOutput{
		Bucket: b.name, Key: in.Key, UploadId: in.UploadId, PartNumberMarker: marker, MaxParts: int32(limit),
		Initiator: owner, Owner: owner, StorageClass: storageClassOr(u.rec.StorageClass),
		ChecksumAlgorithm: u.rec.ChecksumAlgorithm, ChecksumType: u.rec.ChecksumType,
	}
	out.AbortDate, out.AbortRuleId = s.abortInfo(b, u)
	u.mu.Lock()
	var parts []*partRecord
	for n, p := range u.parts {
		if int32(n) > marker {
			parts = append(parts, p)
		}
	}
	u.mu.Unlock()
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	if len(parts) > limit {
		parts, out.IsTruncated = parts[:limit], true
	}
	for _, p := range parts {
		part := Part{PartNumber: int32(p.Number), LastModified: p.Modified, ETag: p.ETag, Size: p.Size}
		if u.rec.ChecksumAlgorithm != "" {
			*part.Checksums.field(u.rec.ChecksumAlgorithm) = p.Checksum
		}
		out.Parts = append(out.Parts, part)
		out.NextPartNumberMarker = int32(p.Number)
	}
	return out, nil
}

func storageClassOr(sc string) string {
	if sc == "" {
		return "STANDARD"
	}
	return sc
}

// ListMultipartUploadsInput is ListMultipartUploads' request.
type ListMultipartUploadsInput struct {
	Bucket         string `json:"Bucket"`
	Delimiter      string `json:"Delimiter,omitempty"`
	EncodingType   string `json:"EncodingType,omitempty"`
	KeyMarker      string `json:"KeyMarker,omitempty"`
	MaxUploads     *int32 `json:"MaxUploads,omitempty"`
	Prefix         string `json:"Prefix,omitempty"`
	UploadIdMarker string `json:"UploadIdMarker,omitempty"`
}

// MultipartUpload is one upload of ListMultipartUploads.
type MultipartUpload struct {
	UploadId          string    `json:"UploadId" xml:"UploadId"`
	Key               string    `json:"Key" xml:"Key"`
	Initiated         time.Time `json:"Initiated" xml:"Initiated"`
	StorageClass      string    `json:"StorageClass" xml:"StorageClass"`
	Owner             *Owner    `json:"Owner" xml:"Owner"`
	Initiator         *Owner    `json:"Initiator" xml:"Initiator"`
	ChecksumAlgorithm string    `json:"ChecksumAlgorithm,omitempty" xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string    `json:"ChecksumType,omitempty" xml:"ChecksumType,omitempty"`
}

// ListMultipartUploadsOutput is its response.
type ListMultipartUploadsOutput struct {
	XMLName            struct{}          `json:"-" xml:"ListMultipartUploadsResult"`
	Bucket             string            `json:"Bucket" xml:"Bucket"`
	KeyMarker          string            `json:"KeyMarker" xml:"KeyMarker"`
	UploadIdMarker     string            `json:"UploadIdMarker" xml:"UploadIdMarker"`
	NextKeyMarker      string            `json:"NextKeyMarker,omitempty" xml:"NextKeyMarker,omitempty"`
	NextUploadIdMarker string            `json:"NextUploadIdMarker,omitempty" xml:"NextUploadIdMarker,omitempty"`
	Prefix             string            `json:"Prefix" xml:"Prefix"`
	Delimiter          string            `json:"Delimiter,omitempty" xml:"Delimiter,omitempty"`
	MaxUploads         int32             `json:"MaxUploads" xml:"MaxUploads"`
	EncodingType       string            `json:"EncodingType,omitempty" xml:"EncodingType,omitempty"`
	IsTruncated        bool              `json:"IsTruncated" xml:"IsTruncated"`
	Uploads            []MultipartUpload `json:"Uploads,omitempty" xml:"Upload,omitempty"`
	CommonPrefixes     []CommonPrefix    `json:"CommonPrefixes,omitempty" xml:"CommonPrefixes,omitempty"`
}

// ListMultipartUploads lists uploads in progress by key, then by when they
// were initiated, resuming after KeyMarker (and UploadIdMarker within it).
func (s *Service) ListMultipartUploads(ctx context.Context, in *ListMultipartUploadsInput) (*ListMultipartUploadsOutput, error) {
	limit, err := maxKeys(in.MaxUploads, "max-uploads")
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
	owner := s.owner(s.bucketOwner(b))
	out := &ListMultipartUploadsOutput{
		Bucket: b.name, KeyMarker: in.KeyMarker, UploadIdMarker: in.UploadIdMarker, Prefix: in.Prefix,
		Delimiter: in.Delimiter, MaxUploads: int32(limit), EncodingType: in.EncodingType,
	}
	// Past the upload-id marker within the key marker's uploads.
	pastMarker := in.UploadIdMarker == ""
	lastCP, count := "", 0
	b.mu.RLock()
	defer b.mu.RUnlock()
	start := max(in.Prefix, in.KeyMarker)
	b.uploads.AscendGreaterOrEqual(&upload{rec: uploadRecord{Key: start}}, func(u *upload) bool {
		key := u.rec.Key
		if !strings.HasPrefix(key, in.Prefix) {
			return key < in.Prefix // before the prefix range: keep going; past it: stop
		}
		if in.KeyMarker != "" && key == in.KeyMarker {
			if !pastMarker {
				pastMarker = u.rec.ID == in.UploadIdMarker
				return true
			}
			if in.UploadIdMarker == "" {
				return true // KeyMarker alone: only keys after it
			}
		}
		cp := commonPrefix(key, in.Prefix, in.Delimiter)
		if cp != "" && cp == lastCP {
			return true
		}
		if count == limit {
			out.IsTruncated = limit > 0
			return false
		}
		count++
		if cp != "" {
			lastCP = cp
			out.CommonPrefixes = append(out.CommonPrefixes, CommonPrefix{Prefix: cp})
			out.NextKeyMarker, out.NextUploadIdMarker = cp, ""
			return true
		}
		out.Uploads = append(out.Uploads, MultipartUpload{
			UploadId: u.rec.ID, Key: key, Initiated: u.rec.Initiated, StorageClass: storageClassOr(u.rec.StorageClass),
			Owner: owner, Initiator: owner, ChecksumAlgorithm: u.rec.ChecksumAlgorithm, ChecksumType: u.rec.ChecksumType,
		})
		out.NextKeyMarker, out.NextUploadIdMarker = key, u.rec.ID
		return true
	})
	if !out.IsTruncated {
		out.NextKeyMarker, out.NextUploadIdMarker = "", ""
	}
	return out, nil
}
