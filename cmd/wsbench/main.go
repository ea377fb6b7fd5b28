// Command wsbench measures the wsframe codec.
//
// With no arguments it prints a table of codec throughput: masking by
// payload size next to copy() of the same size measured in the same run,
// and the cost of parsing and writing frame headers.
//
// Usage:
//
//	wsbench [-json] [-quick]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the exit, so tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wsbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print results as JSON instead of a table")
	quick := fs.Bool("quick", false, "measure briefly (less precise; for smoke tests)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: wsbench [-json] [-quick]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "wsbench: unknown command %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	cfg := defaultCodecConfig
	if *quick {
		cfg = quickCodecConfig
	}
	res := runCodecBench(cfg)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(stderr, "wsbench:", err)
			return 1
		}
		return 0
	}
	printCodecTable(stdout, res)
	return 0
}
