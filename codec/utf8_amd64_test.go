//go:build gc && !purego && linux

package codec

import (
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// This file is linux-only because TestUTF8GuardPages needs
// newGuardedBuffer; utf8_generic_test.go covers every other build.

// utf8Feature is a CPU feature that a UTF-8 kernel needs.
type utf8Feature struct {
	has  bool
	name string
}

// utf8KernelFeatures lists the UTF-8 kernels of this build and the CPU
// features each needs: "avx512vbmi" is the AVX-512 kernel with its VPERMB
// loop, "avx512" the same kernel with its VPSHUFB loop, which is what CPUs
// without AVX512VBMI run.
var utf8KernelFeatures = []struct {
	name  string
	needs []utf8Feature
}{
	{"avx512vbmi", []utf8Feature{{cpu.X86.HasAVX512F, "AVX512F"}, {cpu.X86.HasAVX512BW, "AVX512BW"}, {cpu.X86.HasAVX512VBMI, "AVX512VBMI"}}},
	{"avx512", []utf8Feature{{cpu.X86.HasAVX512F, "AVX512F"}, {cpu.X86.HasAVX512BW, "AVX512BW"}}},
	{"avx2", []utf8Feature{{cpu.X86.HasAVX2, "AVX2"}}},
	{"generic", nil},
}

// utf8Kernels lists the UTF-8 validators this build can run on this CPU,
// and utf8Unavailable the others, with the features this CPU lacks, for
// the tests to report as skipped.
var utf8Kernels, utf8Unavailable = func() ([]string, map[string]string) {
	var ks []string
	m := map[string]string{}
	for _, k := range utf8KernelFeatures {
		var lack []string
		for _, f := range k.needs {
			if !f.has {
				lack = append(lack, f.name)
			}
		}
		if len(lack) > 0 {
			m[k.name] = strings.Join(lack, " and ")
		} else {
			ks = append(ks, k.name)
		}
	}
	return ks, m
}()

// setUTF8Kernel selects a UTF-8 validator by name and returns a function
// that restores the previous choice.
func setUTF8Kernel(name string) (restore func()) {
	if lack, ok := utf8Unavailable[name]; ok {
		panic("codec: CPU lacks " + lack)
	}
	old, oldAVX512, oldVBMI := useUTF8Kernel, useAVX512UTF8, useVBMIUTF8
	switch name {
	case "avx512vbmi":
		useUTF8Kernel, useAVX512UTF8, useVBMIUTF8 = true, true, true
	case "avx512":
		useUTF8Kernel, useAVX512UTF8, useVBMIUTF8 = true, true, false
	case "avx2":
		useUTF8Kernel, useAVX512UTF8, useVBMIUTF8 = true, false, false
	case "generic":
		useUTF8Kernel = false
	default:
		panic("codec: no UTF-8 kernel " + name)
	}
	return func() { useUTF8Kernel, useAVX512UTF8, useVBMIUTF8 = old, oldAVX512, oldVBMI }
}

// utf8KernelAsm returns the assembly entry point of the named kernel, or
// nil for the Go loop.
func utf8KernelAsm(name string) func(p *byte, n int) bool {
	switch name {
	case "avx512vbmi":
		return validUTF8AVX512VBMI
	case "avx512":
		return validUTF8AVX512
	case "avx2":
		return validUTF8AVX2
	case "generic":
		return nil
	}
	panic("codec: no UTF-8 kernel " + name)
}

// TestUTF8GuardPages runs every validator at the edges of inaccessible
// pages; see testUTF8GuardPages. The AVX-512 kernel is called directly from
// one byte on, since it takes any length.
func TestUTF8GuardPages(t *testing.T) {
	testUTF8GuardPages(t, func(name string) (func(p *byte, n int) bool, int) {
		if name == "avx512" || name == "avx512vbmi" {
			return utf8KernelAsm(name), 1
		}
		return utf8KernelAsm(name), utf8ShortMin
	})
}
