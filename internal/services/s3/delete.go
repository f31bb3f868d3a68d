package s3

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// DeleteObjectInput is DeleteObject's request.
type DeleteObjectInput struct {
	Bucket    string `json:"Bucket"`
	Key       string `json:"Key"`
	VersionId string `json:"VersionId,omitempty"`
	// IfMatch, IfMatchLastModifiedTime and IfMatchSize make the deletion
	// conditional on the current version.
	IfMatch                 string     `json:"IfMatch,omitempty"`
	IfMatchLastModifiedTime *time.Time `json:"IfMatchLastModifiedTime,omitempty"`
	IfMatchSize             *int64     `json:"IfMatchSize,omitempty"`
}

// DeleteObjectOutput is DeleteObject's response.
type DeleteObjectOutput struct {
	DeleteMarker bool   `json:"DeleteMarker,omitempty"`
	VersionId    string `json:"VersionId,omitempty"`
}

// DeleteObject deletes as S3 does by the bucket's versioning: without a
// version id, an unversioned bucket loses the object, a versioned one
// gains a delete marker (whose id is "null" when versioning is suspended,
// replacing the null version); with a version id, that version (or delete
// marker) is removed for good. Deleting what does not exist succeeds.
func (s *Service) DeleteObject(ctx context.Context, in *DeleteObjectInput) (*DeleteObjectOutput, error) {
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	if in.VersionId != "" && !validVersionID(in.VersionId) {
		return nil, invalidVersionID(in.VersionId)
	}
	b, release, err := s.commitBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	defer release()
	l := s.keyLock(in.Bucket, in.Key)
	l.Lock()
	defer l.Unlock()
	b.mu.RLock()
	cur, versioning := b.currentLocked(in.Key), b.rec.Versioning
	var target *version
	if in.VersionId != "" {
		target = b.findLocked(in.Key, in.VersionId)
	}
	b.mu.RUnlock()
	if err := checkDeleteConditions(in, cur); err != nil {
		return nil, err
	}
	switch {
	case in.VersionId != "":
		if target == nil {
			return &DeleteObjectOutput{VersionId: in.VersionId}, nil
		}
		if err := s.removeVersionLocked(ctx, b, target, eventDelete); err != nil {
			return nil, err
		}
		return &DeleteObjectOutput{DeleteMarker: target.DeleteMarker, VersionId: target.ID}, nil
	case versioning == "":
		if cur != nil {
			if err := s.removeVersionLocked(ctx, b, cur, eventDelete); err != nil {
				return nil, err
			}
		}
		return &DeleteObjectOutput{}, nil
	}
	m, err := s.addDeleteMarkerLocked(ctx, b, in.Key, versioning, eventDeleteMarker)
	if err != nil {
		return nil, err
	}
	return &DeleteObjectOutput{DeleteMarker: true, VersionId: m.ID}, nil
}

func checkDeleteConditions(in *DeleteObjectInput, cur *version) error {
	if in.IfMatch == "" && in.IfMatchLastModifiedTime == nil && in.IfMatchSize == nil {
		return nil
	}
	if cur == nil || cur.DeleteMarker {
		return noSuchKey(in.Key)
	}
	switch {
	case in.IfMatch != "" && !etagMatches(in.IfMatch, cur.ETag):
		return preconditionFailed("If-Match")
	case in.IfMatchLastModifiedTime != nil && !cur.Modified.Truncate(time.Second).Equal(in.IfMatchLastModifiedTime.Truncate(time.Second)):
		return preconditionFailed("x-amz-if-match-last-modified-time")
	case in.IfMatchSize != nil && *in.IfMatchSize != cur.Size:
		return preconditionFailed("x-amz-if-match-size")
	}
	return nil
}

// removeVersionLocked deletes one version for good: from the KV store,
// the index, then its bytes. The caller holds the key's lock and the
// bucket's life lock.
func (s *Service) removeVersionLocked(ctx context.Context, b *bucket, v *version, event string) error {
	if err := s.deleteRecord(ctx, versionKey(b.name, v.Key, v.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete version: %w", err)
	}
	b.mu.Lock()
	b.removeLocked(v)
	b.mu.Unlock()
	s.blobs.remove(v.blobs())
	return s.emit(ctx, b, event, &version{Key: v.Key, ID: v.ID, Seq: s.nextSeq(), DeleteMarker: v.DeleteMarker})
}

// addDeleteMarkerLocked makes a delete marker the key's current version.
func (s *Service) addDeleteMarkerLocked(ctx context.Context, b *bucket, key, versioning, event string) (*version, error) {
	m := &version{Key: key, ID: "null", DeleteMarker: true, Seq: s.nextSeq(), Modified: s.opts.Now().UTC()}
	if versioning == VersioningEnabled {
		m.ID = newVersionID()
	}
	if err := s.storeVersion(ctx, b.name, m); err != nil {
		return nil, err
	}
	b.mu.Lock()
	replaced := b.addLocked(m)
	b.mu.Unlock()
	if replaced != nil {
		s.blobs.remove(replaced.blobs())
	}
	return m, s.emit(ctx, b, event, m)
}

// ObjectIdentifier names one object of DeleteObjects.
type ObjectIdentifier struct {
	Key              string     `json:"Key" xml:"Key"`
	VersionId        string     `json:"VersionId,omitempty" xml:"VersionId,omitempty"`
	ETag             string     `json:"ETag,omitempty" xml:"ETag,omitempty"`
	LastModifiedTime *time.Time `json:"LastModifiedTime,omitempty" xml:"LastModifiedTime,omitempty"`
	Size             *int64     `json:"Size,omitempty" xml:"Size,omitempty"`
}

// Delete is DeleteObjects' body.
type Delete struct {
	XMLName struct{}           `json:"-" xml:"Delete"`
	Objects []ObjectIdentifier `json:"Objects" xml:"Object"`
	Quiet   bool               `json:"Quiet,omitempty" xml:"Quiet,omitempty"`
}

// DeleteObjectsInput is DeleteObjects' request.
type DeleteObjectsInput struct {
	Bucket string  `json:"Bucket"`
	Delete *Delete `json:"Delete"`
	// Check, when set, may refuse the deletion of one object (the
	// caller's permission to delete it): its *awserr.Error is that
	// object's error, and the others are deleted.
	Check func(o ObjectIdentifier) error `json:"-"`
}

// DeletedObject is one deletion that succeeded.
type DeletedObject struct {
	Key                   string `json:"Key" xml:"Key"`
	VersionId             string `json:"VersionId,omitempty" xml:"VersionId,omitempty"`
	DeleteMarker          bool   `json:"DeleteMarker,omitempty" xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionId string `json:"DeleteMarkerVersionId,omitempty" xml:"DeleteMarkerVersionId,omitempty"`
}

// DeleteError is one deletion that failed.
type DeleteError struct {
	Key       string `json:"Key" xml:"Key"`
	VersionId string `json:"VersionId,omitempty" xml:"VersionId,omitempty"`
	Code      string `json:"Code" xml:"Code"`
	Message   string `json:"Message" xml:"Message"`
}

// DeleteObjectsOutput is DeleteObjects' response.
type DeleteObjectsOutput struct {
	XMLName struct{}        `json:"-" xml:"DeleteResult"`
	Deleted []DeletedObject `json:"Deleted,omitempty" xml:"Deleted,omitempty"`
	Errors  []DeleteError   `json:"Errors,omitempty" xml:"Error,omitempty"`
}

// DeleteObjects deletes up to 1,000 objects as DeleteObject does, each
// reported as deleted (unless Quiet) or as an error.
func (s *Service) DeleteObjects(ctx context.Context, in *DeleteObjectsInput) (*DeleteObjectsOutput, error) {
	if in.Delete == nil || len(in.Delete.Objects) == 0 || len(in.Delete.Objects) > 1000 {
		return nil, malformedXML()
	}
	if _, err := s.bucket(ctx, in.Bucket); err != nil {
		return nil, err
	}
	out := &DeleteObjectsOutput{}
	for _, o := range in.Delete.Objects {
		var r *DeleteObjectOutput
		var err error
		if in.Check != nil {
			err = in.Check(o)
		}
		if err == nil {
			r, err = s.DeleteObject(ctx, &DeleteObjectInput{
				Bucket: in.Bucket, Key: o.Key, VersionId: o.VersionId,
				IfMatch: o.ETag, IfMatchLastModifiedTime: o.LastModifiedTime, IfMatchSize: o.Size,
			})
		}
		if err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) {
				return nil, err
			}
			out.Errors = append(out.Errors, DeleteError{Key: o.Key, VersionId: o.VersionId, Code: ae.Code.Name, Message: ae.Message})
			continue
		}
		if in.Delete.Quiet {
			continue
		}
		d := DeletedObject{Key: o.Key, VersionId: o.VersionId}
		if r.DeleteMarker {
			d.DeleteMarker = true
			if o.VersionId == "" {
				d.DeleteMarkerVersionId = r.VersionId
			}
		}
		out.Deleted = append(out.Deleted, d)
	}
	return out, nil
}
