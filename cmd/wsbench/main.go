// Command wsbench measures WebSocket codecs and servers.
//
// Usage:
//
//	wsbench [-json] [-quick]
//	wsbench serve [-addr 127.0.0.1:9001] [-engine epoll|goroutine] [-max-message N] [-deflate=false] [-v]
//	wsbench serve [-handshake-timeout D] [-idle-timeout D] [-write-timeout D] [-max-conns N] [-max-buffered N]
//	wsbench serve -tls [-cert FILE -key FILE] [-http2=false]
//	wsbench client -url ws://HOST:PORT/PATH [-conns N] [-size N] [-duration D] [-pipeline N] [-binary] [-rate R] [-json]
//	wsbench client -url wss://HOST:PORT/PATH [-http2 [-http2-own]] [-insecure | -ca FILE]
//	wsbench conform -url ws://HOST:PORT/PATH [-cases 1,6.4,H] [-timeout D] [-deflate=false] [-json] [-list]
//
// With no command it runs, in about 20 seconds and over loopback only, a
// table of codec throughput (masking, unmasking copies, UTF-8 validation
// and frame headers, each next to copy() or utf8.Valid measured in the
// same run) and an echo benchmark of this module's server and client.
//
// serve is an RFC 6455 echo server. GET / serves the demo page of the
// article this project started from, which sends "Can you hear me?" over
// a WebSocket to /seed; /seed answers every text message with "Loud and
// clear!", and every other path echoes. It shuts down on SIGINT or
// SIGTERM, sending close 1001 to open connections. It defends itself
// against clients that would exhaust it: every phase of a connection has
// a timeout, connections are capped (accepting pauses at the cap or when
// descriptors run out), and a memory budget bounds what all connections
// hold together; /stats counts what the defences did. With -tls it serves
// https:// and wss:// instead, with HTTP/1.1 and HTTP/2 on the one port
// (goroutine engine), and accepts WebSockets over HTTP/2 (RFC 8441), which
// net/http does only in a process started with GODEBUG=http2xconnect=1:
// serve restarts itself with it, keeping its process id. Its certificate
// is self-signed, made at start-up, unless -cert and -key give one.
//
// client is a load generator for any echo server. It checks every echo
// byte for byte, reports throughput and latency percentiles, and exits
// with status 1 if any message was lost, wrong, or any connection failed.
// With -http2 it opens its WebSockets to a wss:// URL as streams of one
// HTTP/2 connection, as a browser does, and says whether they are.
//
// conform runs the conformance suite of package wstest against any echo
// server and prints a table of the cases: framing, pings, reserved bits
// and opcodes, fragmentation, UTF-8, closing, large messages, resource
// limits, permessage-deflate and the opening handshake. It exits with
// status 1 if any case fails. A signal stops it within a second, and it
// prints the cases that ran.
//
// The command is flags and printing: the work is done by internal
// packages (codecbench, echo, echo/epoll, loadgen) and by wstest.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one stops the process at once.
	context.AfterFunc(ctx, stop)
	reexec = execSelf
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  wsbench [-json] [-quick]         codec and echo benchmarks (about 20 s)
  wsbench serve [flags]            echo server; GET / is a demo page that sends "Can you hear me?"
  wsbench client -url URL [flags]  load generator for any echo server
  wsbench conform -url URL [flags] conformance suite (RFC 6455, RFC 7692) against any echo server
Run a command with -h for its flags.
`

// run is main without the exit and the signals, so tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		switch args[0] {
		case "serve":
			return runServe(ctx, args[1:], stdout, stderr)
		case "client":
			return runClient(ctx, args[1:], stdout, stderr)
		case "conform":
			return runConform(ctx, args[1:], stdout, stderr)
		}
		fmt.Fprintf(stderr, "wsbench: unknown command %q\n%s", args[0], usage)
		return 2
	}
	fs := newFlags("wsbench", stderr)
	asJSON := fs.Bool("json", false, "print results as JSON instead of tables")
	quick := fs.Bool("quick", false, "measure briefly (less precise; for smoke tests)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	return runBench(ctx, *quick, *asJSON, stdout, stderr)
}

// flags is a FlagSet that reports a bad flag in one line, naming it and
// saying why, and prints the full usage only when asked with -h.
type flags struct {
	*flag.FlagSet
	stderr io.Writer
}

func newFlags(name string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse errors are printed by parse, in one line
	return &flags{fs, stderr}
}

// parse parses args; when it reports !ok the command ends with code: 0
// after -h, 2 after a mistake.
func (fs *flags) parse(args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(fs.stderr)
		if fs.Name() == "wsbench" {
			fmt.Fprint(fs.stderr, usage)
		} else {
			fmt.Fprintf(fs.stderr, "usage of %s:\n", fs.Name())
		}
		fs.PrintDefaults()
		return 0, false
	case err != nil:
		return fs.fail("%v", err), false
	case fs.NArg() > 0:
		return fs.fail("unexpected argument %q", fs.Arg(0)), false
	}
	return 0, true
}

// fail prints what is wrong with the command line, in one line, and
// returns the exit code for a usage error.
func (fs *flags) fail(format string, args ...any) int {
	fmt.Fprintf(fs.stderr, "%s: %s (run %s -h for the flags)\n", fs.Name(), fmt.Sprintf(format, args...), fs.Name())
	return 2
}

// printJSON writes v indented.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
