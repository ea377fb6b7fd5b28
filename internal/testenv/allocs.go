package testenv

import (
	"runtime"
	"testing"
)

// Allocs returns the heap allocations of runs calls of f, in all: unlike
// testing.AllocsPerRun, which divides and rounds down, it shows one
// allocation in a hundred runs. Like it, it runs f once first and counts
// with GOMAXPROCS 1; before that it collects garbage, so that no
// collection is under way or due while counting (a collection starts
// goroutines, whose allocations the runtime counts as the test's, and
// empties sync.Pools), and the call of f that follows refills the pools.
// Tests that call it must not be parallel.
func Allocs(runs int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	runtime.GC()
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}

// NoAllocs fails t if calls of f allocate: when 100 calls allocate at
// all, twice in a row. The count is the process's, so another goroutine
// (a timer, the runtime) can add one now and then; an allocation of f's
// own, even one call in a hundred, shows both times.
func NoAllocs(t testing.TB, name string, f func()) {
	t.Helper()
	if n := Allocs(100, f); n != 0 {
		if m := Allocs(100, f); m != 0 {
			t.Errorf("%s: %d and %d allocations in two runs of 100 calls, want 0", name, n, m)
		}
	}
}
