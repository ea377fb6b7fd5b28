//go:build !amd64 || purego || !gc

package codec

import "math"

// utf8ShortMin and utf8BulkMin are the lengths from which validUTF8 calls
// a kernel for non-ASCII and for any input. Without a kernel, its Go loop
// does every length.
const (
	utf8ShortMin = math.MaxInt
	utf8BulkMin  = math.MaxInt
)

// useAVX2UTF8 is false: this build has no UTF-8 kernel.
const useAVX2UTF8 = false

func validUTF8AVX2(p *byte, n int) bool { panic("codec: no UTF-8 kernel in this build") }
