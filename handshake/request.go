package handshake

import "bytes"

// Request is a client's opening handshake (RFC 6455 §4.1) as
// [ParseRequest] found it. Every []byte aliases the parsed buffer, trimmed
// of surrounding whitespace; a header that was absent is nil.
type Request struct {
	Method  []byte // "GET"
	Target  []byte // request-target, such as "/chat?room=1"
	Proto   []byte // "HTTP/1.1"
	Host    []byte
	Origin  []byte // sent by browsers; nil from most other clients
	Key     []byte // Sec-WebSocket-Key, checked by ValidKey
	Version []byte // Sec-WebSocket-Version: "13"

	Protocols  List // Sec-WebSocket-Protocol: subprotocols offered, in the client's order
	Extensions List // Sec-WebSocket-Extensions: extensions offered, with parameters

	head []byte
}

// Header returns the value of the first header field called name (compared
// without regard to case), or nil. It scans the head; use it for fields the
// Request has no member for, such as Cookie or Authorization.
func (r *Request) Header(name string) []byte { return headerValue(r.head, name) }

// Fields calls yield with the name and value of every header field, in
// order, until yield returns false. Use it in a range loop.
func (r *Request) Fields(yield func(name, value []byte) bool) { fields(r.head)(yield) }

// ParseRequest parses a client's opening handshake from the start of b
// with the default [Limits]. See [Limits.ParseRequest].
func ParseRequest(b []byte) (Request, int, error) { return Limits{}.ParseRequest(b) }

// ParseRequest parses and checks a client's opening handshake from the
// start of b and returns it with n, the length of the head through its
// blank line: whatever follows (frames from an eager client) belongs to the
// WebSocket connection. It does not allocate.
//
// While b holds no complete head, it returns [ErrIncomplete] and a zero
// Request; once b holds l.MaxHeadBytes bytes without one, [ErrHeadTooLarge].
// Otherwise it checks the rules of RFC 6455 §4.2.1 and returns an *[Error]
// naming the first rule broken and the HTTP status to reply with: method
// GET; HTTP/1.1 or later; exactly one Host; Upgrade holding the token
// websocket and Connection the token Upgrade (in any case, in
// comma-separated lists, over repeated lines); exactly one valid
// Sec-WebSocket-Key; Sec-WebSocket-Version 13 (426 otherwise, which
// [AppendReject] answers with the version this package speaks). It also
// rejects heads that break HTTP/1.1's syntax: lines not ended by CRLF,
// control characters (CR, LF, NUL and others) in values, malformed field
// lines, whitespace before a colon, and malformed subprotocol or extension
// lists. On error the Request is zero.
//
// ParseRequest replaces obsolete line folding (a field line that starts
// with whitespace continues the previous one) with spaces in b itself,
// which RFC 9112 §5.2 allows, so the folded value is one subslice.
func (l Limits) ParseRequest(b []byte) (req Request, n int, err error) {
	n, err = req.parse(b, l)
	if err == errFolded {
		unfold(b[:n])
		req = Request{}
		n, err = req.parse(b, l)
	}
	if err != nil {
		return Request{}, 0, err
	}
	return req, n, nil
}

// errFolded tells ParseRequest and ParseResponse that a complete head had
// obsolete line folding: they unfold it in place and parse it again.
var errFolded = &Error{Status: 400, Rule: "obsolete line folding"}

func (r *Request) parse(b []byte, l Limits) (int, error) {
	s := scanner{b: b, max: l.maxHead(), maxF: l.maxFields()}
	line, ok, err := s.line()
	if !ok {
		if err == nil {
			err = ErrIncomplete
		}
		return 0, err
	}
	// request-line = method SP request-target SP HTTP-version
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return 0, ErrRequestLine
	}
	sp2 := bytes.IndexByte(line[sp1+1:], ' ')
	if sp2 <= 0 {
		return 0, ErrRequestLine
	}
	sp2 += sp1 + 1
	r.Method, r.Target, r.Proto = line[:sp1], line[sp1+1:sp2], line[sp2+1:]
	protoOK, atLeast11 := parseHTTPVersion(r.Proto)
	if !isToken(r.Method) || !protoOK || bytes.IndexByte(r.Target, '\t') >= 0 {
		return 0, ErrRequestLine
	}
	var hosts, keys, versions, origins int
	var upgrade, connection bool
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
			continue // unfold, then parse again
		}
		switch len(name) {
		case 4:
			if isName(name, "host") {
				hosts++
				r.Host = value
			}
		case 6:
			if isName(name, "origin") {
				origins++
				r.Origin = value
			}
		case 7:
			if isName(name, "upgrade") {
				upgrade = upgrade || HasToken(value, "websocket")
			}
		case 10:
			if isName(name, "connection") {
				connection = connection || HasToken(value, "upgrade")
			}
		case 17:
			if isName(name, "sec-websocket-key") {
				keys++
				r.Key = value
			}
		case 21:
			if isName(name, "sec-websocket-version") {
				versions++
				r.Version = value
			}
		case 22:
			if isName(name, "sec-websocket-protocol") {
				if !checkProtocols(value) {
					return 0, ErrBadProtocols
				}
				if err := r.Protocols.add(value); err != nil {
					return 0, err
				}
			}
		case 24:
			if isName(name, "sec-websocket-extensions") {
				if !checkExtensions(value) {
					return 0, ErrBadExtensions
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
	if err := checkRequest(&requestFacts{
		method: string(r.Method), atLeast11: atLeast11, hosts: hosts, origins: origins,
		upgrade: upgrade, connection: connection, keys: keys, key: r.Key, versions: versions, version: r.Version,
	}); err != nil {
		return 0, err
	}
	return n, nil
}

// requestFacts is what the rules of §4.2.1 look at, gathered from a raw
// head or from an *http.Request.
type requestFacts struct {
	method                         string
	atLeast11                      bool
	hosts, origins, keys, versions int
	upgrade, connection            bool
	key, version                   []byte
}

// checkRequest applies the rules of §4.2.1 in a fixed order and returns
// the first one broken.
func checkRequest(f *requestFacts) error {
	switch {
	case f.method != "GET":
		return ErrMethod
	case !f.atLeast11:
		return ErrHTTPVersion
	case f.hosts == 0:
		return ErrNoHost
	case f.hosts > 1:
		return ErrDuplicateHost
	case f.origins > 1:
		return ErrDuplicateOrigin
	case !f.upgrade:
		return ErrNoUpgrade
	case !f.connection:
		return ErrNoConnection
	case f.versions > 1:
		return ErrDuplicateVer
	case f.versions == 0 || string(f.version) != "13":
		return ErrVersion
	case f.keys == 0:
		return ErrNoKey
	case f.keys > 1:
		return ErrDuplicateKey
	case !ValidKey(f.key):
		return ErrBadKey
	}
	return nil
}

// SelectProtocol returns the first of supported, the server's subprotocols
// in order of preference, that the client offered in
// Sec-WebSocket-Protocol, or "" when there is none. It does not allocate.
func (r *Request) SelectProtocol(supported []string) string {
	for _, s := range supported {
		if r.Protocols.Contains(s) {
			return s
		}
	}
	return ""
}
