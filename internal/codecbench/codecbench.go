// Package codecbench measures the codec's kernels for the default run of
// wsbench: masking, unmasking copies, UTF-8 validation and frame headers,
// each next to copy() or utf8.Valid measured in the same run, in
// interleaved rounds whose medians hold even on a noisy machine.
package codecbench

import (
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/cpu"

	"github.com/wsframe/wsframe/codec"
)

// Config says how long to measure each cell of the codec table.
type Config struct {
	Rounds int           // interleaved rounds per cell; the median is reported
	Target time.Duration // time per round
}

// The default run's configuration, and a brief one for smoke tests.
var (
	Default = Config{Rounds: 7, Target: 20 * time.Millisecond}
	Quick   = Config{Rounds: 3, Target: 2 * time.Millisecond}
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

// Result is everything the codec benchmark measured.
type Result struct {
	Machine Machine     `json:"machine"`
	Mask    []MaskRow   `json:"mask"`
	UTF8    []UTF8Row   `json:"utf8"`
	Header  []HeaderRow `json:"header"`
}

// MaskSizes are the payload sizes of the masking table.
var MaskSizes = []int{16, 125, 1 << 10, 4 << 10, 64 << 10, 1 << 20}

// measure runs the functions of fs in interleaved rounds, each round long
// enough to take about cfg.Target, and returns each one's median ns per call.
// Interleaving puts them under the same conditions, so ratios between them
// hold even on a noisy machine.
func measure(cfg Config, fs ...func()) []float64 {
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

// Run measures every cell, calling progress, when not nil, as it starts
// each: what it measures and the payload size.
func Run(cfg Config, progress func(what string, size int)) Result {
	if progress == nil {
		progress = func(string, int) {}
	}
	res := Result{Machine: ThisMachine()}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, n := range MaskSizes {
		progress("masking", n)
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
			progress("UTF-8 "+text.name, n)
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

// ThisMachine describes the machine the program runs on.
func ThisMachine() Machine {
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
