package deflate

import (
	"errors"

	"github.com/wsframe/wsframe/codec"
)

// Errors of the [Decompressor]: the peer sent a message that cannot be
// accepted, and the connection must fail with the Code they carry (RFC 6455
// §7.1.7). Text that is not UTF-8 after inflation fails with
// [codec.ErrInvalidUTF8] (1007). Do not modify them.
var (
	// ErrInvalidData is compressed data that is not valid DEFLATE (RFC
	// 1951), refers back further than the peer's window or before the
	// start of the history, or does not end where a message must (RFC 7692
	// §7.2.2). RFC 7692 names no close code for it; this package uses
	// 1007 ("data within a message that was not consistent with the type
	// of the message", RFC 6455 §7.4.1), as Node's ws does, rather than
	// the 1002 of a framing error: the frames were fine, their payload is
	// not.
	ErrInvalidData = &codec.ProtocolError{Code: codec.CloseInvalidPayload, Reason: "invalid permessage-deflate data"}
	// ErrMessageTooBig is a message that inflates past the Decompressor's
	// limit. It is returned as soon as the limit is passed.
	ErrMessageTooBig = &codec.ProtocolError{Code: codec.CloseMessageTooBig, Reason: "decompressed message larger than the limit"}
)

// Errors from [ParseResponse]: the server's reply breaks RFC 7692 §7.1 or
// does not match the offer, and the client must fail the connection (RFC
// 6455 §4.1, RFC 7692 §5.1).
var (
	ErrResponseSyntax      = errors.New("deflate: malformed permessage-deflate response")
	ErrResponseParam       = errors.New("deflate: unknown parameter in permessage-deflate response")
	ErrResponseDuplicate   = errors.New("deflate: parameter repeated in permessage-deflate response")
	ErrResponseValue       = errors.New("deflate: invalid parameter value in permessage-deflate response")
	ErrResponseNotOffered  = errors.New("deflate: client_max_window_bits in the response was not offered")
	ErrResponseWindow      = errors.New("deflate: server_max_window_bits in the response does not match the offer")
	ErrResponseTwoAccepted = errors.New("deflate: permessage-deflate accepted more than once")

	// errCompressorInternal would mean that klauspost's flate writer did
	// not end a sync flush as DEFLATE requires.
	errCompressorInternal = errors.New("deflate: flush did not end with 00 00 ff ff")
)
