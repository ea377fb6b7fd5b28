//go:build !(amd64 || arm64) || purego || !gc || !linux

package codec

// This build has one validator the tests can select: the one ValidUTF8
// picks. That is the Go loop, except on amd64 and arm64 outside linux,
// where the kernel tests of utf8_amd64_test.go and utf8_arm64_test.go do not
// run (they need newGuardedBuffer from mask_linux_test.go) and ValidUTF8
// may still use the AVX2 or NEON kernel.

// utf8Kernels lists the UTF-8 validators tests run.
var utf8Kernels = []string{"default"}

// utf8Unavailable is empty: this build runs every validator it has.
var utf8Unavailable = map[string]string{}

// setUTF8Kernel selects a UTF-8 validator by name and returns a function
// that restores the previous choice. Only tests call it.
func setUTF8Kernel(name string) (restore func()) {
	if name != "default" {
		panic("codec: no UTF-8 kernel " + name)
	}
	return func() {}
}

// utf8KernelFunc returns the function that checks inputs with the named
// validator, for tests that run in parallel.
func utf8KernelFunc(name string) func([]byte) bool {
	if name != "default" {
		panic("codec: no UTF-8 kernel " + name)
	}
	return ValidUTF8
}
