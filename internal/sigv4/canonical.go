package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// canonicalRequest builds the canonical request of r as AWS does:
// METHOD, URI, query, headers, signed headers and payload hash, one per
// line. s3 selects S3's rules: the path is encoded once and not
// normalised; every other service normalises it and encodes the path as
// received (so a %XX on the wire is signed as %25XX: double encoding).
func canonicalRequest(r *http.Request, c *Claim, s3 bool, payload string) string {
	var b strings.Builder
	b.Grow(512)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(rawPath(r), s3))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery, c.Presigned))
	b.WriteByte('\n')
	for _, h := range c.SignedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	for i, h := range c.SignedHeaders {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(h)
	}
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

// rawPath is the path as the client sent it (before Go decoded it).
func rawPath(r *http.Request) string {
	if u := r.RequestURI; strings.HasPrefix(u, "/") {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		return u
	}
	return r.URL.EscapedPath()
}

func canonicalURI(raw string, s3 bool) string {
	if s3 {
		if p, err := url.PathUnescape(raw); err == nil {
			raw = p
		}
	} else {
		raw = normalizePath(raw)
	}
	if raw == "" {
		return "/"
	}
	return uriEncode(raw, false)
}

// normalizePath removes empty, "." and ".." segments (RFC 3986 dot-segment
// removal, with repeated slashes collapsed as the signers do), keeping a
// trailing slash.
func normalizePath(p string) string {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	s := "/" + strings.Join(out, "/")
	last := p[strings.LastIndexByte(p, '/')+1:]
	if len(out) > 0 && (last == "" || last == "." || last == "..") {
		s += "/"
	}
	return s
}

// uriEncode percent-encodes every byte but the unreserved characters
// (A-Z a-z 0-9 - . _ ~) and, unless slash is set, '/'.
func uriEncode(s string, slash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (slash || s[i] != '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!slash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// canonicalQuery encodes each name and value, sorts by name then value,
// and leaves out X-Amz-Signature of a presigned URL.
func canonicalQuery(raw string, presigned bool) string {
	if raw == "" {
		return ""
	}
	type pair struct{ k, v string }
	var pairs []pair
	for field := range strings.SplitSeq(raw, "&") {
		if field == "" {
			continue
		}
		k, v, _ := strings.Cut(field, "=")
		k, v = unescapeQuery(k), unescapeQuery(v)
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, pair{uriEncode(k, true), uriEncode(v, true)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// headerValue is a signed header's canonical value: its values trimmed,
// inner runs of spaces folded to one, joined with commas. A signed header
// the request lacks is signed as empty.
func headerValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host", ":authority":
		vals = []string{r.Host}
		if r.Host == "" {
			vals[0] = r.URL.Host
		}
	default:
		vals = r.Header.Values(name)
		if len(vals) == 0 {
			vals = implicitHeader(r, name)
		}
	}
	if len(vals) == 1 {
		return foldSpaces(vals[0])
	}
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(foldSpaces(v))
	}
	return b.String()
}

// implicitHeader gives the headers net/http moves out of Header.
func implicitHeader(r *http.Request, name string) []string {
	switch name {
	case "content-length":
		if r.ContentLength > 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	return nil
}

func foldSpaces(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") && !strings.ContainsAny(v, "\t\r\n") {
		return v
	}
	return strings.Join(strings.Fields(v), " ")
}
