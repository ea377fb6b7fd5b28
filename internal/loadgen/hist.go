package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// Histogram records latencies in log-linear buckets, as HdrHistogram does:
// values below histSub ns are exact, and each power of two above is split
// into histSub/2 linear sub-buckets, so a value is at most 1/64 (1.6%)
// above its bucket's lower bound, which Quantile reports. Recording never allocates; the zero value is ready.
// It is not safe for concurrent use: give each goroutine its own and Merge.
type Histogram struct {
	counts [histBuckets]uint64
	n      uint64
	max    time.Duration
	min    time.Duration
	sum    float64
}

const (
	histSubBits = 7
	histSub     = 1 << histSubBits
	// Values below histSub ns get exact buckets; each power of two above
	// gets histSub/2 buckets (the top half of its sub-buckets). 40 powers
	// cover 18 minutes.
	histBuckets = histSub + 40*histSub/2
)

func histIndex(v int64) int {
	if v < histSub {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	exp := bits.Len64(uint64(v)) - histSubBits // >= 1
	idx := histSub + (exp-1)*histSub/2 + int(v>>uint(exp)) - histSub/2
	if idx >= histBuckets {
		return histBuckets - 1
	}
	return idx
}

// histValue returns the lowest value that falls in bucket i.
func histValue(i int) int64 {
	if i < histSub {
		return int64(i)
	}
	i -= histSub
	exp := i/(histSub/2) + 1
	return int64(i%(histSub/2)+histSub/2) << uint(exp)
}

// Record adds one latency.
func (h *Histogram) Record(d time.Duration) {
	h.counts[histIndex(int64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += float64(d)
}

// Merge adds o's records to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count returns the number of records.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the largest latency recorded.
func (h *Histogram) Max() time.Duration { return h.max }

// Mean returns the mean latency.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile returns the latency at quantile q (0.5 for the median): the
// lower bound of the bucket holding the q*n-th record, or the exact
// maximum for q = 1.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(histValue(i)), h.max)
		}
	}
	return h.max
}
