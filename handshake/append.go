package handshake

import (
	"net/http"
	"strconv"
)

// Field is one header field for the Append functions.
type Field struct {
	Name, Value string
}

// AppendResponse appends the server's 101 reply to a client that sent key
// (RFC 6455 §4.2.2) to dst and returns the extended buffer: Upgrade,
// Connection, Sec-WebSocket-Accept, then Sec-WebSocket-Protocol and
// Sec-WebSocket-Extensions when protocol and extensions are not empty,
// then extra, then the blank line. It does not allocate when dst has room.
//
// It panics if a name is not a token or if any value holds CR, LF or
// another control character: such a value would let the peer's input split
// the reply (header injection), and never comes from a correct caller.
func AppendResponse(dst, key []byte, protocol, extensions string, extra ...Field) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst = AppendAccept(dst, key)
	dst = append(dst, "\r\n"...)
	if protocol != "" {
		dst = appendField(dst, "Sec-WebSocket-Protocol", protocol)
	}
	if extensions != "" {
		dst = appendField(dst, "Sec-WebSocket-Extensions", extensions)
	}
	for _, f := range extra {
		dst = appendField(dst, f.Name, f.Value)
	}
	return append(dst, "\r\n"...)
}

// AppendReject appends a reply that refuses the handshake to dst and
// returns the extended buffer: the status line for status (such as 400,
// 403, 426 or 431), Connection: close, and body as text/plain. A 426 reply
// also carries Upgrade: websocket and Sec-WebSocket-Version: 13, the
// version this package speaks (RFC 6455 §4.2.2, RFC 9110 §15.5.22). For an
// *[Error] e, AppendReject(dst, e.Status, e.Rule) explains the refusal.
// It panics if status is not a 4xx or 5xx code, or if body holds a control
// character other than LF and tab.
func AppendReject(dst []byte, status int, body string) []byte {
	if status < 400 || status > 599 {
		panic("handshake: AppendReject: status " + strconv.Itoa(status) + " is not an error")
	}
	for i := 0; i < len(body); i++ {
		if c := body[i]; c < 0x20 && c != '\n' && c != '\t' || c == 0x7F {
			panic("handshake: AppendReject: control character in body")
		}
	}
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, text...)
	dst = append(dst, "\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"...)
	if status == http.StatusUpgradeRequired {
		dst = append(dst, "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"...)
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

// AppendRequest appends a client's opening handshake (RFC 6455 §4.1) to
// dst and returns the extended buffer: GET target HTTP/1.1, Host,
// Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version: 13, then
// Sec-WebSocket-Protocol listing protocols when there are any, then extra
// (Origin, Sec-WebSocket-Extensions, Cookie and the like), then the blank
// line. key is normally from [NewKey]. It panics on a target with
// whitespace or control characters, a protocol that is not a token, or a
// field as [AppendResponse] describes.
func AppendRequest(dst []byte, host, target string, key []byte, protocols []string, extra ...Field) []byte {
	if target == "" {
		target = "/"
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c == 0x7F {
			panic("handshake: AppendRequest: invalid request target")
		}
	}
	dst = append(dst, "GET "...)
	dst = append(dst, target...)
	dst = append(dst, " HTTP/1.1\r\n"...)
	dst = appendField(dst, "Host", host)
	dst = append(dst, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "...)
	dst = append(dst, key...)
	dst = append(dst, "\r\nSec-WebSocket-Version: 13\r\n"...)
	if len(protocols) > 0 {
		dst = append(dst, "Sec-WebSocket-Protocol: "...)
		for i, p := range protocols {
			if !isToken([]byte(p)) {
				panic("handshake: AppendRequest: subprotocol " + strconv.Quote(p) + " is not a token")
			}
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, p...)
		}
		dst = append(dst, "\r\n"...)
	}
	for _, f := range extra {
		dst = appendField(dst, f.Name, f.Value)
	}
	return append(dst, "\r\n"...)
}

// appendField appends "name: value\r\n", refusing what could split a head.
func appendField(dst []byte, name, value string) []byte {
	if !isTokenString(name) {
		panic("handshake: header name " + strconv.Quote(name) + " is not a token")
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7F {
			panic("handshake: header " + name + " has a control character in its value")
		}
	}
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

func isTokenString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return true
}
