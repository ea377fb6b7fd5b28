package deflate

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// TestRoundTrip sends every test input, 0 B to 1 MiB, through a Compressor
// and a Decompressor, at several levels and windows, with and without
// context takeover, whole and in pieces, as a stream in which later
// messages may refer to earlier ones.
func TestRoundTrip(t *testing.T) {
	inputs := testInputs()
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, tc := range []struct {
		level, bits int
	}{{DefaultLevel, 15}, {5, 15}, {BestCompression, 15}, {HuffmanOnly, 15}, {DefaultLevel, 9}, {DefaultLevel, 12}} {
		for _, takeover := range []bool{true, false} {
			for _, pieces := range []int{1, 3} {
				t.Run(fmt.Sprintf("level=%d/bits=%d/takeover=%v/pieces=%d", tc.level, tc.bits, takeover, pieces), func(t *testing.T) {
					p := Params{ClientNoContextTakeover: !takeover, ClientMaxWindowBits: tc.bits}
					c := NewCompressor(p, codec.RoleClient, tc.level)
					d := NewDecompressor(p, codec.RoleServer, 2<<20)
					var payload, out []byte
					for _, name := range names {
						m := inputs[name]
						if len(m) > 1<<17 && (lightTests() || tc.level != DefaultLevel || tc.bits != 15) {
							continue // 1 MiB inputs only at the default level
						}
						payload = payload[:0]
						size := len(m)/pieces + 1
						for off := 0; off < len(m) || off == 0; off += size {
							var err error
							payload, err = c.AppendChunk(payload, m[off:min(off+size, len(m))], off+size >= len(m))
							if err != nil {
								t.Fatal(err)
							}
						}
						var err error
						out, err = inflateChunks(d, codec.OpBinary, payload, func() int { return len(payload)/pieces + 1 })
						if err != nil || !bytes.Equal(out, m) {
							t.Fatalf("%s: %d bytes compressed to %d inflate to %d, %v", name, len(m), len(payload), len(out), err)
						}
					}
				})
			}
		}
	}
}

// TestReset checks that Reset starts a connection over: the same messages
// compress to the same bytes again, and a Decompressor that failed works
// again.
func TestReset(t *testing.T) {
	msgs := messages("json", 2000, 3)
	for _, takeover := range []bool{true, false} {
		p := Params{ServerNoContextTakeover: !takeover}
		c := NewCompressor(p, codec.RoleServer, 0)
		d := NewDecompressor(p, codec.RoleClient, 0)
		var first [][]byte
		for round := range 2 {
			for i, m := range msgs {
				payload, err := c.AppendMessage(nil, m)
				if err != nil {
					t.Fatal(err)
				}
				if round == 0 {
					first = append(first, payload)
				} else if !bytes.Equal(payload, first[i]) {
					t.Errorf("takeover %v: message %d compresses differently after Reset", takeover, i)
				}
				if out, err := d.AppendMessage(nil, codec.OpText, payload); err != nil || !bytes.Equal(out, m) {
					t.Fatalf("takeover %v, round %d, message %d: %v", takeover, round, i, err)
				}
			}
			c.Reset()
			if _, err := d.AppendMessage(nil, codec.OpText, []byte{0xff}); err != ErrInvalidData {
				t.Fatalf("bad data: %v", err)
			}
			d.Reset()
		}
		// Reset in the middle of a message.
		c.AppendChunk(nil, msgs[0][:100], false)
		c.Reset()
		d.AppendChunk(nil, codec.OpText, first[0][:10], false)
		d.Reset()
		payload, _ := c.AppendMessage(nil, msgs[0])
		if out, err := d.AppendMessage(nil, codec.OpText, payload); err != nil || !bytes.Equal(out, msgs[0]) {
			t.Fatalf("after a Reset mid-message: %v", err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("level 10 accepted")
		}
	}()
	NewCompressor(Params{}, codec.RoleServer, 10)
}
