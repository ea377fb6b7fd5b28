package codecbench

import (
	"testing"
	"time"
)

func TestRunQuick(t *testing.T) {
	var steps int
	r := Run(Config{Rounds: 1, Target: time.Millisecond}, func(string, int) { steps++ })
	if len(r.Mask) != len(MaskSizes) || len(r.UTF8) != 4 || len(r.Header) != 6 || steps != len(MaskSizes)+4 {
		t.Fatalf("%d mask rows, %d UTF-8, %d header, %d progress calls", len(r.Mask), len(r.UTF8), len(r.Header), steps)
	}
	for _, m := range r.Mask {
		if !(m.Mask > 0 && m.MaskCopy > 0 && m.Copy > 0) {
			t.Errorf("mask row %+v", m)
		}
	}
	if r.Machine.NumCPU < 1 || r.Machine.GoVersion == "" {
		t.Errorf("machine %+v", r.Machine)
	}
}

// TestMeasureRanks checks that measure tells a function from one that
// does a hundred times its work: a ranking, not a timing.
func TestMeasureRanks(t *testing.T) {
	buf := make([]byte, 1<<16)
	work := func(n int) func() {
		return func() {
			for i := range n {
				buf[i%len(buf)]++
			}
		}
	}
	ns := measure(Config{Rounds: 3, Target: 2 * time.Millisecond}, work(100), work(10000))
	if !(ns[0] > 0 && ns[1] > 10*ns[0]) {
		t.Errorf("measure = %v ns for 100 and 10000 increments", ns)
	}
}
