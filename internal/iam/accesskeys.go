package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/sigv4"
	"github.com/nubo-dev/nubo/internal/store"
)

// Access key statuses.
const (
	statusActive   = "Active"
	statusInactive = "Inactive"
)

// keyRecord is what the store holds for an access key: no secret, only
// the salt its secret is derived with (see keys.go).
type keyRecord struct {
	Account    string    `json:"account"`
	UserName   string    `json:"user"`
	Status     string    `json:"status"`
	CreateDate time.Time `json:"created"`
	Salt       string    `json:"salt"`
}

// Access keys are global (an id names one account's key), so that a
// request's key id finds its account.
func accessKeyKey(id string) string { return store.Key("iam", "accesskey", id) }

func (s *Service) getKey(ctx context.Context, id string) (*keyRecord, error) {
	ent, err := s.kv.Get(ctx, accessKeyKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, &sigv4.Error{Kind: sigv4.UnknownKey}
	}
	if err != nil {
		return nil, fmt.Errorf("read access key: %w", err)
	}
	var k keyRecord
	if err := json.Unmarshal(ent.Value, &k); err != nil {
		return nil, fmt.Errorf("decode access key: %w", err)
	}
	return &k, nil
}

// userKeys are the access keys of a user.
func (s *Service) userKeys(ctx context.Context, acct, user string) ([]AccessKeyMetadata, error) {
	ids, err := s.kv.Keys(ctx, store.Key("iam", "accesskey"))
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	var out []AccessKeyMetadata
	for _, k := range ids {
		parts := store.SplitKey(k)
		id := parts[len(parts)-1]
		rec, err := s.getKey(ctx, id)
		if err != nil {
			continue // deleted meanwhile
		}
		if rec.Account == acct && strings.EqualFold(rec.UserName, user) {
			out = append(out, AccessKeyMetadata{UserName: rec.UserName, AccessKeyId: id, Status: rec.Status, CreateDate: rec.CreateDate})
		}
	}
	return out, nil
}

// CreateAccessKeyOutput is CreateAccessKey's result.
type CreateAccessKeyOutput struct {
	AccessKey AccessKey `json:"AccessKey"`
}

// CreateAccessKey creates an access key for a user (the caller when no
// name is given), at most two per user. Its secret is returned this once.
func (s *Service) CreateAccessKey(ctx context.Context, caller *Principal, in *UserNameInput) (*CreateAccessKeyOutput, error) {
	name, err := userName(caller, in.UserName)
	if err != nil {
		return nil, err
	}
	e, _, err := s.getEntity(ctx, caller.Account, kindUser, name)
	if err != nil {
		return nil, err
	}
	keys, err := s.userKeys(ctx, caller.Account, name)
	if err != nil {
		return nil, err
	}
	if len(keys) >= accessKeysQuota {
		return nil, limit("Cannot exceed quota for AccessKeysPerUser: %d", accessKeysQuota)
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	rec := keyRecord{Account: caller.Account, UserName: e.User.UserName, Status: statusActive, CreateDate: s.now(), Salt: base64.RawStdEncoding.EncodeToString(salt)}
	data, err := json.Marshal(&rec)
	if err != nil {
		return nil, err
	}
	id := newID("AKIA")
	if _, err := s.kv.Create(ctx, accessKeyKey(id), data); err != nil {
		return nil, fmt.Errorf("store access key: %w", err)
	}
	s.log.Info("iam: access key created", "account", caller.Account, "user", rec.UserName, "access_key_id", id, "by", caller.Arn)
	return &CreateAccessKeyOutput{AccessKey: AccessKey{UserName: rec.UserName, AccessKeyId: id, Status: rec.Status,
		SecretAccessKey: s.keys.secret(id, rec.Salt), CreateDate: rec.CreateDate}}, nil
}

// ListAccessKeysOutput is ListAccessKeys' result.
type ListAccessKeysOutput struct {
	AccessKeyMetadata []AccessKeyMetadata `json:"AccessKeyMetadata"`
	Truncation
}

// ListAccessKeys lists a user's keys, without secrets.
func (s *Service) ListAccessKeys(ctx context.Context, caller *Principal, in *UserNameInput) (*ListAccessKeysOutput, error) {
	name, err := userName(caller, in.UserName)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.getEntity(ctx, caller.Account, kindUser, name); err != nil {
		return nil, err
	}
	keys, err := s.userKeys(ctx, caller.Account, name)
	if err != nil {
		return nil, err
	}
	page, tr, err := paginate(keys, func(k AccessKeyMetadata) string { return k.AccessKeyId }, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListAccessKeysOutput{AccessKeyMetadata: page, Truncation: tr}, nil
}

// AccessKeyInput names an access key (UpdateAccessKey, DeleteAccessKey).
type AccessKeyInput struct {
	UserName    string `json:"UserName,omitempty"`
	AccessKeyId string `json:"AccessKeyId"`
	Status      string `json:"Status,omitempty"` // UpdateAccessKey: Active or Inactive
}

// updateKey applies fn to a key of the named user (the caller by default).
func (s *Service) updateKey(ctx context.Context, caller *Principal, in *AccessKeyInput, fn func(k *keyRecord) ([]byte, error)) error {
	name, err := userName(caller, in.UserName)
	if err != nil {
		return err
	}
	rec, err := s.getKey(ctx, in.AccessKeyId)
	if err != nil || rec.Account != caller.Account || !strings.EqualFold(rec.UserName, name) {
		return noSuch("The Access Key with id %s cannot be found.", in.AccessKeyId)
	}
	data, err := fn(rec)
	if err != nil {
		return err
	}
	if data == nil {
		err = s.kv.Delete(ctx, accessKeyKey(in.AccessKeyId))
	} else {
		_, err = s.kv.Put(ctx, accessKeyKey(in.AccessKeyId), data)
	}
	if err != nil {
		return fmt.Errorf("store access key: %w", err)
	}
	s.cache.invalidate()
	return nil
}

// UpdateAccessKey makes a key Active or Inactive (an inactive key
// authenticates nothing).
func (s *Service) UpdateAccessKey(ctx context.Context, caller *Principal, in *AccessKeyInput) error {
	if in.Status != statusActive && in.Status != statusInactive {
		return invalid("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", in.Status)
	}
	return s.updateKey(ctx, caller, in, func(k *keyRecord) ([]byte, error) {
		k.Status = in.Status
		return json.Marshal(k)
	})
}

// DeleteAccessKey deletes a key.
func (s *Service) DeleteAccessKey(ctx context.Context, caller *Principal, in *AccessKeyInput) error {
	err := s.updateKey(ctx, caller, in, func(*keyRecord) ([]byte, error) { return nil, nil })
	if err == nil {
		s.log.Info("iam: access key deleted", "account", caller.Account, "access_key_id", in.AccessKeyId, "by", caller.Arn)
	}
	return err
}
