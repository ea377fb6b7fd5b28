//go:build !(amd64 || arm64) || purego || !gc

package codec

// kernels lists the masking kernels this build has; tests run each one.
var kernels = []string{"generic"}

// unavailable is empty: this build has only the Go loop.
var unavailable = map[string]string{}

// setKernel selects a kernel by name and returns a function that restores
// the previous choice. Only tests call it.
func setKernel(name string) (restore func()) {
	if name != "generic" {
		panic("codec: no mask kernel " + name)
	}
	return func() {}
}
