package s3

import (
	"fmt"
	"strconv"
	"strings"
)

// byteRange is a satisfiable range of an object: bytes Start..Start+Length-1.
type byteRange struct {
	Start, Length int64
}

// contentRange is the Content-Range header of a 206 answer.
func (r byteRange) contentRange(size int64) string {
	return fmt.Sprintf("bytes %d-%d/%d", r.Start, r.Start+r.Length-1, size)
}

// ParseRange applies a Range header to an object of size bytes as S3 does.
// It returns ok=false when the whole object is to be sent with 200: no
// header, a header S3 ignores (not "bytes=", malformed, several ranges,
// first > last). A range that starts at or past the end, or a suffix of
// zero bytes, is InvalidRange (416). Otherwise the range is clipped to the
// object (a suffix longer than the object is the whole object, as 206).
func ParseRange(header string, size int64) (r byteRange, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return byteRange{}, false, nil
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return byteRange{}, false, nil
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" {
		n, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || n < 0 || !digits(last) {
			return byteRange{}, false, nil
		}
		if n == 0 {
			return byteRange{}, false, invalidRange(header, size)
		}
		n = min(n, size)
		if n == 0 {
			return byteRange{}, false, nil // an empty object has no suffix to send
		}
		return byteRange{Start: size - n, Length: n}, true, nil
	}
	start, perr := strconv.ParseInt(first, 10, 64)
	if perr != nil || !digits(first) {
		return byteRange{}, false, nil
	}
	end := size - 1
	if last != "" {
		e, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || !digits(last) {
			return byteRange{}, false, nil
		}
		if e < start {
			return byteRange{}, false, nil
		}
		end = min(e, size-1)
	}
	if start >= size {
		return byteRange{}, false, invalidRange(header, size)
	}
	return byteRange{Start: start, Length: end - start + 1}, true, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseCopyRange reads x-amz-copy-source-range, which unlike Range must be
// exactly bytes=first-last within the source.
func parseCopyRange(header string, size int64) (byteRange, error) {
	bad := invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", header)
	spec, found := strings.CutPrefix(header, "bytes=")
	first, last, found2 := strings.Cut(spec, "-")
	if !found || !found2 || !digits(first) || !digits(last) {
		return byteRange{}, bad
	}
	start, err1 := strconv.ParseInt(first, 10, 64)
	end, err2 := strconv.ParseInt(last, 10, 64)
	if err1 != nil || err2 != nil || end < start {
		return byteRange{}, bad
	}
	if end >= size {
		return byteRange{}, invalidRange(header, size)
	}
	return byteRange{Start: start, Length: end - start + 1}, nil
}
