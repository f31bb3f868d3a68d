package s3api

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/sigv4"
	"github.com/nubo-dev/nubo/internal/wire"
)

// Bounds of a POST upload's form fields (the file excepted).
const (
	maxFieldSize  = 64 << 10
	maxFieldsSize = 1 << 20
)

type postObjectInput struct {
	Bucket      string    `json:"-" wire:"path=Bucket"`
	ContentType string    `json:"-" wire:"header=Content-Type"`
	Body        io.Reader `json:"-" wire:"payload"`
}

// postResponse is the body of a POST upload answered with 201.
type postResponse struct {
	XMLName  struct{} `json:"-" xml:"PostResponse"`
	Location string   `json:"-" xml:"Location"`
	Bucket   string   `json:"-" xml:"Bucket"`
	Key      string   `json:"-" xml:"Key"`
	ETag     string   `json:"-" xml:"ETag"`
}

type postObjectOutput struct {
	Status    int           `json:"-" wire:"status"`
	Location  string        `json:"-" wire:"header=Location"`
	ETag      string        `json:"-" wire:"header=ETag"`
	VersionId string        `json:"-" wire:"header=x-amz-version-id"`
	Body      *postResponse `json:"-" wire:"payload"`
}

// postObject stores the file of a browser's multipart/form-data upload
// under the form's key, as its policy allows, and answers as the form's
// success_action_redirect or success_action_status asks.
func (a *api) postObject(ctx context.Context, in *postObjectInput) (*postObjectOutput, error) {
	mt, params, err := mime.ParseMediaType(in.ContentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, awserr.New(s3.ErrPreconditionFailed, "At least one of the pre-conditions you specified did not hold").
			With("Condition", "Bucket POST must be of the enclosure-type multipart/form-data")
	}
	mr := multipart.NewReader(in.Body, params["boundary"])
	form, file, err := readForm(mr)
	if err != nil {
		return nil, err
	}
	if err := form.authenticate(ctx); err != nil {
		return nil, err
	}
	if err := form.check(in.Bucket, a.now()); err != nil {
		return nil, err
	}
	if err := wire.AuthorizeAction(ctx, "s3:PutObject", s3ARN(in.Bucket, form.key())); err != nil {
		return nil, err
	}
	d, err := form.putInput(in.Bucket, file)
	if err != nil {
		return nil, err
	}
	if err := a.checkACL(ctx, in.Bucket, form.get("acl")); err != nil {
		return nil, err
	}
	out, err := a.s3.PutObject(ctx, d)
	if err != nil {
		return nil, err
	}
	return form.answer(ctx, in.Bucket, d.Key, out), nil
}

// postForm is a POST upload's fields (lowercase names) and its file's name.
type postForm struct {
	fields   map[string]string
	filename string
	length   lengthRange
}

func (f *postForm) get(name string) string { return f.fields[name] }

// authenticate makes the signer of a signed form (one with a policy and
// its x-amz-signature) the upload's caller; an upload without a policy is
// its request's (anonymous, unless signed). A form that signs without
// naming its credential is refused as S3 refuses it.
func (f *postForm) authenticate(ctx context.Context) error {
	if f.get("policy") == "" || f.get("x-amz-signature") == "" {
		return nil // unsigned: check refuses a policy without a signature
	}
	for _, name := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date"} {
		if f.get(strings.ToLower(name)) == "" {
			return invalidArgument("Bucket POST must contain a field named '"+name+"'.  If it is specified, please check the order of the fields.", name, "")
		}
	}
	return wire.AuthenticateForm(ctx, sigv4.Form{Policy: f.get("policy"), Algorithm: f.get("x-amz-algorithm"),
		Credential: f.get("x-amz-credential"), Date: f.get("x-amz-date"), Signature: f.get("x-amz-signature"),
		Token: f.get("x-amz-security-token")})
}

// key is the object's key: the key field, ${filename} replaced by the
// file's name.
func (f *postForm) key() string { return strings.ReplaceAll(f.get("key"), "${filename}", f.filename) }

// readForm reads the fields up to the file, which is returned unread: the
// fields after it are not part of the upload, as on S3.
func readForm(mr *multipart.Reader) (*postForm, *multipart.Part, error) {
	f := &postForm{fields: map[string]string{}}
	total := 0
	for {
		p, err := mr.NextPart()
		if err != nil { // io.EOF too: a form without a file
			return nil, nil, malformedPost("The body of your POST request is not well-formed multipart/form-data.")
		}
		name := strings.ToLower(p.FormName())
		if name == "file" {
			f.filename = p.FileName()
			return f, p, nil
		}
		value, err := io.ReadAll(io.LimitReader(p, maxFieldSize+1))
		total += len(value)
		if err != nil || len(value) > maxFieldSize || total > maxFieldsSize {
			return nil, nil, malformedPost("Your POST request fields preceeding the upload file was too large.")
		}
		if name != "" {
			f.fields[name] = string(value)
		}
	}
}

func malformedPost(msg string) error { return awserr.New(s3.ErrMalformedPOSTRequest, "%s", msg) }

// putInput is the PutObject the form asks for, its file as the body
// (bounded by the policy's content-length-range).
func (f *postForm) putInput(bucket string, file io.Reader) (*s3.PutObjectInput, error) {
	key := f.key()
	if key == "" {
		return nil, invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", "key", "")
	}
	h := newObjectHeaders{
		CacheControl: f.get("cache-control"), ContentDisposition: f.get("content-disposition"),
		ContentEncoding: f.get("content-encoding"), ContentType: f.get("content-type"), Expires: f.get("expires"),
		WebsiteRedirectLocation: f.get("x-amz-website-redirect-location"),
	}
	d := &s3.PutObjectInput{Bucket: bucket, Key: key, ObjectHeaders: h.objectHeaders(), StorageClass: f.get("x-amz-storage-class"),
		Metadata: map[string]string{}, Post: true, Checksums: s3.Checksums{
			ChecksumCRC32: f.get("x-amz-checksum-crc32"), ChecksumCRC32C: f.get("x-amz-checksum-crc32c"),
			ChecksumCRC64NVME: f.get("x-amz-checksum-crc64nvme"), ChecksumSHA1: f.get("x-amz-checksum-sha1"),
			ChecksumSHA256: f.get("x-amz-checksum-sha256"),
		}, ChecksumAlgorithm: f.get("x-amz-checksum-algorithm")}
	for name, v := range f.fields {
		if m, ok := strings.CutPrefix(name, "x-amz-meta-"); ok {
			d.Metadata[m] = v
		}
	}
	if t := f.get("tagging"); t != "" {
		var doc s3.Tagging
		if err := xml.Unmarshal([]byte(t), &doc); err != nil {
			return nil, awserr.New(s3.ErrMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
		}
		q := url.Values{}
		for _, tag := range doc.TagSet {
			q.Add(tag.Key, tag.Value)
		}
		d.Tagging = q.Encode()
	}
	d.Body = &boundedReader{r: file, limits: f.length}
	return d, nil
}

// answer is what S3 sends back: a redirect to success_action_redirect, or
// success_action_status (204 by default; 201 with a PostResponse).
func (f *postForm) answer(ctx context.Context, bucket, key string, out *s3.PutObjectOutput) *postObjectOutput {
	loc := objectURL(ctx, bucket, key)
	res := &postObjectOutput{Status: http.StatusNoContent, Location: loc, ETag: out.ETag, VersionId: out.VersionId}
	if redirect := f.get("success_action_redirect"); redirect != "" {
		if u, err := url.Parse(redirect); err == nil && u.Scheme != "" {
			q := u.Query()
			q.Set("bucket", bucket)
			q.Set("key", key)
			q.Set("etag", out.ETag)
			u.RawQuery = q.Encode()
			res.Status, res.Location = http.StatusSeeOther, u.String()
			return res
		}
	}
	switch f.get("success_action_status") {
	case "200":
		res.Status = http.StatusOK
	case "201":
		res.Status = http.StatusCreated
		res.Body = &postResponse{Location: loc, Bucket: bucket, Key: key, ETag: out.ETag}
	}
	return res
}

// boundedReader fails a file outside the policy's content-length-range,
// before anything is committed.
type boundedReader struct {
	r      io.Reader
	limits lengthRange
	n      int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.limits.set && b.n > b.limits.max {
		return n, awserr.New(s3.ErrEntityTooLarge, "Your proposed upload exceeds the maximum allowed size").
			With("ProposedSize", b.n).With("MaxSizeAllowed", b.limits.max)
	}
	if errors.Is(err, io.EOF) && b.limits.set && b.n < b.limits.min {
		return n, awserr.New(s3.ErrEntityTooSmall, "Your proposed upload is smaller than the minimum allowed size").
			With("ProposedSize", b.n).With("MinSizeAllowed", b.limits.min)
	}
	return n, err
}
