package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/wsframe/wsframe/internal/loadgen"
)

func runClient(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, asJSON, code, ok := parseClientFlags(args, stderr)
	if !ok {
		return code
	}
	res := loadgen.Run(ctx, cfg, nil)
	if res.Messages == 0 && res.DialErrors == cfg.Conns {
		// Nothing to report but why.
		fmt.Fprintf(stderr, "wsbench client: could not connect to %s: %s\n", cfg.URL, res.FirstError)
		return 1
	}
	if asJSON {
		printJSON(stdout, res)
	} else {
		printClientResult(stdout, res)
	}
	if res.Failed() {
		return 1
	}
	return 0
}

// parseClientFlags parses the flags of `wsbench client`; when ok is false
// the command ends with code.
func parseClientFlags(args []string, stderr io.Writer) (cfg loadgen.Config, asJSON bool, code int, ok bool) {
	fs := newFlags("wsbench client", stderr)
	fs.StringVar(&cfg.URL, "url", "", "ws:// or wss:// URL of an echo server (required)")
	fs.IntVar(&cfg.Conns, "conns", 1, "connections")
	fs.IntVar(&cfg.Size, "size", 16, "message payload size in bytes")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "how long to send")
	fs.IntVar(&cfg.Pipeline, "pipeline", 1, "messages in flight per connection (closed loop)")
	fs.BoolVar(&cfg.Binary, "binary", false, "send binary messages (default: text)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "open loop: messages per second over all connections, sent on schedule whatever the echoes do; latency counts from the scheduled time (0: closed loop)")
	fs.BoolVar(&cfg.Deflate, "deflate", false, "offer permessage-deflate (as Chromium does) and compress messages of 64 bytes and more when the server accepts")
	fs.StringVar(&cfg.Payload, "payload", loadgen.PayloadPattern, "what messages hold: \"pattern\" (letters a to z over and over, for text) or \"json\" (a feed of JSON trade events, which compresses as real data does)")
	fs.BoolVar(&cfg.HTTP2, "http2", false, "with a wss:// URL, offer HTTP/2 by ALPN and open the WebSockets as streams of one HTTP/2 connection (RFC 8441), as a browser does, and of another only once the server's limit of streams per connection is reached (250 for wsbench serve -tls); over HTTP/1.1 when the server does not accept them")
	fs.BoolVar(&cfg.HTTP2Own, "http2-own", false, "with -http2, give each WebSocket an HTTP/2 connection of its own instead")
	insecure := fs.Bool("insecure", false, "with a wss:// URL, trust any certificate, such as the self-signed one of wsbench serve -tls (no verification: loopback and tests only)")
	caFile := fs.String("ca", "", "with a wss:// URL, trust the certificates of this PEM file (such as the -cert given to wsbench serve -tls) instead of the system's")
	jsonOut := fs.Bool("json", false, "print the result as JSON")
	if code, ok := fs.parse(args); !ok {
		return cfg, false, code, false
	}
	var problem string
	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "":
		problem = "-url is required: the ws:// or wss:// URL of an echo server"
	case err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "":
		problem = fmt.Sprintf("-url needs a ws:// or wss:// URL with a host, such as ws://127.0.0.1:9001/, not %q", cfg.URL)
	case cfg.Payload != loadgen.PayloadPattern && cfg.Payload != loadgen.PayloadJSON:
		problem = fmt.Sprintf("-payload must be pattern or json, not %q", cfg.Payload)
	case cfg.Conns < 1:
		problem = fmt.Sprintf("-conns must be at least 1, not %d", cfg.Conns)
	case cfg.Size < 0:
		problem = fmt.Sprintf("-size must not be negative, not %d", cfg.Size)
	case cfg.Duration <= 0:
		problem = fmt.Sprintf("-duration must be positive, not %v", cfg.Duration)
	case cfg.Pipeline < 1:
		problem = fmt.Sprintf("-pipeline must be at least 1, not %d", cfg.Pipeline)
	case cfg.Rate < 0:
		problem = fmt.Sprintf("-rate must not be negative, not %v", cfg.Rate)
	case u.Scheme != "wss" && (cfg.HTTP2 || *insecure || *caFile != ""):
		problem = "-http2, -insecure and -ca need a wss:// URL"
	case cfg.HTTP2Own && !cfg.HTTP2:
		problem = "-http2-own needs -http2"
	case *insecure && *caFile != "":
		problem = "-insecure and -ca exclude each other"
	case *insecure:
		cfg.TLS = &tls.Config{InsecureSkipVerify: true}
	case *caFile != "":
		cfg.TLS, err = trust(*caFile)
		if err != nil {
			problem = "-ca: " + err.Error()
		}
	}
	if problem != "" {
		return cfg, false, fs.fail("%s", problem), false
	}
	return cfg, *jsonOut, 0, true
}

func printClientResult(w io.Writer, r *loadgen.Result) {
	kind := "text"
	if r.Binary {
		kind = "binary"
	}
	loop := fmt.Sprintf("closed loop, %d in flight per connection", r.Pipeline)
	if r.Rate > 0 {
		loop = fmt.Sprintf("open loop at %.0f msgs/s", r.Rate)
	}
	if r.Payload == loadgen.PayloadJSON {
		kind += " (JSON feed)"
	}
	fmt.Fprintf(w, "%s: %d conns x %s %s messages, %s, %.1f s\n", r.URL, r.Conns, sizeName(r.Size), kind, loop, r.Seconds)
	switch {
	case r.HTTP2 > 0:
		fmt.Fprintf(w, "  over HTTP/2: %d of %d connections, as streams of %d TCP %s\n", r.HTTP2, r.Conns, r.HTTP2Conns, plural(r.HTTP2Conns, "connection", "connections"))
	case r.HTTP2Offered:
		fmt.Fprintf(w, "  over HTTP/1.1: the server did not accept WebSockets over HTTP/2\n")
	}
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

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// trust returns a TLS configuration that trusts the certificates of the
// PEM file name, and no others.
func trust(name string) (*tls.Config, error) {
	pem, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no PEM certificate in %s", name)
	}
	return &tls.Config{RootCAs: pool}, nil
}
