package deflate

import (
	"bytes"
	"iter"
	"strconv"

	"github.com/wsframe/wsframe/handshake"
)

// ExtensionName is the extension token of RFC 7692 §7.
const ExtensionName = "permessage-deflate"

// The extension parameters of RFC 7692 §7.1.
const (
	paramServerNoContextTakeover = "server_no_context_takeover"
	paramClientNoContextTakeover = "client_no_context_takeover"
	paramServerMaxWindowBits     = "server_max_window_bits"
	paramClientMaxWindowBits     = "client_max_window_bits"
)

// Params are the parameters both endpoints agreed on in the opening
// handshake (RFC 7692 §7.1). Each side compresses with its own
// NoContextTakeover and MaxWindowBits and inflates with the peer's; see
// [NewCompressor] and [NewDecompressor].
type Params struct {
	// ServerNoContextTakeover means the server starts every message with
	// an empty window (§7.1.1.1); ClientNoContextTakeover, the client
	// (§7.1.1.2).
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	// ServerMaxWindowBits and ClientMaxWindowBits are the base-2
	// logarithms of the largest window the server and the client
	// compress with, 8 to 15 (§7.1.2). 0 means 15, the default.
	ServerMaxWindowBits int
	ClientMaxWindowBits int
}

// windowBits returns b as window bits in 8..15: 0 (and anything above 15)
// means 15, and anything below 8 means 8.
func windowBits(b int) int {
	switch {
	case b == 0 || b > 15:
		return 15
	case b < 8:
		return 8
	}
	return b
}

// String returns p as a Sec-WebSocket-Extensions element, leaving out the
// window bits that are 15, such as
// "permessage-deflate; server_no_context_takeover".
func (p Params) String() string {
	return string(p.appendElement(nil, false))
}

// appendElement appends p as an extension element. With bits15 it names
// a server_max_window_bits of 15 too, as a server must when it accepts an
// offer that asked for one (§7.1.2.1).
func (p Params) appendElement(dst []byte, bits15 bool) []byte {
	dst = append(dst, ExtensionName...)
	if p.ServerNoContextTakeover {
		dst = append(dst, "; "+paramServerNoContextTakeover...)
	}
	if p.ClientNoContextTakeover {
		dst = append(dst, "; "+paramClientNoContextTakeover...)
	}
	if b := windowBits(p.ServerMaxWindowBits); b < 15 || bits15 {
		dst = append(dst, "; "+paramServerMaxWindowBits+"="...)
		dst = strconv.AppendInt(dst, int64(b), 10)
	}
	if b := windowBits(p.ClientMaxWindowBits); b < 15 {
		dst = append(dst, "; "+paramClientMaxWindowBits+"="...)
		dst = strconv.AppendInt(dst, int64(b), 10)
	}
	return dst
}

// offer is one permessage-deflate offer, as parseParams reads it from a
// client's request or a server's reply.
type offer struct {
	serverNoTakeover, clientNoTakeover bool
	serverBits                         int  // 0 when absent, else 8..15
	clientBits                         int  // 0 when absent or without a value, else 8..15
	clientBitsNamed                    bool // client_max_window_bits is present
}

// parseParams reads the parameters of a permessage-deflate element. It
// reports the first rule broken: a malformed parameter, a name it does not
// know, a name twice, a value where none belongs, or a window size that is
// not a decimal 8 to 15 without leading zeros (§7.1). inResponse makes a
// value of client_max_window_bits mandatory (§7.1.2.2).
func parseParams(params []byte, inResponse bool) (o offer, err error) {
	var seen [4]bool
	for {
		name, value, rest, ok := handshake.NextParam(params)
		if !ok {
			return o, ErrResponseSyntax
		}
		if name == nil {
			return o, nil
		}
		params = rest
		var i int
		switch {
		case equalFold(name, paramServerNoContextTakeover):
			i = 0
			o.serverNoTakeover = true
		case equalFold(name, paramClientNoContextTakeover):
			i = 1
			o.clientNoTakeover = true
		case equalFold(name, paramServerMaxWindowBits):
			i = 2
			if o.serverBits = parseBits(value); o.serverBits == 0 {
				return o, ErrResponseValue
			}
		case equalFold(name, paramClientMaxWindowBits):
			i = 3
			o.clientBitsNamed = true
			if value != nil || inResponse {
				if o.clientBits = parseBits(value); o.clientBits == 0 {
					return o, ErrResponseValue
				}
			}
		default:
			return o, ErrResponseParam
		}
		if i < 2 && value != nil {
			return o, ErrResponseValue
		}
		if seen[i] {
			return o, ErrResponseDuplicate
		}
		seen[i] = true
	}
}

// parseBits returns the window bits in v, or 0 unless v is "8" to "15".
func parseBits(v []byte) int {
	switch {
	case len(v) == 1 && (v[0] == '8' || v[0] == '9'):
		return int(v[0] - '0')
	case len(v) == 2 && v[0] == '1' && '0' <= v[1] && v[1] <= '5':
		return 10 + int(v[1]-'0')
	}
	return 0
}

// equalFold reports whether b equals the lower-case ASCII s without
// regard to case.
func equalFold(b []byte, s string) bool {
	return len(b) == len(s) && bytes.EqualFold(b, []byte(s))
}

// ServerOptions are what a server is willing to agree to. The zero value
// accepts the first valid offer with context takeover and 15-bit windows
// on both sides, unless the offer asks for less.
type ServerOptions struct {
	// ServerNoContextTakeover makes the server compress every message on
	// its own (server_no_context_takeover), so that its compression state
	// is pooled between messages instead of kept per connection (about
	// 0.8 MiB). The server also does so whenever the client asks.
	ServerNoContextTakeover bool
	// ClientNoContextTakeover asks the client to compress every message on
	// its own (client_no_context_takeover), so that the server needs no
	// inflate window per connection between messages. When a client
	// offers client_no_context_takeover as a hint, the server accepts it
	// whatever this says.
	ClientNoContextTakeover bool
	// ServerMaxWindowBits limits the window the server compresses with, 8
	// to 15; 0 means 15. A client's server_max_window_bits can lower it.
	ServerMaxWindowBits int
	// ClientMaxWindowBits limits the window the client may compress with,
	// and so the server's inflate window, 8 to 15; 0 means 15. Only a
	// client that offers client_max_window_bits can be limited (§7.1.2.2:
	// Firefox does not offer it); the server accepts the others' offers
	// with the 15 bits they use.
	ClientMaxWindowBits int
}

// NegotiateServer picks the first acceptable permessage-deflate offer from
// a client's Sec-WebSocket-Extensions values (one per header line, as
// handshake.Options.Extensions receives them) and returns the parameters
// agreed and the element to answer with, such as
// "permessage-deflate; client_max_window_bits=12". ok is false when no
// offer is acceptable; the server then answers without permessage-deflate.
//
// Following RFC 7692 §5.1 and §7, an offer is declined, and the next one
// considered, when it has a parameter this package does not know, a
// parameter twice, a value where none belongs (the no_context_takeover
// parameters), a missing value (server_max_window_bits), a window size
// other than a decimal 8 to 15 without leading zeros, or a parameter that
// is not a token or token=value (a value may be a quoted string). Names are
// compared without regard to ASCII case. Elements naming other extensions
// are skipped. A malformed list does not stop the search: elements are
// split at commas outside quoted strings, as [handshake.NextElement] does.
//
// The response grants every request of the offer: server_no_context_takeover
// when asked for, server_max_window_bits no larger than asked for. It
// includes client_no_context_takeover when opts asks for it or the offer
// announces it, and client_max_window_bits when opts or the offer's value
// limits the client below 15 bits and the offer allows it.
func NegotiateServer(offers []string, opts ServerOptions) (p Params, response string, ok bool) {
	return NegotiateServerElements(func(yield func([]byte) bool) {
		for _, v := range offers {
			b := []byte(v)
			for elem, rest := handshake.NextElement(b); elem != nil; elem, rest = handshake.NextElement(rest) {
				if !yield(elem) {
					return
				}
			}
		}
	}, opts)
}

// NegotiateServerElements is [NegotiateServer] over the elements of a
// Sec-WebSocket-Extensions list, such as the Elements method of a parsed
// [handshake.Request]'s Extensions, which it reads without copying.
func NegotiateServerElements(elems iter.Seq[[]byte], opts ServerOptions) (p Params, response string, ok bool) {
	for elem := range elems {
		name, params, valid := handshake.ParseExtension(elem)
		if !valid || !equalFold(name, ExtensionName) {
			continue
		}
		o, err := parseParams(params, false)
		if err != nil {
			continue
		}
		p = opts.accept(o)
		return p, string(p.appendElement(make([]byte, 0, 128), o.serverBits != 0)), true
	}
	return Params{}, "", false
}

// accept returns the parameters the server agrees to for a valid offer.
func (opts ServerOptions) accept(o offer) Params {
	p := Params{
		ServerNoContextTakeover: opts.ServerNoContextTakeover || o.serverNoTakeover,
		ClientNoContextTakeover: opts.ClientNoContextTakeover || o.clientNoTakeover,
		ServerMaxWindowBits:     windowBits(opts.ServerMaxWindowBits),
		ClientMaxWindowBits:     15,
	}
	if o.serverBits != 0 {
		p.ServerMaxWindowBits = min(p.ServerMaxWindowBits, o.serverBits)
	}
	if o.clientBitsNamed {
		p.ClientMaxWindowBits = windowBits(opts.ClientMaxWindowBits)
		if o.clientBits != 0 {
			p.ClientMaxWindowBits = min(p.ClientMaxWindowBits, o.clientBits)
		}
	}
	return p
}

// ClientOptions are what a client offers. The zero value offers
// "permessage-deflate; client_max_window_bits", as Chromium and WebKit do:
// context takeover both ways, 15-bit windows, and the client's support for
// a server that limits the client's window.
type ClientOptions struct {
	// ServerNoContextTakeover asks the server to compress every message
	// on its own, so that the client needs no inflate window between
	// messages. A server may ignore the request; [ParseResponse] then
	// reports context takeover.
	ServerNoContextTakeover bool
	// ClientNoContextTakeover announces that the client compresses every
	// message on its own (pooling its compression state between them).
	ClientNoContextTakeover bool
	// ServerMaxWindowBits, 8 to 15, asks the server to compress with a
	// window of at most 1<<ServerMaxWindowBits bytes; 0 asks nothing.
	ServerMaxWindowBits int
	// ClientMaxWindowBits, 8 to 15, announces that the client compresses
	// with at most that window; 0 offers client_max_window_bits without a
	// value, letting the server choose.
	ClientMaxWindowBits int
	// NoClientMaxWindowBits leaves client_max_window_bits out of the
	// offer, as Firefox does; a server may then not limit the client's
	// window.
	NoClientMaxWindowBits bool
}

// ClientOffer returns the permessage-deflate offer for opts, a value for a
// request's Sec-WebSocket-Extensions header (handshake.DialOptions.Extensions),
// such as "permessage-deflate; client_max_window_bits".
func ClientOffer(opts ClientOptions) string {
	b := append(make([]byte, 0, 128), ExtensionName...)
	if opts.ServerNoContextTakeover {
		b = append(b, "; "+paramServerNoContextTakeover...)
	}
	if opts.ClientNoContextTakeover {
		b = append(b, "; "+paramClientNoContextTakeover...)
	}
	if opts.ServerMaxWindowBits != 0 {
		b = append(b, "; "+paramServerMaxWindowBits+"="...)
		b = strconv.AppendInt(b, int64(windowBits(opts.ServerMaxWindowBits)), 10)
	}
	if !opts.NoClientMaxWindowBits {
		b = append(b, "; "+paramClientMaxWindowBits...)
		if opts.ClientMaxWindowBits != 0 {
			b = append(b, '=')
			b = strconv.AppendInt(b, int64(windowBits(opts.ClientMaxWindowBits)), 10)
		}
	}
	return string(b)
}

// ParseResponse reads a server's Sec-WebSocket-Extensions value (all its
// lines, joined with commas, as handshake.ClientConn.Extensions returns
// them) for the answer to the offer that [ClientOffer] made from offered.
// ok is false when the server declined permessage-deflate. Elements
// naming other extensions are left to the caller (handshake's
// Response.CheckOffer checks that each was offered).
//
// The client must fail the connection on an error (RFC 7692 §5.1): an
// element whose name is not a token or a malformed parameter
// ([ErrResponseSyntax]), an unknown one
// ([ErrResponseParam]), one named twice ([ErrResponseDuplicate]), a value
// where none belongs or a window size other than a decimal 8 to 15
// without leading zeros, including a client_max_window_bits without a
// value ([ErrResponseValue]), client_max_window_bits when the offer left
// it out ([ErrResponseNotOffered]), server_max_window_bits missing or
// larger than the offer asked for ([ErrResponseWindow]), or
// permessage-deflate twice ([ErrResponseTwoAccepted]).
//
// A response without server_no_context_takeover when the offer asked for
// it is accepted: the client can inflate with context takeover, and p
// says so. A client_max_window_bits larger than the offer's value leaves
// the client at its own, smaller, value.
func ParseResponse(value []byte, offered ClientOptions) (p Params, ok bool, err error) {
	for elem, rest := handshake.NextElement(value); elem != nil; elem, rest = handshake.NextElement(rest) {
		name, params, valid := handshake.ParseExtension(elem)
		if !valid {
			return Params{}, false, ErrResponseSyntax
		}
		if !equalFold(name, ExtensionName) {
			continue
		}
		if ok {
			return Params{}, false, ErrResponseTwoAccepted
		}
		o, err := parseParams(params, true)
		if err != nil {
			return Params{}, false, err
		}
		if o.clientBitsNamed && offered.NoClientMaxWindowBits {
			return Params{}, false, ErrResponseNotOffered
		}
		if asked := offered.ServerMaxWindowBits; asked != 0 &&
			(o.serverBits == 0 || o.serverBits > windowBits(asked)) {
			return Params{}, false, ErrResponseWindow
		}
		p = Params{
			ServerNoContextTakeover: o.serverNoTakeover,
			ClientNoContextTakeover: o.clientNoTakeover || offered.ClientNoContextTakeover,
			ServerMaxWindowBits:     windowBits(o.serverBits),
			ClientMaxWindowBits:     windowBits(o.clientBits),
		}
		if own := offered.ClientMaxWindowBits; own != 0 && !offered.NoClientMaxWindowBits {
			p.ClientMaxWindowBits = min(p.ClientMaxWindowBits, windowBits(own))
		}
		ok = true
	}
	return p, ok, nil
}
