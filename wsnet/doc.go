// Package wsnet is the I/O side of wsframe: WebSocket connections (RFC
// 6455, with RFC 7692 compression) over net.Conn, built on the sans-I/O
// packages codec, handshake and deflate.
//
// # Connections
//
// A [Conn] is what servers and clients hold once the opening handshake is
// done. [Upgrade] makes one from a net/http request, [Accept] from any
// net.Conn (for servers that read requests themselves), [Dial] for a
// client, through HTTP, HTTPS and SOCKS5 proxies when the environment or
// DialOptions.Proxy names one. Compression is an option of both sides
// (ServerOptions.Compression, DialOptions.Compression): negotiated during
// the handshake and then done by the Conn.
//
//	c, err := wsnet.Upgrade(w, r, &wsnet.ServerOptions{
//		Options:     wsnet.Options{KeepaliveInterval: 30 * time.Second},
//		Compression: &deflate.ServerOptions{},
//	})
//	if err != nil {
//		return // Upgrade has answered with 400, 403 or 426
//	}
//	defer c.CloseNow()
//	for {
//		op, msg, err := c.ReadMessage(r.Context(), nil)
//		if err != nil {
//			return // *wsnet.ClosedError: the peer closed, or went silent
//		}
//		if op == codec.OpText && string(msg) == "Can you hear me?" {
//			msg = []byte("Loud and clear!")
//		}
//		c.WriteMessage(r.Context(), op, msg)
//	}
//
// A Conn is safe for concurrent writers: each message goes out whole, and
// control frames may go between the frames of a long streamed one. Reads,
// writes and [Conn.Ping] take a context and honour the deadlines;
// keepalive (Options.KeepaliveInterval) finds a peer that went silent
// without closing TCP. [Conn.Close] runs the closing handshake with a
// timeout and [Conn.CloseNow] closes at once; both may be called while
// other goroutines are blocked reading or writing. A [Server] keeps track
// of its connections and closes them all with 1001 on Shutdown, which
// net/http's Server.Shutdown does not do for connections it gave up.
//
// A [PreparedMessage] is framed and compressed once and written to many
// connections, as a broadcast does. [NetConn] turns a Conn into a
// net.Conn that streams bytes over messages.
//
// # Readers and writers
//
// Below Conn, a [Reader] and a [Writer] read and write messages over any
// io.Reader and io.Writer, with automatic replies to pings and close
// frames. They are the pieces Conn is made of, for callers that manage
// connections in their own way.
//
// # Allocations
//
// Once running, reading and writing a message, plain or compressed, a
// prepared message or a ping allocates nothing, as long as the contexts
// given cannot end (context.Background()) and dst buffers have room: a
// context that can end costs a few small allocations per call to watch.
package wsnet
