package intrinsic

import (
	"encoding/json"
	"fmt"

	"github.com/nubo-dev/nubo/internal/services/sfn/jsonpath"
)

func arrayPartition(args []any) (any, error) {
	a, err := array(args[0], "first argument")
	if err != nil {
		return nil, err
	}
	size, err := integer(args[1], "chunk size")
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, failf("the chunk size must be greater than 0")
	}
	out := []any{}
	for i := 0; i < len(a); i += int(size) {
		out = append(out, append([]any{}, a[i:min(i+int(size), len(a))]...))
	}
	return out, nil
}

func arrayContains(args []any) (any, error) {
	a, err := array(args[0], "first argument")
	if err != nil {
		return nil, err
	}
	for _, x := range a {
		if jsonpath.Equal(x, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

// maxRange is the most items States.ArrayRange may return.
const maxRange = 1000

func arrayRange(args []any) (any, error) {
	var n [3]int64
	for i, what := range []string{"start", "end", "step"} {
		v, err := integer(args[i], what)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, failf("the step must not be 0")
	}
	count := (end-start)/step + 1
	if count > maxRange {
		return nil, failf("the range must hold at most %d items", maxRange)
	}
	out := []any{}
	for i := int64(0); i < count; i++ {
		out = append(out, json.Number(fmt.Sprint(start+i*step)))
	}
	return out, nil
}

func arrayGetItem(args []any) (any, error) {
	a, err := array(args[0], "first argument")
	if err != nil {
		return nil, err
	}
	i, err := integer(args[1], "index")
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(a)) {
		return nil, failf("the index %d is out of bounds for an array of %d items", i, len(a))
	}
	return a[i], nil
}

func arrayLength(args []any) (any, error) {
	a, err := array(args[0], "argument")
	if err != nil {
		return nil, err
	}
	return json.Number(fmt.Sprint(len(a))), nil
}

func arrayUnique(args []any) (any, error) {
	a, err := array(args[0], "argument")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, x := range a {
		dup := false
		for _, y := range out {
			if jsonpath.Equal(x, y) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out, nil
}
