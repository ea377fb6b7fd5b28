package handshake

import (
	"errors"
	"strconv"
)

// ErrIncomplete is returned by the parsers when b holds no complete head
// yet: read more bytes and call again with all of them.
var ErrIncomplete = errors.New("handshake: incomplete head")

// Error is a handshake that breaks RFC 6455 §4 or this package's limits.
// Rule says which requirement failed. For a server, Status is the HTTP
// status to reply with ([AppendReject] writes the reply): 400 for a bad
// request, 426 for a WebSocket version other than 13, 431 for a head over
// the limits. For a client, Status is 0.
//
// The parsers return the package-level Err values below, so errors.Is works
// and an error never allocates. Do not modify them.
type Error struct {
	Status int
	Rule   string
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "handshake: " + e.Rule
	}
	return "handshake: " + e.Rule + " (reply " + strconv.Itoa(e.Status) + ")"
}

func badRequest(rule string) *Error  { return &Error{Status: 400, Rule: rule} }
func badResponse(rule string) *Error { return &Error{Rule: rule} }

// Errors about the form of a head, for requests and responses alike.
var (
	ErrHeadTooLarge  = &Error{Status: 431, Rule: "head larger than the limit"}
	ErrTooManyFields = &Error{Status: 431, Rule: "more header fields than the limit"}
	ErrRequestLine   = badRequest("malformed request line")
	ErrStatusLine    = badResponse("malformed status line")
	ErrFieldSyntax   = badRequest("malformed header field")
	ErrFieldValue    = badRequest("header value contains CR, LF or NUL")
	ErrBareLF        = badRequest("line not ended by CRLF")
	ErrTooManyLines  = badRequest("header field repeated more often than supported")
)

// Errors a server finds in a client's opening handshake (§4.2.1).
var (
	ErrMethod          = badRequest("method is not GET")
	ErrHTTPVersion     = badRequest("HTTP version older than 1.1")
	ErrNoHost          = badRequest("no Host header")
	ErrDuplicateHost   = badRequest("more than one Host header")
	ErrNoUpgrade       = badRequest("Upgrade header lacks the token websocket")
	ErrNoConnection    = badRequest("Connection header lacks the token Upgrade")
	ErrNoKey           = badRequest("no Sec-WebSocket-Key header")
	ErrDuplicateKey    = badRequest("more than one Sec-WebSocket-Key header")
	ErrBadKey          = badRequest("Sec-WebSocket-Key is not 16 bytes in base64")
	ErrVersion         = &Error{Status: 426, Rule: "Sec-WebSocket-Version is not 13"}
	ErrDuplicateVer    = badRequest("more than one Sec-WebSocket-Version header")
	ErrDuplicateOrigin = badRequest("more than one Origin header")
	ErrOrigin          = &Error{Status: 403, Rule: "origin not allowed"}
	ErrBadProtocols    = badRequest("malformed Sec-WebSocket-Protocol list")
	ErrBadExtensions   = badRequest("malformed Sec-WebSocket-Extensions list")
)

// Errors a client finds in a server's reply (§4.1, "the client MUST _Fail
// the WebSocket Connection_").
var (
	ErrStatus              = badResponse("status is not 101 (2xx over HTTP/2)")
	ErrResponseUpgrade     = badResponse("Upgrade header is not websocket")
	ErrResponseConnection  = badResponse("Connection header lacks the token Upgrade")
	ErrAccept              = badResponse("Sec-WebSocket-Accept does not match the key")
	ErrProtocolNotOffered  = badResponse("server chose a subprotocol the client did not offer")
	ErrProtocolList        = badResponse("server sent more than one subprotocol")
	ErrExtensionNotOffered = badResponse("server chose an extension the client did not offer")
	ErrResponseExtensions  = badResponse("malformed Sec-WebSocket-Extensions in the reply")
)
