// Package store defines nubo's state substrate as small interfaces: revisioned
// key-value buckets for metadata and an object store for code packages. The
// implementation (NATS JetStream, embedded or external) lives in store/natsstore;
// nothing else in nubo depends on it.
package store

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
)

var (
	// ErrNotFound is returned when a key or object does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists is returned by Create when the key already exists.
	ErrExists = errors.New("store: key exists")
	// ErrRevision is returned by Update when the stored revision is not the
	// expected one: somebody else wrote the key first.
	ErrRevision = errors.New("store: revision mismatch")
	// ErrCorrupt is returned by the reader of an object whose bytes, at
	// their end, do not match the digest it was stored with: in a cluster,
	// a read through a replica a moment behind may end short (or, rarely,
	// repeat a chunk). The bytes already read are not to be trusted; a
	// new Get reads it again.
	ErrCorrupt = errors.New("store: object read does not match its digest")
	// ErrUnavailable is returned (wrapped, with the reason) when the store
	// cannot take a write now: the disk is full, or the store does not
	// answer. Nothing was written; the caller may retry later. Deletions
	// are still taken on a full disk, so that space can be freed. It is
	// AWS's ServiceUnavailable, so that every service answers it with a
	// 503 its clients retry.
	ErrUnavailable = awserr.New(awserr.ServiceUnavailable, "Service Unavailable: nubo's store cannot take writes now (is its disk full?); nothing was changed. Please try again.")
	// ErrInterrupted is in what Interrupted returns (besides
	// ErrUnavailable): the request may have taken effect, so only a
	// caller that bears doing it twice tries again.
	ErrInterrupted = errors.New("store: the request may or may not have taken effect")
)

// Unavailable is ErrUnavailable for a reason its AWS message gives
// instead of the disk (a node cut off from its cluster's majority):
// errors.Is finds ErrUnavailable, errors.As the reason's *awserr.Error.
func Unavailable(reason string) error {
	return UnavailableMessage("Service Unavailable: " + reason + "; nothing was changed. Please try again.")
}

// Interrupted is ErrUnavailable for a request cut off before it ended (the
// node doing it died): it may or may not have taken effect.
func Interrupted(reason string) error {
	return InterruptedMessage("Service Unavailable: " + reason + ", so the request may or may not have taken effect. Please try again.")
}

// Unchanged reports an ErrUnavailable that changed nothing (not
// Interrupted's): any caller may try again.
func Unchanged(err error) bool {
	return errors.Is(err, ErrUnavailable) && !errors.Is(err, ErrInterrupted)
}

// UnavailableMessage is ErrUnavailable answered with message, whole (as
// another node rendered it).
func UnavailableMessage(message string) error {
	return &unavailable{aws: awserr.New(awserr.ServiceUnavailable, "%s", message)}
}

// InterruptedMessage is Interrupted's error answered with message, whole.
func InterruptedMessage(message string) error {
	return &unavailable{aws: awserr.New(awserr.ServiceUnavailable, "%s", message), interrupted: true}
}

type unavailable struct {
	aws         *awserr.Error
	interrupted bool
}

func (u *unavailable) Error() string { return u.aws.Error() }

// Unwrap gives the reason first, so that errors.As renders it.
func (u *unavailable) Unwrap() []error {
	if u.interrupted {
		return []error{u.aws, ErrUnavailable, ErrInterrupted}
	}
	return []error{u.aws, ErrUnavailable}
}

// Entry is one stored value and the revision that wrote it.
type Entry struct {
	Key      string
	Value    []byte
	Revision uint64
}

// KV is a bucket of keys with revisioned values. Keys are dot-separated tokens
// built with Key; Keys lists the keys under a token prefix.
type KV interface {
	Get(ctx context.Context, key string) (Entry, error)
	Put(ctx context.Context, key string, value []byte) (uint64, error)
	Create(ctx context.Context, key string, value []byte) (uint64, error)
	Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error)
	Delete(ctx context.Context, key string) error
	// Deleted returns when key was deleted, if a deletion is its last
	// change; ErrNotFound otherwise (never written, or written since).
	Deleted(ctx context.Context, key string) (time.Time, error)
	// Keys returns every key whose leading tokens equal those of prefix
	// (built with Key), in no particular order.
	Keys(ctx context.Context, prefix string) ([]string, error)
}

// Objects stores large blobs by name.
type Objects interface {
	Put(ctx context.Context, name string, r io.Reader) error
	Get(ctx context.Context, name string) (io.ReadCloser, error)
	Delete(ctx context.Context, name string) error
	// Names lists the objects stored, in no particular order.
	Names(ctx context.Context) ([]string, error)
}

// Key joins tokens into a KV key. Each token is escaped so that it may hold any
// character: bytes outside [A-Za-z0-9_-] become "=XX" (hex).
func Key(tokens ...string) string {
	n := len(tokens)
	for _, t := range tokens {
		n += len(t)
	}
	var b strings.Builder
	b.Grow(n) // enough unless a token needs escaping: one allocation
	for i, t := range tokens {
		if i > 0 {
			b.WriteByte('.')
		}
		escapeToken(&b, t)
	}
	return b.String()
}

// SplitKey reverses Key.
func SplitKey(key string) []string {
	parts := strings.Split(key, ".")
	for i, p := range parts {
		parts[i] = unescapeToken(p)
	}
	return parts
}

const hexDigits = "0123456789ABCDEF"

func escapeToken(b *strings.Builder, t string) {
	if t == "" {
		b.WriteString("=")
		return
	}
	for len(t) > 0 {
		i := 0
		for i < len(t) && plainByte(t[i]) {
			i++
		}
		b.WriteString(t[:i])
		if i == len(t) {
			return
		}
		c := t[i]
		b.WriteByte('=')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
		t = t[i+1:]
	}
}

// plainByte reports whether c stands for itself in a key's token.
func plainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func unescapeToken(t string) string {
	if t == "=" {
		return ""
	}
	if !strings.Contains(t, "=") {
		return t
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] == '=' && i+2 < len(t) {
			b.WriteByte(unhex(t[i+1])<<4 | unhex(t[i+2]))
			i += 2
			continue
		}
		b.WriteByte(t[i])
	}
	return b.String()
}

func unhex(c byte) byte {
	if c >= 'A' {
		return c - 'A' + 10
	}
	return c - '0'
}

// Message is one stored message of a Stream.
type Message struct {
	Subject  string
	Sequence uint64
	Time     time.Time
	Data     []byte
}

// Stream is a durable, append-only sequence of messages, each on a
// dot-separated subject built with Key. Filters use NATS wildcards: "*"
// matches one token, ">" all remaining ones.
type Stream interface {
	// Append stores data on subject without waiting; Flush waits until
	// everything appended so far is stored, and returns the first failure
	// among it.
	Append(subject string, data []byte) error
	Flush(ctx context.Context) error
	// Store appends data on subject and waits until it is stored.
	Store(ctx context.Context, subject string, data []byte) error
	// Read calls fn with every message on subjects matching filter, oldest
	// first, from since on; with follow it then waits for new ones until
	// ctx ends. fn returning false stops the read.
	Read(ctx context.Context, filter string, since time.Time, follow bool, fn func(Message) bool) error
	// Subjects counts the stored messages of each subject matching filter.
	Subjects(ctx context.Context, filter string) (map[string]uint64, error)
	// Purge removes the messages on subjects matching filter that were
	// stored before keepFrom; a zero keepFrom removes them all.
	Purge(ctx context.Context, filter string, keepFrom time.Time) error
	// Replace appends data on subject, as Append does, and drops the
	// subject's earlier messages once it is stored: a compacted snapshot.
	// The stream must have been opened to allow it.
	Replace(subject string, data []byte) error
}

// Row is one row of a Table.
type Row struct {
	// Key is dot-separated tokens built with Key.
	Key string
	// Value is the row's content; a Write with an empty Value deletes the
	// row.
	Value []byte
	// TTL, when positive, removes the row this long after it was written
	// (at least one second).
	TTL time.Duration
}

// Pending is a Write on its way to storage.
type Pending interface {
	// Wait returns once every row of the Write is stored, or with the
	// error that stopped one.
	Wait(ctx context.Context) error
	// Refused returns, without waiting, the error of a Write the store
	// refused as a whole (ErrUnavailable on a full disk): none of its rows
	// will be stored. nil means the rows are on their way.
	Refused() error
}

// Table is a durable set of rows in which each write of a key replaces that
// key's row. It suits many small records that change often (queued messages
// and their delivery state). Write queues rows without waiting, and rows
// are stored in the order Write was called, so a caller that calls Write
// under its own lock gets its changes stored in the order it made them and
// can wait for them after unlocking.
type Table interface {
	// Write queues rows. A Write with a row that adds data is refused as
	// a whole while the store cannot take writes; deletions are taken.
	Write(rows ...Row) Pending
	// Scan calls fn with every row under prefix (a Key; "" for all), in
	// the order they were last written; fn returning false stops the scan.
	Scan(ctx context.Context, prefix string, fn func(Row) bool) error
	// Purge deletes every row under prefix (a Key). Rows written before
	// Purge but not yet stored may survive it.
	Purge(ctx context.Context, prefix string) error
}

// Job is a message taken from a WorkQueue. Done removes it; until then it
// is leased to its consumer, and returns to the queue if the lease runs out
// (after a crash, say). Working renews the lease.
type Job interface {
	Data() []byte
	Done() error
	Working() error
}

// WorkQueue is a durable queue of jobs on subjects, each subject consumed
// by one consumer.
type WorkQueue interface {
	// Publish stores a job on subject and returns once it is stored. A job
	// with a later at is delivered only from that time on.
	Publish(ctx context.Context, subject string, data []byte, at time.Time) error
	// Consume hands the jobs of subject to handle, at most limit leased at a
	// time, until ctx ends. handle is called from one goroutine. Jobs taken
	// but not handed to handle by then go back at once, for the next
	// consumer of subject, not when their lease runs out.
	Consume(ctx context.Context, subject string, limit int, handle func(Job)) error
	// Subjects lists the subjects consumed so far (to resume them after a
	// restart).
	Subjects(ctx context.Context) ([]string, error)
	// Pending counts the jobs of a consumed subject not yet done, leased
	// or waiting (jobs published for later are not counted until due).
	Pending(ctx context.Context, subject string) (int, error)
}
