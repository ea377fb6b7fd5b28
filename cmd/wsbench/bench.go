package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wsframe/wsframe/internal/codecbench"
	"github.com/wsframe/wsframe/internal/echo/engine"
	"github.com/wsframe/wsframe/internal/loadgen"
)

// Report is the default run's output.
type Report struct {
	Codec codecbench.Result `json:"codec"`
	Echo  []EchoResult      `json:"echo"`
}

// EchoResult is one cell of the echo table. Its AllocsPerMsg counts the
// whole process, server and client together: an upper bound for the
// server's.
type EchoResult struct {
	loadgen.Result
}

// echoConfig says what the echo table measures.
type echoConfig struct {
	Conns    []int
	Sizes    []int
	Duration time.Duration
}

var (
	defaultEcho = echoConfig{Conns: []int{1, 64}, Sizes: []int{16, 1 << 10, 64 << 10}, Duration: 2 * time.Second}
	quickEcho   = echoConfig{Conns: []int{1, 4}, Sizes: []int{16, 64 << 10}, Duration: 200 * time.Millisecond}
)

func runBench(ctx context.Context, quick, asJSON bool, stdout, stderr io.Writer) int {
	p := newProgress(stderr)
	cfg, echo := codecbench.Default, defaultEcho
	if quick {
		cfg, echo = codecbench.Quick, quickEcho
	}
	var res Report
	res.Codec = codecbench.Run(cfg, func(what string, size int) { p.step("codec: %s %s", what, sizeName(size)) })
	var err error
	res.Echo, err = runEchoBench(ctx, echo, p)
	p.done()
	if err != nil {
		fmt.Fprintln(stderr, "wsbench:", err)
		return 1
	}
	if asJSON {
		if err := printJSON(stdout, res); err != nil {
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

// runEchoBench starts this module's server on a loopback port and runs
// this module's load generator against it for every cell.
func runEchoBench(ctx context.Context, cfg echoConfig, p *progress) ([]EchoResult, error) {
	addr, stop, err := engine.Listen(engine.Default(), newEchoServer(32<<20, nil), "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer stop(time.Second)
	url := "ws://" + addr.String() + "/"
	var out []EchoResult
	for _, conns := range cfg.Conns {
		for _, size := range cfg.Sizes {
			p.step("echo: %d conns x %s messages", conns, sizeName(size))
			r := loadgen.Run(ctx, loadgen.Config{URL: url, Conns: conns, Size: size, Duration: cfg.Duration, Pipeline: 1, Binary: true},
				func(done uint64) {
					p.update("echo: %d conns x %s messages: %d echoed", conns, sizeName(size), done)
				})
			out = append(out, EchoResult{Result: *r})
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
		}
	}
	return out, nil
}

func printCodecTable(w io.Writer, r codecbench.Result) {
	m := r.Machine
	fmt.Fprintf(w, "wsframe codec benchmark: %s %s/%s, %s, %d CPUs, AVX2 %v, AVX-512 %v\n\n",
		m.GoVersion, m.OS, m.Arch, m.CPU, m.NumCPU, m.AVX2, m.AVX512)
	fmt.Fprintln(w, "Masking, GB/s of payload (median of interleaved rounds; copy() measured in the same run):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "size\tMask (in place)\tMaskCopy\tcopy()\tMask/copy\tMaskCopy/copy\t")
	for _, row := range r.Mask {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.2fx\t%.2fx\t\n", sizeName(row.Size),
			row.Mask, row.MaskCopy, row.Copy, row.Mask/row.Copy, row.MaskCopy/row.Copy)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nUTF-8 validation, GB/s (utf8.Valid measured in the same run):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "text\tsize\tValidUTF8\tutf8.Valid\tratio\t")
	for _, row := range r.UTF8 {
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%.1f\t%.1fx\t\n", row.Text, sizeName(row.Size), row.Valid, row.Stdlib, row.Valid/row.Stdlib)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nFrame headers, ns per call:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\theader bytes\tns/op\t")
	for _, row := range r.Header {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t\n", row.Op, row.Bytes, row.NsOp)
	}
	tw.Flush()
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

// sizeName writes a byte count as the tables do: 16 B, 1 KiB, 64 KiB.
func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// fmtUs writes a latency in microseconds in the largest fitting unit.
func fmtUs(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2fs", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.2fms", us/1e3)
	}
	return fmt.Sprintf("%.0fµs", us)
}
