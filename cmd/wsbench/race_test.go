//go:build race

package main

// raceEnabled is set under the race detector, which allocates.
const raceEnabled = true
