package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/internal/echo/engine"
	"github.com/wsframe/wsframe/internal/godebug"
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
	engineName := fs.String("engine", engine.Default(), "how the server moves bytes: epoll (event loops, Linux) or goroutine (net/http, a goroutine per connection; the default with -tls)")
	useTLS := fs.Bool("tls", false, "serve https:// and wss:// instead of http:// and ws://, with HTTP/1.1 and HTTP/2 on the one address, as TLS's ALPN chooses (goroutine engine only)")
	certFile := fs.String("cert", "", "with -tls, the certificate chain to serve, PEM (default: a self-signed ECDSA certificate for localhost, 127.0.0.1 and ::1, made at start-up)")
	keyFile := fs.String("key", "", "with -tls and -cert, the certificate's private key, PEM")
	useHTTP2 := fs.Bool("http2", true, "with -tls, offer HTTP/2 and accept WebSockets over it (RFC 8441). net/http accepts those only in a process started with GODEBUG=http2xconnect=1: serve restarts itself with that added (same process id) when GODEBUG does not name http2xconnect. With -http2=false TLS offers HTTP/1.1 only")
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
	fs.IntVar(&lim.MaxConns, "max-conns", 0, "most open connections; at the cap the server stops accepting until one closes (0: the descriptor limit less an eighth of it). With -tls they are TCP connections, each HTTP/2 one carrying up to 250 WebSockets")
	fs.Int64Var(&lim.MaxBuffered, "max-buffered", echo.DefaultMaxBuffered, "memory budget of the whole server, in bytes: unfinished messages, inflated data, frames kept whole, output waiting for slow clients and compression state; a connection that would exceed it is closed with 1013")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	engineSet := false
	fs.Visit(func(f *flag.Flag) { engineSet = engineSet || f.Name == "engine" })
	if *useTLS && !engineSet {
		*engineName = "goroutine"
	}
	switch {
	case *useTLS && *engineName != "goroutine":
		return fs.fail("-tls needs -engine goroutine: the %s engine serves plain TCP only", *engineName)
	case !*useTLS && (*certFile != "" || *keyFile != ""):
		return fs.fail("-cert and -key need -tls")
	case (*certFile == "") != (*keyFile == ""):
		return fs.fail("-cert and -key go together")
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
	if *useTLS && *useHTTP2 && !strings.Contains(os.Getenv("GODEBUG"), "http2xconnect") && reexec != nil {
		// net/http reads GODEBUG once, as the process starts: neither
		// os.Setenv nor a //go:debug line reaches it.
		fmt.Fprintln(stderr, "wsbench: restarting with GODEBUG=http2xconnect=1, which net/http needs to accept WebSockets over HTTP/2")
		err := reexec(godebug.WithHTTP2(os.Environ()))
		fmt.Fprintln(stderr, "wsbench: could not restart:", err)
	}
	var cert tls.Certificate
	if *useTLS {
		var err error
		if *certFile != "" {
			cert, err = tls.LoadX509KeyPair(*certFile, *keyFile)
		} else {
			cert, err = echo.SelfSigned()
		}
		if err != nil {
			fmt.Fprintln(stderr, "wsbench serve:", err)
			return 1
		}
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
	if !*useTLS {
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
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	ln, stop, err := echo.ListenTLS(s, *addr, cfg, *useHTTP2)
	if err != nil {
		fmt.Fprintln(stderr, "wsbench serve:", err)
		return 1
	}
	protocols := "HTTP/1.1 only"
	if *useHTTP2 {
		protocols = "HTTP/2 and HTTP/1.1"
	}
	fmt.Fprintf(stdout, "wsbench: serving on https://%s/ (demo page), wss://%s/seed and echo on every other path (%s engine, TLS with %s)\n", ln, ln, *engineName, protocols)
	spki, err := spkiHash(cert)
	if err != nil {
		fmt.Fprintln(stderr, "wsbench serve:", err)
		return 1
	}
	whose := "from " + *certFile
	if *certFile == "" {
		whose = "self-signed for localhost, 127.0.0.1 and ::1 (wsbench client -insecure trusts it)"
	}
	fmt.Fprintf(stdout, "wsbench: certificate %s; its key's SHA-256, for chromium --ignore-certificate-errors-spki-list: %s\n", whose, spki)
	switch {
	case *useHTTP2 && handshake.HTTP2Enabled():
		fmt.Fprintln(stdout, "wsbench: WebSockets over HTTP/2 (RFC 8441) are on")
	case *useHTTP2:
		fmt.Fprintf(stdout, "wsbench: WebSockets over HTTP/2 are off, and clients open theirs over HTTP/1.1: net/http accepts them only in a process started with GODEBUG=http2xconnect=1 (GODEBUG is %q here)\n", os.Getenv("GODEBUG"))
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "wsbench: shutting down")
	stop(*grace)
	return 0
}

// reexec, when not nil, replaces the process with the same command in
// the environment given: main sets it, so that `wsbench serve -tls` can
// restart itself with GODEBUG=http2xconnect=1; tests that call run in
// their own process leave it nil.
var reexec func(env []string) error
