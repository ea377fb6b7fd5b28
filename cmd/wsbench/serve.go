package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/debug"
	"slices"
	"time"

	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/internal/echo/engine"
)

// newEchoServer returns the echo server with 16 KiB buffers.
func newEchoServer(maxMessage int64, logger *log.Logger) *echo.Server {
	return echo.NewServer(maxMessage, 16<<10, 16<<10, logger)
}

// memoryAllowance is what serve's soft memory limit allows for the
// buffer pools and the runtime.
const memoryAllowance = 64 << 20

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("wsbench serve", stderr)
	addr := fs.String("addr", "127.0.0.1:9001", "address to listen on")
	maxMessage := fs.Int64("max-message", 32<<20, "largest message accepted, in bytes (larger ones are refused with close 1009)")
	readBuf := fs.Int("read-buffer", 16<<10, "initial read buffer per connection, in bytes (it grows to read frames up to 1 MiB whole)")
	writeBuf := fs.Int("write-buffer", 16<<10, "write buffer per connection, in bytes")
	grace := fs.Duration("grace", 3*time.Second, "how long shutdown waits for connections to answer close 1001")
	engineName := fs.String("engine", engine.Default(), "how the server moves bytes: epoll (event loops, Linux) or goroutine (net/http, a goroutine per connection)")
	verbose := fs.Bool("v", false, "log handshakes and closes to stderr")
	useDeflate := fs.Bool("deflate", true, "accept permessage-deflate (RFC 7692) when a client offers it, as browsers do")
	takeover := fs.Bool("deflate-takeover", false, "with -deflate, keep compression context between messages in both directions (better ratio; with 15-bit windows about 0.9 MB per connection) instead of asking for no context takeover (state pooled between messages)")
	windowBits := fs.Int("deflate-window", 15, "with -deflate, the most window bits (8 to 15) the server compresses with and lets clients compress with; under 15, context takeover keeps only the window per connection, at some CPU cost per message")
	var lim echo.Limits
	fs.DurationVar(&lim.HandshakeTimeout, "handshake-timeout", echo.DefaultHandshakeTimeout, "close a connection whose opening handshake has not completed by then")
	fs.DurationVar(&lim.IdleTimeout, "idle-timeout", echo.DefaultIdleTimeout, "ping a WebSocket connection silent for that long, and close it if nothing arrives within -ping-timeout")
	fs.DurationVar(&lim.PingTimeout, "ping-timeout", echo.DefaultPingTimeout, "how long the idle ping waits for any byte")
	fs.DurationVar(&lim.WriteTimeout, "write-timeout", echo.DefaultWriteTimeout, "close a connection whose client takes none of its pending output for that long")
	fs.DurationVar(&lim.CloseTimeout, "close-timeout", echo.DefaultCloseTimeout, "how long a closing handshake the server starts waits for the client's close")
	fs.IntVar(&lim.MaxConns, "max-conns", 0, "most open connections; at the cap the server stops accepting until one closes (0: the descriptor limit less an eighth of it)")
	fs.Int64Var(&lim.MaxBuffered, "max-buffered", echo.DefaultMaxBuffered, "memory budget of the whole server, in bytes: unfinished messages, inflated data, frames kept whole, output waiting for slow clients and compression state; a connection that would exceed it is closed with 1013")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	switch {
	case *maxMessage <= 0:
		return fs.fail("-max-message must be positive, not %d", *maxMessage)
	case !slices.Contains(engine.All, *engineName):
		return fs.fail("-engine must be epoll or goroutine, not %q", *engineName)
	case !slices.Contains(engine.Available(), *engineName):
		return fs.fail("-engine %s is not available on this system; use -engine goroutine", *engineName)
	case *windowBits < 8 || *windowBits > 15:
		return fs.fail("-deflate-window must be from 8 to 15 (RFC 7692 §7.1.2), not %d", *windowBits)
	case *grace < 0:
		return fs.fail("-grace must not be negative, not %v", *grace)
	case lim.HandshakeTimeout <= 0 || lim.IdleTimeout <= 0 || lim.PingTimeout <= 0 || lim.WriteTimeout <= 0 || lim.CloseTimeout <= 0:
		return fs.fail("the timeouts must be positive")
	case lim.MaxConns < 0 || lim.MaxBuffered <= 0:
		return fs.fail("-max-conns must not be negative, and -max-buffered must be positive")
	}
	var logger *log.Logger
	if *verbose {
		logger = log.New(stderr, "wsbench: ", log.LstdFlags)
	}
	s := echo.NewServer(*maxMessage, *readBuf, *writeBuf, logger)
	s.Limits = lim
	if os.Getenv("GOMEMLIMIT") == "" {
		// The budget bounds what connections hold beyond their fixed
		// buffers; without a memory limit the collector would let the
		// heap grow to twice that before it runs. The limit adds the
		// fixed buffers of as many connections as the cap allows, and
		// an allowance for the pools and the runtime.
		l := s.Lim()
		debug.SetMemoryLimit(l.MaxBuffered + int64(l.MaxConns)*int64(*readBuf+*writeBuf) + memoryAllowance)
	}
	if *useDeflate {
		s.Deflate = &deflate.ServerOptions{ServerNoContextTakeover: !*takeover, ClientNoContextTakeover: !*takeover,
			ServerMaxWindowBits: *windowBits, ClientMaxWindowBits: *windowBits}
	}
	ln, stop, err := engine.Listen(*engineName, s, *addr)
	if err != nil {
		fmt.Fprintln(stderr, "wsbench serve:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wsbench: serving on http://%s/ (demo page), ws://%s/seed and echo on every other path (%s engine)\n", ln, ln, *engineName)
	<-ctx.Done()
	fmt.Fprintln(stdout, "wsbench: shutting down")
	stop(*grace)
	return 0
}
