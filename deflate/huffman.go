package deflate

import "math/bits"

// Canonical Huffman decoding for DEFLATE (RFC 1951 §3.2.2).
//
// A code is read from the bit stream one bit at a time, most significant
// bit of the code first, while the stream itself is packed starting with
// the least significant bit of each byte. A lookup table indexed by the
// next root bits of the stream therefore holds each code bit-reversed, and
// one lookup decodes every code of at most root bits. Longer codes are
// rare by construction (a code of n bits stands for a symbol seen about
// once in 2^n), so they take a slow path that walks the code lengths the
// way zlib's puff.c does.

const maxCodeBits = 15 // RFC 1951 §3.2.7: code lengths are 0..15

// A huffman decodes one alphabet. Its table entries hold symbol<<8 | n,
// where n is the code's length; n == 0 marks a prefix with no code of at
// most root bits, which is either the start of a longer code or invalid.
type huffman struct {
	table  []uint32 // 1<<root entries
	symbol []uint16 // symbols ordered by code length, then value
	count  [maxCodeBits + 1]uint16
	root   uint8
	maxLen uint8 // 0 for an empty code: every lookup fails
}

// init points h at its storage: a table of 1<<root entries and room for
// the symbols of the largest alphabet it will hold.
func (h *huffman) init(table []uint32, symbol []uint16, root uint8) {
	h.table, h.symbol, h.root = table, symbol, root
}

// build makes h decode the canonical code with the given code lengths,
// one per symbol. Like compress/flate (and zlib, except for code-length
// codes), it accepts complete codes, the empty code (any use of it fails)
// and a single code of one bit; it reports false for any other incomplete
// code and for over-subscribed ones.
func (h *huffman) build(lengths []uint8) bool {
	var count [maxCodeBits + 1]uint16
	for _, n := range lengths {
		count[n]++
	}
	count[0] = 0
	maxLen := maxCodeBits
	for maxLen > 0 && count[maxLen] == 0 {
		maxLen--
	}
	h.count = count
	h.maxLen = uint8(maxLen)
	if maxLen == 0 {
		clear(h.table)
		return true
	}
	left := 1
	for n := 1; n <= maxCodeBits; n++ {
		left <<= 1
		left -= int(count[n])
		if left < 0 {
			return false // over-subscribed
		}
	}
	if left > 0 {
		if !(maxLen == 1 && count[1] == 1) {
			return false // incomplete
		}
		clear(h.table) // the entries for the missing code stay invalid
	}

	var offs [maxCodeBits + 2]uint16
	for n := 1; n <= maxCodeBits; n++ {
		offs[n+1] = offs[n] + count[n]
	}
	for sym, n := range lengths {
		if n != 0 {
			h.symbol[offs[n]] = uint16(sym)
			offs[n]++
		}
	}

	// Fill the table the way libdeflate does: a code of n bits fills the
	// entries whose low n bits are its reversed code, so with the table
	// complete for the codes of up to n-1 bits in its first 1<<(n-1)
	// entries, copying them to the next 1<<(n-1) makes it complete for
	// those codes in 1<<n entries, and the codes of n bits then go in
	// with one store each. An entry that belongs to no code of up to n
	// bits begins a longer code, and codes that long overwrite it later;
	// those longer than root leave 0 in the entries they begin. So no
	// entry needs clearing first.
	root := int(h.root)
	code, i := 0, 0
	for n := 1; n <= maxLen; n++ {
		c := int(count[n])
		if n <= root {
			if n > 1 {
				half := 1 << (n - 1)
				copy(h.table[half:2*half], h.table[:half])
			}
			for k := range c {
				h.table[reverse(code+k, n)] = uint32(h.symbol[i+k])<<8 | uint32(n)
			}
		} else {
			if n == root+1 {
				h.double(min(maxLen, root))
			}
			for k := range c {
				h.table[reverse((code+k)>>(n-root), root)] = 0
			}
		}
		code = (code + c) << 1
		i += c
	}
	if maxLen < root {
		h.double(maxLen)
	}
	return true
}

// double copies the first 1<<n entries of the table until they fill it.
func (h *huffman) double(n int) {
	for size := 1 << n; size < len(h.table); size <<= 1 {
		copy(h.table[size:2*size], h.table[:size])
	}
}

// reverse returns the n low bits of code in reverse order.
func reverse(code, n int) int {
	return int(bits.Reverse16(uint16(code)) >> (16 - n))
}

// slow decodes a code longer than the table's root from bits, of which nb
// are valid. It returns the symbol and the code's length; n == 0 means nb
// bits do not hold a whole code yet, and n < 0 that the bits start no
// code at all.
func (h *huffman) slow(bits uint64, nb uint) (sym uint32, n int) {
	code, first, index := 0, 0, 0
	for l := 1; l <= int(h.maxLen); l++ {
		if uint(l) > nb {
			return 0, 0
		}
		code |= int(bits & 1)
		bits >>= 1
		count := int(h.count[l])
		if code-count < first {
			return uint32(h.symbol[index+code-first]), l
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	return 0, -1
}

// decode decodes the next symbol from bits, of which nb are valid, as
// slow does.
func (h *huffman) decode(bits uint64, nb uint) (sym uint32, n int) {
	e := h.table[bits&(1<<h.root-1)]
	if l := e & 0xff; l != 0 {
		if uint(l) > nb {
			return 0, 0
		}
		return e >> 8, int(l)
	}
	return h.slow(bits, nb)
}

// The fixed codes of RFC 1951 §3.2.6, built once.
var fixedLit, fixedDist = func() (*huffman, *huffman) {
	var lit, dist huffman
	lit.init(make([]uint32, 1<<litRoot), make([]uint16, 288), litRoot)
	dist.init(make([]uint32, 1<<distRoot), make([]uint16, 32), distRoot)
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	var d [32]uint8
	for i := range d {
		d[i] = 5 // codes 30 and 31 exist but are invalid symbols
	}
	if !lit.build(l[:]) || !dist.build(d[:]) {
		panic("deflate: bad fixed Huffman codes")
	}
	return &lit, &dist
}()
