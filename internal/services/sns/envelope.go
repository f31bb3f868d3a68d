package sns

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// envelope is the JSON document SNS delivers to queues and HTTP endpoints,
// members in AWS's order.
type envelope struct {
	Type              string                   `json:"Type"`
	MessageID         string                   `json:"MessageId"`
	Token             string                   `json:"Token,omitempty"`
	SequenceNumber    string                   `json:"SequenceNumber,omitempty"`
	TopicArn          string                   `json:"TopicArn"`
	Subject           string                   `json:"Subject,omitempty"`
	Message           string                   `json:"Message"`
	SubscribeURL      string                   `json:"SubscribeURL,omitempty"`
	Timestamp         string                   `json:"Timestamp"`
	SignatureVersion  string                   `json:"SignatureVersion"`
	Signature         string                   `json:"Signature"`
	SigningCertURL    string                   `json:"SigningCertURL"`
	UnsubscribeURL    string                   `json:"UnsubscribeURL,omitempty"`
	MessageAttributes map[string]envelopeValue `json:"MessageAttributes,omitempty"`
}

type envelopeValue struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

func envelopeAttributes(attrs map[string]MessageAttribute) map[string]envelopeValue {
	if len(attrs) == 0 {
		return nil
	}
	out := map[string]envelopeValue{}
	for n, a := range attrs {
		v := a.StringValue
		if a.DataType == "Binary" {
			v = base64.StdEncoding.EncodeToString(a.BinaryValue)
		}
		out[n] = envelopeValue{Type: a.DataType, Value: v}
	}
	return out
}

func (s *Service) unsubscribeURL(subARN string) string {
	return s.opts.BaseURL + ConfirmPath + "?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(subARN)
}

func (s *Service) envelope(sub *subscription, m *published, message string) *envelope {
	e := &envelope{
		Type: "Notification", MessageID: m.id, SequenceNumber: m.seq, TopicArn: m.topic.ARN, Subject: m.in.Subject,
		Message: message, Timestamp: m.time.UTC().Format(timeFormat), UnsubscribeURL: s.unsubscribeURL(sub.ARN),
		MessageAttributes: envelopeAttributes(m.in.Attributes),
	}
	m.sign(s.signer, e, s.opts.BaseURL)
	return e
}

// sign signs a notification of m once per message text: its signature
// covers neither the subscription nor the unsubscribe URL, so every
// subscription of a protocol shares it, and an RSA signature is the
// dearest part of a delivery.
func (m *published) sign(sg *signer, e *envelope, baseURL string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if sig, ok := m.signatures[e.Message]; ok {
		e.SignatureVersion, e.Signature, e.SigningCertURL = sig.SignatureVersion, sig.Signature, sig.SigningCertURL
		return
	}
	sg.sign(e, baseURL, m.topic.Attrs["SignatureVersion"])
	if m.signatures == nil {
		m.signatures = map[string]*envelope{}
	}
	m.signatures[e.Message] = e
}

// lambdaEvent is the SNS event of §7.6 (aws-lambda-go's events.SNSEvent).
func (s *Service) lambdaEvent(sub *subscription, m *published) map[string]any {
	e := s.envelope(sub, m, m.messageFor("lambda"))
	var subject any
	if e.Subject != "" {
		subject = e.Subject
	}
	attrs := map[string]envelopeValue{}
	for k, v := range e.MessageAttributes {
		attrs[k] = v
	}
	return map[string]any{"Records": []any{map[string]any{
		"EventVersion": "1.0", "EventSubscriptionArn": sub.ARN, "EventSource": "aws:sns",
		"Sns": map[string]any{
			"Type": e.Type, "MessageId": e.MessageID, "TopicArn": e.TopicArn, "Subject": subject, "Message": e.Message,
			"Timestamp": e.Timestamp, "SignatureVersion": e.SignatureVersion, "Signature": e.Signature,
			"SigningCertUrl": e.SigningCertURL, "UnsubscribeUrl": e.UnsubscribeURL, "MessageAttributes": attrs,
		},
	}}}
}

// signer signs envelopes with SignatureVersion 1 (SHA1withRSA over AWS's
// string to sign) or, when the topic's SignatureVersion is 2, SHA256withRSA, with a key kept in the store so signatures verify
// across restarts against the certificate nubo serves at CertPath.
type signer struct {
	key  *rsa.PrivateKey
	cert []byte // PEM
}

func loadSigner(ctx context.Context, kv store.KV) (*signer, error) {
	if e, err := kv.Get(ctx, "signing"); err == nil {
		keyBlock, rest := pem.Decode(e.Value)
		if keyBlock != nil {
			if key, err := x509.ParsePKCS1PrivateKey(keyBlock.Bytes); err == nil {
				return &signer{key: key, cert: rest}, nil
			}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("load sns signing key: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("sns signing key: %w", err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.nubo"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(20, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("sns signing certificate: %w", err)
	}
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	stored := append(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), cert...)
	if _, err := kv.Put(ctx, "signing", stored); err != nil {
		return nil, fmt.Errorf("store sns signing key: %w", err)
	}
	return &signer{key: key, cert: cert}, nil
}

// stringToSign is AWS's canonical form of an envelope.
func stringToSign(e *envelope) string {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", e.Message)
	add("MessageId", e.MessageID)
	if e.Type == "Notification" {
		if e.Subject != "" {
			add("Subject", e.Subject)
		}
	} else {
		add("SubscribeURL", e.SubscribeURL)
	}
	add("Timestamp", e.Timestamp)
	if e.Type != "Notification" {
		add("Token", e.Token)
	}
	add("TopicArn", e.TopicArn)
	add("Type", e.Type)
	return b.String()
}

func (sg *signer) sign(e *envelope, baseURL, version string) {
	var sig []byte
	if version == "2" {
		sum := sha256.Sum256([]byte(stringToSign(e)))
		sig, _ = rsa.SignPKCS1v15(rand.Reader, sg.key, crypto.SHA256, sum[:])
	} else {
		version = "1"
		sum := sha1.Sum([]byte(stringToSign(e)))
		sig, _ = rsa.SignPKCS1v15(rand.Reader, sg.key, crypto.SHA1, sum[:])
	}
	e.SignatureVersion, e.Signature = version, base64.StdEncoding.EncodeToString(sig)
	e.SigningCertURL = baseURL + CertPath
}
