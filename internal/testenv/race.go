//go:build race

package testenv

// RaceEnabled reports whether the race detector is on. It allocates, and
// its sync.Pool drops a share of what is put back, so tests that count
// allocations or time pooled work check it.
const RaceEnabled = true
