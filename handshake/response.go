package handshake

import (
	"bytes"
	"crypto/subtle"
)

// Response is a server's reply to the opening handshake (RFC 6455 §4.2.2)
// as [ParseResponse] found it. Every []byte aliases the parsed buffer.
type Response struct {
	Proto      []byte // "HTTP/1.1"
	Status     int    // 101 when the server accepted
	Reason     []byte // reason phrase, such as "Switching Protocols"
	Accept     []byte // Sec-WebSocket-Accept
	Protocol   []byte // Sec-WebSocket-Protocol: the subprotocol chosen, or nil
	Extensions List   // Sec-WebSocket-Extensions: the extensions in use

	head []byte
}

// Header returns the value of the first header field called name (compared
// without regard to case), or nil.
func (r *Response) Header(name string) []byte { return headerValue(r.head, name) }

// Fields calls yield with the name and value of every header field, in
// order, until yield returns false.
func (r *Response) Fields(yield func(name, value []byte) bool) { fields(r.head)(yield) }

// ParseResponse parses a server's reply with the default [Limits]. See
// [Limits.ParseResponse].
func ParseResponse(b []byte, key []byte) (Response, int, error) {
	return Limits{}.ParseResponse(b, key)
}

// ParseResponse parses and checks a server's reply to a client that sent
// key as its Sec-WebSocket-Key, and returns it with n, the length of the
// head through its blank line; the bytes after it are the server's first
// frames. It does not allocate.
//
// While b holds no complete head it returns [ErrIncomplete] and a zero
// Response, and [ErrHeadTooLarge] past l.MaxHeadBytes. It returns an
// *[Error] for the failures of RFC 6455 §4.1: a status other than 101
// ([ErrStatus], with the parsed Response, so that the caller can see the
// status and headers), an Upgrade header that is not "websocket", a
// Connection header without the token Upgrade, a Sec-WebSocket-Accept that
// is not the one for key, and more than one subprotocol. Whether the
// subprotocol and extensions were offered is [Response.CheckOffer]'s job,
// since only the caller knows what it offered. Obsolete line folding is
// replaced with spaces in b, as RFC 9112 §5.2 requires of clients.
func (l Limits) ParseResponse(b []byte, key []byte) (resp Response, n int, err error) {
	n, err = resp.parse(b, key, l)
	if err == errFolded {
		unfold(b[:n])
		resp = Response{}
		n, err = resp.parse(b, key, l)
	}
	if err != nil && err != ErrStatus {
		return Response{}, 0, err
	}
	return resp, n, err
}

func (r *Response) parse(b, key []byte, l Limits) (int, error) {
	s := scanner{b: b, max: l.maxHead(), maxF: l.maxFields()}
	line, ok, err := s.line()
	if !ok {
		if err == nil {
			err = ErrIncomplete
		}
		return 0, err
	}
	// status-line = HTTP-version SP status-code SP [ reason-phrase ]
	if len(line) < 12 || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return 0, ErrStatusLine
	}
	r.Proto = line[:8]
	ok, atLeast11 := parseHTTPVersion(r.Proto)
	if !ok || !atLeast11 || !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) {
		return 0, ErrStatusLine
	}
	r.Status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	if len(line) > 12 {
		r.Reason = line[13:]
	}
	var accepts, protocols int
	var upgrade, badUpgrade, connection bool
	for {
		name, value, ok, done, err := s.field()
		if err != nil {
			return 0, err
		}
		if !done {
			return 0, ErrIncomplete
		}
		if !ok {
			break
		}
		if s.folded {
			continue
		}
		switch len(name) {
		case 7:
			if isName(name, "upgrade") {
				upgrade = true
				badUpgrade = badUpgrade || !equalFold(value, "websocket")
			}
		case 10:
			if isName(name, "connection") {
				connection = connection || HasToken(value, "upgrade")
			}
		case 20:
			if isName(name, "sec-websocket-accept") {
				accepts++
				r.Accept = value
			}
		case 22:
			if isName(name, "sec-websocket-protocol") {
				protocols++
				r.Protocol = value
			}
		case 24:
			if isName(name, "sec-websocket-extensions") {
				if !checkExtensions(value) {
					return 0, ErrResponseExtensions
				}
				if err := r.Extensions.add(value); err != nil {
					return 0, err
				}
			}
		}
	}
	n := s.pos
	if s.folded {
		return n, errFolded
	}
	r.head = b[:n]
	if r.Status != 101 {
		return n, ErrStatus
	}
	var want [AcceptLen]byte
	switch {
	case !upgrade || badUpgrade:
		return 0, ErrResponseUpgrade
	case !connection:
		return 0, ErrResponseConnection
	case accepts != 1 || subtle.ConstantTimeCompare(r.Accept, AppendAccept(want[:0], key)) != 1:
		return 0, ErrAccept
	case protocols > 1 || protocols == 1 && !isToken(r.Protocol):
		return 0, ErrProtocolList
	}
	return n, nil
}

// CheckOffer checks the reply against what the client offered: the
// subprotocols it listed and the Sec-WebSocket-Extensions value it sent
// (empty when it offered none). It returns [ErrProtocolNotOffered] for a
// subprotocol the client did not list and [ErrExtensionNotOffered] for an
// extension whose name the offer does not hold (RFC 6455 §4.1, items 5
// and 6 of the client's checks). Whether an extension's parameters are
// acceptable is up to that extension.
func (r *Response) CheckOffer(protocols []string, extensions string) error {
	if r.Protocol != nil {
		found := false
		for _, p := range protocols {
			if string(r.Protocol) == p {
				found = true
				break
			}
		}
		if !found {
			return ErrProtocolNotOffered
		}
	}
	for elem := range r.Extensions.Elements {
		name, _, _ := ParseExtension(elem)
		if !offersExtension(extensions, name) {
			return ErrExtensionNotOffered
		}
	}
	return nil
}

func offersExtension(offer string, name []byte) bool {
	// The offer is the caller's own string; view it as bytes without
	// copying, since NextElement never writes.
	list := []byte(offer)
	for elem, rest := NextElement(list); elem != nil; elem, rest = NextElement(rest) {
		n, _, _ := ParseExtension(elem)
		if bytes.EqualFold(n, name) {
			return true
		}
	}
	return false
}
