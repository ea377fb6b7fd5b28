package wsnet

import (
	"bytes"
	"io"
	"testing"

	"github.com/wsframe/wsframe/codec"

	"github.com/wsframe/wsframe/internal/testenv"
)

// repeatReader replays the same bytes forever, so a Reader can be measured
// in steady state without allocating new input.
type repeatReader struct {
	b   []byte
	pos int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.b[r.pos:])
	r.pos = (r.pos + n) % len(r.b)
	return n, nil
}

// messageStream encodes count copies of a message of n bytes as a client,
// in fragments of frag bytes (0: one frame).
func messageStream(t testing.TB, n, frag, count int) []byte {
	e := codec.Encoder{Role: codec.RoleClient, FragmentSize: frag}
	payload := bytes.Repeat([]byte("a"), n)
	var b []byte
	for i := 0; i < count; i++ {
		var err error
		if b, err = e.AppendMessage(b, codec.OpText, payload); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// TestMessageNoAllocs proves zero allocations per message in steady state
// for the Decoder, Encoder, Reader and Writer.
func TestMessageNoAllocs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, frag int
	}{{"1KiB", 1 << 10, 0}, {"1KiB-fragmented", 1 << 10, 100}, {"64KiB", 64 << 10, 0}, {"64KiB-fragmented", 64 << 10, 4096}} {
		t.Run(tc.name, func(t *testing.T) {
			one := messageStream(t, tc.n, tc.frag, 1)
			work := make([]byte, len(one))
			var d codec.Decoder
			var ev codec.Event
			testenv.NoAllocs(t, "Decoder", func() {
				copy(work, one) // the decoder unmasks in place
				for p := work; len(p) > 0; {
					n, err := d.Next(p, &ev)
					if err != nil {
						t.Fatal(err)
					}
					p = p[n:]
				}
			})
			e := codec.Encoder{Role: codec.RoleClient, FragmentSize: tc.frag}
			payload := bytes.Repeat([]byte("a"), tc.n)
			out := make([]byte, 0, len(one)+64)
			testenv.NoAllocs(t, "Encoder", func() { out, _ = e.AppendMessage(out[:0], codec.OpText, payload) })

			r := NewReader(&repeatReader{b: messageStream(t, tc.n, tc.frag, 3)}, codec.RoleServer)
			msg := make([]byte, 0, tc.n)
			testenv.NoAllocs(t, "Reader.ReadMessage", func() {
				if _, m, err := r.ReadMessage(msg[:0]); err != nil || len(m) != tc.n {
					t.Fatalf("ReadMessage: %d bytes, %v", len(m), err)
				}
			})
			chunk := make([]byte, 1000)
			testenv.NoAllocs(t, "Reader.NextReader", func() {
				_, mr, err := r.NextReader()
				if err != nil {
					t.Fatal(err)
				}
				for {
					if _, err := mr.Read(chunk); err == io.EOF {
						break
					} else if err != nil {
						t.Fatal(err)
					}
				}
			})
			for _, role := range []codec.Role{codec.RoleServer, codec.RoleClient} {
				w := NewWriter(io.Discard, role)
				testenv.NoAllocs(t, "Writer.WriteMessage "+role.String(), func() { w.WriteMessage(codec.OpBinary, payload) })
				testenv.NoAllocs(t, "Writer.NextWriter "+role.String(), func() {
					mw, _ := w.NextWriter(codec.OpBinary)
					mw.Write(payload[:tc.n/2])
					mw.Write(payload[tc.n/2:])
					mw.Close()
				})
			}
		})
	}
}
