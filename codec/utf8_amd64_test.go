//go:build gc && !purego && linux

package codec

import (
	"testing"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// This file is linux-only because TestUTF8GuardPages needs
// newGuardedBuffer; utf8_generic_test.go covers every other build.

// utf8Kernels lists the UTF-8 validators this build can run on this CPU.
var utf8Kernels = func() []string {
	if cpu.X86.HasAVX2 {
		return []string{"avx2", "generic"}
	}
	return []string{"generic"}
}()

// utf8Unavailable names the validators this build has that this CPU cannot
// run, with the feature it lacks, for the tests to report as skipped.
var utf8Unavailable = func() map[string]string {
	m := map[string]string{}
	if !cpu.X86.HasAVX2 {
		m["avx2"] = "AVX2"
	}
	return m
}()

// setUTF8Kernel selects a UTF-8 validator by name and returns a function
// that restores the previous choice.
func setUTF8Kernel(name string) (restore func()) {
	old := useUTF8Kernel
	switch name {
	case "avx2":
		if !cpu.X86.HasAVX2 {
			panic("codec: CPU has no AVX2")
		}
		useUTF8Kernel = true
	case "generic":
		useUTF8Kernel = false
	default:
		panic("codec: no UTF-8 kernel " + name)
	}
	return func() { useUTF8Kernel = old }
}

// utf8KernelFunc returns a function that checks inputs with the named
// validator, for tests that run in parallel and so cannot flip
// useUTF8Kernel. As in ValidUTF8, short inputs are checked in Go by every
// validator (ASCII ones up to utf8BulkMin bytes, others below
// utf8ShortMin).
func utf8KernelFunc(name string) func([]byte) bool {
	switch name {
	case "avx2":
		return func(p []byte) bool { return validUTF8(p, true) }
	case "generic":
		return func(p []byte) bool { return validUTF8(p, false) }
	}
	panic("codec: no UTF-8 kernel " + name)
}

// TestUTF8GuardPages runs the kernel on inputs of every length up to 300
// that end right before an inaccessible page, and that start right after
// one, so that reading a byte outside the input crashes the test. The
// inputs are valid text, the same text cut in the middle of its last code
// point, and text with an error in its last byte.
func TestUTF8GuardPages(t *testing.T) {
	const maxN = 300
	g := newGuardedBuffer(t, maxN)
	text := utf8Text("mixed", maxN+64)
	var v UTF8Validator
	forEachUTF8Kernel(t, func(t *testing.T) {
		for n := 0; n <= maxN; n++ {
			for _, place := range []string{"start", "end"} {
				var b []byte
				if place == "start" {
					b = g.start(n)
				} else {
					b = g.end(n)
				}
				for _, variant := range []string{"text", "cut", "bad"} {
					copy(b, text)
					switch {
					case n == 0:
					case variant == "cut":
						// Overwrite the last bytes with the start of a 4-byte
						// sequence, or as much of it as fits.
						copy(b[max(0, n-3):], "\xf0\x9f\x98")
					case variant == "bad":
						b[n-1] = 0xff
					}
					want := utf8.Valid(b)
					if got := ValidUTF8(b); got != want {
						t.Fatalf("ValidUTF8(%q) at guard %s = %v; want %v", b, place, got, want)
					}
					if n >= utf8ShortMin && useUTF8Kernel {
						if got := validUTF8Kernel(unsafe.SliceData(b), n); got != want {
							t.Fatalf("validUTF8Kernel(%q) at guard %s = %v; want %v", b, place, got, want)
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
	})
}
