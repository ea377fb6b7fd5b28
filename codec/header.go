package codec

import "encoding/binary"

// Bits of a frame's first byte (RFC 6455 §5.2) as they appear in [Header.Rsv].
const (
	Rsv1 uint8 = 0x4 // used by permessage-deflate (RFC 7692 §6)
	Rsv2 uint8 = 0x2
	Rsv3 uint8 = 0x1
)

// MaxHeaderLen is the largest encoded frame header: 2 fixed bytes, an 8-byte
// extended length and a 4-byte masking key. A [MaxHeaderLen]byte array
// always has room for [PutHeader].
const MaxHeaderLen = 14

// MaxControlPayload is the longest payload a control frame may carry
// (RFC 6455 §5.5).
const MaxControlPayload = 125

// Header is a decoded frame header (RFC 6455 §5.2).
type Header struct {
	Fin    bool    // final fragment of a message
	Rsv    uint8   // RSV1..RSV3 as Rsv1|Rsv2|Rsv3
	Opcode Opcode  // frame type
	Masked bool    // payload is masked with Key
	Key    [4]byte // masking key, meaningful when Masked
	Length int64   // payload length in bytes, 0 to 1<<63-1
}

// ParseHeader decodes the frame header at the start of b and returns it with
// n, the number of bytes it used. It reads only the header, never the
// payload, and never allocates.
//
// If b does not hold the whole header yet, ParseHeader returns
// [ErrShortHeader] and n is the number of bytes needed as far as b tells: 2
// when b has fewer than 2 bytes, otherwise the exact header size. An
// event-loop caller can wait until it has n bytes and call again.
//
// ParseHeader fails with a *[ProtocolError] (1002) only for faults in the
// length field: a 64-bit length with its most significant bit set
// ([ErrLengthOverflow]), or a length not in the minimal encoding that §5.2
// requires ([ErrNonMinimalLength]). Because of the latter, every header it
// accepts is re-encoded by [AppendHeader] to exactly b[:n]. It does not judge
// opcodes, RSV bits or masking: that is [Header.Validate]'s job.
//
// [Header.Parse] does the same into a Header the caller holds, which is
// several times faster: see there.
func ParseHeader(b []byte) (h Header, n int, err error) {
	n, err = h.Parse(b)
	if err != nil {
		h = Header{}
	}
	return h, n, err
}

// Parse decodes the frame header at the start of b into h, as
// [ParseHeader] does, with the same results and errors, and changes h only
// on success. It is the path for event loops and the [Decoder]: a Header
// returned by value comes back through memory, stored field by field and
// loaded whole, and the load waits for the stores (the README measures 15
// ns against 3.5 for this method).
func (h *Header) Parse(b []byte) (n int, err error) {
	if len(b) < 2 {
		return 2, ErrShortHeader
	}
	b0, b1 := b[0], b[1]
	n = 2
	switch b1 & 0x7F {
	case 126:
		n = 4
	case 127:
		n = 10
	}
	if b1&0x80 != 0 {
		n += 4
	}
	if len(b) < n {
		return n, ErrShortHeader
	}
	var length int64
	switch l := b1 & 0x7F; l {
	case 126:
		v := binary.BigEndian.Uint16(b[2:4])
		if v < 126 {
			return 0, ErrNonMinimalLength
		}
		length = int64(v)
	case 127:
		v := binary.BigEndian.Uint64(b[2:10])
		if v>>63 != 0 {
			return 0, ErrLengthOverflow
		}
		if v <= 0xFFFF {
			return 0, ErrNonMinimalLength
		}
		length = int64(v)
	default:
		length = int64(l)
	}
	h.Fin = b0&0x80 != 0
	h.Rsv = (b0 >> 4) & 0x7
	h.Opcode = Opcode(b0 & 0xF)
	h.Masked = b1&0x80 != 0
	h.Length = length
	if h.Masked {
		h.Key = [4]byte(b[n-4 : n])
	} else {
		h.Key = [4]byte{}
	}
	return n, nil
}

// Len returns the size of h's encoding: 2 to [MaxHeaderLen] bytes.
func (h Header) Len() int {
	n := 2
	switch {
	case h.Length > 0xFFFF:
		n = 10
	case h.Length > 125:
		n = 4
	}
	if h.Masked {
		n += 4
	}
	return n
}

// PutHeader encodes h into the start of b in the minimal encoding and
// returns the number of bytes written, h.Len(). It panics if b is shorter
// than that or if h.Length is negative. Only the low 4 bits of h.Opcode and
// the low 3 bits of h.Rsv are used. It does not check that h is a valid
// frame: sending a reserved opcode is the caller's choice.
func PutHeader(b []byte, h Header) int {
	b0, b1 := h.firstBytes()
	n := h.Len()
	_ = b[n-1] // one bounds check, with the standard message, for all writes below
	b[0] = b0
	switch {
	case h.Length > 0xFFFF:
		b[1] = b1 | 127
		binary.BigEndian.PutUint64(b[2:10], uint64(h.Length))
	case h.Length > 125:
		b[1] = b1 | 126
		binary.BigEndian.PutUint16(b[2:4], uint16(h.Length))
	default:
		b[1] = b1 | byte(h.Length)
	}
	if h.Masked {
		copy(b[n-4:n], h.Key[:])
	}
	return n
}

// AppendHeader appends the encoding of h to dst, as [PutHeader] writes it,
// and returns the extended buffer. It panics if h.Length is negative.
func AppendHeader(dst []byte, h Header) []byte {
	b0, b1 := h.firstBytes()
	switch {
	case h.Length > 0xFFFF:
		dst = binary.BigEndian.AppendUint64(append(dst, b0, b1|127), uint64(h.Length))
	case h.Length > 125:
		dst = binary.BigEndian.AppendUint16(append(dst, b0, b1|126), uint16(h.Length))
	default:
		dst = append(dst, b0, b1|byte(h.Length))
	}
	if h.Masked {
		dst = append(dst, h.Key[:]...)
	}
	return dst
}

// firstBytes returns the first two bytes of h's encoding, without the
// length code in the second.
func (h Header) firstBytes() (b0, b1 byte) {
	if h.Length < 0 {
		panic("codec: negative payload length")
	}
	b0 = byte(h.Opcode&0xF) | (h.Rsv&0x7)<<4
	if h.Fin {
		b0 |= 0x80
	}
	if h.Masked {
		b1 = 0x80
	}
	return b0, b1
}

// Role says which side of a connection receives a frame, and so which
// masking rule applies to it (RFC 6455 §5.1).
type Role uint8

const (
	// RoleServer receives frames from a client: they must be masked.
	RoleServer Role = iota
	// RoleClient receives frames from a server: they must not be masked.
	RoleClient
)

// String returns "server" or "client".
func (r Role) String() string {
	switch r {
	case RoleServer:
		return "server"
	case RoleClient:
		return "client"
	}
	return "invalid role"
}

// Validate checks the rules of RFC 6455 §5 that a single header can break,
// for a frame received by r, where allowedRsv holds the RSV bits that
// negotiated extensions define (0 when there are none). It returns a
// *[ProtocolError] with code 1002 for
//   - a reserved opcode (§5.2: "If an unknown opcode is received, the
//     receiving endpoint MUST _Fail the WebSocket Connection_"),
//   - an RSV bit outside allowedRsv (§5.2),
//   - a control frame that is fragmented or longer than 125 bytes (§5.5),
//   - an unmasked frame received by a server, or a masked one received by a
//     client (§5.1).
//
// Rules that depend on earlier frames, such as a continuation with nothing
// to continue, are the message decoder's job.
func (h Header) Validate(r Role, allowedRsv uint8) error { return h.validate(r, allowedRsv) }

// validate is Validate through a pointer: the decoder's header was just
// written field by field, and copying it whole for a value receiver would
// wait for those stores (see ParseHeader).
func (h *Header) validate(r Role, allowedRsv uint8) error {
	if h.Opcode.IsReserved() {
		return ErrReservedOpcode
	}
	if h.Rsv&^allowedRsv != 0 {
		return ErrReservedBits
	}
	if h.Opcode.IsControl() {
		if !h.Fin {
			return ErrFragmentedControl
		}
		if h.Length > MaxControlPayload {
			return ErrControlTooLong
		}
	}
	if h.Masked != (r == RoleServer) {
		if r == RoleServer {
			return ErrUnmaskedFrame
		}
		return ErrMaskedFrame
	}
	return nil
}
