// Command gws is an echo server built on github.com/lxzan/gws (version
// pinned in bench/peers/go.mod) for the peer sweep.
//
// It follows the README's "Best Practice": a gws.Upgrader on net/http,
// ReadLoop in its own goroutine, and the echo in OnMessage with
// message.Close() returning the buffer to gws's pool. Compression is off
// unless -deflate is given, and UTF-8 checking is off (the defaults; the
// README notes that leaving the check off performs better). ParallelEnabled, which the README's
// example turns on, is off: it hands each message to a worker goroutine,
// which only adds scheduling on the one CPU the sweep gives each server,
// and lets echoes of pipelined messages overtake each other. Pass
// -parallel to turn it on. The read buffer is 16 KiB, as in `wsbench
// serve`.
//
// -deflate enables permessage-deflate as the README's example does,
// PermessageDeflate{Enabled: true}, and leaves the rest at gws's
// defaults: no context takeover in either direction (ServerContextTakeover
// and ClientContextTakeover are false, so it answers "permessage-deflate;
// server_no_context_takeover; client_no_context_takeover", as `wsbench
// serve` does by default), 15-bit windows, klauspost/compress level 1
// (BestSpeed), messages under 512 bytes sent uncompressed (Threshold), and
// a pool of 32 compressors (PoolSize), each with its own inflater, made
// when the Upgrader is and shared by all connections, each connection
// using one chosen round-robin. -deflate-takeover also sets both
// ContextTakeover fields, which the README's client example does: each
// connection then keeps a sliding window per direction (gws's default
// window bits become 12, 4 KiB, instead of 15) and compresses every
// message whatever its size.
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
	deflate := flag.Bool("deflate", false, "enable permessage-deflate (PermessageDeflate.Enabled), without context takeover")
	takeover := flag.Bool("deflate-takeover", false, "with -deflate, keep context between messages in both directions")
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
			PermessageDeflate: gws.PermessageDeflate{
				Enabled:               *deflate,
				ServerContextTakeover: *takeover,
				ClientContextTakeover: *takeover,
			},
		})
	}
	peerserver.MainWith("127.0.0.1:9103", flagsParsed, echo)
}
