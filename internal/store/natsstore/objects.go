package natsstore

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// Objects opens (creating if needed) the object store bucket name. An
// existing one is opened as it is: creating it again (nats.go's
// CreateOrUpdateObjectStore) would turn its direct gets back on, which
// readFromLeader turned off, and a node whose handle was taken in between
// kept sending direct gets that no replica answered any more ("no
// responders" for as long as it ran; found by a loaded suite run, where
// three nodes starting at once opened the code store together).
func (s *Store) Objects(ctx context.Context, name string) (store.Objects, error) {
	obs, err := placed(ctx, s, "object store "+name, func(ctx context.Context) (jetstream.ObjectStore, error) {
		obs, err := s.js.ObjectStore(ctx, name)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			obs, err = s.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: name, Storage: jetstream.FileStorage, Replicas: s.replicas})
		}
		if err == nil && s.replicas > 1 {
			if err = s.readFromLeader(ctx, "OBJ_"+name); err == nil {
				obs, err = s.js.ObjectStore(ctx, name)
			}
		}
		return obs, err
	})
	if err != nil {
		return nil, fmt.Errorf("open object store %s: %w", name, err)
	}
	return objectBucket{obs: obs, space: s.space, s: s}, nil
}

type objectBucket struct {
	obs   jetstream.ObjectStore
	space *space
	s     *Store
}

func (b objectBucket) Put(ctx context.Context, name string, r io.Reader) error {
	if err := b.space.room(); err != nil {
		return err
	}
	put := func() (*jetstream.ObjectInfo, error) { return b.obs.Put(ctx, jetstream.ObjectMeta{Name: name}, r) }
	if sk, ok := r.(io.Seeker); ok {
		// A body that can be read again is put again when nobody took it
		// (in a cluster, a stream with no leader yet answers no one).
		if start, err := sk.Seek(0, io.SeekCurrent); err == nil {
			once := put
			put = func() (*jetstream.ObjectInfo, error) {
				return again(ctx, b.s, false, func() (*jetstream.ObjectInfo, error) {
					if _, err := sk.Seek(start, io.SeekStart); err != nil {
						return nil, err
					}
					return once()
				})
			}
		}
	}
	if _, err := put(); err != nil {
		return fmt.Errorf("put object %s: %w", name, unavailable(err))
	}
	return nil
}

func (b objectBucket) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	r, err := again(ctx, b.s, true, func() (jetstream.ObjectResult, error) { return b.obs.Get(ctx, name) })
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get object %s: %w", name, err)
	}
	return objectReader{r}, nil
}

// objectReader is an object's reader whose digest mismatch is
// store.ErrCorrupt.
type objectReader struct{ jetstream.ObjectResult }

func (o objectReader) Read(p []byte) (int, error) {
	n, err := o.ObjectResult.Read(p)
	if errors.Is(err, jetstream.ErrDigestMismatch) {
		err = store.ErrCorrupt
	}
	return n, err
}

func (b objectBucket) Delete(ctx context.Context, name string) error {
	err := b.obs.Delete(ctx, name)
	b.space.refresh()
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return store.ErrNotFound
	}
	return unavailable(err)
}

func (b objectBucket) Names(ctx context.Context) ([]string, error) {
	infos, err := again(ctx, b.s, true, func() ([]*jetstream.ObjectInfo, error) { return b.obs.List(ctx) })
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list objects: %w", unavailable(err))
	}
	names := make([]string, len(infos))
	for i, o := range infos {
		names[i] = o.Name
	}
	return names, nil
}
