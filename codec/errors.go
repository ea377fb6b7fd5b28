package codec

import (
	"errors"
	"strconv"
)

// ErrShortHeader is returned by [ParseHeader] when its input does not yet
// hold a whole frame header. It is not a protocol error: read more bytes
// (ParseHeader says how many it needs) and try again.
var ErrShortHeader = errors.New("codec: short header: need more bytes")

// ProtocolError is a violation of RFC 6455 by the peer. Code is the close
// code to fail the connection with (§7.1.7): usually [CloseProtocolError]
// (1002), [CloseInvalidPayload] (1007) for bad UTF-8, or
// [CloseMessageTooBig] (1009). Reason says which rule was broken; it fits in
// a close frame's reason (at most 123 bytes).
//
// Functions in this package return *ProtocolError. The values they return
// for a given rule are the package-level Err variables below, so both
// errors.Is(err, ErrMaskedFrame) and errors.As(err, &pe) work, and returning
// an error never allocates. Do not modify them.
type ProtocolError struct {
	Code   CloseCode
	Reason string
}

func (e *ProtocolError) Error() string {
	return "codec: " + e.Reason + " (close " + strconv.Itoa(int(e.Code)) + ")"
}

func protocolError(reason string) *ProtocolError {
	return &ProtocolError{Code: CloseProtocolError, Reason: reason}
}

// Errors about a single frame header, from [ParseHeader] and [Header.Validate].
var (
	ErrLengthOverflow     = protocolError("64-bit payload length has its most significant bit set")
	ErrNonMinimalLength   = protocolError("payload length not in its minimal encoding")
	ErrReservedOpcode     = protocolError("reserved opcode")
	ErrReservedBits       = protocolError("RSV bit set without a negotiated extension")
	ErrFragmentedControl  = protocolError("fragmented control frame")
	ErrControlTooLong     = protocolError("control frame payload longer than 125 bytes")
	ErrUnmaskedFrame      = protocolError("unmasked frame from client")
	ErrMaskedFrame        = protocolError("masked frame from server")
	ErrClosePayloadLength = protocolError("close payload of 1 byte")
	ErrCloseCode          = protocolError("close code not allowed on the wire")
	ErrCloseReason        = &ProtocolError{Code: CloseInvalidPayload, Reason: "close reason is not valid UTF-8"}
)

// Errors about a sequence of frames, from the message [Decoder] (RFC 6455
// §5.4, §5.6, §8.1, §10.4).
var (
	ErrUnexpectedContinuation = protocolError("continuation frame with no message to continue")
	ErrExpectedContinuation   = protocolError("new data frame inside a fragmented message")
	ErrCompressedFragment     = protocolError("RSV1 set on a control frame or continuation frame")
	ErrInvalidUTF8            = &ProtocolError{Code: CloseInvalidPayload, Reason: "text message is not valid UTF-8"}
	ErrMessageTooBig          = &ProtocolError{Code: CloseMessageTooBig, Reason: "message larger than the limit"}
)
