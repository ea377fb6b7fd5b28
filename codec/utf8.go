package codec

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// ValidUTF8 reports whether p is entirely valid UTF-8 as RFC 3629 defines
// it: every code point in its shortest form, no surrogates (U+D800 to
// U+DFFF) and nothing above U+10FFFF. RFC 6455 §8.1 requires the payload of
// a text message to be such UTF-8, and §7.4.1 gives close code 1007 to a
// message that is not. It agrees with [unicode/utf8.Valid] on every input.
//
// Short inputs are checked in Go, longer ones by an assembly kernel: on
// amd64 an AVX-512 one on CPUs with AVX512F and AVX512BW, else an AVX2 one
// on CPUs with AVX2; on arm64 a NEON one. BenchmarkValidUTF8Kernel
// compares them with each other and with utf8.Valid. ValidUTF8 never
// allocates.
func ValidUTF8(p []byte) bool { return validUTF8(p, useUTF8Kernel) }

// UTF8Validator checks UTF-8 that arrives in pieces, such as a text message
// split across frames and reads. Its zero value is ready to use; it holds
// no pointers and never allocates.
//
// It keeps the bytes of a code point that a piece ended in the middle of,
// at most three, and rejects the input as soon as the bytes fed so far can
// no longer begin valid UTF-8, even in the middle of a code point:
//
//	var v codec.UTF8Validator
//	fmt.Println(v.Feed([]byte("caf\xc3"))) // true: C3 can begin a code point
//	fmt.Println(v.Feed([]byte("\xa9")))    // true: C3 A9 is "é"
//	fmt.Println(v.Done())                  // true: no code point is unfinished
type UTF8Validator struct {
	pend  [3]byte // the first bytes of an unfinished code point
	npend uint8   // how many bytes of pend are in use
	size  uint8   // the length of the unfinished code point, from its lead byte
	bad   bool    // something fed was not UTF-8
}

// Feed checks the next piece p of the text. It reports whether everything
// fed since the last Reset is still the beginning of some valid UTF-8, so a
// receiver can fail the connection with 1007 at the first bad byte rather
// than at the end of the message (RFC 6455 §8.1). After Feed returns false it
// keeps returning false until Reset.
func (v *UTF8Validator) Feed(p []byte) bool {
	if v.bad {
		return false
	}
	if v.npend > 0 {
		// Finish the pending code point with the first bytes of p.
		var cp [4]byte
		copy(cp[:], v.pend[:v.npend])
		k := copy(cp[v.npend:v.size], p)
		got := int(v.npend) + k
		if !utf8PrefixOK(cp[:got]) {
			v.bad = true
			return false
		}
		if got < int(v.size) {
			copy(v.pend[:], cp[:got])
			v.npend = uint8(got)
			return true
		}
		v.npend = 0
		p = p[k:]
	}
	cut := utf8CompleteLen(p)
	if !ValidUTF8(p[:cut]) {
		v.bad = true
		return false
	}
	if tail := p[cut:]; len(tail) > 0 {
		if !utf8PrefixOK(tail) {
			v.bad = true
			return false
		}
		v.npend = uint8(copy(v.pend[:], tail))
		v.size = utf8Seq[tail[0]] & 7
	}
	return true
}

// Done reports whether everything fed since the last Reset is valid UTF-8
// that ends on a whole code point: that is, whether a message whose payload
// has all been fed passes RFC 6455 §8.1.
func (v *UTF8Validator) Done() bool { return !v.bad && v.npend == 0 }

// Reset makes v ready for a new message, as its zero value is.
func (v *UTF8Validator) Reset() { *v = UTF8Validator{} }

// utf8CompleteLen returns the length of the longest prefix of p that does
// not end inside an unfinished code point: len(p), unless one of the last
// three bytes is a lead byte whose sequence runs past the end of p. It
// does not validate anything; an invalid lead byte counts as finished.
func utf8CompleteLen(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-3; i-- {
		c := p[i]
		if c&0xC0 == 0x80 {
			continue // continuation byte: look further back
		}
		if int(utf8Seq[c]&7) > len(p)-i {
			return i
		}
		break
	}
	return len(p)
}

// utf8PrefixOK reports whether p, of one to four bytes, is the beginning of
// the encoding of a code point, or all of it: its lead byte is valid, the
// sequence is no shorter than p, the second byte is in the range the lead
// byte allows (RFC 3629 §4), and any further bytes are continuation bytes.
func utf8PrefixOK(p []byte) bool {
	k := utf8Seq[p[0]]
	if int(k&7) < len(p) {
		return false // an invalid lead byte has size 0, ASCII size 1
	}
	if len(p) > 1 {
		if p[1] < utf8SecondLo[k>>4] || utf8SecondHi[k>>4] < p[1] {
			return false
		}
		for _, c := range p[2:] {
			if c&0xC0 != 0x80 {
				return false
			}
		}
	}
	return true
}

// utf8Seq describes each byte as the first byte of a sequence: the low
// three bits are the length of the sequence it begins (1 for ASCII; 0 if it
// cannot begin one: a continuation byte, C0, C1, or F5 to FF), and the high
// nibble indexes utf8SecondLo and utf8SecondHi, the range allowed for the
// second byte (RFC 3629 §4): 1 for E0, 2 for ED, 3 for F0, 4 for F4, 0 for
// the other lead bytes. The later bytes are always continuation bytes, 80
// to BF. The tables are strings so that they live in read-only memory;
// TestUTF8Tables checks them against the rules.
const utf8Seq = "" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" + // 00..0F
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" + // 10..1F
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" + // 20..2F
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" + // 30..3F
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" + // 40..4F
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" + // 50..5F
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" + // 60..6F
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" + // 70..7F
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 80..8F
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 90..9F
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // A0..AF
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // B0..BF
	"\x00\x00\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" + // C0..CF
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" + // D0..DF
	"\x13\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x23\x03\x03" + // E0..EF
	"\x34\x04\x04\x04\x44\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" //  F0..FF

// utf8SecondLo and utf8SecondHi are the bounds for the second byte, by the
// high nibble of utf8Seq. They have 16 entries so that indexing them needs
// no bounds check.
const (
	utf8SecondLo = "\x80\xa0\x80\x90\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
	utf8SecondHi = "\xbf\xbf\x9f\xbf\x8f\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf"
)

const hiBits64 = 0x8080808080808080

// validUTF8 is ValidUTF8, which inlines to a call of it: so a short input
// costs one call, as with utf8.Valid, and a long one two. With kernel set
// it hands inputs of utf8BulkMin bytes or more to this architecture's
// assembly kernel, and those of utf8ShortMin bytes or more that are not all
// ASCII.
//
// Otherwise it first checks whether an input of up to 32 bytes is all
// ASCII with two or four overlapping word loads. Then it decodes one code
// point at a time with utf8Seq; after an ASCII byte it skips ASCII a word
// and then four words at a time, and stops skipping at the first word with
// a non-ASCII byte, at that byte. An ASCII run that gets to the last 8
// bytes ends the input when they are ASCII.
func validUTF8(p []byte, kernel bool) bool {
	if kernel && len(p) >= utf8BulkMin {
		return validUTF8Kernel(unsafe.SliceData(p), len(p))
	}
	// With cap(p) == len(p), and the word loops testing len(p) > 8 and
	// > 32 rather than >=, the compiler knows that p stays non-empty when
	// they advance it, and leaves out the fix-up for a slice advanced to
	// its very end.
	p = p[:len(p):len(p)]
	n := len(p)
	asciiEnd := false
	switch {
	case n >= 16:
		last := binary.LittleEndian.Uint64(p[n-8:])
		if n <= 32 {
			w := last | binary.LittleEndian.Uint64(p) |
				binary.LittleEndian.Uint64(p[n/2-8:]) | binary.LittleEndian.Uint64(p[n/2:])
			if w&hiBits64 == 0 {
				return true
			}
			if kernel && n >= utf8ShortMin {
				return validUTF8Kernel(unsafe.SliceData(p), n)
			}
		}
		asciiEnd = last&hiBits64 == 0
	case n >= 8:
		if (binary.LittleEndian.Uint64(p)|binary.LittleEndian.Uint64(p[n-8:]))&hiBits64 == 0 {
			return true
		}
	case n >= 4:
		if (binary.LittleEndian.Uint32(p)|binary.LittleEndian.Uint32(p[n-4:]))&0x80808080 == 0 {
			return true
		}
	}
	for len(p) > 0 {
		c := p[0]
		if c < 0x80 {
			p = p[1:]
			if len(p) > 8 && binary.LittleEndian.Uint64(p)&hiBits64 == 0 {
				p = p[8:]
				for len(p) > 32 && (binary.LittleEndian.Uint64(p)|binary.LittleEndian.Uint64(p[8:])|
					binary.LittleEndian.Uint64(p[16:])|binary.LittleEndian.Uint64(p[24:]))&hiBits64 == 0 {
					p = p[32:]
				}
				for len(p) > 8 {
					w := binary.LittleEndian.Uint64(p) & hiBits64
					if w != 0 {
						p = p[bits.TrailingZeros64(w)>>3:]
						break
					}
					p = p[8:]
				}
			}
			if len(p) <= 8 && asciiEnd {
				return true
			}
			continue
		}
		k := utf8Seq[c]
		lo, hi := utf8SecondLo[k>>4], utf8SecondHi[k>>4]
		switch k & 7 {
		case 2:
			if len(p) < 2 || p[1] < lo || hi < p[1] {
				return false
			}
			p = p[2:]
		case 3:
			if len(p) < 3 || p[1] < lo || hi < p[1] || p[2]&0xC0 != 0x80 {
				return false
			}
			p = p[3:]
		case 4:
			if len(p) < 4 || p[1] < lo || hi < p[1] || p[2]&0xC0 != 0x80 || p[3]&0xC0 != 0x80 {
				return false
			}
			p = p[4:]
		default:
			return false
		}
	}
	return true
}
