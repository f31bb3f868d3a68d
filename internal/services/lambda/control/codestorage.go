package control

import (
	"context"
	"errors"
	"fmt"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// DefaultCodeStorageLimit is AWS's default code storage quota per region
// (75 GB).
const DefaultCodeStorageLimit = 80530636800

// codeSize is what a stored package takes, recorded under pkg.<key> when
// it is saved: nubo keeps both the zip and its extracted files.
type codeSize struct {
	Zipped   int64 `json:"z"`
	Unzipped int64 `json:"u"`
}

func (c codeSize) total() int64 { return c.Zipped + c.Unzipped }

func codeSizeKey(key string) string { return store.Key("pkg", key) }

// packageSize returns a package's recorded size, measuring (and recording)
// a package saved before sizes were recorded.
func (s *Service) packageSize(ctx context.Context, codeSha256 string) (codeSize, error) {
	key, err := code.KeyOf(codeSha256)
	if err != nil {
		return codeSize{}, err
	}
	var c codeSize
	if err := s.getJSON(ctx, codeSizeKey(key), &c); err == nil {
		return c, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return codeSize{}, err
	}
	pkg, err := s.packages.Inspect(ctx, key)
	if err != nil {
		return codeSize{}, err
	}
	c = codeSize{Zipped: pkg.Size, Unzipped: pkg.Unzipped}
	if err := s.putJSON(ctx, codeSizeKey(key), c); err != nil && !errors.Is(err, store.ErrUnavailable) {
		return codeSize{}, err
	}
	return c, nil
}

// codeUsage is the region's code storage in use: for $LATEST and every
// published version of every function, the zip and the extracted files of
// its package. AWS counts each version's zip; nubo also keeps the files,
// so a small zip that unpacks to 250 MB counts as what it takes.
func (s *Service) codeUsage(ctx context.Context, scope lambda.Scope) (int64, error) {
	recs, err := s.allFunctions(ctx, scope)
	if err != nil {
		return 0, err
	}
	sizes := map[string]int64{}
	size := func(sha string) (int64, error) {
		if n, ok := sizes[sha]; ok {
			return n, nil
		}
		c, err := s.packageSize(ctx, sha)
		if err != nil {
			return 0, fmt.Errorf("measure code package %s: %w", sha, err)
		}
		sizes[sha] = c.total()
		return sizes[sha], nil
	}
	shas := make([]string, 0, len(recs))
	for _, r := range recs {
		shas = append(shas, r.Latest.CodeSha256)
	}
	// Every version of the region in one listing, not one per function.
	versions, err := s.kv.Keys(ctx, store.Key("ver", scope.Region))
	if err != nil {
		return 0, err
	}
	for _, k := range versions {
		var v lambda.FunctionConfiguration
		if err := s.getJSON(ctx, k, &v); errors.Is(err, store.ErrNotFound) {
			continue // deleted while listing
		} else if err != nil {
			return 0, err
		}
		shas = append(shas, v.CodeSha256)
	}
	var total int64
	for _, sha := range shas {
		n, err := size(sha)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// checkCodeStorage refuses adding size bytes of code to a region that
// would then exceed its quota.
func (s *Service) checkCodeStorage(ctx context.Context, scope lambda.Scope, size int64) error {
	used, err := s.codeUsage(ctx, scope)
	if err != nil {
		return err
	}
	if used+size > s.opts.CodeStorageLimit {
		return lambda.Errorf(lambda.ErrCodeStorageExceeded, "Code storage limit exceeded.")
	}
	return nil
}

// saveCode stores a package for a function of scope within the region's
// code storage quota, and records its size.
func (s *Service) saveCode(ctx context.Context, scope lambda.Scope, zip []byte) (code.Package, error) {
	pkg, err := code.Inspect(zip)
	if err != nil {
		return code.Package{}, err
	}
	if err := s.checkCodeStorage(ctx, scope, pkg.Size+pkg.Unzipped); err != nil {
		return code.Package{}, err
	}
	if pkg, err = s.packages.Save(ctx, zip); err != nil {
		return code.Package{}, err
	}
	c := codeSize{Zipped: pkg.Size, Unzipped: pkg.Unzipped}
	if err := s.putJSON(ctx, codeSizeKey(pkg.Key()), c); err != nil {
		return code.Package{}, err
	}
	return pkg, nil
}
