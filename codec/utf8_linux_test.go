//go:build linux && gc && !purego && (amd64 || arm64)

package codec

import (
	"path"
	"testing"
	"unicode/utf8"
	"unsafe"
)

// utf8KernelFunc returns a function that checks inputs with the named
// validator, through the entry point utf8KernelAsm gives, for tests that
// run in parallel and so cannot flip the variables that select a kernel.
// As in ValidUTF8, inputs shorter than utf8ShortMin are checked by the Go
// loop with every validator; longer ones go to the kernel, ASCII too
// (ValidUTF8 itself checks ASCII inputs shorter than utf8BulkMin in Go).
func utf8KernelFunc(name string) func([]byte) bool {
	asm := utf8KernelAsm(name)
	if asm == nil {
		return func(p []byte) bool { return validUTF8(p, false) }
	}
	return func(p []byte) bool {
		if len(p) < utf8ShortMin {
			return validUTF8(p, false)
		}
		return asm(unsafe.SliceData(p), len(p))
	}
}

// testUTF8GuardPages is TestUTF8GuardPages for every architecture with a
// UTF-8 kernel. kernel returns, for the name of a validator in
// utf8Kernels, its assembly entry point (nil for the Go loop) and the
// shortest input that entry point takes.
//
// It runs each validator on inputs of every length up to 1100 (enough for
// every loop of the kernels) that end right before an inaccessible page,
// and that start right after one, so that reading a byte outside the input
// crashes the test. The inputs are mixed and ASCII text, valid, cut in the
// middle of a code point at the end, and with an error in the last byte.
// Each goes through ValidUTF8, through the kernel called directly, and
// through a UTF8Validator in two halves.
func testUTF8GuardPages(t *testing.T, kernel func(name string) (asm func(p *byte, n int) bool, minLen int)) {
	const maxN = 1100
	g := newGuardedBuffer(t, maxN)
	texts := [][]byte{utf8Text("mixed", maxN), utf8Text("ascii", maxN)}
	var v UTF8Validator
	forEachUTF8Kernel(t, func(t *testing.T) {
		asm, minLen := kernel(path.Base(t.Name()))
		for n := 0; n <= maxN; n++ {
			for _, place := range []string{"start", "end"} {
				var b []byte
				if place == "start" {
					b = g.start(n)
				} else {
					b = g.end(n)
				}
				for _, text := range texts {
					for _, variant := range []string{"text", "cut", "bad"} {
						copy(b, text)
						switch {
						case n == 0:
						case variant == "cut":
							// Overwrite the last bytes with the start of a
							// 4-byte sequence, or as much of it as fits.
							copy(b[max(0, n-3):], "\xf0\x9f\x98")
						case variant == "bad":
							b[n-1] = 0xff
						}
						want := utf8.Valid(b)
						if got := ValidUTF8(b); got != want {
							t.Fatalf("ValidUTF8(%q) at guard %s = %v; want %v", b, place, got, want)
						}
						if asm != nil && n >= minLen {
							if got := asm(unsafe.SliceData(b), n); got != want {
								t.Fatalf("kernel(%q) at guard %s = %v; want %v", b, place, got, want)
							}
						}
						v.Reset()
						v.Feed(b[:n/2])
						v.Feed(b[n/2:])
						if got := v.Done(); got != want {
							t.Fatalf("UTF8Validator on %q at guard %s: Done() = %v; want %v", b, place, got, want)
						}
					}
				}
			}
		}
	})
}
