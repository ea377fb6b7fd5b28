//go:build gc && !purego

package codec

// defaultBulkMin is the length from which maskBytes calls the NEON kernel.
// No arm64 machine was available to time it, so it is reasoned from
// instruction counts (mask_arm64.s has them), not measured. From maskBytes'
// length check on, 64 bytes take the Go word loop about 66 instructions and
// the kernel 32, call included; 32 bytes take 40 and 34. Counts miss what
// the kernel's short inputs wait on: the key's trip through the stack and a
// move from a general register to a vector (VDUP), several cycles each on
// Cortex and Neoverse cores. At 64 bytes the kernel is ahead by far more
// than that; below, by a few instructions at most. amd64, where this was
// measured, switches at 64 too. The kernel itself needs 16 bytes.
const defaultBulkMin = 64

// bulkMin is defaultBulkMin, except in tests, which raise it to run the
// word loop at every length.
var bulkMin = defaultBulkMin

// maskBulk masks n bytes from src into dst with the NEON kernel. ASIMD is
// part of every arm64 CPU, so there is nothing to detect. n must be at
// least 16.
//
//go:noescape
func maskBulk(dst, src *byte, n int, key uint32)
