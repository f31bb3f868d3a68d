package frontdoor

import (
	"encoding/json"
	"sort"
	"strconv"
	"unicode/utf8"
)

// appendV2 writes a payload 2.0 event as encoding/json would write eventV2
// (the same members, order and escaping), without reflection: every
// request through a front door pays for it.
func appendV2(b []byte, ev *eventV2) []byte {
	b = append(b, `{"version":`...)
	b = appendString(b, ev.Version)
	b = appendMember(b, "routeKey", ev.RouteKey)
	b = appendMember(b, "rawPath", ev.RawPath)
	b = appendMember(b, "rawQueryString", ev.RawQueryString)
	if len(ev.Cookies) > 0 {
		b = append(b, `,"cookies":[`...)
		for i, c := range ev.Cookies {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, c)
		}
		b = append(b, ']')
	}
	b = append(b, `,"headers":`...)
	b = appendMap(b, ev.Headers)
	if len(ev.QueryStringParameters) > 0 {
		b = append(b, `,"queryStringParameters":`...)
		b = appendMap(b, ev.QueryStringParameters)
	}
	b = append(b, `,"requestContext":`...)
	b = appendContext(b, &ev.RequestContext)
	if ev.Body != "" {
		b = appendMember(b, "body", ev.Body)
	}
	if len(ev.PathParameters) > 0 {
		b = append(b, `,"pathParameters":`...)
		b = appendMap(b, ev.PathParameters)
	}
	b = append(b, `,"isBase64Encoded":`...)
	b = strconv.AppendBool(b, ev.IsBase64Encoded)
	if len(ev.StageVariables) > 0 {
		b = append(b, `,"stageVariables":`...)
		b = appendMap(b, ev.StageVariables)
	}
	return append(b, '}')
}

func appendContext(b []byte, c *contextV2) []byte {
	b = append(b, `{"accountId":`...)
	b = appendString(b, c.AccountID)
	b = appendMember(b, "apiId", c.APIID)
	if c.Authorizer != nil {
		// Rare, and holds any JSON (a Lambda authorizer's context).
		a, _ := json.Marshal(c.Authorizer)
		b = append(b, `,"authorizer":`...)
		b = append(b, a...)
	}
	b = appendMember(b, "domainName", c.DomainName)
	b = appendMember(b, "domainPrefix", c.DomainPrefix)
	b = append(b, `,"http":{"method":`...)
	b = appendString(b, c.HTTP.Method)
	b = appendMember(b, "path", c.HTTP.Path)
	b = appendMember(b, "protocol", c.HTTP.Protocol)
	b = appendMember(b, "sourceIp", c.HTTP.SourceIP)
	b = appendMember(b, "userAgent", c.HTTP.UserAgent)
	b = append(b, '}')
	b = appendMember(b, "requestId", c.RequestID)
	b = appendMember(b, "routeKey", c.RouteKey)
	b = appendMember(b, "stage", c.Stage)
	b = appendMember(b, "time", c.Time)
	b = append(b, `,"timeEpoch":`...)
	b = strconv.AppendInt(b, c.TimeEpoch, 10)
	return append(b, '}')
}

// appendMember writes ,"name":"value".
func appendMember(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

// appendMap writes a map of strings with its keys sorted, as
// encoding/json does.
func appendMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaped as encoding/json
// escapes it: quotes, backslashes, control characters, <, > and &,
// U+2028 and U+2029, and invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
