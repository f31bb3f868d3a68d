package iam

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nubo-dev/nubo/internal/store"
)

// Secrets and session tokens.
//
// nubo stores no secret access key. A key's secret is derived, when it is
// created and whenever a request signed with it is verified, from the
// server key: HMAC(server key, access key id and a per-key salt). Session
// tokens are sealed, self-contained: AES-256-GCM under the server key of
// the session's claims (account, role, session name, expiry, session
// policy), bound to the temporary access key id; the temporary secret is
// derived like a long-term one. So verifying a temporary credential reads
// nothing from the store, any node holding the server key can verify it,
// and nothing is to be swept when sessions expire. The price is that a
// session cannot be revoked before it expires (as in AWS, where a role's
// policies, read at each request, are the way to cut it off).
//
// The server key is one random 32-byte value created once in the KV, so
// that every node of a cluster shares it; whoever can read the KV (the data
// directory, which must be 0700) can derive every secret, as they could
// read stored secrets. Changing it invalidates every key and session.

// serverKeyName is the KV key of the server key.
var serverKeyName = store.Key("iam", "serverkey")

// keyring derives secrets and seals tokens from the server key.
type keyring struct {
	master []byte
	mac    []byte // key of secret derivation
	aead   cipher.AEAD
}

func loadKeyring(ctx context.Context, kv store.KV) (*keyring, error) {
	ent, err := kv.Get(ctx, serverKeyName)
	if errors.Is(err, store.ErrNotFound) {
		key := make([]byte, 32)
		rand.Read(key)
		if _, err = kv.Create(ctx, serverKeyName, key); errors.Is(err, store.ErrExists) {
			return loadKeyring(ctx, kv) // another node created it first
		}
		ent.Value = key
	}
	if err != nil {
		return nil, err
	}
	if len(ent.Value) != 32 {
		return nil, fmt.Errorf("server key has %d bytes, want 32", len(ent.Value))
	}
	return newKeyring(ent.Value)
}

func newKeyring(master []byte) (*keyring, error) {
	block, err := aes.NewCipher(subkey(master, "session-token"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &keyring{master: master, mac: subkey(master, "secret-access-key"), aead: aead}, nil
}

func subkey(master []byte, purpose string) []byte {
	h := hmac.New(sha256.New, master)
	h.Write([]byte(purpose))
	return h.Sum(nil)
}

// MAC authenticates msg for purpose under a key derived from the server
// key, so that every node verifies what any node signed (the links
// GetFunction returns for code packages).
func (s *Service) MAC(purpose string, msg []byte) []byte {
	h := hmac.New(sha256.New, subkey(s.keys.master, "mac:"+purpose))
	h.Write(msg)
	return h.Sum(nil)
}

// secret is the secret access key of an access key id and salt: 40
// characters of base64, as AWS's are.
func (k *keyring) secret(accessKeyID, salt string) string {
	h := hmac.New(sha256.New, k.mac)
	h.Write([]byte(accessKeyID + "\x00" + salt))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))[:40]
}

// session is what a session token carries.
type session struct {
	Account string `json:"a"`
	// Role and Name are the assumed role's ARN and the session name; both
	// empty for GetSessionToken's sessions, which act as User.
	Role string `json:"r,omitempty"`
	Name string `json:"n,omitempty"`
	// RoleID is the role's unique id (AROA...), for aws:userid.
	RoleID string `json:"ri,omitempty"`
	// User is the IAM user whose GetSessionToken made the session; "" for
	// the root or for role sessions.
	User string `json:"u,omitempty"`
	// Root marks a session of the account's root.
	Root    bool  `json:"root,omitempty"`
	Issued  int64 `json:"i"`
	Expires int64 `json:"e"`
	// Policy is the session policy passed to AssumeRole; PolicyArns the
	// managed session policies.
	Policy     string   `json:"p,omitempty"`
	PolicyArns []string `json:"pa,omitempty"`
	// Tags are the session tags (aws:PrincipalTag/ keys, over the role's
	// own); Transitive names those that pass on to a chained session.
	Tags       []Tag    `json:"t,omitempty"`
	Transitive []string `json:"tt,omitempty"`
	// SourceIdentity is set once and passes on to chained sessions.
	SourceIdentity string `json:"si,omitempty"`
	// Salt makes the temporary secret unguessable from the key id alone.
	Salt string `json:"s"`
}

const tokenVersion = 1

// seal returns the session token of s for a temporary access key id.
func (k *keyring) seal(accessKeyID string, s *session) (string, error) {
	plain, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, k.aead.NonceSize(), 1+k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	rand.Read(nonce)
	out := append([]byte{tokenVersion}, nonce...)
	out = k.aead.Seal(out, nonce, plain, []byte(accessKeyID))
	return base64.StdEncoding.EncodeToString(out), nil
}

// open returns the session a token carries, if it was sealed for this
// access key id with this server key.
func (k *keyring) open(accessKeyID, token string) (*session, bool) {
	raw, err := base64.StdEncoding.DecodeString(token)
	n := k.aead.NonceSize()
	if err != nil || len(raw) < 1+n || raw[0] != tokenVersion {
		return nil, false
	}
	plain, err := k.aead.Open(nil, raw[1:1+n], raw[1+n:], []byte(accessKeyID))
	if err != nil {
		return nil, false
	}
	var s session
	if json.Unmarshal(plain, &s) != nil {
		return nil, false
	}
	return &s, true
}
