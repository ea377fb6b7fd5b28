//go:build gc && !purego

package codec

import "golang.org/x/sys/cpu"

// utf8BulkMin is the length from which ValidUTF8 calls the AVX2 kernel.
// From utf8ShortMin up to utf8BulkMin it calls the kernel only for input
// that is not all ASCII: the Go loop finds out whether it is with four word
// loads, faster than a call into assembly, but checks anything else more
// slowly than the kernel (see BenchmarkValidUTF8Kernel). Below utf8ShortMin
// the kernel cannot load a whole 16-byte lane and the bytes before it.
const (
	utf8ShortMin = 19
	utf8BulkMin  = 32
)

// useUTF8Kernel makes ValidUTF8 use the assembly kernel for inputs of
// utf8BulkMin bytes or more. Tests clear it to run the Go loop at every
// length.
var useUTF8Kernel = cpu.X86.HasAVX2

// validUTF8Kernel reports whether the n bytes at p are valid UTF-8. n must be
// at least utf8ShortMin; the kernel reads no byte outside [p, p+n).
//
//go:noescape
func validUTF8Kernel(p *byte, n int) bool
