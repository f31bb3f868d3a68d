package expr

import (
	"sort"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// ParseProjection parses a projection expression: comma-separated paths.
// Overlapping paths are refused as AWS does.
func ParseProjection(ctx *Context, src string) ([]Path, error) {
	p, err := newParser(ctx, KindProjection, src)
	if err != nil {
		return nil, err
	}
	var paths []Path
	for {
		path, err := p.parsePath()
		if err != nil {
			return nil, err
		}
		for _, q := range paths {
			if overlaps(q, path) {
				return nil, errorf(KindProjection, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", q, path)
			}
		}
		paths = append(paths, path)
		if p.peek().kind == tEOF {
			return paths, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

// Project returns the parts of item that paths name, nested as in the
// item; list elements keep their order and close up.
func Project(item attr.Item, paths []Path) attr.Item {
	out := attr.Item{}
	for _, p := range paths {
		v, ok := Resolve(item, p)
		if !ok {
			continue
		}
		if len(p) == 1 {
			out[p[0].Name] = v.Clone()
			continue
		}
		out[p[0].Name] = place(out[p[0].Name], item[p[0].Name], p[1:], v)
	}
	return compactLists(out)
}

// place puts v at path inside dst, building maps and lists shaped after
// src. Lists are built as maps of index to element first (T L with M set)
// and compacted at the end.
func place(dst, src attr.Value, path Path, v attr.Value) attr.Value {
	if dst.T == attr.Invalid {
		dst = attr.Value{T: src.T, M: map[string]attr.Value{}}
	}
	e := path[0]
	key := e.Name
	var child attr.Value
	if e.IsIndex {
		key = itoa(e.Index)
		child = src.L[e.Index]
	} else {
		child = src.M[e.Name]
	}
	if len(path) == 1 {
		dst.M[key] = v.Clone()
	} else {
		dst.M[key] = place(dst.M[key], child, path[1:], v)
	}
	return dst
}

// compactLists turns the index maps place built into lists in index order.
func compactLists(item attr.Item) attr.Item {
	for k, v := range item {
		item[k] = compact(v)
	}
	return item
}

func compact(v attr.Value) attr.Value {
	switch {
	case v.T == attr.L && v.M != nil:
		idx := make([]int, 0, len(v.M))
		byIdx := map[int]attr.Value{}
		for k, e := range v.M {
			n := atoi(k)
			idx = append(idx, n)
			byIdx[n] = compact(e)
		}
		sort.Ints(idx)
		l := make([]attr.Value, len(idx))
		for i, n := range idx {
			l[i] = byIdx[n]
		}
		return attr.List(l...)
	case v.T == attr.M:
		for k, e := range v.M {
			v.M[k] = compact(e)
		}
	}
	return v
}

func atoi(s string) int {
	n := 0
	for _, c := range []byte(s) {
		n = n*10 + int(c-'0')
	}
	return n
}
