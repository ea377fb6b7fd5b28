//go:build !(amd64 || arm64) || purego || !gc

package codec

import "math"

// bulkMin is the length from which maskBytes calls maskBulk. Without a
// kernel the word loop in maskBytes does every length.
const bulkMin = math.MaxInt

func maskBulk(dst, src *byte, n int, k uint32) { panic("codec: no mask kernel in this build") }
