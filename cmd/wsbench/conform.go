package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/wsframe/wsframe/wstest"
)

func runConform(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("wsbench conform", stderr)
	url := fs.String("url", "", "ws:// or wss:// URL of an echo server (required)")
	cases := fs.String("cases", "", "comma-separated case IDs or groups to run, such as 1,6.4,H (default: all)")
	timeout := fs.Duration("timeout", wstest.DefaultTimeout, "the longest one case may take, whatever the server does")
	quiet := fs.Duration("quiet", wstest.DefaultQuiet, "how long the server must stay silent where a case expects silence")
	useDeflate := fs.Bool("deflate", true, "also run the RFC 7692 (permessage-deflate) groups 12 and 13")
	useHTTP2 := fs.Bool("http2", false, "open each case's WebSocket as a stream of an HTTP/2 connection of its own (RFC 8441): TLS must choose h2 for a wss:// URL, and a ws:// URL gets HTTP/2 without TLS (prior knowledge); adds group H2, and the HTTP/1.1 handshake cases are INFO. A server without WebSockets over HTTP/2 fails every case (a Go net/http server needs GODEBUG=http2xconnect=1, which wsbench serve -tls sets itself)")
	insecure := fs.Bool("insecure", false, "with a wss:// URL, trust any certificate, such as the self-signed one of wsbench serve -tls (no verification: loopback and tests only)")
	caFile := fs.String("ca", "", "with a wss:// URL, trust the certificates of this PEM file (such as the -cert given to wsbench serve -tls) instead of the system's")
	asJSON := fs.Bool("json", false, "print results as JSON, with every observation whole")
	list := fs.Bool("list", false, "list the cases without running them")
	width := fs.Int("width", 0, "cut table rows to this many columns (0: the terminal's width, or 160)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	o := &wstest.Options{Timeout: *timeout, Quiet: *quiet, Deflate: *useDeflate, HTTP2: *useHTTP2}
	if *cases != "" {
		o.Cases = strings.Split(*cases, ",")
	}
	if *list {
		for _, c := range wstest.Cases() {
			if (!c.Deflate() || *useDeflate) && (!c.HTTP2() || *useHTTP2) && wstest.Match(c.ID, o.Cases) {
				fmt.Fprintf(stdout, "%-9s %s: %s: %s [%s]\n", c.ID, c.Group, c.Title, c.Expect, c.RFC)
			}
		}
		return 0
	}
	switch {
	case *url == "":
		return fs.fail("-url is required: the ws:// or wss:// URL of an echo server")
	case *timeout <= 0 || *quiet <= 0:
		return fs.fail("-timeout and -quiet must be positive")
	case !strings.HasPrefix(*url, "wss://") && (*insecure || *caFile != ""):
		return fs.fail("-insecure and -ca need a wss:// URL")
	case *insecure && *caFile != "":
		return fs.fail("-insecure and -ca exclude each other")
	case *insecure:
		o.TLSConfig = &tls.Config{InsecureSkipVerify: true}
	case *caFile != "":
		cfg, err := trust(*caFile)
		if err != nil {
			return fs.fail("-ca: %v", err)
		}
		o.TLSConfig = cfg
	}
	p := newProgress(stderr)
	o.OnResult = func(r wstest.Result) { p.update("conform: %s %v", r.Case.ID, r.Verdict) }
	res, err := wstest.Run(ctx, *url, o)
	p.done()
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "wsbench conform:", err)
		return 2
	}
	if *asJSON {
		printJSON(stdout, res)
	} else {
		printConform(stdout, res, tableWidth(*width))
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "wsbench conform: interrupted; %d cases ran\n", len(res))
		return 1
	}
	for _, r := range res {
		if r.Verdict == wstest.Fail {
			return 1
		}
	}
	return 0
}

// tableWidth is the width to cut the table to.
func tableWidth(flagWidth int) int {
	if flagWidth > 0 {
		return flagWidth
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if n := terminalWidth(os.Stdout); n > 0 {
		return n
	}
	return 160
}

// printConform prints a row per case, cutting the observations so that
// rows fit in width columns, then the counts, those of cases that do not
// apply over HTTP/2 apart.
func printConform(w io.Writer, res []wstest.Result, width int) {
	idw, vw, ew := len("case"), len("verdict"), len("expected")
	for _, r := range res {
		idw, vw = max(idw, len(r.Case.ID)), max(vw, len(r.Verdict.String()))
		ew = max(ew, utf8.RuneCountInString(r.Case.Expect))
	}
	ew = min(ew, 40)
	obsw := max(width-idw-vw-ew-6, 20)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tverdict\texpected\tobserved")
	counts := map[wstest.Verdict]int{}
	var elapsed time.Duration
	notApplicable := 0
	for _, r := range res {
		if r.Verdict == wstest.Info && r.Case.NotOverHTTP2() != "" {
			notApplicable++
		} else {
			counts[r.Verdict]++
		}
		elapsed += r.Elapsed
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Case.ID, r.Verdict, cut(r.Case.Expect, ew), cut(r.Observed, obsw))
	}
	tw.Flush()
	na := ""
	if notApplicable > 0 {
		na = fmt.Sprintf(", %d not applicable over HTTP/2", notApplicable)
	}
	fmt.Fprintf(w, "%d passed, %d failed (%d strict, %d non-strict, %d measured)%s in %.1f s\n",
		counts[wstest.Pass]+counts[wstest.NonStrict]+counts[wstest.Info], counts[wstest.Fail],
		counts[wstest.Pass], counts[wstest.NonStrict], counts[wstest.Info], na, elapsed.Seconds())
}

// cut shortens s to n runes, ending with an ellipsis when it cuts.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
