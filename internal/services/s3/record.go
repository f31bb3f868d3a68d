package s3

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// The KV layout (bucket "s3"; store.Key escapes each token):
//
//	b.<bucket>                        bucketRecord
//	o.<bucket>.<keyhash>.<versionid>  version (one per object version or delete marker)
//	u.<bucket>.<uploadid>             uploadRecord
//	p.<bucket>.<uploadid>.<part>      partRecord
//
// Object keys are hashed (keys may be 1024 bytes; NATS subjects should
// stay short) and the key itself is in the value.

func bucketKey(name string) string { return store.Key("b", name) }

func versionKey(bucket, key, id string) string {
	return store.Key("o", bucket, keyHash(key), id)
}

func uploadKey(bucket, id string) string { return store.Key("u", bucket, id) }

func partKey(bucket, id string, n int) string {
	return store.Key("p", bucket, id, strconv.Itoa(n))
}

func keyHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:16])
}

// segment is one file of an object's bytes: the whole object, or one part
// of a multipart object (parts are kept as they were uploaded, never
// concatenated).
type segment struct {
	Blob     string `json:"b"`
	Size     int64  `json:"s"`
	Checksum string `json:"c,omitempty"`
}

// objChecksum is the checksum stored with an object.
type objChecksum struct {
	Algorithm string `json:"a,omitempty"`
	Type      string `json:"t,omitempty"`
	Value     string `json:"v,omitempty"`
}

// version is one version of a key, or a delete marker, as stored.
type version struct {
	Key          string `json:"k"`
	ID           string `json:"v"`
	Seq          uint64 `json:"q"`
	DeleteMarker bool   `json:"dm,omitempty"`
	// Modified is when it was written (LastModified).
	Modified     time.Time         `json:"t"`
	Size         int64             `json:"s,omitempty"`
	ETag         string            `json:"e,omitempty"`
	Segments     []segment         `json:"p,omitempty"`
	Multipart    bool              `json:"mp,omitempty"`
	UploadID     string            `json:"u,omitempty"`
	Headers      ObjectHeaders     `json:"h"`
	Meta         map[string]string `json:"m,omitempty"`
	Tags         []Tag             `json:"tg,omitempty"`
	StorageClass string            `json:"sc,omitempty"`
	Checksum     objChecksum       `json:"ck"`

	// rev is the KV revision of the record (in memory only): in a cluster
	// a change followed from the store replaces it only when newer.
	rev uint64
	// record is the tail of its KV key, <keyhash>.<versionid>, by which a
	// followed deletion finds it ("" until recordKey).
	record string
}

// recordKey is the tail of v's KV key that names it within its bucket.
func (v *version) recordKey() string {
	if v.record == "" {
		v.record = recordKey(keyHash(v.Key), v.ID)
	}
	return v.record
}

func recordKey(hash, id string) string { return hash + "." + id }

func (v *version) blobs() []string {
	ids := make([]string, len(v.Segments))
	for i, s := range v.Segments {
		ids[i] = s.Blob
	}
	return ids
}

func (v *version) storageClass() string {
	if v.StorageClass == "" {
		return "STANDARD"
	}
	return v.StorageClass
}

// partsCount is what x-amz-mp-parts-count says: the parts of a multipart
// object, 0 for others.
func (v *version) partsCount() int {
	if !v.Multipart {
		return 0
	}
	return len(v.Segments)
}

// uploadRecord is a multipart upload as CreateMultipartUpload made it.
type uploadRecord struct {
	ID                string            `json:"id"`
	Key               string            `json:"k"`
	Seq               uint64            `json:"q"`
	Initiated         time.Time         `json:"t"`
	Headers           ObjectHeaders     `json:"h"`
	Meta              map[string]string `json:"m,omitempty"`
	Tags              []Tag             `json:"tg,omitempty"`
	StorageClass      string            `json:"sc,omitempty"`
	ChecksumAlgorithm string            `json:"ca,omitempty"`
	ChecksumType      string            `json:"ct,omitempty"`
}

// partRecord is one uploaded part.
type partRecord struct {
	Number   int       `json:"n"`
	Blob     string    `json:"b"`
	Size     int64     `json:"s"`
	ETag     string    `json:"e"`
	Checksum string    `json:"c,omitempty"`
	Modified time.Time `json:"t"`
	rev      uint64    // its KV revision (in memory only)
}

// bucketRecord is a bucket and its configurations.
type bucketRecord struct {
	Name              string                          `json:"name"`
	Region            string                          `json:"region"`
	Owner             string                          `json:"owner"`
	Created           time.Time                       `json:"created"`
	Versioning        string                          `json:"versioning,omitempty"`
	MFADelete         string                          `json:"mfaDelete,omitempty"`
	Tags              []Tag                           `json:"tags,omitempty"`
	CORS              []CORSRule                      `json:"cors,omitempty"`
	Policy            string                          `json:"policy,omitempty"`
	Lifecycle         []LifecycleRule                 `json:"lifecycle,omitempty"`
	Notification      *NotificationConfiguration      `json:"notification,omitempty"`
	Ownership         *OwnershipControls              `json:"ownership,omitempty"`
	PublicAccessBlock *PublicAccessBlockConfiguration `json:"publicAccessBlock,omitempty"`
}
