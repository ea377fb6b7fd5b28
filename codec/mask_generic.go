//go:build !amd64 || purego || !gc

package codec

import (
	"math"
	"unsafe"
)

// bulkMin is the length from which maskBytes calls maskBulk. Without a
// kernel the word loop does everything, so it is never reached.
const bulkMin = math.MaxInt

func maskBulk(dst, src *byte, n int, k uint32) {
	maskWords(unsafe.Slice(dst, n), unsafe.Slice(src, n), k)
}
