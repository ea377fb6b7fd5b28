// Package handshake implements the opening handshake of the WebSocket
// protocol (RFC 6455 §4) for servers and clients.
//
// # Raw bytes
//
// [ParseRequest] reads a client's request from the bytes a server has
// received so far and [AppendResponse] writes the 101 reply, with no I/O
// and no allocation: this is the layer for event-loop servers and proxies.
// A server calls ParseRequest each time more bytes arrive until it stops
// returning [ErrIncomplete]; n then says where the head ends and the first
// frame begins. Every rule of §4.2.1 that a request can break is an
// *[Error] that names the rule and the HTTP status to answer with, which
// [AppendReject] writes. [Limits] bound how much a peer can make a server
// buffer. A client writes its request with [AppendRequest], using a key
// from [NewKey], and checks the reply with [ParseResponse] and
// [Response.CheckOffer].
//
// # net/http
//
// [Upgrade] takes over a connection from a net/http handler, with an
// origin check ([SameOrigin] by default) and subprotocol selection; it
// returns the connection and a *bufio.ReadWriter whose reader holds any
// bytes the client sent after its request, so read frames from it, not
// from the connection. [Dial] opens a client connection over ws:// or
// wss:// and returns the bytes it read past the server's reply, the start
// of the server's first frames. Either way no frame is lost.
//
// # Lists
//
// [NextElement], [HasToken], [ParseExtension] and [NextParam] split the
// comma-separated lists of Connection, Upgrade, Sec-WebSocket-Protocol and
// Sec-WebSocket-Extensions without allocating.
package handshake
