package deflate

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"unicode/utf8"

	"github.com/wsframe/wsframe/codec"
)

// bomb returns a compressed message that inflates to n zero bytes.
func bomb(t testing.TB, n int) []byte {
	c := NewCompressor(Params{ServerNoContextTakeover: true}, codec.RoleServer, BestSpeed)
	zeros := make([]byte, 1<<20)
	var out []byte
	for n > 0 {
		k := min(n, len(zeros))
		n -= k
		var err error
		if out, err = c.AppendChunk(out, zeros[:k], n == 0); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestZipBomb inflates a message of 260 KiB that would inflate to 256 MiB
// (its first KiB alone inflates to 1 MiB), with a limit of 1 MiB: it must
// fail with 1009 as soon as it is past the limit, having allocated about
// twice the limit in all, not the inflated size.
func TestZipBomb(t *testing.T) {
	const limit = 1 << 20
	const inflated = 256 << 20
	b := bomb(t, inflated)
	t.Logf("%d compressed bytes inflate to %d", len(b), inflated)
	for _, chunk := range []int{len(b), 4096, 7} {
		d := NewDecompressor(Params{}, codec.RoleServer, limit)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var out []byte
		var err error
		fed := 0
		for fed < len(b) && err == nil {
			k := min(chunk, len(b)-fed)
			out, err = d.AppendChunk(out, codec.OpBinary, b[fed:fed+k], fed+k == len(b))
			fed += k
		}
		runtime.ReadMemStats(&after)
		t.Logf("chunks of %d: failed after %d bytes, allocated %d", chunk, fed, after.TotalAlloc-before.TotalAlloc)
		var pe *codec.ProtocolError
		if !errors.As(err, &pe) || pe.Code != codec.CloseMessageTooBig || err != ErrMessageTooBig {
			t.Fatalf("chunks of %d: err %v; want ErrMessageTooBig (1009)", chunk, err)
		}
		if len(out) != limit+1 {
			t.Errorf("chunks of %d: %d bytes appended; want the limit plus one", chunk, len(out))
		}
		// It stops within the chunk that passes the limit.
		if ratio := inflated / len(b); fed > (limit/ratio+1)*2+chunk {
			t.Errorf("chunks of %d: fed %d bytes of %d before failing", chunk, fed, len(b))
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 3*limit {
			t.Errorf("chunks of %d: allocated %d bytes for a limit of %d", chunk, grown, limit)
		}
		if _, err2 := d.AppendChunk(nil, codec.OpBinary, []byte{0}, true); err2 != err {
			t.Errorf("after the error: %v", err2)
		}
		d.Reset()
		if out, err := d.AppendMessage(out[:0], codec.OpBinary, []byte{0}); err != nil || len(out) != 0 {
			t.Errorf("after Reset: %q, %v", out, err)
		}
	}
}

// TestLimit checks the limit at its edge.
func TestLimit(t *testing.T) {
	msg := messages("text", 10000, 1)[0]
	c := NewCompressor(Params{}, codec.RoleClient, 0)
	p, _ := c.AppendMessage(nil, msg)
	for _, limit := range []int64{9999, 10000, 10001} {
		d := NewDecompressor(Params{}, codec.RoleServer, limit)
		out, err := d.AppendMessage(nil, codec.OpText, p)
		if limit < 10000 && (err != ErrMessageTooBig || len(out) != int(limit)+1) ||
			limit >= 10000 && (err != nil || !bytes.Equal(out, msg)) {
			t.Errorf("limit %d: %d bytes, %v", limit, len(out), err)
		}
	}
	if d := NewDecompressor(Params{}, codec.RoleServer, 0); d.max != codec.DefaultMaxMessage {
		t.Errorf("default limit %d", d.max)
	}
}

// dynNoEOB returns the start of a dynamic block whose literal/length code
// has no end-of-block code: code-length codes 18 and 1 of one bit each;
// then lengths 1 and 1 for literals 0 and 1, and 256 zeros.
func dynNoEOB() []byte {
	return new(bitWriter).put(0, 1).put(2, 2).put(0, 5).put(0, 5).put(14, 4).
		put(0, 3).put(0, 3).put(1, 3).put(0, 3*14).put(1, 3).
		code(0, 1).code(0, 1).code(1, 1).put(127, 7).code(1, 1).put(107, 7).bytes()
}

// TestInvalidData feeds data that is not DEFLATE, or does not end a
// message where RFC 7692 §7.2.2 says it must. Errors in the data itself
// must show before the message ends.
func TestInvalidData(t *testing.T) {
	good, _ := NewCompressor(Params{}, codec.RoleClient, 0).AppendMessage(nil, messages("json", 3000, 1)[0])
	dyn := func() *bitWriter { return new(bitWriter).put(0, 1).put(2, 2) } // a dynamic block's header
	for _, tc := range []struct {
		name   string
		data   []byte
		atOnce bool // the inflater sees the error without the message's end
	}{
		{"block type 3", []byte{0x07}, true},
		{"stored LEN and NLEN differ", unhex("00 05 00 fb ff 48 65 6c 6c 6f 00"), true},
		{"distance before the start", fixedBlock(1, 'a', 257, -1), true}, // "a", then 3 bytes from distance 2
		{"fixed literal/length 286", fixedBlock(0, 'a', 286), true},
		{"fixed distance code 30", fixedBlock(30, 'a', 257, -1), true},
		{"HLIT too large", dyn().put(30, 5).put(0, 5).put(0, 4).bytes(), true},
		{"HDIST too large", dyn().put(0, 5).put(30, 5).put(0, 4).bytes(), true},
		// Code-length codes: 16 and 0 of one bit each; then a 16 first.
		{"repeat with nothing to repeat", dyn().put(0, 5).put(0, 5).put(0, 4).
			put(1, 3).put(0, 3).put(0, 3).put(1, 3).code(1, 1).put(0, 2).bytes(), true},
		// Code-length codes: 18 of one bit, then 138 zeros, then 138 more:
		// past the 258 lengths of HLIT 0 and HDIST 0.
		{"repeat past the end", dyn().put(0, 5).put(0, 5).put(0, 4).
			put(0, 3).put(0, 3).put(1, 3).put(0, 3).code(0, 1).put(127, 7).code(0, 1).put(127, 7).bytes(), true},
		// Code-length codes: all 19 of length 1: over-subscribed.
		{"over-subscribed code", dyn().put(0, 5).put(0, 5).put(15, 4).
			put(0x1249249, 27).put(0x1249249, 27).put(1, 3).bytes(), true},
		{"no end-of-block code", dynNoEOB(), true},
		{"stored block cut short", unhex("00 05 00 fa ff 48 65"), false},
		{"unstripped tail", unhex("f2 48 cd c9 c9 07 00 00 00 ff ff"), false},
		{"ends inside a block", good[:len(good)/2], false},
		{"extra byte", append(bytes.Clone(good), 0x55), false},
	} {
		d := NewDecompressor(Params{}, codec.RoleServer, 0)
		out, err := d.AppendMessage(nil, codec.OpBinary, tc.data)
		var pe *codec.ProtocolError
		if !errors.As(err, &pe) || pe.Code != codec.CloseInvalidPayload || err != ErrInvalidData {
			t.Errorf("%s: %q, %v; want ErrInvalidData (1007)", tc.name, out, err)
		}
		if tc.atOnce {
			if _, _, err := newInflater(15).inflate(make([]byte, 100), tc.data); err != ErrInvalidData {
				t.Errorf("%s: inflate without the tail: %v", tc.name, err)
			}
		}
	}
}

// bitWriter writes DEFLATE bits: values least significant bit first,
// Huffman codes most significant bit first.
type bitWriter struct {
	b  []byte
	nb uint
}

func (w *bitWriter) put(v uint32, n uint) *bitWriter {
	for i := range n {
		if w.nb%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (w.nb % 8)
		w.nb++
	}
	return w
}

func (w *bitWriter) code(c uint32, n uint) *bitWriter {
	for i := int(n) - 1; i >= 0; i-- {
		w.put(c>>uint(i)&1, 1)
	}
	return w
}

func (w *bitWriter) bytes() []byte { return w.b }

// fixedBlock returns a final fixed-Huffman block holding syms, where -1
// stands for distance code dist (with no extra bits), followed by the end
// of block and by the 00 that RFC 7692 §7.2.3.4 puts after a final block.
func fixedBlock(dist int, syms ...int) []byte {
	w := new(bitWriter).put(1, 1).put(1, 2)
	for _, s := range append(syms, 256) {
		switch {
		case s < 0:
			w.code(uint32(dist), 5)
		case s < 144:
			w.code(uint32(0x30+s), 8)
		case s < 256:
			w.code(uint32(0x190+s-144), 9)
		case s < 280:
			w.code(uint32(s-256), 7)
		default:
			w.code(uint32(0xc0+s-280), 8)
		}
	}
	return append(w.bytes(), 0)
}

// TestFixedBlock checks the test's block writer against the RFC's "Hello"
// (§7.2.3.4), and that a valid use of it inflates.
func TestFixedBlock(t *testing.T) {
	if got := fixedBlock(0, 'H', 'e', 'l', 'l', 'o'); !bytes.Equal(got, unhex("f3 48 cd c9 c9 07 00 00")) {
		t.Errorf("fixedBlock(Hello) = %x", got)
	}
	b := fixedBlock(0, 'a', 257, -1) // "a" and 3 bytes from distance 1
	out, err := NewDecompressor(Params{}, codec.RoleServer, 0).AppendMessage(nil, codec.OpText, b)
	if err != nil || string(out) != "aaaa" {
		t.Errorf("%q, %v", out, err)
	}
}

// TestInflatedUTF8 checks text after inflation, at the first bad byte.
func TestInflatedUTF8(t *testing.T) {
	good := bytes.Repeat([]byte("héllo wörld, 世界 "), 500)
	bad := append(bytes.Clone(good[:3000]), 0xff)
	bad = append(bad, good...)
	cut := append(bytes.Clone(good), "世"[:2]...) // ends inside a code point
	for _, tc := range []struct {
		msg  []byte
		op   codec.Opcode
		want error
	}{
		{good, codec.OpText, nil},
		{bad, codec.OpText, codec.ErrInvalidUTF8},
		{bad, codec.OpBinary, nil},
		{cut, codec.OpText, codec.ErrInvalidUTF8},
	} {
		p, _ := NewCompressor(Params{}, codec.RoleClient, 0).AppendMessage(nil, tc.msg)
		d := NewDecompressor(Params{}, codec.RoleServer, 0)
		var out []byte
		var err error
		for i := 0; i < len(p) && err == nil; i += 100 {
			out, err = d.AppendChunk(out, tc.op, p[i:min(i+100, len(p))], i+100 >= len(p))
		}
		if err != tc.want {
			t.Errorf("%d bytes, op %v, valid %v: %v; want %v", len(tc.msg), tc.op, utf8.Valid(tc.msg), err, tc.want)
		}
		if tc.want != nil && tc.msg[3000] == 0xff && len(out) > 3000+2*len(p)+64<<10 {
			t.Errorf("bad byte at 3000 found after %d bytes", len(out))
		}
	}
}

// TestSetGrow: the grow function gives dst its room as a message inflates,
// and its error ends the message, with no more appended than it allowed.
func TestSetGrow(t *testing.T) {
	b := bomb(t, 8<<20)
	refused := errors.New("over budget")
	d := NewDecompressor(Params{}, codec.RoleServer, 64<<20)
	allowed := 0
	d.SetGrow(func(dst []byte, n int) ([]byte, error) {
		if cap(dst)+n > 1<<20 {
			return dst, refused
		}
		allowed = cap(dst) + n
		return append(make([]byte, 0, cap(dst)+n), dst...), nil
	})
	out, err := d.AppendMessage(nil, codec.OpBinary, b)
	if err != refused || len(out) > allowed || allowed > 1<<20 {
		t.Fatalf("inflated %d bytes (allowed %d), %v; want the grow error", len(out), allowed, err)
	}
	if _, err := d.AppendMessage(nil, codec.OpBinary, nil); err != refused {
		t.Errorf("after the error: %v; want it again until Reset", err)
	}
}
