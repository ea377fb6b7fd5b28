package deflate

import (
	"fmt"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

var benchSizes = []int{16, 1 << 10, 64 << 10}

// benchMessages returns distinct messages of n bytes, enough of them that
// a message never meets itself in a 32 KiB window.
func benchMessages(kind string, n int) [][]byte {
	return messages(kind, n, max(16, 200<<10/n))
}

// BenchmarkCompress measures Compressor.AppendMessage at the default
// level; MB/s counts uncompressed bytes, and ratio is compressed size over
// uncompressed size.
func BenchmarkCompress(b *testing.B) {
	for _, kind := range []string{"json", "text"} {
		for _, n := range benchSizes {
			msgs := benchMessages(kind, n)
			for _, tc := range []struct {
				takeover bool
				bits     int
			}{{true, 15}, {false, 15}, {true, 12}, {false, 12}} {
				b.Run(fmt.Sprintf("%s/%d/takeover=%v/bits=%d", kind, n, tc.takeover, tc.bits), func(b *testing.B) {
					c := NewCompressor(Params{ServerNoContextTakeover: !tc.takeover, ServerMaxWindowBits: tc.bits}, codec.RoleServer, DefaultLevel)
					out := make([]byte, 0, 2*n+64)
					b.SetBytes(int64(n))
					b.ReportAllocs()
					var in, sent int
					i := 0
					for b.Loop() {
						m := msgs[i%len(msgs)]
						i++
						out, _ = c.AppendMessage(out[:0], m)
						in += len(m)
						sent += len(out)
					}
					b.ReportMetric(float64(sent)/float64(in), "ratio")
				})
			}
		}
	}
}

// BenchmarkDecompress measures Decompressor.AppendMessage on what the
// default Compressor made; MB/s counts inflated bytes.
func BenchmarkDecompress(b *testing.B) {
	for _, kind := range []string{"json", "text"} {
		for _, n := range benchSizes {
			msgs := benchMessages(kind, n)
			for _, takeover := range []bool{true, false} {
				p := Params{ServerNoContextTakeover: !takeover}
				c := NewCompressor(p, codec.RoleServer, DefaultLevel)
				payloads := make([][]byte, len(msgs))
				for i, m := range msgs {
					payloads[i], _ = c.AppendMessage(nil, m)
				}
				b.Run(fmt.Sprintf("%s/%d/takeover=%v", kind, n, takeover), func(b *testing.B) {
					d := NewDecompressor(p, codec.RoleClient, 0)
					out := make([]byte, 0, n)
					b.SetBytes(int64(n))
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						k := i % len(payloads)
						if k == 0 {
							d.Reset() // the stream starts over
						}
						i++
						var err error
						if out, err = d.AppendMessage(out[:0], codec.OpText, payloads[k]); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
