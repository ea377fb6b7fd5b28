package codec

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unicode/utf8"
)

// refParseHeader is a plain reading of RFC 6455 §5.2, written separately
// from ParseHeader to check it. ok is false when b is short; bad when the
// length field is invalid (MSB set, or not minimal).
func refParseHeader(b []byte) (h Header, n int, ok, bad bool) {
	if len(b) < 2 {
		return h, 0, false, false
	}
	h.Fin = b[0]>>7 == 1
	h.Rsv = b[0] >> 4 & 7
	h.Opcode = Opcode(b[0] & 15)
	h.Masked = b[1]>>7 == 1
	n = 2
	var length uint64
	switch l := b[1] & 127; {
	case l < 126:
		length = uint64(l)
	case l == 126:
		if len(b) < 4 {
			return h, 0, false, false
		}
		length = uint64(b[2])<<8 | uint64(b[3])
		bad = length < 126
		n = 4
	default:
		if len(b) < 10 {
			return h, 0, false, false
		}
		for i := 2; i < 10; i++ {
			length = length<<8 | uint64(b[i])
		}
		bad = length >= 1<<63 || length < 1<<16
		n = 10
	}
	if h.Masked {
		if len(b) < n+4 {
			return h, 0, false, false
		}
		copy(h.Key[:], b[n:n+4])
		n += 4
	}
	h.Length = int64(length)
	return h, n, true, bad
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})
	f.Add([]byte{0x82, 0x7e, 0x01, 0x00})
	f.Add([]byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Add([]byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4})
	f.Add([]byte{0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := ParseHeader(b)
		want, wantN, ok, bad := refParseHeader(b)
		switch {
		case !ok:
			if err != ErrShortHeader || n <= len(b) || n > MaxHeaderLen || h != (Header{}) {
				t.Fatalf("ParseHeader(%x) = %+v, %d, %v; want ErrShortHeader asking for more than %d bytes", b, h, n, err, len(b))
			}
			// Given what it asked for, it must get past the short case.
			more := append(bytes.Clone(b), make([]byte, n-len(b))...)
			if _, _, err := ParseHeader(more); err == ErrShortHeader {
				t.Fatalf("ParseHeader asked for %d bytes of %x but still says short", n, b)
			}
		case bad:
			if _, isPE := err.(*ProtocolError); !isPE || n != 0 {
				t.Fatalf("ParseHeader(%x) = %+v, %d, %v; want a protocol error", b, h, n, err)
			}
		default:
			if err != nil || n != wantN || h != want {
				t.Fatalf("ParseHeader(%x) = %+v, %d, %v; want %+v, %d, nil", b, h, n, err, want, wantN)
			}
			if enc := AppendHeader(nil, h); !bytes.Equal(enc, b[:n]) {
				t.Fatalf("AppendHeader(ParseHeader(%x)) = %x", b[:n], enc)
			}
			_ = h.Validate(RoleServer, Rsv1) // must not panic
		}
	})
}

func FuzzHeaderRoundTrip(f *testing.F) {
	f.Add(true, uint8(0), uint8(1), true, uint32(0x37fa213d), int64(5))
	f.Add(false, uint8(4), uint8(2), false, uint32(0), int64(126))
	f.Add(true, uint8(7), uint8(9), true, uint32(1), int64(1<<40))
	f.Fuzz(func(t *testing.T, fin bool, rsv, op uint8, masked bool, key uint32, length int64) {
		if length < 0 {
			length = -(length + 1)
		}
		h := Header{Fin: fin, Rsv: rsv & 7, Opcode: Opcode(op & 15), Masked: masked, Length: length}
		if masked {
			binary.BigEndian.PutUint32(h.Key[:], key)
		}
		b := AppendHeader(nil, h)
		got, n, err := ParseHeader(b)
		if err != nil || n != len(b) || got != h || n != h.Len() {
			t.Fatalf("ParseHeader(AppendHeader(%+v)) = %+v, %d, %v (encoded %x)", h, got, n, err, b)
		}
	})
}

func FuzzMask(f *testing.F) {
	f.Add([]byte("Can you hear me?"), uint32(0x50bfa1fe), 0, uint8(0))
	f.Add(make([]byte, 200), uint32(1), 3, uint8(5))
	f.Add(bytes.Repeat([]byte{0xAA}, 1025), uint32(0xdeadbeef), 1, uint8(31))
	f.Fuzz(func(t *testing.T, data []byte, key32 uint32, pos int, align uint8) {
		var key [4]byte
		binary.LittleEndian.PutUint32(key[:], key32)
		want := make([]byte, len(data))
		wantPos := maskRef(want, data, key, pos)
		off := int(align % 32)
		for _, k := range kernels {
			restore := setKernel(k)
			buf := make([]byte, len(data)+off)
			b := buf[off:]
			copy(b, data)
			if p := Mask(b, key, pos); p != wantPos || !bytes.Equal(b, want) {
				t.Fatalf("%s: Mask(%x, %x, %d) = %x, %d; want %x, %d", k, data, key, pos, b, p, want, wantPos)
			}
			dst := make([]byte, len(data)+1)
			if p := MaskCopy(dst[1:], data, key, pos); p != wantPos || !bytes.Equal(dst[1:], want) {
				t.Fatalf("%s: MaskCopy(%x, %x, %d) = %x, %d; want %x, %d", k, data, key, pos, dst[1:], p, want, wantPos)
			}
			restore()
		}
	})
}

func FuzzParseClose(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x03, 0xe8})
	f.Add([]byte{0x03, 0xe8, 'o', 'k'})
	f.Add([]byte{0x03})
	f.Add([]byte{0x03, 0xed})
	f.Add([]byte{0x0f, 0xa0, 0xed, 0xa0, 0x80})
	f.Fuzz(func(t *testing.T, p []byte) {
		code, reason, err := ParseClose(p)
		// The reference, from RFC 6455 §5.5.1 and §7.4.
		var (
			wantCode CloseCode
			wantErr  CloseCode // 0: no error
		)
		switch {
		case len(p) == 0:
			wantCode = CloseNoStatus
		case len(p) == 1 || len(p) > 125:
			wantErr = CloseProtocolError
		default:
			c := int(p[0])<<8 | int(p[1])
			valid := (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999)
			switch {
			case !valid:
				wantErr = CloseProtocolError
			case !utf8.Valid(p[2:]):
				wantErr = CloseInvalidPayload
			default:
				wantCode = CloseCode(c)
			}
		}
		if wantErr != 0 {
			pe, ok := err.(*ProtocolError)
			if !ok || pe.Code != wantErr {
				t.Fatalf("ParseClose(%x) error = %v; want a protocol error with code %d", p, err, wantErr)
			}
			return
		}
		if err != nil || code != wantCode {
			t.Fatalf("ParseClose(%x) = %v, %v; want %v, nil", p, code, err, wantCode)
		}
		if len(p) >= 2 && !bytes.Equal(reason, p[2:]) {
			t.Fatalf("ParseClose(%x) reason = %x; want %x", p, reason, p[2:])
		}
		if again := AppendClose(nil, code, string(reason)); len(p) > 0 && !bytes.Equal(again, p) {
			t.Fatalf("AppendClose(ParseClose(%x)) = %x", p, again)
		}
	})
}
