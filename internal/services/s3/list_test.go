package s3

import (
	"slices"
	"strings"
	"testing"
)

// listKeys are the keys of the listing tests; "gone/x" has only a delete
// marker.
var listKeys = []string{
	"a.txt", "b/1", "b/2", "b/c/3", "b/c/4", "c", "d/e/f", "d/g", "photos/2024/jan.jpg",
	"photos/2024/feb.jpg", "photos/2025/mar.jpg", "photos/index.html", "z",
}

func listFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.createBucket("list")
	f.versioning("list", VersioningEnabled)
	for _, k := range listKeys {
		f.put("list", k, k)
	}
	f.put("list", "gone/x", "x")
	if _, err := f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "list", Key: "gone/x"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// pageAll lists with V2 page by page and returns every key and common
// prefix (prefixes marked with a trailing "*") in order, and the pages.
func pageAllV2(t *testing.T, f *fixture, in ListObjectsV2Input) ([]string, int) {
	t.Helper()
	var items []string
	pages := 0
	for {
		out, err := f.svc.ListObjectsV2(bg, &in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range out.Contents {
			items = append(items, o.Key)
		}
		for _, p := range out.CommonPrefixes {
			items = append(items, p.Prefix+"*")
		}
		if int(out.KeyCount) != len(out.Contents)+len(out.CommonPrefixes) {
			t.Errorf("KeyCount %d", out.KeyCount)
		}
		if !out.IsTruncated {
			return items, pages
		}
		if pages > 100 {
			t.Fatal("no end")
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

func TestListObjectsV2(t *testing.T) {
	f := listFixture(t)
	for _, tc := range []struct {
		name string
		in   ListObjectsV2Input
		want string
	}{
		{"all", ListObjectsV2Input{}, "a.txt b/1 b/2 b/c/3 b/c/4 c d/e/f d/g photos/2024/feb.jpg photos/2024/jan.jpg photos/2025/mar.jpg photos/index.html z"},
		{"delimiter", ListObjectsV2Input{Delimiter: "/"}, "a.txt b/* c d/* photos/* z"},
		{"prefix and delimiter", ListObjectsV2Input{Prefix: "photos/", Delimiter: "/"}, "photos/2024/* photos/2025/* photos/index.html"},
		{"prefix without delimiter", ListObjectsV2Input{Prefix: "b/c"}, "b/c/3 b/c/4"},
		{"prefix not ending at a delimiter", ListObjectsV2Input{Prefix: "b/c", Delimiter: "/"}, "b/c/*"},
		{"start after", ListObjectsV2Input{StartAfter: "c"}, "d/e/f d/g photos/2024/feb.jpg photos/2024/jan.jpg photos/2025/mar.jpg photos/index.html z"},
		{"start after a prefix", ListObjectsV2Input{StartAfter: "b/", Delimiter: "/"}, "c d/* photos/* z"},
		{"multi-char delimiter", ListObjectsV2Input{Delimiter: "/2"}, "a.txt b/1 b/2* b/c/3 b/c/4 c d/e/f d/g photos/2* photos/index.html z"},
		{"nothing", ListObjectsV2Input{Prefix: "q"}, ""},
	} {
		for _, page := range []int32{1000, 1, 2, 3} {
			in := tc.in
			in.Bucket, in.MaxKeys = "list", ptr(page)
			items, _ := pageAllV2(t, f, in)
			if got := sortedItems(items); got != sortedItems(strings.Fields(tc.want)) {
				t.Errorf("%s (pages of %d):\n got %s\nwant %s", tc.name, page, got, tc.want)
			}
		}
	}
	out, _ := f.svc.ListObjectsV2(bg, &ListObjectsV2Input{Bucket: "list", MaxKeys: ptr(int32(2)), FetchOwner: true})
	if !out.IsTruncated || len(out.Contents) != 2 || out.Contents[0].Owner == nil || out.Contents[0].StorageClass != "STANDARD" || out.Contents[0].ChecksumAlgorithm[0] != AlgCRC64NVME {
		t.Errorf("first page %+v", out)
	}
	if _, err := f.svc.ListObjectsV2(bg, &ListObjectsV2Input{Bucket: "list", ContinuationToken: "!!"}); codeOf(err) != "InvalidArgument" {
		t.Errorf("bad token: %v", err)
	}
	if _, err := f.svc.ListObjectsV2(bg, &ListObjectsV2Input{Bucket: "list", EncodingType: "base64"}); codeOf(err) != "InvalidArgument" {
		t.Errorf("bad encoding: %v", err)
	}
	if _, err := f.svc.ListObjectsV2(bg, &ListObjectsV2Input{Bucket: "nope"}); codeOf(err) != "NoSuchBucket" {
		t.Errorf("no bucket: %v", err)
	}
	out, _ = f.svc.ListObjectsV2(bg, &ListObjectsV2Input{Bucket: "list", MaxKeys: ptr(int32(0))})
	if out.IsTruncated || out.KeyCount != 0 {
		t.Errorf("max-keys 0: %+v", out)
	}
}

// sortedItems restores the order S3 gives (keys and prefixes merged by
// name) for comparison.
func sortedItems(items []string) string {
	s := append([]string(nil), items...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if strings.TrimSuffix(s[j], "*") < strings.TrimSuffix(s[i], "*") {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return strings.Join(s, " ")
}

func TestListObjectsV1(t *testing.T) {
	f := listFixture(t)
	var items []string
	in := ListObjectsInput{Bucket: "list", Delimiter: "/", MaxKeys: ptr(int32(2))}
	for page := 0; ; page++ {
		out, err := f.svc.ListObjects(bg, &in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			items = append(items, o.Key)
		}
		for _, p := range out.CommonPrefixes {
			items = append(items, p.Prefix+"*")
		}
		if !out.IsTruncated {
			break
		}
		if out.NextMarker == "" || page > 20 {
			t.Fatalf("truncated without NextMarker: %+v", out)
		}
		in.Marker = out.NextMarker
	}
	if got := sortedItems(items); got != "a.txt b/* c d/* photos/* z" {
		t.Errorf("v1 paging: %s", got)
	}
	out, _ := f.svc.ListObjects(bg, &ListObjectsInput{Bucket: "list", MaxKeys: ptr(int32(1))})
	if !out.IsTruncated || out.NextMarker != "" {
		t.Errorf("without delimiter NextMarker is not given: %+v", out)
	}
}

func TestListObjectVersions(t *testing.T) {
	f := newFixture(t)
	f.createBucket("vers")
	f.put("vers", "a", "a0") // the null version, before versioning
	f.versioning("vers", VersioningEnabled)
	for _, body := range []string{"a1", "a2"} {
		f.put("vers", "a", body)
	}
	f.put("vers", "b/1", "b")
	f.put("vers", "c", "c")
	f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "vers", Key: "c"})
	full, err := f.svc.ListObjectVersions(bg, &ListObjectVersionsInput{Bucket: "vers"})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Versions) != 5 || len(full.DeleteMarkers) != 1 || full.Versions[2].VersionId != "null" || full.Versions[2].IsLatest || !full.Versions[0].IsLatest {
		t.Fatalf("versions %+v markers %+v", full.Versions, full.DeleteMarkers)
	}
	want := []string{}
	for _, v := range full.Versions {
		want = append(want, v.Key+"@"+v.VersionId)
	}
	want = append(want[:4], append([]string{"c@" + full.DeleteMarkers[0].VersionId}, want[4:]...)...)
	for _, page := range []int32{1, 2, 4} {
		var got []string
		in := ListObjectVersionsInput{Bucket: "vers", MaxKeys: ptr(page)}
		for i := 0; ; i++ {
			out, err := f.svc.ListObjectVersions(bg, &in)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, versionItems(out)...)
			if !out.IsTruncated {
				break
			}
			if i > 20 {
				t.Fatal("no end")
			}
			in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
		}
		// A page keeps versions and delete markers in two lists, so only
		// the keys' order is visible: compare as sets, with no repeats.
		if len(got) != len(want) || strings.Join(sorted(got), " ") != strings.Join(sorted(want), " ") {
			t.Errorf("pages of %d:\n got %v\nwant %v", page, got, want)
		}
	}
	out, _ := f.svc.ListObjectVersions(bg, &ListObjectVersionsInput{Bucket: "vers", Delimiter: "/"})
	if len(out.CommonPrefixes) != 1 || out.CommonPrefixes[0].Prefix != "b/" {
		t.Errorf("prefixes %+v", out.CommonPrefixes)
	}
	if _, err := f.svc.ListObjectVersions(bg, &ListObjectVersionsInput{Bucket: "vers", VersionIdMarker: "null"}); codeOf(err) != "InvalidArgument" {
		t.Errorf("version marker without key marker: %v", err)
	}
}

// versionItems merges a page's versions and delete markers in S3's order
// (by key, newest first within a key), as key@version.
func versionItems(out *ListObjectVersionsOutput) []string {
	type item struct {
		key, id string
		seq     int
	}
	var items []item
	for i, v := range out.Versions {
		items = append(items, item{v.Key, v.VersionId, i})
	}
	for i, m := range out.DeleteMarkers {
		items = append(items, item{m.Key, m.VersionId, 1000 + i})
	}
	var s []string
	for len(items) > 0 {
		best := 0
		for i, it := range items {
			if it.key < items[best].key {
				best = i
			}
		}
		s = append(s, items[best].key+"@"+items[best].id)
		items = append(items[:best], items[best+1:]...)
	}
	return s
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	slices.Sort(c)
	return c
}
