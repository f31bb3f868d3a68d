package policy

import "sync"

// Cache parses each document once. Resource policies (a queue's, a
// function's) are weighed on every request to their resource, and parsing
// costs more than evaluating.
type Cache struct {
	mu   sync.Mutex
	docs map[cacheKey]cached
}

type cacheKey struct {
	text string
	kind Kind
}

type cached struct {
	doc *Document
	err error
}

// maxCached bounds a Cache: past it, the cache starts over.
const maxCached = 4096

// Parse is Parse, remembered. The document returned is shared: callers
// must not change it.
func (c *Cache) Parse(text string, k Kind) (*Document, error) {
	key := cacheKey{text, k}
	c.mu.Lock()
	e, ok := c.docs[key]
	c.mu.Unlock()
	if ok {
		return e.doc, e.err
	}
	doc, err := Parse(text, k)
	c.mu.Lock()
	if c.docs == nil || len(c.docs) >= maxCached {
		c.docs = make(map[cacheKey]cached)
	}
	c.docs[key] = cached{doc, err}
	c.mu.Unlock()
	return doc, err
}
