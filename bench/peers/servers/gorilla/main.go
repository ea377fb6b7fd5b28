// Command gorilla is an echo server built on github.com/gorilla/websocket
// (version pinned in bench/peers/go.mod) for the peer sweep.
//
// It reads each message with NextReader into a buffer kept per connection
// and answers with WriteMessage, which sends a message of any size as one
// frame, the payload past the write buffer going out in the same writev
// uncopied. Buffers are 16 KiB, as in `wsbench serve`. The default ping
// and close handlers answer pings and close frames.
//
// Compression is off, the Upgrader's default, unless -deflate is given:
// then Upgrader.EnableCompression is set, as the package documentation
// shows. gorilla supports permessage-deflate only without context
// takeover (it answers "permessage-deflate; server_no_context_takeover;
// client_no_context_takeover"), compresses every message it writes once
// it is negotiated, whatever its size (Conn.EnableWriteCompression is on
// by default), at compress/flate level 1, with flate writers and readers
// from pools shared by all connections.
package main

import (
	"flag"
	"net/http"

	"github.com/gorilla/websocket"
	"github.com/wsframe/wsframe/bench/peers/servers/internal/peerserver"
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  peerserver.BufferSize,
	WriteBufferSize: peerserver.BufferSize,
	CheckOrigin:     func(*http.Request) bool { return true }, // an echo server serves anyone
}

func echo(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered with an HTTP error
	}
	defer c.Close()
	c.SetReadLimit(peerserver.MaxMessage)
	buf := make([]byte, 0, peerserver.BufferSize)
	for {
		mt, rd, err := c.NextReader()
		if err != nil {
			return // a close frame (answered by the default handler) or a broken connection
		}
		if buf, err = peerserver.AppendAll(buf[:0], rd); err != nil {
			return
		}
		if err := c.WriteMessage(mt, buf); err != nil {
			return
		}
		peerserver.Echoed()
	}
}

func main() {
	deflate := flag.Bool("deflate", false, "accept permessage-deflate (Upgrader.EnableCompression)")
	// peerserver.MainWith parses the flags before it serves, and echo runs
	// only once it serves.
	flagsParsed := func() { upgrader.EnableCompression = *deflate }
	peerserver.MainWith("127.0.0.1:9101", flagsParsed, echo)
}
