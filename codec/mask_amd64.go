//go:build gc && !purego

package codec

import "golang.org/x/sys/cpu"

// defaultBulkMin is the length from which maskBytes calls the assembly
// kernel. Below it the Go word loop finishes before a kernel call would pay
// off (see BenchmarkMaskKernel and the README). The kernels need at least
// one whole vector, 32 bytes.
const defaultBulkMin = 64

// bulkMin is defaultBulkMin, except in tests, which raise it to run the
// word loop at every length.
var bulkMin = defaultBulkMin

// useAVX2 makes maskBulk run the AVX2 kernel rather than SSE2, which every
// amd64 CPU has. Tests clear it to run the SSE2 kernel.
var useAVX2 = cpu.X86.HasAVX2

// useAVX512 makes maskBulk run the AVX-512 kernel (64-byte vectors, from
// 64 bytes) before the AVX2 one. Masking needs AVX512F alone. Tests clear
// it to run the others.
var useAVX512 = cpu.X86.HasAVX512F

// maskBulk masks n bytes from src into dst with the AVX-512, AVX2 or
// SSE2 kernel, as useAVX512 and useAVX2 say. n must be at least 32.
//
//go:noescape
func maskBulk(dst, src *byte, n int, key uint32)
