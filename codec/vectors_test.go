package codec

import (
	"testing"

	"github.com/wsframe/wsframe/internal/testvectors"
)

// TestFrameVectors decodes the RFC 6455 §5.7 examples and the seed's frames.
func TestFrameVectors(t *testing.T) {
	vs, err := testvectors.Frames()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			want := Header{Fin: v.Header.Fin, Rsv: v.Header.Rsv, Opcode: Opcode(v.Header.Opcode),
				Masked: v.Header.Masked, Key: v.Header.Key, Length: v.Header.Length}
			h, n, err := ParseHeader(v.Bytes)
			if err != nil {
				t.Fatalf("ParseHeader(%x) error: %v", v.Bytes, err)
			}
			if h != want {
				t.Fatalf("ParseHeader(%x) = %+v; want %+v", v.Bytes, h, want)
			}
			if got := AppendHeader(nil, h); string(got) != string(v.Bytes[:n]) {
				t.Errorf("AppendHeader(%+v) = %x; want %x", h, got, v.Bytes[:n])
			}
			role := RoleClient
			if h.Masked {
				role = RoleServer
			}
			if err := h.Validate(role, 0); err != nil {
				t.Errorf("Validate(%v) = %v; want nil", role, err)
			}
			if v.Payload == nil {
				return
			}
			payload := v.Bytes[n:]
			if int64(len(payload)) != h.Length {
				t.Fatalf("frame holds %d payload bytes; header says %d", len(payload), h.Length)
			}
			got := make([]byte, len(payload))
			if h.Masked {
				MaskCopy(got, payload, h.Key, 0)
			} else {
				copy(got, payload)
			}
			if string(got) != *v.Payload {
				t.Errorf("payload = %q; want %q", got, *v.Payload)
			}
		})
	}
}
