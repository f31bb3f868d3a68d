package dynamodbbench

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/pebblestore"
)

// The floors are what bounds each row on this machine, measured in the
// same run as nubo and the peer:
//
//   - the server floor: a bare HTTP server on loopback, answering the same
//     client, that does only the engine's part of each operation on the
//     same Pebble store nubo uses (pebblestore, synced writes): a PutItem is
//     one Set+Sync of the request's body, a GetItem one Get of an item
//     chosen as the client chooses it, a Query a scan of 100 stored items
//     copied into the answer, a transaction one batch of 10 Sets+Sync. It
//     parses no JSON, checks no signature, keeps no index, counts or
//     stream: no DynamoDB can do less with this client and this engine.
//   - the engine alone: the same Pebble operations called directly, so
//     that the cost of a synced write (this disk's fsync and Pebble's
//     group commit) and of a read shows by itself.
//   - HTTP alone: the same client against a server that reads the body and
//     answers {}.

// floorServer is the server floor (and, with empty set, HTTP alone).
type floorServer struct {
	db    store.Ordered // nil: HTTP alone
	srv   *http.Server
	addr  string
	seq   atomic.Uint64
	empty bool
}

// startFloor serves the server floor on a Pebble store in dir, or HTTP
// alone when dir is ""; stop ends it.
func startFloor(dir string) (f *floorServer, stop func(), err error) {
	f = &floorServer{empty: dir == ""}
	if dir != "" {
		if f.db, err = pebblestore.Open(dir, nil); err != nil {
			return nil, nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if f.db != nil {
			f.db.Close()
		}
		return nil, nil, err
	}
	f.addr = ln.Addr().String()
	f.srv = &http.Server{Handler: f}
	go f.srv.Serve(ln)
	return f, func() {
		f.srv.Close()
		if f.db != nil {
			f.db.Close()
		}
	}, nil
}

func (f *floorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out := []byte("{}")
	if !f.empty {
		op := bytes.TrimPrefix([]byte(r.Header.Get("X-Amz-Target")), []byte("DynamoDB_20120810."))
		out, err = f.do(r.Context(), string(op), body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Write(out)
}

// do is the engine's part of one operation.
func (f *floorServer) do(ctx context.Context, op string, body []byte) ([]byte, error) {
	switch op {
	case "PutItem":
		return []byte("{}"), f.put(ctx, 1, body)
	case "TransactWriteItems":
		return []byte("{}"), f.put(ctx, 10, body)
	case "GetItem":
		v, err := f.db.Get(ctx, floorKey('g', rand.IntN(getItems)))
		return append(append([]byte(`{"Item":`), v...), '}'), err
	case "Query":
		return f.query(ctx)
	case "DescribeTable":
		return []byte(`{"Table":{"TableStatus":"ACTIVE"}}`), nil
	case "BatchWriteItem":
		return []byte("{}"), f.load(ctx, body)
	}
	return []byte("{}"), nil
}

// put stores n values, as one synced batch.
func (f *floorServer) put(ctx context.Context, n int, value []byte) error {
	var b store.Batch
	for range n {
		b.Set(floorKey('p', int(f.seq.Add(1))), value)
	}
	return f.db.Apply(ctx, &b)
}

func (f *floorServer) query(ctx context.Context) ([]byte, error) {
	out := []byte(`{"Items":[`)
	n := 0
	err := f.db.Scan(ctx, []byte{'q'}, []byte{'q' + 1}, false, func(_, v []byte) bool {
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, v...)
		n++
		return n < 100
	})
	return fmt.Appendf(out, `],"Count":%d,"ScannedCount":%d}`, n, n), err
}

// load stores the setup's items (the only request the floor parses):
// GetItem's under 'g' and Query's under 'q', by their numbers.
func (f *floorServer) load(ctx context.Context, body []byte) error {
	var in struct {
		RequestItems map[string][]struct {
			PutRequest struct{ Item map[string]map[string]string }
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return err
	}
	var b store.Batch
	for _, reqs := range in.RequestItems {
		for _, r := range reqs {
			it := r.PutRequest.Item
			v, _ := json.Marshal(it)
			var prefix byte
			var no int
			if _, err := fmt.Sscanf(it["pk"]["S"], "g%d", &no); err == nil {
				prefix = 'g'
			} else {
				prefix = 'q'
				fmt.Sscan(it["sk"]["N"], &no)
			}
			b.Set(floorKey(prefix, no), v)
		}
	}
	return f.db.Apply(ctx, &b)
}

func floorKey(prefix byte, n int) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefix}, uint64(n))
}

// engineScenarios are the server floor's operations on the engine alone,
// by the scenario they bound.
func engineScenarios(db store.Ordered) map[string]func(ctx context.Context, w, n int) error {
	value := bytes.Repeat([]byte("x"), 160)
	var seq atomic.Uint64
	put := func(ctx context.Context, n int) error {
		var b store.Batch
		for range n {
			b.Set(floorKey('p', int(seq.Add(1))), value)
		}
		return db.Apply(ctx, &b)
	}
	return map[string]func(ctx context.Context, w, n int) error{
		"PutItem": func(ctx context.Context, _, _ int) error { return put(ctx, 1) },
		"GetItem": func(ctx context.Context, _, _ int) error {
			_, err := db.Get(ctx, floorKey('g', rand.IntN(getItems)))
			return err
		},
		"Query (100 items)": func(ctx context.Context, _, _ int) error {
			n := 0
			return db.Scan(ctx, []byte{'q'}, []byte{'q' + 1}, false, func(_, v []byte) bool {
				n++
				return n < 100
			})
		},
		"TransactWriteItems (10 puts)": func(ctx context.Context, _, _ int) error { return put(ctx, 10) },
	}
}
