package deflate

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestRFC7692Examples inflates the examples of RFC 7692 §7.2.3, given as
// the frames a server sends, through a codec.Decoder.
func TestRFC7692Examples(t *testing.T) {
	for _, tc := range []struct {
		name     string
		section  string
		frames   string   // the frames, in hex
		messages []string // the messages they carry
		takeover bool     // the messages share one window
	}{
		{"one block", "7.2.3.1", "c1 07 f2 48 cd c9 c9 07 00", []string{"Hello"}, false},
		{"one block, two fragments", "7.2.3.1", "41 03 f2 48 cd 80 04 c9 c9 07 00", []string{"Hello"}, false},
		{"no context takeover", "7.2.3.2", "c1 07 f2 48 cd c9 c9 07 00 c1 07 f2 48 cd c9 c9 07 00", []string{"Hello", "Hello"}, false},
		{"sharing the window", "7.2.3.2", "c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00", []string{"Hello", "Hello"}, true},
		{"no compression", "7.2.3.3", "c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00", []string{"Hello"}, false},
		{"BFINAL set", "7.2.3.4", "c1 08 f3 48 cd c9 c9 07 00 00", []string{"Hello"}, false},
		{"two blocks", "7.2.3.5", "c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00", []string{"Hello"}, false},
		// §7.2.3.6: the last fragment holds only the sync flush's
		// leftover, 0x00, after a first fragment that was flushed whole.
		{"empty fragment", "7.2.3.6", "41 0b f2 48 cd c9 c9 07 00 00 00 ff ff 80 01 00", []string{"Hello"}, false},
		{"empty message", "7.2.3.6", "c1 01 00", []string{""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frames := unhex(tc.frames)
			for _, chunk := range []int{len(frames), 1} {
				dec := codec.Decoder{Role: codec.RoleClient, AllowedRsv: codec.Rsv1}
				d := NewDecompressor(Params{ServerNoContextTakeover: !tc.takeover}, codec.RoleClient, 0)
				var got []string
				var msg []byte
				var ev codec.Event
				for p := frames; len(p) > 0; {
					in := p[:min(chunk, len(p))]
					n, err := dec.Next(in, &ev)
					if err != nil {
						t.Fatalf("§%s: decoder: %v", tc.section, err)
					}
					p = p[n:]
					if ev.Kind != codec.EventData {
						continue
					}
					if ev.Rsv&codec.Rsv1 == 0 {
						t.Fatalf("§%s: message without RSV1", tc.section)
					}
					if msg, err = d.AppendChunk(msg, ev.Opcode, ev.Payload, ev.End); err != nil {
						t.Fatalf("§%s: %v", tc.section, err)
					}
					if ev.End {
						got = append(got, string(msg))
						msg = msg[:0]
					}
				}
				if strings.Join(got, "|") != strings.Join(tc.messages, "|") {
					t.Errorf("§%s, chunks of %d: got %q, want %q", tc.section, chunk, got, tc.messages)
				}
			}
		})
	}
}

// TestRFC7692Compress checks what the Compressor makes of the examples'
// message: "Hello" inflates back, and the frame can be written with a
// codec.Encoder. klauspost's flate stores blocks this small as they are,
// which gives exactly the bytes of §7.2.3.3. A longer message shows the
// window sharing of §7.2.3.2: its second copy compresses to less.
func TestRFC7692Compress(t *testing.T) {
	for _, takeover := range []bool{true, false} {
		for _, msg := range []string{"Hello", `{"type":"trade","symbol":"BTC-USD","price":"43125.17"}`} {
			p := Params{ServerNoContextTakeover: !takeover}
			c := NewCompressor(p, codec.RoleServer, 0)
			d := NewDecompressor(p, codec.RoleClient, 0)
			e := codec.Encoder{Role: codec.RoleServer}
			var sizes []int
			for range 2 {
				payload, err := c.AppendMessage(nil, []byte(msg))
				if err != nil {
					t.Fatal(err)
				}
				sizes = append(sizes, len(payload))
				frame, err := e.AppendFrame(nil, codec.OpText, codec.Rsv1, true, payload)
				if err != nil {
					t.Fatal(err)
				}
				if frame[0] != 0xc1 || int(frame[1]) != len(payload) {
					t.Errorf("frame %x: want c1 %02x ...", frame, len(payload))
				}
				if msg == "Hello" && !bytes.Equal(frame, unhex("c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00")) {
					t.Errorf("frame %x; want that of §7.2.3.3", frame)
				}
				out, err := d.AppendMessage(nil, codec.OpText, payload)
				if err != nil || string(out) != msg {
					t.Fatalf("takeover %v: %x inflates to %q, %v", takeover, payload, out, err)
				}
			}
			if len(msg) > 5 && (takeover && sizes[1] >= sizes[0] || !takeover && sizes[1] != sizes[0]) {
				t.Errorf("takeover %v: sizes %v", takeover, sizes)
			}
		}
	}
	c := NewCompressor(Params{}, codec.RoleClient, 0)
	if out, _ := c.AppendMessage(nil, nil); !bytes.Equal(out, []byte{0}) {
		t.Errorf("empty message compresses to %x; want 00 (§7.2.3.6)", out)
	}
}
