package wsnet

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// BenchmarkReaderWriter writes a message with a client's Writer into a
// buffer and reads it back with a server's Reader: the blocking API's round
// trip, in memory.
func BenchmarkReaderWriter(b *testing.B) {
	for _, n := range []int{16, 1 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			var buf bytes.Buffer
			w := NewWriter(&buf, codec.RoleClient)
			r := NewReader(&buf, codec.RoleServer)
			payload := bytes.Repeat([]byte("a"), n)
			msg := make([]byte, 0, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := w.WriteMessage(codec.OpBinary, payload); err != nil {
					b.Fatal(err)
				}
				var err error
				if _, msg, err = r.ReadMessage(msg[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var _ = io.Discard
