package events

import (
	"encoding/base64"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// The model's patterns of names, as its validation messages print them.
const (
	namePattern       = `[\.\-_A-Za-z0-9]+`
	busNamePattern    = `[/\.\-_A-Za-z0-9]+`
	busNameOrARN      = `(arn:aws[\w-]*:events:[a-z]{2}-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/\.\-_A-Za-z0-9]+`
	pathKeyPattern    = `[A-Za-z0-9\_\-]+`
	connectionPattern = `^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection\/[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$`
)

var patterns sync.Map // pattern -> *regexp.Regexp

// matchPattern reports whether all of s matches a model pattern, as Java's
// String.matches does.
func matchPattern(pattern, s string) bool {
	re, ok := patterns.Load(pattern)
	if !ok {
		re, _ = patterns.LoadOrStore(pattern, regexp.MustCompile(`^(?:`+pattern+`)$`))
	}
	return re.(*regexp.Regexp).MatchString(s)
}

// The limits of names.
const (
	maxRuleName    = 64
	maxBusName     = 256
	maxBusNameArg  = 1600
	maxTargetID    = 64
	maxArchiveName = 48
	maxReplayName  = 64
	maxDescription = 512
	maxSchedule    = 256
)

// busArg reads an EventBusName member, which may be a name or an ARN of a
// bus of this account and region; "" is the default bus.
func busArg(arg, member string) (string, error) {
	if arg == "" {
		return defaultBus, nil
	}
	var c constraints
	c.name(arg, member, maxBusNameArg, busNameOrARN, false)
	if err := c.err(); err != nil {
		return "", err
	}
	if rest, ok := strings.CutPrefix(arg, "arn:"); ok {
		_, name, _ := strings.Cut(rest, ":event-bus/")
		return name, nil
	}
	return arg, nil
}

// page returns the names after token (an opaque NextToken), at most limit
// of them, and the next token.
func page(names []string, token string, limit *int32) ([]string, string, error) {
	sort.Strings(names)
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", validation("The NextToken provided is invalid.")
		}
		i := sort.SearchStrings(names, string(after))
		if i < len(names) && names[i] == string(after) {
			i++
		}
		names = names[i:]
	}
	n := 100
	if limit != nil {
		if *limit < 1 || *limit > 100 {
			var c constraints
			c.add(*limit, "limit", "Member must have value between 1 and 100")
			return nil, "", c.err()
		}
		n = int(*limit)
	}
	if len(names) <= n {
		return names, "", nil
	}
	return names[:n], base64.RawURLEncoding.EncodeToString([]byte(names[n-1])), nil
}
