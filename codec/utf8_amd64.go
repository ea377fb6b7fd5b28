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

// useVBMIUTF8 makes the AVX-512 kernel check mixed text with VPERMB, which
// needs AVX512VBMI as well (Ice Lake and later, Zen 4 and later): three
// instructions fewer per 64 bytes than with VPSHUFB.
var useVBMIUTF8 = useAVX512UTF8 && cpu.X86.HasAVX512VBMI

// validUTF8Kernel reports whether the n bytes at p are valid UTF-8. n must be
// at least utf8ShortMin; the kernel reads no byte outside [p, p+n). It jumps
// to validUTF8AVX512Body when useAVX512UTF8 is set and runs the AVX2 kernel
// otherwise.
//
//go:noescape
func validUTF8Kernel(p *byte, n int) bool

// validUTF8AVX2 is validUTF8Kernel with the AVX2 kernel, for tests.
//
//go:noescape
func validUTF8AVX2(p *byte, n int) bool

// validUTF8AVX512 and validUTF8AVX512VBMI are validUTF8Kernel with the
// AVX-512 kernel, its mixed-text loop with VPSHUFB or with VPERMB, for
// tests. They accept any n of at least 1.
//
//go:noescape
func validUTF8AVX512(p *byte, n int) bool

//go:noescape
func validUTF8AVX512VBMI(p *byte, n int) bool

// validUTF8AVX512Body is the AVX-512 kernel. The functions above jump to it
// with R12 set from useVBMIUTF8 (nonzero for VPERMB); Go never calls it.
//
//go:noescape
func validUTF8AVX512Body(p *byte, n int) bool
