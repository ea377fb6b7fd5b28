package deflate

import (
	"bytes"
	stdflate "compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	kpflate "github.com/klauspost/compress/flate"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/testenv"
)

// flusher is a flate writer from either library.
type flusher interface {
	io.Writer
	Flush() error
}

// compressStream compresses msgs as RFC 7692 §7.2.1 says, with one writer
// for all of them (context takeover) unless reset is set, and returns
// each message's payload.
func compressStream(t testing.TB, newW func(io.Writer) flusher, msgs [][]byte, reset bool) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	w := newW(&buf)
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		if reset {
			w = newW(&buf)
		}
		buf.Reset()
		if _, err := w.Write(m); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if !bytes.HasSuffix(b, tail[:]) {
			t.Fatalf("flush output %x does not end in 00 00 ff ff", b)
		}
		out[i] = bytes.Clone(b[:len(b)-4])
	}
	return out
}

func stdWriter(level int) func(io.Writer) flusher {
	return func(w io.Writer) flusher {
		fw, err := stdflate.NewWriter(w, level)
		if err != nil {
			panic(err)
		}
		return fw
	}
}

func kpWriter(level int) func(io.Writer) flusher {
	return func(w io.Writer) flusher {
		fw, err := kpflate.NewWriter(w, level)
		if err != nil {
			panic(err)
		}
		return fw
	}
}

// lightTests reports whether to leave out the largest inputs: with -short,
// and under the race detector, which makes them ten times slower.
func lightTests() bool { return testing.Short() || testenv.RaceEnabled }

// testInputs returns inputs of many sizes and kinds, up to 1 MiB.
func testInputs() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	in := map[string][]byte{"empty": {}}
	for _, n := range []int{1, 2, 5, 16, 100, 257, 1000, 4096, 32768, 32769, 70000, 1 << 20} {
		rnd := make([]byte, n)
		for i := range rnd {
			rnd[i] = byte(r.Uint32())
		}
		in[fmt.Sprintf("random-%d", n)] = rnd
		in[fmt.Sprintf("zeros-%d", n)] = make([]byte, n)
		in[fmt.Sprintf("text-%d", n)] = messages("text", max(n, 2), 1)[0][:n]
		in[fmt.Sprintf("json-%d", n)] = messages("json", max(n, 2), 1)[0][:n]
		few := make([]byte, n) // a small alphabet: long Huffman codes and matches
		for i := range few {
			few[i] = "ab\x00\xffxyz"[min(r.IntN(40), 6)]
		}
		in[fmt.Sprintf("skewed-%d", n)] = few
	}
	return in
}

// inflateChunks inflates one message given in chunks of the sizes that
// next returns.
func inflateChunks(d *Decompressor, op codec.Opcode, payload []byte, next func() int) ([]byte, error) {
	var out []byte
	for {
		k := min(next(), len(payload))
		var err error
		out, err = d.AppendChunk(out, op, payload[:k], k == len(payload))
		if err != nil || k == len(payload) {
			return out, err
		}
		payload = payload[k:]
	}
}

// TestInflateLibraries inflates what compress/flate and klauspost's flate
// produce at every level, whole and in chunks.
func TestInflateLibraries(t *testing.T) {
	writers := map[string]func(io.Writer) flusher{
		"std-huffman": stdWriter(stdflate.HuffmanOnly), "std0": stdWriter(0), "std1": stdWriter(1),
		"std6": stdWriter(6), "std9": stdWriter(9),
		"kp-huffman": kpWriter(kpflate.ConstantCompression), "kp1": kpWriter(1), "kp4": kpWriter(4),
		"kp6": kpWriter(6), "kp9": kpWriter(9),
	}
	inputs := testInputs()
	r := rand.New(rand.NewPCG(3, 4))
	for wname, newW := range writers {
		for iname, msg := range inputs {
			if lightTests() && len(msg) > 1<<16 {
				continue
			}
			payload := compressStream(t, newW, [][]byte{msg}, false)[0]
			d := NewDecompressor(Params{}, codec.RoleServer, 2<<20)
			for _, chunking := range []string{"whole", "random", "bytes"} {
				if chunking == "bytes" && len(payload) > 5000 {
					continue
				}
				next := map[string]func() int{
					"whole":  func() int { return len(payload) },
					"random": func() int { return r.IntN(3000) },
					"bytes":  func() int { return 1 },
				}[chunking]
				got, err := inflateChunks(d, codec.OpBinary, payload, next)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("%s/%s/%s: inflated %d bytes (want %d), %v", wname, iname, chunking, len(got), len(msg), err)
				}
			}
		}
	}
}

// TestInflateSplits feeds small messages in two chunks split at every
// point, and in three chunks split at many.
func TestInflateSplits(t *testing.T) {
	msgs := [][]byte{[]byte("Hello"), []byte(""), bytes.Repeat([]byte("abc"), 100),
		messages("json", 300, 1)[0], messages("text", 200, 1)[0]}
	for _, newW := range []func(io.Writer) flusher{stdWriter(6), stdWriter(stdflate.HuffmanOnly), stdWriter(0), kpWriter(1)} {
		payloads := compressStream(t, newW, msgs, true)
		for i, p := range payloads {
			d := NewDecompressor(Params{}, codec.RoleServer, 0)
			for cut := 0; cut <= len(p); cut++ {
				out, err := d.AppendChunk(nil, codec.OpText, p[:cut], false)
				if err == nil {
					out, err = d.AppendChunk(out, codec.OpText, p[cut:], true)
				}
				if err != nil || !bytes.Equal(out, msgs[i]) {
					t.Fatalf("message %d cut at %d of %d: %q, %v", i, cut, len(p), out, err)
				}
			}
			for a := 0; a <= len(p); a += 7 {
				for b := a; b <= len(p); b += 3 {
					out, _ := d.AppendChunk(nil, codec.OpText, p[:a], false)
					out, _ = d.AppendChunk(out, codec.OpText, p[a:b], false)
					out, err := d.AppendChunk(out, codec.OpText, p[b:], true)
					if err != nil || !bytes.Equal(out, msgs[i]) {
						t.Fatalf("message %d cut at %d and %d: %q, %v", i, a, b, out, err)
					}
				}
			}
		}
	}
}

// TestInflateContextTakeover inflates a stream of messages compressed with
// one writer, whose later messages refer back to earlier ones.
func TestInflateContextTakeover(t *testing.T) {
	for _, kind := range []string{"json", "text"} {
		for _, n := range []int{16, 1 << 10, 20 << 10, 64 << 10} {
			if lightTests() && n > 20<<10 {
				continue
			}
			msgs := messages(kind, n, 40)
			for wname, newW := range map[string]func(io.Writer) flusher{"std6": stdWriter(6), "kp1": kpWriter(1), "kp5": kpWriter(5)} {
				sizes := map[bool]int{}
				for _, reset := range []bool{false, true} {
					payloads := compressStream(t, newW, msgs, reset)
					d := NewDecompressor(Params{ClientNoContextTakeover: reset}, codec.RoleServer, 0)
					r := rand.New(rand.NewPCG(uint64(n), 5))
					var out []byte
					total := 0
					for i, p := range payloads {
						total += len(p)
						var err error
						out, err = inflateChunks(d, codec.OpText, p, func() int { return 1 + r.IntN(len(p)+1) })
						if err != nil || !bytes.Equal(out, msgs[i]) {
							t.Fatalf("%s/%d/%s/reset=%v: message %d: %d bytes, %v", kind, n, wname, reset, i, len(out), err)
						}
					}
					sizes[reset] = total
				}
				if sizes[false] >= sizes[true] {
					t.Errorf("%s/%d/%s: %d bytes with context takeover, %d without: history not used?", kind, n, wname, sizes[false], sizes[true])
				}
			}
		}
	}
}

// TestInflateSmallOutput inflates into buffers of every small capacity,
// so that the window is copied out in many pieces.
func TestInflateSmallOutput(t *testing.T) {
	msg := messages("text", 100<<10, 1)[0]
	p := compressStream(t, stdWriter(6), [][]byte{msg}, false)[0]
	for _, size := range []int{1, 2, 3, 100, 4095, 4096, 4097} {
		f := newInflater(15)
		out := make([]byte, 0, len(msg))
		in := append(bytes.Clone(p), tail[:]...)
		for len(in) > 0 || f.pending() > 0 {
			room := out[len(out):min(cap(out), len(out)+size)]
			n, m, err := f.inflate(room, in)
			if err != nil {
				t.Fatal(err)
			}
			out = out[:len(out)+n]
			in = in[m:]
		}
		if !bytes.Equal(out, msg) || !f.atBoundary() {
			t.Fatalf("out size %d: %d bytes, boundary %v", size, len(out), f.atBoundary())
		}
	}
}

// TestInflateWindowBits checks that the decompressor rejects distances
// beyond the peer's window and accepts all within.
func TestInflateWindowBits(t *testing.T) {
	for bits := 8; bits <= 15; bits++ {
		for _, period := range []int{1 << bits, 1<<bits + 1} {
			rnd := make([]byte, period)
			r := rand.New(rand.NewPCG(uint64(period), 6))
			for i := range rnd {
				rnd[i] = byte(r.Uint32())
			}
			msg := bytes.Repeat(rnd, 3) // the only matches are at distance period
			p := compressStream(t, stdWriter(6), [][]byte{msg}, false)[0]
			if period > 1<<15 {
				continue // too far for DEFLATE
			}
			d := NewDecompressor(Params{ClientMaxWindowBits: bits}, codec.RoleServer, 0)
			out, err := d.AppendMessage(nil, codec.OpBinary, p)
			if period > 1<<bits && err != ErrInvalidData {
				t.Errorf("bits %d: distance %d accepted (%v)", bits, period, err)
			}
			if period <= 1<<bits && (err != nil || !bytes.Equal(out, msg)) {
				t.Errorf("bits %d: distance %d: %v", bits, period, err)
			}
			d = NewDecompressor(Params{ClientMaxWindowBits: bits}, codec.RoleClient, 0) // uses the server's: 15
			if out, err := d.AppendMessage(nil, codec.OpBinary, p); err != nil || !bytes.Equal(out, msg) {
				t.Errorf("bits %d as client: %v", bits, err)
			}
		}
		// klauspost's windowed writer stays within the window, within
		// a message and across messages.
		c := NewCompressor(Params{ServerMaxWindowBits: bits}, codec.RoleServer, 0)
		d := NewDecompressor(Params{ServerMaxWindowBits: bits}, codec.RoleClient, 0)
		for i, m := range messages("json", 50<<10, 3) {
			p, err := c.AppendMessage(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			if out, err := d.AppendMessage(nil, codec.OpText, p); err != nil || !bytes.Equal(out, m) {
				t.Fatalf("window %d, message %d: %v", bits, i, err)
			}
		}
	}
}
