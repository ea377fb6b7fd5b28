package codec

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// lengthCases are payload lengths at every boundary of the three length
// encodings of RFC 6455 §5.2.
var lengthCases = []int64{0, 1, 125, 126, 127, 0xFFFF, 0x10000, 1<<32 - 1, 1 << 32, math.MaxInt64}

// sampleHeaders returns headers that cover every field: each opcode, FIN,
// each RSV bit pattern, masked or not, and each length boundary.
func sampleHeaders() []Header {
	var hs []Header
	for _, l := range lengthCases {
		for op := Opcode(0); op <= 0xF; op++ {
			for _, masked := range []bool{false, true} {
				h := Header{Fin: op%2 == 0, Rsv: uint8(op) & 7, Opcode: op, Masked: masked, Length: l}
				if masked {
					h.Key = [4]byte{byte(op), 0xFF, byte(l), 0x5A}
				}
				hs = append(hs, h)
			}
		}
	}
	return hs
}

func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range sampleHeaders() {
		b := AppendHeader(nil, h)
		if len(b) != h.Len() {
			t.Errorf("AppendHeader(%+v) wrote %d bytes; Len() = %d", h, len(b), h.Len())
		}
		var buf [MaxHeaderLen]byte
		if n := PutHeader(buf[:], h); n != len(b) || string(buf[:n]) != string(b) {
			t.Errorf("PutHeader(%+v) = %x; AppendHeader = %x", h, buf[:n], b)
		}
		got, n, err := ParseHeader(b)
		if err != nil || n != len(b) {
			t.Fatalf("ParseHeader(%x) = _, %d, %v; want _, %d, nil", b, n, err, len(b))
		}
		if diff := cmp.Diff(h, got); diff != "" {
			t.Errorf("ParseHeader(AppendHeader(%+v)) mismatch (-want +got):\n%s", h, diff)
		}
		// Bytes after the header (the payload) are not read.
		withPayload := append(b, 0xFF, 0xFF, 0xFF)
		if got2, n2, err := ParseHeader(withPayload); err != nil || n2 != n || got2 != got {
			t.Errorf("ParseHeader with trailing payload = %+v, %d, %v", got2, n2, err)
		}
	}
}

func TestHeaderLen(t *testing.T) {
	tests := []struct {
		length int64
		masked bool
		want   int
	}{
		{0, false, 2}, {125, false, 2}, {126, false, 4}, {0xFFFF, false, 4},
		{0x10000, false, 10}, {math.MaxInt64, false, 10},
		{0, true, 6}, {125, true, 6}, {126, true, 8}, {0xFFFF, true, 8},
		{0x10000, true, 14}, {math.MaxInt64, true, MaxHeaderLen},
	}
	for _, tt := range tests {
		h := Header{Length: tt.length, Masked: tt.masked}
		if got := h.Len(); got != tt.want {
			t.Errorf("Header{Length: %d, Masked: %v}.Len() = %d; want %d", tt.length, tt.masked, got, tt.want)
		}
	}
}

// TestParseHeaderShort feeds every proper prefix of every sample header and
// checks that ParseHeader asks for exactly the bytes it needs.
func TestParseHeaderShort(t *testing.T) {
	for _, h := range sampleHeaders() {
		b := AppendHeader(nil, h)
		for i := 0; i < len(b); i++ {
			got, n, err := ParseHeader(b[:i])
			want := len(b)
			if i < 2 {
				want = 2
			}
			if err != ErrShortHeader || n != want || got != (Header{}) {
				t.Fatalf("ParseHeader(%x) = %+v, %d, %v; want zero header, %d, ErrShortHeader", b[:i], got, n, err, want)
			}
		}
	}
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"64-bit length with MSB set", []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}, ErrLengthOverflow},
		{"64-bit length all ones, masked", []byte{0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4}, ErrLengthOverflow},
		{"16-bit length 0", []byte{0x82, 126, 0, 0}, ErrNonMinimalLength},
		{"16-bit length 125", []byte{0x82, 126, 0, 125}, ErrNonMinimalLength},
		{"64-bit length 125", []byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0, 125}, ErrNonMinimalLength},
		{"64-bit length 65535", []byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, ErrNonMinimalLength},
		{"64-bit length 0, masked", []byte{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, ErrNonMinimalLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, n, err := ParseHeader(tt.b)
			if err != tt.want {
				t.Fatalf("ParseHeader(%x) error = %v; want %v", tt.b, err, tt.want)
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != CloseProtocolError {
				t.Errorf("error %v is not a *ProtocolError with code 1002", err)
			}
			if h != (Header{}) || n != 0 {
				t.Errorf("ParseHeader returned %+v, %d with an error; want zero values", h, n)
			}
		})
	}
	// The boundaries just inside are fine.
	for _, b := range [][]byte{
		{0x82, 126, 0, 126},
		{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0},
		{0x82, 127, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
	} {
		if _, _, err := ParseHeader(b); err != nil {
			t.Errorf("ParseHeader(%x) = %v; want nil", b, err)
		}
	}
}

func TestPutHeaderPanics(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"short buffer", func() { PutHeader(make([]byte, 3), Header{Length: 126}) }},
		{"short buffer for key", func() { PutHeader(make([]byte, 5), Header{Masked: true}) }},
		{"negative length", func() { PutHeader(make([]byte, MaxHeaderLen), Header{Length: -1}) }},
		{"negative length append", func() { AppendHeader(nil, Header{Length: -1}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			tt.f()
		})
	}
}

func TestPutHeaderIgnoresHighBits(t *testing.T) {
	b := AppendHeader(nil, Header{Fin: true, Rsv: 0xFF, Opcode: 0xF1, Length: 3})
	if want := []byte{0xF1, 3}; string(b) != string(want) {
		t.Errorf("AppendHeader with out-of-range Rsv and Opcode = %x; want %x", b, want)
	}
}

// TestValidate checks each rule of Header.Validate, quoting RFC 6455.
func TestValidate(t *testing.T) {
	masked := func(h Header) Header { h.Masked = true; h.Key = [4]byte{1, 2, 3, 4}; return h }
	tests := []struct {
		name    string
		rfc     string
		h       Header
		role    Role
		allowed uint8
		want    error
	}{
		{"text to server", "", masked(Header{Fin: true, Opcode: OpText, Length: 5}), RoleServer, 0, nil},
		{"binary to client", "", Header{Fin: true, Opcode: OpBinary, Length: 1 << 40}, RoleClient, 0, nil},
		{"continuation fragment", "", Header{Opcode: OpContinuation, Length: 3}, RoleClient, 0, nil},
		{"ping 125 bytes", "", Header{Fin: true, Opcode: OpPing, Length: 125}, RoleClient, 0, nil},
		{"close 0 bytes", "", masked(Header{Fin: true, Opcode: OpClose}), RoleServer, 0, nil},
		{"negotiated RSV1", "", Header{Fin: true, Rsv: Rsv1, Opcode: OpText}, RoleClient, Rsv1, nil},
		{"all RSV negotiated", "", Header{Fin: true, Rsv: Rsv1 | Rsv2 | Rsv3, Opcode: OpText}, RoleClient, Rsv1 | Rsv2 | Rsv3, nil},

		{"reserved data opcode 3", "§5.2: If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_.",
			Header{Fin: true, Opcode: 0x3}, RoleClient, 0, ErrReservedOpcode},
		{"reserved data opcode 7", "§5.2", Header{Fin: true, Opcode: 0x7}, RoleClient, 0, ErrReservedOpcode},
		{"reserved control opcode B", "§5.2", Header{Fin: true, Opcode: 0xB}, RoleClient, 0, ErrReservedOpcode},
		{"reserved control opcode F", "§5.2", Header{Fin: true, Opcode: 0xF}, RoleClient, 0, ErrReservedOpcode},
		{"RSV1 not negotiated", "§5.2: If a nonzero value is received and none of the negotiated extensions defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_.",
			Header{Fin: true, Rsv: Rsv1, Opcode: OpText}, RoleClient, 0, ErrReservedBits},
		{"RSV2 not negotiated", "§5.2", Header{Fin: true, Rsv: Rsv2, Opcode: OpText}, RoleClient, Rsv1, ErrReservedBits},
		{"RSV3 not negotiated", "§5.2", Header{Fin: true, Rsv: Rsv3, Opcode: OpPing}, RoleClient, Rsv1 | Rsv2, ErrReservedBits},
		{"fragmented ping", "§5.5: All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented.",
			Header{Opcode: OpPing}, RoleClient, 0, ErrFragmentedControl},
		{"fragmented close", "§5.5", Header{Opcode: OpClose, Length: 2}, RoleClient, 0, ErrFragmentedControl},
		{"ping 126 bytes", "§5.5", Header{Fin: true, Opcode: OpPing, Length: 126}, RoleClient, 0, ErrControlTooLong},
		{"pong 65536 bytes", "§5.5", Header{Fin: true, Opcode: OpPong, Length: 65536}, RoleClient, 0, ErrControlTooLong},
		{"close 126 bytes", "§5.5", Header{Fin: true, Opcode: OpClose, Length: 126}, RoleClient, 0, ErrControlTooLong},
		{"unmasked frame to server", "§5.1: The server MUST close the connection upon receiving a frame that is not masked.",
			Header{Fin: true, Opcode: OpText}, RoleServer, 0, ErrUnmaskedFrame},
		{"masked frame to client", "§5.1: A client MUST close a connection if it detects a masked frame.",
			masked(Header{Fin: true, Opcode: OpText}), RoleClient, 0, ErrMaskedFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.h.Validate(tt.role, tt.allowed)
			if err != tt.want {
				t.Fatalf("%+v.Validate(%v, %#x) = %v; want %v (%s)", tt.h, tt.role, tt.allowed, err, tt.want, tt.rfc)
			}
			if err == nil {
				return
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != CloseProtocolError {
				t.Errorf("error %v is not a *ProtocolError with code 1002", err)
			}
		})
	}
}

func TestProtocolErrorMessage(t *testing.T) {
	got := ErrUnmaskedFrame.Error()
	want := "codec: unmasked frame from client (close 1002)"
	if got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	for _, e := range []*ProtocolError{ErrLengthOverflow, ErrNonMinimalLength, ErrReservedOpcode, ErrReservedBits,
		ErrFragmentedControl, ErrControlTooLong, ErrUnmaskedFrame, ErrMaskedFrame, ErrClosePayloadLength,
		ErrCloseCode, ErrCloseReason} {
		if len(e.Reason) > MaxCloseReason {
			t.Errorf("reason %q does not fit in a close frame", e.Reason)
		}
		if !e.Code.IsValid() {
			t.Errorf("%q carries code %v, which may not be sent", e.Reason, e.Code)
		}
	}
}

func TestRoleString(t *testing.T) {
	for r, want := range map[Role]string{RoleServer: "server", RoleClient: "client", 7: "invalid role"} {
		if got := fmt.Sprint(r); got != want {
			t.Errorf("Role(%d).String() = %q; want %q", r, got, want)
		}
	}
}
