package deflate

import (
	"encoding/binary"
)

// A raw DEFLATE (RFC 1951) decoder that can stop at any byte of its input
// and go on when more arrives, which compress/flate's and klauspost's
// pull-style readers cannot: once their source runs dry in the middle of a
// block, they fail for good.
//
// Decoded bytes go into a ring buffer, the window, that also serves the
// back-references of later matches; inflate copies them out from there.
// Everything a later call needs, including up to 63 bits of input that
// were read but not used, lives in the inflater.

const (
	litRoot  = 10 // lookup bits for the literal/length code
	distRoot = 8  // lookup bits for the distance code
	clRoot   = 7  // code-length codes are at most 7 bits: one lookup
	maxMatch = 258

	// minRing is the smallest window ring: rings smaller than a few
	// matches would keep the decoder off its fast path.
	minRing = 4 << 10
)

type mode uint8

const (
	modeHeader    mode = iota // next: a block header
	modeStoredLen             // next: LEN and NLEN of a stored block
	modeStored                // inside a stored block
	modeDynHeader             // next: HLIT, HDIST and HCLEN
	modeCodeLens              // reading the code-length code lengths
	modeLens                  // reading the literal/length and distance code lengths
	modeData                  // inside a Huffman-coded block
)

// Length and distance bases and extra bits (RFC 1951 §3.2.5).
var (
	lenBase = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
		35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
		3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
		257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
		7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// clOrder is the order of the code-length code lengths (§3.2.7).
	clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

type inflater struct {
	bits uint64 // input bits not used yet, the next one lowest; none above nb
	nb   uint   // how many of bits are valid, at most 63
	mode mode

	win  []byte // the ring, 1<<bits bytes but at least minRing
	wr   int    // where the next byte goes; 0 <= wr <= len(win)
	rd   int    // the first byte not copied out yet; rd <= wr
	full bool   // the ring has wrapped: all of it is history
	// maxDist is the farthest back a match may reach: the peer's window.
	maxDist int

	stored  int  // bytes left in the stored block
	copyLen int  // bytes left of a match the ring had no room for
	copyDst int  // that match's distance
	final   bool // the current block has BFINAL set

	lit, dist *huffman // the current block's codes

	// The dynamic header being read.
	nlit, ndist, ncl, nlens int
	lens                    [286 + 30]uint8

	dynLit, dynDist, cl huffman
	litTable            [1 << litRoot]uint32
	distTable           [1 << distRoot]uint32
	clTable             [1 << clRoot]uint32
	litSym              [286]uint16
	distSym             [30]uint16
	clSym               [19]uint16
}

// newInflater returns an inflater for a peer that compresses with a
// window of 1<<bits bytes.
func newInflater(bits int) *inflater {
	f := &inflater{win: make([]byte, max(1<<bits, minRing)), maxDist: 1 << bits}
	f.dynLit.init(f.litTable[:], f.litSym[:], litRoot)
	f.dynDist.init(f.distTable[:], f.distSym[:], distRoot)
	f.cl.init(f.clTable[:], f.clSym[:], clRoot)
	return f
}

// reset forgets the history and any partial input, for a new message
// without context takeover or a new connection.
func (f *inflater) reset() {
	f.bits, f.nb, f.mode = 0, 0, modeHeader
	f.wr, f.rd, f.full = 0, 0, false
	f.stored, f.copyLen, f.final = 0, 0, false
}

// pending returns how many decoded bytes wait to be copied out.
func (f *inflater) pending() int { return f.wr - f.rd }

// atBoundary reports whether the input so far ends exactly after a whole
// block: no partial block, match or unused bits. That is where a message
// with its 00 00 ff ff tail must leave the decoder (RFC 7692 §7.2.2).
func (f *inflater) atBoundary() bool {
	return f.mode == modeHeader && f.nb == 0 && f.copyLen == 0 && f.pending() == 0
}

// inflate decodes in into the ring and copies the decoded bytes to out. It
// returns how many bytes it wrote to out and how many it consumed from in.
// It stops when out is full, or when it has used all of in and copied out
// all it decoded. Bytes it consumed may still wait in f as unused bits; the
// caller passes the rest of in again. On error f is unusable.
func (f *inflater) inflate(out, in []byte) (nout, nin int, err error) {
	for {
		if f.wr > f.rd {
			k := copy(out[nout:], f.win[f.rd:f.wr])
			nout += k
			f.rd += k
			if f.rd < f.wr {
				return nout, nin, nil // out is full
			}
		}
		if f.wr == len(f.win) {
			f.wr, f.rd, f.full = 0, 0, true
		}
		if f.copyLen > 0 {
			f.copyMatch(f.copyLen, f.copyDst)
			continue
		}
		var more bool
		var m int
		switch f.mode {
		case modeData:
			m, more, err = f.data(in[nin:])
		case modeStored:
			m, more = f.storedData(in[nin:])
		default:
			m, more, err = f.header(in[nin:])
		}
		nin += m
		if err != nil {
			f.bits, f.nb = 0, 0
			return nout, nin, err
		}
		if more && f.wr == f.rd {
			return nout, nin, nil // in is used up and nothing waits
		}
	}
}

// refill moves bytes of in into the bit buffer until it holds at least 56
// bits (at most 63) or in runs out, and returns how many it took.
func (f *inflater) refill(in []byte) int {
	i := 0
	for f.nb < 56 && i < len(in) {
		f.bits |= uint64(in[i]) << f.nb
		f.nb += 8
		i++
	}
	return i
}

// consume drops n used bits.
func (f *inflater) consume(n uint) {
	f.bits >>= n
	f.nb -= n
}

// header reads the block header, a stored block's lengths, or a dynamic
// block's code definitions, whichever comes next. more reports that it
// needs more input than in holds.
func (f *inflater) header(in []byte) (n int, more bool, err error) {
	for {
		n += f.refill(in[n:])
		switch f.mode {
		case modeHeader:
			if f.nb < 3 {
				return n, true, nil
			}
			f.final = f.bits&1 != 0
			typ := f.bits >> 1 & 3
			f.consume(3)
			switch typ {
			case 0:
				f.consume(f.nb & 7) // stored blocks start on a byte
				f.mode = modeStoredLen
			case 1:
				f.lit, f.dist = fixedLit, fixedDist
				f.mode = modeData
				return n, false, nil
			case 2:
				f.mode = modeDynHeader
			default:
				return n, false, ErrInvalidData
			}
		case modeStoredLen:
			if f.nb < 32 {
				return n, true, nil
			}
			length, nlength := uint16(f.bits), uint16(f.bits>>16)
			f.consume(32)
			if length != ^nlength {
				return n, false, ErrInvalidData
			}
			f.stored = int(length)
			f.mode = modeStored
			return n, false, nil
		case modeDynHeader:
			if f.nb < 14 {
				return n, true, nil
			}
			f.nlit = int(f.bits&31) + 257
			f.ndist = int(f.bits>>5&31) + 1
			f.ncl = int(f.bits>>10&15) + 4
			f.consume(14)
			if f.nlit > 286 || f.ndist > 30 {
				return n, false, ErrInvalidData
			}
			f.nlens = 0
			f.mode = modeCodeLens
		case modeCodeLens:
			for f.nlens < f.ncl {
				if f.nb < 3 {
					return n, true, nil
				}
				f.lens[clOrder[f.nlens]] = uint8(f.bits & 7)
				f.consume(3)
				f.nlens++
				if f.nb < 3 {
					n += f.refill(in[n:])
				}
			}
			for _, i := range clOrder[f.ncl:] {
				f.lens[i] = 0
			}
			if !f.cl.build(f.lens[:19]) {
				return n, false, ErrInvalidData
			}
			f.nlens = 0
			f.mode = modeLens
		case modeLens:
			total := f.nlit + f.ndist
			for f.nlens < total {
				if f.nb < 14 {
					n += f.refill(in[n:])
				}
				sym, l := f.cl.decode(f.bits, f.nb)
				if l < 0 {
					return n, false, ErrInvalidData
				}
				if l == 0 {
					return n, true, nil
				}
				if sym < 16 {
					f.consume(uint(l))
					f.lens[f.nlens] = uint8(sym)
					f.nlens++
					continue
				}
				var extra, base uint
				var val uint8
				switch sym {
				case 16:
					if f.nlens == 0 {
						return n, false, ErrInvalidData
					}
					extra, base, val = 2, 3, f.lens[f.nlens-1]
				case 17:
					extra, base = 3, 3
				default:
					extra, base = 7, 11
				}
				if f.nb < uint(l)+extra {
					return n, true, nil
				}
				rep := int(base + uint(f.bits>>uint(l)&(1<<extra-1)))
				f.consume(uint(l) + extra)
				if f.nlens+rep > total {
					return n, false, ErrInvalidData
				}
				fill := f.lens[f.nlens : f.nlens+rep]
				for i := range fill {
					fill[i] = val
				}
				f.nlens += rep
			}
			if f.lens[256] == 0 || // no end-of-block code: the block could never end
				!f.dynLit.build(f.lens[:f.nlit]) || !f.dynDist.build(f.lens[f.nlit:total]) {
				return n, false, ErrInvalidData
			}
			f.lit, f.dist = &f.dynLit, &f.dynDist
			f.mode = modeData
			return n, false, nil
		default:
			panic("deflate: bad inflater mode")
		}
	}
}

// endBlock moves on after a block. A block with BFINAL set ends its
// DEFLATE stream; RFC 7692 §7.2.3.3 lets a sender go on with a new stream
// after one in the same message, so the decoder does, starting at the
// next byte and keeping the history.
func (f *inflater) endBlock() {
	if f.final {
		f.consume(f.nb & 7)
	}
	f.mode = modeHeader
}

// storedData copies a stored block's bytes, first those already in the
// bit buffer, into the ring.
func (f *inflater) storedData(in []byte) (n int, more bool) {
	for f.stored > 0 && f.nb >= 8 && f.wr < len(f.win) {
		f.win[f.wr] = byte(f.bits)
		f.wr++
		f.consume(8)
		f.stored--
	}
	k := copy(f.win[f.wr:], in[:min(len(in), f.stored)])
	f.wr += k
	f.stored -= k
	if f.stored == 0 {
		f.endBlock()
		return k, false
	}
	return k, f.wr < len(f.win)
}

// copyMatch copies length bytes from dist back into the ring, as many as
// fit before its end, and keeps the rest in f.copyLen.
func (f *inflater) copyMatch(length, dist int) {
	win := f.win
	end := min(f.wr+length, len(win))
	f.copyLen, f.copyDst = length-(end-f.wr), dist
	dst := f.wr
	src := dst - dist
	if src < 0 {
		src += len(win)
		dst += copy(win[dst:end], win[src:])
		src = 0
	}
	for dst < end {
		dst += copy(win[dst:end], win[src:dst])
	}
	f.wr = end
}

// data decodes a Huffman-coded block into the ring until the block ends,
// the ring is full, or in runs out (more). It works on copies of the bit
// buffer and the write position in local variables, which the compiler
// keeps in registers, and stores them back before it returns.
func (f *inflater) data(in []byte) (n int, more bool, err error) {
	win := f.win
	lit, dist := f.lit, f.dist
	litMask, distMask := uint64(1)<<lit.root-1, uint64(1)<<dist.root-1
	bits, nb, wr := f.bits, f.nb, f.wr
	full, maxDist := f.full, f.maxDist

	// Fast path: at least 8 bytes of input and room for a whole match.
	// One refill gives 56 bits, enough for the longest literal/length
	// code, its extra bits, a distance code and its extra bits (48). The
	// refill reads 8 bytes but takes only those that fit whole; the bits
	// above nb then hold the start of the next bytes, which the next
	// refill ORs in again, or junk that save clears.
	for len(in)-n >= 8 && len(win)-wr >= maxMatch {
		bits |= binary.LittleEndian.Uint64(in[n:]) << nb
		n += int((63 - nb) >> 3)
		nb |= 56

		e := lit.table[bits&litMask]
		l := uint(e & 0xff)
		sym := e >> 8
		if l == 0 {
			s, k := lit.slow(bits, nb)
			if k < 0 {
				return n, false, ErrInvalidData
			}
			sym, l = s, uint(k)
		}
		bits >>= l
		nb -= l
		if sym < 256 {
			win[wr] = byte(sym)
			wr++
			continue
		}
		if sym == 256 {
			f.save(bits, nb, wr)
			f.endBlock()
			return n, false, nil
		}
		sym -= 257
		if sym >= 29 {
			return n, false, ErrInvalidData
		}
		x := uint(lenExtra[sym])
		length := int(lenBase[sym]) + int(bits&(1<<x-1))
		bits >>= x
		nb -= x

		e = dist.table[bits&distMask]
		l = uint(e & 0xff)
		sym = e >> 8
		if l == 0 {
			s, k := dist.slow(bits, nb)
			if k < 0 {
				return n, false, ErrInvalidData
			}
			sym, l = s, uint(k)
		}
		bits >>= l
		nb -= l
		if sym >= 30 {
			return n, false, ErrInvalidData
		}
		x = uint(distExtra[sym])
		d := int(distBase[sym]) + int(bits&(1<<x-1))
		bits >>= x
		nb -= x
		if d > maxDist || !full && d > wr {
			return n, false, ErrInvalidData
		}

		// copyMatch, inline: the whole match fits before the ring's end.
		src := wr - d
		end := wr + length
		if src < 0 {
			src += len(win)
			wr += copy(win[wr:end], win[src:])
			src = 0
		}
		if d >= length {
			copy(win[wr:end], win[src:src+end-wr])
			wr = end
		} else {
			for wr < end {
				wr += copy(win[wr:end], win[src:wr])
			}
		}
	}

	// Careful path: decode one symbol or match at a time, and only once
	// all of its bits are here.
	for {
		if wr == len(win) {
			f.save(bits, nb, wr)
			return n, false, nil
		}
		for nb < 56 && n < len(in) {
			bits |= uint64(in[n]) << nb
			nb += 8
			n++
		}
		sym, k := lit.decode(bits, nb)
		if k < 0 {
			return n, false, ErrInvalidData
		}
		if k == 0 {
			f.save(bits, nb, wr)
			return n, true, nil
		}
		l := uint(k)
		if sym < 256 {
			bits >>= l
			nb -= l
			win[wr] = byte(sym)
			wr++
			continue
		}
		if sym == 256 {
			f.save(bits>>l, nb-l, wr)
			f.endBlock()
			return n, false, nil
		}
		sym -= 257
		if sym >= 29 {
			return n, false, ErrInvalidData
		}
		x := uint(lenExtra[sym])
		used := l + x
		if nb < used {
			f.save(bits, nb, wr)
			return n, true, nil
		}
		length := int(lenBase[sym]) + int(bits>>l&(1<<x-1))
		dsym, dk := dist.decode(bits>>used, nb-used)
		if dk < 0 || dk > 0 && dsym >= 30 {
			return n, false, ErrInvalidData
		}
		if dk == 0 {
			f.save(bits, nb, wr)
			return n, true, nil
		}
		used += uint(dk)
		x = uint(distExtra[dsym])
		if nb < used+x {
			f.save(bits, nb, wr)
			return n, true, nil
		}
		d := int(distBase[dsym]) + int(bits>>used&(1<<x-1))
		used += x
		if d > maxDist || !full && d > wr {
			return n, false, ErrInvalidData
		}
		f.save(bits>>used, nb-used, wr)
		f.copyMatch(length, d)
		if f.copyLen > 0 {
			return n, false, nil
		}
		bits, nb, wr = f.bits, f.nb, f.wr
	}
}

// save stores the bit buffer, clearing the bits above nb, and the write
// position.
func (f *inflater) save(bits uint64, nb uint, wr int) {
	f.bits, f.nb, f.wr = bits&(1<<nb-1), nb, wr
}
