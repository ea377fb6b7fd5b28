package wsnet

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// wireConn is a memConn that keeps what is written.
type wireConn struct {
	memConn
	out bytes.Buffer
}

func (c *wireConn) Write(p []byte) (int, error) { return c.out.Write(p) }

// TestPreparedMessage writes one prepared message to connections of every
// kind, concurrently, and decodes what each sent: the payload must
// arrive, compressed exactly when the connection's side compresses
// without context takeover, and a client's frames masked with keys of
// their own.
func TestPreparedMessage(t *testing.T) {
	json := bytes.Repeat([]byte(`{"room":"lobby","from":"ann","text":"Loud and clear!"},`), 20)
	pm, err := NewPreparedMessage(codec.OpText, json)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPreparedMessage(codec.OpPing, nil); err != codec.ErrNotDataOpcode {
		t.Errorf("a prepared ping: %v", err)
	}
	kinds := []struct {
		params     *deflate.Params
		compressed bool
	}{
		{nil, false},
		{&deflate.Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, true},
		{&deflate.Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 10}, true},
		{&deflate.Params{}, false}, // context takeover: sent plain
	}
	for _, role := range []codec.Role{codec.RoleServer, codec.RoleClient} {
		peer := codec.RoleClient
		if role == codec.RoleClient {
			peer = codec.RoleServer
		}
		for _, k := range kinds {
			t.Run(fmt.Sprintf("%v/%+v", role, k.params), func(t *testing.T) {
				const conns = 8
				wires := make([]*wireConn, conns)
				var wg sync.WaitGroup
				for i := range wires {
					wires[i] = &wireConn{}
					c := NewConn(wires[i], nil, role, k.params, nil)
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range 3 {
							if err := c.WritePreparedMessage(context.Background(), pm); err != nil {
								t.Error(err)
							}
						}
					}()
				}
				wg.Wait()
				var keys [][]byte
				for _, w := range wires {
					wire := w.out.Bytes()
					h, _, err := codec.ParseHeader(wire)
					if err != nil {
						t.Fatal(err)
					}
					if got := h.Rsv&codec.Rsv1 != 0; got != k.compressed {
						t.Errorf("RSV1 %v; want %v", got, k.compressed)
					}
					if h.Masked != (role == codec.RoleClient) {
						t.Errorf("masked %v as %v", h.Masked, role)
					}
					keys = append(keys, h.Key[:])
					var dec *deflate.Decompressor
					if k.params != nil {
						dec = deflate.NewDecompressor(*k.params, peer, 0)
					}
					msgs := decodeAll(t, wire, peer, dec)
					if len(msgs) != 3 || !bytes.Equal(msgs[0], json) || !bytes.Equal(msgs[2], json) {
						t.Fatalf("%d messages, not the prepared one", len(msgs))
					}
				}
				if role == codec.RoleClient && bytes.Equal(keys[0], keys[1]) {
					t.Error("two connections masked with the same key")
				}
			})
		}
	}
}
