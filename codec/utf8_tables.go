//go:build gc && !purego && (amd64 || arm64)

package codec

// The tables and error bits of the UTF-8 kernels, which share them: AVX2
// on amd64 (utf8_amd64.s) and NEON on arm64 (utf8_arm64.s).

// The kernels follow Keiser and Lemire, "Validating UTF-8 in less than one
// instruction per byte" (Software: Practice and Experience, 2021). For
// every byte they look at the byte before it (prev1) through three 16-entry
// tables, indexed by the high nibble of prev1, the low nibble of prev1 and
// the high nibble of the byte itself, and AND the three entries. Each bit
// of an entry stands for one kind of error, so a bit survives the AND only
// if all three nibbles fit that error. The bits:
const (
	utf8TooShort  = 1 << 0 // a lead byte, then ASCII or another lead byte
	utf8TooLong   = 1 << 1 // ASCII, then a continuation byte
	utf8Overlong3 = 1 << 2 // E0, then 80..9F
	utf8TooLarge  = 1 << 3 // F4, then 90..BF; or F5..FF, then 90..BF
	utf8Surrogate = 1 << 4 // ED, then A0..BF
	utf8Overlong2 = 1 << 5 // C0 or C1, then a continuation byte
	utf8Over1000  = 1 << 6 // F0, then 80..8F (overlong); or F5..FF, then 80..8F (too large)
	utf8TwoConts  = 1 << 7 // a continuation byte, then another one

	// utf8AnyLow marks the errors that do not depend on the low nibble
	// of prev1.
	utf8AnyLow = utf8TooShort | utf8TooLong | utf8TwoConts
)

// utf8TwoConts is not an error by itself: the third and fourth bytes of a
// sequence are continuation bytes after a continuation byte. A kernel
// computes where they must be, from the bytes two and three back (E0 or
// more two back, F0 or more three back), and XORs that with the
// utf8TwoConts bit; a mismatch either way is an error. What is left is the
// end of the input, which must not stop in the middle of a sequence.

// utf8Prev1High is indexed by the high nibble of prev1.
var utf8Prev1High = [16]byte{
	0x0: utf8TooLong, 0x1: utf8TooLong, 0x2: utf8TooLong, 0x3: utf8TooLong,
	0x4: utf8TooLong, 0x5: utf8TooLong, 0x6: utf8TooLong, 0x7: utf8TooLong,
	0x8: utf8TwoConts, 0x9: utf8TwoConts, 0xA: utf8TwoConts, 0xB: utf8TwoConts,
	0xC: utf8TooShort | utf8Overlong2,
	0xD: utf8TooShort,
	0xE: utf8TooShort | utf8Overlong3 | utf8Surrogate,
	0xF: utf8TooShort | utf8TooLarge | utf8Over1000,
}

// utf8Prev1Low is indexed by the low nibble of prev1.
var utf8Prev1Low = [16]byte{
	0x0: utf8AnyLow | utf8Overlong2 | utf8Overlong3 | utf8Over1000,
	0x1: utf8AnyLow | utf8Overlong2,
	0x2: utf8AnyLow,
	0x3: utf8AnyLow,
	0x4: utf8AnyLow | utf8TooLarge,
	0x5: utf8AnyLow | utf8TooLarge | utf8Over1000,
	0x6: utf8AnyLow | utf8TooLarge | utf8Over1000,
	0x7: utf8AnyLow | utf8TooLarge | utf8Over1000,
	0x8: utf8AnyLow | utf8TooLarge | utf8Over1000,
	0x9: utf8AnyLow | utf8TooLarge | utf8Over1000,
	0xA: utf8AnyLow | utf8TooLarge | utf8Over1000,
	0xB: utf8AnyLow | utf8TooLarge | utf8Over1000,
	0xC: utf8AnyLow | utf8TooLarge | utf8Over1000,
	0xD: utf8AnyLow | utf8TooLarge | utf8Over1000 | utf8Surrogate,
	0xE: utf8AnyLow | utf8TooLarge | utf8Over1000,
	0xF: utf8AnyLow | utf8TooLarge | utf8Over1000,
}

// utf8CurHigh is indexed by the high nibble of the byte itself.
var utf8CurHigh = [16]byte{
	0x0: utf8TooShort, 0x1: utf8TooShort, 0x2: utf8TooShort, 0x3: utf8TooShort,
	0x4: utf8TooShort, 0x5: utf8TooShort, 0x6: utf8TooShort, 0x7: utf8TooShort,
	0x8: utf8TooLong | utf8TwoConts | utf8Overlong2 | utf8Overlong3 | utf8Over1000,
	0x9: utf8TooLong | utf8TwoConts | utf8Overlong2 | utf8Overlong3 | utf8TooLarge,
	0xA: utf8TooLong | utf8TwoConts | utf8Overlong2 | utf8Surrogate | utf8TooLarge,
	0xB: utf8TooLong | utf8TwoConts | utf8Overlong2 | utf8Surrogate | utf8TooLarge,
	0xC: utf8TooShort, 0xD: utf8TooShort, 0xE: utf8TooShort, 0xF: utf8TooShort,
}

// utf8EndMax holds, for each byte of the last block, the largest value that
// does not begin a sequence running past the end: BF for the last byte
// (C0 and up are lead bytes), DF for the one before (E0 and up need three
// bytes), EF for the one before that (F0 and up need four). A saturating
// subtraction of it leaves a nonzero byte where the input is cut short.
// A kernel with 16-byte blocks uses its last 16 bytes.
var utf8EndMax = [32]byte{
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0xDF, 0xBF,
}
