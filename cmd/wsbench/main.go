// Command wsbench measures WebSocket codecs and servers.
//
// Usage:
//
//	wsbench [-json] [-quick]
//	wsbench serve [-addr 127.0.0.1:9001] [-max-message N] [-read-buffer N] [-write-buffer N] [-v]
//	wsbench client -url ws://HOST:PORT/PATH [-conns N] [-size N] [-duration D] [-pipeline N] [-binary] [-rate R] [-json]
//	wsbench conform -url ws://HOST:PORT/PATH [-cases 1,6.4] [-timeout D] [-quiet D] [-json]
//
// With no command it runs, in about 20 seconds and over loopback only, a
// table of codec throughput (masking, unmasking copies, UTF-8 validation
// and frame headers, each next to copy() or utf8.Valid measured in the
// same run) and an echo benchmark of this module's server and client.
//
// serve is an RFC 6455 echo server. GET / serves the demo page of the
// article this project started from; the WebSocket path /seed answers
// every text message with "Loud and clear!"; every other path echoes. It
// shuts down on SIGINT or SIGTERM, sending close 1001 to open connections.
//
// conform runs a catalogue of conformance cases, in the spirit of the
// Autobahn Testsuite's fuzzing client and written from RFC 6455, against
// any echo server: framing, pings, reserved bits and opcodes,
// fragmentation, UTF-8, closing, large messages and the opening handshake.
// It exits with status 1 if any case fails.
//
// client is a load generator for any echo server. It checks every echo
// byte for byte, reports throughput and latency percentiles, and exits
// with status 1 if any message was lost, wrong, or any connection failed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/wsframe/wsframe/deflate"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  wsbench [-json] [-quick]        codec and echo benchmarks (about 20 s)
  wsbench serve [flags]           echo server with the seed's demo page
  wsbench client -url URL [flags] load generator for any echo server
  wsbench conform -url URL [flags] RFC 6455 conformance cases against an echo server
Run a command with -h for its flags.
`

// run is main without the exit and the signals, so tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		switch args[0] {
		case "serve":
			return runServe(ctx, args[1:], stdout, stderr)
		case "client":
			return runClientCmd(ctx, args[1:], stdout, stderr)
		case "conform":
			return runConformCmd(ctx, args[1:], stdout, stderr)
		}
		fmt.Fprintf(stderr, "wsbench: unknown command %q\n%s", args[0], usage)
		return 2
	}
	fs := flag.NewFlagSet("wsbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print results as JSON instead of tables")
	quick := fs.Bool("quick", false, "measure briefly (less precise; for smoke tests)")
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "wsbench: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	p := newProgress(stderr)
	cfg := defaultCodecConfig
	echo := defaultEchoConfig
	if *quick {
		cfg, echo = quickCodecConfig, quickEchoConfig
	}
	var res Report
	res.Codec = runCodecBench(cfg, p)
	var err error
	res.Echo, err = runEchoBench(ctx, echo, p)
	p.done()
	if err != nil {
		fmt.Fprintln(stderr, "wsbench:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(stderr, "wsbench:", err)
			return 1
		}
	} else {
		printCodecTable(stdout, res.Codec)
		printEchoTable(stdout, res.Echo)
	}
	for _, e := range res.Echo {
		if e.Failed() {
			return 1
		}
	}
	return 0
}

// Report is the default run's output.
type Report struct {
	Codec CodecResult  `json:"codec"`
	Echo  []EchoResult `json:"echo"`
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wsbench serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9001", "address to listen on")
	maxMessage := fs.Int64("max-message", 32<<20, "largest message accepted, in bytes (larger ones are refused with close 1009)")
	readBuf := fs.Int("read-buffer", 16<<10, "initial read buffer per connection, in bytes (it grows to read frames up to 1 MiB whole)")
	writeBuf := fs.Int("write-buffer", 16<<10, "write buffer per connection, in bytes")
	grace := fs.Duration("grace", 3*time.Second, "how long shutdown waits for connections to answer close 1001")
	engine := fs.String("engine", defaultEngine(), "how the server moves bytes: epoll (event loops, Linux) or goroutine (net/http, a goroutine per connection)")
	verbose := fs.Bool("v", false, "log handshakes and closes to stderr")
	useDeflate := fs.Bool("deflate", true, "accept permessage-deflate (RFC 7692) when a client offers it, as browsers do")
	takeover := fs.Bool("deflate-takeover", false, "with -deflate, keep compression context between messages in both directions (better ratio; with 15-bit windows about 0.9 MB per connection) instead of asking for no context takeover (state pooled between messages)")
	windowBits := fs.Int("deflate-window", 15, "with -deflate, the most window bits (8 to 15) the server compresses with and lets clients compress with; under 15, context takeover keeps only the window per connection, at some CPU cost per message")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *maxMessage <= 0 || (*engine != engineEpoll && *engine != engineGoroutine) || *windowBits < 8 || *windowBits > 15 {
		fs.Usage()
		return 2
	}
	var logger *log.Logger
	if *verbose {
		logger = log.New(stderr, "wsbench: ", log.LstdFlags)
	}
	s := newServer(*maxMessage, *readBuf, *writeBuf, logger)
	if *useDeflate {
		s.deflate = &deflate.ServerOptions{ServerNoContextTakeover: !*takeover, ClientNoContextTakeover: !*takeover,
			ServerMaxWindowBits: *windowBits, ClientMaxWindowBits: *windowBits}
	}
	ln, stop, err := s.listen(*addr, *engine)
	if err != nil {
		fmt.Fprintln(stderr, "wsbench:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wsbench: serving on http://%s/ (demo page), ws://%s/seed and echo on every other path (%s engine)\n", ln, ln, *engine)
	<-ctx.Done()
	fmt.Fprintln(stdout, "wsbench: shutting down")
	stop(*grace)
	return 0
}

func runClientCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, asJSON, err := parseClientFlags(args, stderr)
	if err != nil {
		return 2
	}
	res := runClient(ctx, cfg, nil)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else {
		printClientResult(stdout, res)
	}
	if res.Failed() {
		return 1
	}
	return 0
}

// parseClientFlags parses the flags of `wsbench client`.
func parseClientFlags(args []string, stderr io.Writer) (clientConfig, bool, error) {
	fs := flag.NewFlagSet("wsbench client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg clientConfig
	fs.StringVar(&cfg.URL, "url", "", "ws:// or wss:// URL of an echo server (required)")
	fs.IntVar(&cfg.Conns, "conns", 1, "connections")
	fs.IntVar(&cfg.Size, "size", 16, "message payload size in bytes")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "how long to send")
	fs.IntVar(&cfg.Pipeline, "pipeline", 1, "messages in flight per connection (closed loop)")
	fs.BoolVar(&cfg.Binary, "binary", false, "send binary messages (default: text)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "open loop: messages per second over all connections, sent on schedule whatever the echoes do; latency counts from the scheduled time (0: closed loop)")
	fs.BoolVar(&cfg.Deflate, "deflate", false, "offer permessage-deflate (as Chromium does) and compress messages of 64 bytes and more when the server accepts")
	fs.StringVar(&cfg.Payload, "payload", payloadPattern, "what messages hold: \"pattern\" (letters a to z over and over, for text) or \"json\" (a feed of JSON trade events, which compresses as real data does)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	var problem string
	switch {
	case cfg.Payload != payloadPattern && cfg.Payload != payloadJSON:
		problem = "-payload must be pattern or json"
	case fs.NArg() > 0:
		problem = "unexpected argument " + fs.Arg(0)
	case cfg.URL == "":
		problem = "-url is required"
	case cfg.Conns < 1:
		problem = "-conns must be at least 1"
	case cfg.Size < 0:
		problem = "-size must not be negative"
	case cfg.Duration <= 0:
		problem = "-duration must be positive"
	case cfg.Pipeline < 1:
		problem = "-pipeline must be at least 1"
	case cfg.Rate < 0:
		problem = "-rate must not be negative"
	}
	if problem != "" {
		fmt.Fprintln(stderr, "wsbench client:", problem)
		fs.Usage()
		return cfg, false, fmt.Errorf("%s", problem)
	}
	return cfg, *asJSON, nil
}

func printClientResult(w io.Writer, r *ClientResult) {
	kind := "text"
	if r.Binary {
		kind = "binary"
	}
	loop := fmt.Sprintf("closed loop, %d in flight per connection", r.Pipeline)
	if r.Rate > 0 {
		loop = fmt.Sprintf("open loop at %.0f msgs/s", r.Rate)
	}
	if r.Payload == payloadJSON {
		kind += " (JSON feed)"
	}
	fmt.Fprintf(w, "%s: %d conns x %s %s messages, %s, %.1f s\n", r.URL, r.Conns, sizeName(r.Size), kind, loop, r.Seconds)
	if r.Deflate != "" {
		fmt.Fprintf(w, "  compressed: %s; on the wire %.1f%% of sent payload bytes, %.1f%% of echoed\n",
			r.Deflate, 100*r.SentWireRatio, 100*r.EchoWireRatio)
	}
	fmt.Fprintf(w, "  %.0f msgs/s, %.2f MB/s each way\n", r.MsgsPerS, r.MBPerS)
	fmt.Fprintf(w, "  latency: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
		fmtUs(r.P50us), fmtUs(r.P90us), fmtUs(r.P99us), fmtUs(r.P999us), fmtUs(r.MaxUs))
	fmt.Fprintf(w, "  client: %.2f µs CPU and %.3f heap allocations per message\n", r.CPUusPerM, r.AllocsPerMsg)
	fmt.Fprintf(w, "  errors: %d dial, %d mismatched, %d protocol, %d dropped connections, %d lost messages\n",
		r.DialErrors, r.Mismatches, r.ProtocolErrors, r.Dropped, r.Lost)
	if r.FirstError != "" {
		fmt.Fprintf(w, "  first error: %s\n", r.FirstError)
	}
}

func fmtUs(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2fs", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.2fms", us/1e3)
	}
	return fmt.Sprintf("%.0fµs", us)
}

func runConformCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wsbench conform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "ws:// URL of an echo server (required)")
	cases := fs.String("cases", "", "comma-separated case IDs or groups to run, such as 1,6.4,H (default: all)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for each answer")
	quiet := fs.Duration("quiet", 500*time.Millisecond, "how long the server must stay silent where a case expects silence")
	asJSON := fs.Bool("json", false, "print results as JSON")
	list := fs.Bool("list", false, "list the cases without running them")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		for _, c := range conformCases() {
			fmt.Fprintf(stdout, "%-8s %s: %s [%s]\n", c.id, c.desc, c.expect, c.rfc)
		}
		return 0
	}
	if *url == "" || fs.NArg() > 0 || *timeout <= 0 || *quiet <= 0 {
		fmt.Fprintln(stderr, "wsbench conform: -url is required")
		fs.Usage()
		return 2
	}
	var filters []string
	if *cases != "" {
		filters = strings.Split(*cases, ",")
	}
	p := newProgress(stderr)
	res, err := runConform(ctx, *url, filters, *timeout, *quiet, p)
	p.done()
	if err != nil {
		fmt.Fprintln(stderr, "wsbench conform:", err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else {
		printConform(stdout, res)
	}
	for _, r := range res {
		if r.Verdict == verdictFail {
			return 1
		}
	}
	return 0
}

func printConform(w io.Writer, res []ConformResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tverdict\texpected\tobserved\t")
	counts := map[string]int{}
	for _, r := range res {
		counts[r.Verdict]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", r.ID, r.Verdict, r.Expect, r.Observed)
	}
	tw.Flush()
	passed := counts[verdictPass] + counts[verdictNonStrict] + counts[verdictInfo]
	fmt.Fprintf(w, "%d passed, %d failed (%d strict, %d non-strict, %d measured)\n", passed, counts[verdictFail],
		counts[verdictPass], counts[verdictNonStrict], counts[verdictInfo])
}
