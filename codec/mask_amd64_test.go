//go:build gc && !purego

package codec

import (
	"math"

	"golang.org/x/sys/cpu"
)

// kernels lists the masking kernels this build can run on this CPU.
var kernels = func() []string {
	k := []string{"sse2", "generic"}
	if cpu.X86.HasAVX2 {
		k = append([]string{"avx2"}, k...)
	}
	if cpu.X86.HasAVX512F {
		k = append([]string{"avx512"}, k...)
	}
	return k
}()

// unavailable names the kernels this build has that this CPU cannot run,
// with the feature it lacks, for the tests to report as skipped.
var unavailable = func() map[string]string {
	m := map[string]string{}
	if !cpu.X86.HasAVX512F {
		m["avx512"] = "AVX512F"
	}
	if !cpu.X86.HasAVX2 {
		m["avx2"] = "AVX2"
	}
	return m
}()

// setKernel selects a kernel by name and returns a function that restores
// the previous choice.
func setKernel(name string) (restore func()) {
	oldAVX512, oldAVX2, oldMin := useAVX512, useAVX2, bulkMin
	switch name {
	case "avx512":
		if !cpu.X86.HasAVX512F {
			panic("codec: CPU has no AVX512F")
		}
		useAVX512, useAVX2, bulkMin = true, cpu.X86.HasAVX2, defaultBulkMin
	case "avx2":
		if !cpu.X86.HasAVX2 {
			panic("codec: CPU has no AVX2")
		}
		useAVX512, useAVX2, bulkMin = false, true, defaultBulkMin
	case "sse2":
		useAVX512, useAVX2, bulkMin = false, false, defaultBulkMin
	case "generic":
		bulkMin = math.MaxInt
	default:
		panic("codec: no mask kernel " + name)
	}
	return func() { useAVX512, useAVX2, bulkMin = oldAVX512, oldAVX2, oldMin }
}
