package s3

import (
	"context"
	"errors"
	"time"
)

// lifecyclePrincipal is who lifecycle events name as their cause.
const lifecyclePrincipal = "s3.amazonaws.com"

// sweep applies every bucket's enabled lifecycle rules once, at the
// injected clock's time: expirations of current versions (a delete marker
// in versioned buckets), of noncurrent versions and of lone delete
// markers, transitions of storage class, and aborts of old uploads.
func (s *Service) sweep(ctx context.Context) error {
	ctx = WithCaller(ctx, Caller{PrincipalID: lifecyclePrincipal})
	if err := s.sync(ctx); err != nil {
		return err
	}
	now := s.opts.Now()
	s.mu.RLock()
	var all []*bucket
	for _, b := range s.buckets {
		all = append(all, b)
	}
	s.mu.RUnlock()
	var errs []error
	for _, b := range all {
		b.mu.RLock()
		rules := enabledRules(b.rec.Lifecycle)
		b.mu.RUnlock()
		if len(rules) == 0 {
			continue
		}
		if err := s.sweepBucket(ctx, b, rules, now); err != nil && ctx.Err() == nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func enabledRules(rules []LifecycleRule) []LifecycleRule {
	var out []LifecycleRule
	for _, r := range rules {
		if r.Status == "Enabled" {
			out = append(out, r)
		}
	}
	return out
}

func (s *Service) sweepBucket(ctx context.Context, b *bucket, rules []LifecycleRule, now time.Time) error {
	b.mu.RLock()
	keys := make([]string, 0, b.keys.Len())
	b.keys.Ascend(func(e *keyEntry) bool { keys = append(keys, e.key); return true })
	var uploads []*upload
	b.uploads.Ascend(func(u *upload) bool { uploads = append(uploads, u); return true })
	b.mu.RUnlock()
	for _, k := range keys {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := s.sweepKey(ctx, b, k, rules, now); err != nil {
			return err
		}
	}
	for _, u := range uploads {
		if due, _ := uploadDue(u, rules); !due.IsZero() && !now.Before(due) {
			if err := s.AbortMultipartUpload(ctx, &AbortMultipartUploadInput{Bucket: b.name, Key: u.rec.Key, UploadId: u.rec.ID}); err != nil && !errors.Is(err, ErrNoSuchUpload) {
				return err
			}
		}
	}
	return nil
}

// uploadDue is when the first enabled rule that aborts u takes effect
// (zero for none), and that rule's id: x-amz-abort-date and
// x-amz-abort-rule-id.
func uploadDue(u *upload, rules []LifecycleRule) (time.Time, string) {
	var due time.Time
	id := ""
	for i := range rules {
		a := rules[i].AbortIncompleteMultipartUpload
		if rules[i].Status != "Enabled" || a == nil || a.DaysAfterInitiation == nil || !rules[i].filter().matches(&version{Key: u.rec.Key}) {
			continue
		}
		if d := dueAfter(u.rec.Initiated, *a.DaysAfterInitiation); due.IsZero() || d.Before(due) {
			due, id = d, rules[i].ID
		}
	}
	return due, id
}

// abortInfo is uploadDue as the response members AbortDate and AbortRuleId.
func (s *Service) abortInfo(b *bucket, u *upload) (*time.Time, string) {
	b.mu.RLock()
	rules := b.rec.Lifecycle
	b.mu.RUnlock()
	due, id := uploadDue(u, rules)
	if due.IsZero() {
		return nil, ""
	}
	return &due, id
}

// sweepKey applies the rules to one key's versions under its lock.
func (s *Service) sweepKey(ctx context.Context, b *bucket, key string, rules []LifecycleRule, now time.Time) error {
	b2, release, err := s.commitBucketNow(b.name)
	if err != nil {
		return nil // deleted meanwhile
	}
	defer release()
	l := s.keyLock(b.name, key)
	l.Lock()
	defer l.Unlock()
	b2.mu.RLock()
	var versions []*version
	if e := b2.entryLocked(key); e != nil {
		versions = append(versions, e.versions...)
	}
	versioning := b2.rec.Versioning
	b2.mu.RUnlock()
	if len(versions) == 0 {
		return nil
	}
	if err := s.sweepCurrent(ctx, b2, versions, versioning, rules, now); err != nil {
		return err
	}
	return s.sweepNoncurrent(ctx, b2, versions, rules, now)
}

func (s *Service) sweepCurrent(ctx context.Context, b *bucket, versions []*version, versioning string, rules []LifecycleRule, now time.Time) error {
	cur := versions[0]
	for i := range rules {
		r := &rules[i]
		e, f := r.Expiration, r.filter()
		if e == nil || !f.matches(cur) {
			continue
		}
		if cur.DeleteMarker {
			if e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker && len(versions) == 1 {
				return s.removeVersionLocked(ctx, b, cur, eventExpirationDelete)
			}
			continue
		}
		if !expirationDue(e, cur.Modified, now) {
			continue
		}
		if versioning == "" {
			return s.removeVersionLocked(ctx, b, cur, eventExpirationDelete)
		}
		_, err := s.addDeleteMarkerLocked(ctx, b, cur.Key, versioning, eventExpirationDelMarker)
		return err
	}
	if cur.DeleteMarker {
		return nil
	}
	class := ""
	for i := range rules {
		if !rules[i].filter().matches(cur) {
			continue
		}
		for _, t := range rules[i].Transitions {
			if transitionDue(t, cur.Modified, now) {
				class = t.StorageClass
			}
		}
	}
	return s.transitionLocked(ctx, b, cur, class)
}

func expirationDue(e *LifecycleExpiration, created, now time.Time) bool {
	switch {
	case e.Days != nil:
		return !now.Before(dueAfter(created, *e.Days))
	case e.Date != nil:
		return !now.Before(*e.Date)
	}
	return false
}

func transitionDue(t Transition, created, now time.Time) bool {
	switch {
	case t.Days != nil:
		return !now.Before(dueAfter(created, *t.Days))
	case t.Date != nil:
		return !now.Before(*t.Date)
	}
	return false
}

// sweepNoncurrent expires and transitions noncurrent versions. A version
// became noncurrent when the next newer one was written.
func (s *Service) sweepNoncurrent(ctx context.Context, b *bucket, versions []*version, rules []LifecycleRule, now time.Time) error {
	for i := 1; i < len(versions); i++ {
		v, since, newer := versions[i], versions[i-1].Modified, i-1
		expire, class := false, ""
		for j := range rules {
			r := &rules[j]
			if !r.filter().matches(v) {
				continue
			}
			if e := r.NoncurrentVersionExpiration; e != nil && !now.Before(dueAfter(since, *e.NoncurrentDays)) &&
				(e.NewerNoncurrentVersions == nil || newer >= int(*e.NewerNoncurrentVersions)) {
				expire = true
			}
			for _, t := range r.NoncurrentVersionTransitions {
				if !now.Before(dueAfter(since, *t.NoncurrentDays)) &&
					(t.NewerNoncurrentVersions == nil || newer >= int(*t.NewerNoncurrentVersions)) {
					class = t.StorageClass
				}
			}
		}
		var err error
		switch {
		case expire:
			err = s.removeVersionLocked(ctx, b, v, eventExpirationDelete)
		case !v.DeleteMarker:
			err = s.transitionLocked(ctx, b, v, class)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// transitionLocked moves a version to another storage class ("" leaves
// it as it is).
func (s *Service) transitionLocked(ctx context.Context, b *bucket, v *version, class string) error {
	if class == "" || v.StorageClass == class {
		return nil
	}
	return s.updateVersionLocked(ctx, b, v, func(nv *version) { nv.StorageClass = class })
}

// updateVersionLocked rewrites a version's record with fn applied to a
// copy, keeping its place among the key's versions. The caller holds the
// key's lock and the bucket's life lock.
func (s *Service) updateVersionLocked(ctx context.Context, b *bucket, v *version, fn func(*version)) error {
	nv := *v
	fn(&nv)
	if err := s.storeVersion(ctx, b.name, &nv); err != nil {
		return err
	}
	b.mu.Lock()
	b.replaceLocked(&nv)
	b.mu.Unlock()
	return nil
}
