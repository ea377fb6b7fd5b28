//go:build gc && !purego

package codec

import "golang.org/x/sys/cpu"

// utf8BulkMin is the length from which ValidUTF8 calls the assembly
// kernel. From utf8ShortMin up to utf8BulkMin it calls the kernel only for
// input that is not all ASCII: the Go loop finds out whether it is with four
// word loads, faster than a call into assembly, but checks anything else
// more slowly than the kernel (see BenchmarkValidUTF8Kernel). Below
// utf8ShortMin the AVX2 kernel cannot load a whole 16-byte lane and the
// bytes before it.
const (
	utf8ShortMin = 19
	utf8BulkMin  = 32
)

// useUTF8Kernel makes ValidUTF8 use the assembly kernel for inputs of
// utf8BulkMin bytes or more. Tests clear it to run the Go loop at every
// length.
var useUTF8Kernel = cpu.X86.HasAVX2

// useAVX512UTF8 makes validUTF8Kernel run the AVX-512 kernel rather than the
// AVX2 one. It needs AVX512F and AVX512BW (byte shuffles, byte masks and
// masked byte loads on 64-byte vectors). Tests clear it to run the AVX2
// kernel.
var useAVX512UTF8 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

// validUTF8Kernel reports whether the n bytes at p are valid UTF-8. n must be
// at least utf8ShortMin; the kernel reads no byte outside [p, p+n). It jumps
// to validUTF8AVX512 when useAVX512UTF8 is set and to validUTF8AVX2
// otherwise, which tests call directly.
//
//go:noescape
func validUTF8Kernel(p *byte, n int) bool

// validUTF8AVX2 is validUTF8Kernel with the AVX2 kernel.
//
//go:noescape
func validUTF8AVX2(p *byte, n int) bool

// validUTF8AVX512 is validUTF8Kernel with the AVX-512 kernel. It accepts any
// n of at least 1.
//
//go:noescape
func validUTF8AVX512(p *byte, n int) bool
