package main

import (
	"context"
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
	url := fs.String("url", "", "ws:// URL of an echo server (required)")
	cases := fs.String("cases", "", "comma-separated case IDs or groups to run, such as 1,6.4,H (default: all)")
	timeout := fs.Duration("timeout", wstest.DefaultTimeout, "the longest one case may take, whatever the server does")
	quiet := fs.Duration("quiet", wstest.DefaultQuiet, "how long the server must stay silent where a case expects silence")
	useDeflate := fs.Bool("deflate", true, "also run the RFC 7692 (permessage-deflate) groups 12 and 13")
	asJSON := fs.Bool("json", false, "print results as JSON, with every observation whole")
	list := fs.Bool("list", false, "list the cases without running them")
	width := fs.Int("width", 0, "cut table rows to this many columns (0: the terminal's width, or 160)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	o := &wstest.Options{Timeout: *timeout, Quiet: *quiet, Deflate: *useDeflate}
	if *cases != "" {
		o.Cases = strings.Split(*cases, ",")
	}
	if *list {
		for _, c := range wstest.Cases() {
			if (!c.Deflate() || *useDeflate) && wstest.Match(c.ID, o.Cases) {
				fmt.Fprintf(stdout, "%-9s %s: %s: %s [%s]\n", c.ID, c.Group, c.Title, c.Expect, c.RFC)
			}
		}
		return 0
	}
	switch {
	case *url == "":
		return fs.fail("-url is required: the ws:// URL of an echo server")
	case *timeout <= 0 || *quiet <= 0:
		return fs.fail("-timeout and -quiet must be positive")
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
// rows fit in width columns, then the counts.
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
	for _, r := range res {
		counts[r.Verdict]++
		elapsed += r.Elapsed
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Case.ID, r.Verdict, cut(r.Case.Expect, ew), cut(r.Observed, obsw))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d passed, %d failed (%d strict, %d non-strict, %d measured) in %.1f s\n",
		counts[wstest.Pass]+counts[wstest.NonStrict]+counts[wstest.Info], counts[wstest.Fail],
		counts[wstest.Pass], counts[wstest.NonStrict], counts[wstest.Info], elapsed.Seconds())
}

// cut shortens s to n runes, ending with an ellipsis when it cuts.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
