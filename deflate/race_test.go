//go:build race

package deflate

// raceEnabled is set under the race detector, whose sync.Pool drops a
// random share of what is put into it, so pooled state reallocates.
const raceEnabled = true
