package compare

import (
	"bytes"
	stdflate "compress/flate"
	"fmt"
	"io"
	"runtime"
	"testing"

	kpflate "github.com/klauspost/compress/flate"
	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// compressor is the part of a flate writer the comparison uses.
type compressor interface {
	io.Writer
	Flush() error
	Reset(io.Writer)
}

type impl struct {
	name string
	new  func(w io.Writer) compressor
}

func mustW[T any](w T, err error) T {
	if err != nil {
		panic(err)
	}
	return w
}

var impls = []impl{
	{"std1", func(w io.Writer) compressor { return mustW(stdflate.NewWriter(w, 1)) }},
	{"std6", func(w io.Writer) compressor { return mustW(stdflate.NewWriter(w, 6)) }},
	{"stdHuff", func(w io.Writer) compressor { return mustW(stdflate.NewWriter(w, stdflate.HuffmanOnly)) }},
	{"kp1", func(w io.Writer) compressor { return mustW(kpflate.NewWriter(w, 1)) }},
	{"kp5", func(w io.Writer) compressor { return mustW(kpflate.NewWriter(w, 5)) }},
	{"kp9", func(w io.Writer) compressor { return mustW(kpflate.NewWriter(w, 9)) }},
	{"kpHuff", func(w io.Writer) compressor { return mustW(kpflate.NewWriter(w, kpflate.ConstantCompression)) }},
}

// count returns how many distinct messages of n bytes a benchmark cycles
// through: enough that a message never finds itself in the 32 KiB window.
func count(n int) int { return max(16, 200<<10/n) }

type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }

// compressMsg compresses one message the RFC 7692 way: write, sync flush,
// drop the trailing 00 00 ff ff.
func compressMsg(c compressor, sw *sliceWriter, ctx bool, p []byte) []byte {
	sw.b = sw.b[:0]
	if !ctx {
		c.Reset(sw)
	}
	c.Write(p)
	c.Flush()
	return sw.b[:len(sw.b)-4]
}

var sizes = []int{1 << 10, 64 << 10}

func BenchmarkCompress(b *testing.B) {
	for _, kind := range []string{"json", "text"} {
		for _, n := range sizes {
			msgs := messages(kind, n, count(n))
			for _, ctx := range []bool{true, false} {
				for _, im := range impls {
					b.Run(fmt.Sprintf("%s/%s/%d/ctx=%v", im.name, kind, n, ctx), func(b *testing.B) {
						sw := &sliceWriter{b: make([]byte, 0, 2*n)}
						c := im.new(sw)
						b.SetBytes(int64(n))
						b.ReportAllocs()
						in, out := 0, 0
						i := 0
						for b.Loop() {
							m := msgs[i%len(msgs)]
							i++
							o := compressMsg(c, sw, ctx, m)
							in += len(m)
							out += len(o)
						}
						b.ReportMetric(float64(out)/float64(in), "ratio")
					})
				}
			}
		}
	}
}

// readerImpl wraps a flate reader that can be Reset with a dictionary.
type readerImpl struct {
	name  string
	new   func(r io.Reader) io.ReadCloser
	reset func(rc io.ReadCloser, r io.Reader, dict []byte)
}

var readers = []readerImpl{
	{"std", stdflate.NewReader, func(rc io.ReadCloser, r io.Reader, d []byte) { rc.(stdflate.Resetter).Reset(r, d) }},
	{"kp", kpflate.NewReader, func(rc io.ReadCloser, r io.Reader, d []byte) { rc.(kpflate.Resetter).Reset(r, d) }},
}

// msgSource yields a message's compressed payload, then 00 00 ff ff and a
// final empty stored block so that the reader ends with io.EOF.
type msgSource struct {
	parts [3][]byte
	i     int
}

var tail = []byte{0, 0, 0xff, 0xff}
var final = []byte{1, 0, 0, 0xff, 0xff}

func (s *msgSource) set(p []byte) { s.parts = [3][]byte{p, tail, final}; s.i = 0 }
func (s *msgSource) Read(p []byte) (int, error) {
	for s.i < 3 && len(s.parts[s.i]) == 0 {
		s.i++
	}
	if s.i == 3 {
		return 0, io.EOF
	}
	n := copy(p, s.parts[s.i])
	s.parts[s.i] = s.parts[s.i][n:]
	return n, nil
}
func (s *msgSource) ReadByte() (byte, error) {
	for s.i < 3 && len(s.parts[s.i]) == 0 {
		s.i++
	}
	if s.i == 3 {
		return 0, io.EOF
	}
	c := s.parts[s.i][0]
	s.parts[s.i] = s.parts[s.i][1:]
	return c, nil
}

// compressAll compresses msgs as one connection would, with std level 6.
func compressAll(msgs [][]byte, ctx bool) [][]byte {
	sw := &sliceWriter{}
	c := mustW(stdflate.NewWriter(sw, 6))
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		out[i] = bytes.Clone(compressMsg(c, sw, ctx, m))
	}
	return out
}

func BenchmarkDecompress(b *testing.B) {
	for _, kind := range []string{"json", "text"} {
		for _, n := range sizes {
			msgs := messages(kind, n, count(n))
			for _, ctx := range []bool{true, false} {
				comp := compressAll(msgs, ctx)
				b.Run(fmt.Sprintf("wsframe/%s/%d/ctx=%v", kind, n, ctx), func(b *testing.B) {
					d := deflate.NewDecompressor(deflate.Params{ClientNoContextTakeover: !ctx}, codec.RoleServer, 0)
					out := make([]byte, 0, n+64)
					b.SetBytes(int64(n))
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						k := i % len(comp)
						if k == 0 {
							d.Reset()
						}
						i++
						var err error
						out, err = d.AppendMessage(out[:0], codec.OpText, comp[k])
						if err != nil || len(out) != n {
							b.Fatalf("inflated %d, %v", len(out), err)
						}
					}
				})
				for _, ri := range readers {
					b.Run(fmt.Sprintf("%s/%s/%d/ctx=%v", ri.name, kind, n, ctx), func(b *testing.B) {
						src := &msgSource{}
						src.set(comp[0])
						rc := ri.new(src)
						hist := make([]byte, 0, 32<<10)
						out := make([]byte, n+64)
						b.SetBytes(int64(n))
						b.ReportAllocs()
						i := 0
						for b.Loop() {
							k := i % len(comp)
							if k == 0 {
								hist = hist[:0]
							}
							i++
							src.set(comp[k])
							if ctx {
								ri.reset(rc, src, hist)
							} else {
								ri.reset(rc, src, nil)
							}
							m, err := io.ReadFull(rc, out)
							if err != io.ErrUnexpectedEOF || m != n {
								b.Fatalf("read %d, %v", m, err)
							}
							if ctx {
								// keep the last 32 KiB of output as the next dictionary
								if len(hist)+m > 32<<10 {
									keep := max(0, 32<<10-m)
									copy(hist, hist[len(hist)-keep:])
									hist = hist[:keep]
								}
								hist = append(hist, out[max(0, m-32<<10):m]...)
							}
						}
					})
				}
			}
		}
	}
}

// TestMemory prints the heap each writer and reader keeps per connection.
func TestMemory(t *testing.T) {
	const N = 1000
	msg := messages("json", 1024, 1)[0]
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for _, im := range impls {
		keep := make([]compressor, N)
		before := heap()
		for i := range keep {
			sw := &sliceWriter{}
			keep[i] = im.new(sw)
			keep[i].Write(msg)
			keep[i].Flush()
			sw.b = nil
		}
		after := heap()
		t.Logf("writer %-8s %8d bytes/conn", im.name, (after-before)/N)
		runtime.KeepAlive(keep)
	}
	comp := compressAll([][]byte{msg}, true)[0]
	for _, l := range []int{2, 3, 4, 6, 7} {
		keep := make([]*kpflate.Writer, N)
		before := heap()
		for i := range keep {
			sw := &sliceWriter{}
			keep[i] = mustW(kpflate.NewWriter(sw, l))
			keep[i].Write(msg)
			keep[i].Flush()
		}
		t.Logf("writer kp%d      %8d bytes/conn", l, (heap()-before)/N)
		runtime.KeepAlive(keep)
	}
	for _, bits := range []int{9, 12} {
		// With context takeover and small windows: the Decompressor
		// keeps a window ring, the Compressor only its window.
		p := deflate.Params{ServerMaxWindowBits: bits, ClientMaxWindowBits: bits}
		keepD := make([]*deflate.Decompressor, N)
		keepC := make([]*deflate.Compressor, N)
		before := heap()
		for i := range keepD {
			keepD[i] = deflate.NewDecompressor(p, codec.RoleServer, 0)
			keepD[i].AppendMessage(nil, codec.OpText, []byte{0})
		}
		mid := heap()
		for i := range keepC {
			keepC[i] = deflate.NewCompressor(p, codec.RoleServer, 0)
			keepC[i].AppendMessage(nil, msg)
		}
		t.Logf("wsframe, %d-bit windows, context takeover: Decompressor %d, Compressor %d bytes/conn", bits, (mid-before)/N, (heap()-mid)/N)
		runtime.KeepAlive(keepD)
		runtime.KeepAlive(keepC)
	}
	for _, ctx := range []bool{true, false} {
		keepC := make([]*deflate.Compressor, N)
		keepD := make([]*deflate.Decompressor, N)
		p := deflate.Params{ServerNoContextTakeover: !ctx, ClientNoContextTakeover: !ctx}
		before := heap()
		for i := range keepC {
			keepC[i] = deflate.NewCompressor(p, codec.RoleServer, 0)
			keepC[i].AppendMessage(nil, msg)
		}
		mid := heap()
		for i := range keepD {
			keepD[i] = deflate.NewDecompressor(p, codec.RoleServer, 0)
			keepD[i].AppendMessage(nil, codec.OpText, comp)
		}
		after := heap()
		t.Logf("wsframe ctx=%v: Compressor %d, Decompressor %d bytes/conn", ctx, (mid-before)/N, (after-mid)/N)
		runtime.KeepAlive(keepC)
		runtime.KeepAlive(keepD)
	}
	for _, ri := range readers {
		keep := make([]io.ReadCloser, N)
		before := heap()
		for i := range keep {
			src := &msgSource{}
			src.set(comp)
			keep[i] = ri.new(src)
			io.Copy(io.Discard, keep[i])
		}
		after := heap()
		t.Logf("reader %-8s %8d bytes/conn", ri.name, (after-before)/N)
		runtime.KeepAlive(keep)
	}
}
