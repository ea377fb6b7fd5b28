//go:build gc && !purego

package codec

import (
	"math"

	"golang.org/x/sys/cpu"
)

// kernels lists the masking kernels this build can run on this CPU.
var kernels = func() []string {
	if cpu.X86.HasAVX2 {
		return []string{"avx2", "sse2", "generic"}
	}
	return []string{"sse2", "generic"}
}()

// setKernel selects a kernel by name and returns a function that restores
// the previous choice.
func setKernel(name string) (restore func()) {
	oldAVX2, oldMin := useAVX2, bulkMin
	switch name {
	case "avx2":
		if !cpu.X86.HasAVX2 {
			panic("codec: CPU has no AVX2")
		}
		useAVX2, bulkMin = true, defaultBulkMin
	case "sse2":
		useAVX2, bulkMin = false, defaultBulkMin
	case "generic":
		bulkMin = math.MaxInt
	default:
		panic("codec: no mask kernel " + name)
	}
	return func() { useAVX2, bulkMin = oldAVX2, oldMin }
}
