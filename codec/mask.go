package codec

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// Mask XORs b in place with key, starting at byte pos&3 of the key, as
// RFC 6455 §5.3 masks and unmasks payloads: b[i] ^= key[(pos+i)&3]. It
// returns (pos+len(b))&3, the key offset for the byte that follows b, so a
// payload that arrives in pieces can be masked piece by piece:
//
//	pos := 0
//	for _, chunk := range chunks {
//		pos = codec.Mask(chunk, key, pos)
//	}
//
// Masking twice with the same key and pos restores the input. Payloads
// shorter than a vector are masked by overlapping word loads and stores in
// Go; longer ones by an AVX-512, AVX2 or SSE2 kernel on amd64 (see the
// README), a NEON kernel on arm64, and a word-at-a-time loop elsewhere or
// with the purego build tag. Mask never allocates.
func Mask(b []byte, key [4]byte, pos int) int {
	maskBytes(b, b, key, pos)
	return (pos + len(b)) & 3
}

// MaskCopy writes src masked with key into dst, as [Mask] would mask it in
// place: dst[i] = src[i] ^ key[(pos+i)&3] for i < len(src). It returns
// (pos+len(src))&3. It is how a reader unmasks a payload while copying it
// out of its read buffer, in one pass over memory.
//
// MaskCopy panics if dst is shorter than src, or if dst and src overlap
// without being the same memory: dst and src may be the same slice, but not
// shifted copies of one another.
func MaskCopy(dst, src []byte, key [4]byte, pos int) int {
	maskBytes(dst, src, key, pos)
	return (pos + len(src)) & 3
}

// maskBytes checks the arguments, masks payloads shorter than bulkMin
// itself and hands longer ones to the kernel. Mask and MaskCopy inline to a
// call of it, so short payloads cost one call and long ones two: on the
// machine the benchmarks ran on, a call level costs about 3 ns, as much as
// masking 16 bytes.
//
// The word loop reads all the source words it needs before it writes any,
// and computes the last word before the loop; that is what lets the stores
// overlap (the bytes where two stores meet get the same value twice) and
// still work in place. There is no byte loop at either end.
func maskBytes(dst, src []byte, key [4]byte, pos int) {
	if len(dst) < len(src) {
		panic("codec: MaskCopy: dst shorter than src")
	}
	n := len(src)
	dst = dst[:n]
	if inexactOverlap(dst, src) {
		panic("codec: MaskCopy: dst and src overlap")
	}
	k := keyWord(key, pos)
	switch {
	case n >= bulkMin:
		maskBulk(unsafe.SliceData(dst), unsafe.SliceData(src), n, k)
	case n >= 8:
		k64 := uint64(k)<<32 | uint64(k)
		// The last 8 bytes start at n-8, whose key offset is n&3.
		last := binary.LittleEndian.Uint64(src[n-8:]) ^ bits.RotateLeft64(k64, -8*(n&3))
		d, s := dst, src
		for len(s) >= 32 && len(d) >= 32 {
			binary.LittleEndian.PutUint64(d[0:8], binary.LittleEndian.Uint64(s[0:8])^k64)
			binary.LittleEndian.PutUint64(d[8:16], binary.LittleEndian.Uint64(s[8:16])^k64)
			binary.LittleEndian.PutUint64(d[16:24], binary.LittleEndian.Uint64(s[16:24])^k64)
			binary.LittleEndian.PutUint64(d[24:32], binary.LittleEndian.Uint64(s[24:32])^k64)
			d, s = d[32:], s[32:]
		}
		for len(s) >= 8 && len(d) >= 8 {
			binary.LittleEndian.PutUint64(d[:8], binary.LittleEndian.Uint64(s[:8])^k64)
			d, s = d[8:], s[8:]
		}
		binary.LittleEndian.PutUint64(dst[n-8:], last)
	case n >= 4:
		first := binary.LittleEndian.Uint32(src) ^ k
		last := binary.LittleEndian.Uint32(src[n-4:]) ^ rotKey(k, n)
		binary.LittleEndian.PutUint32(dst, first)
		binary.LittleEndian.PutUint32(dst[n-4:], last)
	case n >= 2:
		first := binary.LittleEndian.Uint16(src) ^ uint16(k)
		last := binary.LittleEndian.Uint16(src[n-2:]) ^ uint16(rotKey(k, n-2))
		binary.LittleEndian.PutUint16(dst, first)
		binary.LittleEndian.PutUint16(dst[n-2:], last)
	case n == 1:
		dst[0] = src[0] ^ byte(k)
	}
}

// keyWord returns the key as a little-endian word whose low byte is
// key[pos&3], so that byte i of a little-endian load is masked by byte i of
// the word.
func keyWord(key [4]byte, pos int) uint32 {
	return bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*(pos&3))
}

// rotKey returns k, the key word for some offset, advanced by off bytes.
func rotKey(k uint32, off int) uint32 { return bits.RotateLeft32(k, -8*(off&3)) }

// inexactOverlap reports whether x and y share memory without starting at
// the same address.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	px := uintptr(unsafe.Pointer(unsafe.SliceData(x)))
	py := uintptr(unsafe.Pointer(unsafe.SliceData(y)))
	return px != py && px < py+uintptr(len(y)) && py < px+uintptr(len(x))
}
