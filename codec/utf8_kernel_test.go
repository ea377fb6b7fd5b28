package codec

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/wsframe/wsframe/internal/testenv"
)

// The tests of this file run every UTF-8 validator of the build
// (utf8Kernels) at every alignment, on every architecture; they were
// written for the AVX-512 kernel, whose block offsets move with p's
// alignment, and hold for the others as they do for it.

// utf8AlignLengths are the input lengths of the alignment tests: every
// length up to 200, which covers the AVX-512 kernel's single masked block
// (up to 64 bytes), its masked last block (65 and 66) and the first and
// last blocks around the aligned ones, and lengths around the steps of its
// loops (64-byte blocks, 256-byte mixed chunks, 512-byte ASCII chunks).
var utf8AlignLengths = func() []int {
	var ns []int
	for n := utf8ShortMin; n <= 200; n++ {
		ns = append(ns, n)
	}
	return append(ns, 255, 256, 257, 319, 320, 321, 383, 384, 385, 511, 512, 513,
		575, 576, 577, 639, 640, 641, 767, 768, 1023, 1024, 1025, 1100)
}()

// TestUTF8KernelAlignment runs each kernel on ASCII inputs that start at
// every offset from a 64-byte boundary, with one thing at every position:
// an FF byte, a stray continuation byte, a valid two- and four-byte code
// point and a four-byte code point cut short. The AVX-512 kernel rounds its
// block offsets to p's alignment, so the positions where blocks and chunks
// meet move with it; this is where a block skipped as ASCII after one that
// ended in an unfinished sequence, or an overlap, would go wrong. With
// -short or the race detector, eight of the 64 alignments.
func TestUTF8KernelAlignment(t *testing.T) {
	things := []struct {
		s     string
		valid bool
	}{{"\xff", false}, {"\x80", false}, {"é", true}, {"😀", true}, {"\xf0\x9f\x98", false}}
	aligns := utf8Aligns()
	for _, k := range utf8Kernels {
		valid := utf8KernelFunc(k)
		t.Run(k, func(t *testing.T) {
			t.Parallel()
			buf := alignedBuffer(64 + 1100)
			bg := utf8Background(1100)
			for _, align := range aligns {
				for _, n := range utf8AlignLengths {
					b := buf[align : align+n]
					copy(b, bg)
					if !valid(b) {
						t.Fatalf("ASCII of %d bytes at alignment %d: got false; want true", n, align)
					}
					for _, th := range things {
						for pos := 0; pos+len(th.s) <= n; pos++ {
							copy(b[pos:], th.s)
							if got := valid(b); got != th.valid {
								t.Fatalf("%q at %d of %d at alignment %d: got %v; want %v", th.s, pos, n, align, got, th.valid)
							}
							copy(b[pos:], bg[pos:pos+len(th.s)])
						}
					}
					fillF0(b, 0)
				}
			}
		})
	}
}

// TestUTF8KernelAlignmentMixed runs each kernel on mixed text of every
// length up to 1100 at every alignment, valid, cut short and with an FF at
// the end, and on mixed text of the utf8AlignLengths up to 300 with each
// byte in turn set to each of utf8Edges, at eight alignments. With -short
// or the race detector, the first part takes only the utf8AlignLengths at
// eight alignments, and the second lengths up to 130 and eight of the
// edges.
func TestUTF8KernelAlignmentMixed(t *testing.T) {
	aligns := utf8Aligns()
	var lengths []int
	for n := 1; n <= 1100; n++ {
		lengths = append(lengths, n)
	}
	maxMut, edges := 300, utf8Edges
	if testing.Short() || testenv.RaceEnabled {
		lengths, maxMut = utf8AlignLengths, 130
		edges = []byte{0x41, 0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4}
	}
	rng := rand.New(rand.NewPCG(15, 16))
	texts := [][]byte{utf8Text("mixed", 1100), randomUTF8(rng, 1100, 0)[:1100]}
	for _, k := range utf8Kernels {
		valid := utf8KernelFunc(k)
		t.Run(k, func(t *testing.T) {
			t.Parallel()
			buf := alignedBuffer(64 + 1100)
			for _, align := range aligns {
				for _, n := range lengths {
					b := buf[align : align+n]
					for _, text := range texts {
						for _, variant := range []string{"text", "cut", "bad"} {
							copy(b, text)
							switch variant {
							case "cut":
								copy(b[max(0, n-3):], "\xf0\x9f\x98")
							case "bad":
								b[n-1] = 0xff
							}
							if got, want := valid(b), utf8.Valid(b); got != want {
								t.Fatalf("%s %q at alignment %d: got %v; want %v", variant, b, align, got, want)
							}
						}
					}
					fillF0(b, 0)
				}
			}
			for _, align := range utf8Aligns8 {
				for _, n := range utf8AlignLengths {
					if n > maxMut {
						break
					}
					b := buf[align : align+n]
					orig := texts[1][:n]
					copy(b, orig)
					for i := range b {
						for _, c := range edges {
							b[i] = c
							if got, want := valid(b), utf8.Valid(b); got != want {
								t.Fatalf("%q at alignment %d: got %v; want %v", b, align, got, want)
							}
						}
						b[i] = orig[i]
					}
					fillF0(b, 0)
				}
			}
		})
	}
}

// utf8Aligns8 are alignments that put the AVX-512 kernel's first aligned
// block at 64, 63, 62, 61, 33 and 32 bytes from p, and two (62 and 63)
// where its blocks stay unaligned, 64 bytes apart from p.
var utf8Aligns8 = []int{0, 1, 2, 3, 31, 32, 62, 63}

// utf8Aligns returns the alignments the tests try: all 64, or eight of
// them with -short or the race detector.
func utf8Aligns() []int {
	if testing.Short() || testenv.RaceEnabled {
		return utf8Aligns8
	}
	var a []int
	for i := 0; i < 64; i++ {
		a = append(a, i)
	}
	return a
}

// alignedBuffer returns n bytes that start at a 64-byte boundary, with
// 64 bytes before them and 64 after, all F0: a kernel that reads a byte
// outside its input there sees a lead byte and gets the answer wrong.
// Code that uses the buffer leaves F0 outside each input too.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+64+63+64)
	off := 64 + int(-uintptr(unsafe.Pointer(unsafe.SliceData(b[64:])))&63)
	for i := range b {
		b[i] = 0xf0
	}
	return b[off : off+n]
}

// fillF0 sets b[i:] to F0, the filler of alignedBuffer.
func fillF0(b []byte, i int) {
	for ; i < len(b); i++ {
		b[i] = 0xf0
	}
}

// FuzzUTF8Kernels compares every validator with utf8.Valid on p placed
// after pad%1100 bytes of ASCII, followed by tail%600 bytes of p repeated,
// in a buffer that starts align%64 bytes after a 64-byte boundary: long
// enough for every loop of the AVX-512 kernel, at any alignment. The bytes
// around the input are F0, as alignedBuffer leaves them.
// FuzzValidUTF8 covers short inputs.
func FuzzUTF8Kernels(f *testing.F) {
	for i, tt := range utf8Cases {
		f.Add([]byte(tt.in), uint16(i*37), uint16(i*91), uint8(i))
	}
	f.Add([]byte(utf8Text("mixed", 300)), uint16(0), uint16(599), uint8(63))
	funcs := make([]func([]byte) bool, len(utf8Kernels))
	for i, k := range utf8Kernels {
		funcs[i] = utf8KernelFunc(k)
	}
	buf := alignedBuffer(64 + 1100 + 4096 + 600)
	f.Fuzz(func(t *testing.T, p []byte, pad, tail uint16, align uint8) {
		if len(p) > 4096 {
			return
		}
		b := append(buf[align%64:align%64], utf8Background(int(pad%1100))...)
		b = append(b, p...)
		for m := int(tail % 600); m > 0 && len(p) > 0; m -= len(p) {
			b = append(b, p[:min(m, len(p))]...)
		}
		want := utf8.Valid(b)
		for i, f := range funcs {
			if got := f(b); got != want {
				t.Fatalf("%s: ValidUTF8(%q) at alignment %d = %v; want %v", utf8Kernels[i], b, align%64, got, want)
			}
		}
		fillF0(b, 0)
	})
}
