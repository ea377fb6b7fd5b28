//go:build gc && !purego

package codec

import "math"

// kernels lists the masking kernels this build has. arm64 CPUs all have
// ASIMD, so every one of them can run both.
var kernels = []string{"neon", "generic"}

// unavailable is empty: no kernel here depends on an optional feature.
var unavailable = map[string]string{}

// setKernel selects a kernel by name and returns a function that restores
// the previous choice.
func setKernel(name string) (restore func()) {
	oldMin := bulkMin
	switch name {
	case "neon":
		bulkMin = defaultBulkMin
	case "generic":
		bulkMin = math.MaxInt
	default:
		panic("codec: no mask kernel " + name)
	}
	return func() { bulkMin = oldMin }
}
