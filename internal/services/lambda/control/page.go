package control

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// Page is a list request's Marker and MaxItems (0 means not given).
type Page struct {
	Marker   string
	MaxItems int
}

// maxPage is the most items Lambda returns in one page, whatever MaxItems says.
const maxPage = 50

// paginate sorts items by key and returns the page after p.Marker, with the
// marker of the next page ("" on the last one).
func paginate[T any](items []T, p Page, key func(T) string) ([]T, string, error) {
	if p.MaxItems != 0 {
		var v lambda.Validator
		v.Range("maxItems", p.MaxItems, 1, 10000)
		if err := v.Err(); err != nil {
			return nil, "", err
		}
	}
	size := maxPage
	if p.MaxItems > 0 && p.MaxItems < size {
		size = p.MaxItems
	}
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := 0
	if p.Marker != "" {
		after, err := base64.RawURLEncoding.DecodeString(p.Marker)
		if err != nil {
			return nil, "", lambda.Errorf(lambda.ErrInvalidParameterValue, "Invalid pagination token: %s", p.Marker)
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > string(after) })
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
	}
	return items[start:end], next, nil
}

// versionOrder sorts $LATEST before published versions, and those by number.
func versionOrder(version string) string {
	if n, err := strconv.Atoi(version); err == nil {
		return fmt.Sprintf("%020d", n)
	}
	return version
}
