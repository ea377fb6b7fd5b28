package codec

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzDecoder feeds arbitrary bytes, in chunks the fuzzer picks, to both
// roles' decoders: they must never panic, never consume more than they
// were given, never hand out payload outside the bytes of the call, and
// must give the same result for the stream whole and chunked.
func FuzzDecoder(f *testing.F) {
	f.Add(frame(true, 0, OpText, true, "Can you hear me?"), uint8(3), uint8(0))
	f.Add(cat(frame(false, 0, OpText, true, "\xe2\x82"), frame(true, 0, OpPing, true, "p"), frame(true, 0, OpContinuation, true, "\xac")), uint8(1), uint8(0))
	f.Add(frame(true, 0, OpClose, false, "\x03\xe8bye"), uint8(5), uint8(1))
	f.Add([]byte{0x82, 0xff, 0, 0, 0, 0, 0, 0, 0x01, 0, 1, 2, 3, 4}, uint8(2), uint8(0))
	f.Fuzz(func(t *testing.T, stream []byte, chunk, role uint8) {
		r := Role(role & 1)
		d1 := Decoder{Role: r, AllowedRsv: Rsv1, MaxMessage: 1 << 16}
		whole, err1 := feed(t, &d1, [][]byte{bytes.Clone(stream)})
		var chunks [][]byte
		s := bytes.Clone(stream)
		size := int(chunk%64) + 1
		for len(s) > 0 {
			k := min(size, len(s))
			chunks = append(chunks, s[:k])
			s = s[k:]
		}
		d2 := Decoder{Role: r, AllowedRsv: Rsv1, MaxMessage: 1 << 16}
		chunked, err2 := feed(t, &d2, chunks)
		if err1 != err2 {
			t.Fatalf("whole: %v; in %d-byte chunks: %v", err1, size, err2)
		}
		if len(whole) != len(chunked) {
			t.Fatalf("whole gave %d messages, chunked %d", len(whole), len(chunked))
		}
		for i := range whole {
			if whole[i] != chunked[i] {
				t.Fatalf("message %d: whole %v, chunked %v", i, whole[i], chunked[i])
			}
		}
	})
}

// FuzzEncodeDecode writes messages the fuzzer describes with an Encoder
// and checks that a Decoder of the other role reads them back, in any
// chunking.
func FuzzEncodeDecode(f *testing.F) {
	f.Add([]byte("hello\x00world"), uint16(3), uint8(7), true)
	f.Add([]byte("κόσμε"), uint16(1), uint8(1), false)
	f.Add(bytes.Repeat([]byte{0xff}, 300), uint16(100), uint8(60), true)
	f.Fuzz(func(t *testing.T, payload []byte, frag uint16, chunk uint8, client bool) {
		sender, receiver := RoleServer, RoleClient
		if client {
			sender, receiver = RoleClient, RoleServer
		}
		e := Encoder{Role: sender, FragmentSize: int(frag % 512)}
		var b []byte
		var want []msg
		op := OpBinary
		if ValidUTF8(payload) {
			op = OpText
		}
		b, _ = e.AppendMessage(b, op, payload)
		want = append(want, msg{kind: EventData, op: op, payload: string(payload)})
		if len(payload) <= MaxControlPayload {
			b, _ = e.AppendPing(b, payload)
			want = append(want, msg{kind: EventPing, op: OpPing, payload: string(payload)})
		}
		b, _ = e.AppendMessage(b, OpBinary, payload)
		want = append(want, msg{kind: EventData, op: OpBinary, payload: string(payload)})
		reason := payload[:min(len(payload), MaxCloseReason)]
		if ValidUTF8(reason) {
			var body [2]byte
			binary.BigEndian.PutUint16(body[:], 4000)
			b, _ = e.AppendClose(b, 4000, string(reason))
			want = append(want, msg{kind: EventClose, op: OpClose, payload: string(body[:]) + string(reason), code: 4000})
		}
		var chunks [][]byte
		size := int(chunk) + 1
		for s := b; len(s) > 0; s = s[min(size, len(s)):] {
			chunks = append(chunks, s[:min(size, len(s))])
		}
		d := Decoder{Role: receiver}
		got, err := feed(t, &d, chunks)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %v; want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("message %d: got %v; want %v", i, got[i], want[i])
			}
		}
	})
}
