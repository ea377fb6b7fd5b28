package deflate

import (
	"bytes"
	stdflate "compress/flate"
	"io"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

const fuzzLimit = 64 << 10

// FuzzDecompress feeds arbitrary bytes as a compressed message, whole and
// in two chunks. The Decompressor must not panic, must append at most the
// limit plus one byte, must give the same result however the input is cut,
// and must agree with compress/flate: whenever compress/flate reads the
// message plus its tail as one DEFLATE stream to the end, the Decompressor
// inflates it to the same bytes, and the other way round.
func FuzzDecompress(f *testing.F) {
	f.Add(unhex("f2 48 cd c9 c9 07 00"), uint16(3))
	f.Add(unhex("00 05 00 fa ff 48 65 6c 6c 6f 00"), uint16(6))
	f.Add(unhex("f2 48 05 00 00 00 ff ff ca c9 c9 07 00"), uint16(8))
	f.Add(unhex("f3 48 cd c9 c9 07 00 00"), uint16(0))
	f.Add([]byte{0}, uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		whole, errWhole := NewDecompressor(Params{}, codec.RoleServer, fuzzLimit).AppendMessage(nil, codec.OpBinary, data)
		if len(whole) > fuzzLimit+1 {
			t.Fatalf("appended %d bytes; limit %d", len(whole), fuzzLimit)
		}
		cut := int(split) % (len(data) + 1)
		d := NewDecompressor(Params{}, codec.RoleServer, fuzzLimit)
		parts, err := d.AppendChunk(nil, codec.OpBinary, data[:cut], false)
		if err == nil {
			parts, err = d.AppendChunk(parts, codec.OpBinary, data[cut:], true)
		}
		if err != errWhole || errWhole == nil && !bytes.Equal(parts, whole) {
			t.Fatalf("cut at %d: %d bytes, %v; whole: %d bytes, %v", cut, len(parts), err, len(whole), errWhole)
		}

		// compress/flate reads the message and its tail followed by a
		// final empty block, which ends the stream where the message
		// ends, if the message ends at a block boundary. It could also
		// swallow the final block as data, say of a stored block that the
		// message leaves unfinished; with two different final blocks
		// (stored, fixed) it cannot do so to the same output for both.
		std := func(final []byte) (out []byte, ok, early bool) {
			src := bytes.NewReader(append(append(bytes.Clone(data), tail[:]...), final...))
			out, err := io.ReadAll(io.LimitReader(stdflate.NewReader(src), fuzzLimit+1))
			return out, err == nil && src.Len() == 0 && len(out) <= fuzzLimit, err == nil && src.Len() > 0
		}
		want, ok1, early := std([]byte{1, 0, 0, 0xff, 0xff})
		want2, ok2, _ := std([]byte{3, 0})
		agreed := ok1 && ok2 && bytes.Equal(want, want2)
		switch {
		case agreed:
			if errWhole != nil || !bytes.Equal(whole, want) {
				t.Fatalf("compress/flate inflates %d bytes; Decompressor %d, %v", len(want), len(whole), errWhole)
			}
		case errWhole == nil && !early:
			// compress/flate stops early at a block with BFINAL set,
			// which the Decompressor goes past (RFC 7692 §7.2.3.4);
			// otherwise it must read what the Decompressor read.
			t.Fatalf("Decompressor inflates %d bytes; compress/flate %d (%v) and %d (%v)", len(whole), len(want), ok1, len(want2), ok2)
		}
	})
}

// FuzzRoundTrip compresses two messages in pieces with context takeover
// (or without), inflates them in other pieces and compares.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("Hello"), []byte("Hello"), int8(0), true, uint16(2), uint16(3))
	f.Add([]byte(`{"a":1,"b":[1,2,3]}`), []byte(`{"a":2,"b":[1,2,3]}`), int8(9), false, uint16(5), uint16(1))
	f.Add([]byte{}, bytes.Repeat([]byte{0}, 1000), int8(HuffmanOnly), true, uint16(0), uint16(100))
	f.Fuzz(func(t *testing.T, m1, m2 []byte, level int8, takeover bool, csplit, dsplit uint16) {
		if level != HuffmanOnly && (level < 0 || level > 9) {
			level %= 10
			if level < 0 {
				level = -level
			}
		}
		p := Params{ClientNoContextTakeover: !takeover, ClientMaxWindowBits: 8 + int(csplit%8)}
		c := NewCompressor(p, codec.RoleClient, int(level))
		d := NewDecompressor(p, codec.RoleServer, 0)
		for _, m := range [][]byte{m1, m2} {
			cut := int(csplit) % (len(m) + 1)
			payload, err := c.AppendChunk(nil, m[:cut], false)
			if err == nil {
				payload, err = c.AppendChunk(payload, m[cut:], true)
			}
			if err != nil {
				t.Fatal(err)
			}
			op := codec.OpBinary
			if codec.ValidUTF8(m) {
				op = codec.OpText
			}
			dcut := int(dsplit) % (len(payload) + 1)
			out, err := d.AppendChunk(nil, op, payload[:dcut], false)
			if err == nil {
				out, err = d.AppendChunk(out, op, payload[dcut:], true)
			}
			if err != nil || !bytes.Equal(out, m) {
				t.Fatalf("%d bytes at level %d (takeover %v): inflated %d bytes, %v", len(m), level, takeover, len(out), err)
			}
		}
	})
}
