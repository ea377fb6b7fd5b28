//go:build gc && !purego && linux

package codec

import (
	"testing"
)

// This file is linux-only because TestUTF8GuardPages needs
// newGuardedBuffer; utf8_generic_test.go covers every other build.

// utf8Kernels lists the UTF-8 validators this build has. Every arm64 CPU
// has ASIMD, so it can run them all.
var utf8Kernels = []string{"neon", "generic"}

// utf8Unavailable is empty: no validator here needs an optional feature.
var utf8Unavailable = map[string]string{}

// setUTF8Kernel selects a UTF-8 validator by name and returns a function
// that restores the previous choice.
func setUTF8Kernel(name string) (restore func()) {
	old := useUTF8Kernel
	switch name {
	case "neon":
		useUTF8Kernel = true
	case "generic":
		useUTF8Kernel = false
	default:
		panic("codec: no UTF-8 kernel " + name)
	}
	return func() { useUTF8Kernel = old }
}

// utf8KernelAsm returns the assembly entry point of the named kernel, or
// nil for the Go loop.
func utf8KernelAsm(name string) func(p *byte, n int) bool {
	switch name {
	case "neon":
		return validUTF8Kernel
	case "generic":
		return nil
	}
	panic("codec: no UTF-8 kernel " + name)
}

// TestUTF8GuardPages runs every validator at the edges of inaccessible
// pages; see testUTF8GuardPages.
func TestUTF8GuardPages(t *testing.T) {
	testUTF8GuardPages(t, func(name string) (func(p *byte, n int) bool, int) {
		return utf8KernelAsm(name), utf8ShortMin
	})
}
