package codec

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// msg is one thing a decoder delivered: a whole data message, or a control
// frame.
type msg struct {
	kind    EventKind
	op      Opcode
	rsv     uint8
	payload string
	code    CloseCode
}

func (m msg) String() string {
	return fmt.Sprintf("%v/%v rsv=%d %q code=%d", m.kind, m.op, m.rsv, m.payload, m.code)
}

// feed runs d over chunks and returns the messages it delivered, checking
// the event invariants on the way.
func feed(t testing.TB, d *Decoder, chunks [][]byte) ([]msg, error) {
	var out []msg
	var cur *msg
	var buf []byte // payload of cur, collected without quadratic string concatenation
	var ev Event
	for _, c := range chunks {
		for len(c) > 0 || cur != nil {
			n, err := d.Next(c, &ev)
			if n < 0 || n > len(c) {
				t.Fatalf("Next consumed %d of %d bytes", n, len(c))
			}
			if err != nil {
				return out, err
			}
			if ev.Kind == EventNone && n != len(c) {
				t.Fatalf("EventNone after consuming %d of %d bytes", n, len(c))
			}
			if len(ev.Payload) > 0 && ev.Kind == EventData && !within(ev.Payload, c[:n]) {
				t.Fatalf("data payload does not alias the consumed bytes")
			}
			c = c[n:]
			switch ev.Kind {
			case EventNone:
				goto nextChunk
			case EventData:
				if ev.Start != (cur == nil) {
					t.Fatalf("Start = %v with message in progress = %v", ev.Start, cur != nil)
				}
				if cur == nil {
					cur = &msg{kind: EventData, op: ev.Opcode, rsv: ev.Rsv}
					buf = buf[:0]
				}
				buf = append(buf, ev.Payload...)
				if ev.End {
					cur.payload = string(buf)
					out = append(out, *cur)
					cur = nil
				}
			default:
				out = append(out, msg{kind: ev.Kind, op: ev.Opcode, payload: string(ev.Payload), code: ev.Code})
			}
		}
	nextChunk:
	}
	return out, nil
}

// within reports whether sub lies inside b.
func within(sub, b []byte) bool {
	if len(sub) == 0 {
		return true
	}
	if len(b) == 0 {
		return false
	}
	s, lo := uintptr(unsafe.Pointer(&sub[0])), uintptr(unsafe.Pointer(&b[0]))
	return s >= lo && s+uintptr(len(sub)) <= lo+uintptr(len(b))
}

// encodeStream writes a stream of messages as a client (masked) with
// control frames in the middle of fragmented messages.
func encodeStream(t testing.TB, role Role) ([]byte, []msg) {
	e := &Encoder{Role: role}
	var b []byte
	var want []msg
	add := func(op Opcode, payload string, fragment int) {
		e.FragmentSize = fragment
		var err error
		b, err = e.AppendMessage(b, op, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, msg{kind: EventData, op: op, payload: payload})
	}
	add(OpText, "Can you hear me?", 0)
	add(OpBinary, "", 0)
	add(OpText, "κόσμε, 世界, 🌍", 3) // fragments split code points
	add(OpBinary, strings.Repeat("\x00\xff", 200), 0)
	b, _ = e.AppendFrame(b, OpText, 0, false, []byte("Hel"))
	b, _ = e.AppendPing(b, []byte("ping in the middle"))
	b, _ = e.AppendFrame(b, OpContinuation, 0, false, nil)
	b, _ = e.AppendPong(b, nil)
	b, _ = e.AppendFrame(b, OpContinuation, 0, true, []byte("lo"))
	want = append(want, msg{kind: EventPing, op: OpPing, payload: "ping in the middle"},
		msg{kind: EventPong, op: OpPong}, msg{kind: EventData, op: OpText, payload: "Hello"})
	add(OpBinary, strings.Repeat("x", 70000), 0)
	add(OpText, strings.Repeat("long ", 30000), 4096)
	b, _ = e.AppendClose(b, CloseGoingAway, "bye")
	want = append(want, msg{kind: EventClose, op: OpClose, payload: "\x03\xe9bye", code: CloseGoingAway})
	// Data after a close is ignored (§5.5.1).
	b = append(b, AppendHeader(nil, Header{Fin: true, Opcode: OpText, Masked: role == RoleClient, Length: 3})...)
	b = append(b, "zzz"...)
	return b, want
}

func checkMsgs(t *testing.T, got, want []msg) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages; want %d\ngot  %v\nwant %v", len(got), len(want), got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("message %d = %v; want %v", i, got[i], want[i])
		}
	}
}

// TestDecoderChunkings feeds the same stream whole, split at every point,
// one byte at a time and in random chunks: the messages must not change.
func TestDecoderChunkings(t *testing.T) {
	for _, role := range []Role{RoleClient, RoleServer} {
		sender := RoleClient
		if role == RoleClient {
			sender = RoleServer
		}
		stream, want := encodeStream(t, sender)
		run := func(chunks [][]byte) []msg {
			d := &Decoder{Role: role}
			got, err := feed(t, d, chunks)
			if err != nil {
				t.Fatalf("%v decoder: %v", role, err)
			}
			return got
		}
		fresh := func() []byte { return bytes.Clone(stream) } // the decoder unmasks in place
		checkMsgs(t, run([][]byte{fresh()}), want)
		var ones [][]byte
		s := fresh()
		for i := range s {
			ones = append(ones, s[i:i+1])
		}
		checkMsgs(t, run(ones), want)
		// Every split point of the first 2 KiB, and every 97th after.
		for i := 0; i < len(stream); i++ {
			if i > 2048 && i%97 != 0 {
				continue
			}
			s := fresh()
			checkMsgs(t, run([][]byte{s[:i], s[i:]}), want)
		}
		rng := rand.New(rand.NewPCG(7, uint64(role)))
		for iter := 0; iter < 50; iter++ {
			s := fresh()
			var chunks [][]byte
			for len(s) > 0 {
				k := min(len(s), 1+rng.IntN(300))
				chunks = append(chunks, s[:k])
				s = s[k:]
			}
			checkMsgs(t, run(chunks), want)
		}
	}
}

// TestDecoderRFCExamples decodes the frames of RFC 6455 §5.7 as a stream.
func TestDecoderRFCExamples(t *testing.T) {
	hex := func(s string) []byte {
		var b []byte
		for _, f := range strings.Fields(s) {
			var v byte
			fmt.Sscanf(f, "%x", &v)
			b = append(b, v)
		}
		return b
	}
	client := &Decoder{Role: RoleClient}
	got, err := feed(t, client, [][]byte{hex("81 05 48 65 6c 6c 6f  01 03 48 65 6c 80 02 6c 6f  89 05 48 65 6c 6c 6f")})
	if err != nil {
		t.Fatal(err)
	}
	checkMsgs(t, got, []msg{{EventData, OpText, 0, "Hello", 0}, {EventData, OpText, 0, "Hello", 0}, {EventPing, OpPing, 0, "Hello", 0}})
	server := &Decoder{}
	got, err = feed(t, server, [][]byte{hex("81 85 37 fa 21 3d 7f 9f 4d 51 58  8a 85 37 fa 21 3d 7f 9f 4d 51 58")})
	if err != nil {
		t.Fatal(err)
	}
	checkMsgs(t, got, []msg{{EventData, OpText, 0, "Hello", 0}, {EventPong, OpPong, 0, "Hello", 0}})
}

// frame builds one raw frame for the rule tests.
func frame(fin bool, rsv uint8, op Opcode, masked bool, payload string) []byte {
	h := Header{Fin: fin, Rsv: rsv, Opcode: op, Masked: masked, Key: [4]byte{1, 2, 3, 4}, Length: int64(len(payload))}
	b := AppendHeader(nil, h)
	p := []byte(payload)
	if masked {
		Mask(p, h.Key, 0)
	}
	return append(b, p...)
}

func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// TestDecoderRules checks each receiving rule, with the RFC's words.
func TestDecoderRules(t *testing.T) {
	m := true // frames to a server are masked
	tests := []struct {
		name, rfc string
		stream    []byte
		dec       Decoder
		want      error // nil: the stream decodes
	}{
		{"unmasked to server", "§5.1: a server MUST close the connection upon receiving a frame that is not masked",
			frame(true, 0, OpText, false, "hi"), Decoder{}, ErrUnmaskedFrame},
		{"masked to client", "§5.1: A client MUST close a connection if it detects a masked frame",
			frame(true, 0, OpText, true, "hi"), Decoder{Role: RoleClient}, ErrMaskedFrame},
		{"reserved opcode 3", "§5.2: If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_",
			frame(true, 0, 3, m, ""), Decoder{}, ErrReservedOpcode},
		{"reserved opcode 0xB", "§5.2", frame(true, 0, 0xB, m, ""), Decoder{}, ErrReservedOpcode},
		{"RSV1 not negotiated", "§5.2: If a nonzero value is received and none of the negotiated extensions defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_",
			frame(true, Rsv1, OpText, m, "hi"), Decoder{}, ErrReservedBits},
		{"RSV1 negotiated", "", frame(true, Rsv1, OpBinary, m, "hi"), Decoder{AllowedRsv: Rsv1}, nil},
		{"RSV1 on a continuation", "RFC 7692 §6.1: An endpoint MUST NOT set the \"Per-Message Compressed\" bit of control frames and non-first fragments of a data message",
			cat(frame(false, Rsv1, OpBinary, m, "a"), frame(true, Rsv1, OpContinuation, m, "b")), Decoder{AllowedRsv: Rsv1}, ErrCompressedFragment},
		{"RSV1 on a ping", "RFC 7692 §6.1", frame(true, Rsv1, OpPing, m, ""), Decoder{AllowedRsv: Rsv1}, ErrCompressedFragment},
		{"continuation with nothing to continue", "§5.4: a message consists of a single frame with the FIN bit set or a frame with FIN clear and an opcode other than 0, followed by zero or more frames with FIN clear and the opcode set to 0, and terminated by a single frame with FIN set and an opcode of 0",
			frame(true, 0, OpContinuation, m, "x"), Decoder{}, ErrUnexpectedContinuation},
		{"continuation after a finished message", "§5.4",
			cat(frame(true, 0, OpText, m, "a"), frame(true, 0, OpContinuation, m, "b")), Decoder{}, ErrUnexpectedContinuation},
		{"new message inside a fragmented one", "§5.4: the fragments of one message MUST NOT be interleaved between the fragments of another message",
			cat(frame(false, 0, OpText, m, "a"), frame(true, 0, OpBinary, m, "b")), Decoder{}, ErrExpectedContinuation},
		{"control frames inside a fragmented message", "§5.4: Control frames MAY be injected in the middle of a fragmented message",
			cat(frame(false, 0, OpText, m, "a"), frame(true, 0, OpPing, m, "p"), frame(true, 0, OpContinuation, m, "b")), Decoder{}, nil},
		{"fragmented ping", "§5.5: All control frames ... MUST NOT be fragmented",
			frame(false, 0, OpPing, m, ""), Decoder{}, ErrFragmentedControl},
		{"126-byte ping", "§5.5: All control frames MUST have a payload length of 125 bytes or less",
			frame(true, 0, OpPing, m, strings.Repeat("p", 126)), Decoder{}, ErrControlTooLong},
		{"125-byte ping", "", frame(true, 0, OpPing, m, strings.Repeat("p", 125)), Decoder{}, nil},
		{"close with 1 byte", "§5.5.1: If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer",
			frame(true, 0, OpClose, m, "\x03"), Decoder{}, ErrClosePayloadLength},
		{"close with code 1005", "§7.4.1: 1005 ... MUST NOT be set as a status code in a Close control frame by an endpoint",
			frame(true, 0, OpClose, m, "\x03\xed"), Decoder{}, ErrCloseCode},
		{"close reason not UTF-8", "§5.5.1: the body ... MAY contain UTF-8-encoded data", frame(true, 0, OpClose, m, "\x03\xe8\xff"), Decoder{}, ErrCloseReason},
		{"text not UTF-8", "§8.1: When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_",
			frame(true, 0, OpText, m, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"), Decoder{}, ErrInvalidUTF8},
		{"text ends mid code point", "§8.1", frame(true, 0, OpText, m, "a\xe2\x82"), Decoder{}, ErrInvalidUTF8},
		{"code point split across fragments", "", cat(frame(false, 0, OpText, m, "\xe2\x82"), frame(true, 0, OpContinuation, m, "\xac")), Decoder{}, nil},
		{"invalid UTF-8 split across fragments", "", cat(frame(false, 0, OpText, m, "\xed"), frame(true, 0, OpContinuation, m, "\xa0\x80")), Decoder{}, ErrInvalidUTF8},
		{"binary need not be UTF-8", "", frame(true, 0, OpBinary, m, "\xff\xfe"), Decoder{}, nil},
		{"compressed text is checked after inflation, not here", "", frame(true, Rsv1, OpText, m, "\xff"), Decoder{AllowedRsv: Rsv1}, nil},
		{"message over the limit", "§10.4: implementations SHOULD impose a limit on frame sizes and the total message size",
			frame(true, 0, OpBinary, m, "12345"), Decoder{MaxMessage: 4}, ErrMessageTooBig},
		{"fragments over the limit", "§10.4",
			cat(frame(false, 0, OpBinary, m, "123"), frame(true, 0, OpContinuation, m, "45")), Decoder{MaxMessage: 4}, ErrMessageTooBig},
		{"message at the limit", "", frame(true, 0, OpBinary, m, "1234"), Decoder{MaxMessage: 4}, nil},
		{"data after close ignored", "§5.5.1: After sending a Close frame, the endpoint MUST NOT send any more data frames",
			cat(frame(true, 0, OpClose, m, ""), []byte("garbage that is not a frame")), Decoder{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Whole, and one byte at a time.
			for _, oneByte := range []bool{false, true} {
				d := tt.dec
				var chunks [][]byte
				s := bytes.Clone(tt.stream)
				if oneByte {
					for i := range s {
						chunks = append(chunks, s[i:i+1])
					}
				} else {
					chunks = [][]byte{s}
				}
				_, err := feed(t, &d, chunks)
				if err != tt.want {
					t.Fatalf("one byte at a time %v: error %v; want %v (%s)", oneByte, err, tt.want, tt.rfc)
				}
				if err != nil {
					var pe *ProtocolError
					if !errors.As(err, &pe) {
						t.Fatalf("error %v is not a *ProtocolError", err)
					}
					var ev Event
					if _, again := d.Next([]byte{0x81}, &ev); again != err {
						t.Errorf("after an error Next returned %v", again)
					}
				}
			}
		})
	}
}

// TestDecoderFailsFast checks that a limit and invalid UTF-8 fail before
// the rest of the message arrives.
func TestDecoderFailsFast(t *testing.T) {
	var ev Event
	d := Decoder{MaxMessage: 1000}
	hdr := AppendHeader(nil, Header{Fin: true, Opcode: OpBinary, Masked: true, Length: 1 << 40})
	if _, err := d.Next(hdr, &ev); err != ErrMessageTooBig {
		t.Errorf("1 TiB header: %v; want ErrMessageTooBig before any payload", err)
	}
	d = Decoder{}
	f := frame(true, 0, OpText, false, "")
	hdr = AppendHeader(nil, Header{Fin: true, Opcode: OpText, Length: 1000})
	_ = f
	d.Role = RoleClient
	if _, err := d.Next(append(hdr, "ok so far \xc0"...), &ev); err != ErrInvalidUTF8 {
		t.Errorf("bad byte 11 bytes into a 1000-byte text frame: %v; want ErrInvalidUTF8 at once", err)
	}
}

func TestCloseReply(t *testing.T) {
	for in, want := range map[CloseCode]CloseCode{CloseNoStatus: CloseNormal, CloseGoingAway: CloseGoingAway, 4000: 4000} {
		if got := CloseReply(in); got != want {
			t.Errorf("CloseReply(%v) = %v; want %v", in, got, want)
		}
	}
}
