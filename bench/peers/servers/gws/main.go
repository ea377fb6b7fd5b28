// Command gws is an echo server built on github.com/lxzan/gws (version
// pinned in bench/peers/go.mod) for the peer sweep.
//
// It follows the README's "Best Practice": a gws.Upgrader on net/http,
// ReadLoop in its own goroutine, and the echo in OnMessage with
// message.Close() returning the buffer to gws's pool. Compression is off
// and UTF-8 checking is off (the defaults; the README notes that leaving
// the check off performs better). ParallelEnabled, which the README's
// example turns on, is off: it hands each message to a worker goroutine,
// which only adds scheduling on the one CPU the sweep gives each server,
// and lets echoes of pipelined messages overtake each other. Pass
// -parallel to turn it on. The read buffer is 16 KiB, as in `wsbench
// serve`.
package main

import (
	"flag"
	"net/http"

	"github.com/lxzan/gws"
	"github.com/wsframe/wsframe/bench/peers/servers/internal/peerserver"
)

type handler struct {
	gws.BuiltinEventHandler
}

// OnPing answers with the ping's payload, as RFC 6455 §5.5.3 asks (the
// built-in handler sends an empty pong).
func (handler) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

func (handler) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	if c.WriteMessage(m.Opcode, m.Bytes()) == nil {
		peerserver.Echoed()
	}
}

func main() {
	parallel := flag.Bool("parallel", false, "set gws.ServerOption.ParallelEnabled")
	var upgrader *gws.Upgrader
	echo := func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r)
		if err != nil {
			return // Upgrade has answered with an HTTP error
		}
		go c.ReadLoop()
	}
	// peerserver.Main parses the flags before it serves, and echo runs
	// only once it serves.
	flagsParsed := func() {
		upgrader = gws.NewUpgrader(handler{}, &gws.ServerOption{
			ParallelEnabled:     *parallel,
			ReadMaxPayloadSize:  peerserver.MaxMessage,
			WriteMaxPayloadSize: peerserver.MaxMessage,
			ReadBufferSize:      peerserver.BufferSize,
		})
	}
	peerserver.MainWith("127.0.0.1:9103", flagsParsed, echo)
}
