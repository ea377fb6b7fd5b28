// Command coder is an echo server built on github.com/coder/websocket
// (version pinned in bench/peers/go.mod) for the peer sweep.
//
// It accepts with websocket.Accept and echoes as the library's echo
// example does, a Reader per message, but reads the message into a buffer
// kept per connection and answers with Write, which sends it as one frame.
// (The example's io.Copy into a Writer allocates a 32 KiB copy buffer per
// message and ends every message with an extra empty frame.) The context
// is context.Background(), so no timer is armed per message. The library
// answers pings and close frames itself while a Reader is waiting.
//
// Compression is off (CompressionDisabled, the default) unless -deflate is
// given: then CompressionMode is CompressionNoContextTakeover, the mode
// whose documentation suits many connections (no compression state kept
// per connection; flate writers, level 1, and readers from pools), and
// the library's default CompressionThreshold applies: messages under 512
// bytes go out uncompressed. -deflate-takeover sets
// CompressionContextTakeover instead: a flate writer and reader and their
// windows are kept per connection.
package main

import (
	"context"
	"flag"
	"net/http"

	"github.com/coder/websocket"
	"github.com/wsframe/wsframe/bench/peers/servers/internal/peerserver"
)

var opts = &websocket.AcceptOptions{
	InsecureSkipVerify: true, // an echo server serves any origin
	CompressionMode:    websocket.CompressionDisabled,
}

func echo(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, opts)
	if err != nil {
		return // Accept has answered with an HTTP error
	}
	defer c.CloseNow()
	c.SetReadLimit(peerserver.MaxMessage)
	ctx := context.Background()
	buf := make([]byte, 0, peerserver.BufferSize)
	for {
		typ, rd, err := c.Reader(ctx)
		if err != nil {
			return // a close frame (answered by the library) or a broken connection
		}
		if buf, err = peerserver.AppendAll(buf[:0], rd); err != nil {
			return
		}
		if err := c.Write(ctx, typ, buf); err != nil {
			return
		}
		peerserver.Echoed()
	}
}

func main() {
	deflate := flag.Bool("deflate", false, "accept permessage-deflate (CompressionNoContextTakeover)")
	takeover := flag.Bool("deflate-takeover", false, "with -deflate, CompressionContextTakeover instead")
	// peerserver.MainWith parses the flags before it serves, and echo runs
	// only once it serves.
	flagsParsed := func() {
		switch {
		case *deflate && *takeover:
			opts.CompressionMode = websocket.CompressionContextTakeover
		case *deflate:
			opts.CompressionMode = websocket.CompressionNoContextTakeover
		}
	}
	peerserver.MainWith("127.0.0.1:9104", flagsParsed, echo)
}
