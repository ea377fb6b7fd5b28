package codec

import (
	crand "crypto/rand"
	"errors"
	"math/rand/v2"
	"unicode/utf8"
)

// Errors of the [Encoder]: what the caller asked for would break RFC 6455.
var (
	ErrControlPayloadTooLong = errors.New("codec: control frame payload longer than 125 bytes")
	ErrCloseReasonTooLong    = errors.New("codec: close reason longer than 123 bytes")
	ErrCloseCodeNotSendable  = errors.New("codec: close code may not be sent (see CloseCode.IsValid)")
	ErrCloseReasonNotUTF8    = errors.New("codec: close reason is not valid UTF-8")
	ErrCloseSent             = errors.New("codec: a close frame was sent; no more frames may follow")
	ErrNotDataOpcode         = errors.New("codec: a message's opcode must be OpText or OpBinary")
	ErrBadFrameOpcode        = errors.New("codec: reserved opcode, or fragmented control frame")
)

// Encoder writes frames into buffers the caller owns. A client's encoder
// masks every frame with a fresh key (RFC 6455 §5.3: "unpredictable" and
// "derived from a strong source of entropy", §10.3) from its own ChaCha8
// generator, seeded once from crypto/rand. It never allocates: make dst
// large enough (payload plus [MaxHeaderLen] per frame) and appending is a
// copy, masked for clients.
//
// An Encoder is not safe for concurrent use. Once it has written a close
// frame it refuses every other frame ([ErrCloseSent]), since §5.5.1 says
// nothing may follow one.
type Encoder struct {
	// Role is this endpoint's role: RoleClient masks frames, RoleServer
	// does not (§5.1).
	Role Role
	// FragmentSize, when positive, makes AppendMessage split payloads
	// larger than it into frames of FragmentSize bytes.
	FragmentSize int

	rng       rand.ChaCha8
	seeded    bool
	spareKey  uint32 // the second half of the last random word
	haveSpare bool
	closeSent bool
}

// CloseSent reports whether e has written a close frame.
func (e *Encoder) CloseSent() bool { return e.closeSent }

// newKey returns a fresh masking key.
func (e *Encoder) newKey() (key [4]byte) {
	if e.haveSpare {
		e.haveSpare = false
		return keyBytes(e.spareKey)
	}
	if !e.seeded {
		var seed [32]byte
		crand.Read(seed[:]) // never fails: see crypto/rand.Read
		e.rng.Seed(seed)
		e.seeded = true
	}
	v := e.rng.Uint64()
	e.spareKey, e.haveSpare = uint32(v>>32), true
	return keyBytes(uint32(v))
}

func keyBytes(v uint32) [4]byte { return [4]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }

// PrepareHeader sets h.Masked and h.Key for e's role: a fresh key for a
// client, none for a server. It is for callers that write a header and its
// payload separately, such as a server writing both with one writev; a
// client must then mask the payload with h.Key.
func (e *Encoder) PrepareHeader(h *Header) {
	h.Masked = e.Role == RoleClient
	h.Key = [4]byte{}
	if h.Masked {
		h.Key = e.newKey()
	}
}

// AppendFrame appends one frame to dst and returns the extended buffer: a
// header with op, the RSV bits rsv and fin, then payload, masked for a
// client. It refuses reserved opcodes, control frames that are fragmented
// or carry more than 125 bytes, and anything after a close frame. It does
// not check the order of data frames; AppendMessage does that part for
// whole messages.
func (e *Encoder) AppendFrame(dst []byte, op Opcode, rsv uint8, fin bool, payload []byte) ([]byte, error) {
	if e.closeSent {
		return dst, ErrCloseSent
	}
	if op.IsReserved() || op.IsControl() && !fin {
		return dst, ErrBadFrameOpcode
	}
	if op.IsControl() && len(payload) > MaxControlPayload {
		return dst, ErrControlPayloadTooLong
	}
	if op == OpClose {
		e.closeSent = true
	}
	return e.appendFrame(dst, Header{Fin: fin, Rsv: rsv, Opcode: op, Length: int64(len(payload))}, payload), nil
}

func (e *Encoder) appendFrame(dst []byte, h Header, payload []byte) []byte {
	e.PrepareHeader(&h)
	dst = AppendHeader(dst, h)
	if !h.Masked {
		return append(dst, payload...)
	}
	n := len(dst)
	dst = append(dst, payload...) // grows dst once; MaskCopy then overwrites
	MaskCopy(dst[n:], payload, h.Key, 0)
	return dst
}

// AppendMessage appends a whole data message to dst: one frame, or frames
// of e.FragmentSize bytes when the payload is larger. op must be OpText or
// OpBinary; AppendMessage does not check that text is UTF-8.
func (e *Encoder) AppendMessage(dst []byte, op Opcode, payload []byte) ([]byte, error) {
	if op != OpText && op != OpBinary {
		return dst, ErrNotDataOpcode
	}
	if e.closeSent {
		return dst, ErrCloseSent
	}
	size := e.FragmentSize
	if size <= 0 || len(payload) <= size {
		return e.appendFrame(dst, Header{Fin: true, Opcode: op, Length: int64(len(payload))}, payload), nil
	}
	for len(payload) > 0 {
		chunk := payload[:min(size, len(payload))]
		payload = payload[len(chunk):]
		dst = e.appendFrame(dst, Header{Fin: len(payload) == 0, Opcode: op, Length: int64(len(chunk))}, chunk)
		op = OpContinuation
	}
	return dst, nil
}

// AppendPing appends a ping frame (§5.5.2) carrying payload, at most 125
// bytes.
func (e *Encoder) AppendPing(dst, payload []byte) ([]byte, error) {
	return e.AppendFrame(dst, OpPing, 0, true, payload)
}

// AppendPong appends a pong frame (§5.5.3), normally echoing a ping's
// payload.
func (e *Encoder) AppendPong(dst, payload []byte) ([]byte, error) {
	return e.AppendFrame(dst, OpPong, 0, true, payload)
}

// AppendClose appends a close frame (§5.5.1) with code and reason and
// marks e closed. [CloseNoStatus] with an empty reason writes a close frame
// without a body. It refuses codes that may not be sent, reasons longer
// than 123 bytes and reasons that are not UTF-8.
func (e *Encoder) AppendClose(dst []byte, code CloseCode, reason string) ([]byte, error) {
	if e.closeSent {
		return dst, ErrCloseSent
	}
	var body [MaxControlPayload]byte
	switch {
	case code == CloseNoStatus && reason == "":
	case !code.IsValid():
		return dst, ErrCloseCodeNotSendable
	case len(reason) > MaxCloseReason:
		return dst, ErrCloseReasonTooLong
	case !utf8.ValidString(reason):
		return dst, ErrCloseReasonNotUTF8
	}
	e.closeSent = true
	p := AppendClose(body[:0], code, reason)
	return e.appendFrame(dst, Header{Fin: true, Opcode: OpClose, Length: int64(len(p))}, p), nil
}

// CloseReply returns the code to answer a received close frame with: the
// same code, as §5.5.1 suggests ("the endpoint typically echos the status
// code it received"), or CloseNormal when the frame had none.
func CloseReply(received CloseCode) CloseCode {
	if received.IsValid() {
		return received
	}
	return CloseNormal
}
