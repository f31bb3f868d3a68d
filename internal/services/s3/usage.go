package s3

// BucketUsage is what a bucket stores, as S3 bills and reports it: every
// version (noncurrent ones too) and the parts of uploads in progress.
type BucketUsage struct {
	Bucket  string
	Region  string
	Bytes   int64
	Objects int64 // versions and delete markers
}

// Usage returns every bucket's usage. It walks the in-memory index (no
// I/O); a bucket is read under its lock, so a large one holds its
// writers back for as long as the walk takes.
func (s *Service) Usage() []BucketUsage {
	s.mu.RLock()
	buckets := make([]*bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		buckets = append(buckets, b)
	}
	s.mu.RUnlock()
	out := make([]BucketUsage, 0, len(buckets))
	for _, b := range buckets {
		out = append(out, b.usage())
	}
	return out
}

func (b *bucket) usage() BucketUsage {
	b.mu.RLock()
	u := BucketUsage{Bucket: b.name, Region: regionOf(&b.rec)}
	var uploads []*upload
	b.keys.Ascend(func(e *keyEntry) bool {
		for _, v := range e.versions {
			u.Bytes += v.Size
			u.Objects++
		}
		return true
	})
	b.uploads.Ascend(func(up *upload) bool { uploads = append(uploads, up); return true })
	b.mu.RUnlock()
	for _, up := range uploads {
		up.mu.Lock()
		for _, p := range up.parts {
			u.Bytes += p.Size
		}
		up.mu.Unlock()
	}
	return u
}
