package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/cpu"

	"github.com/wsframe/wsframe/codec"
)

// codecConfig says how long to measure each cell of the codec table.
type codecConfig struct {
	Rounds int           // interleaved rounds per cell; the median is reported
	Target time.Duration // time per round
}

var (
	defaultCodecConfig = codecConfig{Rounds: 7, Target: 20 * time.Millisecond}
	quickCodecConfig   = codecConfig{Rounds: 3, Target: 2 * time.Millisecond}
)

// Machine describes where the numbers came from.
type Machine struct {
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPU       string `json:"cpu"`
	NumCPU    int    `json:"num_cpu"`
	AVX2      bool   `json:"avx2"`
	AVX512    bool   `json:"avx512"`
}

// MaskRow is one payload size of the masking table. Throughputs are in
// GB/s (10^9 bytes per second) of payload.
type MaskRow struct {
	Size     int     `json:"size"`
	Mask     float64 `json:"mask_gbps"`
	MaskCopy float64 `json:"maskcopy_gbps"`
	Copy     float64 `json:"copy_gbps"`
}

// UTF8Row is UTF-8 validation of one kind of text and size, in GB/s.
type UTF8Row struct {
	Text   string  `json:"text"`
	Size   int     `json:"size"`
	Valid  float64 `json:"validutf8_gbps"`
	Stdlib float64 `json:"stdlib_gbps"`
}

// HeaderRow is the cost of one header operation.
type HeaderRow struct {
	Op    string  `json:"op"`
	Bytes int     `json:"header_bytes"`
	NsOp  float64 `json:"ns_per_op"`
}

// CodecResult is everything the codec benchmark measured.
type CodecResult struct {
	Machine Machine     `json:"machine"`
	Mask    []MaskRow   `json:"mask"`
	UTF8    []UTF8Row   `json:"utf8"`
	Header  []HeaderRow `json:"header"`
}

var maskSizes = []int{16, 125, 1 << 10, 4 << 10, 64 << 10, 1 << 20}

// measure runs the functions of fs in interleaved rounds, each round long
// enough to take about cfg.Target, and returns each one's median ns per call.
// Interleaving puts them under the same conditions, so ratios between them
// hold even on a noisy machine.
func measure(cfg codecConfig, fs ...func()) []float64 {
	iters := make([]int, len(fs))
	for i, f := range fs {
		iters[i] = calibrate(f, cfg.Target)
	}
	samples := make([][]float64, len(fs))
	for r := 0; r < cfg.Rounds; r++ {
		for i, f := range fs {
			start := time.Now()
			for j := 0; j < iters[i]; j++ {
				f()
			}
			samples[i] = append(samples[i], float64(time.Since(start).Nanoseconds())/float64(iters[i]))
		}
	}
	med := make([]float64, len(fs))
	for i, s := range samples {
		slices.Sort(s)
		med[i] = s[len(s)/2]
	}
	return med
}

// calibrate returns how many calls of f take about d.
func calibrate(f func(), d time.Duration) int {
	n := 1
	for {
		start := time.Now()
		for j := 0; j < n; j++ {
			f()
		}
		el := time.Since(start)
		if el >= d/4 || n >= 1<<30 {
			if el <= 0 {
				return n
			}
			return max(1, int(float64(n)*float64(d)/float64(el)))
		}
		n *= 4
	}
}

func runCodecBench(cfg codecConfig, p *progress) CodecResult {
	res := CodecResult{Machine: thisMachine()}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, n := range maskSizes {
		p.step("codec: masking %s", sizeName(n))
		a, b := make([]byte, n), make([]byte, n)
		ns := measure(cfg,
			func() { codec.Mask(a, key, 1) },
			func() { codec.MaskCopy(b, a, key, 1) },
			func() { copy(b, a) },
		)
		gbps := func(ns float64) float64 { return float64(n) / ns }
		res.Mask = append(res.Mask, MaskRow{Size: n, Mask: gbps(ns[0]), MaskCopy: gbps(ns[1]), Copy: gbps(ns[2])})
	}
	for _, text := range []struct{ name, sample string }{
		{"ASCII", "The quick brown fox jumps over the lazy dog. "},
		{"mixed", "Привет, мир! 你好，世界！ Grüße 🌍 "},
	} {
		for _, n := range []int{1 << 10, 64 << 10} {
			p.step("codec: UTF-8 %s %s", text.name, sizeName(n))
			b := []byte(strings.Repeat(text.sample, n/len(text.sample)+1))
			b = b[:n]
			for !utf8.Valid(b) { // do not cut a code point in two
				b = b[:len(b)-1]
			}
			var ok bool
			ns := measure(cfg,
				func() { ok = codec.ValidUTF8(b) },
				func() { ok = utf8.Valid(b) },
			)
			_ = ok
			res.UTF8 = append(res.UTF8, UTF8Row{Text: text.name, Size: len(b), Valid: float64(len(b)) / ns[0], Stdlib: float64(len(b)) / ns[1]})
		}
	}
	for _, h := range []codec.Header{
		{Fin: true, Opcode: codec.OpText, Length: 16},
		{Fin: true, Opcode: codec.OpText, Length: 16, Masked: true, Key: key},
		{Fin: true, Opcode: codec.OpBinary, Length: 1 << 20, Masked: true, Key: key},
	} {
		enc := codec.AppendHeader(nil, h)
		buf := make([]byte, 0, codec.MaxHeaderLen)
		var sink codec.Header
		ns := measure(cfg,
			func() { sink, _, _ = codec.ParseHeader(enc) },
			func() { buf = codec.AppendHeader(buf[:0], h) },
		)
		_ = sink
		res.Header = append(res.Header,
			HeaderRow{Op: "ParseHeader", Bytes: len(enc), NsOp: ns[0]},
			HeaderRow{Op: "AppendHeader", Bytes: len(enc), NsOp: ns[1]})
	}
	return res
}

func thisMachine() Machine {
	return Machine{
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		CPU:       cpuName(),
		NumCPU:    runtime.NumCPU(),
		AVX2:      cpu.X86.HasAVX2,
		AVX512:    cpu.X86.HasAVX512F,
	}
}

// cpuName returns the CPU model from /proc/cpuinfo, or "unknown".
func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func printCodecTable(w io.Writer, r CodecResult) {
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
