//go:build !(amd64 || arm64) || purego || !gc

package codec

import "math"

// utf8ShortMin and utf8BulkMin are the lengths from which validUTF8 calls
// a kernel for non-ASCII and for any input. Without a kernel, its Go loop
// does every length.
const (
	utf8ShortMin = math.MaxInt
	utf8BulkMin  = math.MaxInt
)

// useUTF8Kernel is false: this build has no UTF-8 kernel.
const useUTF8Kernel = false

func validUTF8Kernel(p *byte, n int) bool { panic("codec: no UTF-8 kernel in this build") }
