//go:build gc && !purego

package codec

// utf8BulkMin is the length from which ValidUTF8 calls the NEON kernel
// for any input; from utf8ShortMin up to it, only for input that is not all
// ASCII. The kernel loads the three bytes before its last 16-byte block, so
// it needs 19 bytes. No arm64 machine was available to time where it starts
// to pay off, so these come from instruction counts: validUTF8 tests inputs
// of up to 32 bytes for ASCII with four word loads, 40 instructions in all
// for 32 ASCII bytes, where a call of the kernel makes that 54; for anything
// else the kernel takes 17 instructions per 16 bytes against 10 to 20 per
// byte for the Go loop. amd64 calls its kernel from 32 bytes, since AVX2
// checks them as one vector.
const (
	utf8ShortMin = 19
	utf8BulkMin  = 33
)

// useUTF8Kernel makes ValidUTF8 use the NEON kernel for inputs of
// utf8BulkMin bytes or more. Every arm64 CPU has ASIMD, so it starts out
// true; tests clear it to run the Go loop at every length.
var useUTF8Kernel = true

// validUTF8Kernel reports whether the n bytes at p are valid UTF-8. n must
// be at least utf8ShortMin; the kernel reads no byte outside [p, p+n).
//
//go:noescape
func validUTF8Kernel(p *byte, n int) bool
