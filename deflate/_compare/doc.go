// Package compare measures the flate implementations this module could
// use for permessage-deflate against each other: compress/flate and
// github.com/klauspost/compress/flate for compression, and those two and
// this module's own decoder for decompression. It is a module of its own
// (the leading underscore also keeps it out of ./...), for development
// only, so that what it compares against stays out of the main module's
// requirements. The README gives the
// numbers; reproduce them with
//
//	go test -run XXX -bench . -count 6 > bench.txt && benchstat bench.txt
//	go test -run 'Memory|SmallRatios' -v
package compare
