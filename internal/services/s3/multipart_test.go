package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"strings"
	"testing"
)

// partData is deterministic bytes for part n of the given size.
func partData(n, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(n*31 + i*7)
	}
	return b
}

func (f *fixture) upload(bucket, key, alg, typ string) string {
	f.t.Helper()
	out, err := f.svc.CreateMultipartUpload(bg, &CreateMultipartUploadInput{Bucket: bucket, Key: key, ChecksumAlgorithm: alg, ChecksumType: typ, Metadata: map[string]string{"m": "v"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.UploadId
}

func (f *fixture) uploadPart(bucket, key, id string, n int, data []byte) CompletedPart {
	f.t.Helper()
	out, err := f.svc.UploadPart(bg, &UploadPartInput{Bucket: bucket, Key: key, UploadId: id, PartNumber: int32(n), Body: bytes.NewReader(data)})
	if err != nil {
		f.t.Fatal(err)
	}
	return CompletedPart{PartNumber: int32(n), ETag: out.ETag, Checksums: out.Checksums}
}

func TestMultipart(t *testing.T) {
	f := newFixture(t)
	f.createBucket("mpu")
	sizes := []int{5 << 20, 5 << 20, 1000}
	var whole []byte
	var md5s []byte
	for i, size := range sizes {
		d := partData(i+1, size)
		whole = append(whole, d...)
		s := md5.Sum(d)
		md5s = append(md5s, s[:]...)
	}
	sum := md5.Sum(md5s)
	wantETag := fmt.Sprintf(`"%s-3"`, hex.EncodeToString(sum[:]))
	for _, tc := range []struct {
		alg, typ string
		want     func() string // the object's checksum
	}{
		{"", "", func() string { return crcSum(crc64.Checksum(whole, crc64NVME), 8) }},
		{"CRC32", "FULL_OBJECT", func() string { return crcSum(uint64(crc32.ChecksumIEEE(whole)), 4) }},
		{"CRC32C", "", nil},
		{"SHA256", "", nil},
	} {
		key := "obj-" + tc.alg
		id := f.upload("mpu", key, tc.alg, tc.typ)
		var parts []CompletedPart
		for i, size := range sizes {
			parts = append(parts, f.uploadPart("mpu", key, id, i+1, partData(i+1, size)))
		}
		if tc.alg == "CRC32C" || tc.alg == "SHA256" {
			if parts[0].ChecksumCRC32C == "" && parts[0].ChecksumSHA256 == "" {
				t.Errorf("%s: part checksum missing: %+v", tc.alg, parts[0])
			}
		}
		f.restart() // parts survive a restart
		out, err := f.svc.CompleteMultipartUpload(bg, &CompleteMultipartUploadInput{Bucket: "mpu", Key: key, UploadId: id, MultipartUpload: &CompletedMultipartUpload{Parts: parts}})
		if err != nil {
			t.Fatalf("%s: complete: %v", tc.alg, err)
		}
		if out.ETag != wantETag {
			t.Errorf("%s: etag %s, want %s", tc.alg, out.ETag, wantETag)
		}
		if tc.want != nil {
			if got := out.ChecksumCRC64NVME + out.ChecksumCRC32; got != tc.want() || out.ChecksumType != ChecksumFullObject {
				t.Errorf("%s: full-object checksum %q (%s), want %q", tc.alg, got, out.ChecksumType, tc.want())
			}
		} else if v := out.ChecksumCRC32C + out.ChecksumSHA256; !strings.HasSuffix(v, "-3") || out.ChecksumType != ChecksumComposite {
			t.Errorf("%s: composite checksum %q %s", tc.alg, v, out.ChecksumType)
		}
		got, g := f.get(&GetObjectInput{Bucket: "mpu", Key: key})
		if !bytes.Equal([]byte(got), whole) || g.PartsCount != 3 || g.Metadata["m"] != "v" {
			t.Errorf("%s: get %d bytes, %+v", tc.alg, len(got), g.HeadObjectOutput)
		}
		p2, g := f.get(&GetObjectInput{Bucket: "mpu", Key: key, PartNumber: ptr(int32(2))})
		if !bytes.Equal([]byte(p2), partData(2, 5<<20)) || g.ContentRange != fmt.Sprintf("bytes %d-%d/%d", 5<<20, 10<<20-1, len(whole)) {
			t.Errorf("%s: part 2 %d bytes, range %s", tc.alg, len(p2), g.ContentRange)
		}
		r, _ := f.get(&GetObjectInput{Bucket: "mpu", Key: key, Range: fmt.Sprintf("bytes=%d-%d", 5<<20-3, 5<<20+2)})
		if !bytes.Equal([]byte(r), whole[5<<20-3:5<<20+3]) {
			t.Errorf("%s: range across parts", tc.alg)
		}
	}
	attrs, err := f.svc.GetObjectAttributes(bg, &GetObjectAttributesInput{Bucket: "mpu", Key: "obj-SHA256", ObjectAttributes: []string{"ObjectParts"}, MaxParts: ptr(int32(2))})
	if err != nil || attrs.ObjectParts.TotalPartsCount != 3 || len(attrs.ObjectParts.Parts) != 2 || !attrs.ObjectParts.IsTruncated || attrs.ObjectParts.Parts[0].ChecksumSHA256 == "" {
		t.Errorf("attributes %+v %v", attrs.ObjectParts, err)
	}
	ups, _ := f.svc.ListMultipartUploads(bg, &ListMultipartUploadsInput{Bucket: "mpu"})
	if len(ups.Uploads) != 0 {
		t.Errorf("completed uploads still listed: %+v", ups.Uploads)
	}
}

func crcSum(v uint64, size int) string {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return base64.StdEncoding.EncodeToString(b[8-size:])
}

func TestMultipartValidation(t *testing.T) {
	f := newFixture(t)
	f.createBucket("mpu")
	big, small := partData(1, 5<<20), partData(2, 100)
	id := f.upload("mpu", "k", "", "")
	p1 := f.uploadPart("mpu", "k", id, 1, big)
	p2 := f.uploadPart("mpu", "k", id, 2, small)
	p3 := f.uploadPart("mpu", "k", id, 3, small)
	complete := func(parts ...CompletedPart) error {
		_, err := f.svc.CompleteMultipartUpload(bg, &CompleteMultipartUploadInput{Bucket: "mpu", Key: "k", UploadId: id, MultipartUpload: &CompletedMultipartUpload{Parts: parts}})
		return err
	}
	for _, tc := range []struct {
		name  string
		parts []CompletedPart
		code  string
	}{
		{"no parts", nil, "MalformedXML"},
		{"out of order", []CompletedPart{p2, p1}, "InvalidPartOrder"},
		{"repeated", []CompletedPart{p1, p1}, "InvalidPartOrder"},
		{"wrong etag", []CompletedPart{{PartNumber: 1, ETag: `"00"`}}, "InvalidPart"},
		{"missing part", []CompletedPart{p1, {PartNumber: 9, ETag: p2.ETag}}, "InvalidPart"},
		{"small middle part", []CompletedPart{p1, p2, p3}, "EntityTooSmall"},
	} {
		if err := complete(tc.parts...); codeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	err := complete(p1, p2, p3)
	if fieldOf(err, "PartNumber") != int32(2) || fieldOf(err, "MinSizeAllowed") != minPartSize {
		t.Errorf("EntityTooSmall fields: %v", err.(interface{ Error() string }))
	}
	for _, tc := range []struct {
		name string
		in   UploadPartInput
		code string
	}{
		{"part 0", UploadPartInput{PartNumber: 0}, "InvalidArgument"},
		{"part 10001", UploadPartInput{PartNumber: 10001}, "InvalidArgument"},
		{"unknown upload", UploadPartInput{PartNumber: 1, UploadId: "nope"}, "NoSuchUpload"},
		{"other algorithm", UploadPartInput{PartNumber: 4, ChecksumAlgorithm: "SHA1"}, "InvalidRequest"},
	} {
		in := tc.in
		in.Bucket, in.Key, in.Body = "mpu", "k", strings.NewReader("x")
		if in.UploadId == "" {
			in.UploadId = id
		}
		if _, err := f.svc.UploadPart(bg, &in); codeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	for _, tc := range []struct{ alg, typ, code string }{
		{"SHA256", "FULL_OBJECT", "InvalidRequest"},
		{"CRC64NVME", "COMPOSITE", "InvalidRequest"},
		{"", "COMPOSITE", "InvalidRequest"},
		{"MD4", "", "InvalidArgument"},
	} {
		_, err := f.svc.CreateMultipartUpload(bg, &CreateMultipartUploadInput{Bucket: "mpu", Key: "x", ChecksumAlgorithm: tc.alg, ChecksumType: tc.typ})
		if codeOf(err) != tc.code {
			t.Errorf("create %s/%s: %v, want %s", tc.alg, tc.typ, err, tc.code)
		}
	}
	// The last part may be small; replacing a part keeps the newest.
	p2b := f.uploadPart("mpu", "k", id, 2, partData(3, 50))
	if err := complete(p1, p2b); err != nil {
		t.Fatal(err)
	}
	got, _ := f.get(&GetObjectInput{Bucket: "mpu", Key: "k"})
	if !bytes.Equal([]byte(got), append(append([]byte(nil), big...), partData(3, 50)...)) {
		t.Errorf("object of %d bytes", len(got))
	}
	// Completing again (a retry whose answer was lost) answers with the
	// object made; an upload that never was is still NoSuchUpload.
	if err := complete(p1, p2b); err != nil {
		t.Errorf("complete twice: %v", err)
	}
	if _, err := f.svc.CompleteMultipartUpload(bg, &CompleteMultipartUploadInput{Bucket: "mpu", Key: "k", UploadId: "nope",
		MultipartUpload: &CompletedMultipartUpload{Parts: []CompletedPart{p1}}}); codeOf(err) != "NoSuchUpload" {
		t.Errorf("complete of an unknown upload: %v", err)
	}
	id2 := f.upload("mpu", "k", "", "")
	f.uploadPart("mpu", "k", id2, 1, small)
	if err := f.svc.AbortMultipartUpload(bg, &AbortMultipartUploadInput{Bucket: "mpu", Key: "k", UploadId: id2}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AbortMultipartUpload(bg, &AbortMultipartUploadInput{Bucket: "mpu", Key: "k", UploadId: id2}); codeOf(err) != "NoSuchUpload" {
		t.Errorf("abort twice: %v", err)
	}
}

func TestMultipartListings(t *testing.T) {
	f := newFixture(t)
	f.createBucket("mpu")
	var ids []string
	for _, k := range []string{"a/1", "a/2", "b", "b", "c/d/e"} {
		ids = append(ids, f.upload("mpu", k, "", ""))
	}
	for n := 1; n <= 5; n++ {
		f.uploadPart("mpu", "b", ids[2], n, []byte{byte(n)})
	}
	var got []int32
	in := ListPartsInput{Bucket: "mpu", Key: "b", UploadId: ids[2], MaxParts: ptr(int32(2))}
	for {
		out, err := f.svc.ListParts(bg, &in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Parts {
			got = append(got, p.PartNumber)
		}
		if !out.IsTruncated {
			break
		}
		in.PartNumberMarker = &out.NextPartNumberMarker
	}
	if fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Errorf("parts %v", got)
	}
	list := func(in ListMultipartUploadsInput) string {
		in.Bucket = "mpu"
		out, err := f.svc.ListMultipartUploads(bg, &in)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, u := range out.Uploads {
			s = append(s, u.Key)
		}
		for _, p := range out.CommonPrefixes {
			s = append(s, p.Prefix+"*")
		}
		if out.IsTruncated {
			s = append(s, "…"+out.NextKeyMarker)
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		in   ListMultipartUploadsInput
		want string
	}{
		{ListMultipartUploadsInput{}, "a/1 a/2 b b c/d/e"},
		{ListMultipartUploadsInput{Delimiter: "/"}, "b b a/* c/*"},
		{ListMultipartUploadsInput{Prefix: "a/"}, "a/1 a/2"},
		{ListMultipartUploadsInput{KeyMarker: "a/2"}, "b b c/d/e"},
		{ListMultipartUploadsInput{KeyMarker: "b", UploadIdMarker: ids[2]}, "b c/d/e"},
		{ListMultipartUploadsInput{MaxUploads: ptr(int32(2))}, "a/1 a/2 …a/2"},
	} {
		if got := list(tc.in); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUploadPartCopy(t *testing.T) {
	f := newFixture(t)
	f.createBucket("mpu")
	src := partData(7, 6<<20)
	f.svc.PutObject(bg, &PutObjectInput{Bucket: "mpu", Key: "src", Body: bytes.NewReader(src)})
	id := f.upload("mpu", "dst", "", "")
	var parts []CompletedPart
	for i, rng := range []string{"bytes=0-5242879", "bytes=5242880-6291455"} {
		out, err := f.svc.UploadPartCopy(bg, &UploadPartCopyInput{Bucket: "mpu", Key: "dst", UploadId: id, PartNumber: int32(i + 1), CopySource: "mpu/src", CopySourceRange: rng})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, CompletedPart{PartNumber: int32(i + 1), ETag: out.CopyPartResult.ETag})
	}
	if _, err := f.svc.UploadPartCopy(bg, &UploadPartCopyInput{Bucket: "mpu", Key: "dst", UploadId: id, PartNumber: 3, CopySource: "mpu/src", CopySourceRange: "bytes=0-99999999"}); codeOf(err) != "InvalidRange" {
		t.Errorf("range past the source: %v", err)
	}
	if _, err := f.svc.UploadPartCopy(bg, &UploadPartCopyInput{Bucket: "mpu", Key: "dst", UploadId: id, PartNumber: 3, CopySource: "mpu/src", CopySourceRange: "0-1"}); codeOf(err) != "InvalidArgument" {
		t.Errorf("malformed range: %v", err)
	}
	if _, err := f.svc.CompleteMultipartUpload(bg, &CompleteMultipartUploadInput{Bucket: "mpu", Key: "dst", UploadId: id, MultipartUpload: &CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.get(&GetObjectInput{Bucket: "mpu", Key: "dst"})
	if !bytes.Equal([]byte(got), src) {
		t.Errorf("copied object differs (%d bytes)", len(got))
	}
}
