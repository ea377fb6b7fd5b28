package loadgen

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistIndexBounds(t *testing.T) {
	// Every value maps to a bucket whose lower bound is at most the value
	// and within 1/64 of it, and buckets are ordered.
	prev := -1
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 123456789, 1 << 39, 1<<40 - 1} {
		i := histIndex(v)
		lo := histValue(i)
		if lo > v || (v >= histSub && float64(v-lo) > float64(v)/64) {
			t.Errorf("value %d in bucket %d with lower bound %d", v, i, lo)
		}
		if i < prev {
			t.Errorf("bucket of %d (%d) below the previous one (%d)", v, i, prev)
		}
		prev = i
	}
	for i := 1; i < histBuckets; i++ {
		if histValue(i) <= histValue(i-1) {
			t.Fatalf("bucket %d starts at %d, not above bucket %d at %d", i, histValue(i), i-1, histValue(i-1))
		}
		if histIndex(histValue(i)) != i {
			t.Fatalf("histIndex(histValue(%d)) = %d", i, histIndex(histValue(i)))
		}
	}
}

// TestHistQuantiles compares quantiles with the exact ones of a sample.
func TestHistQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var vals []time.Duration
	for i := 0; i < 100000; i++ {
		v := time.Duration(rng.ExpFloat64() * float64(50*time.Microsecond))
		vals = append(vals, v)
		h.Record(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.Quantile(q)
		if got > exact || float64(exact-got) > float64(exact)/50 {
			t.Errorf("q%v = %v; exact %v", q, got, exact)
		}
	}
	if h.Quantile(1) != vals[len(vals)-1] || h.Max() != vals[len(vals)-1] {
		t.Errorf("max = %v; want %v", h.Max(), vals[len(vals)-1])
	}
	if h.Count() != 100000 {
		t.Errorf("count %d", h.Count())
	}
}

func TestHistMergeAndAllocs(t *testing.T) {
	var a, b Histogram
	a.Record(time.Millisecond)
	b.Record(time.Microsecond)
	b.Record(time.Second)
	a.Merge(&b)
	if a.Count() != 3 || a.Max() != time.Second || a.Quantile(0.01) != time.Microsecond {
		t.Errorf("merged: n %d max %v min-q %v", a.Count(), a.Max(), a.Quantile(0.01))
	}
	if n := testing.AllocsPerRun(1000, func() { a.Record(42 * time.Microsecond) }); n != 0 {
		t.Errorf("Record allocates %v", n)
	}
	var empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Errorf("empty histogram")
	}
}
