package asl

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"math"
	"math/rand/v2"
	"strings"

	jsonata "github.com/blues/jsonata-go"
	"github.com/blues/jsonata-go/jlib"
	"github.com/blues/jsonata-go/jtypes"
	"github.com/google/uuid"
)

// awsFunctions are the functions Step Functions adds to JSONata ($partition,
// $range, $hash, $random with a seed, $uuid, $parse), $string as jsonata-js
// formats it, and $now and $millis read from the scope's clock.
func awsFunctions(s *Scope) map[string]jsonata.Extension {
	ms := s.now().UnixMilli()
	return map[string]jsonata.Extension{
		"partition": {Func: partition},
		"range":     {Func: rangeOf},
		"hash":      {Func: hashOf},
		"random":    {Func: random},
		"uuid":      {Func: uuid.NewString},
		"parse":     {Func: parse},
		"string":    stringExt,
		"millis":    {Func: func() int64 { return ms }},
		"now": {Func: func(picture, tz jtypes.OptionalString) (string, error) {
			return jlib.FromMillis(ms, picture, tz)
		}},
	}
}

func partition(v any, size float64) ([]any, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, errors.New("the first argument of $partition must be an array")
	}
	if size <= 0 || size != math.Trunc(size) {
		return nil, errors.New("the chunk size of $partition must be a positive integer")
	}
	out := []any{}
	for i := 0; i < len(arr); i += int(size) {
		out = append(out, append([]any{}, arr[i:min(i+int(size), len(arr))]...))
	}
	return out, nil
}

func rangeOf(start, end, step float64) ([]any, error) {
	if step == 0 || start != math.Trunc(start) || end != math.Trunc(end) || step != math.Trunc(step) {
		return nil, errors.New("$range takes integers and a step other than 0")
	}
	count := math.Floor((end-start)/step) + 1
	if count > 1000 {
		return nil, errors.New("$range must return at most 1000 items")
	}
	out := []any{}
	for i := 0.0; i < count; i++ {
		out = append(out, start+i*step)
	}
	return out, nil
}

var hashAlgorithms = map[string]func() hash.Hash{
	"MD5": md5.New, "SHA-1": sha1.New, "SHA-256": sha256.New, "SHA-384": sha512.New384, "SHA-512": sha512.New,
}

func hashOf(v any, algorithm jtypes.OptionalString) (string, error) {
	alg := "SHA-256"
	if algorithm.IsSet() {
		alg = algorithm.String
	}
	newHash, ok := hashAlgorithms[alg]
	if !ok {
		return "", errors.New("the algorithm of $hash must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512")
	}
	data, ok := v.(string)
	if !ok {
		var err error
		if data, err = jsString(v); err != nil {
			return "", err
		}
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func random(seed jtypes.OptionalFloat64) float64 {
	if seed.IsSet() {
		return rand.New(rand.NewPCG(uint64(int64(seed.Float64)), 0)).Float64()
	}
	return rand.Float64()
}

func parse(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, errors.New("the argument of $parse is not valid JSON")
	}
	return v, nil
}
