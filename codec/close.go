package codec

import (
	"strconv"
	"unicode/utf8"
)

// CloseCode is the status code at the start of a close frame's payload
// (RFC 6455 §7.4).
type CloseCode uint16

// Close codes defined by RFC 6455 §7.4.1 and registered with IANA since.
const (
	CloseNormal             CloseCode = 1000 // the purpose of the connection is fulfilled
	CloseGoingAway          CloseCode = 1001 // server shutting down, or browser leaving the page
	CloseProtocolError      CloseCode = 1002 // the peer broke the protocol
	CloseUnsupportedData    CloseCode = 1003 // a data type the endpoint cannot accept
	CloseNoStatus           CloseCode = 1005 // local only: the close frame had no code
	CloseAbnormal           CloseCode = 1006 // local only: the connection dropped without a close frame
	CloseInvalidPayload     CloseCode = 1007 // data inconsistent with its type, such as bad UTF-8 in text
	ClosePolicyViolation    CloseCode = 1008 // a message broke the endpoint's policy
	CloseMessageTooBig      CloseCode = 1009 // a message too large to process
	CloseMandatoryExtension CloseCode = 1010 // client: the server did not negotiate a needed extension
	CloseInternalError      CloseCode = 1011 // server: an unexpected condition
	CloseServiceRestart     CloseCode = 1012 // server restarting (IANA registry)
	CloseTryAgainLater      CloseCode = 1013 // server overloaded (IANA registry)
	CloseBadGateway         CloseCode = 1014 // gateway received an invalid response (IANA registry)
	CloseTLSHandshake       CloseCode = 1015 // local only: the TLS handshake failed
)

// IsValid reports whether c may appear in a close frame on the wire: 1000-1003
// and 1007-1014 from the registry, and 3000-4999 for libraries, frameworks
// and applications (§7.4.2). 1004 is reserved, 1005, 1006 and 1015 are for
// local reporting only, and everything else below 3000 is unassigned.
func (c CloseCode) IsValid() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

var closeNames = [...]string{
	CloseNormal - 1000:             "1000 (normal closure)",
	CloseGoingAway - 1000:          "1001 (going away)",
	CloseProtocolError - 1000:      "1002 (protocol error)",
	CloseUnsupportedData - 1000:    "1003 (unsupported data)",
	4:                              "1004 (reserved)",
	CloseNoStatus - 1000:           "1005 (no status received)",
	CloseAbnormal - 1000:           "1006 (abnormal closure)",
	CloseInvalidPayload - 1000:     "1007 (invalid frame payload data)",
	ClosePolicyViolation - 1000:    "1008 (policy violation)",
	CloseMessageTooBig - 1000:      "1009 (message too big)",
	CloseMandatoryExtension - 1000: "1010 (mandatory extension)",
	CloseInternalError - 1000:      "1011 (internal error)",
	CloseServiceRestart - 1000:     "1012 (service restart)",
	CloseTryAgainLater - 1000:      "1013 (try again later)",
	CloseBadGateway - 1000:         "1014 (bad gateway)",
	CloseTLSHandshake - 1000:       "1015 (TLS handshake failure)",
}

// String returns the code and its registered name, such as
// "1000 (normal closure)", or the code and its range, such as
// "4000 (private use)". It allocates only for codes without a name.
func (c CloseCode) String() string {
	if c >= 1000 && int(c-1000) < len(closeNames) {
		return closeNames[c-1000]
	}
	var name string
	switch {
	case c >= 3000 && c <= 3999:
		name = " (registered)"
	case c >= 4000 && c <= 4999:
		name = " (private use)"
	default:
		name = " (invalid)"
	}
	return strconv.Itoa(int(c)) + name
}

// MaxCloseReason is the longest reason a close frame can carry: the
// 125-byte control payload limit less the 2-byte code.
const MaxCloseReason = MaxControlPayload - 2

// ParseClose decodes a close frame's payload (RFC 6455 §5.5.1, §7.1.5).
// An empty payload means no code was sent: ParseClose returns
// [CloseNoStatus] (1005) and no error. Otherwise it returns the code and the
// reason, which aliases payload. It returns a *[ProtocolError] when the
// payload is 1 byte or longer than 125 bytes (1002), when the code may not
// appear on the wire (see [CloseCode.IsValid]; 1002), and when the reason is
// not valid UTF-8 (1007). It never allocates.
func ParseClose(payload []byte) (code CloseCode, reason []byte, err error) {
	switch {
	case len(payload) == 0:
		return CloseNoStatus, nil, nil
	case len(payload) == 1:
		return 0, nil, ErrClosePayloadLength
	case len(payload) > MaxControlPayload:
		return 0, nil, ErrControlTooLong
	}
	code = CloseCode(payload[0])<<8 | CloseCode(payload[1])
	if !code.IsValid() {
		return 0, nil, ErrCloseCode
	}
	reason = payload[2:]
	if !utf8.Valid(reason) {
		return 0, nil, ErrCloseReason
	}
	return code, reason, nil
}

// AppendClose appends a close frame's payload, the big-endian code followed
// by reason, to dst and returns the extended buffer. [CloseNoStatus] with an
// empty reason appends nothing: 1005 stands for a close frame without a
// body, which is how [ParseClose] reports one.
//
// AppendClose does not judge its input: it can write codes that
// [CloseCode.IsValid] rejects, and reasons that are not UTF-8 or longer than
// [MaxCloseReason], because tests of other endpoints need such frames. An
// encoder that sends frames to real peers should check both.
func AppendClose(dst []byte, code CloseCode, reason string) []byte {
	if code == CloseNoStatus && reason == "" {
		return dst
	}
	dst = append(dst, byte(code>>8), byte(code))
	return append(dst, reason...)
}
