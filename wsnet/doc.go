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
// # Limits
//
// What a peer can take from a connection is bounded by default, with the
// defaults of `wsbench serve`, whose flags are named after them, but for
// keepalive:
//
//   - Options.MaxMessage, 32 MiB: larger messages fail with 1009,
//     compressed or inflated.
//   - Options.WriteTimeout, 30 s: a peer that takes nothing of a write
//     for that long is dropped.
//   - Options.CloseTimeout, 5 s: Close waits no longer for the peer's
//     close frame.
//   - Options.KeepaliveInterval, off: the idle timeout; a ping every
//     interval, and the peer is dropped when nothing answers within
//     KeepaliveTimeout. Off by default, unlike the server's 120 s,
//     because only a connection that is being read sees the answers.
//   - ServerOptions.HandshakeTimeout, 10 s: Accept's opening handshake
//     (for Upgrade, set http.Server's ReadHeaderTimeout).
//   - ServerOptions.MaxConns, the descriptor limit less an eighth: a
//     Server refuses more with 503.
//
// Memory per connection is its read and write buffers (8 KiB and 4 KiB)
// plus what the application reads into: ReadMessage appends to the
// caller's buffer, so the caller's MaxMessage is the bound, and a
// compressed message is inflated as it is read, never past MaxMessage.
// Reading stops while the application does not read, and a writer blocks
// while the peer does not: TCP's flow control is the backpressure, and the
// write timeout its limit.
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
