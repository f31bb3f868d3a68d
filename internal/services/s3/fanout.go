package s3

import (
	"hash"
	"io"
)

// fanout writes each chunk of a body to the blob and its checksums and,
// once the body is larger than inlineMax, hashes MD5 (the slowest of
// them, about 600 MB/s) on a second goroutine while this one writes the
// chunk and the other sums: a large upload's CPU time is then the longer
// of the two, not their sum. Small bodies stay on one goroutine, which is
// quicker for them. Close stops the helper; it must be called.
type fanout struct {
	md5   hash.Hash
	rest  []io.Writer // the blob, then the other checksums
	n     int64
	work  chan []byte // to the MD5 goroutine
	done  chan struct{}
	alive bool
}

func newFanout(md5h hash.Hash, rest ...io.Writer) *fanout {
	return &fanout{md5: md5h, rest: rest}
}

func (f *fanout) Write(p []byte) (int, error) {
	f.n += int64(len(p))
	if !f.alive && f.n > inlineMax {
		f.work, f.done, f.alive = make(chan []byte), make(chan struct{}), true
		go func() {
			for chunk := range f.work {
				f.md5.Write(chunk)
				f.done <- struct{}{}
			}
			close(f.done)
		}()
	}
	if f.alive {
		f.work <- p // the helper reads p until it signals done, before p is reused
	} else {
		f.md5.Write(p)
	}
	var err error
	for _, w := range f.rest {
		if _, err = w.Write(p); err != nil {
			break
		}
	}
	if f.alive {
		<-f.done
	}
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close stops the MD5 goroutine, if it was started.
func (f *fanout) Close() {
	if f.alive {
		close(f.work)
		<-f.done
		f.alive = false
	}
}
