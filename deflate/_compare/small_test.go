package compare

import (
	"fmt"
	"testing"

	stdflate "compress/flate"
	kpflate "github.com/klauspost/compress/flate"
	"io"
)

// TestSmallRatios prints the compression ratio of streams of small
// messages with and without context takeover.
func TestSmallRatios(t *testing.T) {
	all := append([]impl{}, impls...)
	for _, l := range []int{2, 9} { // std9 is not in impls
		l := l
		all = append(all, impl{fmt.Sprintf("std%d", l), func(w io.Writer) compressor { return mustW(stdflate.NewWriter(w, l)) }})
	}
	for _, l := range []int{6, 7, 9} {
		l := l
		all = append(all, impl{fmt.Sprintf("kp%d", l), func(w io.Writer) compressor { return mustW(kpflate.NewWriter(w, l)) }})
	}
	for _, kind := range []string{"json", "text"} {
		for _, n := range []int{64, 128, 256, 512, 1024, 4096} {
			msgs := messages(kind, n, 200)
			line := fmt.Sprintf("%s %5d:", kind, n)
			for _, im := range all {
				for _, ctx := range []bool{true, false} {
					sw := &sliceWriter{}
					c := im.new(sw)
					in, out := 0, 0
					for _, m := range msgs {
						o := compressMsg(c, sw, ctx, m)
						in += len(m)
						out += len(o)
					}
					mark := "-"
					if ctx {
						mark = "+"
					}
					line += fmt.Sprintf(" %s%s%.2f", im.name, mark, float64(out)/float64(in))
				}
			}
			t.Log(line)
		}
	}
}
