package s3

import (
	"bytes"
	"crypto/md5"
	"hash/crc32"
	"testing"
)

// fanout gives every writer every byte, on one goroutine or two.
func TestFanout(t *testing.T) {
	for _, size := range []int{0, 100, inlineMax, inlineMax + 1, 3*inlineMax + 17} {
		data := bytes.Repeat([]byte("nubo"), size/4+1)[:size]
		m, c := md5.New(), crc32.NewIEEE()
		var file bytes.Buffer
		f := newFanout(m, &file, c)
		for off := 0; off < len(data); off += 1000 {
			f.Write(data[off:min(off+1000, len(data))])
		}
		f.Close()
		f.Close() // twice is fine
		if want := md5.Sum(data); !bytes.Equal(m.Sum(nil), want[:]) || c.Sum32() != crc32.ChecksumIEEE(data) || !bytes.Equal(file.Bytes(), data) {
			t.Errorf("%d bytes: sums or copy differ", size)
		}
	}
}
