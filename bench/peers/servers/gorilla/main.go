// Command gorilla is an echo server built on github.com/gorilla/websocket
// (version pinned in bench/peers/go.mod) for the peer sweep.
//
// It reads each message with NextReader into a buffer kept per connection
// and answers with WriteMessage, which sends a message of any size as one
// frame, the payload past the write buffer going out in the same writev
// uncopied. Buffers are 16 KiB, as in `wsbench serve`; compression is off
// (the Upgrader's default). The default ping and close handlers answer
// pings and close frames.
package main

import (
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

func main() { peerserver.Main("127.0.0.1:9101", echo) }
