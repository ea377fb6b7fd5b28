package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// echoConfig says how long each cell of the echo table runs.
type echoConfig struct {
	Conns    []int
	Sizes    []int
	Duration time.Duration
}

var (
	defaultEchoConfig = echoConfig{Conns: []int{1, 64}, Sizes: []int{16, 1 << 10, 64 << 10}, Duration: 2 * time.Second}
	quickEchoConfig   = echoConfig{Conns: []int{1, 4}, Sizes: []int{16, 64 << 10}, Duration: 200 * time.Millisecond}
)

// EchoResult is one cell of the echo table. Its AllocsPerMsg counts the
// whole process, server and client together: an upper bound for the
// server's.
type EchoResult struct {
	ClientResult
}

// runEchoBench starts this module's server on a loopback port and runs
// this module's client against it for every cell.
func runEchoBench(ctx context.Context, cfg echoConfig, p *progress) ([]EchoResult, error) {
	s := newServer(32<<20, 16<<10, 16<<10, nil)
	addr, stop, err := s.listen("127.0.0.1:0", defaultEngine())
	if err != nil {
		return nil, err
	}
	defer stop(time.Second)
	url := "ws://" + addr.String() + "/"
	var out []EchoResult
	for _, conns := range cfg.Conns {
		for _, size := range cfg.Sizes {
			p.step("echo: %d conns x %s messages", conns, sizeName(size))
			r := runClient(ctx, clientConfig{URL: url, Conns: conns, Size: size, Duration: cfg.Duration, Pipeline: 1, Binary: true},
				func(done uint64) {
					p.update("echo: %d conns x %s messages: %d echoed", conns, sizeName(size), done)
				})
			out = append(out, EchoResult{ClientResult: *r})
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
		}
	}
	return out, nil
}

func printEchoTable(w io.Writer, rs []EchoResult) {
	fmt.Fprintln(w, "\nEcho over 127.0.0.1, this module's server and client in one process, closed loop, one message in flight per connection:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "conns\tsize\tmsgs/s\tMB/s\tp50\tp99\tallocs/msg\terrors\t")
	for _, r := range rs {
		errs := r.DialErrors + r.Mismatches + r.ProtocolErrors + r.Dropped + r.Lost
		fmt.Fprintf(tw, "%d\t%s\t%.0f\t%.1f\t%s\t%s\t%.3f\t%d\t\n", r.Conns, sizeName(r.Size), r.MsgsPerS, r.MBPerS,
			fmtUs(r.P50us), fmtUs(r.P99us), r.AllocsPerMsg, errs)
	}
	tw.Flush()
	fmt.Fprintln(w, "allocs/msg counts the whole process (server and client): the server's own is at most that.")
}
